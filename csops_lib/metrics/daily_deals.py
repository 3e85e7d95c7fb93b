"""The day's deals and agents as the daily report shows them (METRICS.md §4–§5): top groups
with the rest summed, shares of the day's orders and sales, orders by attribution and by
payment slot, and the total row of the per-agent KPI table.

Shares are fractions of the day's total (NaN when that total is 0); a total row is computed
from sums (rates recomputed from their numerator and denominator, never averaged).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from csops_lib.metrics import sales as sales_metrics
from csops_lib.metrics._common import ratio
from csops_lib.metrics.daily_shop import served_counts

#: the value standing for "the rest" in a top-n table and for the total row (the report's
#: view shows their labels)
OTHER = "other"
TOTAL = "total"
#: attribution kinds in the order the report lists them (NaN attribution → ``unknown``)
ATTRIBUTIONS = ("field", "session", "silent", "unknown")
#: additive agent-day KPI counts summed in the total row
AGENT_SUMS = ("sessions", "presale_sessions", "inquiries", "inquiry_buyers", "orders", "sales",
              "slow_sessions", "long_sessions")


def shares(frame: pd.DataFrame, of: pd.DataFrame | None = None) -> pd.DataFrame:
    """``frame`` with ``share_orders`` = orders / Σ orders and ``share_sales`` = sales /
    Σ sales (fractions), the sums taken over ``of`` (default: ``frame``); NaN when a sum is 0."""
    of = frame if of is None else of
    return frame.assign(share_orders=ratio(frame["orders"], of["orders"].sum()),
                        share_sales=ratio(frame["sales"], of["sales"].sum()))


def top_with_other(paid: pd.DataFrame, by: str, n: int, params: dict[str, Any],
                   sort: str = "orders") -> pd.DataFrame:
    """The day's ``n`` largest groups of ``by`` (by ``sort``: orders then sales, or sales
    then orders) with orders, sales (yuan) and items, the rest summed into one :data:`OTHER`
    row, and their shares of the day's orders and sales (:func:`shares`). A missing group
    value is ``–``."""
    cols = [by, "orders", "sales", "items", "share_orders", "share_sales"]
    if paid.empty or by not in paid.columns:
        return pd.DataFrame(columns=cols)
    s = sales_metrics.sales_metrics(paid.assign(**{by: paid[by].fillna("–")}), by=[by],
                                    params=params)
    s = s.sort_values([sort, "sales" if sort == "orders" else "orders"], ascending=False,
                      kind="stable")
    top, rest = s.head(n), s.iloc[n:]
    out = top[[by, "orders", "sales", "items"]].copy()
    if len(rest):
        out = pd.concat([out, pd.DataFrame({by: [OTHER], "orders": [rest["orders"].sum()],
                                            "sales": [rest["sales"].sum()],
                                            "items": [rest["items"].sum()]})],
                        ignore_index=True)
    return shares(out, s).reset_index(drop=True)[cols]


def attribution_mix(paid: pd.DataFrame) -> pd.DataFrame:
    """The day's paid orders by attribution (:data:`ATTRIBUTIONS`): orders, sales (yuan),
    shares of orders and sales, and a :data:`TOTAL` row (shares 1, or NaN without sales)."""
    cols = ["attribution", "orders", "sales", "share_orders", "share_sales"]
    if paid.empty:
        return pd.DataFrame(columns=cols)
    kind = paid["attribution"].astype(object).where(paid["attribution"].notna(), "unknown")
    g = paid.groupby(kind)
    out = pd.DataFrame({"orders": g.size(), "sales": g["_amount"].sum()})
    out = out.reindex([o for o in ATTRIBUTIONS if o in out.index])
    out = shares(out).rename_axis("attribution").reset_index()
    total = pd.DataFrame([{"attribution": TOTAL, "orders": out["orders"].sum(),
                           "sales": out["sales"].sum()}])
    out = pd.concat([out, shares(total)], ignore_index=True)
    return out[cols]


def pay_slot_mix(paid: pd.DataFrame, *, has_messages: bool = True) -> pd.DataFrame:
    """Per payment slot (hour) of the day's paid orders: orders, agent-served and silent
    orders (silent NaN without message logs), sales (yuan) and the share of the day's orders."""
    cols = ["pay_slot", "orders", "agent_orders", "silent_orders", "sales", "share_orders"]
    if paid.empty:
        return pd.DataFrame(columns=cols)
    g = paid.groupby("pay_slot", sort=True)
    out = pd.DataFrame({"orders": g.size(), "sales": g["_amount"].sum()})
    out = out.join(served_counts(paid["attribution"], paid["pay_slot"]))
    if not has_messages:
        out["silent_orders"] = np.nan
    out["share_orders"] = ratio(out["orders"], out["orders"].sum())
    return out.rename_axis("pay_slot").reset_index()[cols]


def agent_total(agents: pd.DataFrame, replied: pd.Series, *, first_response_mean_s: float,
                avg_response_s: float) -> dict[str, Any]:
    """The total row of a per-agent day table: Σ of the additive counts (:data:`AGENT_SUMS`,
    NaN when all missing), the largest ``max_concurrent``, ``reply_rate`` = Σ replied / Σ
    sessions and ``inquiry_conversion`` = Σ inquiry buyers / Σ inquiries (NaN on a zero
    denominator); the shop's response times are given (:func:`session_mean_response`,
    :func:`csops_lib.metrics.daily_shop.shop_daily`)."""
    def num(c):
        return pd.to_numeric(agents[c], errors="coerce").astype("float64")

    tot: dict[str, Any] = {"agent": TOTAL}
    for c in AGENT_SUMS:
        tot[c] = num(c).sum(min_count=1)
    tot["max_concurrent"] = num("max_concurrent").max()
    rep = pd.to_numeric(replied, errors="coerce").astype("float64").to_numpy()
    tot["reply_rate"] = np.nansum(rep) / tot["sessions"] if tot["sessions"] else np.nan
    tot["inquiry_conversion"] = (tot["inquiry_buyers"] / tot["inquiries"]
                                 if tot["inquiries"] else np.nan)
    tot["first_response_mean_s"] = first_response_mean_s
    tot["avg_response_s"] = avg_response_s
    return tot


def session_mean_response(sessions: pd.DataFrame | None, agents: pd.DataFrame) -> float:
    """The shop's average response time of the day (seconds): the mean over the day's
    sessions (with message logs, ``sessions`` given), else the session-weighted mean of the
    agents' ``avg_response_s`` (rows with a value); NaN without any."""
    if sessions is not None:
        return sessions["avg_response_s"].mean()
    sess = pd.to_numeric(agents["sessions"], errors="coerce").astype("float64")
    avg = pd.to_numeric(agents["avg_response_s"], errors="coerce").astype("float64")
    return (sess * avg).sum(min_count=1) / sess[avg.notna()].sum()
