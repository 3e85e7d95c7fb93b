"""Excel output: formatted, atomically written workbooks from DataFrames.

:func:`write_workbook` writes one sheet per DataFrame with a bold, filled header row, frozen
panes below the header, an autofilter, column widths fitted to the text (CJK characters count
double) and a number format per column chosen from the column's *kind*:

=========  ======================  =====================================================
kind       Excel number format     chosen for (see :func:`column_kind`)
=========  ======================  =====================================================
money      ``¥#,##0.00``           sales, aov, amount, refund_amount, unit_price, ``*_sales``…
rate       ``0.0%``                ``*_rate``, ``*conversion``, ``*share`` (fractions in [0, 1])
seconds    ``0.0``                 ``*_s``, ``*_seconds`` (durations in seconds)
count      ``#,##0``               integer columns, ``n_*``, ``*_count``
number     ``#,##0.00``            other float columns
date       ``yyyy-mm-dd``          ``date``, ``*_date``, ``*_on``
datetime   ``yyyy-mm-dd hh:mm``    ``*_at``, ``*_time``, other datetime columns
text       ``@``                   text columns (IDs and phone numbers stay text in Excel)
general    ``General``             anything else
=========  ======================  =====================================================

A kind only formats values of a matching type (a number format is never put on a text cell,
a date format never on a number), so a guessed kind cannot turn a value into something else.

The building blocks are public so that other writers (the callback sheet,
:mod:`csops_lib.reports.callbacks`) format exactly the same way: :func:`write_sheet` fills one
worksheet, :func:`sheet_names` makes valid unique sheet names, :func:`save_atomic` saves a
workbook through a temporary file in the target folder and :func:`os.replace`, so an
interrupted or failed write never leaves a half-written file and never replaces the last good
one.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import tempfile
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from csops_lib.render.csv_out import FORMULA_TRIGGERS, looks_like_formula
from csops_lib.render.formats import EXCEL_FORMATS
from csops_lib.render.labels import LABELS

__all__ = [
    "FORMULA_TRIGGERS",
    "KINDS",
    "NUMBER_FORMATS",
    "SheetLayout",
    "column_kind",
    "display_width",
    "looks_like_formula",
    "save_atomic",
    "sheet_names",
    "write_sheet",
    "write_workbook",
]

#: kind → Excel number format: the base kinds a column's name or dtype can give, taken from
#: the one formats registry (:data:`csops_lib.render.formats.EXCEL_FORMATS`)
NUMBER_FORMATS: dict[str, str] = {k: EXCEL_FORMATS[k] for k in (
    "money", "rate", "seconds", "count", "number", "date", "datetime", "text", "general")}
KINDS = tuple(NUMBER_FORMATS)
NUMERIC_KINDS = frozenset({"money", "rate", "seconds", "count", "number"})
TIME_KINDS = frozenset({"date", "datetime"})

MAX_WIDTH = 50
MIN_WIDTH = 6
#: rows scanned per column to fit its width (a width fitted to the first rows is enough)
WIDTH_SCAN_ROWS = 5000
MAX_SHEET_NAME = 31

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
HEADER_BORDER = Border(bottom=Side(style="thin", color="8EA9DB"))
HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center")
TITLE_FONT = Font(bold=True, size=14)

_BOOL_TEXT = {"zh": ("是", "否"), "en": ("Yes", "No")}
_MONEY_NAMES = frozenset({"sales", "aov", "amount", "refund_amount", "unit_price", "order_total",
                          "target_sales", "gmv", "revenue", "price"})
_MONEY_SUFFIXES = ("_sales", "_amount", "_price", "_aov", "_yuan")
_RATE_SUFFIXES = ("_rate", "conversion", "share", "_pct")
_SECONDS_SUFFIXES = ("_s", "_seconds", "_sec")
_COUNT_RE = re.compile(r"^n_|_count$|^count$")
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_RESERVED_SHEET_NAMES = frozenset({"history"})


# --------------------------------------------------------------------------- kinds


def _label_keys() -> dict[str, str]:
    """Label text (zh and en, as shown in reports) → metric key, from :mod:`csops_lib.render.labels`."""
    keys: dict[str, str] = {}
    for key, pair in LABELS.items():
        for text in pair:
            keys.setdefault(text, key)
    return keys


_LABEL_KEYS = _label_keys()


def _kind_from_name(name: str) -> str | None:
    """The kind an English snake_case column name implies, or ``None``."""
    n = name.strip().lower()
    if n in _MONEY_NAMES or n.endswith(_MONEY_SUFFIXES):
        return "money"
    if n.endswith(_RATE_SUFFIXES):
        return "rate"
    if n.endswith(_SECONDS_SUFFIXES):
        return "seconds"
    if n == "date" or n.endswith(("_date", "_on")):
        return "date"
    if n.endswith(("_at", "_time")):
        return "datetime"
    if _COUNT_RE.search(n):
        return "count"
    return None


def _kind_from_chinese(name: str) -> str | None:
    """The kind a Chinese column label implies (``销售额(元)``, ``询单转化率``, ``首次响应(秒)``)."""
    n = unicodedata.normalize("NFKC", name).replace(" ", "")
    if "(元)" in n or n.endswith(("金额", "销售额", "客单价", "单价")):
        return "money"
    if n.endswith(("率", "占比")):
        return "rate"
    if "(秒)" in n or n.endswith(("时长", "秒")):
        return "seconds"
    if n.endswith("日期"):
        return "date"
    if n.endswith("时间"):
        return "datetime"
    return None  # counts (…数, 人数) come from the dtype: 客件数 is a float


def _kind_from_dtype(dtype) -> str:
    if dtype is None:
        return "general"
    if pd.api.types.is_bool_dtype(dtype):
        return "general"
    if pd.api.types.is_integer_dtype(dtype):
        return "count"
    if pd.api.types.is_float_dtype(dtype):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_timedelta64_dtype(dtype):
        return "seconds"
    if pd.api.types.is_string_dtype(dtype):
        return "text"
    return "general"


def column_kind(name: object, dtype=None, *, kinds: Mapping[str, str] | None = None) -> str:
    """The kind (a key of :data:`NUMBER_FORMATS`) of a column, from its name and dtype.

    Precedence: ``kinds[name]`` when given; then the English name rules
    (``sales``, ``aov``, ``amount``, ``refund_amount``, ``unit_price``, ``*_sales``,
    ``*_amount``, ``*_price`` → money; ``*_rate``, ``*conversion``, ``*share`` → rate;
    ``*_s``, ``*_seconds`` → seconds; ``date``, ``*_date``, ``*_on`` → date; ``*_at``,
    ``*_time`` → datetime; ``n_*``, ``*_count`` → count); then a report label of
    :mod:`csops_lib.render.labels` (``销售额(元)`` is the label of ``sales`` → money); then Chinese
    label patterns (``(元)``/``金额`` → money, ``…率``/``占比`` → rate, ``(秒)``/``时长`` →
    seconds, ``…日期`` → date, ``…时间`` → datetime); finally the dtype (integers → count,
    floats → number, datetimes → datetime, text → text; without a dtype → general).
    """
    if kinds and name in kinds:
        kind = kinds[name]  # type: ignore[index]
        if kind not in NUMBER_FORMATS:
            raise ValueError(f"column {name!r}: unknown kind {kind!r}; kinds: {', '.join(KINDS)}")
        return kind
    text = str(name)
    kind = _kind_from_name(text)
    if kind is None and text in _LABEL_KEYS:
        kind = _kind_from_name(_LABEL_KEYS[text])
    if kind is None:
        kind = _kind_from_chinese(text)
    if kind is None:
        kind = _kind_from_dtype(dtype)
    return kind


# --------------------------------------------------------------------------- values


def _plain(value):
    """One cell value as openpyxl takes it: None for every kind of missing."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, pd.Timestamp):
        if value.tzinfo is not None:
            value = value.tz_localize(None)
        return value.to_pydatetime()
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    if isinstance(value, (pd.Timedelta, dt.timedelta)):
        return value.total_seconds()
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else pd.Timestamp(value).to_pydatetime()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (str, dt.date, dt.time)):
        return value
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def _column_values(s: pd.Series) -> list:
    """Python values of a column, missing → None (works for str, Int64, boolean, datetimes)."""
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        if getattr(s.dt, "tz", None) is not None:
            s = s.dt.tz_localize(None)
        return [None if v is pd.NaT or pd.isna(v) else v.to_pydatetime() for v in s]
    if pd.api.types.is_timedelta64_dtype(s.dtype):
        return [None if pd.isna(v) else float(v) for v in s.dt.total_seconds()]
    return [_plain(v) for v in s.astype(object).tolist()]


def _fits(kind: str, value) -> bool:
    """Whether the number format of ``kind`` may be applied to ``value``."""
    if kind in NUMERIC_KINDS:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind in TIME_KINDS:
        return isinstance(value, (dt.date, dt.datetime))
    if kind == "text":
        return isinstance(value, str)
    return True


def _shown(kind: str, value) -> str:
    """Roughly the text Excel shows for ``value`` formatted as ``kind`` (for column widths)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "FALSE"
    if isinstance(value, (int, float)):
        if kind == "money":
            return f"¥{value:,.2f}"
        if kind == "rate":
            return f"{value * 100:.1f}%"
        if kind == "seconds":
            return f"{value:.1f}"
        if kind == "count":
            return f"{value:,.0f}"
        if kind == "number":
            return f"{value:,.2f}"
        return f"{value:.10g}"
    if isinstance(value, dt.datetime):
        return "yyyy-mm-dd" if kind == "date" else "yyyy-mm-dd hh:mm"
    if isinstance(value, dt.date):
        return "yyyy-mm-dd"
    return str(value)


def display_width(text: str) -> int:
    """Columns ``text`` occupies in a spreadsheet cell: East Asian wide/full-width characters
    count 2, everything else 1 (the longest line of multi-line text)."""
    return max(
        (sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in line)
         for line in str(text).split("\n")),
        default=0,
    )


def _clean_string(value: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def _put(ws: Worksheet, row: int, column: int, value):
    """Set one cell; text is always a text cell (``=1+1`` stays the text ``=1+1``, never a
    formula: openpyxl would otherwise store any text starting with ``=`` as one)."""
    if isinstance(value, str):
        value = _clean_string(value)
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


# --------------------------------------------------------------------------- sheets


def sheet_names(names, *, fallback: str = "Sheet") -> list[str]:
    """Valid, unique Excel sheet names for ``names``, in order.

    Characters ``[ ] : * ? / \\`` become ``_``, leading/trailing apostrophes and spaces are
    dropped, an empty name becomes ``fallback``, names are cut to 31 characters and ``History``
    (reserved by Excel) gets a trailing ``_``. Duplicates (Excel compares case-insensitively)
    get `` (2)``, `` (3)`` … appended, the base shortened to keep 31 characters.
    """
    out: list[str] = []
    taken: set[str] = set()
    for raw in names:
        base = _BAD_SHEET_CHARS.sub("_", str(raw)).strip().strip("'").strip() or fallback
        base = _clean_string(base)[:MAX_SHEET_NAME] or fallback
        if base.lower() in _RESERVED_SHEET_NAMES:
            base = base + "_"
        name, n = base, 1
        while name.lower() in taken:
            n += 1
            suffix = f" ({n})"
            name = base[: MAX_SHEET_NAME - len(suffix)] + suffix
        taken.add(name.lower())
        out.append(name)
    return out


@dataclass(frozen=True)
class SheetLayout:
    """Where :func:`write_sheet` put things: 1-based rows, column kinds and letters."""

    header_row: int
    first_data_row: int
    last_row: int  # the last data row (== header_row when the frame is empty)
    columns: dict[str, str]  # column name → letter
    kinds: dict[str, str]  # column name → kind

    def data_range(self, column: str) -> str:
        """The A1 range of ``column``'s data cells (at least one row)."""
        letter = self.columns[column]
        return f"{letter}{self.first_data_row}:{letter}{max(self.last_row, self.first_data_row)}"


def _header_text(column) -> str:
    if isinstance(column, tuple):
        return " / ".join(str(c) for c in column if str(c) != "")
    return str(column)


def write_sheet(
    ws: Worksheet,
    df: pd.DataFrame,
    *,
    formats: Mapping[str, str] | None = None,
    kinds: Mapping[str, str] | None = None,
    lang: str = "zh",
    title: str | None = None,
) -> SheetLayout:
    """Write ``df`` (its columns, not its index) into the empty worksheet ``ws``, formatted.

    ``title``: a bold title in row 1 (merged over the table's width) with the header in
    row 2; else the header is row 1. Panes are frozen below the header, the autofilter covers
    header and data, widths fit the longest shown text (CJK counts 2; at most 50). ``formats``
    maps a column to a kind or to a literal Excel number format; ``kinds`` maps a column to
    a kind (see :func:`column_kind`). Booleans are written as 是/否 (``lang="zh"``) or
    Yes/No. Every text value, header and title is a text cell: text beginning with ``=``,
    ``+``, ``-``, ``@`` stays text, never a formula (OWASP CSV injection); characters Excel
    cannot store are dropped.
    """
    if lang not in _BOOL_TEXT:
        raise ValueError(f"lang must be one of {', '.join(_BOOL_TEXT)}, not {lang!r}")
    formats = dict(formats or {})
    yes, no = _BOOL_TEXT[lang]
    headers = [_header_text(c) for c in df.columns]
    ncols = len(headers)
    header_row = 2 if title else 1
    first = header_row + 1
    last = header_row + len(df)

    if title:
        cell = _put(ws, 1, 1, title)
        cell.font = TITLE_FONT
        if ncols > 1:
            ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)

    letters: dict[str, str] = {}
    kinds_out: dict[str, str] = {}
    for j, (column, header) in enumerate(zip(df.columns, headers, strict=True), start=1):
        letter = get_column_letter(j)
        series = df.iloc[:, j - 1]
        fmt = formats.get(header, formats.get(column)) if formats else None
        if fmt in NUMBER_FORMATS:
            kind, number_format = fmt, NUMBER_FORMATS[fmt]
        elif fmt is not None:
            kind, number_format = "custom", fmt
        else:
            kind = column_kind(header, series.dtype, kinds=_kinds_for(kinds, column, header))
            number_format = NUMBER_FORMATS[kind]
        letters[header] = letter
        kinds_out[header] = kind

        head = _put(ws, header_row, j, header)
        head.font, head.fill = HEADER_FONT, HEADER_FILL
        head.border, head.alignment = HEADER_BORDER, HEADER_ALIGNMENT

        width = display_width(header) + 3  # room for the autofilter button
        values = _column_values(series)
        for i, value in enumerate(values):
            if isinstance(value, bool):
                value = yes if value else no
            cell = _put(ws, first + i, j, value)
            if value is None:
                if kind == "text":
                    cell.number_format = number_format  # typed-in IDs stay text too
                continue
            if kind == "custom" or _fits(kind, value):
                cell.number_format = number_format
            if i < WIDTH_SCAN_ROWS:
                width = max(width, display_width(_shown(kind, value)) + 2)
        ws.column_dimensions[letter].width = max(MIN_WIDTH, min(MAX_WIDTH, width))

    if ncols:
        ws.freeze_panes = f"A{first}"
        ws.auto_filter.ref = f"A{header_row}:{get_column_letter(ncols)}{max(last, header_row)}"
    return SheetLayout(header_row=header_row, first_data_row=first, last_row=last,
                       columns=letters, kinds=kinds_out)


def _kinds_for(kinds: Mapping[str, str] | None, column, header: str) -> dict[str, str] | None:
    if not kinds:
        return None
    if header in kinds:
        return {header: kinds[header]}
    if column in kinds:
        return {header: kinds[column]}
    return None


# --------------------------------------------------------------------------- files


def save_atomic(wb: Workbook, path: str | os.PathLike) -> Path:
    """Save ``wb`` to ``path`` through a temporary file in the same folder and
    :func:`os.replace`: readers see the old file or the new one, never a partial one, and a
    failure leaves the old file untouched and no temporary file behind."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".xlsx.tmp", dir=path.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600: give the usual file permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_workbook(
    path: str | os.PathLike,
    sheets: Mapping[str, pd.DataFrame],
    *,
    formats: Mapping[str, str] | None = None,
    kinds: Mapping[str, str] | None = None,
    lang: str = "zh",
    title: str | None = None,
) -> Path:
    """Write ``sheets`` (sheet name → DataFrame, in order) to the .xlsx ``path``, atomically.

    Each sheet is written by :func:`write_sheet` (formatted header, frozen panes, autofilter,
    widths, number formats per column kind; ``title`` repeated as row 1 of every sheet).
    Sheet names are made valid and unique by :func:`sheet_names`. ``formats``: column →
    kind or literal Excel number format; ``kinds``: column → kind, e.g. for Chinese labelled
    columns the rules do not recognise. Frame indexes are not written (``reset_index()``
    first to keep one). Returns the path.
    """
    if not sheets:
        raise ValueError("write_workbook: no sheets to write")
    wb = Workbook()
    wb.remove(wb.active)
    for name, df in zip(sheet_names(sheets), sheets.values(), strict=True):
        if not isinstance(df, pd.DataFrame):
            raise TypeError(f"sheet {name!r}: expected a DataFrame, got {type(df).__name__}")
        write_sheet(wb.create_sheet(name), df, formats=formats, kinds=kinds, lang=lang,
                    title=title)
    return save_atomic(wb, path)
