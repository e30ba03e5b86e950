"""The example notebook runs top to bottom (nbclient), without error outputs, and shows
at least one image; it is committed without outputs."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[1] / "examples" / "staffing_day.ipynb"


def test_committed_without_outputs() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


def test_notebook_executes(tmp_path: Path) -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    (params,) = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    params.source = f"N_WORKERS = 600\nDIM = 64\nWORKDIR = {str(tmp_path / 'day')!r}\n"
    # The kernel renders figures as PNG outputs (the inline backend), headless.
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    errors = [o for o in outputs if o.output_type == "error"]
    assert errors == []
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 1
    assert (tmp_path / "day" / "warm_boost.png").exists()
