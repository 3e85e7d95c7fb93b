"""Reading the store: every table at the Delta version of the last recorded ingest (a write
in progress, or killed, is never seen), only the ``day`` partitions asked for, only the
columns asked for; never blocked by a writer."""
from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds

from csops_lib.schema import TABLES
from csops_lib.store import catalog, delta
from csops_lib.store.catalog import StoreError

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
COMPACT_COLUMNS = {"chats": ("agent", "sender", "store", "category"),
                   "day_sessions": ("agent", "customer_id", "store", "log_category"),
                   "day_agents": ("agent",)}


# --------------------------------------------------------------------------- snapshot
def snapshot(store_dir: str | os.PathLike) -> dict[str, Any] | None:
    """The last recorded state of the store (None: an empty or absent store). A store in
    the old layout is a :class:`StoreError` asking for ``csops migrate``."""
    store = Path(store_dir)
    state = catalog.last_state(store)
    if state is None:
        catalog.refuse_legacy(store)
    return state


def _present(store: Path, table: str, state: dict[str, Any] | None) -> bool:
    """A recorded table whose folder is there (deleting ``<store>/<table>/`` drops the
    table, as it did in the old layout; the next ingest of it starts it anew)."""
    return state is not None and table in state.get("versions", {}) \
        and (store / table).is_dir()


def _day(value) -> str | None:
    return pd.Timestamp(value).strftime("%Y-%m-%d") if value is not None else None


def _selected(store: Path, table: str, date_from=None, date_to=None, state=None
              ) -> tuple[list[Path], dict[str, str]] | None:
    """The data files of ``table`` whose day is in [date_from, date_to] (undated and
    unknown-day partitions always), and the table's dtypes; None: no such table.
    ``state``: a :func:`snapshot` to read (default: the latest)."""
    state = state or snapshot(store)
    if not _present(store, table, state):
        return None
    lo, hi = _day(date_from), _day(date_to)
    files = [path for day, path in delta.files_at(store / table, state["versions"][table], store)
             if day in (delta.UNDATED, delta.UNKNOWN)
             or not ((lo and day < lo) or (hi and day > hi))]
    return files, state.get("dtypes", {}).get(table, {})


def repair_hint(store: Path, table: str, path: Path) -> str:
    """How to get past a damaged data file: restore the store as it was before the ingest
    that wrote it (found in the log), or rebuild it."""
    previous = None
    for record in catalog.read_log(store):
        v = record.get("versions", {}).get(table)
        if v is None or v == previous:
            continue
        previous = v
        try:
            files = {p for _, p in delta.files_at(store / table, v, store)}
        except StoreError:
            continue
        if path in files:
            n = record["n"]
            if n > 1:
                return (f"`csops history --store {store} --restore {n - 1}` puts the store "
                        f"back to before ingest {n}, which wrote this file; then ingest that "
                        f"ingest's files again (`csops history` lists them)")
            break
    return f"rebuild the store: move {store} away and ingest the exports again"


def _read(store: Path, table: str, path: Path, columns, dictionary=()) -> pa.Table:
    try:
        return delta.read_file(path, columns, store, "", dictionary)
    except StoreError as exc:
        raise StoreError(str(exc) + repair_hint(store, table, path)) from None


def _to_pandas(tables: list[pa.Table], dtypes: dict[str, str]) -> pd.DataFrame:
    t = tables[0] if len(tables) == 1 else pa.concat_tables(tables, promote_options="permissive")
    if any(pa.types.is_dictionary(f.type) for f in t.schema):
        t = t.unify_dictionaries()
    return delta.arrow_to_pandas(t, dtypes)


# --------------------------------------------------------------------------- public
def tables(store_dir: str | os.PathLike) -> list[str]:
    """The tables present in a store."""
    state = snapshot(store_dir)
    return sorted(t for t in (state or {}).get("versions", {})
                  if t in TABLES and _present(Path(store_dir), t, state))


def data_files(store_dir: str | os.PathLike, table: str, date_from=None, date_to=None, *,
               at: dict[str, Any] | None = None) -> list[Path]:
    """The Parquet files holding ``table`` (days in [date_from, date_to]) as the store reads
    it now (or at the :func:`snapshot` ``at``): for other engines (DuckDB
    ``read_parquet([...])``, Spark, Dask)."""
    got = _selected(Path(store_dir), table, date_from, date_to, at)
    return got[0] if got is not None else []


def read_arrow(store_dir: str | os.PathLike, table: str, date_from=None, date_to=None,
               columns: Sequence[str] | None = None, *, at: dict[str, Any] | None = None
               ) -> pa.Table | None:
    """The rows of ``table`` in [date_from, date_to] as one Arrow table, read by Arrow's
    multi-threaded dataset scanner (all files at once; the files must share one schema, as
    the tables derived at ingest do). None: no such table. A damaged file is the one-line
    :class:`StoreError` of :func:`read`."""
    store = Path(store_dir)
    got = _selected(store, table, date_from, date_to, at)
    if got is None:
        return None
    files = got[0]
    try:
        data = ds.dataset([str(f) for f in files], format="parquet")
        cols = None if columns is None else [c for c in columns if c in data.schema.names]
        return delta._plain_strings(data.to_table(columns=cols))
    except (OSError, pa.ArrowException):  # name the damaged file (or read file by file)
        parts = [_read(store, table, f, list(columns) if columns else None) for f in files]
        return pa.concat_tables(parts, promote_options="permissive")


def read(store_dir: str | os.PathLike, table: str, date_from=None, date_to=None,
         columns: Sequence[str] | None = None, *, at: dict[str, Any] | None = None
         ) -> pd.DataFrame:
    """Read one table from the store, optionally only the days in [date_from, date_to]
    and only ``columns`` (those the table lacks are left out). ``at``: a :func:`snapshot`
    to read, so that several reads see one state of the store (default: the latest).

    A table absent from the store gives an empty frame with no columns.
    """
    store = Path(store_dir)
    got = _selected(store, table, date_from, date_to, at)
    if got is None:
        return pd.DataFrame()
    files, dtypes = got
    parts = [_read(store, table, f, list(columns) if columns is not None else None)
             for f in files]
    parts = [p for p in parts if p.num_rows]
    if not parts:
        return pd.DataFrame(columns=list(columns) if columns else None)
    return _to_pandas(parts, dtypes)


def date_range(store_dir: str | os.PathLike, table: str, *, at: dict[str, Any] | None = None
               ) -> tuple[dt.date, dt.date] | None:
    """First and last partition day of a table (None when it has no dated partitions)."""
    store = Path(store_dir)
    state = at or snapshot(store)
    if not _present(store, table, state):
        return None
    days = sorted({d for d, _ in delta.files_at(store / table, state["versions"][table], store)
                   if d not in (delta.UNDATED, delta.UNKNOWN)})
    if not days:
        return None
    return dt.date.fromisoformat(days[0]), dt.date.fromisoformat(days[-1])


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


def store_as_of(store_dir: str | os.PathLike, *, at: dict[str, Any] | None = None
                ) -> pd.Timestamp | None:
    """The latest chat / order timestamp in the store, from its last partitions only: the
    same data cut-off as computing on the whole store (so ``provisional`` agrees)."""
    pairs = []
    at = at or snapshot(store_dir)
    for table, cols in (("chats", ["sent_at"]), ("orders", ["paid_at", "created_at"])):
        rng = date_range(store_dir, table, at=at)
        if rng is None:
            continue
        frame = read(store_dir, table, rng[1], rng[1], at=at)
        pairs.extend((frame, c) for c in cols)
    stamps = [pd.to_datetime(frame[c], errors="coerce").max() for frame, c in pairs
              if c in frame.columns and len(frame)]
    stamps = [s for s in stamps if pd.notna(s)]
    return max(stamps) if stamps else None


def read_store_table(store_dir: str | os.PathLike, table: str, date_from=None, date_to=None,
                     columns: Sequence[str] | None = None, *, compact: bool = False,
                     at: dict[str, Any] | None = None) -> pd.DataFrame:
    """:func:`read` of the partitions in [date_from, date_to], reading only
    ``columns`` (default :data:`STORE_COLUMNS`) from each Parquet file: those a file
    lacks are left out of its read (as a full read would lack them too). Same rows as
    ``read``; only the columns differ. ``compact``: the :data:`COMPACT_COLUMNS` of the
    table come as categoricals (same values) instead of ``str``. ``at``: as for ``read``."""
    wanted = STORE_COLUMNS.get(table) if columns is None else tuple(columns)
    store = Path(store_dir)
    at = at or snapshot(store)
    got = _selected(store, table, date_from, date_to, at)
    if wanted is None or got is None:
        return read(store_dir, table, date_from, date_to, at=at)
    files, dtypes = got
    dictionary = [c for c in COMPACT_COLUMNS.get(table, ()) if c in wanted] if compact else []
    parts = [_read(store, table, f, list(wanted), dictionary) for f in files]
    parts = [p for p in parts if p.num_rows]
    if not parts:
        return pd.DataFrame()
    return _to_pandas(parts, dtypes)


def read_store_tables(store_dir: str | os.PathLike, date_from: pd.Timestamp | None,
                      date_to: pd.Timestamp | None, params: dict[str, Any],
                      ) -> tuple[dict[str, pd.DataFrame | None], pd.Timestamp, pd.Timestamp]:
    """Read from the store only the partitions :func:`store_windows` names.

    A missing ``date_from`` / ``date_to`` is the store's first / last chat day. Returns the
    tables (``None`` for refunds / traffic absent from the store) and the period.
    """
    if not Path(store_dir).is_dir():
        raise StoreError(f"{store_dir}: no such store folder")
    at = snapshot(store_dir)  # every table of one state of the store
    rng = date_range(store_dir, "chats", at=at)
    if rng is None:
        raise StoreError(f"{store_dir}: the store has no chats (run `csops ingest` first)")
    lo = date_from if date_from is not None else pd.Timestamp(rng[0])
    hi = date_to if date_to is not None else pd.Timestamp(rng[1])
    out: dict[str, pd.DataFrame | None] = {}
    for name, (a, b) in store_windows(lo, hi, params).items():
        frame = read_store_table(store_dir, name, a, b, compact=True, at=at)
        if name in ("refunds", "traffic") and frame.columns.empty:
            frame = None
        out[name] = frame
    if out["orders"].columns.empty:
        raise StoreError(f"{store_dir}: the store has no orders for {lo.date()}..{hi.date()}")
    return out, lo, hi
