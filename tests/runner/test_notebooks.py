"""Notebook hygiene: paired with jupytext, stripped of outputs, parameters papermill can read."""
import json
from pathlib import Path

import jupytext
import papermill
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert "weekly_review.ipynb" in [p.name for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_ipynb_is_stripped_of_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_py_pair_is_in_sync(path):
    paired = path.with_suffix(".py")
    assert paired.exists(), f"{paired.name} missing: run jupytext --sync {path}"
    a = jupytext.read(path)
    b = jupytext.read(paired)
    assert [(c.cell_type, c.source) for c in a.cells] == [(c.cell_type, c.source) for c in b.cells]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_parameter_line_is_seen_by_papermill(path):
    """papermill skips (with only a warning) a parameter line it cannot parse, e.g. one with
    a second '=' in its help comment: every assignment line must come out as a parameter."""
    nb = jupytext.read(path)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    lines = [ln for ln in cell.source.splitlines() if ln.strip() and not ln.startswith("#")]
    params = papermill.inspect_notebook(str(path))
    assert len(params) == len(lines)
    assert all(p["help"] for p in params.values()), "every parameter has a help comment"
    assert "data_dir" in params and "lang" in params
    assert all("=" not in ln.split("#", 1)[0].split("=", 1)[1] for ln in lines)
