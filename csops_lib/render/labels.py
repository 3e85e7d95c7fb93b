"""The one label catalog: zh / en text for every column, metric, title, sentence template and
metric definition a report shows, read from ``labels.yaml`` beside this module.

- :func:`label` returns a key's text in a language; an unknown key (a typo) is an error,
  never a raw key printed into a supervisor's report.
- :func:`sentence` fills a template (``{name}`` placeholders, :meth:`str.format`).
- :func:`definition` gives a metric's definition for a report's appendix.
- :func:`relabel` renames a frame's columns (and index names) to their labels.

Keys are canonical column and metric names (``sales``, ``inquiry_conversion``); a report's
own titles and sentences carry its prefix. ``tests/render/test_labels.py`` checks that every
key has both languages, that no two keys hold the same text, and that every key the code
uses exists.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

LANGS = ("zh", "en")
CATALOG = Path(__file__).with_name("labels.yaml")


class LabelError(KeyError):
    """An unknown label key or language."""

    def __str__(self) -> str:  # KeyError quotes its message; show it plainly
        return str(self.args[0])


@lru_cache(maxsize=1)
def catalog() -> dict[str, dict[str, tuple[str, str]]]:
    """``{"labels": {key: (zh, en)}, "definitions": {key: (zh, en)}}`` from labels.yaml."""
    # libyaml's safe loader when built in (same result, ~10× faster: every command loads this)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(CATALOG.read_text(encoding="utf-8"), Loader=loader) or {}
    out = {}
    for part in ("labels", "definitions"):
        entries = data.get(part) or {}
        for key, pair in entries.items():
            if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(t, str) and t
                                                                     for t in pair)):
                raise LabelError(f"{CATALOG.name}: {part}.{key} must be [zh, en], got {pair!r}")
        out[part] = {k: (v[0], v[1]) for k, v in entries.items()}
    return out


def _lang_index(lang: str) -> int:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, not {lang!r}")
    return LANGS.index(lang)


def has(key: str) -> bool:
    """Whether the catalog has a label for ``key``."""
    return key in catalog()["labels"]


def label(key: str, lang: str = "zh") -> str:
    """The label of ``key`` in ``lang``; an unknown key raises :class:`LabelError`."""
    i = _lang_index(lang)
    pair = catalog()["labels"].get(key)
    if pair is None:
        raise LabelError(f"no label {key!r} in {CATALOG.name} (add it with zh and en text)")
    return pair[i]


def sentence(key: str, lang: str = "zh", **values) -> str:
    """The template ``key`` in ``lang`` with its ``{name}`` placeholders filled."""
    return label(key, lang).format(**values)


def definition(key: str, lang: str = "zh", **values) -> str:
    """The appendix definition of metric ``key``, thresholds filled in."""
    i = _lang_index(lang)
    pair = catalog()["definitions"].get(key)
    if pair is None:
        raise LabelError(f"no definition {key!r} in {CATALOG.name}")
    return pair[i].format(**values) if values else pair[i]


def has_definition(key: str) -> bool:
    """Whether the catalog defines metric ``key``."""
    return key in catalog()["definitions"]


def relabel(df: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """A copy of ``df`` with its columns (and index names) renamed to labels in ``lang``."""
    out = df.rename(columns=lambda c: label(str(c), lang))
    out.index = out.index.set_names([label(str(n), lang) if n else n for n in out.index.names])
    return out


#: the catalog's entries as plain dicts (read-only use; key → (zh, en))
LABELS: dict[str, tuple[str, str]] = catalog()["labels"]
DEFINITIONS: dict[str, tuple[str, str]] = catalog()["definitions"]
