"""The Dask engine of ``csops kpis --store DIR --engine dask``: the same pandas functions
(:func:`csops_lib.metrics.kpis.agent_kpis_from_days` on the per-day tables derived at ingest,
:mod:`csops_lib.engine`; :func:`~csops_lib.metrics.kpis.agent_kpis` on the messages when a
store has none) run over the store's day partitions in parallel, for histories larger than
memory.

Why per day is exact. A session never crosses a day (METRICS.md §3), so the chat metrics of
day D (sessions, turns, response times, max_concurrent) need only D's messages. What else a
KPI row of day D reads:

* sales credited on D: orders paid on D, and their candidate sessions, which started at most
  ``followup_days`` (fd) before D (the window runs to the end of session day + fd) → chats of
  [D − fd, D] and the messages of those sessions;
* inquiry conversion of D's sessions: payments in [session start, end of D + fd];
* the after-sales look-back that classifies every one of those sessions: payments in the
  ``after_sales_lookback_days`` (L) before the session;
* ``provisional``: the store's data cut-off (``as_of``), computed once for the whole store,
  exactly as the pandas engine does;
* refunds applied on D (agent view); traffic of D (store view).

So a task for days [a, b] reads chats of [a − fd, b] (only the metric columns), takes the
orders paid in [a − fd − L, b + fd + 1), calls the pandas function with ``date_from=a``,
``date_to=b`` and keeps its rows. Orders are read once, by the client, from the same
partitions the pandas engine reads (pruned to the metric columns: a few % of the chat volume),
sorted by ``order_id`` as the pandas engine sorts them (so money sums add in the same order),
and each task is sent only the orders of its window (a row keeps its order), not the whole
period's: a worker holds a week's orders, not a year's. The
concatenated, sorted rows equal the pandas engine's table (``tests/test_engine.py``).

Schedulers: ``None`` starts a ``distributed.LocalCluster`` (one single-threaded worker process
per core: pandas holds the GIL); ``"tcp://host:8786"`` (any ``scheme://`` address) connects a
``distributed.Client`` to a running scheduler (the workers must see ``store_dir`` at the same
path); ``"synchronous"``, ``"threads"`` or ``"processes"`` use dask's local schedulers without
a cluster; a ``distributed.Client`` is used as is.
"""
from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import pandas as pd

from csops_lib import engine, store
from csops_lib.metrics import kpis
from csops_lib.metrics.sessions import CHAT_COLUMNS
from csops_lib.settings.shop import resolve_params

#: days per task: chats of the ``followup_days`` before a task's first day are read twice,
#: so longer batches read less twice but parallelise less
DAYS_PER_TASK = 7
LOCAL_SCHEDULERS = ("synchronous", "sync", "single-threaded", "threads", "processes")


class EngineError(RuntimeError):
    """The Dask engine cannot run (dask missing, no chats in the store, bad scheduler)."""


VIEWS = ("date,agent", "store,date")


def _view(by: str) -> str:
    if by not in VIEWS:
        raise EngineError(f"by must be one of {', '.join(VIEWS)}, got {by!r}")
    return by


def _require_dask():
    try:
        import dask
    except ImportError:  # pragma: no cover - depends on the environment
        raise EngineError("--engine dask needs dask: pip install 'csops[dask]'") from None
    return dask


def _days(lo: pd.Timestamp, hi: pd.Timestamp, per_task: int) -> list[tuple[pd.Timestamp,
                                                                          pd.Timestamp]]:
    days = pd.date_range(lo, hi, freq="D")
    return [(days[i], days[min(i + per_task, len(days)) - 1])
            for i in range(0, len(days), per_task)]


def _empty_chats() -> pd.DataFrame:
    cols = {c: pd.Series(dtype="datetime64[ns]" if c == "sent_at" else object)
            for c in CHAT_COLUMNS}
    return pd.DataFrame(cols)


def _orders_of(orders: pd.DataFrame, a: pd.Timestamp, b: pd.Timestamp,
               p: dict[str, Any]) -> pd.DataFrame:
    """The orders the days [a, b] need: paid from the after-sales look-back before the
    first day's window to the end of the last day's follow-up window."""
    fd = pd.Timedelta(days=int(p["followup_days"]))
    look = pd.Timedelta(days=math.ceil(float(p["after_sales_lookback_days"])))
    paid = orders["paid_at"]
    return orders[((paid >= a - fd - look) & (paid < b + fd + pd.Timedelta(days=1)))
                  .to_numpy()]


def _batch(store_dir: str, a: pd.Timestamp, b: pd.Timestamp, orders: pd.DataFrame,
           refunds: pd.DataFrame | None, traffic: pd.DataFrame | None, p: dict[str, Any],
           by: str, at: dict[str, Any] | None = None) -> pd.DataFrame:
    """KPI rows of the days [a, b]: the pandas function on just the data those days need
    (refunds and traffic of the whole period only join onto rows of [a, b]). ``at``: the
    store snapshot the client read (an ingest landing meanwhile is not mixed in)."""

    fd = pd.Timedelta(days=int(p["followup_days"]))
    o = _orders_of(orders, a, b, p)
    days = engine.read_days(store_dir, a - fd, b, p["concurrency_window_s"], at=at, params=p)
    if days is not None:  # the per-day tables derived at ingest
        if by == "date,agent":
            return kpis.agent_kpis_from_days(days, o, refunds=refunds, params=p, date_from=a,
                                             date_to=b)
        return kpis.store_kpis_from_days(days, o, traffic=traffic, params=p, date_from=a,
                                         date_to=b)
    chats = store.read_store_table(store_dir, "chats", a - fd, b, compact=True, at=at)
    if chats.columns.empty:
        chats = _empty_chats()
    if by == "date,agent":
        return kpis.agent_kpis(chats, o, refunds=refunds, params=p, date_from=a, date_to=b)
    return kpis.store_kpis(chats, o, traffic=traffic, params=p, date_from=a, date_to=b)


def _compute(tasks: list, scheduler) -> list[pd.DataFrame]:
    dask = _require_dask()
    if scheduler is not None and not isinstance(scheduler, str):
        return list(scheduler.compute(tasks, sync=True))  # a distributed.Client
    if isinstance(scheduler, str) and scheduler in LOCAL_SCHEDULERS:
        return list(dask.compute(*tasks, scheduler=scheduler))
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - depends on the environment
        raise EngineError("--engine dask with a cluster needs dask.distributed: "
                          "pip install 'csops[dask]'") from None
    if scheduler is None:
        workers = max(1, min(os.cpu_count() or 1, len(tasks)))
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          dashboard_address=":0") as cluster, Client(cluster) as client:
            return list(client.compute(tasks, sync=True))
    if "://" not in scheduler:
        raise EngineError(f"--scheduler {scheduler!r}: expected an address such as "
                          f"tcp://host:8786, or one of {', '.join(LOCAL_SCHEDULERS)}")
    try:
        client = Client(scheduler, timeout="10s")
    except (OSError, TimeoutError) as exc:
        raise EngineError(f"cannot reach the Dask scheduler {scheduler}: {exc}") from None
    with client:
        return list(client.compute(tasks, sync=True))


def kpis_dask(store_dir: str | os.PathLike, date_from=None, date_to=None,
              params: dict[str, Any] | None = None, *, by: str = "date,agent",
              scheduler=None, days_per_task: int = DAYS_PER_TASK) -> pd.DataFrame:
    """``csops kpis --store DIR --engine dask``: the KPI table of the days [date_from,
    date_to] (default: the store's first / last chat day), equal to the pandas engine's
    (:func:`csops_lib.reports.kpis.run_kpis`). ``by``: ``date,agent`` or ``store,date``;
    ``scheduler``: see the module docstring. ``params`` are resolved like the CLI's (the
    ``as_of`` cut-off defaults to the store's latest chat / order time)."""
    dask = _require_dask()
    store_dir = str(store_dir)
    p = resolve_params(params)
    view = _view(by)
    if not Path(store_dir).is_dir():
        raise EngineError(f"{store_dir}: no such store folder")
    at = store.snapshot(store_dir)  # one recorded state of the store for every task
    rng = store.date_range(store_dir, "chats", at=at)
    if rng is None:
        raise EngineError(f"{store_dir}: the store has no chats (run `csops ingest` first)")
    lo = pd.Timestamp(date_from).normalize() if date_from is not None else pd.Timestamp(rng[0])
    hi = pd.Timestamp(date_to).normalize() if date_to is not None else pd.Timestamp(rng[1])
    if p.get("as_of") is None:
        p["as_of"] = store.store_as_of(store_dir, at=at)
    windows = store.store_windows(lo, hi, p)
    orders = store.read_store_table(store_dir, "orders", *windows["orders"], at=at)
    if orders.columns.empty:
        raise EngineError(f"{store_dir}: the store has no orders for {lo.date()}..{hi.date()}")
    if "order_id" in orders.columns:  # the pandas engine's summation order
        orders = orders.sort_values("order_id", kind="stable")
    orders = orders.assign(paid_at=pd.to_datetime(orders["paid_at"]))
    orders = orders.reset_index(drop=True)
    # refunds / traffic of the period, as the pandas engine reads them (small tables)
    small = {}
    for name in ("refunds", "traffic"):
        frame = store.read_store_table(store_dir, name, *windows[name], at=at)
        small[name] = None if frame.columns.empty else frame
    if view != "date,agent":
        small["refunds"] = None
    else:
        small["traffic"] = None
    shared = [dask.delayed(x, pure=True) if x is not None else None
              for x in (small["refunds"], small["traffic"])]
    batch = dask.delayed(_batch, pure=True)
    # each task gets only the orders its days need, not the whole period's
    tasks = [batch(store_dir, a, b, dask.delayed(_orders_of(orders, a, b, p), pure=True),
                   *shared, p, view, at)
             for a, b in _days(lo, hi, max(1, int(days_per_task)))]
    parts = [part for part in _compute(tasks, scheduler) if len(part)]
    if not parts:
        raise EngineError("no chat messages to compute from (check --store / --from)")
    key = ["date", "agent"] if view == "date,agent" else ["date", "store"]
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(key, kind="stable").reset_index(drop=True)


def agent_kpis_dask(store_dir, date_from=None, date_to=None, params=None, scheduler=None,
                    **kwargs) -> pd.DataFrame:
    """The ``date,agent`` view of :func:`kpis_dask` (per-agent daily scorecard)."""
    return kpis_dask(store_dir, date_from, date_to, params, by="date,agent",
                     scheduler=scheduler, **kwargs)


def store_kpis_dask(store_dir, date_from=None, date_to=None, params=None, scheduler=None,
                    **kwargs) -> pd.DataFrame:
    """The ``store,date`` view of :func:`kpis_dask`."""
    return kpis_dask(store_dir, date_from, date_to, params, by="store,date",
                     scheduler=scheduler, **kwargs)
