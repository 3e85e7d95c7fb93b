"""The README stays true to the tree: it starts with the two newcomer commands, and its layout
table names every top-level module and package of csops_lib."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_starts_with_the_two_commands():
    head = README[:600]
    assert "make weekly" in head and "make test" in head


def test_layout_names_every_top_level_module_and_package():
    layout = README[README.index("- Layout"):]
    layout = layout[:layout.index("\n- Adding a report section")]
    package = ROOT / "csops_lib"
    names = sorted({p.name for p in package.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
                   | {p.stem for p in package.glob("*.py") if p.stem != "__init__"})
    missing = [n for n in names if f"csops_lib/{n}" not in layout and f"`{n}.py`" not in layout
               and f"`{n}`" not in layout]
    assert not missing, f"README layout does not mention: {missing}"
