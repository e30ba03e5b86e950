#!/usr/bin/env bash
# Installs what the tests need and runs every test of the project.
# This is the README's second command and what CI (.ci/run) runs.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== toolchain components"
rustup component add rustfmt clippy >/dev/null 2>&1 || true

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy (all targets, all features, warnings are errors)"
cargo clippy --workspace --all-targets --all-features -- -D warnings

echo "== cargo test (unit, integration, doc tests; fault injection on)"
cargo test --workspace --all-features

echo "== Python binding, bindings-python/ (venv under target/, maturin wheel, pytest)"
./scripts/test-python.sh

echo "== Node/Bun binding: npm ci, napi build, index.d.ts drift, tsc, node --test, bun test"
(
  cd bindings-node
  npm ci --no-audit --no-fund
  # Through cargo-host.sh: napi build's --target would rebuild every dependency under
  # target/<triple>/ instead of reusing what the cargo steps above built.
  CARGO="$PWD/scripts/cargo-host.sh" npx napi build --platform
  if ! git diff --exit-code -- index.d.ts index.js; then
    echo "bindings-node/index.d.ts or index.js differs from what napi build generates:"
    echo "run 'npx napi build --platform' in bindings-node and commit both files"
    exit 1
  fi
  node_modules/.bin/tsc --noEmit -p __test__
  node --test __test__/
  node_modules/.bin/bun test __test__/
)
