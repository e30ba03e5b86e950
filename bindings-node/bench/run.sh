#!/usr/bin/env bash
# Binding overhead benchmark (not part of the test command): search QPS at 100k × 768
# through Rust, Node and Bun over the same saved index, and validator calls/s, in
# ROUNDS interleaved rounds (the machine is shared, so compare medians).
#
#   bindings-node/bench/run.sh [DIR] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-../target/node-bench}
rounds=${2:-3}
CARGO="$PWD/scripts/cargo-host.sh" npx napi build --platform --release >/dev/null
cargo build --release -p lakehouse-node --example node_bench
bin=${CARGO_TARGET_DIR:-../target}/release/examples/node_bench
mkdir -p "$dir"
"$bin" "$dir" >/dev/null   # builds the index on the first run
for r in $(seq "$rounds"); do
  echo "round $r"
  "$bin" "$dir"
  node bench/search.mjs "$dir"
  node_modules/.bin/bun bench/search.mjs "$dir"
done
