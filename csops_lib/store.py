"""The Parquet history store: `<store>/<table>/date=YYYY-MM-DD/part.parquet`.

`ingest()` loads export files (via `csops_lib.loaders.load`), splits rows by table and day, and
merges them into the store, deduplicated on each table's natural key
(`csops_lib.schema.TABLES[t].key`; the newest import wins for a key seen before). Importing
the same export twice, or two overlapping exports, changes nothing the second time: a
partition whose merged content equals what is stored is not rewritten.

Atomicity: every partition file is first written to a temporary name in its folder; only when
all of an ingest's partitions are written are they renamed over the old files. An ingest
interrupted before the renames leaves the store exactly as it was (stray `.tmp` files are
ignored by readers and cleaned by the next ingest).
"""
from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from csops_lib.loaders.call_sheets import load_call_sheets
from csops_lib.loaders.core import LoadReport, load
from csops_lib.schema import TABLES

PART_FILE = "part.parquet"
UNDATED = "all"  # partition name of tables without a day column (roster, promos)


@dataclass
class IngestResult:
    """What one ingest did: the load reports, and rows added/updated per table."""

    reports: list[LoadReport] = field(default_factory=list)
    rows_new: dict[str, int] = field(default_factory=dict)
    rows_updated: dict[str, int] = field(default_factory=dict)
    partitions_written: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.partitions_written)

    def summary(self) -> str:
        lines = [r.summary() for r in self.reports]
        for table in sorted(set(self.rows_new) | set(self.rows_updated)):
            lines.append(
                f"store/{table}: {self.rows_new.get(table, 0)} new rows, "
                f"{self.rows_updated.get(table, 0)} updated rows"
            )
        lines.append(
            f"{len(self.partitions_written)} partition(s) written"
            if self.changed else "store unchanged (everything was already there)"
        )
        return "\n".join(lines)


def partition_day(table: str, df: pd.DataFrame) -> pd.Series:
    """The partition label (`date=YYYY-MM-DD`, or `all`) of each row of a canonical frame."""
    spec = TABLES[table]
    if not any(c in df.columns for c in spec.day_columns):
        return pd.Series(UNDATED, index=df.index)
    return ("date=" + spec.row_day(df).dt.strftime("%Y-%m-%d")).fillna("date=unknown")


def _row_fingerprint(df: pd.DataFrame) -> pd.Series:
    """A hash per row over all columns, stable across a Parquet round trip."""
    norm = pd.DataFrame(
        {c: df[c].astype("string").fillna("\x00") for c in sorted(df.columns)}, index=df.index
    )
    return pd.util.hash_pandas_object(norm, index=False)


def _merge(existing: pd.DataFrame | None, new: pd.DataFrame, key: Sequence[str]):
    """Merge `new` into `existing` on `key` (new wins); return (merged, n_new, n_updated).

    Key columns absent from both frames are left out of the key (e.g. traffic without `hour`).
    """
    present = set(new.columns) | (set(existing.columns) if existing is not None else set())
    key = [c for c in key if c in present]
    if existing is None or existing.empty:
        merged = new.drop_duplicates(subset=list(key), keep="last")
        return merged, len(merged), 0
    cols = list(dict.fromkeys([*existing.columns, *new.columns]))
    existing = existing.reindex(columns=cols)
    new = new.reindex(columns=cols).drop_duplicates(subset=list(key), keep="last")
    for c in cols:  # keep the stored dtype where the new frame has an all-missing column
        if new[c].isna().all() and not existing[c].isna().all():
            new[c] = new[c].astype(existing[c].dtype)
    old_keys = pd.MultiIndex.from_frame(existing[list(key)].astype("string").fillna(""))
    new_keys = pd.MultiIndex.from_frame(new[list(key)].astype("string").fillna(""))
    seen = new_keys.isin(old_keys)
    same = _row_fingerprint(new).isin(set(_row_fingerprint(existing)))
    n_new = int((~seen).sum())
    n_updated = int((seen & ~same.to_numpy()).sum())
    if n_new == 0 and n_updated == 0:
        return existing, 0, 0
    keep_old = ~old_keys.isin(new_keys[seen & ~same.to_numpy()])
    merged = pd.concat([existing[keep_old], new[~(seen & same.to_numpy())]], ignore_index=True)
    return merged, n_new, n_updated


def _sort(df: pd.DataFrame, table: str) -> pd.DataFrame:
    key = [c for c in TABLES[table].key if c in df.columns]
    return df.sort_values(key, kind="stable", na_position="last").reset_index(drop=True)


def _load_file(path: Path, table: str | None) -> tuple[pd.DataFrame, list[LoadReport]]:
    """Load one export; a filled callback workbook (one sheet per agent) loads every sheet."""
    df, report = load(path, table)
    if report.table == "callbacks" and path.suffix.lower() in (".xlsx", ".xlsm"):
        return load_call_sheets(path)
    return df, [report]


def ingest(paths: Iterable[str | os.PathLike], store_dir: str | os.PathLike = "data/store",
           table: str | None = None, *, progress: bool = False) -> IngestResult:
    """Load each file and merge its rows into the store; see the module docstring."""
    store = Path(store_dir)
    result = IngestResult()
    frames: dict[str, list[pd.DataFrame]] = {}
    paths = [Path(p) for p in paths]
    iterator = paths
    if progress and len(paths) > 1:
        from tqdm import tqdm  # a progress bar only for interactive multi-file ingests

        iterator = tqdm(paths, desc="loading exports", unit="file")
    for path in iterator:
        df, reports = _load_file(path, table)
        result.reports.extend(reports)
        frames.setdefault(reports[0].table, []).append(df)

    staged: list[tuple[Path, Path]] = []
    try:
        for name, parts in frames.items():
            new = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
            key = list(TABLES[name].key)
            labels = partition_day(name, new)
            for label, chunk in new.groupby(labels, sort=True):
                folder = store / name / str(label)
                target = folder / PART_FILE
                existing = pd.read_parquet(target) if target.exists() else None
                merged, n_new, n_upd = _merge(existing, chunk.reset_index(drop=True), key)
                result.rows_new[name] = result.rows_new.get(name, 0) + n_new
                result.rows_updated[name] = result.rows_updated.get(name, 0) + n_upd
                if n_new or n_upd:
                    folder.mkdir(parents=True, exist_ok=True)
                    tmp = folder / f".{PART_FILE}.{uuid.uuid4().hex}.tmp"
                    _sort(merged, name).to_parquet(tmp, index=False)
                    staged.append((tmp, target))
        for tmp, target in staged:  # all written: now swap them in
            os.replace(tmp, target)
            result.partitions_written.append(str(target.relative_to(store)))
    finally:
        for tmp, _ in staged:
            if tmp.exists():
                tmp.unlink()
    if result.changed:
        _log(store, result)
    return result


def _log(store: Path, result: IngestResult) -> None:
    store.mkdir(parents=True, exist_ok=True)
    with open(store / "_ingest_log.jsonl", "a", encoding="utf-8") as fh:
        for r in result.reports:
            fh.write(json.dumps({
                "at": dt.datetime.now().isoformat(timespec="seconds"), "file": str(r.file),
                "table": r.table, "rows_read": r.rows_read, "rows_loaded": r.rows_loaded,
                "rows_quarantined": r.rows_quarantined,
            }, ensure_ascii=False) + "\n")


def tables(store_dir: str | os.PathLike) -> list[str]:
    """The tables present in a store."""
    store = Path(store_dir)
    return sorted(p.name for p in store.iterdir() if p.is_dir() and p.name in TABLES) \
        if store.exists() else []


def read(store_dir: str | os.PathLike, table: str, date_from=None, date_to=None,
         columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Read one table from the store, optionally only the partitions in [date_from, date_to].

    A table absent from the store gives an empty frame with no columns.
    """
    folder = Path(store_dir) / table
    if not folder.exists():
        return pd.DataFrame()
    lo = pd.Timestamp(date_from).strftime("%Y-%m-%d") if date_from is not None else None
    hi = pd.Timestamp(date_to).strftime("%Y-%m-%d") if date_to is not None else None
    files = []
    for part in sorted(folder.iterdir()):
        label = part.name.removeprefix("date=")
        if label not in (UNDATED, "unknown") and (
            (lo and label < lo) or (hi and label > hi)
        ):
            continue
        if (part / PART_FILE).exists():
            files.append(part / PART_FILE)
    if not files:
        return pd.DataFrame(columns=list(columns) if columns else None)
    frames = [pd.read_parquet(f, columns=list(columns) if columns else None) for f in files]
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=list(columns) if columns else None)
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def date_range(store_dir: str | os.PathLike, table: str) -> tuple[dt.date, dt.date] | None:
    """First and last partition day of a table (None when it has no dated partitions)."""
    folder = Path(store_dir) / table
    days = sorted(
        p.name.removeprefix("date=") for p in folder.glob("date=*")
        if p.name[5:] not in (UNDATED, "unknown")
    ) if folder.exists() else []
    if not days:
        return None
    return dt.date.fromisoformat(days[0]), dt.date.fromisoformat(days[-1])


class StoreError(ValueError):
    """A store folder that cannot answer the question (missing, or without the table)."""


#: minimum look-back (days) for orders before the first chat day read from the store
MIN_ORDER_LOOKBACK_DAYS = 7



#: the only columns the KPI metrics read from each store table (a pruned Parquet read skips
#: the rest, e.g. the chat ``text``, the largest column); ``None``: every column
STORE_COLUMNS: dict[str, tuple[str, ...] | None] = {
    "chats": ("sent_at", "agent", "customer_id", "sender", "store", "category",
              "agreed_to_buy"),
    "orders": ("order_id", "customer_id", "store", "agent", "quantity", "amount",
               "created_at", "paid_at"),
    "refunds": ("applied_at", "agent", "amount"),
    "traffic": None,
}



#: chat columns with few distinct values, read as pandas categoricals (Parquet dictionary
#: pages decoded once, not per row): a faster read, a smaller frame, and the metrics factorize
#: them for free. The metrics give identical results for categorical and ``str`` columns.
COMPACT_COLUMNS = {"chats": ("agent", "sender", "store", "category")}



def store_windows(date_from: pd.Timestamp, date_to: pd.Timestamp,
                  params: dict[str, Any]) -> dict[str, tuple[pd.Timestamp, pd.Timestamp]]:
    """The partition days each table needs for KPI rows in [date_from, date_to]:

    * chats from ``date_from − followup_days`` (sessions shortly before the period still
      credit orders paid in it) to ``date_to``;
    * orders from the first chat day − max(7, ``after_sales_lookback_days``) (pre-sale vs
      after-sales classification looks back at earlier payments) to ``date_to +
      followup_days`` (inquiries convert on later payments);
    * refunds and traffic: the period itself.
    """
    fd = pd.Timedelta(days=int(params["followup_days"]))
    back = pd.Timedelta(days=max(MIN_ORDER_LOOKBACK_DAYS,
                                 int(params["after_sales_lookback_days"])))
    chats_lo = date_from - fd
    return {"chats": (chats_lo, date_to), "orders": (chats_lo - back, date_to + fd),
            "refunds": (date_from, date_to), "traffic": (date_from, date_to)}



def store_as_of(store_dir: str | os.PathLike) -> pd.Timestamp | None:
    """The latest chat / order timestamp in the store, from its last partitions only: the
    same data cut-off as computing on the whole store (so ``provisional`` agrees)."""
    pairs = []
    for table, cols in (("chats", ["sent_at"]), ("orders", ["paid_at", "created_at"])):
        rng = date_range(store_dir, table)
        if rng is None:
            continue
        frame = read(store_dir, table, rng[1], rng[1])
        pairs.extend((frame, c) for c in cols)
    stamps = [pd.to_datetime(frame[c], errors="coerce").max() for frame, c in pairs
              if c in frame.columns and len(frame)]
    stamps = [s for s in stamps if pd.notna(s)]
    return max(stamps) if stamps else None



def read_store_table(store_dir: str | os.PathLike, table: str, date_from=None, date_to=None,
                     columns: Sequence[str] | None = None, *, compact: bool = False
                     ) -> pd.DataFrame:
    """:func:`read` of the partitions in [date_from, date_to], reading only
    ``columns`` (default :data:`STORE_COLUMNS`) from each Parquet file: those a partition
    lacks are left out of its read (as a full read would lack them too). Same rows as
    ``read``; only the columns differ. ``compact``: the :data:`COMPACT_COLUMNS` of the
    table come as categoricals (same values) instead of ``str``."""
    wanted = STORE_COLUMNS.get(table) if columns is None else tuple(columns)
    folder = Path(store_dir) / table
    if wanted is None or not folder.exists():
        return read(store_dir, table, date_from, date_to)
    lo = pd.Timestamp(date_from).strftime("%Y-%m-%d") if date_from is not None else None
    hi = pd.Timestamp(date_to).strftime("%Y-%m-%d") if date_to is not None else None
    frames, tables = [], []
    for part in sorted(folder.iterdir()):
        label = part.name.removeprefix("date=")
        if label not in (UNDATED, "unknown") and ((lo and label < lo) or (hi and label > hi)):
            continue
        path = part / PART_FILE
        if not path.exists():
            continue
        names = set(pq.read_schema(path).names)
        cols = [c for c in wanted if c in names]
        if compact:
            dictionary = [c for c in COMPACT_COLUMNS.get(table, ()) if c in cols]
            t = pq.read_table(path, columns=cols, read_dictionary=dictionary)
            if t.num_rows:
                tables.append(t)
        else:
            frame = pd.read_parquet(path, columns=cols)
            if not frame.empty:
                frames.append(frame)
    if tables:
        try:  # one Arrow table with shared dictionaries → one categorical per column
            return pa.concat_tables(tables).unify_dictionaries().to_pandas()
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # partitions of different schemas
            frames = [t.to_pandas() for t in tables]
            for frame in frames:
                for col in frame.columns:
                    if isinstance(frame[col].dtype, pd.CategoricalDtype):
                        frame[col] = frame[col].astype(object).where(frame[col].notna(),
                                                                     np.nan)
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]



def read_store_tables(store_dir: str | os.PathLike, date_from: pd.Timestamp | None,
                      date_to: pd.Timestamp | None, params: dict[str, Any],
                      ) -> tuple[dict[str, pd.DataFrame | None], pd.Timestamp, pd.Timestamp]:
    """Read from the store only the partitions :func:`store_windows` names.

    A missing ``date_from`` / ``date_to`` is the store's first / last chat day. Returns the
    tables (``None`` for refunds / traffic absent from the store) and the period.
    """
    if not Path(store_dir).is_dir():
        raise StoreError(f"{store_dir}: no such store folder")
    rng = date_range(store_dir, "chats")
    if rng is None:
        raise StoreError(f"{store_dir}: the store has no chats (run `csops ingest` first)")
    lo = date_from if date_from is not None else pd.Timestamp(rng[0])
    hi = date_to if date_to is not None else pd.Timestamp(rng[1])
    tables: dict[str, pd.DataFrame | None] = {}
    for name, (a, b) in store_windows(lo, hi, params).items():
        frame = read_store_table(store_dir, name, a, b, compact=True)
        if name in ("refunds", "traffic") and frame.columns.empty:
            frame = None
        tables[name] = frame
    if tables["orders"].columns.empty:
        raise StoreError(f"{store_dir}: the store has no orders for {lo.date()}..{hi.date()}")
    return tables, lo, hi

