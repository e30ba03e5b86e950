"""VectorIndex: every method, numpy inputs of every accepted kind, Arrow in and out."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from conftest import DIM, rng_vectors

import lakehouse as lh
from lakehouse import filters as f


def test_upsert_search_get_len_contains_delete() -> None:
    index = lh.VectorIndex("t", DIM, metric="cosine", ef_search=32)
    assert (index.name, index.dim, len(index)) == ("t", DIM, 0)
    assert index.config()["ef_search"] == 32
    vs = rng_vectors(5)
    for i, v in enumerate(vs):
        index.upsert(f"id-{i}", v, {"n": i, "city": "Dayton" if i % 2 else "Akron"})
    assert len(index) == 5 and "id-3" in index and "nope" not in index
    hits = index.search(vs[3], k=2)
    assert hits[0]["id"] == "id-3" and isinstance(hits[0]["score"], float)
    assert hits[0]["metadata"] == {"n": 3, "city": "Dayton"}
    rec = index.get("id-3")
    assert rec is not None and rec["id"] == "id-3"
    assert rec["vector"].dtype == np.float32 and rec["vector"].shape == (DIM,)
    assert index.get("nope") is None
    assert index.delete("id-3") is True and index.delete("id-3") is False
    assert index.delete_batch(["id-0", "id-1", "zzz"]) == 2
    assert len(index) == 2
    stats = index.stats()
    assert stats["live"] == 2 and stats["name"] == "t" and stats["metric"] == "cosine"
    index.wait_idle()
    assert "VectorIndex" in repr(index)


def test_filters_exclude_and_ef() -> None:
    index = lh.VectorIndex("t", DIM)
    vs = rng_vectors(20)
    index.upsert_batch([f"w-{i}" for i in range(20)], vs, [{"city": "Dayton" if i < 10 else "Akron", "i": i} for i in range(20)])
    hits = index.search(vs[0], k=5, filter=f.eq("city", "Akron"))
    assert hits and all(h["metadata"]["city"] == "Akron" for h in hits)
    hits = index.search(vs[0], k=20, filter=f.and_(f.in_("i", [1, 2, 3]), f.not_(f.eq("i", 2))))
    assert sorted(h["id"] for h in hits) == ["w-1", "w-3"]
    assert f.or_(f.eq("a", 1)) == {"or": [{"field": "a", "eq": 1}]}
    hits = index.search(vs[0], k=3, exclude_ids=["w-0"], ef=50)
    assert "w-0" not in [h["id"] for h in hits] and len(hits) == 3


def test_search_batch_matches_single_searches() -> None:
    index = lh.VectorIndex("t", DIM)
    vs = rng_vectors(50)
    index.upsert_batch([f"w-{i}" for i in range(50)], vs)
    queries = rng_vectors(7, seed=3)
    batch = index.search_batch(queries, k=4)
    assert len(batch) == 7
    for q, hits in zip(queries, batch):
        assert [h["id"] for h in hits] == [h["id"] for h in index.search(q, k=4)]


@pytest.mark.parametrize(
    "make",
    [
        lambda v: v.astype(np.float32),
        lambda v: v.astype(np.float64),
        lambda v: v.tolist(),
        lambda v: tuple(float(x) for x in v),
        lambda v: np.repeat(v, 2)[::2],  # non-contiguous view
        lambda v: v.reshape(1, -1),  # a (1, dim) row
        lambda v: np.asfortranarray(np.stack([v, v]))[0],
    ],
    ids=["float32", "float64", "list", "tuple", "strided", "row", "fortran"],
)
def test_accepted_vector_kinds(make) -> None:  # type: ignore[no-untyped-def]
    v = rng_vectors(1)[0]
    index = lh.VectorIndex("t", DIM, metric="dot")
    index.upsert("a", make(v))
    got = index.get("a")
    assert got is not None
    np.testing.assert_allclose(got["vector"], v, rtol=1e-6)
    assert index.search(make(v), k=1)[0]["id"] == "a"


@pytest.mark.parametrize(
    "matrix",
    [
        lambda m: m,
        lambda m: m.astype(np.float64),
        lambda m: m.tolist(),
        lambda m: np.asfortranarray(m),
        lambda m: np.repeat(m, 2, axis=1)[:, ::2],
    ],
    ids=["float32", "float64", "lists", "fortran", "strided"],
)
def test_accepted_matrix_kinds(matrix) -> None:  # type: ignore[no-untyped-def]
    m = rng_vectors(6)
    index = lh.VectorIndex("t", DIM, metric="dot")
    assert index.upsert_batch([f"w-{i}" for i in range(6)], matrix(m)) == 6
    for i in range(6):
        got = index.get(f"w-{i}")
        assert got is not None
        np.testing.assert_allclose(got["vector"], m[i], rtol=1e-6)
    assert [h[0]["id"] for h in index.search_batch(matrix(m), k=1)] == [f"w-{i}" for i in range(6)]


@pytest.mark.parametrize(
    "bad",
    [np.zeros(DIM + 1, np.float32), np.zeros((2, DIM), np.float32), np.zeros((2, 2, DIM), np.float32), [1.0, 2.0]],
    ids=["long", "two-rows", "3d", "short-list"],
)
def test_bad_shapes_are_dimension_mismatch(bad) -> None:  # type: ignore[no-untyped-def]
    index = lh.VectorIndex("t", DIM)
    with pytest.raises(lh.DimensionMismatchError) as e:
        index.upsert("a", bad)
    assert e.value.code == "DIMENSION_MISMATCH" and isinstance(e.value, ValueError)
    assert len(index) == 0
    with pytest.raises(lh.DimensionMismatchError):
        index.search(bad, k=1)


def test_bad_batches_change_nothing() -> None:
    index = lh.VectorIndex("t", DIM)
    with pytest.raises(lh.DimensionMismatchError):
        index.upsert_batch(["a", "b"], rng_vectors(2, DIM + 3))
    with pytest.raises(lh.DimensionMismatchError):
        index.upsert_batch(["a", "b", "c"], rng_vectors(2))
    with pytest.raises(lh.DimensionMismatchError):
        index.search_batch(rng_vectors(2, DIM - 1), k=1)
    with pytest.raises(lh.InvalidInputError):
        index.upsert("a", ["x"] * DIM)
    nan = rng_vectors(1)[0]
    nan[3] = np.nan
    with pytest.raises(lh.InvalidInputError):
        index.upsert("a", nan)
    assert len(index) == 0


def test_metadata_accepts_numpy_scalars_and_rejects_nan() -> None:
    index = lh.VectorIndex("t", DIM)
    v = rng_vectors(1)[0]
    index.upsert("a", v, {"n": np.int64(3), "r": np.float32(0.5), "ok": np.bool_(True), "tags": np.array(["x", "y"]), "t": (1, 2)})
    got = index.get("a")
    assert got is not None and got["metadata"] == {"n": 3, "r": 0.5, "ok": True, "tags": ["x", "y"], "t": [1, 2]}
    with pytest.raises(lh.InvalidInputError):
        index.upsert("b", v, {"x": float("nan")})
    with pytest.raises(lh.InvalidInputError):
        index.upsert("b", v, {1: "int key"})
    assert "b" not in index


def test_to_arrow_round_trips_through_upsert_batch() -> None:
    index = lh.VectorIndex("t", DIM, metric="dot")
    vs = rng_vectors(10)
    index.upsert_batch([f"w-{i}" for i in range(10)], vs, [{"i": i} for i in range(10)])
    table = index.to_arrow()
    assert isinstance(table, pa.Table) and table.num_rows == 10
    assert table.schema.field("vector").type == pa.list_(pa.field("item", pa.float32(), nullable=False), DIM)
    copy = lh.VectorIndex("copy", DIM, metric="dot")
    assert copy.upsert_batch(table) == 10
    for i in range(10):
        got = copy.get(f"w-{i}")
        assert got is not None and got["metadata"] == {"i": i}
        np.testing.assert_array_equal(got["vector"], vs[i])


def test_upsert_batch_from_pyarrow_and_pandas() -> None:
    vs = rng_vectors(4)
    table = pa.table({
        "id": ["a", "b", "c", "d"],
        "vector": pa.array(list(vs), type=pa.list_(pa.float32())),
        "metadata": [{"city": "Dayton"}, {"city": "Akron"}, None, {"city": "Ohio City"}],
    })
    index = lh.VectorIndex("t", DIM, metric="dot")
    assert index.upsert_batch(table) == 4
    assert (index.get("b") or {}).get("metadata") == {"city": "Akron"}
    df = pd.DataFrame({"id": ["x", "y"], "vector": [vs[0].astype(np.float64), vs[1].astype(np.float64)], "metadata": [{"k": 1}, {"k": 2}]})
    assert index.upsert_batch(df) == 2
    got = index.get("y")
    assert got is not None and got["metadata"] == {"k": 2}
    np.testing.assert_allclose(got["vector"], vs[1], rtol=1e-6)
    no_meta = pa.table({"id": ["z"], "vector": pa.array([vs[2]], type=pa.list_(pa.float64()))})
    assert index.upsert_batch(no_meta) == 1 and "z" in index
    with pytest.raises(lh.InvalidInputError):
        index.upsert_batch(pa.table({"name": ["q"]}))
    with pytest.raises(lh.DimensionMismatchError):
        index.upsert_batch(pa.table({"id": ["q"], "vector": pa.array([[1.0, 2.0]])}))
    assert "q" not in index
