"""The one HTML path of every report: headings, notes, sentences and tables, with every value
from data escaped (a customer's ``<script>`` stays text) and numbers formatted by kind.

Report views call these and never build HTML from data by string concatenation: the page
header (:func:`page_header`), headings, notes, paragraphs and bullet lists take plain text and
escape it; :func:`join` puts parts side by side (plain text in it is escaped too); tables
escape every cell, header and caption. A sentence filled from data is filled as plain text
first, then escaped as a whole (the catalog's templates carry no markup).
"""
from __future__ import annotations

import base64
import io
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


def _style(css: str | None) -> str:
    return f' style="{escape(css)}"' if css else ""


def note(body: str, *, color: str = "#555") -> HTML:
    """A grey paragraph of plain text (escaped)."""
    return HTML(f"<p{_style(f'color:{color}')}>{text(body)}</p>")


def bold(body: str) -> HTML:
    """A paragraph of bold plain text (escaped): a key sentence or a warning."""
    return HTML(f'<p class="csops-note"><b>{text(body)}</b></p>')


def paragraphs(lines: Iterable[str], *, tag: str = "p", style: str | None = None) -> HTML:
    """Plain-text lines as escaped paragraphs (``tag="li"``: a bullet list); ``style`` is
    the CSS of each paragraph (or of the list)."""
    if tag == "li":
        items = "".join(f"<li>{text(line)}</li>" for line in lines)
        return HTML(f"<ul{_style(style)}>{items}</ul>")
    return HTML("".join(f"<p{_style(style)}>{text(line)}</p>" for line in lines))


def bullets(head: str, items: Iterable[str], *, color: str | None = None) -> HTML:
    """A bold lead-in line then a bullet list, all plain text (escaped)."""
    css = "margin:.4em 0 0" + (f";color:{color}" if color else "")
    return HTML(f"<p{_style(css)}><b>{text(head)}</b></p>"
                + paragraphs(items, tag="li", style="margin-top:.2em").data)


def toc(keys: Iterable[str], lang: str) -> str:
    """The table of contents (HTML list) of the section keys."""
    items = "".join(f'<li><a href="#{escape(k)}">{escape(label(k, lang))}</a></li>'
                    for k in keys)
    return f"<ul>{items}</ul>"


def page_header(head: str, lines: Iterable[str] = (), *, notes: Iterable[str] = (),
                toc_keys: Iterable[str] | None = None, lang: str = "zh") -> HTML:
    """A report's header: the title ``<h1>``, its lines (period, facts, generated at), bold
    notes, then the table of contents of ``toc_keys``; every text escaped."""
    parts = [f"<h1>{text(head)}</h1>", paragraphs(lines).data,
             "".join(bold(n).data for n in notes)]
    if toc_keys is not None:
        parts.append(contents(toc_keys, lang).data)
    return HTML("".join(parts))


def contents(keys: Iterable[str], lang: str) -> HTML:
    """The table of contents as a ``<nav>`` block."""
    return HTML(f"<nav>{toc(keys, lang)}</nav>")


def fragment(part) -> str:
    """One part of a page as HTML: an ``HTML`` object or a Styler as it is (already escaped),
    a matplotlib figure as an inline PNG, anything else as escaped plain text."""
    if isinstance(part, HTML):
        return part.data or ""
    if hasattr(part, "savefig"):
        return figure_png(part)
    if hasattr(part, "to_html"):
        return part.to_html()
    return text(part)


def join(*parts) -> HTML:
    """Parts one after the other (``None`` skipped), through :func:`fragment`."""
    return HTML("".join(fragment(p) for p in parts if p is not None))


def side_by_side(*parts) -> HTML:
    """Charts and tables side by side, wrapping on narrow screens (``None`` skipped)."""
    cells = "".join(f"<div>{fragment(p)}</div>" for p in parts if p is not None)
    return HTML('<div style="display:flex;flex-wrap:wrap;gap:28px;align-items:flex-start">'
                + cells + "</div>")


def figure_png(fig) -> str:
    """A matplotlib figure as an inline PNG ``<img>`` (closed afterwards)."""
    import matplotlib.pyplot as plt  # heavy: only the views with side-by-side charts need it

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=96, bbox_inches="tight")
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" style="max-width:100%"/>'


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



#: on a phone (≤ 600 px): tables marked by :func:`phone_table` (class ``csops-phone``) hide
#: the columns it names and tighten their cells; every other table scrolls sideways inside
#: its own box instead of widening the page
PHONE_CSS = "@media (max-width: 600px) {" + "".join(
    f" table.csops-hide-c{i} .col{i} {{ display: none; }}" for i in range(12)) + """
  table.csops-phone { font-size: 13px; }
  table.csops-phone th, table.csops-phone td { padding: 3px 4px !important; }
  .jp-RenderedHTMLCommon table:not(.csops-phone) { display: block; overflow-x: auto;
                                                   max-width: 100%; }
  .jp-RenderedHTMLCommon table:not(.csops-phone) th,
  .jp-RenderedHTMLCommon table:not(.csops-phone) td { white-space: nowrap; }
}"""


def phone_css() -> HTML:
    """The responsive rules of :data:`PHONE_CSS` as a ``<style>`` block (fixed text, nothing
    from data); a report shows it once, before the tables it concerns."""
    return HTML(f"<style>{PHONE_CSS}</style>")


def phone_table(styler, wide: Iterable[int]):
    """Mark a styled table (index hidden) for phones (:func:`phone_css`): the columns at the
    0-based positions ``wide`` (< 12; header and cells) are hidden on a narrow screen."""
    hide = " ".join(f"csops-hide-c{i}" for i in sorted(set(wide)) if 0 <= i < 12)
    return styler.set_table_attributes(f'class="csops-phone {hide}"')
