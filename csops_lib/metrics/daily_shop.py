"""The shop's day-by-day headline series the daily report compares a day with (METRICS.md
§2–§5), and the baselines it compares against.

* :func:`attributed_paid`: the paid orders of a span of days, each marked ``field`` /
  ``session`` / ``silent`` (METRICS.md §4, :func:`csops_lib.metrics.attribution.attribute_orders`);
  without sessions an order with an agent on it is ``field`` and the rest are unknown (NaN).
* :func:`shop_daily`: one row per date with sales, paid orders, buyers, AOV, agent-served and
  silent orders, visitors, store conversion, the agent-day KPI sums and their rates, the
  first-response mean and p90, and the same-day inquiry conversion.
* :func:`conversion_at_age`: the inquiry conversion of each day as it stood a given time after
  the day began (same-day conversion, or the history "as it stood" to compare a provisional
  day with like for like).
* :func:`promo_days`: the days of the promos table, left out of every baseline.
* :func:`same_weekday_median`, :func:`change_vs`: the headline's baseline and change.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from csops_lib.metrics import sales as sales_metrics
from csops_lib.metrics._common import ratio
from csops_lib.metrics.attribution import attribute_orders, inquiry_outcomes
from csops_lib.metrics.conversion import traffic_uv
from csops_lib.metrics.rollups import add_rates

#: paid orders an agent served (METRICS.md §4): the order names its agent, or a chat credits it
SERVED = ("field", "session")
#: helper columns of sales.paid_orders that attribute_orders does not take
_HELPERS = ["date", "hour", "pay_slot", "_amount", "_qty", "_refund", "_cust"]
#: agent-day KPI counts summed per date
KPI_SUMS = ["sessions", "replied", "inquiries", "inquiry_buyers", "slow_sessions",
            "long_sessions"]


def paid(orders: pd.DataFrame) -> pd.DataFrame:
    """Paid orders (:func:`csops_lib.metrics.sales.paid_orders`); an empty frame when the
    orders carry no ``paid_at``."""
    if "paid_at" not in orders.columns:
        return pd.DataFrame(columns=["order_id", "paid_at", "amount", "date"])
    return sales_metrics.paid_orders(orders)


def attributed_paid(orders: pd.DataFrame, sessions: pd.DataFrame | None, first, last,
                    params: dict[str, Any]) -> pd.DataFrame:
    """Paid orders with ``date`` in [first, last], with ``attribution`` and
    ``credited_agent`` (METRICS.md §4). With sessions: :func:`attribute_orders`; without:
    ``field`` when the order names an agent, else NaN (silent orders need sessions)."""
    out = paid(orders)
    out = out[out["date"].between(pd.Timestamp(first), pd.Timestamp(last))]
    if sessions is not None and len(sessions):
        att = attribute_orders(out.drop(columns=_HELPERS), sessions, params)
        return out.assign(attribution=att["attribution"].to_numpy(),
                          credited_agent=att["credited_agent"].to_numpy())
    has_agent = (out["agent"].astype("string").str.strip().fillna("") != ""
                 if "agent" in out.columns else pd.Series(False, index=out.index))
    attribution = pd.Series("field", index=out.index, dtype=object).where(has_agent)
    return out.assign(attribution=attribution, credited_agent=out.get("agent"))


def served_counts(attribution: pd.Series, by: pd.Series) -> pd.DataFrame:
    """Per group of ``by``: ``agent_orders`` (attribution field or session) and
    ``silent_orders`` (attribution silent), counts of orders."""
    a = attribution.astype(object)
    flags = pd.DataFrame({"agent_orders": a.isin(SERVED).astype("int64"),
                          "silent_orders": (a == "silent").astype("int64")}, index=a.index)
    return flags.groupby(by.to_numpy()).sum()


def shop_daily(attributed: pd.DataFrame, kpis: pd.DataFrame, sessions: pd.DataFrame,
               traffic: pd.DataFrame, orders: pd.DataFrame, first, last,
               params: dict[str, Any], *, as_of=None, has_messages: bool = True,
               age: pd.Timedelta | None = None) -> pd.DataFrame:
    """One row per date in [first, last]: the shop's headline metrics of the day.

    - ``sales``, ``paid_orders`` (= ``orders``), ``buyers``, ``aov`` from the paid orders
      (:func:`sales_metrics.sales_metrics`, METRICS.md §5; days without orders: 0, AOV NaN);
    - ``agent_orders``, ``silent_orders`` (only with message logs, METRICS.md §4);
    - ``uv`` (Σ visitors of the stores, :func:`traffic_uv`) and ``store_conversion`` = buyers
      / uv (NaN when uv is 0 or missing);
    - Σ per date of the agent-day KPI counts (:data:`KPI_SUMS`) and ``reply_rate`` = replied /
      sessions, ``inquiry_conversion`` = inquiry buyers / inquiries (rates of the sums, NaN on
      a zero denominator);
    - with message logs: ``first_response_mean_s`` = mean over the day's sessions with a
      first response (seconds), ``first_response_p90_s`` its 90th percentile,
      ``same_day_conversion`` = :func:`conversion_at_age` one day after the day began
      (comparable across days, whatever the follow-up window), and with ``age`` given
      ``conversion_at_age`` = :func:`conversion_at_age` at that age (the history as it stood
      as long after each day as the data cut-off is after the report day); without:
      ``first_response_mean_s`` = the session-weighted mean of the agents' mean first-response
      times.
    """
    first, last = pd.Timestamp(first), pd.Timestamp(last)
    out = pd.DataFrame(index=pd.date_range(first, last, name="date"))
    if len(attributed):
        s = sales_metrics.sales_metrics(attributed, by=["date"], params=params).set_index("date")
        out["sales"] = s["sales"]
        out["paid_orders"] = s["orders"]
        out["buyers"] = s["buyers"]
        out["aov"] = s["aov"]
        if has_messages:
            counts = served_counts(attributed["attribution"], attributed["date"])
            out["agent_orders"] = counts["agent_orders"]
            out["silent_orders"] = counts["silent_orders"]
    for c in ("sales", "paid_orders", "buyers", "agent_orders", "silent_orders"):
        if c in out.columns:
            out[c] = out[c].fillna(0)
    out["orders"] = out.get("paid_orders")
    if not traffic.empty and "uv" in traffic.columns:
        out["uv"] = traffic_uv(traffic).groupby("date")["uv"].sum(min_count=1)
        out = add_rates(out, ["store_conversion"])
    if len(kpis):
        k = kpis.assign(date=pd.to_datetime(kpis["date"]).dt.normalize())
        num = k.groupby("date")[KPI_SUMS].sum(min_count=1)
        for c in num.columns:
            out[c] = num[c].astype("float64")
        out = add_rates(out, ["reply_rate", "inquiry_conversion"])
        if has_messages:
            fr = sessions.groupby("date")["first_response_s"]
            out["first_response_mean_s"] = fr.mean()
            out["first_response_p90_s"] = fr.quantile(0.9)
            out["same_day_conversion"] = same_day_conversion(sessions, orders, params, as_of)
            if age is not None:
                out["conversion_at_age"] = conversion_at_age(sessions, orders, params, age,
                                                             as_of)
        else:
            out["first_response_mean_s"] = weighted_mean(k["first_response_s"], k["sessions"],
                                                         k["date"])
    return out.reset_index()


def conversion_at_age(sessions: pd.DataFrame, orders: pd.DataFrame, params: dict[str, Any],
                      age: pd.Timedelta, as_of=None) -> pd.Series:
    """Per date P: the inquiry conversion as it stood ``age`` after P began (fraction).

    = pre-sale sessions of P whose customer paid from the session start to before
    min(P + ``age``, the end of the follow-up window P + ``followup_days`` + 1 day) / pre-sale
    sessions of P (one per agent × customer × day, as Σ inquiry buyers / Σ inquiries of the
    agent-days). With ``age`` ≥ ``followup_days`` + 1 days it is the settled inquiry conversion
    (METRICS.md §2); with ``age`` = one day the same-day conversion. A provisional day D with
    data up to ``as_of`` compares like for like with the history at ``age`` = as_of − D.
    Dates without pre-sale sessions are absent (no zero denominator). Source:
    :func:`inquiry_outcomes` (``first_paid_at``, ``window_end``)."""
    oc = inquiry_outcomes(sessions, orders, params, as_of=as_of)
    cut = np.minimum((oc["date"] + pd.Timedelta(age)).to_numpy(), oc["window_end"].to_numpy())
    paid = pd.Series(oc["first_paid_at"].to_numpy() < cut, index=oc.index)
    g = paid.groupby(oc["date"])
    return g.sum() / g.size()


def same_day_conversion(sessions: pd.DataFrame, orders: pd.DataFrame, params: dict[str, Any],
                        as_of=None) -> pd.Series:
    """Per date: pre-sale sessions whose customer paid before the end of that day / pre-sale
    sessions (fraction; dates without pre-sale sessions are absent):
    :func:`conversion_at_age` at one day."""
    return conversion_at_age(sessions, orders, params, pd.Timedelta(days=1), as_of)


def promo_days(promos: pd.DataFrame | None) -> pd.Series:
    """The promo days of the ``promos`` table: date → the promo's name (its display name when
    the export kept one), every day from ``start`` to ``end`` inclusive, sorted; empty
    without promos. Baselines leave these days out (a promo is not a normal day)."""
    if promos is None or promos.empty or not {"start", "end"} <= set(promos.columns):
        return pd.Series(dtype=object, index=pd.DatetimeIndex([], name="date"))
    shown = (promos["name"].astype(object) if "name" in promos.columns
             else pd.Series("", index=promos.index, dtype=object))
    for col in ("display_name", "活动显示名"):  # a display name column kept from the export
        if col in promos.columns:
            shown = promos[col].astype(object).where(promos[col].notna(), shown)
    days: dict[pd.Timestamp, str] = {}
    for name, start, end in zip(shown, pd.to_datetime(promos["start"], errors="coerce"),
                                pd.to_datetime(promos["end"], errors="coerce"), strict=True):
        if pd.isna(start) or pd.isna(end):
            continue
        for d in pd.date_range(start.normalize(), end.normalize()):
            days.setdefault(d, str(name))
    out = pd.Series(days, dtype=object).sort_index()
    return out.rename_axis("date")


def weighted_mean(values: pd.Series, weights: pd.Series, by: pd.Series) -> pd.Series:
    """Per group of ``by``: Σ weight × value / Σ weight over the rows with a value (e.g. the
    session-weighted first response of agent-day rows). A group without values → NaN."""
    v = pd.to_numeric(values, errors="coerce").astype("float64")
    w = pd.to_numeric(weights, errors="coerce").astype("float64")
    num = (w * v).groupby(by).sum(min_count=1)
    den = w.where(v.notna()).groupby(by).sum(min_count=1)
    return ratio(num, den)


def same_weekday_days(day, weeks: int = 4, exclude=()) -> list[pd.Timestamp]:
    """The same weekday in the ``weeks`` weeks before ``day``, latest first, the days of
    ``exclude`` (e.g. :func:`promo_days`) left out."""
    out = [pd.Timestamp(day).normalize() - pd.Timedelta(weeks=k) for k in range(1, weeks + 1)]
    skip = {pd.Timestamp(d).normalize() for d in exclude}
    return [d for d in out if d not in skip]


def same_weekday_median(series: pd.Series, day, weeks: int = 4, exclude=()) -> float:
    """The median of ``series`` (index: dates) on the same weekday in the ``weeks`` weeks
    before ``day``, the days of ``exclude`` (promo days) left out (missing days skipped; NaN
    when none is left)."""
    return series.reindex(same_weekday_days(day, weeks, exclude)).median()


def change_vs(value: float, base: float, kind: str) -> float:
    """A value's change against its baseline: the difference (fractions) for a ``rate``,
    the relative change value / base − 1 otherwise; NaN when either is missing or the base
    is 0 (relative change)."""
    if pd.isna(value) or pd.isna(base):
        return np.nan
    if kind == "rate":
        return float(value) - float(base)
    return ratio(value, base) - 1 if base else np.nan
