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

echo "== Python binding (venv under target/, maturin wheel, pytest)"
./scripts/test-python.sh
