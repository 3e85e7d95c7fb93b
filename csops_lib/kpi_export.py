"""The logic behind ``csops kpis`` and ``csops funnel`` (the CLI only parses and prints).

* :func:`load_kpi_tables` loads export files (any format :func:`csops_lib.io.load_many`
  accepts); :func:`read_store_tables` reads only the store partitions a period needs.
* :func:`kpi_table` computes the ``date, agent`` (or ``store, date``) KPI table with
  :func:`csops_lib.metrics.kpis.agent_kpis` / :func:`~csops_lib.metrics.kpis.store_kpis`.
* :func:`tally_funnel_files` loads supervisor tallies and derives the §1 funnel, keeping every
  quarantined row with its reason so that rows in = rows out + rows quarantined.
* :func:`write_table` writes ``.csv`` (UTF-8 with BOM, so Excel shows Chinese), ``.xlsx`` or
  ``.parquet`` by extension, or CSV to a stream.
"""
from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from csops_lib.io import QUARANTINE_COLUMNS, LoadReport, load_many

#: accepted ``--by`` values → canonical view name
BY_VIEWS = {"date,agent": "date,agent", "agent,date": "date,agent",
            "store,date": "store,date", "date,store": "store,date"}
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
ENGINES = ("pandas", "dask")
OUT_SUFFIXES = (".csv", ".xlsx", ".parquet")


class ExportError(ValueError):
    """A user-facing error of the kpis / funnel commands (message, no traceback)."""


# --------------------------------------------------------------------------- inputs


def _day(value) -> pd.Timestamp | None:
    if value is None or value == "":
        return None
    try:
        return pd.Timestamp(value).normalize()
    except (ValueError, TypeError):
        raise ExportError(f"not a date: {value!r} (expected YYYY-MM-DD)") from None


def parse_period(date_from, date_to) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """``--from`` / ``--to`` as midnight timestamps (either may be None); checks from ≤ to."""
    lo, hi = _day(date_from), _day(date_to)
    if lo is not None and hi is not None and lo > hi:
        raise ExportError(f"--from {lo.date()} is after --to {hi.date()}")
    return lo, hi


def parse_by(by: str) -> str:
    """Normalise ``--by`` (spaces ignored) to ``date,agent`` or ``store,date``."""
    key = ",".join(part.strip() for part in str(by).split(","))
    if key not in BY_VIEWS:
        raise ExportError(f"--by must be date,agent or store,date, got {by!r}")
    return BY_VIEWS[key]


def load_kpi_tables(chats: Sequence[str | os.PathLike], orders: Sequence[str | os.PathLike],
                    refunds: Sequence[str | os.PathLike] | None = None,
                    traffic: Sequence[str | os.PathLike] | None = None,
                    ) -> tuple[dict[str, pd.DataFrame | None], list[LoadReport]]:
    """Load the export files of each table (several files of one table are concatenated and
    de-duplicated by :func:`~csops_lib.io.load_many`). Raises :class:`csops_lib.io.LoadError`
    (naming the file and the column) when a file cannot be loaded."""
    tables: dict[str, pd.DataFrame | None] = {}
    reports: list[LoadReport] = []
    for name, paths in (("chats", chats), ("orders", orders), ("refunds", refunds),
                        ("traffic", traffic)):
        if not paths:
            tables[name] = None
            continue
        frame, reps = load_many(list(paths), name)
        tables[name] = frame
        reports.extend(reps)
    return tables, reports


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
    from csops_lib import store
    from csops_lib.metrics.attribution import default_as_of

    pairs = []
    for table, cols in (("chats", ["sent_at"]), ("orders", ["paid_at", "created_at"])):
        rng = store.date_range(store_dir, table)
        if rng is None:
            continue
        frame = store.read(store_dir, table, rng[1], rng[1])
        pairs.extend((frame, c) for c in cols)
    best = default_as_of(*pairs)
    return None if pd.isna(best) else best


def read_store_table(store_dir: str | os.PathLike, table: str, date_from=None, date_to=None,
                     columns: Sequence[str] | None = None, *, compact: bool = False
                     ) -> pd.DataFrame:
    """:func:`csops_lib.store.read` of the partitions in [date_from, date_to], reading only
    ``columns`` (default :data:`STORE_COLUMNS`) from each Parquet file: those a partition
    lacks are left out of its read (as a full read would lack them too). Same rows as
    ``store.read``; only the columns differ. ``compact``: the :data:`COMPACT_COLUMNS` of the
    table come as categoricals (same values) instead of ``str``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from csops_lib import store

    wanted = STORE_COLUMNS.get(table) if columns is None else tuple(columns)
    folder = Path(store_dir) / table
    if wanted is None or not folder.exists():
        return store.read(store_dir, table, date_from, date_to)
    lo = pd.Timestamp(date_from).strftime("%Y-%m-%d") if date_from is not None else None
    hi = pd.Timestamp(date_to).strftime("%Y-%m-%d") if date_to is not None else None
    frames, tables = [], []
    for part in sorted(folder.iterdir()):
        label = part.name.removeprefix("date=")
        if label not in (store.UNDATED, "unknown") and ((lo and label < lo) or (hi and label > hi)):
            continue
        path = part / store.PART_FILE
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
    from csops_lib import store

    if not Path(store_dir).is_dir():
        raise ExportError(f"{store_dir}: no such store folder")
    rng = store.date_range(store_dir, "chats")
    if rng is None:
        raise ExportError(f"{store_dir}: the store has no chats (run `csops ingest` first)")
    lo = date_from if date_from is not None else pd.Timestamp(rng[0])
    hi = date_to if date_to is not None else pd.Timestamp(rng[1])
    tables: dict[str, pd.DataFrame | None] = {}
    for name, (a, b) in store_windows(lo, hi, params).items():
        frame = read_store_table(store_dir, name, a, b, compact=True)
        if name in ("refunds", "traffic") and frame.columns.empty:
            frame = None
        tables[name] = frame
    if tables["orders"].columns.empty:
        raise ExportError(f"{store_dir}: the store has no orders for {lo.date()}..{hi.date()}")
    return tables, lo, hi


# --------------------------------------------------------------------------- the KPI table


def kpi_table(tables: dict[str, pd.DataFrame | None], *, by: str = "date,agent",
              params: dict[str, Any] | None = None, date_from=None, date_to=None) -> pd.DataFrame:
    """The KPI table: ``date,agent`` → :func:`~csops_lib.metrics.kpis.agent_kpis` (columns
    ``AGENT_KPI_COLUMNS`` first), ``store,date`` → :func:`~csops_lib.metrics.kpis.store_kpis`
    (uv and the §2 conversions). Rows with a date in [date_from, date_to], sorted."""
    from csops_lib.metrics import kpis

    view = parse_by(by)
    chats, orders = tables["chats"], tables["orders"]
    if chats is None or chats.empty:
        raise ExportError("no chat messages to compute from (check --chats / --store / --from)")
    if "order_id" in orders.columns:  # one summation order whatever the source's row order,
        orders = orders.sort_values("order_id", kind="stable")  # so money rounds the same
    if view == "date,agent":
        return kpis.agent_kpis(chats, orders, refunds=tables.get("refunds"),
                               traffic=tables.get("traffic"), params=params,
                               date_from=date_from, date_to=date_to)
    return kpis.store_kpis(chats, orders, traffic=tables.get("traffic"), params=params,
                           date_from=date_from, date_to=date_to)


@dataclass
class KpiRun:
    """What :func:`run_kpis` computed: the table, the view and the load reports (files)."""

    table: pd.DataFrame
    by: str
    reports: list[LoadReport] = field(default_factory=list)


def run_kpis(*, store_dir: str | os.PathLike | None = None,
             chats: Sequence[str | os.PathLike] | None = None,
             orders: Sequence[str | os.PathLike] | None = None,
             refunds: Sequence[str | os.PathLike] | None = None,
             traffic: Sequence[str | os.PathLike] | None = None,
             date_from=None, date_to=None, by: str = "date,agent",
             params: dict[str, Any] | None = None, engine: str = "pandas",
             scheduler: str | None = None) -> KpiRun:
    """``csops kpis``: from the store (only the partitions needed, with the store's data
    cut-off as ``as_of`` unless the parameter is set) or from export files.

    ``engine="dask"`` (store only): the same per-day pandas computation run over the store's
    day partitions by Dask (:mod:`csops_lib.engine`), ``scheduler`` a Dask scheduler address
    (``tcp://host:8786``) or None for a local cluster; the table equals the pandas engine's.
    """
    from csops_lib.params import resolve_params

    p = resolve_params(params)
    view = parse_by(by)
    lo, hi = parse_period(date_from, date_to)
    reports: list[LoadReport] = []
    if engine not in ENGINES:
        raise ExportError(f"--engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    if engine == "dask":
        if store_dir is None:
            raise ExportError("--engine dask needs --store (it runs over the store's partitions)")
        from csops_lib import engine as dask_engine

        try:
            table = dask_engine.kpis_dask(store_dir, lo, hi, p, by=view, scheduler=scheduler)
        except dask_engine.EngineError as exc:
            raise ExportError(str(exc)) from None
        return KpiRun(table=table, by=view, reports=reports)
    if store_dir is not None:
        tables, lo, hi = read_store_tables(store_dir, lo, hi, p)
        if p.get("as_of") is None:
            p["as_of"] = store_as_of(store_dir)
    else:
        if not chats or not orders:
            raise ExportError("chats and orders files are required (or a store)")
        tables, reports = load_kpi_tables(chats, orders, refunds, traffic)
    table = kpi_table(tables, by=view, params=p, date_from=lo, date_to=hi)
    return KpiRun(table=table, by=view, reports=reports)


# --------------------------------------------------------------------------- the funnel


@dataclass
class FunnelResult:
    """The derived tally, the quarantined rows and the row accounting."""

    table: pd.DataFrame
    quarantine: pd.DataFrame
    rows_in: int
    reports: list[LoadReport] = field(default_factory=list)

    @property
    def rows_out(self) -> int:
        return len(self.table)

    @property
    def rows_quarantined(self) -> int:
        return len(self.quarantine)

    def quarantine_lines(self) -> list[str]:
        """One line per quarantined row: ``file:row: reason`` (row unknown → said so)."""
        lines = []
        for rec in self.quarantine.itertuples(index=False):
            known = rec.row is not None and rec.row != "" and not pd.isna(rec.row)
            where = f"{rec.file}:{rec.row}" if known else f"{rec.file or 'tally'} (row unknown)"
            lines.append(f"quarantined {where}: {rec.reason}")
        return lines

    def accounting(self) -> str:
        return (f"rows in {self.rows_in} = rows out {self.rows_out} "
                f"+ rows quarantined {self.rows_quarantined}")


def tally_funnel_files(paths: Iterable[str | os.PathLike]) -> FunnelResult:
    """Load supervisor tally files (table ``agent_daily``) and add the §1 funnel columns
    (inquiries, followup_converted, inquiry_converted, total_converted, consult_conversion).

    Inconsistent rows (a negative derived count) are quarantined with the reason: the loader
    catches them with their file row numbers; any the metric check still finds (row number
    unknown after loading) are added. Every other row the loader rejected is quarantined too,
    so ``rows_in == rows_out + rows_quarantined``.
    """
    from csops_lib.metrics.funnel import inconsistent_tally_rows, tally_funnel

    frame, reports = load_many(list(paths), "agent_daily")
    parts = [r.quarantine for r in reports if len(r.quarantine)]
    bad = inconsistent_tally_rows(frame)
    if len(bad):
        parts.append(pd.DataFrame({
            "file": "", "row": pd.NA, "column": "", "value": "",
            "kind": "inconsistent", "reason": bad["reason"].astype(str).to_numpy()}))
    quarantine = (pd.concat(parts, ignore_index=True)[QUARANTINE_COLUMNS] if parts
                  else pd.DataFrame(columns=QUARANTINE_COLUMNS))
    if len(quarantine):
        quarantine["file"] = quarantine["file"].map(lambda f: Path(str(f)).name if f else f)
    table = tally_funnel(frame).reset_index(drop=True)
    rows_in = sum(r.rows_read for r in reports)
    return FunnelResult(table=table, quarantine=quarantine, rows_in=rows_in, reports=reports)


# --------------------------------------------------------------------------- output


def check_out_path(out: str | os.PathLike | None) -> None:
    """Fail early on an unsupported ``--out`` extension."""
    if out is not None and Path(out).suffix.lower() not in OUT_SUFFIXES:
        raise ExportError(f"--out {out}: unsupported extension (use {', '.join(OUT_SUFFIXES)})")


def _for_text(df: pd.DataFrame) -> pd.DataFrame:
    """Dates as YYYY-MM-DD text for CSV output."""
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            values = out[col]
            midnight = values.dropna().eq(values.dropna().dt.normalize()).all()
            out[col] = values.dt.strftime("%Y-%m-%d" if midnight else "%Y-%m-%d %H:%M:%S")
    return out


def write_table(df: pd.DataFrame, out: str | os.PathLike | None,
                stream: IO[str] | None = None) -> None:
    """Write by extension: ``.csv`` UTF-8 with BOM, ``.xlsx``, ``.parquet``; ``out=None``
    writes CSV (no BOM) to ``stream`` (default stdout)."""
    if out is None:
        _for_text(df).to_csv(stream or sys.stdout, index=False, lineterminator="\n")
        return
    check_out_path(out)
    path = Path(out)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        _for_text(df).to_csv(path, index=False, encoding="utf-8-sig")
    elif suffix == ".xlsx":
        frame = df.copy()
        for col in frame.columns:  # Excel has no nullable ints / tz; plain values
            if isinstance(frame[col].dtype, pd.Int64Dtype):
                frame[col] = frame[col].astype("float64")
        frame.to_excel(path, index=False)
    else:
        df.to_parquet(path, index=False)


def period_text(df: pd.DataFrame) -> str:
    """``YYYY-MM-DD..YYYY-MM-DD`` of the frame's ``date`` column (or ``no rows``)."""
    if "date" not in df.columns or df["date"].dropna().empty:
        return "no dates"
    dates = pd.to_datetime(df["date"].dropna())
    first, last = dates.min(), dates.max()
    return f"{first.date() if isinstance(first, (pd.Timestamp, dt.datetime)) else first}.." \
           f"{last.date() if isinstance(last, (pd.Timestamp, dt.datetime)) else last}"
