#!/usr/bin/env python3
"""Merges the per-library JSON results of the peers benchmark (peers_bench for
lakehouse and raw hnsw_rs, peers.py for hnswlib, faiss, usearch) into one table per
dataset, printed as Markdown, and optionally written as JSON (--json PATH).

QPS is queries per CPU second of the single query thread (the machine is shared, so
wall-clock QPS, also recorded in the JSON, measures other load too). QPS at recall@10 =
0.90 / 0.95 / 0.99 is interpolated along each library's ef sweep
(linear in recall, log-linear in QPS). A value marked `+` means even the smallest ef
swept already exceeded the target, so the true QPS there is at least that. `-` means
the sweep never reached it. Every ratio is "this library / lakehouse" (for QPS higher is
better, for build CPU time and memory lower is better). Build wall time is with 2
threads.

    python report.py RESULTS_DIR [--json PATH] [--command "..."]
"""

import argparse
import glob
import json
import math
import os
import sys

TARGETS = (0.90, 0.95, 0.99)
ORDER = ("lakehouse", "lakehouse_hnsw_rs", "hnsw_rs", "hnswlib", "faiss", "usearch")


def qps_at(sweep, target):
    """(qps, lower_bound_flag) at `target` recall, or (None, False)."""
    pts = sorted(sweep, key=lambda p: p["ef"])
    for i, p in enumerate(pts):
        if p["recall"] >= target:
            if i == 0:
                return p["qps"], True
            a = pts[i - 1]
            span = p["recall"] - a["recall"]
            f = 0.0 if span <= 0 else (target - a["recall"]) / span
            return math.exp(math.log(a["qps"]) + f * (math.log(p["qps"]) - math.log(a["qps"]))), False
    return None, False


def load(paths):
    results = []
    for p in paths:
        with open(p) as f:
            r = json.load(f)
        if "library" in r and "modes" in r:
            results.append(r)
    return results


def rows_for(results):
    """One row per (library, query mode)."""
    rows = []
    for r in results:
        for mode, sweep in r["modes"].items():
            if not sweep:
                continue
            rows.append({
                "library": r["library"],
                "version": r.get("version", ""),
                "mode": mode,
                "build_s": r["build_s"],
                "build_cpu_s": r.get("build_cpu_s", r["build_s"]),
                "mem_bytes": r["index_mem_bytes"],
                "qps_at": {f"{t:.2f}": qps_at(sweep, t)[0] for t in TARGETS},
                "qps_at_lower_bound": {f"{t:.2f}": qps_at(sweep, t)[1] for t in TARGETS},
                "recall_at_ef": {str(p["ef"]): p["recall"] for p in sweep},
                "qps_at_ef": {str(p["ef"]): p["qps"] for p in sweep},
            })
    rank = {name: i for i, name in enumerate(ORDER)}
    rows.sort(key=lambda x: (rank.get(x["library"], 99), x["mode"] != "loop", x["mode"]))
    return rows


def add_ratios(rows):
    ref = next((r for r in rows if r["library"] == "lakehouse" and r["mode"] == "loop"), None)
    for r in rows:
        rat = {}
        if ref:
            rat["build_cpu"] = r["build_cpu_s"] / ref["build_cpu_s"] if ref["build_cpu_s"] else None
            rat["mem"] = r["mem_bytes"] / ref["mem_bytes"] if ref["mem_bytes"] else None
            for t, q in r["qps_at"].items():
                rq = ref["qps_at"].get(t)
                rat[f"qps@{t}"] = q / rq if q and rq else None
        r["ratio_to_lakehouse"] = rat


def fmt_ratio(x):
    return "" if x is None else f" ({x:.2f}×)"


def markdown(name, meta, rows, filtered):
    efs = sorted({int(e) for r in rows for e in r["recall_at_ef"]})
    out = [f"### {name}: n = {meta.get('n')}, dim = {meta.get('dim')}, {meta.get('nq')} queries, k = 10",
           ""]
    head = ["library", "query mode", "build s", "build CPU s"] + [f"QPS@{t:.2f}" for t in TARGETS] + \
        [f"R@ef{e}" for e in efs] + ["index MB"]
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + "---|" * len(head))
    for r in rows:
        rat = r["ratio_to_lakehouse"]
        cells = [r["library"], r["mode"], f"{r['build_s']:.1f}",
                 f"{r['build_cpu_s']:.1f}{fmt_ratio(rat.get('build_cpu'))}"]
        for t in TARGETS:
            key = f"{t:.2f}"
            q = r["qps_at"][key]
            if q is None:
                cells.append("-")
            else:
                plus = "+" if r["qps_at_lower_bound"][key] else ""
                cells.append(f"{q:,.0f}{plus}{fmt_ratio(rat.get('qps@' + key))}")
        for e in efs:
            v = r["recall_at_ef"].get(str(e))
            cells.append("" if v is None else f"{v:.3f}")
        cells.append(f"{r['mem_bytes'] / 2**20:,.0f}{fmt_ratio(rat.get('mem'))}")
        out.append("| " + " | ".join(cells) + " |")
    if filtered:
        out += ["", f"Filtered ({name}; metadata `bucket` filter, per-query loop, 1 thread):", "",
                "| library | filter keeps | ef | queries | recall@10 | QPS |", "|---|---|---|---|---|---|"]
        for f in filtered:
            out.append(f"| {f['library']} | {100 * f['selectivity']:.1f}% | {f['ef']} | {f['nq']} | "
                       f"{f['recall']:.3f} | {f['qps']:,.0f} |")
    return "\n".join(out)


def overhead_line(rows):
    lh = next((r for r in rows if r["library"] == "lakehouse" and r["mode"] == "loop"), None)
    raw = next((r for r in rows if r["library"] == "hnsw_rs" and r["mode"] == "loop"), None)
    if not lh or not raw:
        return None
    parts = []
    for t in TARGETS:
        a, b = lh["qps_at"][f"{t:.2f}"], raw["qps_at"][f"{t:.2f}"]
        if a and b:
            parts.append(f"recall {t:.2f}: lakehouse QPS = {a / b:.2f} × raw hnsw_rs")
    if raw["build_cpu_s"]:
        parts.append(f"build CPU time = {lh['build_cpu_s'] / raw['build_cpu_s']:.2f} × raw hnsw_rs")
    return "Wrapper overhead: " + "; ".join(parts) + "." if parts else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results", help="directory of *.json results (one per library and dataset)")
    ap.add_argument("--json", help="write the merged table here")
    ap.add_argument("--command", default="", help="the command that produced the results")
    args = ap.parse_args()

    paths = sorted(glob.glob(os.path.join(args.results, "*.json")))
    results = load(paths)
    if not results:
        sys.exit(f"report.py: no results in {args.results}")
    machine = {}
    mpath = os.path.join(args.results, "machine.info.json")
    if os.path.exists(mpath):
        with open(mpath) as f:
            machine = json.load(f)

    merged = {"machine": machine, "command": args.command, "datasets": {}}
    text = []
    if machine:
        text.append(f"Machine: {machine.get('cpu', '?')}, {machine.get('cores', '?')} cores, "
                    f"{machine.get('date', '')}")
    for name in sorted({r["dataset"] for r in results}):
        rs = [r for r in results if r["dataset"] == name]
        meta = {"n": rs[0]["n"], "dim": rs[0]["dim"], "nq": rs[0]["nq"]}
        rows = rows_for(rs)
        add_ratios(rows)
        filtered = [dict(f, library=r["library"]) for r in rs for f in r.get("filtered", [])]
        filtered.sort(key=lambda f: (f["selectivity"], ORDER.index(f["library"]) if f["library"] in ORDER else 99, f["ef"]))
        text += ["", markdown(name, meta, rows, filtered)]
        line = overhead_line(rows)
        if line:
            text += ["", line]
        merged["datasets"][name] = {**meta, "rows": rows, "filtered": filtered, "overhead": line,
                                    "versions": {r["library"]: r.get("version", "") for r in rs}}
    print("\n".join(text).strip())
    if args.json:
        with open(args.json, "w") as f:
            json.dump(merged, f, indent=1)


if __name__ == "__main__":
    main()
