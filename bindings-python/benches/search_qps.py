#!/usr/bin/env python3
"""Search QPS through the Python binding, next to the Rust API and hnswlib's Python API,
on a peers-benchmark dataset (files written by `cargo run --release --example peers_data`,
layout in examples/peers/dataset.rs): same vectors, same queries, same M = 16 and
ef_construction = 200, one query thread.

For each ef: recall@10 and queries per second of
- `VectorIndex.search` called once per query (what a notebook loop does),
- `VectorIndex.search_batch` over all queries (one call),
- hnswlib `knn_query` per query and for the whole batch (num_threads=1).
QPS is counted against process CPU time (like peers_bench's `qps`) and wall time.
The Rust figures come from `peers_bench --lib lakehouse` on the same files; pass its
JSON with --rust to print the overhead of the binding.

    python bindings-python/benches/search_qps.py --data benches/peers/data/full \\
        --dataset clustered --rust /tmp/rust.json --out /tmp/python.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

import lakehouse as lh

K = 10
M = 16
EF_CONSTRUCTION = 200
CHUNK = 10_000


def load(data: Path, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    base = np.load(data / f"{name}.base.npy")
    queries = np.load(data / f"{name}.query.npy")
    gt = np.load(data / f"{name}.gt.npy")
    bucket = np.load(data / f"{name}.bucket.npy")
    return base, queries, gt, bucket


def recall(found: list[list[int]], gt: np.ndarray) -> float:
    hits = sum(len(set(f[:K]) & set(g[:K].tolist())) for f, g in zip(found, gt))
    return hits / (len(found) * K)


def clocked(f: Callable[[], Any]) -> tuple[Any, float, float]:
    w, c = time.perf_counter(), time.process_time()
    out = f()
    return out, time.perf_counter() - w, time.process_time() - c


def bench_lakehouse(base: np.ndarray, queries: np.ndarray, gt: np.ndarray, bucket: np.ndarray, efs: list[int]) -> dict[str, Any]:
    index = lh.VectorIndex("peers", base.shape[1], m=M, ef_construction=EF_CONSTRUCTION)
    _, build_s, _ = clocked(lambda: [
        index.upsert_batch([str(i) for i in range(s, min(s + CHUNK, len(base)))], base[s:s + CHUNK],
                           [{"bucket": int(b)} for b in bucket[s:s + CHUNK]])
        for s in range(0, len(base), CHUNK)
    ])
    index.wait_idle()
    index.search(queries[0], K)  # warm-up
    sweep = []
    for ef in efs:
        found, wall, cpu = clocked(lambda: [[int(h["id"]) for h in index.search(q, K, ef=ef)] for q in queries])
        batch, bwall, bcpu = clocked(lambda: index.search_batch(queries, K, ef=ef))
        bfound = [[int(h["id"]) for h in hits] for hits in batch]
        n = len(queries)
        sweep.append({"ef": ef, "recall": recall(found, gt), "qps": n / cpu, "wall_qps": n / wall,
                      "batch_recall": recall(bfound, gt), "batch_qps": n / bcpu, "batch_wall_qps": n / bwall})
        print(f"[python lakehouse] ef={ef}: recall {sweep[-1]['recall']:.4f} {n / cpu:.0f} qps "
              f"({n / wall:.0f} wall); search_batch {n / bcpu:.0f} qps ({n / bwall:.0f} wall)", flush=True)
    return {"lib": "lakehouse (python)", "build_s": build_s, "sweep": sweep, "stats": index.stats()}


def bench_hnswlib(base: np.ndarray, queries: np.ndarray, gt: np.ndarray, efs: list[int], threads: int) -> dict[str, Any]:
    import hnswlib

    index = hnswlib.Index(space="ip", dim=base.shape[1])
    index.init_index(max_elements=len(base), ef_construction=EF_CONSTRUCTION, M=M)
    _, build_s, _ = clocked(lambda: index.add_items(base, np.arange(len(base)), num_threads=threads))
    index.set_num_threads(1)
    sweep = []
    for ef in efs:
        index.set_ef(max(ef, K))
        found, wall, cpu = clocked(lambda: [index.knn_query(q, k=K, num_threads=1)[0][0].tolist() for q in queries])
        (labels, _), bwall, bcpu = clocked(lambda: index.knn_query(queries, k=K, num_threads=1))
        n = len(queries)
        sweep.append({"ef": ef, "recall": recall(found, gt), "qps": n / cpu, "wall_qps": n / wall,
                      "batch_recall": recall(labels.tolist(), gt), "batch_qps": n / bcpu, "batch_wall_qps": n / bwall})
        print(f"[python hnswlib] ef={ef}: recall {sweep[-1]['recall']:.4f} {n / cpu:.0f} qps "
              f"({n / wall:.0f} wall); batch {n / bcpu:.0f} qps ({n / bwall:.0f} wall)", flush=True)
    return {"lib": "hnswlib (python)", "build_s": build_s, "sweep": sweep}


def table(results: list[dict[str, Any]], rust: dict[str, Any] | None) -> str:
    rust_by_ef = {s["ef"]: s for s in (rust or {}).get("sweep", [])}
    lines = ["| library | ef | recall@10 | QPS per query (cpu) | QPS batch (cpu) | vs Rust per query | vs Rust batch |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for s in rust_by_ef.values():
        batch = s.get("batch_qps")
        lines.append(f"| lakehouse (Rust API) | {s['ef']} | {s['recall']:.4f} | {s['qps']:.0f} | "
                     f"{f'{batch:.0f}' if batch else '—'} | | |")
    for r in results:
        for s in r["sweep"]:
            ref = rust_by_ef.get(s["ef"]) if r["lib"].startswith("lakehouse") else None
            per = f"{100.0 * (ref['qps'] / s['qps'] - 1):+.1f}% overhead" if ref else ""
            ref_batch = (ref or {}).get("batch_qps") or (ref or {}).get("qps")
            bat = f"{100.0 * (ref_batch / s['batch_qps'] - 1):+.1f}% overhead" if ref and ref_batch else ""
            lines.append(f"| {r['lib']} | {s['ef']} | {s['recall']:.4f} | {s['qps']:.0f} | {s['batch_qps']:.0f} | {per} | {bat} |")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--dataset", default="clustered")
    p.add_argument("--efs", default="64,128")
    p.add_argument("--libs", default="lakehouse,hnswlib")
    p.add_argument("--build-threads", type=int, default=2)
    p.add_argument("--rust", type=Path, help="peers_bench JSON of the Rust API on the same files")
    p.add_argument("--out", type=Path)
    args = p.parse_args()
    efs = [int(e) for e in args.efs.split(",")]
    base, queries, gt, bucket = load(args.data, args.dataset)
    print(f"{args.dataset}: {base.shape[0]} × {base.shape[1]}, {len(queries)} queries", flush=True)
    results = []
    for lib in args.libs.split(","):
        if lib == "lakehouse":
            results.append(bench_lakehouse(base, queries, gt, bucket, efs))
        elif lib == "hnswlib":
            results.append(bench_hnswlib(base, queries, gt, efs, args.build_threads))
    rust = json.loads(args.rust.read_text()) if args.rust else None
    print(table(results, rust))
    if args.out:
        args.out.write_text(json.dumps({"dataset": args.dataset, "results": results, "rust": rust}, indent=2, default=str))


if __name__ == "__main__":
    main()
