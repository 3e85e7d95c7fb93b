"""The one label catalog: complete in both languages, no duplicates, strict on unknown keys,
and every key the code names literally exists."""
import ast
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from csops_lib.render import labels

PACKAGE = Path(labels.__file__).resolve().parents[1]
NOTEBOOKS = PACKAGE.parent / "notebooks"


def _raw_entries():
    """(part, key) of every entry as written in the file, duplicates included (yaml.safe_load
    would silently keep the last of two equal keys)."""
    out = []
    part = None
    for line in labels.CATALOG.read_text(encoding="utf-8").splitlines():
        if re.match(r"^(labels|definitions):\s*$", line):
            part = line.rstrip(":").strip()
        m = re.match(r"^  ([A-Za-z0-9_]+):", line)
        if m:
            out.append((part, m.group(1)))
    return out


def test_every_entry_has_zh_and_en_text():
    data = yaml.safe_load(labels.CATALOG.read_text(encoding="utf-8"))
    assert set(data) == {"labels", "definitions"}
    for part, entries in data.items():
        for key, pair in entries.items():
            assert isinstance(pair, list) and len(pair) == 2, (part, key)
            zh, en = pair
            assert zh.strip() and en.strip(), (part, key)
            assert re.search(r"[\u4e00-\u9fff]", zh) or zh == en or not re.search(r"[A-Za-z]{4}", zh), (part, key, zh)


def test_no_key_is_written_twice():
    entries = _raw_entries()
    dups = sorted({e for e in entries if entries.count(e) > 1})
    assert not dups


def test_no_two_label_keys_hold_the_same_text():
    pairs = {}
    for key, pair in labels.catalog()["labels"].items():
        pairs.setdefault(pair, []).append(key)
    same = {p: ks for p, ks in pairs.items() if len(ks) > 1}
    assert not same, f"one text under several keys (use one canonical key): {same}"


def test_templates_have_the_same_placeholders_in_both_languages():
    for part in ("labels", "definitions"):
        for key, (zh, en) in labels.catalog()[part].items():
            names = [set(re.findall(r"\{(\w*)[^}]*\}", t)) for t in (zh, en)]
            assert names[0] == names[1], (part, key, names)


def test_unknown_key_and_language_are_errors():
    with pytest.raises(labels.LabelError, match="no label 'no_such_key'"):
        labels.label("no_such_key")
    with pytest.raises(ValueError, match="lang must be one of"):
        labels.label("sales", "fr")
    with pytest.raises(labels.LabelError):
        labels.relabel(pd.DataFrame({"sales": [1], "typo_column": [2]}))


def test_label_sentence_definition_and_relabel():
    assert labels.label("sales", "zh") == "销售额(元)"
    assert labels.label("sales", "en") == "Sales (yuan)"
    assert "followup" not in labels.definition("inquiry_conversion", "en", followup_days=3)
    assert "D+3" in labels.definition("inquiry_conversion", "en", followup_days=3)
    out = labels.relabel(pd.DataFrame({"agent": ["a"], "sales": [1.0]}), "en")
    assert list(out.columns) == ["Agent", "Sales (yuan)"]


_CALLS = {"label", "sentence", "definition", "_t", "t", "heading"}


def _literal_keys(path: Path):
    """String literals passed as the first argument to label()/sentence()/definition()/_t()/
    heading() in a source file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            fn = node.func
            name = fn.id if isinstance(fn, ast.Name) else getattr(fn, "attr", None)
            arg = node.args[0]
            if name in _CALLS and isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                yield name, arg.value, node.lineno


def test_every_label_key_named_in_the_code_exists():
    known = set(labels.catalog()["labels"]) | set(labels.catalog()["definitions"])
    files = [*PACKAGE.rglob("*.py"), *NOTEBOOKS.glob("*.py")]
    missing = [f"{p.relative_to(PACKAGE.parent)}:{line} {fn}({key!r})"
               for p in files for fn, key, line in _literal_keys(p)
               if re.fullmatch(r"[a-z][a-z0-9_]*", key) and key not in known]
    assert not missing, "\n".join(missing)


def test_no_language_branches_in_the_code():
    files = [*PACKAGE.rglob("*.py"), *NOTEBOOKS.glob("*.py")]
    branches = [f"{p.relative_to(PACKAGE.parent)}:{i}"
                for p in files
                for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                if re.search(r"lang\s*==\s*['\"](zh|en)['\"]|['\"](zh|en)['\"]\s*==\s*lang", line)]
    assert not branches, branches
