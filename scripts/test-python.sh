#!/usr/bin/env bash
# The Python binding's suite, run by scripts/test.sh after the cargo steps: a venv under
# target/ with the pinned tools of bindings-python/requirements-dev.txt (installed once,
# again only when that file changes), the abi3 wheel built by maturin and installed from
# target/wheels (never from an index: PyPI's `lakehouse` is an unrelated project), then
# pytest (binding tests, the stub check with mypy.stubtest, the executed notebook).
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/py-venv
req=bindings-python/requirements-dev.txt
target_dir=${CARGO_TARGET_DIR:-target}

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$req" | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
    echo "== pip install -r $req"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    "$venv/bin/python" -m pip install --quiet -r "$req"
    echo "$want" >"$stamp"
fi

echo "== maturin build (release, abi3 wheel)"
rm -f "$target_dir"/wheels/lakehouse_core-*.whl
"$venv/bin/maturin" build --release --quiet -i "$venv/bin/python" \
    -m bindings-python/Cargo.toml --out "$target_dir/wheels"
"$venv/bin/python" -m pip install --quiet --force-reinstall --no-deps --no-index \
    --find-links "$target_dir/wheels" lakehouse-core

echo "== pytest bindings-python/tests"
# pytest exits 5 when it collected no test; with `set -e` that fails the run too.
MPLBACKEND=Agg "$venv/bin/python" -m pytest -q bindings-python/tests
