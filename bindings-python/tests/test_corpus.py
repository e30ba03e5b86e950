"""Corpus: generate, write, read, ingest with progress (tqdm), Ctrl-C, custom embedders."""

from __future__ import annotations

import io
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import DIM
from tqdm import tqdm

import lakehouse as lh


def test_generate_write_read(tmp_path: Path) -> None:
    ws = lh.generate_workers(5, seed=1)
    assert ws == lh.generate_workers(5, seed=1) and len(ws) == 5
    assert {"worker_id", "city", "role", "certifications"} <= set(ws[0])
    path = tmp_path / "w.parquet"
    assert lh.write_workers_parquet(path, ws) == 5
    assert lh.read_workers(path) == ws
    assert lh.generate_workers_parquet(tmp_path / "g.parquet", 5, seed=1) == 5
    assert lh.read_workers(tmp_path / "g.parquet") == ws
    assert ws[0]["role"] in lh.worker_text(ws[0])
    assert lh.worker_metadata(ws[0])["city"] == ws[0]["city"]
    with pytest.raises(lh.InvalidInputError):
        lh.write_workers_parquet(tmp_path / "x.parquet", [{"worker_id": "w"}])


def test_ingest_reports_progress_to_tqdm(corpus_path: Path) -> None:
    index = lh.VectorIndex("workers", DIM)
    seen: list[lh.IngestProgress] = []
    with tqdm(total=300, file=io.StringIO()) as bar:

        def progress(p: lh.IngestProgress) -> None:
            seen.append(p)
            bar.update(p["indexed"] - bar.n)

        report = lh.ingest(corpus_path, lh.HashingEmbedder(DIM), index, batch_size=64, progress=progress)
        assert bar.n == 300
    assert report["rows_read"] == 300 and report["indexed"] == 300 and report["rejected"] == []
    assert len(index) == 300 and seen[-1]["total_rows"] == 300 and len(seen) == 5
    hits = index.search(lh.HashingEmbedder(DIM).embed_one("forklift"), k=3, filter={"field": "status", "eq": "active"})
    assert all(h["metadata"]["status"] == "active" for h in hits)


class NumpyEmbedder:
    """A custom embedder: any object with dim, model_id and embed()."""

    def __init__(self) -> None:
        self.inner = lh.HashingEmbedder(DIM)
        self.calls = 0

    @property
    def dim(self) -> int:
        return DIM

    def model_id(self) -> str:
        return "numpy-wrapper"

    def embed(self, texts: list[str]) -> list[list[float]]:
        self.calls += 1
        return self.inner.embed(texts).astype(np.float64).tolist()


def test_custom_embedder_everywhere(corpus_path: Path) -> None:
    custom = NumpyEmbedder()
    index = lh.VectorIndex("workers", DIM)
    report = lh.ingest(corpus_path, custom, index, batch_size=100)
    assert report["indexed"] == 300 and custom.calls >= 3
    cached = lh.CachedEmbedder(custom, capacity=8)
    assert cached.dim == DIM and cached.model_id == "numpy-wrapper"
    v, hit = cached.embed_one("welder")
    assert v.dtype == np.float32 and not hit
    assert cached.embed_one("welder")[1]
    assert cached.embed(["a", "b"]).shape == (2, DIM)
    assert cached.stats()["hits"] == 1
    cached.clear()
    assert cached.stats()["len"] == 0
    h = lh.HashingEmbedder(DIM)
    assert h.dim == DIM and h.model_id and "HashingEmbedder" in repr(h)
    np.testing.assert_array_equal(h.embed(["x"])[0], h.embed_one("x"))

    class WrongDim(NumpyEmbedder):
        def embed(self, texts: list[str]) -> list[list[float]]:
            return [[0.5] * (DIM - 1) for _ in texts]

    with pytest.raises(lh.DimensionMismatchError):
        lh.ingest(corpus_path, WrongDim(), lh.VectorIndex("w2", DIM))
    with pytest.raises(lh.InvalidInputError):
        lh.ingest(corpus_path, object(), index)


def test_ctrl_c_interrupts_ingest_and_index_stays_consistent(corpus_path: Path) -> None:
    index = lh.VectorIndex("workers", DIM)
    batches: list[int] = []

    def progress(p: lh.IngestProgress) -> None:
        batches.append(p["indexed"])
        if len(batches) == 2:
            signal.raise_signal(signal.SIGINT)
            # Let the main thread see the signal (it polls every 20 ms) before this
            # batch's callback returns, so the ingest stops right after it.
            time.sleep(0.5)

    with pytest.raises(KeyboardInterrupt):
        lh.ingest(corpus_path, lh.HashingEmbedder(DIM), index, batch_size=20, parallel_batches=1, progress=progress)
    # Stopped between batches: what was upserted is whole and searchable.
    assert 0 < len(index) < 300 and len(index) % 20 == 0
    assert len(index) <= batches[-1] + 40
    for h in index.search(lh.HashingEmbedder(DIM).embed_one("welder"), k=5):
        assert h["id"] in index
    # Re-running finishes the job (ids are upserted).
    assert lh.ingest(corpus_path, lh.HashingEmbedder(DIM), index)["indexed"] == 300
    assert len(index) == 300
