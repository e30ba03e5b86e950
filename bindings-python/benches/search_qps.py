#!/usr/bin/env python3
"""Search QPS through the Python binding against the Rust API, and hnswlib's Python API
on the same data: 100k × 768 clustered unit vectors (Gaussian mixture, like the peers
benchmark), 1000 held-out queries, exact top-10 by inner product, M = 16,
ef_construction = 200.

For each ef, on one index and in one process:
- Rust API: `VectorIndex::search` per query and `search_batch` over all queries, timed
  inside Rust with no Python in the loop (`VectorIndex._rust_search_loop`);
- Python: `VectorIndex.search` per query (hits converted to dicts, ids read back) and
  `VectorIndex.search_batch` (one call);
- hnswlib: `knn_query` per query and for the whole batch (num_threads=1 per query,
  batch on the same thread count as search_batch's pool).
Each figure is the best of --repeat runs (wall clock; the machine is shared).

    python bindings-python/benches/search_qps.py --n 100000 --dim 768 --out result.json
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

import lakehouse as lh

K = 10
M = 16
EF_CONSTRUCTION = 200
CHUNK = 10_000


def dataset(n: int, dim: int, nq: int, seed: int, cache: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    path = cache / f"clustered-{n}-{dim}-{nq}-{seed}.npz"
    if path.exists():
        d = np.load(path)
        return d["base"], d["queries"], d["gt"]
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((100, dim)).astype(np.float32)
    pick = rng.integers(0, len(centres), n + nq)
    x = centres[pick] + 0.35 * rng.standard_normal((n + nq, dim)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    base, queries = x[:n].copy(), x[n:].copy()
    gt = np.argsort(-(queries @ base.T), axis=1)[:, :K]
    cache.mkdir(parents=True, exist_ok=True)
    np.savez(path, base=base, queries=queries, gt=gt)
    return base, queries, gt


def recall(found: list[list[int]], gt: np.ndarray) -> float:
    return sum(len(set(f[:K]) & set(g.tolist())) for f, g in zip(found, gt)) / (len(found) * K)


def best(repeat: int, f: Callable[[], Any]) -> tuple[Any, float]:
    out, secs = None, float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        out = f()
        secs = min(secs, time.perf_counter() - t)
    return out, secs


def bench_lakehouse(base: np.ndarray, queries: np.ndarray, gt: np.ndarray, efs: list[int], repeat: int) -> list[dict[str, Any]]:
    index = lh.VectorIndex("bench", base.shape[1], m=M, ef_construction=EF_CONSTRUCTION)
    t = time.perf_counter()
    for s in range(0, len(base), CHUNK):
        e = min(s + CHUNK, len(base))
        index.upsert_batch([str(i) for i in range(s, e)], base[s:e], [{"bucket": i % 100} for i in range(s, e)])
    index.wait_idle()
    print(f"lakehouse build: {time.perf_counter() - t:.1f} s ({index.stats()['graph_state']})", flush=True)
    nq = len(queries)
    rows = []
    for ef in efs:
        index.search(queries[0], K, ef=ef)
        (_, rust_ids), _ = best(1, lambda: index._rust_search_loop(queries, K, ef, False))
        rust_s = min(index._rust_search_loop(queries, K, ef, False)[0] for _ in range(repeat))
        rust_batch_s = min(index._rust_search_loop(queries, K, ef, True)[0] for _ in range(repeat))
        py_found, py_s = best(repeat, lambda: [[int(h["id"]) for h in index.search(q, K, ef=ef)] for q in queries])
        batch, py_batch_s = best(repeat, lambda: index.search_batch(queries, K, ef=ef))
        row = {
            "ef": ef,
            "recall": recall(py_found, gt),
            "rust_recall": recall([[int(i) for i in ids] for ids in rust_ids], gt),
            "batch_recall": recall([[int(h["id"]) for h in hits] for hits in batch], gt),
            "rust_qps": nq / rust_s, "python_qps": nq / py_s,
            "rust_batch_qps": nq / rust_batch_s, "python_batch_qps": nq / py_batch_s,
            "overhead_pct": 100.0 * (py_s / rust_s - 1.0),
            "batch_overhead_pct": 100.0 * (py_batch_s / rust_batch_s - 1.0),
        }
        rows.append(row)
        print(f"lakehouse ef={ef}: recall {row['recall']:.4f}; per query Rust {row['rust_qps']:.0f} qps, "
              f"Python {row['python_qps']:.0f} qps ({row['overhead_pct']:+.1f}%); batch Rust {row['rust_batch_qps']:.0f}, "
              f"Python {row['python_batch_qps']:.0f} ({row['batch_overhead_pct']:+.1f}%)", flush=True)
    return rows


def bench_hnswlib(base: np.ndarray, queries: np.ndarray, gt: np.ndarray, efs: list[int], repeat: int, threads: int) -> list[dict[str, Any]]:
    import hnswlib

    index = hnswlib.Index(space="ip", dim=base.shape[1])
    index.init_index(max_elements=len(base), ef_construction=EF_CONSTRUCTION, M=M)
    t = time.perf_counter()
    index.add_items(base, np.arange(len(base)), num_threads=threads)
    print(f"hnswlib build: {time.perf_counter() - t:.1f} s", flush=True)
    nq = len(queries)
    rows = []
    for ef in efs:
        index.set_ef(max(ef, K))
        found, s = best(repeat, lambda: [index.knn_query(q, k=K, num_threads=1)[0][0].tolist() for q in queries])
        (labels, _), bs = best(repeat, lambda: index.knn_query(queries, k=K, num_threads=threads))
        rows.append({"ef": ef, "recall": recall(found, gt), "qps": nq / s, "batch_qps": nq / bs,
                     "batch_recall": recall(labels.tolist(), gt)})
        print(f"hnswlib ef={ef}: recall {rows[-1]['recall']:.4f}; per query {nq / s:.0f} qps; batch {nq / bs:.0f} qps", flush=True)
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description="Search QPS: Python binding vs Rust API vs hnswlib")
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--dim", type=int, default=768)
    p.add_argument("--nq", type=int, default=1000)
    p.add_argument("--efs", default="64,128")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--threads", type=int, default=os.cpu_count() or 2, help="build threads and batch threads")
    p.add_argument("--cache", type=Path, default=Path("target/bench-data"))
    p.add_argument("--out", type=Path)
    args = p.parse_args()
    efs = [int(e) for e in args.efs.split(",")]
    base, queries, gt = dataset(args.n, args.dim, args.nq, 7, args.cache)
    print(f"clustered: {base.shape[0]} × {base.shape[1]}, {len(queries)} queries", flush=True)
    result = {"n": args.n, "dim": args.dim, "nq": args.nq,
              "lakehouse": bench_lakehouse(base, queries, gt, efs, args.repeat),
              "hnswlib": bench_hnswlib(base, queries, gt, efs, args.repeat, args.threads)}
    print("\n| ef | recall@10 | Rust API qps | Python qps | overhead | Rust search_batch qps | Python search_batch qps | overhead | hnswlib qps | hnswlib batch qps | hnswlib recall |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r, h in zip(result["lakehouse"], result["hnswlib"]):
        print(f"| {r['ef']} | {r['recall']:.4f} | {r['rust_qps']:.0f} | {r['python_qps']:.0f} | {r['overhead_pct']:+.1f}% | "
              f"{r['rust_batch_qps']:.0f} | {r['python_batch_qps']:.0f} | {r['batch_overhead_pct']:+.1f}% | "
              f"{h['qps']:.0f} | {h['batch_qps']:.0f} | {h['recall']:.4f} |")
    if args.out:
        args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
