"""Lakehouse: durable indexes, context manager, close and reopen."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import DIM, rng_vectors

import lakehouse as lh


def test_reopen_while_handles_are_alive(tmp_path: Path) -> None:
    with lh.Lakehouse.open(tmp_path) as lake:
        index = lake.create_index("w", DIM)
        index.upsert("a", rng_vectors(1)[0])
    with lh.Lakehouse.open(tmp_path) as again:
        assert len(again.index("w")) == 1
    # The old handle still answers from memory; writes and searches are CLOSED.
    assert len(index) == 1
    with pytest.raises(lh.ClosedError):
        index.upsert("b", rng_vectors(1)[0])


def test_with_closes_and_reopen_succeeds(tmp_path: Path) -> None:
    vs = rng_vectors(40)
    with lh.Lakehouse.open(tmp_path, durability={"buffered": {"interval_ms": 50}}, snapshot_every=0) as lake:
        assert lake.path == str(tmp_path) and not lake.read_only and not lake.closed
        index = lake.create_index("workers", DIM, metric="dot", m=12)
        index.upsert_batch([f"w-{i}" for i in range(40)], vs, [{"i": i} for i in range(40)])
        lake.open_or_create("playbooks", DIM)
        assert lake.list() == ["playbooks", "workers"]
        lake.flush()
        lake.snapshot("workers")
        lake.wait_idle("workers")
        assert lake.store_stats("workers")["snapshots_taken"] >= 1
        del index
    assert lake.closed and "closed" in repr(lake)
    lake.close()  # idempotent
    # The lock is released at once: the same process opens the directory again.
    with lh.Lakehouse.open(tmp_path) as again:
        index = again.index("workers")
        assert len(index) == 40
        got = index.get("w-7")
        assert got is not None and got["metadata"] == {"i": 7}
        np.testing.assert_array_equal(got["vector"], vs[7])
        report = again.last_open_report("workers")
        assert report is not None and report["snapshot_records"] == 40
        assert again.last_open_report("nope") is None
        again.drop_index("playbooks")
        assert again.list() == ["workers"]


def test_handles_of_a_closed_lakehouse_raise_closed(tmp_path: Path) -> None:
    lake = lh.Lakehouse.open(tmp_path)
    lake.create_index("w", DIM)
    lake.close()
    for call in (lambda: lake.index("w"), lambda: lake.create_index("x", DIM), lake.flush, lambda: lake.read_only):
        with pytest.raises(lh.ClosedError):
            call()


def test_unknown_store_option_is_invalid_config(tmp_path: Path) -> None:
    with pytest.raises(lh.InvalidConfigError):
        lh.Lakehouse.open(tmp_path, snapshot_evry=5)
    # Nothing was locked by the failed open.
    lh.Lakehouse.open(tmp_path).close()
