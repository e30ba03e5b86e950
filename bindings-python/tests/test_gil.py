"""Blocking calls release the GIL: a Python thread keeps running during a long ingest
and a long search_batch (both with no Python callback in the loop, so the thread can
only run if the binding let go of the GIL)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from conftest import DIM, rng_vectors

import lakehouse as lh


@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "workers.parquet"
    lh.generate_workers_parquet(path, 6000, seed=3)
    return path


@contextmanager
def ticker() -> Iterator[Callable[[], int]]:
    """Counts loop turns of a Python thread; each turn needs the GIL."""
    count = 0
    stop = threading.Event()

    def run() -> None:
        nonlocal count
        while not stop.wait(0.0002):
            count += 1

    t = threading.Thread(target=run)
    t.start()
    try:
        yield lambda: count
    finally:
        stop.set()
        t.join()


# With the GIL held for the whole call the thread gets at most one turn (at the switch
# back to bytecode); a released GIL lets it turn freely.
MIN_TURNS = 5


def test_thread_runs_during_ingest(big_corpus: Path) -> None:
    index = lh.VectorIndex("workers", 256)
    with ticker() as turns:
        before = turns()
        lh.ingest(big_corpus, lh.HashingEmbedder(256), index, batch_size=256)
        during = turns() - before
    assert len(index) == 6000
    assert during >= MIN_TURNS


def test_thread_runs_during_search_batch() -> None:
    index = lh.VectorIndex("t", DIM, small_index_threshold=100000)
    index.upsert_batch([f"w-{i}" for i in range(20000)], rng_vectors(20000))
    queries = rng_vectors(300, seed=9)
    with ticker() as turns:
        before = turns()
        out = index.search_batch(queries, k=10)
        during = turns() - before
    assert len(out) == 300 and all(len(h) == 10 for h in out)
    assert during >= MIN_TURNS


def test_threads_search_concurrently() -> None:
    index = lh.VectorIndex("t", DIM)
    index.upsert_batch([f"w-{i}" for i in range(500)], rng_vectors(500))
    queries = rng_vectors(40, seed=2)
    expected = [[h["id"] for h in index.search(q, k=5)] for q in queries]
    results: dict[int, list[list[str]]] = {}

    def worker(n: int) -> None:
        results[n] = [[h["id"] for h in index.search(q, k=5)] for q in queries]

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r == expected for r in results.values())
    assert np.isfinite(queries).all()
