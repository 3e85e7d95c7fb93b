"""Loaders: read a CS export (xlsx / csv), map its headers, clean, validate, quarantine.

``load(path)`` returns the canonical DataFrame of one file and a :class:`LoadReport` that
accounts for every data row: ``rows_read == rows_loaded + rows_quarantined``. A row that is
not loaded is listed in ``report.quarantine`` with its file, spreadsheet row number, column,
raw value, kind (``invalid`` | ``summary`` | ``duplicate`` | ``merged``) and a plain-English
reason. The table contract is ``shared/DATA.md``; column declarations live in
:mod:`csops_lib.schema`.

Pipeline of :func:`load`:

1. read every cell as text (CSV: UTF-8 with or without BOM, else GB18030; Excel: calamine);
2. find the sheet and the header row (the row among the first 15 that matches most aliases),
   guess the table when not given, map headers to canonical columns;
3. drop blank rows, quarantine totals / benchmark rows;
4. convert each column by kind (vectorised), derive columns (sender, province, pay_slot ...);
5. quarantine unreadable required values, pandera failures, inconsistent tallies,
   duplicates on the natural key, and merge the item lines of one order.
"""

from __future__ import annotations

import csv
import datetime as dt
import io as _io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
from python_calamine import CalamineWorkbook

from csops_lib.schema import TABLES, Column, TableSpec, normalize_header, schema_for

__all__ = ["LoadError", "LoadReport", "MissingColumnError", "load", "load_many"]

HEADER_SCAN_ROWS = 15
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}
TEXT_SUFFIXES = {".csv", ".txt", ".tsv"}

PLACEHOLDERS = frozenset(
    {"-", "--", "—", "——", "#NULL!", "#N/A", "N/A", "n/a", "NULL", "null", "延迟统计"}
)
SUMMARY_LABELS = frozenset(
    {"合计", "总计", "汇总", "小计", "均值", "平均值", "汇总值", "全店", "同行", "平均",
     "同行均值", "同行平均", "全店均值", "全店平均", "total", "sum", "average", "mean"}
)
ID_COLUMNS = frozenset({"order_id", "refund_id", "customer_id", "phone", "session_id"})
QUARANTINE_COLUMNS = ["file", "row", "column", "value", "kind", "reason"]

PROVINCES = (
    "北京市", "天津市", "上海市", "重庆市",
    "河北省", "山西省", "辽宁省", "吉林省", "黑龙江省", "江苏省", "浙江省", "安徽省",
    "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省", "广东省", "海南省",
    "四川省", "贵州省", "云南省", "陕西省", "甘肃省", "青海省", "台湾省",
    "内蒙古自治区", "广西壮族自治区", "西藏自治区", "宁夏回族自治区", "新疆维吾尔自治区",
    "香港特别行政区", "澳门特别行政区",
)
# The first two characters name every provincial division unambiguously (上海, 内蒙, 黑龙 ...).
_PROVINCE_BY_PREFIX = {name[:2]: name for name in PROVINCES}

_PAY_SLOTS = {hour: f"{hour:02d}:00-{hour + 1:02d}:00" for hour in range(24)}
_BOOLS = {
    **dict.fromkeys(("是", "y", "yes", "true", "t", "1", "√", "✓", "对", "有"), True),
    **dict.fromkeys(("否", "n", "no", "false", "f", "0", "×", "✗", "无", "没有"), False),
}
_KIND_WORDS = {
    "datetime": "a date/time", "date": "a date", "int": "a whole number",
    "float": "a number", "rate": "a rate", "duration": "a duration", "money": "an amount",
    "bool": "yes/no", "enum": "a known value",
}
_PANDAS3 = int(pd.__version__.split(".")[0]) >= 3


class LoadError(ValueError):
    """A file cannot be loaded at all (unknown table, no header, unreadable file)."""


class MissingColumnError(LoadError):
    """A required column is absent; ``missing`` lists the canonical names."""

    def __init__(self, message: str, missing: list[str]):
        super().__init__(message)
        self.missing = missing


@dataclass
class LoadReport:
    """What happened to every row of one file (see module docstring)."""

    file: str
    table: str
    sheet: str | None
    header_row: int
    column_map: dict[str, str]
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    blank_rows: int = 0
    quarantine: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=QUARANTINE_COLUMNS)
    )
    warnings: list[str] = field(default_factory=list)
    encoding: str | None = None

    def counts_by_kind(self) -> dict[str, int]:
        """Quarantined rows per kind."""
        return self.quarantine["kind"].value_counts().to_dict()

    def summary(self, max_rows: int = 10) -> str:
        """Multi-line human summary: counts, quarantine by kind, first rows, warnings."""
        where = f"sheet {self.sheet!r}, " if self.sheet is not None else ""
        lines = [
            f"{self.file} → table '{self.table}' ({where}header on row {self.header_row}"
            + (f", encoding {self.encoding}" if self.encoding else "") + ")",
            f"rows read {self.rows_read} = loaded {self.rows_loaded} "
            f"+ quarantined {self.rows_quarantined} (blank rows skipped: {self.blank_rows})",
        ]
        if self.rows_quarantined:
            by_kind = ", ".join(f"{k} {n}" for k, n in sorted(self.counts_by_kind().items()))
            lines.append(f"quarantined by kind: {by_kind}")
            for rec in self.quarantine.head(max_rows).itertuples(index=False):
                lines.append(f"  {rec.file}:{rec.row} {rec.column}: {rec.reason}")
            if self.rows_quarantined > max_rows:
                lines.append(f"  … and {self.rows_quarantined - max_rows} more")
        if self.warnings:
            lines.append("warnings:")
            lines.extend(f"  - {w}" for w in self.warnings)
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """Plain-Python form (quarantine as a list of records), e.g. for JSON."""
        return {
            "file": self.file,
            "table": self.table,
            "sheet": self.sheet,
            "header_row": self.header_row,
            "column_map": dict(self.column_map),
            "rows_read": self.rows_read,
            "rows_loaded": self.rows_loaded,
            "rows_quarantined": self.rows_quarantined,
            "blank_rows": self.blank_rows,
            "quarantine": self.quarantine.astype(object).to_dict("records"),
            "warnings": list(self.warnings),
            "encoding": self.encoding,
        }


# --------------------------------------------------------------------------- public API


def load(
    path: str | Path,
    table: str | None = None,
    *,
    sheet: str | int | None = None,
    report_date: str | dt.date | None = None,
) -> tuple[pd.DataFrame, LoadReport]:
    """Load one export as a canonical table.

    ``table``: a name of :data:`csops_lib.schema.TABLES`; ``None`` guesses it from the headers.
    ``sheet``: Excel sheet name or 0-based index; ``None`` takes the first sheet with a
    recognisable header. ``report_date``: the day of every row when the table has a ``date``
    column and the file lacks it (else the date is parsed from the file name).

    Returns the cleaned frame (canonical columns in spec order, then unknown extra columns
    under their original headers) and the :class:`LoadReport`. Raises
    :class:`MissingColumnError` for a missing required column, :class:`LoadError` when the
    file or its table cannot be recognised.
    """
    frame, report = _load(Path(path), table, sheet, report_date)
    return frame.reset_index(drop=True), report


def load_many(
    paths: Iterable[str | Path],
    table: str | None = None,
    *,
    report_date: str | dt.date | None = None,
) -> tuple[pd.DataFrame, list[LoadReport]]:
    """Load several exports of one table and concatenate them.

    The table is guessed from the first file when not given and then required of the others.
    A row whose natural key was already loaded from an earlier file (overlapping exports) is
    dropped and counted as a ``duplicate`` in the later file's report, so each report keeps
    ``rows_read == rows_loaded + rows_quarantined``.
    """
    frames: list[pd.DataFrame] = []
    reports: list[LoadReport] = []
    for path in map(Path, paths):
        frame, report = _load(path, table, None, report_date)
        table = report.table
        if frames:
            frame = _drop_seen(frame, pd.concat(frames), report, reports)
        frames.append(frame)
        reports.append(report)
    if not frames:
        raise LoadError("load_many: no files given")
    return pd.concat(frames, ignore_index=True), reports


def _drop_seen(
    frame: pd.DataFrame, earlier: pd.DataFrame, report: LoadReport, reports: list[LoadReport]
) -> pd.DataFrame:
    """Move rows of ``frame`` whose natural key is in ``earlier`` to the report's quarantine."""
    key = [k for k in TABLES[report.table].key if k in frame.columns and k in earlier.columns]
    if frame.empty or earlier.empty or not key:
        return frame
    seen = pd.util.hash_pandas_object(earlier[key], index=False)
    dup = pd.util.hash_pandas_object(frame[key], index=False).isin(seen)
    if not dup.any():
        return frame
    names = ", ".join(Path(r.file).name for r in reports)
    moved = pd.DataFrame(
        {
            "file": Path(report.file).name,
            "row": frame.index[dup.to_numpy()],
            "column": key[0],
            "value": frame.loc[dup.to_numpy(), key[0]].astype(str).to_numpy(),
            "kind": "duplicate",
            "reason": f"same {'/'.join(key)} already loaded from {names}",
        }
    )
    report.quarantine = pd.concat([report.quarantine, moved], ignore_index=True)
    report.rows_loaded -= len(moved)
    report.rows_quarantined += len(moved)
    return frame[~dup.to_numpy()]


# --------------------------------------------------------------------------- reading


def _read_csv_grid(path: Path) -> tuple[pd.DataFrame, str]:
    """All cells of a CSV/TXT as text; tries UTF-8 (BOM or not), then GB18030 (⊃ GBK)."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
        encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError:
        try:
            text, encoding = data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError as exc:
            raise LoadError(f"{path.name}: not UTF-8 nor GBK/GB18030 text ({exc})") from None
    head = text[:20000]
    delimiter = "\t" if head.count("\t") > head.count(",") else ","
    rows = list(csv.reader(_io.StringIO(text, newline=""), delimiter=delimiter))
    width = max(map(len, rows), default=0)
    if any(len(row) != width for row in rows):  # banner lines are shorter than the table
        rows = [row + [""] * (width - len(row)) for row in rows]
    return pd.DataFrame(rows, dtype=object), encoding


def _cell_text(value: object) -> str:
    """Text of one Excel cell as calamine returns it (numbers without a spurious ``.0``)."""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value.total_seconds())
    return str(value)


def _excel_grid(book: CalamineWorkbook, name: str, nrows: int | None = None) -> pd.DataFrame:
    rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False, nrows=nrows)
    return pd.DataFrame(rows, dtype=object).fillna("").map(_cell_text)


def _drop_empty_columns(grid: pd.DataFrame) -> pd.DataFrame:
    """Drop columns without any non-blank cell; keep spreadsheet column numbers as labels."""
    grid = grid.set_axis(range(1, grid.shape[1] + 1), axis=1)
    filled = grid.apply(lambda col: col.astype(str).str.strip().ne("").any())
    return grid.loc[:, filled] if len(filled) else grid


# --------------------------------------------------------------------------- headers


@dataclass(frozen=True)
class _Header:
    spec: TableSpec
    row: int  # 0-based position in the grid
    score: tuple[int, int]  # (canonical columns matched, required columns matched)


def _table_scores(cells: list[str]) -> dict[str, tuple[int, int]]:
    """Per table: (canonical columns matched, required columns matched) by these cells."""
    normalized = {normalize_header(c) for c in cells if str(c).strip()}
    scores = {}
    for name, spec in TABLES.items():
        matched = {spec.alias_lookup[n][0] for n in normalized if n in spec.alias_lookup}
        scores[name] = (len(matched), len(matched & set(spec.required)))
    return scores


def _find_header(grid: pd.DataFrame, table: str | None, where: str, needed: int) -> _Header | None:
    """The best header row among the first rows of ``grid`` (``None`` if fewer than
    ``needed`` canonical columns match).

    With ``table`` given, the row matching most of its aliases; else the row and table with
    the most matches (ties between tables broken by required columns matched; a remaining
    tie raises :class:`LoadError` naming the candidates).
    """
    best: tuple[tuple[int, int], int, list[str]] | None = None
    for pos in range(min(HEADER_SCAN_ROWS, len(grid))):
        scores = _table_scores(grid.iloc[pos].tolist())
        if table is not None:
            scores = {table: scores[table]}
        top = max(scores.values())
        leaders = [name for name, score in scores.items() if score == top]
        if best is None or top > best[0]:
            best = (top, pos, leaders)
    if best is None:
        return None
    score, pos, leaders = best
    if score[0] < needed:
        return None
    if len(leaders) > 1:
        raise LoadError(
            f"{where}: headers on row {pos + 1} fit several tables equally well "
            f"({', '.join(leaders)}); pass table= one of them"
        )
    return _Header(TABLES[leaders[0]], pos, score)


def _no_table_error(where: str, grids: list[pd.DataFrame], table: str | None) -> LoadError:
    """The error for a file where no header row was recognised, listing near candidates."""
    if table is not None:
        spec = TABLES[table]
        aliases = ", ".join(spec.column(spec.required[0]).headers)
        return LoadError(
            f"{where}: no header row for table '{table}' in the first {HEADER_SCAN_ROWS} rows "
            f"(looked for headers such as {aliases})"
        )
    totals: dict[str, int] = dict.fromkeys(TABLES, 0)
    for grid in grids:
        for pos in range(min(HEADER_SCAN_ROWS, len(grid))):
            for name, (score, _) in _table_scores(grid.iloc[pos].tolist()).items():
                totals[name] = max(totals[name], score)
    candidates = [f"{n} ({s} header{'s' if s != 1 else ''})" for n, s in
                  sorted(totals.items(), key=lambda kv: -kv[1]) if s]
    hint = f"closest: {', '.join(candidates)}; " if candidates else ""
    return LoadError(
        f"{where}: cannot tell which table this is from its headers; {hint}"
        f"pass table= one of: {', '.join(TABLES)}"
    )


def _locate(
    path: Path, table: str | None, sheet: str | int | None
) -> tuple[pd.DataFrame, _Header, str | None, str | None]:
    """Read the file and find (grid, header, sheet name, encoding)."""
    # A header needs two known columns; with the table given, one will do when no sheet has
    # two (the file then fails with MissingColumnError rather than "no header").
    thresholds = (2,) if table is None else (min(2, len(TABLES[table].required)), 1)
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        grid, encoding = _read_csv_grid(path)
        grid = _drop_empty_columns(grid)
        for needed in thresholds:
            header = _find_header(grid, table, path.name, needed)
            if header is not None:
                return grid, header, None, encoding
        raise _no_table_error(path.name, [grid], table)
    if suffix not in EXCEL_SUFFIXES:
        raise LoadError(f"{path.name}: unsupported file type {suffix!r} (xlsx, xls, csv, txt)")
    book = CalamineWorkbook.from_path(str(path))
    if sheet is None:
        names = book.sheet_names
    elif isinstance(sheet, int):
        names = [book.sheet_names[sheet]]
    elif sheet in book.sheet_names:
        names = [sheet]
    else:
        raise LoadError(f"{path.name}: no sheet {sheet!r}; sheets: {', '.join(book.sheet_names)}")
    heads = {name: _drop_empty_columns(_excel_grid(book, name, HEADER_SCAN_ROWS)) for name in names}
    for needed in thresholds:
        found = [(header, name) for name, head in heads.items()
                 if (header := _find_header(head, table, f"{path.name}[{name}]", needed))]
        if found:  # the first sheet with a real header; on the fallback, the best match
            header, name = found[0] if needed > 1 else max(found, key=lambda f: f[0].score)
            return _drop_empty_columns(_excel_grid(book, name)), header, name, None
    raise _no_table_error(path.name, list(heads.values()), table)


def _map_columns(header_cells: pd.Series, spec: TableSpec) -> tuple[dict[int, str], dict[str, str]]:
    """Grid column → output name, and original header → canonical column.

    Each canonical column takes the header matching its best-ranked alias (first wins on a
    tie); other headers keep their original text (made unique), blank ones ``column_<n>``.
    """
    chosen: dict[str, tuple[int, int]] = {}
    for col, cell in header_cells.items():
        hit = spec.alias_lookup.get(normalize_header(cell))
        if hit and (hit[0] not in chosen or hit[1] < chosen[hit[0]][1]):
            chosen[hit[0]] = (col, hit[1])
    names = {col: canonical for canonical, (col, _) in chosen.items()}
    column_map = {str(header_cells[col]).strip(): canonical for col, canonical in names.items()}
    taken = set(spec.names)
    for col, cell in header_cells.items():
        if col in names:
            continue
        base = str(cell).strip() or f"column_{col}"
        name, n = base, 1
        while name in taken:
            n += 1
            name = f"{base} ({n})"
        taken.add(name)
        names[col] = name
    return names, column_map


# --------------------------------------------------------------------------- values


def _clean_text(col: pd.Series) -> pd.Series:
    """Strip spaces, Excel text guards (``="…"``, leading ``'``) and placeholders → NaN."""
    text = col.astype(str).str.strip()
    text = text.str.replace(r'^="(.*)"$', r"\1", regex=True).str.replace(r"^'", "", regex=True)
    text = text.str.strip()
    return text.mask(text.eq("") | text.isin(PLACEHOLDERS))


def _numbers(text: pd.Series) -> pd.Series:
    """Numbers from money/count text: ``¥1,234.00``, ``148.90元``, ``1.2万``, ``30人``."""
    t = text.str.replace(r"[¥￥,，\s]|^(?:RMB|CNY)|[元人个次件单]$", "", regex=True)
    wan = t.str.endswith("万", na=False)
    value = pd.to_numeric(t.str.removesuffix("万"), errors="coerce")
    return value.where(~wan, value * 10_000).astype("float64")


def _to_int(text: pd.Series) -> pd.Series:
    value = _numbers(text)
    return value.where(value % 1 == 0).astype("Int64")


def _to_rate(text: pd.Series) -> pd.Series:
    """``45.23%`` → 0.4523; ``0.4523`` as is."""
    percent = text.str.endswith("%", na=False)
    value = _numbers(text.str.removesuffix("%"))
    return value.where(~percent, value / 100)


def _to_duration(text: pd.Series) -> pd.Series:
    """Seconds from ``80``, ``00:01:20`` / ``01:20``, ``1分20秒``, ``2分``, ``12.5小时``."""
    t = text.str.lower().str.replace(r"\s+", "", regex=True)
    plain = pd.to_numeric(t, errors="coerce")
    clock = t.str.extract(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$").apply(pd.to_numeric)
    clock_s = clock[0].fillna(0) * 3600 + clock[1] * 60 + clock[2]
    units = t.str.extract(
        r"^(?=.*\d)(?:([\d.]+)天)?(?:([\d.]+)(?:小时|时|h))?"
        r"(?:([\d.]+)(?:分钟|分|min|m))?(?:([\d.]+)(?:秒|s))?$"
    ).apply(pd.to_numeric, errors="coerce")
    units_s = units.mul([86400, 3600, 60, 1], axis=1).sum(axis=1, min_count=1)
    return plain.fillna(clock_s).fillna(units_s).astype("float64")


_DATE_TEXT = (
    r"^(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"
    r"(?: (?P<hour>\d{1,2}):(?P<minute>\d{1,2})(?::(?P<second>\d{1,2})(?P<frac>\.\d+)?)?)?$"
)


_ISO_TEXT = r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"


def _to_datetime(text: pd.Series) -> pd.Series:
    """Timestamps from the date spellings of Chinese exports.

    ``2024/5/1 13:05``, ``2024-05-01``, ``2024年5月1日``, ISO ``T``, ``20240501`` (also
    ``20240501.0`` and ``20240501130500``), Excel serial day numbers (``45231.5``) and the
    ISO text of Excel datetime cells. Anything else → NaT. Zero-padded ISO text (the usual
    case) takes a fast path; only the other spellings go through the regex rewrites.
    """
    iso = text.str.fullmatch(_ISO_TEXT, na=False)
    result = pd.to_datetime(text.where(iso), format="ISO8601", errors="coerce")
    result = result.astype("datetime64[ns]")
    other = text.notna() & ~iso
    if other.any():
        result[other] = _other_datetimes(text[other])
    return result


def _other_datetimes(text: pd.Series) -> pd.Series:
    """:func:`_to_datetime` for text that is not zero-padded ISO."""
    t = (
        text.str.replace(
            r"^(\d{4})\s*[年/.\-]\s*(\d{1,2})\s*[月/.\-]\s*(\d{1,2})\s*日?\s*T?\s*",
            r"\1-\2-\3 ", regex=True,
        )
        .str.replace(r"(?<=\d)\s*[时点分]\s*(?=\d)", ":", regex=True)
        .str.replace(r"\s*[分秒]$", "", regex=True)
        .str.strip()
    )
    parts = t.str.extract(_DATE_TEXT).apply(pd.to_numeric)
    clock = parts[["hour", "minute", "second"]].fillna(0)
    stamp = pd.to_datetime(
        pd.concat([parts[["year", "month", "day"]], clock], axis=1), errors="coerce"
    ) + pd.to_timedelta(parts["frac"].fillna(0), unit="s")

    number = pd.to_numeric(text.where(text.str.fullmatch(r"\d+(?:\.\d+)?", na=False)),
                           errors="coerce")
    whole = number.where(number % 1 == 0)
    ymd = whole.where(whole.between(19000101, 21001231))
    long_form = whole.where(whole.between(19000101000000, 21001231235959))
    day, clock_part = long_form // 1_000_000, long_form % 1_000_000
    compact = pd.to_datetime(
        pd.DataFrame({"year": ymd // 10000, "month": ymd // 100 % 100, "day": ymd % 100}),
        errors="coerce",
    )
    long_compact = pd.to_datetime(
        pd.DataFrame({
            "year": day // 10000, "month": day // 100 % 100, "day": day % 100,
            "hour": clock_part // 10000, "minute": clock_part // 100 % 100,
            "second": clock_part % 100,
        }),
        errors="coerce",
    )
    serial = number.where(number.between(20000, 80000))
    from_serial = (pd.Timestamp("1899-12-30") + pd.to_timedelta(serial, unit="D")).dt.round("s")
    result = stamp.fillna(compact).fillna(long_compact).fillna(from_serial)
    return result.astype("datetime64[ns]")


_MONTH_TEXT = r"^\s*(?P<year>\d{4})\s*[年/.\-]\s*(?P<month>\d{1,2})\s*月?\s*$"


def _to_date(text: pd.Series) -> pd.Series:
    """Days from every spelling :func:`_to_datetime` reads, plus a month alone (``2026-10``,
    ``2026/9``, ``2026年11月``: the month's first day), as supervisors type monthly sheets."""
    result = _to_datetime(text).dt.normalize()
    month_only = result.isna() & text.str.fullmatch(_MONTH_TEXT, na=False)
    if month_only.any():
        parts = text[month_only].str.extract(_MONTH_TEXT).apply(pd.to_numeric)
        result[month_only] = pd.to_datetime(parts.assign(day=1), errors="coerce")
    return result


def _to_bool(text: pd.Series) -> pd.Series:
    """是/否, true/false, 1/0 (also ``1.0``), Y/N → nullable boolean."""
    key = text.str.lower().str.replace(r"^(\d)\.0+$", r"\1", regex=True)
    return key.map(_BOOLS).astype("boolean")


def _to_text(text: pd.Series) -> pd.Series:
    return text


def _to_id(text: pd.Series) -> pd.Series:
    """IDs and phones: ``1234.0`` → ``1234`` (leading zeros and letters untouched)."""
    return text.str.replace(r"^(\d+)\.0+$", r"\1", regex=True)


_PARSERS = {
    "text": _to_text, "datetime": _to_datetime, "date": _to_date, "int": _to_int,
    "float": _numbers, "money": _numbers, "rate": _to_rate, "duration": _to_duration,
    "bool": _to_bool,
}


def _contains_map(text: pd.Series, rules: list[tuple[str, str]]) -> pd.Series:
    """First rule whose regex is found in ``text`` gives the value; NaN when none does."""
    out = pd.Series(np.nan, index=text.index, dtype=object)
    for pattern, value in reversed(rules):
        out = out.mask(text.str.contains(pattern, case=False, regex=True, na=False), value)
    return out


def _order_status(text: pd.Series) -> pd.Series:
    return _contains_map(text, [
        (r"退款|^refunded$", "refunded"),
        (r"等待买家付款|未付款|^unpaid$", "unpaid"),
        (r"交易关闭|已关闭|取消|^closed$", "closed"),
        (r"交易成功|已付款|已发货|等待买家确认收货|等待卖家发货|已完成|^paid$", "paid"),
    ])


def _chat_sender(text: pd.Series) -> pd.Series:
    return _contains_map(text, [
        (r"自动回复|机器人|系统|^(?:auto|bot|robot|system)$", "auto"),
        (r"买家|顾客|客户|^(?:customer|buyer)$", "customer"),
        (r"客服|卖家|商家|^(?:agent|seller)$", "agent"),
    ])


def _chat_category(text: pd.Series) -> pd.Series:
    known = text.str.lower().where(
        text.str.lower().isin(TABLES["chats"].column("category").choices)
    )
    mapped = _contains_map(text, [
        ("售前", "presale"), ("售后", "after_sales"), ("广告", "ad"),
        ("静默", "silent_check"), ("追单", "followup"),
    ])
    return known.fillna(mapped).fillna("other").where(text.notna())


def _roster_role(text: pd.Series) -> pd.Series:
    return _contains_map(text, [
        (r"售前.*售后|售后.*售前|全部|都|^both$", "both"),
        (r"售前|^presale$", "presale"),
        (r"售后|^after_sales$", "after_sales"),
    ])


def _intervened(text: pd.Series) -> pd.Series:
    """客服介入状态: 小二/客服已经介入 → True, 未介入 → False, else yes/no words."""
    involved = text.str.contains("介入", na=False)
    negated = text.str.contains(r"^(?:未|无|没有|不|非)", na=False)
    worded = pd.Series(pd.NA, index=text.index, dtype="boolean").mask(involved, ~negated)
    return worded.fillna(_to_bool(text)).astype("boolean")


_SPECIAL_PARSERS = {
    ("orders", "status"): _order_status,
    ("chats", "sender"): _chat_sender,
    ("chats", "category"): _chat_category,
    ("roster", "role"): _roster_role,
    ("refunds", "platform_intervened"): _intervened,
}


def _as_text(values: pd.Series) -> pd.Series:
    """The project's text dtype (pandas 3 ``str``; object of str under pandas 2)."""
    return values.astype("str") if _PANDAS3 else values.astype(object).where(values.notna())


def _normalize_province(text: pd.Series) -> pd.Series:
    """上海 → 上海市, 内蒙古 → 内蒙古自治区, 广东 → 广东省 ...; unknown names kept as given."""
    return text.str[:2].map(_PROVINCE_BY_PREFIX).fillna(text)


# --------------------------------------------------------------------------- the loader


class _Issues:
    """Collects per-row problems; one quarantine line per row, reasons joined."""

    def __init__(self, file: str):
        self.file = file
        self.parts: list[pd.DataFrame] = []

    def add(self, rows, column: str, value, kind: str, reason) -> None:
        rows = pd.Index(rows)
        value, reason = (v.to_numpy() if isinstance(v, pd.Series) else v for v in (value, reason))
        if len(rows):
            self.parts.append(pd.DataFrame(
                {"row": rows, "column": column, "value": value, "kind": kind, "reason": reason}
            ))

    def rows(self) -> pd.Index:
        return pd.Index(pd.concat(self.parts)["row"].unique()) if self.parts else pd.Index([])

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame(columns=QUARANTINE_COLUMNS)
        issues = pd.concat(self.parts, ignore_index=True)
        issues["value"] = issues["value"].astype(object).where(issues["value"].notna(), "")
        firsts = issues.groupby("row", sort=False).first()
        firsts["reason"] = issues.groupby("row", sort=False)["reason"].agg("; ".join)
        out = firsts.reset_index().sort_values("row", kind="stable")
        out.insert(0, "file", self.file)
        out["value"] = out["value"].astype(str)
        return out[QUARANTINE_COLUMNS].reset_index(drop=True)


def _file_date(path: Path) -> pd.Timestamp | None:
    """A report date in the file name: ``2026-11-20``, ``2026_11_20``, ``2026年11月20日``, ``20261120``."""
    for pattern in (r"(?<!\d)(20\d\d)[-_.年](\d{1,2})[-_.月](\d{1,2})(?!\d)",
                    r"(?<!\d)(20\d\d)(\d\d)(\d\d)(?!\d)"):
        for match in re.finditer(pattern, path.stem):
            try:
                return pd.Timestamp(*map(int, match.groups()))
            except ValueError:
                continue
    return None


def _missing_error(name: str, spec: TableSpec, missing: list[str], extra: dict[str, str]):
    """One error naming the file, the table, each missing column and the headers tried."""
    parts = [
        f"{'needs' if i == 0 else 'also needs'} column '{col}'; looked for headers: "
        f"{', '.join([*spec.column(col).aliases, col])}{extra.get(col, '')}"
        for i, col in enumerate(missing)
    ]
    return MissingColumnError(f"{name}: table '{spec.name}' " + "; ".join(parts), missing)


def _check_required(
    path: Path, spec: TableSpec, present: set[str], report_date
) -> pd.Timestamp | None:
    """Raise MissingColumnError for absent required columns; return the file's report date
    when the table needs a ``date`` column the file lacks."""
    extra: dict[str, str] = {}
    fill_date = None
    missing = [c for c in spec.required if c not in present]
    if spec.name == "chats" and "sender" in missing and "sender_nick" in present:
        missing.remove("sender")
    if "sender" in missing:
        nick = spec.column("sender_nick")
        extra["sender"] = f" (or a sender nick column: {', '.join(nick.headers)})"
    if "date" in missing:
        fill_date = pd.Timestamp(report_date) if report_date is not None else _file_date(path)
        if fill_date is not None:
            missing.remove("date")
        else:
            extra["date"] = " (no report_date given and no date such as 2026-11-20 in the file name)"
    if missing:
        raise _missing_error(path.name, spec, missing, extra)
    return fill_date


def _load(path: Path, table: str | None, sheet, report_date) -> tuple[pd.DataFrame, LoadReport]:
    """:func:`load` keeping the spreadsheet row numbers as the frame's index."""
    if table is not None and table not in TABLES:
        raise LoadError(f"unknown table {table!r}; known: {', '.join(TABLES)}")
    if not path.exists():
        raise LoadError(f"{path}: no such file")
    grid, header, sheet_name, encoding = _locate(path, table, sheet)
    spec = header.spec
    names, column_map = _map_columns(grid.iloc[header.row], spec)
    fill_date = _check_required(path, spec, set(column_map.values()), report_date)

    body = grid.iloc[header.row + 1:].rename(columns=names)
    body.index = pd.RangeIndex(header.row + 2, header.row + 2 + len(body), name="row")
    raw = body.apply(_clean_text)
    blank = raw.isna().all(axis=1)
    raw = raw[~blank]
    report = LoadReport(
        file=str(path), table=spec.name, sheet=sheet_name, header_row=header.row + 1,
        column_map=column_map, rows_read=len(raw), blank_rows=int(blank.sum()),
        encoding=encoding,
    )
    issues = _Issues(path.name)

    first_two = raw.iloc[:, :2]
    is_label = first_two.apply(lambda c: c.str.lower().str.rstrip(":：").isin(SUMMARY_LABELS))
    summary = is_label.any(axis=1)
    labels = first_two[summary].where(is_label[summary])
    label = labels.iloc[:, 0].fillna(labels.iloc[:, -1])
    issues.add(label.index, raw.columns[0], label, "summary",
               "totals / benchmark row (" + label.astype(str) + ")")
    raw = raw[~summary]

    frame = _convert(raw, spec, issues, report)
    frame = _derive(frame, spec, report, fill_date)
    frame = _validate(frame, raw, spec, issues)
    if spec.name == "agent_daily":
        frame = _check_tally(frame, raw, issues)
    frame = _dedupe(frame, raw, spec, issues)
    if spec.name == "orders":
        frame = _merge_item_lines(frame, issues)

    report.quarantine = issues.frame()
    report.rows_quarantined = len(report.quarantine)
    report.rows_loaded = len(frame)
    extras = [c for c in frame.columns if c not in spec.names]
    ordered = [c.name for c in spec.columns if c.name in frame.columns and not c.helper]
    return frame[ordered + extras], report


def _convert(raw: pd.DataFrame, spec: TableSpec, issues: _Issues, report: LoadReport):
    """Typed canonical columns (extras as text). Unreadable values: required column → invalid,
    optional column → left empty and counted in ``report.warnings``."""
    out = {}
    for name in raw.columns:
        text = raw[name]
        if name not in spec.names:
            out[name] = _as_text(text)
            continue
        col = spec.column(name)
        parser = _SPECIAL_PARSERS.get((spec.name, name)) or (
            _to_id if name in ID_COLUMNS else _PARSERS.get(col.kind, _to_text)
        )
        value = parser(text)
        bad = text.notna() & value.isna()
        if bad.any():
            _report_unreadable(col, text[bad], issues, report)
        if name in ID_COLUMNS:
            _warn_scientific(name, value, report)
        out[name] = _as_text(value) if col.kind in ("text", "enum") else value
    return pd.DataFrame(out, index=raw.index)


def _report_unreadable(col: Column, bad: pd.Series, issues: _Issues, report: LoadReport):
    what = _KIND_WORDS.get(col.kind, "a value")
    if col.required:
        issues.add(bad.index, col.name, bad.to_numpy(), "invalid",
                   f"{col.name}: could not read '" + bad.astype(str) + f"' as {what}")
        return
    examples = ", ".join(f"row {r} {v!r}" for r, v in bad.head(3).items())
    report.warnings.append(
        f"{col.name}: {len(bad)} value(s) not readable as {what}, left empty (e.g. {examples})"
    )


def _warn_scientific(name: str, value: pd.Series, report: LoadReport) -> None:
    sci = value.str.fullmatch(r"\d(?:\.\d+)?[eE]\+?\d+", na=False)
    if sci.any():
        report.warnings.append(
            f"{name}: {int(sci.sum())} value(s) in scientific notation (e.g. row "
            f"{sci.idxmax()} {value[sci].iloc[0]!r}): digits were lost by Excel; kept as given"
        )


def _derive(frame: pd.DataFrame, spec: TableSpec, report: LoadReport,
            fill_date: pd.Timestamp | None) -> pd.DataFrame:
    """Columns computed from others: the report date, agent nicks and table specifics."""
    if fill_date is not None:
        frame["date"] = pd.Series(fill_date.normalize(), index=frame.index,
                                  dtype="datetime64[ns]")
        report.warnings.append(f"date: not in the file; every row dated {fill_date.date()}")
    if "agent" in frame:
        frame["agent"] = frame["agent"].str.replace(r"^.*[:：]", "", regex=True).str.strip()
    if "province" in frame:
        frame["province"] = _as_text(_normalize_province(frame["province"]))
    if spec.name == "orders":
        frame = _derive_orders(frame)
    elif spec.name == "chats":
        frame = _derive_sender(frame)
    if "province" in frame:
        unknown = frame["province"].notna() & ~frame["province"].isin(PROVINCES)
        if unknown.any():
            report.warnings.append(
                f"province: {int(unknown.sum())} value(s) not a Chinese provincial division, "
                f"kept as given (e.g. {frame['province'][unknown].iloc[0]!r})"
            )
    return frame


def _derive_orders(frame: pd.DataFrame) -> pd.DataFrame:
    """quantity default 1; item lines without an amount take their order's; province/city
    from the address; pay_slot; status when absent."""
    quantity = frame.get("quantity", pd.Series(pd.NA, index=frame.index, dtype="Int64"))
    frame["quantity"] = quantity.fillna(1).astype("Int64")
    order_amount = frame.groupby("order_id", sort=False)["amount"].transform("first")
    frame["amount"] = frame["amount"].fillna(order_amount)
    if "address" in frame:
        tokens = frame["address"].str.split(r"\s+", n=2, regex=True)
        from_address = _normalize_province(tokens.str[0])
        frame["province"] = _as_text(frame.get("province", from_address).fillna(from_address))
        city = tokens.str[1].where(tokens.str.len() > 1)
        if "city" in frame or city.notna().any():
            frame["city"] = _as_text(frame.get("city", city).fillna(city))
    slot = frame["paid_at"].dt.hour.map(_PAY_SLOTS)
    frame["pay_slot"] = _as_text(frame.get("pay_slot", slot).fillna(slot))
    derived = pd.Series("paid", index=frame.index, dtype=object)
    derived = derived.mask(frame["paid_at"].isna(), "unpaid")
    if "refund_amount" in frame:
        refunded = frame["refund_amount"].gt(0) & frame["amount"].eq(0) & frame["paid_at"].notna()
        derived = derived.mask(refunded, "refunded")
    frame["status"] = _as_text(frame.get("status", derived).fillna(derived))
    return frame


def _derive_sender(frame: pd.DataFrame) -> pd.DataFrame:
    """sender from the role column, or a sender nick (= buyer → customer, else agent);
    ``是否自动回复`` = 是 makes it ``auto``."""
    if "sender" not in frame:
        nick = frame["sender_nick"]
        by_nick = np.where(nick.eq(frame["customer_id"]), "customer", "agent")
        frame["sender"] = _as_text(pd.Series(by_nick, index=frame.index).where(nick.notna()))
    if "is_auto" in frame:
        frame["sender"] = frame["sender"].mask(frame["is_auto"].fillna(False).astype(bool), "auto")
    return frame.drop(columns=[c for c in ("sender_nick", "is_auto") if c in frame])


def _pandera_reason(check: str, failure) -> str:
    if check == "not_nullable":
        return "required value is missing"
    if check.startswith("must"):
        return f"{check} (got {failure})"
    return f"failed check {check} (got {failure})"


def _validate(frame: pd.DataFrame, raw: pd.DataFrame, spec: TableSpec, issues: _Issues):
    """Run the table's pandera schema; failing rows (not yet quarantined) → invalid."""
    candidates = frame.drop(index=issues.rows().intersection(frame.index))
    try:
        schema_for(spec.name).validate(candidates, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
        if cases["index"].isna().any():
            raise LoadError(f"internal schema error for {spec.name}: {cases.to_string()}") from err
        for rec in cases.itertuples(index=False):
            row = int(rec.index)
            value = raw.at[row, rec.column] if rec.column in raw else rec.failure_case
            issues.add([row], rec.column, [value], "invalid",
                       f"{rec.column}: {_pandera_reason(rec.check, rec.failure_case)}")
    return frame.drop(index=issues.rows().intersection(frame.index))


_TALLY_DEDUCTIONS = ["silent_checks", "after_sales", "ad_contacts", "brushing_contacts",
                     "followups", "account_switch"]


def _check_tally(frame: pd.DataFrame, raw: pd.DataFrame, issues: _Issues) -> pd.DataFrame:
    """METRICS.md §1: quarantine tallies whose derived counts are negative (absent = 0)."""
    def count(name):
        return frame[name].fillna(0) if name in frame else pd.Series(0, index=frame.index)

    inquiries = count("total_received") - sum(count(c) for c in _TALLY_DEDUCTIONS)
    checks = [
        ("total_received", inquiries,
         "inquiries = total_received − silent_checks − after_sales − ad_contacts − "
         "brushing_contacts − followups − account_switch = "),
        ("followup_failed", count("followups") - count("followup_failed"),
         "followup_converted = followups − followup_failed = "),
        ("inquiry_failed", inquiries - count("inquiry_failed"),
         "inquiry_converted = inquiries − inquiry_failed = "),
    ]
    for column, derived, formula in checks:
        bad = derived.index[derived.lt(0).fillna(False).to_numpy()]
        values = raw.loc[bad, column] if column in raw else ""
        issues.add(bad, column, values, "invalid",
                   formula + derived[bad].astype(str) + " is negative")
    return frame.drop(index=issues.rows().intersection(frame.index))


def _dedupe(frame: pd.DataFrame, raw: pd.DataFrame, spec: TableSpec, issues: _Issues):
    """Rows repeating an earlier row's natural key → duplicate (keep the first).

    For orders the whole row must repeat: lines sharing only the order id are item lines,
    merged by :func:`_merge_item_lines`.
    """
    if spec.name == "orders":
        key, what = list(frame.columns), "every column"
    else:
        key = [k for k in spec.key if k in frame.columns]
        what = "/".join(key)
    dup = frame.duplicated(subset=key, keep="first")
    if not dup.any():
        return frame
    first = pd.Series(frame.index, index=frame.index).groupby(
        [frame[k] for k in key], dropna=False, sort=False
    ).transform("first")
    shown = key[0]
    rows = frame.index[dup.to_numpy()]
    values = raw.loc[rows, shown] if shown in raw else frame.loc[rows, shown]
    issues.add(rows, shown, values, "duplicate",
               f"duplicate: same {what} as row " + first[rows].astype(str))
    return frame[~dup]


def _merge_item_lines(frame: pd.DataFrame, issues: _Issues) -> pd.DataFrame:
    """Combine item lines of one order into its first line: quantities summed, amounts and
    other fields taken once (first non-missing), distinct products joined with `` + ``."""
    repeated = frame["order_id"].duplicated(keep=False) & frame["order_id"].notna()
    if not repeated.any():
        return frame
    lines = frame[repeated]
    groups = lines.groupby("order_id", sort=False)
    first_row = pd.Series(lines.index, index=lines.index).groupby(lines["order_id"]).transform("first")
    combined = groups.first()
    combined["quantity"] = groups["quantity"].sum()
    if "product" in lines:
        products = lines.drop_duplicates(["order_id", "product"]).dropna(subset=["product"])
        combined["product"] = products.groupby("order_id", sort=False)["product"].agg(" + ".join)
    combined = combined.reset_index()
    combined.index = pd.Index(first_row.drop_duplicates().to_numpy(), name="row")
    extra = lines.index[lines.index != first_row]
    issues.add(extra, "order_id", lines.loc[extra, "order_id"], "merged",
               "item line of order " + lines.loc[extra, "order_id"].astype(str)
               + " merged into row " + first_row[extra].astype(str))
    merged = frame.drop(index=lines.index)
    merged = pd.concat([merged, combined.astype(frame.dtypes.to_dict())[frame.columns]])
    return merged.sort_index()
