"""The logic behind ``csops kpis`` and ``csops funnel`` (the CLI only parses and prints).

* :func:`load_kpi_tables` loads export files (any format :func:`csops_lib.loaders.load_many`
  accepts); :func:`read_store_tables` reads only the store partitions a period needs.
* :func:`kpi_table` computes the ``date, agent`` (or ``store, date``) KPI table with
  :func:`csops_lib.metrics.kpis.agent_kpis` / :func:`~csops_lib.metrics.kpis.store_kpis`.
* :func:`tally_funnel_files` loads supervisor tallies and derives the §1 funnel, keeping every
  quarantined row with its reason so that rows in = rows out + rows quarantined.

Writing the tables (``--out``) is :mod:`csops_lib.render.tables_out`.
"""
from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from csops_lib import dask_engine, loaders
from csops_lib import engine as fast_engine
from csops_lib.metrics import kpis as kpi_metrics
from csops_lib.metrics.funnel import inconsistent_tally_rows, tally_funnel
from csops_lib.metrics.rollups import rollup_kpis
from csops_lib.settings.shop import resolve_params
from csops_lib.store import read_store_tables, store_as_of

#: accepted ``--by`` values → canonical view name
BY_VIEWS = {"date,agent": "date,agent", "agent,date": "date,agent",
            "store,date": "store,date", "date,store": "store,date"}


ENGINES = ("pandas", "dask")


class ExportError(ValueError):
    """A user-facing error of the kpis / funnel commands (message, no traceback)."""


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
                    ) -> tuple[dict[str, pd.DataFrame | None], list[loaders.LoadReport]]:
    """Load the export files of each table (several files of one table are concatenated and
    de-duplicated by :func:`~csops_lib.loaders.load_many`). Raises :class:`csops_lib.loaders.LoadError`
    (naming the file and the column) when a file cannot be loaded."""
    tables: dict[str, pd.DataFrame | None] = {}
    reports: list[loaders.LoadReport] = []
    for name, paths in (("chats", chats), ("orders", orders), ("refunds", refunds),
                        ("traffic", traffic)):
        if not paths:
            tables[name] = None
            continue
        frame, reps = loaders.load_many(list(paths), name)
        tables[name] = frame
        reports.extend(reps)
    return tables, reports


def kpi_table(tables: dict[str, pd.DataFrame | None], *, by: str = "date,agent",
              params: dict[str, Any] | None = None, date_from=None, date_to=None) -> pd.DataFrame:
    """The KPI table: ``date,agent`` → :func:`~csops_lib.metrics.kpis.agent_kpis` (columns
    ``AGENT_KPI_COLUMNS`` first), ``store,date`` → :func:`~csops_lib.metrics.kpis.store_kpis`
    (uv and the §2 conversions). Rows with a date in [date_from, date_to], sorted."""
    view = parse_by(by)
    chats, orders = tables["chats"], tables["orders"]
    if chats is None or chats.empty:
        raise ExportError("no chat messages to compute from (check --chats / --store / --from)")
    if "order_id" in orders.columns:  # one summation order whatever the source's row order,
        orders = orders.sort_values("order_id", kind="stable")  # so money rounds the same
    if view == "date,agent":
        return kpi_metrics.agent_kpis(chats, orders, refunds=tables.get("refunds"),
                               traffic=tables.get("traffic"), params=params,
                               date_from=date_from, date_to=date_to)
    return kpi_metrics.store_kpis(chats, orders, traffic=tables.get("traffic"), params=params,
                           date_from=date_from, date_to=date_to)


@dataclass
class KpiRun:
    """What :func:`run_kpis` computed: the table, the view and the load reports (files)."""

    table: pd.DataFrame
    by: str
    reports: list[loaders.LoadReport] = field(default_factory=list)


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
    day partitions by Dask (:mod:`csops_lib.dask_engine`), ``scheduler`` a Dask scheduler address
    (``tcp://host:8786``) or None for a local cluster; the table equals the pandas engine's.
    """
    p = resolve_params(params)
    view = parse_by(by)
    lo, hi = parse_period(date_from, date_to)
    reports: list[loaders.LoadReport] = []
    if engine not in ENGINES:
        raise ExportError(f"--engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    if engine == "dask":
        if store_dir is None:
            raise ExportError("--engine dask needs --store (it runs over the store's partitions)")
        try:
            table = dask_engine.kpis_dask(store_dir, lo, hi, p, by=view, scheduler=scheduler)
        except dask_engine.EngineError as exc:
            raise ExportError(str(exc)) from None
        return KpiRun(table=table, by=view, reports=reports)
    if store_dir is not None:
        fast = fast_engine.kpis_from_store(store_dir, lo, hi, p, by=view)
        if fast is not None:  # the per-day tables derived at ingest
            return KpiRun(table=fast, by=view, reports=reports)
        tables, lo, hi = read_store_tables(store_dir, lo, hi, p)
        if p.get("as_of") is None:
            p["as_of"] = store_as_of(store_dir)
    else:
        if not chats or not orders:
            raise ExportError("chats and orders files are required (or a store)")
        tables, reports = load_kpi_tables(chats, orders, refunds, traffic)
    table = kpi_table(tables, by=view, params=p, date_from=lo, date_to=hi)
    return KpiRun(table=table, by=view, reports=reports)


@dataclass
class FunnelResult:
    """The derived tally, the quarantined rows and the row accounting."""

    table: pd.DataFrame
    quarantine: pd.DataFrame
    rows_in: int
    reports: list[loaders.LoadReport] = field(default_factory=list)

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
    frame, reports = loaders.load_many(list(paths), "agent_daily")
    parts = [r.quarantine for r in reports if len(r.quarantine)]
    bad = inconsistent_tally_rows(frame)
    if len(bad):
        parts.append(pd.DataFrame({
            "file": "", "row": pd.NA, "column": "", "value": "",
            "kind": "inconsistent", "reason": bad["reason"].astype(str).to_numpy()}))
    quarantine = (pd.concat(parts, ignore_index=True)[loaders.QUARANTINE_COLUMNS] if parts
                  else pd.DataFrame(columns=loaders.QUARANTINE_COLUMNS))
    if len(quarantine):
        quarantine["file"] = quarantine["file"].map(lambda f: Path(str(f)).name if f else f)
    table = tally_funnel(frame).reset_index(drop=True)
    rows_in = sum(r.rows_read for r in reports)
    return FunnelResult(table=table, quarantine=quarantine, rows_in=rows_in, reports=reports)


def period_text(df: pd.DataFrame) -> str:
    """``YYYY-MM-DD..YYYY-MM-DD`` of the frame's ``date`` column (or ``no rows``)."""
    if "date" not in df.columns or df["date"].dropna().empty:
        return "no dates"
    dates = pd.to_datetime(df["date"].dropna())
    first, last = dates.min(), dates.max()
    return f"{first.date() if isinstance(first, (pd.Timestamp, dt.datetime)) else first}.." \
           f"{last.date() if isinstance(last, (pd.Timestamp, dt.datetime)) else last}"



def kpis(store: str | os.PathLike, date_from=None, date_to=None, *, by: str = "date,agent",
         per: str = "day", **params: Any) -> pd.DataFrame:
    """The analyst's entry point (``csops_lib.kpis``): the KPI table of the period
    [date_from, date_to] from a history store, exactly the table of
    ``csops kpis --store STORE --from … --to … --by …`` (the store's partitions the period
    needs are read: chats from ``followup_days`` before the period, so an order paid early in
    the period is still credited to the session that led to it).

    ``per="week"`` or ``"month"`` rolls the daily rows up with
    :func:`csops_lib.metrics.rollups.rollup_kpis` (sums, rates recomputed from the sums);
    ``params`` are shop thresholds (``slow_gap_s=90`` …), as ``--param`` on the command line.
    """
    run = run_kpis(store_dir=store, date_from=date_from, date_to=date_to, by=by,
                   params=params or None)
    keys = ("agent",) if run.by == "date,agent" else ("store",)
    return rollup_kpis(run.table, per, keys)
