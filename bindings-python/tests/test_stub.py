"""The hand-written stub matches the extension module (mypy.stubtest), and the package
exports what the stub declares."""

from __future__ import annotations

import subprocess
import sys

import lakehouse as lh
from lakehouse import _lakehouse


def test_stubtest() -> None:
    r = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "lakehouse._lakehouse"],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_package_reexports_the_module() -> None:
    public = [n for n in dir(_lakehouse) if not n.startswith("_")]
    assert public and all(getattr(lh, n) is getattr(_lakehouse, n) for n in public)
    assert set(public) <= set(lh.__all__)
    assert lh.__version__ == _lakehouse.__version__
