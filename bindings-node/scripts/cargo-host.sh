#!/usr/bin/env bash
# `napi build` always passes `--target <host triple>`, which makes cargo compile every
# dependency a second time under target/<triple>/ instead of reusing what
# `cargo clippy`/`cargo test` built under target/. scripts/test.sh runs napi build with
# CARGO pointing here: the build runs without `--target` (same host, same artifacts)
# and the addon is then copied to where napi build looks for it.
set -euo pipefail
args=()
triple=""
profile=debug
while [ $# -gt 0 ]; do
  case "$1" in
    --target) triple=$2; shift 2 ;;
    --target=*) triple=${1#--target=}; shift ;;
    --release | -r) profile=release; args+=("$1"); shift ;;
    --profile) profile=$2; args+=("$1" "$2"); shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
cargo "${args[@]}"
if [ -n "$triple" ] && [ "${args[0]:-}" = build ]; then
  dir=${CARGO_TARGET_DIR:-$(cargo metadata --format-version 1 --no-deps | node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0)).target_directory)')}
  mkdir -p "$dir/$triple/$profile"
  cp "$dir/$profile/liblakehouse_node.so" "$dir/$triple/$profile/liblakehouse_node.so"
fi
