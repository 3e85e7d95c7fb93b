"""The one HTML path of every report: headings, notes, sentences and tables, with every value
from data escaped (a customer's ``<script>`` stays text) and numbers formatted by kind.

Report views call these and never build HTML from data by string concatenation.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape

import pandas as pd
from IPython.display import HTML

from csops_lib.render import formats
from csops_lib.render.labels import label

TABLE_STYLES = [
    {"selector": "th", "props": "text-align: center; padding: 3px 8px;"},
    {"selector": "td", "props": "padding: 3px 8px;"},
    {"selector": "caption", "props": "caption-side: bottom; text-align: left; color: #555; "
                                     "font-size: 0.9em; padding-top: 4px;"},
]


def text(value) -> str:
    """``value`` as escaped HTML text (``–`` when missing)."""
    return escape(formats.MISSING if formats.is_missing(value) else str(value))


def heading(key: str, lang: str, *, level: int = 2, suffix: str = "") -> HTML:
    """A section heading from the catalog, anchored by its key (for the table of contents);
    ``suffix`` (e.g. a period or a name from data) is escaped."""
    extra = f" {text(suffix)}" if suffix else ""
    return HTML(f'<h{level} id="{escape(key)}">{escape(label(key, lang))}{extra}</h{level}>')


def note(body: str, *, color: str = "#555") -> HTML:
    """A grey paragraph of plain text (escaped)."""
    return HTML(f'<p style="color:{color}">{text(body)}</p>')


def paragraphs(lines: Iterable[str], *, tag: str = "p") -> HTML:
    """Plain-text lines as escaped paragraphs (``tag="li"``: a bullet list)."""
    items = "".join(f"<{tag}>{text(line)}</{tag}>" for line in lines)
    return HTML(f"<ul>{items}</ul>" if tag == "li" else items)


def toc(keys: Iterable[str], lang: str) -> str:
    """The table of contents (HTML list) of the section keys."""
    items = "".join(f'<li><a href="#{escape(k)}">{escape(label(k, lang))}</a></li>'
                    for k in keys)
    return f"<ul>{items}</ul>"


def table(frame: pd.DataFrame, kinds: Mapping[str, str] | None = None, lang: str = "zh", *,
          caption: str | None = None, relabel: bool = True):
    """A styled table: columns renamed to their labels (``relabel``), numbers formatted by
    their kind (:mod:`formats`), text left-aligned, index hidden, and every cell, header and
    caption HTML-escaped."""
    kinds = dict(kinds or {})
    df = frame
    if relabel:
        names = {c: label(str(c), lang) for c in frame.columns}
        df = frame.rename(columns=names)
        kinds = {names.get(c, c): k for c, k in kinds.items()}
    shown = {c: formats.formatter(k) for c, k in kinds.items()
             if c in df.columns and k != "text"}
    styler = df.style.hide(axis="index").format(shown, na_rep=formats.MISSING, escape="html")
    styler = styler.format_index(escape="html", axis=1)
    left = [c for c in df.columns if kinds.get(c, "text") == "text"
            and not pd.api.types.is_numeric_dtype(df[c])]
    if left:
        styler = styler.set_properties(subset=left, **{"text-align": "left"})
    styler = styler.set_table_styles(TABLE_STYLES)
    return styler.set_caption(escape(caption)) if caption else styler
