"""The house rule (docs/ARCHITECTURE.md): one direction of imports, small modules and classes.

settings → schema/periods/privacy → loaders → store → metrics → engine/dask_engine → reports/demo →
render → runner → send → cli. A module imports only from its own layer or layers to its left; an
import inside a function (outside the CLI, which imports lazily so `csops --help` is fast)
must say why in a comment on its line.
"""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "csops_lib"
LAYERS = [
    ("settings",),
    ("schema", "periods", "privacy"),
    ("loaders",),
    ("store",),
    ("metrics",),
    ("dask_engine", "engine"),
    ("reports", "demo"),
    ("render",),
    ("runner",),
    ("send",),
    ("cli",),
]
RANK = {name: i for i, names in enumerate(LAYERS) for name in names}
MAX_MODULE_LINES = 700
MAX_CLASS_LINES = 350


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        yield path, parts


def _layer(parts) -> int | None:
    return RANK.get(parts[0]) if parts else None


def _imports(tree):
    """(module parts under csops_lib, line, inside a function?) of every csops_lib import."""
    funcs = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    inside = {id(n) for f in funcs for n in ast.walk(f) if n is not f}
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "csops_lib":
                names = [("csops_lib", a.name) for a in node.names]
            elif node.module.startswith("csops_lib."):
                names = [tuple(node.module.split("."))]
        elif isinstance(node, ast.Import):
            names = [tuple(a.name.split(".")) for a in node.names if a.name.startswith("csops_lib")]
        for full in names:
            yield full[1:], node.lineno, id(node) in inside


def test_every_top_level_name_has_a_layer():
    tops = {parts[0] for _, parts in _modules() if parts}
    assert tops <= set(RANK), f"modules without a layer: {sorted(tops - set(RANK))}"


def test_imports_only_go_left():
    wrong = []
    for path, parts in _modules():
        own = _layer(parts)
        for target, line, _ in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            theirs = _layer(target)
            if own is not None and theirs is not None and theirs > own:
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports "
                             f"csops_lib.{'.'.join(target)} (a layer to its right)")
    assert not wrong, "\n".join(wrong)


def test_imports_inside_functions_say_why():
    silent = []
    for path, parts in _modules():
        if parts and parts[0] == "cli":
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        for _, line, inside in _imports(ast.parse("\n".join(lines))):
            if inside and "#" not in lines[line - 1]:
                silent.append(f"{path.relative_to(PACKAGE.parent)}:{line}")
    assert not silent, "imports inside functions without a reason:\n" + "\n".join(silent)


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_and_class_sizes(path):
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_MODULE_LINES
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ClassDef):
            assert node.end_lineno - node.lineno + 1 <= MAX_CLASS_LINES, node.name
