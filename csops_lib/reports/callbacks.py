"""Callbacks (回访): the daily call plan.

On day D the team calls back the customers of the deals paid on D − ``lag_days`` (default 4:
on May 5 the deals of May 1), ``calls_per_agent`` calls (default 3) for each pre-sale agent on
duty, the deals split evenly and deterministically over the agents (settings:
:class:`csops_lib.settings.callbacks.CallbackSettings`, ``params/callbacks.yaml``).

:func:`plan_callbacks` reads the store and returns the plan; the agents' Excel call sheet
(one sheet per agent, phone numbers, a result drop-down) is written by
:func:`csops_lib.render.call_sheet.write_call_sheet`. The filled sheet loads back as the
``callbacks`` table (:func:`csops_lib.loaders.call_sheets.load_call_sheets`), and
:func:`csops_lib.metrics.callbacks.callback_summary` counts the results for the daily and
weekly reports.

The call plan and sheet are the one place that carries unmasked phone numbers (DESIGN.md,
PII): they are meant for the agents making the calls, not for reports.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os

import numpy as np
import pandas as pd

from csops_lib import store
from csops_lib.loaders.call_sheets import PLAN_COLUMNS
from csops_lib.metrics._common import require
from csops_lib.settings.callbacks import DEFAULT, CallbackSettings

#: order statuses never called back
_EXCLUDED_STATUS = ("closed", "refunded", "unpaid")
#: roster roles that make the calls
_ROLES_ON_DUTY = ("presale", "both")
#: text columns of a plan (the project's text dtype)
TEXT_COLUMNS = ("agent", "order_id", "customer_id", "customer_name", "phone", "product",
                "result", "notes")


def _stable_rank(keys: pd.Series, seed: int) -> np.ndarray:
    """A 64-bit hash of ``seed:key`` per key, the same in every process (unlike ``hash()``)."""
    return np.array(
        [int.from_bytes(hashlib.blake2b(f"{seed}:{k}".encode(), digest_size=8).digest(), "big")
         for k in keys],
        dtype=np.uint64,
    )


def agents_on_duty(roster: pd.DataFrame, date) -> list[str]:
    """Agents who make calls on ``date``: role presale or both (a missing role counts as
    on duty; no role column = everyone), hired on or before ``date`` (missing = yes), each
    once, in roster order."""
    require(roster, ("agent",), "roster")
    day = pd.Timestamp(date).normalize()
    ok = roster["agent"].notna()
    if "role" in roster:
        ok &= roster["role"].isna() | roster["role"].isin(_ROLES_ON_DUTY)
    if "hired_on" in roster:
        hired = pd.to_datetime(roster["hired_on"]).dt.normalize()
        ok &= hired.isna() | (hired <= day)
    names = roster.loc[ok, "agent"].astype(str).str.strip()
    return list(dict.fromkeys(n for n in names if n))


def call_candidates(orders: pd.DataFrame, deal_day, *,
                    exclude_called: pd.DataFrame | None = None,
                    call_day=None) -> pd.DataFrame:
    """The deals to call back: orders paid on ``deal_day`` whose status is not closed,
    refunded or unpaid, whose order_id is not in ``exclude_called`` (the callbacks table),
    one per customer (the largest amount; ties → smallest order_id). Rows without a
    customer_id count as distinct customers.

    With ``call_day`` given and a ``date`` column in ``exclude_called``, only callbacks dated
    before ``call_day`` exclude an order: the day's own plan, once ingested, does not change
    a re-run of the same day's plan."""
    require(orders, ("order_id", "paid_at", "amount"), "orders")
    day = pd.Timestamp(deal_day).normalize()
    paid_at = pd.to_datetime(orders["paid_at"])
    keep = paid_at.notna() & (paid_at.dt.normalize() == day) & orders["order_id"].notna()
    if "status" in orders:
        keep &= ~orders["status"].isin(_EXCLUDED_STATUS)
    if exclude_called is not None and "order_id" in exclude_called and len(exclude_called):
        earlier = exclude_called
        if call_day is not None and "date" in exclude_called:
            dates = pd.to_datetime(exclude_called["date"]).dt.normalize()
            earlier = exclude_called[~(dates >= pd.Timestamp(call_day).normalize()).to_numpy()]
        called = set(earlier["order_id"].dropna().astype(str))
        keep &= ~orders["order_id"].astype(str).isin(called)
    deals = orders[keep.to_numpy()]
    deals = deals.drop_duplicates("order_id")
    if "customer_id" in deals and len(deals):
        deals = deals.sort_values(["amount", "order_id"], ascending=[False, True],
                                  kind="stable", na_position="last")
        known = deals["customer_id"].notna()
        deals = pd.concat([deals[known].drop_duplicates("customer_id"), deals[~known]])
    return deals


def call_plan(
    orders: pd.DataFrame,
    roster: pd.DataFrame,
    date,
    *,
    lag_days: int = DEFAULT.lag_days,
    calls_per_agent: int = DEFAULT.calls_per_agent,
    seed: int = DEFAULT.seed,
    exclude_called: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The callback plan for ``date``: which agent calls which customer.

    Candidates (:func:`call_candidates`): orders paid on ``date − lag_days`` that are not
    closed/refunded/unpaid and not already in ``exclude_called`` (the callbacks table; rows
    dated ``date`` or later are ignored, so re-running a day after ingesting its sheet gives
    the same plan), one per customer (their largest order). Callers
    (:func:`agents_on_duty`): roster agents with role presale or both, hired on or before
    ``date``.

    Selection is deterministic and independent of row order: candidates are ranked by a
    stable hash of ``seed`` and order_id (blake2b, not Python's per-process ``hash``), the
    first ``len(agents) × calls_per_agent`` are taken and dealt round-robin over the agents,
    whose order is also a stable hash of ``seed``, ``date`` and the agent (so the agents who
    get one call more on a short day change from day to day). Every agent gets at most
    ``calls_per_agent`` calls and the counts differ by at most one; fewer deals than capacity
    → all of them are assigned.

    Returns one row per call with :data:`PLAN_COLUMNS`: date (the call day), agent,
    order_id, customer_id, customer_name, phone, product, amount, paid_at, result and notes
    (empty, to be filled by the caller); missing optional order columns are left empty. Rows
    are sorted by agent (name), then paid_at and order_id.
    """
    if lag_days < 0 or calls_per_agent < 0:
        raise ValueError("lag_days and calls_per_agent must not be negative")
    day = pd.Timestamp(date).normalize()
    agents = agents_on_duty(roster, day)
    deals = call_candidates(orders, day - pd.Timedelta(days=lag_days),
                            exclude_called=exclude_called, call_day=day)
    capacity = len(agents) * int(calls_per_agent)
    if deals.empty or capacity == 0:
        return _empty_plan()

    order_ids = deals["order_id"].astype(str)
    ranked = deals.assign(_rank=_stable_rank(order_ids, seed), _oid=order_ids.to_numpy())
    ranked = ranked.sort_values(["_rank", "_oid"], kind="stable").head(capacity)
    agent_rank = _stable_rank(pd.Series([f"{day:%Y-%m-%d}:{a}" for a in agents]), seed)
    dealer = [agents[i] for i in np.argsort(agent_rank, kind="stable")]

    plan = pd.DataFrame({
        "date": pd.Series(day, index=range(len(ranked)), dtype="datetime64[ns]"),
        "agent": [dealer[i % len(dealer)] for i in range(len(ranked))],
    })
    for col in PLAN_COLUMNS[2:]:
        if col in ("result", "notes"):
            plan[col] = np.nan
        elif col in ranked:
            plan[col] = ranked[col].to_numpy()
        else:
            plan[col] = np.nan
    plan["amount"] = pd.to_numeric(plan["amount"], errors="coerce").astype("float64")
    plan["paid_at"] = pd.to_datetime(plan["paid_at"]).astype("datetime64[ns]")
    for col in TEXT_COLUMNS:
        plan[col] = text(plan[col])
    plan = plan.sort_values(["agent", "paid_at", "order_id"], kind="stable")
    return plan.reset_index(drop=True)


def text(s: pd.Series) -> pd.Series:
    """The project's text dtype (pandas 3 ``str``; object of str under pandas 2)."""
    s = s.astype(object).where(s.notna())
    s = s.map(lambda v: v if v is None or isinstance(v, str) or pd.isna(v) else str(v))
    return s.astype("str") if int(pd.__version__.split(".")[0]) >= 3 else s


def _empty_plan() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series([], dtype=object) for c in PLAN_COLUMNS})
    frame["date"] = frame["date"].astype("datetime64[ns]")
    frame["paid_at"] = frame["paid_at"].astype("datetime64[ns]")
    frame["amount"] = frame["amount"].astype("float64")
    for col in TEXT_COLUMNS:
        frame[col] = text(frame[col])
    return frame


def plan_callbacks(data_dir: str | os.PathLike, date=None, *, lag_days: int | None = None,
                   calls_per_agent: int | None = None,
                   seed: int | None = None) -> tuple[pd.Timestamp, pd.DataFrame]:
    """The day's callback plan from the store: ``(call day, plan)``.

    ``date`` defaults to today. The settings are those of ``params/callbacks.yaml`` over the
    defaults of :class:`~csops_lib.settings.callbacks.CallbackSettings`, with the arguments
    given (not ``None``) over both; an invalid value raises
    :class:`~csops_lib.settings.base.SettingsError` (a ``ValueError``). Reads the orders of
    the deal day (date − lag_days), the roster and the callbacks already made (so nobody is
    called twice), then :func:`call_plan`.
    """
    given = {"lag_days": lag_days, "calls_per_agent": calls_per_agent, "seed": seed}
    settings = CallbackSettings.load({k: v for k, v in given.items() if v is not None},
                                     where="callbacks")
    day = pd.Timestamp(date or dt.date.today()).normalize()
    deal_day = day - pd.Timedelta(days=settings.lag_days)
    # orders are partitioned by creation day: a deal paid on deal_day was created then or a
    # little earlier (unpaid orders can wait a few days)
    orders = store.read(data_dir, "orders", deal_day - pd.Timedelta(days=7), deal_day)
    roster = store.read(data_dir, "roster")
    if roster.empty:
        raise FileNotFoundError(f"no roster in {data_dir}: ingest the roster export first "
                                "(it says who is on duty)")
    called = store.read(data_dir, "callbacks")
    plan = call_plan(orders, roster, day, lag_days=settings.lag_days,
                     calls_per_agent=settings.calls_per_agent, seed=settings.seed,
                     exclude_called=called if not called.empty else None)
    return day, plan
