"""Every error code maps to its exception class with .code and .details (SPEC §6),
triggered through the real API wherever the binding can reach it."""

from __future__ import annotations

import builtins
import json
import socket
import threading
from pathlib import Path

import numpy as np
import pytest
from conftest import DIM, rng_vectors

import lakehouse as lh
from lakehouse import errors


def test_one_class_per_code() -> None:
    assert set(errors._BY_CODE) == set(lh.ERROR_CODES)
    for code in lh.ERROR_CODES:
        cls = lh.error_class(code)
        camel = "".join(p.capitalize() for p in code.split("_")) + "Error"
        assert cls.__name__ == camel and cls.code == code
        assert issubclass(cls, lh.LakehouseError)
        exc = cls("m", {"k": 1})
        assert (exc.code, exc.details, str(exc)) == (code, {"k": 1}, "m")
    assert lh.error_class("NO_SUCH_CODE") is lh.LakehouseError


@pytest.mark.parametrize(
    ("cls", "builtin"),
    [
        (lh.InvalidInputError, ValueError),
        (lh.DimensionMismatchError, ValueError),
        (lh.InvalidConfigError, ValueError),
        (lh.NotFoundError, LookupError),
        (lh.LockedError, OSError),
        (lh.IoError, OSError),
        (lh.TimeoutError, builtins.TimeoutError),
        (lh.ClosedError, ValueError),
        (lh.InternalError, RuntimeError),
        (lh.ReadOnlyError, PermissionError),
    ],
)
def test_builtin_bases(cls: type, builtin: type) -> None:
    assert issubclass(cls, builtin)
    try:
        raise cls("boom", {"x": 1})
    except builtin as e:
        assert e.code == cls.code  # type: ignore[attr-defined]


def check(e: pytest.ExceptionInfo[lh.LakehouseError], code: str) -> dict:  # type: ignore[type-arg]
    assert e.value.code == code and type(e.value) is lh.error_class(code)
    assert isinstance(e.value.details, dict) and e.value.details
    json.dumps(e.value.details)
    return e.value.details


def test_dimension_mismatch_details() -> None:
    index = lh.VectorIndex("workers", DIM)
    with pytest.raises(lh.DimensionMismatchError) as e:
        index.upsert("w-17", np.ones(DIM * 2, np.float32))
    d = check(e, "DIMENSION_MISMATCH")
    assert "w-17" in str(e.value) and str(DIM) in str(e.value)
    assert d.get("expected") == DIM and d.get("got") == DIM * 2


def test_invalid_input_and_config() -> None:
    index = lh.VectorIndex("t", DIM)
    index.upsert("a", rng_vectors(1)[0])
    with pytest.raises(lh.InvalidInputError) as e:
        index.search(rng_vectors(1)[0], k=0)
    check(e, "INVALID_INPUT")
    with pytest.raises(lh.InvalidConfigError) as c:
        lh.VectorIndex("t", DIM, m=100000)
    check(c, "INVALID_CONFIG")
    with pytest.raises(lh.InvalidConfigError):
        lh.VectorIndex("t", DIM, metric="manhattan")


def test_store_errors(tmp_path: Path) -> None:
    with lh.Lakehouse.open(tmp_path / "lake") as lake:
        lake.create_index("w", DIM)
        with pytest.raises(lh.AlreadyExistsError) as a:
            lake.create_index("w", DIM)
        check(a, "ALREADY_EXISTS")
        with pytest.raises(lh.NotFoundError) as n:
            lake.index("missing")
        check(n, "NOT_FOUND")
        with lh.Lakehouse.open(tmp_path / "lake") as second, pytest.raises(lh.LockedError) as lk:
            second.index("w")
        check(lk, "LOCKED")
    with lh.Lakehouse.open_read_only(tmp_path / "lake") as ro:
        assert ro.read_only
        with pytest.raises(lh.ReadOnlyError) as r:
            ro.create_index("x", DIM)
        check(r, "READ_ONLY")


def test_corrupt_manifest(tmp_path: Path) -> None:
    with lh.Lakehouse.open(tmp_path) as lake:
        lake.create_index("w", DIM).upsert("a", rng_vectors(1)[0])
    manifest = tmp_path / "w" / "MANIFEST.json"
    manifest.write_bytes(manifest.read_bytes()[:10])
    with lh.Lakehouse.open(tmp_path) as lake, pytest.raises(lh.CorruptError) as e:
        lake.index("w")
    check(e, "CORRUPT")


def test_io_parquet_closed(tmp_path: Path) -> None:
    afile = tmp_path / "file"
    afile.write_text("not a directory")
    with pytest.raises(lh.IoError) as io:
        lh.Journal(afile / "kb")
    check(io, "IO")
    assert isinstance(io.value, OSError)
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(lh.ParquetError) as pq:
        lh.read_workers(bad)
    check(pq, "PARQUET")
    lake = lh.Lakehouse.open(tmp_path / "lake")
    lake.close()
    with pytest.raises(lh.ClosedError) as cl:
        lake.list()
    check(cl, "CLOSED")


def test_http_and_timeout() -> None:
    # A port nobody listens on: connection refused is an HTTP error.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    emb = lh.HttpEmbedder(url=f"http://127.0.0.1:{port}", dim=DIM, http={"max_retries": 0, "timeout_ms": 2000})
    with pytest.raises(lh.HttpError) as h:
        emb.embed(["hello"])
    check(h, "HTTP")
    # A server that accepts and never answers: the chat client times out.
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    try:
        chat = lh.OpenAiChat(base_url=f"http://127.0.0.1:{server.getsockname()[1]}", model="m", http={"timeout_ms": 200, "max_retries": 0}, api_key="k")
        with pytest.raises(lh.TimeoutError) as to:
            chat.complete([{"role": "user", "content": "hi"}])
        check(to, "TIMEOUT")
        assert isinstance(to.value, builtins.TimeoutError)
    finally:
        stop.set()
        t.join()
        for c in held:
            c.close()
        server.close()


def test_cancelled_by_progress(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    journal = lh.Journal(kb)
    for i in range(30):
        journal.append("audit", {"event_id": f"e-{i}", "ts": "2026-11-25T10:00:00Z", "action": "x", "actor": "a"})
    m = lh.Materializer(kb, tmp_path / "out", progress_every=1)
    m.register("ping", lambda line: {"source_key": json.loads(line)["event_id"], "ts": "2026-11-25T10:00:00Z", "kind": "audit", "task": "ping"}, stream="audit")
    with pytest.raises(lh.CancelledError) as e:
        m.run(progress=lambda p: False)
    check(e, "CANCELLED")
    assert lh.read_evidence(tmp_path / "out") == []


class Boom(Exception):
    pass


class BadEmbedder:
    dim = DIM
    model_id = "bad"

    def embed(self, texts: list[str]) -> np.ndarray:
        raise Boom("embedder exploded")


def test_callback_exception_is_the_cause(corpus_path: Path) -> None:
    index = lh.VectorIndex("w", DIM)
    with pytest.raises(lh.CallbackError) as e:
        lh.ingest(corpus_path, BadEmbedder(), index)
    check(e, "CALLBACK")
    assert isinstance(e.value.__cause__, Boom) and "embedder exploded" in str(e.value.__cause__)
    assert "Boom" in str(e.value)

    def bad_progress(p: lh.IngestProgress) -> None:
        raise Boom("progress exploded")

    with pytest.raises(lh.CallbackError) as p:
        lh.ingest(corpus_path, lh.HashingEmbedder(DIM), index, batch_size=50, progress=bad_progress)
    assert isinstance(p.value.__cause__, Boom)


def test_internal_and_json_classes() -> None:
    # No public call can produce these on purpose; their classes still carry the contract.
    for code, base in (("INTERNAL", RuntimeError), ("JSON", ValueError)):
        cls = lh.error_class(code)
        assert issubclass(cls, base) and cls.code == code
