"""The store a report reads: one resolution (`settings.paths.resolve_store`) for the runner,
the command line and every notebook, so a notebook opened in JupyterLab (working directory
notebooks/) runs top to bottom with its default parameters, as papermill runs it from the
project root."""
import os
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

from csops_lib import runner
from csops_lib.settings import paths

NOTEBOOKS = sorted((paths.project_root() / "notebooks").glob("*.py"))


def test_empty_means_the_configured_store(tmp_path, monkeypatch):
    monkeypatch.setenv("CSOPS_DATA_DIR", str(tmp_path))
    assert paths.resolve_store("") == tmp_path.resolve()
    assert paths.resolve_store(None) == tmp_path.resolve()


def test_empty_without_configuration_is_the_demo_store(tmp_path, monkeypatch):
    monkeypatch.delenv("CSOPS_DATA_DIR", raising=False)
    monkeypatch.setattr(paths, "configured_data_dir", lambda: None)
    monkeypatch.setattr(paths, "DEMO_STORE", tmp_path)
    assert paths.resolve_store("") == tmp_path.resolve()
    monkeypatch.setattr(paths, "DEMO_STORE", tmp_path / "not built")
    with pytest.raises(FileNotFoundError, match=r"demo store .* is not built yet: run "
                                                r"`make demo`") as err:
        paths.resolve_store("")
    assert "\n" not in str(err.value)


def test_a_relative_folder_from_here_else_from_the_project_root(tmp_path, monkeypatch):
    monkeypatch.chdir(paths.project_root() / "notebooks")  # where JupyterLab runs a notebook
    assert paths.resolve_store("params") == paths.project_root() / "params"
    (tmp_path / "params").mkdir()
    monkeypatch.chdir(tmp_path)  # a folder of that name here comes first
    assert paths.resolve_store("params") == tmp_path.resolve() / "params"
    with pytest.raises(FileNotFoundError, match="no such folder") as err:
        paths.resolve_store("nowhere/store")
    assert "\n" not in str(err.value)


def test_the_runner_passes_an_absolute_store(demo_store, monkeypatch):
    """`csops report --data-dir store` from the store's parent: the notebook runs in the
    project root, so the runner hands it the absolute path."""
    monkeypatch.chdir(demo_store["dir"])
    assert runner.data_folder("store") == Path(demo_store["store"]).resolve()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_resolves_its_data_dir_first(path):
    """The default is empty (the configured store, else the demo), and the first cell after
    the parameters resolves it before anything reads the store."""
    cells = [c for c in jupytext.read(path).cells if c.cell_type == "code"]
    params = next(c for c in cells if "parameters" in c.metadata.get("tags", []))
    assert 'data_dir: str = ""  #' in params.source
    setup = cells[cells.index(params) + 1].source
    assert "from csops_lib.settings.paths import resolve_store" in setup
    lines = [ln for ln in setup.splitlines() if "data_dir" in ln]
    assert lines[0].startswith("data_dir = resolve_store(data_dir)"), lines


def test_a_notebook_runs_from_the_notebooks_folder(demo_store, monkeypatch):
    """What JupyterLab does with Run All: the notebook as saved (default parameters), run
    in notebooks/, the store configured (CSOPS_DATA_DIR; the demo store otherwise)."""
    monkeypatch.setenv("CSOPS_DATA_DIR", str(demo_store["store"]))
    folder = paths.project_root() / "notebooks"
    nb = nbformat.read(folder / "what_if.ipynb", as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()
    shown = "".join(o.get("data", {}).get("text/html", "") for c in nb.cells
                    for o in c.get("outputs", []))
    assert "假设分析" in shown and "2026-W47" in shown  # the demo's last complete week
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert not errors and os.getcwd() != str(folder)
