"""The metric pipeline as it was before the performance work, taken from git history.

The bench times it as the "before optimisation" row and `tests/test_bench.py` asserts the
optimised library returns identical frames. Rather than keeping a second copy of the library in
the tree, `load()` extracts `csops_lib/metrics` at `REFERENCE_REV` with `git show` into
`bench/data/reference/<rev>/` (git-ignored, made once) with its imports pointed at itself.
Without the history (a shallow clone) it raises `ReferenceUnavailable`: the bench leaves the
row out and the tests skip, saying why.
"""
from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path
from types import ModuleType

#: the last commit before the performance work (the metric code of the metric-library issue)
REFERENCE_REV = "d02c3d3"
MODULES = ("_common", "sessions", "chat", "attribution", "conversion", "kpis")
#: modules of the library that moved since REFERENCE_REV: old import path → today's
MOVED = {"csops_lib.params": "csops_lib.settings.shop"}
ROOT = Path(__file__).resolve().parent


class ReferenceUnavailable(RuntimeError):
    """The reference revision cannot be read from git here."""


def _git_show(rev: str, path: str) -> str:
    try:
        out = subprocess.run(["git", "-C", str(ROOT.parent), "show", f"{rev}:{path}"],
                             capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", "") or exc
        raise ReferenceUnavailable(f"git show {rev}:{path} failed ({str(detail).strip()}): "
                                   "the pre-optimisation reference needs the git history"
                                   ) from exc
    return out.stdout


def load(rev: str = REFERENCE_REV) -> ModuleType:
    """The reference package (`.chat`, `.sessions`, `.kpis`, … as submodules)."""
    name = f"csops_reference_{rev}"
    base = ROOT / "data" / "reference" / rev
    package = base / name
    if not (package / "kpis.py").exists():
        tmp = base / f".{name}.tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        (tmp / "__init__.py").write_text(f'"""csops_lib.metrics at {rev} (generated)."""\n')
        for module in MODULES:
            text = _git_show(rev, f"csops_lib/metrics/{module}.py")
            text = text.replace("csops_lib.metrics", name)
            for old, new in MOVED.items():
                text = text.replace(old, new)
            (tmp / f"{module}.py").write_text(text, encoding="utf-8")
        tmp.rename(package)
    if str(base) not in sys.path:
        sys.path.insert(0, str(base))
    pkg = importlib.import_module(name)
    for module in MODULES:
        importlib.import_module(f"{name}.{module}")
    return pkg
