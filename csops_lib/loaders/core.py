"""Loaders: read a CS export (xlsx / csv), map its headers, clean, validate, quarantine.

``load(path)`` returns the canonical DataFrame of one file and a :class:`LoadReport` that
accounts for every data row: ``rows_read == rows_loaded + rows_quarantined``. A row that is
not loaded is listed in ``report.quarantine`` with its file, spreadsheet row number, column,
raw value, kind (``invalid`` | ``summary`` | ``duplicate`` | ``merged``) and a plain-English
reason. The table contract is ``shared/DATA.md``; column declarations live in
:mod:`csops_lib.schema`.

Pipeline of :func:`load`:

1. read every cell as text (CSV: UTF-8 with or without BOM, else GB18030, parsed by Arrow
   past the first rows where it reads the same cells as Python's csv; Excel: calamine);
2. find the sheet and the header row (the row among the first 15 that matches most aliases),
   guess the table when not given, map headers to canonical columns (steps 1-2:
   :mod:`csops_lib.loaders.grid`);
3. drop blank rows, quarantine totals / benchmark rows;
4. convert each column by kind (vectorised, :mod:`csops_lib.loaders.values`), derive
   columns (sender, province, pay_slot ...);
5. quarantine unreadable required values, pandera failures, inconsistent tallies,
   duplicates on the natural key, and merge the item lines of one order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from csops_lib.loaders import qianniu
from csops_lib.loaders.errors import LoadError, MissingColumnError, UnexpectedLoadError
from csops_lib.loaders.grid import locate, map_columns, read_text
from csops_lib.loaders.values import (
    ID_COLUMNS,
    KIND_WORDS,
    PAY_SLOTS,
    PROVINCES,
    as_text,
    clean_text,
    file_date,
    normalize_province,
    on_distinct,
    parser_for,
    slot_start_hour,
)
from csops_lib.schema import TABLES, Column, TableSpec, failure_cases, normalize_header
from csops_lib.settings.base import SettingsError

__all__ = ["QUARANTINE_COLUMNS", "LoadError", "LoadReport", "MissingColumnError",
           "UnexpectedLoadError", "load", "load_many"]

SUMMARY_LABELS = frozenset(
    {"合计", "总计", "汇总", "小计", "均值", "平均值", "汇总值", "全店", "同行", "平均",
     "同行均值", "同行平均", "全店均值", "全店平均", "total", "sum", "average", "mean"}
)
QUARANTINE_COLUMNS = ["file", "row", "column", "value", "kind", "reason"]


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
    #: what the file was read as when not a table (``Qianniu chat text``)
    source: str | None = None
    #: lines that are events, not rows (chat text: recalls, transfers, system lines …)
    events: dict[str, int] = field(default_factory=dict)

    def counts_by_kind(self) -> dict[str, int]:
        """Quarantined rows per kind."""
        return self.quarantine["kind"].value_counts().to_dict()

    def summary(self, max_rows: int = 10) -> str:
        """Multi-line human summary: counts, quarantine by kind, first rows, warnings."""
        where = f"sheet {self.sheet!r}, " if self.sheet is not None else ""
        where += self.source or f"header on row {self.header_row}"
        unit = "messages" if self.source else "rows"
        lines = [
            f"{self.file} → table '{self.table}' ({where}"
            + (f", encoding {self.encoding}" if self.encoding else "") + ")",
            f"{unit} read {self.rows_read} = loaded {self.rows_loaded} "
            f"+ quarantined {self.rows_quarantined}"
            + ("" if self.source else f" (blank rows skipped: {self.blank_rows})"),
        ]
        if self.events:
            lines.append("events (not messages): " + ", ".join(
                f"{k} {n}" for k, n in sorted(self.events.items())))
        if self.rows_quarantined:
            by_kind = ", ".join(f"{k} {n}" for k, n in sorted(self.counts_by_kind().items()))
            lines.append(f"quarantined by kind: {by_kind}")
            for rec in self.quarantine.head(max_rows).itertuples(index=False):
                where = "line " if self.source else ""
                lines.append(f"  {rec.file}:{where}{rec.row} {rec.column}: {rec.reason}")
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
            "source": self.source,
            "events": dict(self.events),
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
    file or its table cannot be recognised or the file cannot be read (corrupt, fake or
    empty workbook, binary junk): never another exception, always one line naming the file.
    """
    frame, report = _guarded(Path(path), table, sheet, report_date)
    return frame.reset_index(drop=True), report


def _guarded(path: Path, table, sheet, report_date) -> tuple[pd.DataFrame, LoadReport]:
    """:func:`_load`, any unforeseen failure turned into one :class:`UnexpectedLoadError`
    naming the file (a bug to report; a user never sees a traceback)."""
    try:
        return _load(path, table, sheet, report_date)
    except LoadError:
        raise
    except Exception as exc:  # noqa: BLE001 - the one place a loader bug becomes a message
        detail = (str(exc).strip().splitlines() or [""])[0][:200]
        raise UnexpectedLoadError(
            f"{path.name}: could not be loaded ({type(exc).__name__}: {detail}); this is a "
            "csops bug, please report it with the file"
        ) from exc


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
        frame, report = _guarded(path, table, None, report_date)
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


def _missing_error(name: str, spec: TableSpec, missing: list[str], extra: dict[str, str]):
    """One error naming the file, the table, each missing column and the headers tried."""
    parts = [
        f"{'needs' if i == 0 else 'also needs'} column '{col}'; looked for headers: "
        f"{', '.join([*spec.column(col).aliases, col])}{extra.get(col, '')}"
        for i, col in enumerate(missing)
    ]
    return MissingColumnError(f"{name}: table '{spec.name}' " + "; ".join(parts), missing)


def _report_day(value) -> pd.Timestamp:
    """The ``report_date`` argument as a day; a one-line LoadError when it is not a date."""
    try:
        day = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        day = pd.NaT
    if pd.isna(day):
        raise LoadError(f"report date {value!r} is not a date such as 2026-11-20")
    return day


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
        fill_date = _report_day(report_date) if report_date is not None else file_date(path)
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
    if path.is_dir():
        raise LoadError(f"{path}: is a folder, not an export file")
    if path.suffix.lower() == ".txt" and table in (None, "chats"):
        text, encoding = read_text(path)
        if qianniu.is_chat_text(text):  # by its header lines; else a .txt CSV/TSV table
            return _load_chat_text(path, text, encoding)
    grid, header, sheet_name, encoding = locate(path, table, sheet)
    spec = header.spec
    names, column_map = map_columns(grid.iloc[header.row], spec)
    fill_date = _check_required(path, spec, set(column_map.values()), report_date)

    body = grid.iloc[header.row + 1:].rename(columns=names)
    body.index = pd.RangeIndex(header.row + 2, header.row + 2 + len(body), name="row")
    raw = body.apply(clean_text)
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
    return _finish(path, raw, spec, report, issues, fill_date)


def _load_chat_text(path: Path, text: str, encoding: str) -> tuple[pd.DataFrame, LoadReport]:
    """A Qianniu chat record (:mod:`csops_lib.loaders.qianniu`) as ``chats`` rows keyed by the
    line number of each message's header; blocks that are not loadable messages are
    quarantined with their line, events counted in the report."""
    try:
        read = qianniu.parse(text)
    except SettingsError as exc:
        raise LoadError(f"{path.name}: {exc}") from None
    if read.messages.empty and not read.problems:
        raise LoadError(f"{path.name}: no chat message in the file (no '<nick> "
                        "<YYYY-M-D H:MM:SS>' header line)")
    raw = read.messages.fillna("").apply(clean_text) if len(read.messages) else read.messages
    report = LoadReport(
        file=str(path), table="chats", sheet=None, header_row=0, column_map={},
        rows_read=len(raw) + len(read.problems), encoding=encoding,
        source="Qianniu chat text", events=read.events,
    )
    issues = _Issues(path.name)
    for line, column, value, reason in read.problems:
        issues.add([line], column, value, "invalid", reason)
    return _finish(path, raw, TABLES["chats"], report, issues, None)


def _finish(path: Path, raw: pd.DataFrame, spec: TableSpec, report: LoadReport,
            issues: _Issues, fill_date) -> tuple[pd.DataFrame, LoadReport]:
    """Convert, derive, validate and de-duplicate the text rows; account for every row."""
    frame = _convert(raw, spec, issues, report)
    frame = _derive(frame, spec, report, fill_date)
    frame = _validate(frame, raw, spec, issues)
    if spec.name == "agent_daily":
        frame = _check_tally(frame, raw, issues)
    if spec.name == "orders":
        frame = _register_needs_date(frame, report, issues)
    frame = _dedupe(frame, raw, spec, issues)
    if spec.name == "orders":
        frame = _merge_item_lines(frame, issues)

    report.quarantine = issues.frame()
    report.rows_quarantined = len(report.quarantine)
    report.rows_loaded = len(frame)
    if report.rows_read != report.rows_loaded + report.rows_quarantined:
        raise UnexpectedLoadError(
            f"{path.name}: rows read {report.rows_read} ≠ loaded {report.rows_loaded} + "
            f"quarantined {report.rows_quarantined}; this is a csops bug, please report it")
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
            out[name] = as_text(text)
            continue
        col = spec.column(name)
        value = on_distinct(parser_for(spec.name, name, col.kind), text)
        bad = text.notna() & value.isna()
        if bad.any():
            _report_unreadable(col, text[bad], issues, report)
        if name in ID_COLUMNS:
            _warn_scientific(name, value, report)
        out[name] = as_text(value) if col.kind in ("text", "enum") else value
    return pd.DataFrame(out, index=raw.index)


def _report_unreadable(col: Column, bad: pd.Series, issues: _Issues, report: LoadReport):
    what = KIND_WORDS.get(col.kind, "a value")
    if col.required:
        issues.add(bad.index, col.name, bad.to_numpy(), "invalid",
                   f"{col.name}: could not read '" + bad.astype(str) + f"' as {what}")
        return
    examples = ", ".join(f"row {r} {v!r}" for r, v in bad.head(3).items())
    report.warnings.append(
        f"{col.name}: {len(bad)} value(s) not readable as {what}, left empty (e.g. {examples})"
    )


def _warn_scientific(name: str, value: pd.Series, report: LoadReport) -> None:
    sci = on_distinct(lambda v: v.str.fullmatch(r"\d(?:\.\d+)?[eE]\+?\d+", na=False), value)
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
        frame["province"] = as_text(normalize_province(frame["province"]))
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
    if "address" in frame and frame["address"].notna().any():
        tokens = frame["address"].str.split(r"\s+", n=2, regex=True)
        from_address = normalize_province(tokens.str[0])
        frame["province"] = as_text(frame.get("province", from_address).fillna(from_address))
        city = tokens.str[1].where(tokens.str.len() > 1)
        if "city" in frame or city.notna().any():
            frame["city"] = as_text(frame.get("city", city).fillna(city))
    if "pay_slot" in frame:
        frame = _register_slots(frame)
    slot = frame["paid_at"].dt.hour.map(PAY_SLOTS)
    frame["pay_slot"] = as_text(frame.get("pay_slot", slot).fillna(slot))
    derived = pd.Series("paid", index=frame.index, dtype=object)
    derived = derived.mask(frame["paid_at"].isna(), "unpaid")
    if "refund_amount" in frame:
        refunded = frame["refund_amount"].gt(0) & frame["amount"].eq(0) & frame["paid_at"].notna()
        derived = derived.mask(refunded, "refunded")
    frame["status"] = as_text(frame.get("status", derived).fillna(derived))
    return frame


def _register_slots(frame: pd.DataFrame) -> pd.DataFrame:
    """A deal register (成交登记) gives the day (成交日期) and the hour (付款时间段), not the
    time: a ``paid_at`` with no time of day (midnight) and a readable one-hour slot becomes
    the slot's last second (``2026-11-20`` + ``14:00-15:00`` → ``2026-11-20 14:59:59``), so
    the hour metrics see the slot and a chat earlier in that hour counts as before the
    payment (attribution, inquiry conversion). Readable slots are written canonically
    (``14-15`` → ``14:00-15:00``); unreadable ones are kept as given."""
    start = slot_start_hour(frame["pay_slot"])
    frame["pay_slot"] = frame["pay_slot"].where(start.isna(), start.map(PAY_SLOTS))
    paid = frame["paid_at"]
    dated = (paid.notna() & paid.eq(paid.dt.normalize()) & start.notna()).to_numpy(bool)
    if dated.any():
        end = pd.to_timedelta(start[dated].astype("int64") + 1, unit="h") - pd.Timedelta(seconds=1)
        frame.loc[dated, "paid_at"] = paid[dated] + end
    return frame


#: headers that make an orders file a deal register (成交登记), where every row is a deal
_REGISTER_DATE_HEADERS = frozenset(map(normalize_header, ("成交日期", "deal date")))


def _register_needs_date(frame: pd.DataFrame, report: LoadReport, issues: _Issues):
    """In a deal register (``paid_at`` read from 成交日期) every row is a deal: a row left
    without its date is quarantined, not loaded as an unpaid order (as an empty payment
    time in a platform export is)."""
    headers = [h for h, c in report.column_map.items() if c == "paid_at"]
    if not any(normalize_header(h) in _REGISTER_DATE_HEADERS for h in headers):
        return frame
    missing = frame.index[frame["paid_at"].isna().to_numpy()]
    issues.add(missing, "paid_at", "", "invalid",
               f"paid_at: a deal register row needs its date ({headers[0]})")
    return frame.drop(index=missing)


def _derive_sender(frame: pd.DataFrame) -> pd.DataFrame:
    """sender from the role column, or a sender nick (= buyer → customer, else agent);
    ``是否自动回复`` = 是 makes it ``auto``."""
    if "sender" not in frame:
        nick = frame["sender_nick"]
        by_nick = np.where(nick.eq(frame["customer_id"]), "customer", "agent")
        frame["sender"] = as_text(pd.Series(by_nick, index=frame.index).where(nick.notna()))
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
    cases = failure_cases(candidates, spec.name)
    if cases is not None:
        if cases["index"].isna().any():
            raise LoadError(f"internal schema error for {spec.name}: {cases.to_string()}")
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
