"""Seaborn theme with a CJK font, and the chart helpers the reports share.

Chinese labels need a font with CJK glyphs. The package depends on `mplfonts`, which ships
Noto Sans CJK SC; `setup_style()` registers that file with matplotlib (no system font and no
network needed) and sets the seaborn theme *and* the font in the same call: a later bare
`sns.set_theme()` would reset the font and bring back the missing-glyph boxes.

Chart text from data (a product ``满$10减$2``, an agent ``$\\frac{``) is drawn as written:
`setup_style()` turns matplotlib's math parsing off, so a ``$`` never starts a formula (and a
bad one can no longer abort the report).
"""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import seaborn as sns
from matplotlib import font_manager

#: Preferred CJK fonts, first found wins; the mplfonts file is registered before the lookup.
CJK_FONTS = ["Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "SimHei",
             "Microsoft YaHei", "PingFang SC"]
_BUNDLED = ("NotoSansCJKsc-Regular.otf", "SimHei.ttf")


def _register_bundled_fonts() -> list[str]:
    """Register the CJK font files shipped by mplfonts with matplotlib; return their names."""
    try:
        import mplfonts
    except ImportError:  # pragma: no cover - a dependency, but stay usable without it
        return []
    names = []
    folder = Path(mplfonts.__file__).parent / "fonts"
    for fname in _BUNDLED:
        path = folder / fname
        if path.exists():
            font_manager.fontManager.addfont(str(path))
            names.append(font_manager.FontProperties(fname=str(path)).get_name())
    return names


def cjk_font() -> str:
    """The name of an installed font that renders Chinese; raises if there is none."""
    bundled = _register_bundled_fonts()
    available = {f.name for f in font_manager.fontManager.ttflist}
    for name in [*CJK_FONTS, *bundled]:
        if name in available:
            return name
    raise RuntimeError(
        "no CJK font found: reinstall the package (`pip install -e .`, which brings mplfonts) "
        "or install fonts-noto-cjk"
    )


def setup_style(context: str = "notebook") -> str:
    """Set the seaborn theme and the CJK font together; return the font name used."""
    font = cjk_font()
    sns.set_theme(
        context=context,
        style="whitegrid",
        palette="deep",
        rc={
            "font.family": "sans-serif",
            "font.sans-serif": [font, "DejaVu Sans"],
            "axes.unicode_minus": False,
            "figure.figsize": (9, 4),
            "figure.dpi": 96,
            "savefig.bbox": "tight",
            "text.parse_math": False,  # names from data are text, never $math$
        },
    )
    return font


def bar(data, x: str, y: str, *, title: str = "", xlabel: str = "", ylabel: str = "",
        horizontal: bool = False, ax=None, color: str | None = None, fmt: str = "{:,.0f}"):
    """A labelled bar chart (values printed on the bars); returns the Axes."""
    if ax is None:
        _, ax = plt.subplots(figsize=(9, max(3.0, 0.3 * len(data))) if horizontal else (9, 4))
    if horizontal:
        sns.barplot(data=data, y=x, x=y, ax=ax, color=color or "C0", orient="h")
    else:
        sns.barplot(data=data, x=x, y=y, ax=ax, color=color or "C0")
    for container in ax.containers:
        ax.bar_label(container, labels=[fmt.format(v) for v in container.datavalues],
                     fontsize=8, padding=2)
    ax.set_title(title)
    ax.set_xlabel(ylabel if horizontal else xlabel)
    ax.set_ylabel(xlabel if horizontal else ylabel)
    sns.despine(ax=ax)
    return ax


def line(data, x: str, y: str, *, hue: str | None = None, title: str = "", xlabel: str = "",
         ylabel: str = "", ax=None):
    """A line chart with markers; returns the Axes."""
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4))
    sns.lineplot(data=data, x=x, y=y, hue=hue, marker="o", ax=ax)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    sns.despine(ax=ax)
    return ax


def legend_outside(ax, *, where: str = "right", title: str = "", fontsize: float = 8,
                   handles=None, labels=None):
    """Put the Axes' legend outside the plotting area so that it never covers a bar or a
    line: to the right of the axes (``where="right"``, top-aligned) or below them
    (``"below"``, in one row). Returns the legend (None when there is nothing to show)."""
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    old = ax.get_legend()
    if old is not None:
        old.remove()
    if not handles:
        return None
    if where == "below":
        return ax.legend(handles, labels, title=title or None, fontsize=fontsize,
                         loc="upper center", bbox_to_anchor=(0.5, -0.12),
                         ncol=min(len(handles), 4), frameon=False)
    if where != "right":
        raise ValueError(f"where must be right or below, not {where!r}")
    return ax.legend(handles, labels, title=title or None, fontsize=fontsize,
                     loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0,
                     frameon=False)
