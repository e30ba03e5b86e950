#!/usr/bin/env python3
"""Python side of the peers benchmark: hnswlib, faiss (IndexHNSWFlat, inner product)
and usearch on the files written by `peers_data` (layout: examples/peers/dataset.rs).

One library per process, so the resident-memory growth of a build is that library's
alone. Same parameters as the Rust side: M = 16, ef_construction = 200, the given build
threads, one query thread; recall@10 and QPS at each ef, per-query loop and batch API.
Writes one JSON result (schema shared with examples/peers_bench.rs, read by report.py).

    python peers.py --data DIR --dataset clustered --lib hnswlib --out result.json
"""

import argparse
import ctypes
import json
import os
import platform
import sys
import time

import numpy as np

K = 10
M = 16
EF_CONSTRUCTION = 200


def rss_bytes():
    """(current, peak) resident set size from /proc/self/status."""
    cur = peak = 0
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                cur = int(line.split()[1]) * 1024
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1]) * 1024
    return cur, peak


def trim():
    """Give freed heap back to the OS so RSS growth counts live memory only."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except OSError:
        pass


def load(data, name, part):
    return np.load(os.path.join(data, f"{name}.{part}.npy"))


def recall(found, truth):
    hit = 0
    for f, t in zip(found, truth):
        hit += len(set(int(x) for x in f[:K]) & set(int(x) for x in t[:K]))
    return hit / (len(truth) * K)


# Each adapter: build(base, threads), set_ef(ef), one(q) -> ids, batch(Q) -> ids (nq x k),
# one_filtered(q, mask) -> ids (only where the library has a filter callable).


class Hnswlib:
    name = "hnswlib"

    def __init__(self):
        import hnswlib

        self.mod = hnswlib
        self.version = getattr(hnswlib, "__version__", "0.8.0")

    def build(self, base, threads):
        n, dim = base.shape
        self.index = self.mod.Index(space="ip", dim=dim)
        self.index.init_index(max_elements=n, ef_construction=EF_CONSTRUCTION, M=M, random_seed=100)
        self.index.add_items(base, np.arange(n), num_threads=threads)

    def set_ef(self, ef):
        self.index.set_ef(max(ef, K))

    def one(self, q):
        labels, _ = self.index.knn_query(q, k=K, num_threads=1)
        return labels[0]

    def batch(self, qs):
        labels, _ = self.index.knn_query(qs, k=K, num_threads=1)
        return labels

    def prepare_filter(self, mask):
        # A list's bound __getitem__ is the cheapest Python callable hnswlib can call.
        return [bool(x) for x in mask].__getitem__

    def one_filtered(self, q, allowed):
        try:
            labels, _ = self.index.knn_query(q, k=K, num_threads=1, filter=allowed)
            return labels[0]
        except RuntimeError:
            # hnswlib raises when it finds fewer than k allowed items: counted as misses.
            return []


class Faiss:
    name = "faiss"

    def __init__(self):
        import faiss

        self.mod = faiss
        self.version = faiss.__version__

    def build(self, base, threads):
        faiss = self.mod
        faiss.omp_set_num_threads(threads)
        self.index = faiss.IndexHNSWFlat(base.shape[1], M, faiss.METRIC_INNER_PRODUCT)
        self.index.hnsw.efConstruction = EF_CONSTRUCTION
        self.index.add(base)
        faiss.omp_set_num_threads(1)

    def set_ef(self, ef):
        self.index.hnsw.efSearch = ef

    def one(self, q):
        _, labels = self.index.search(q.reshape(1, -1), K)
        return labels[0]

    def batch(self, qs):
        _, labels = self.index.search(qs, K)
        return labels


class Usearch:
    name = "usearch"

    def __init__(self):
        import usearch
        from usearch.index import Index

        self.cls = Index
        self.version = usearch.__version__

    def build(self, base, threads):
        n, dim = base.shape
        self.index = self.cls(
            ndim=dim,
            metric="ip",
            dtype="f32",
            connectivity=M,
            expansion_add=EF_CONSTRUCTION,
            expansion_search=64,
        )
        self.index.add(np.arange(n, dtype=np.uint64), base, threads=threads)

    def set_ef(self, ef):
        self.index.expansion_search = ef

    def one(self, q):
        return self.index.search(q, K, threads=1).keys

    def batch(self, qs):
        return self.index.search(qs, K, threads=1).keys


LIBS = {"hnswlib": Hnswlib, "faiss": Faiss, "usearch": Usearch}


def timed(fn, n):
    """(result, QPS by process CPU time, QPS by wall time). The machine is shared, so
    wall time measures the neighbours' load as much as ours; the CPU time of a
    single-threaded query loop does not."""
    t, c = time.perf_counter(), time.process_time()
    out = fn()
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    return out, n / max(cpu, 1e-9), n / max(wall, 1e-9)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--lib", required=True, choices=sorted(LIBS))
    ap.add_argument("--out", required=True)
    ap.add_argument("--efs", default="10,16,32,64,128,256")
    ap.add_argument("--build-threads", type=int, default=2)
    ap.add_argument("--filtered", action="store_true", help="also run the filtered case")
    ap.add_argument("--filtered-nq", type=int, default=200)
    ap.add_argument("--filtered-efs", default="16,64,256")
    args = ap.parse_args()

    with open(os.path.join(args.data, f"{args.dataset}.meta.json")) as f:
        meta = json.load(f)
    base = np.ascontiguousarray(load(args.data, args.dataset, "base"), dtype=np.float32)
    queries = np.ascontiguousarray(load(args.data, args.dataset, "query"), dtype=np.float32)
    gt = load(args.data, args.dataset, "gt")
    lib = LIBS[args.lib]()

    trim()
    rss_before, _ = rss_bytes()
    t, c = time.perf_counter(), time.process_time()
    lib.build(base, args.build_threads)
    build_s, build_cpu_s = time.perf_counter() - t, time.process_time() - c
    trim()
    rss_after, peak = rss_bytes()
    print(f"[peers.py] {lib.name} {args.dataset}: built in {build_s:.1f}s "
          f"({build_cpu_s:.1f} CPU s)", file=sys.stderr)

    efs = [int(x) for x in args.efs.split(",")]
    lib.set_ef(efs[0])
    for q in queries[:50]:  # warm caches and lazy initialisation before timing
        lib.one(q)
    loop, batch = [], []
    for ef in efs:
        lib.set_ef(ef)
        found, qps, wall = timed(lambda: [lib.one(q) for q in queries], len(queries))
        loop.append({"ef": ef, "recall": recall(found, gt), "qps": qps, "wall_qps": wall})
        found, qps, wall = timed(lambda: lib.batch(queries), len(queries))
        batch.append({"ef": ef, "recall": recall(found, gt), "qps": qps, "wall_qps": wall})
        print(f"[peers.py] {lib.name} ef={ef}: recall {loop[-1]['recall']:.4f} "
              f"loop {loop[-1]['qps']:.0f} qps, batch {batch[-1]['qps']:.0f} qps", file=sys.stderr)

    filtered = []
    if args.filtered and hasattr(lib, "one_filtered"):
        bucket = load(args.data, args.dataset, "bucket")
        fq = queries[: args.filtered_nq]
        for spec in meta["filters"]:
            allowed = lib.prepare_filter(bucket < spec["bucket_below"])
            fgt = load(args.data, args.dataset, f"gt_{spec['name']}")[: len(fq)]
            for ef in (int(x) for x in args.filtered_efs.split(",")):
                lib.set_ef(ef)
                found, qps, wall = timed(lambda: [lib.one_filtered(q, allowed) for q in fq], len(fq))
                filtered.append({"filter": spec["name"], "selectivity": spec["selectivity"],
                                 "ef": ef, "nq": len(fq), "recall": recall(found, fgt),
                                 "qps": qps, "wall_qps": wall})
                print(f"[peers.py] {lib.name} {spec['name']} ef={ef}: recall "
                      f"{filtered[-1]['recall']:.4f} {qps:.0f} qps", file=sys.stderr)

    result = {
        "library": lib.name,
        "version": lib.version,
        "dataset": args.dataset,
        "n": int(base.shape[0]),
        "dim": int(base.shape[1]),
        "nq": int(queries.shape[0]),
        "m": M,
        "ef_construction": EF_CONSTRUCTION,
        "build_threads": args.build_threads,
        "build_s": build_s,
        "build_cpu_s": build_cpu_s,
        "rss_before_bytes": rss_before,
        "rss_after_bytes": rss_after,
        "index_mem_bytes": max(0, rss_after - rss_before),
        "peak_rss_bytes": peak,
        "modes": {"loop": loop, "batch": batch},
        "filtered": filtered,
        "python": platform.python_version(),
    }
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
