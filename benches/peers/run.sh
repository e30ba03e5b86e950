#!/usr/bin/env bash
# Side-by-side benchmark: lakehouse::index and raw hnsw_rs (Rust) against hnswlib,
# faiss and usearch (Python, installed from PyPI into benches/peers/.venv), on the same
# files with the same parameters (M=16, ef_construction=200, 2 build threads, 1 query
# thread). Prints one table per dataset and writes it as JSON with --json PATH.
#
#   benches/peers/run.sh [--quick] [--json PATH] [--datasets "clustered workers"]
#                        [--libs "lakehouse hnswlib faiss usearch lakehouse_hnsw_rs hnsw_rs"]
#
# --quick uses 20k base vectors instead of 100k (a smoke run).
# Datasets are generated once per size under benches/peers/data/ and reused.
# Raw hnsw_rs (the wrapper-overhead reference) and the filtered case (lakehouse and
# hnswlib, the two with a filter) run on both datasets: on the workers set raw hnsw_rs
# also tells the graph library's recall apart from the wrapper's.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
PEERS=$ROOT/benches/peers

N=100000
SIZE=full
JSON=""
DATASETS="clustered workers"
# `lakehouse` is the index on its default `flat` engine; `lakehouse_hnsw_rs` the same
# index on its hnsw_rs engine, and `hnsw_rs` the raw crate. The hnsw_rs rows come last:
# their builds are slow, so a run cut short still has the peer comparison.
LIBS="lakehouse hnswlib faiss usearch lakehouse_hnsw_rs hnsw_rs"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) N=20000; SIZE=quick ;;
    --json) JSON=$2; shift ;;
    --datasets) DATASETS=$2; shift ;;
    --libs) LIBS=$2; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

DATA=$PEERS/data/$SIZE
RESULTS=$PEERS/data/results-$SIZE
mkdir -p "$DATA"
rm -rf "$RESULTS"; mkdir -p "$RESULTS"
export RAYON_NUM_THREADS=2 OMP_NUM_THREADS=2

echo "== build (release): peers_data, peers_bench"
cargo build --release --quiet -p lakehouse --example peers_data --example peers_bench
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/examples

echo "== python environment ($PEERS/.venv)"
PY=$PEERS/.venv/bin/python
if [ ! -x "$PY" ]; then python3 -m venv "$PEERS/.venv"; fi
if ! "$PY" -c 'import numpy, hnswlib, faiss, usearch' 2>/dev/null; then
  command -v g++ >/dev/null || { echo "run.sh: hnswlib builds from source and needs g++ (apt-get install g++)" >&2; exit 1; }
  # hnswlib 0.8.0 ships only a source distribution: pip builds it (g++ needed) with
  # numpy and pybind11 from PyPI in an isolated build environment.
  "$PY" -m pip install --quiet --upgrade pip
  "$PY" -m pip install --quiet -r "$PEERS/requirements.txt"
fi

echo "== datasets ($N base vectors, 1000 queries, dim 768) in $DATA"
for ds in $DATASETS; do
  if ! "$PY" -c "import json,sys; m=json.load(open('$DATA/$ds.meta.json')); sys.exit(m['n']!=$N)" 2>/dev/null; then
    "$BIN/peers_data" --out "$DATA" --dataset "$ds" --n "$N" >/dev/null
  fi
done

"$PY" - "$RESULTS/machine.info.json" "$*" <<'EOF'
import datetime, json, os, platform, sys
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
json.dump({"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
           "cpu": cpu, "cores": os.cpu_count(), "kernel": platform.release()}, open(sys.argv[1], "w"))
EOF

START=$(date +%s)
for ds in $DATASETS; do
  for lib in $LIBS; do
    FILT=""
    if [ "$lib" = lakehouse ] || [ "$lib" = lakehouse_hnsw_rs ] || [ "$lib" = hnswlib ]; then
      FILT=--filtered
    fi
    echo "== $ds / $lib (+$(( $(date +%s) - START ))s)"
    out=$RESULTS/$ds.$lib.json
    case "$lib" in
      lakehouse|lakehouse_hnsw_rs|hnsw_rs)
        "$BIN/peers_bench" --data "$DATA" --dataset "$ds" --lib "$lib" --out "$out" $FILT ;;
      hnswlib|faiss|usearch)
        "$PY" "$PEERS/peers.py" --data "$DATA" --dataset "$ds" --lib "$lib" --out "$out" $FILT ;;
      *) echo "run.sh: unknown library $lib" >&2; exit 2 ;;
    esac
  done
done

echo "== report (+$(( $(date +%s) - START ))s)"
"$PY" "$PEERS/report.py" "$RESULTS" --command "benches/peers/run.sh $*" ${JSON:+--json "$JSON"}
