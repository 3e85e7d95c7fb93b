"""One registry of number formats, used by the HTML tables and the Excel workbooks alike.

A *kind* names how a value is shown: ``money`` (yuan, 2 decimals), ``money0`` (whole yuan),
``count``, ``rate`` (a fraction shown as %), ``change`` (a signed fraction, %), ``points``
(a difference of two rates, in percentage points), ``seconds``, ``hours``, ``score``,
``score1`` (one decimal: a 0–100 score), ``number1`` (one decimal), ``rate0`` and ``change0``
(whole percent), ``multiple`` (a ratio such as ×2.35),
``number``, ``date``, ``datetime``, ``text``. Missing values show as ``–`` everywhere.
"""
from __future__ import annotations

import math
from typing import Any

import pandas as pd

from csops_lib.render.labels import sentence

MISSING = "–"

#: kind → Python format (HTML tables, sentences)
HTML_FORMATS: dict[str, str] = {
    "money": "¥{:,.2f}", "money0": "¥{:,.0f}", "count": "{:,.0f}", "rate": "{:.1%}",
    "change": "{:+.1%}", "points": "{:+.1f} pt", "seconds": "{:,.1f}", "hours": "{:,.1f}",
    "score": "{:.2f}", "score1": "{:.1f}", "number": "{:,.2f}", "multiple": "×{:.2f}",
    "number1": "{:,.1f}", "rate0": "{:.0%}", "change0": "{:+.0%}",
}
#: kind → Excel number format (workbooks)
EXCEL_FORMATS: dict[str, str] = {
    "money": "¥#,##0.00", "money0": "¥#,##0", "count": "#,##0", "rate": "0.0%",
    "change": "+0.0%;-0.0%;0.0%", "points": "+0.0;-0.0;0.0", "seconds": "0.0", "hours": "0.0",
    "score": "0.00", "score1": "0.0", "number": "#,##0.00", "number1": "#,##0.0",
    "rate0": "0%", "change0": "+0%;-0%;0%", "multiple": '"×"0.00',
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm", "text": "@", "general": "General",
}
KINDS = tuple(EXCEL_FORMATS)
NUMERIC_KINDS = frozenset(HTML_FORMATS)
WEEKDAYS = {"zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
            "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}


def is_missing(value: Any) -> bool:
    """None, NaN, NaT and pandas' NA."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def fmt(value: Any, kind: str = "text") -> str:
    """``value`` shown as ``kind`` (``–`` when missing); ``points`` takes a fraction
    difference (0.012 → ``+1.2 pt``)."""
    if is_missing(value):
        return MISSING
    if kind == "points":
        return HTML_FORMATS["points"].format(float(value) * 100)
    if kind in HTML_FORMATS:
        return HTML_FORMATS[kind].format(value)
    if kind == "date":
        return f"{pd.Timestamp(value):%Y-%m-%d}"
    if kind == "datetime":
        return f"{pd.Timestamp(value):%Y-%m-%d %H:%M}"
    return str(value)


def formatter(kind: str):
    """A one-argument function for ``Styler.format`` showing ``kind``."""
    return lambda v: fmt(v, kind)


def duration(seconds: Any, lang: str = "zh") -> str:
    """A wait in words: under a minute in seconds, under an hour in minutes and seconds, else
    hours and minutes (``16635`` → ``4小时37分`` / ``4 h 37 min``)."""
    if is_missing(seconds):
        return MISSING
    s = int(round(float(seconds)))
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    if h:
        return sentence("duration_hm", lang, h=h, m=m)
    return sentence("duration_ms", lang, m=m, s=sec) if m else sentence("duration_s", lang, s=sec)


def weekday(dates: pd.Series, lang: str = "zh") -> pd.Series:
    """Short weekday names of ``dates`` in ``lang`` (Monday first)."""
    names = WEEKDAYS[lang]
    return pd.to_datetime(dates).dt.day_of_week.map(lambda i: names[i] if not math.isnan(i)
                                                   else MISSING)
