"""The fast engine: per-day session / turn / agent-day tables kept in the store at ingest,
and the KPI tables computed from them (issue 13).

* :func:`deriver` is what ``csops ingest`` hands the store (:mod:`csops_lib.store.derived`):
  :func:`csops_lib.metrics.day_tables.derive` with the shop's ``concurrency_window_s``.
  :func:`ingest` and :func:`create_store` are the store's, with it.
* :func:`read_days` reads the derived tables of a span of days back as
  :class:`~csops_lib.metrics.day_tables.Days` (about 1.3 M sessions and 3.4 M turns instead
  of 9.8 M messages for the 10 M bench store); None when the store's derived tables are
  missing or were made by another version of the formulas (then callers compute from the
  messages: same numbers, slower). A ``concurrency_window_s`` other than the one derived with
  is recomputed from the messages of those days; a payment made during a session (attribution's
  "latest message before paid_at") reads the messages of that session's day only.
* :func:`kpis_from_store`: ``csops kpis --store`` on them.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from csops_lib import store
from csops_lib.metrics import day_tables, kpis
from csops_lib.metrics.chat import max_concurrent
from csops_lib.settings.shop import resolve_params
from csops_lib.store import derived
from csops_lib.store.derived import Deriver

VIEWS = ("date,agent", "store,date")
#: chat columns the message fallbacks read (never the text)
MESSAGE_COLUMNS = ("sent_at", "agent", "customer_id", "sender", "seq")


def deriver(params: dict[str, Any] | None = None) -> Deriver:
    """The per-day tables of :mod:`csops_lib.metrics.day_tables` with the shop's
    ``concurrency_window_s`` and turn parameters (``params`` resolved like the CLI's)."""
    p = resolve_params(params)
    window = float(p["concurrency_window_s"])
    return Deriver(derive=lambda chats: day_tables.derive(chats, window, p),
                   tables=day_tables.TABLES, columns=day_tables.CHAT_COLUMNS,
                   info={"version": day_tables.DERIVE_VERSION, "window_s": window,
                         "turn_params": day_tables.turn_params(p)},
                   keys=day_tables.KEY_COLUMNS)


def ingest(paths, store_dir: str | os.PathLike = "data/store", table: str | None = None, *,
           progress: bool = False, params: dict[str, Any] | None = None):
    """:func:`csops_lib.store.ingest` keeping the per-day tables up to date (``csops
    ingest``)."""
    return store.ingest(paths, store_dir, table, progress=progress, derive=deriver(params))


def create_store(store_dir, tables, note: str = "", params: dict[str, Any] | None = None):
    """:func:`csops_lib.store.create_store` with the per-day tables (the bench stores)."""
    return store.create_store(store_dir, tables, note, derive=deriver(params))


def _usable(state: dict[str, Any] | None, store_dir: Path) -> bool:
    """The recorded derived tables are this code's (any window), and the chats they were
    derived from are still there (deleting ``<store>/chats/`` drops them too)."""
    info = (state or {}).get("derived") or {}
    return info.get("version") == day_tables.DERIVE_VERSION and derived.recorded(
        state, ("chats", *day_tables.TABLES, derived.KEYS), store_dir)


def _frame(t, columns) -> pd.DataFrame:
    """An Arrow table as a pandas frame, column by column: numbers and times as numpy
    arrays (times in ns), text as categoricals (each distinct text made once)."""
    if t is None or t.num_rows == 0:
        return pd.DataFrame(columns=list(columns))
    out = {}
    for name in t.column_names:
        col = t.column(name).combine_chunks()
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type) \
                or pa.types.is_dictionary(col.type):
            enc = col if pa.types.is_dictionary(col.type) else pc.dictionary_encode(col)
            codes = enc.indices.fill_null(-1).to_numpy(zero_copy_only=False)
            cats = enc.dictionary.to_pandas().astype(object)
            out[name] = pd.Categorical.from_codes(codes.astype(np.int64),
                                                  pd.Index(cats, dtype=object))
        elif pa.types.is_timestamp(col.type):
            out[name] = col.to_numpy(zero_copy_only=False).astype("datetime64[ns]")
        else:
            out[name] = col.to_numpy(zero_copy_only=False)
    return pd.DataFrame(out, copy=False)  # the arrays as they are: no consolidated copy


def read_days(store_dir: str | os.PathLike, date_from, date_to, window_s: float, *,
              at: dict[str, Any] | None = None,
              params: dict[str, Any] | None = None) -> day_tables.Days | None:
    """The :class:`~csops_lib.metrics.day_tables.Days` of [date_from, date_to] from the
    store's derived tables (None: not usable, compute from the messages). ``params``
    (resolved; for the per agent-day numbers of ``csops kpis`` only): when the stored turn
    numbers are for their turn parameters, they are used and no turn is read
    (``Days.turns`` is None)."""
    root = Path(store_dir)
    at = at or store.snapshot(root)
    if not _usable(at, root):
        return None
    stats = params is not None and day_tables.stored_turn_stats(at["derived"], params)
    read = {t: _frame(store.read_arrow(root, t, date_from, date_to, cols, at=at), cols)
            for t, cols in day_tables.READ_COLUMNS.items()
            if not (stats and t == day_tables.TURNS)}
    sessions, agents = read[day_tables.SESSIONS], read[day_tables.AGENTS]
    turns = read.get(day_tables.TURNS)
    if sessions.columns.empty:
        return None

    def chats_of(days) -> pd.DataFrame:
        days = sorted(pd.to_datetime(pd.Series(days)).dt.normalize().unique())
        parts = [store.read(root, "chats", d, d, columns=list(MESSAGE_COLUMNS), at=at)
                 for d in days]
        return pd.concat([p for p in parts if len(p)], ignore_index=True) if parts \
            else pd.DataFrame(columns=list(MESSAGE_COLUMNS))

    wanted = {c: sessions[c].to_numpy() for c in day_tables.KEY_COLUMNS}
    wanted["agent"] = np.r_[wanted["agent"], agents["agent"].to_numpy()]
    keys = derived.key_texts(root, at["versions"][derived.KEYS], wanted)
    days = day_tables.assemble(sessions, turns, agents, keys=keys, turn_stats=stats)
    if float(at["derived"].get("window_s", np.nan)) != float(window_s):
        chats = store.read(root, "chats", date_from, date_to, columns=list(MESSAGE_COLUMNS),
                           at=at)
        days.max_concurrent = max_concurrent(chats, window_s=window_s)

    def messages(sids: np.ndarray) -> pd.DataFrame:
        wanted = days.sessions.iloc[np.asarray(sids, dtype=np.int64)]
        return day_tables.session_messages(chats_of(wanted["date"].unique()), wanted)

    days.messages = messages
    return days


def kpis_from_store(store_dir: str | os.PathLike, date_from=None, date_to=None,
                    params: dict[str, Any] | None = None, *, by: str = "date,agent"
                    ) -> pd.DataFrame | None:
    """``csops kpis --store`` from the derived tables: the table
    :func:`csops_lib.reports.kpis.run_kpis` computes from the messages (None when the
    store's derived tables are not usable). ``params`` resolved; ``as_of`` defaults to the
    store's data cut-off."""
    p = resolve_params(params)
    root = Path(store_dir)
    if not root.is_dir():
        raise store.StoreError(f"{store_dir}: no such store folder")
    at = store.snapshot(root)
    if not _usable(at, root):
        return None
    rng = store.date_range(root, "chats", at=at)
    if rng is None:
        raise store.StoreError(f"{store_dir}: the store has no chats (run `csops ingest` "
                               f"first)")
    lo = pd.Timestamp(date_from).normalize() if date_from is not None else pd.Timestamp(rng[0])
    hi = pd.Timestamp(date_to).normalize() if date_to is not None else pd.Timestamp(rng[1])
    if p.get("as_of") is None:
        p["as_of"] = store.store_as_of(root, at=at)
    windows = store.store_windows(lo, hi, p)
    days = read_days(root, *windows["chats"], p["concurrency_window_s"], at=at, params=p)
    if days is None:
        return None
    got = {name: store.read_store_table(root, name, *windows[name], at=at)
           for name in ("orders", "refunds", "traffic")}
    orders = got["orders"]
    if orders.columns.empty:
        raise store.StoreError(f"{store_dir}: the store has no orders for "
                               f"{lo.date()}..{hi.date()}")
    if "order_id" in orders.columns:  # one summation order (as kpi_table sorts them)
        orders = orders.sort_values("order_id", kind="stable")
    small = {n: (None if got[n].columns.empty else got[n]) for n in ("refunds", "traffic")}
    if by == "date,agent":
        return kpis.agent_kpis_from_days(days, orders, refunds=small["refunds"], params=p,
                                         date_from=lo, date_to=hi)
    return kpis.store_kpis_from_days(days, orders, traffic=small["traffic"], params=p,
                                     date_from=lo, date_to=hi)
