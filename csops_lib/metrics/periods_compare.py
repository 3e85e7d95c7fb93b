"""A report period against the periods before it (the weekly and monthly review).

Every function is pure (frames in, frames out) and never modifies its input. Rates are
recomputed from sums (METRICS.md §1–§5, :mod:`csops_lib.metrics.rollups`); a zero or missing
denominator gives NaN (:func:`csops_lib.metrics._common.ratio`), never 0.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from csops_lib.metrics._common import ratio
from csops_lib.metrics.daily_shop import promo_days as daily_promo_days


def period_index(dates, start: dt.date, kind: str) -> pd.Series:
    """The period index of each date against the period starting on ``start``: 0 = that
    period, −1 the one before, … (``kind`` ``week``: Monday–Sunday weeks; ``month``: calendar
    months). Times are cut to their day; missing dates give NaN."""
    d = pd.to_datetime(pd.Series(dates)).dt.normalize()
    if kind == "week":
        return (d - pd.Timestamp(start)).dt.days // 7
    if kind == "month":
        return (d.dt.year - start.year) * 12 + (d.dt.month - start.month)
    raise ValueError(f"kind must be week or month, not {kind!r}")


def change(current, previous, *, rate: bool) -> float:
    """The change of a metric between two periods: for a rate (a fraction) the difference in
    percentage points, ``(current − previous) × 100``; for anything else the relative change
    ``(current − previous) / previous`` (a fraction). NaN when either value is missing, and
    for a relative change when ``previous`` is 0."""
    if pd.isna(current) or pd.isna(previous):
        return np.nan
    if rate:
        return (current - previous) * 100
    return np.nan if previous == 0 else (current - previous) / previous


def period_average(frame: pd.DataFrame, rows: Iterable) -> pd.Series:
    """The mean of each column over the rows ``rows`` (the earlier periods with complete
    data) that ``frame`` has; for a rate the mean of the periods' rates (METRICS.md: the
    review's "average"). All NaN when no row is given."""
    rows = [i for i in rows if i in frame.index]
    return frame.loc[rows].mean() if rows else pd.Series(np.nan, index=frame.columns)


def store_conversion(paid: pd.DataFrame, uv: pd.DataFrame, by: str) -> pd.DataFrame:
    """Store conversion (全店转化率) per ``by`` (a column of both frames, e.g. ``date`` or a
    period index): Σ of each store-day's distinct paying buyers / Σ visitors (UV) of those
    days (METRICS.md §5).

    ``paid``: paid orders with ``date``, ``_cust`` (customer key) and maybe ``store``
    (:func:`csops_lib.metrics.sales.paid_orders`); ``uv``: daily UV per store with ``date``
    and ``uv`` (:func:`csops_lib.metrics.conversion.traffic_uv`). Columns: ``uv`` (NaN when
    every value is missing), ``day_buyers``, ``store_conversion`` (a fraction; NaN when the
    UV is 0 or missing), indexed by ``by``.
    """
    keys = list(dict.fromkeys([by, "date", *(["store"] if "store" in paid else [])]))
    day_buyers = paid.groupby(keys)["_cust"].nunique().groupby(level=by).sum()
    out = pd.DataFrame({"uv": uv.groupby(by)["uv"].sum(min_count=1)})
    out["day_buyers"] = day_buyers
    out["store_conversion"] = ratio(out["day_buyers"], out["uv"])
    return out


def attribution_split(attributed: pd.DataFrame, by: str) -> pd.DataFrame:
    """Paid orders split by how they were credited (METRICS.md §4, ``attribute_orders``):
    per ``by``, the sales (yuan, Σ amount; a missing amount counts 0) and orders credited by
    the order's agent field (``field_sales``), by a pre-sale chat (``session_sales``), and
    silent; ``agent_sales`` = field + session; ``silent_share`` = silent sales / (agent +
    silent sales), NaN when there are no sales. Columns: field_sales, session_sales,
    agent_sales, silent_sales, agent_orders, silent_orders, silent_share (indexed by ``by``).
    """
    amount = pd.to_numeric(attributed["amount"], errors="coerce").fillna(0.0)
    frame = pd.DataFrame({by: attributed[by].to_numpy(), "how": attributed["attribution"]
                          .to_numpy(), "amount": amount.to_numpy()})
    grouped = frame.groupby([by, "how"])["amount"].agg(["sum", "size"]).unstack("how")

    def col(stat: str, how: str) -> pd.Series:
        if (stat, how) in grouped.columns:
            return grouped[(stat, how)].fillna(0.0)
        return pd.Series(0.0, index=grouped.index)

    out = pd.DataFrame({
        "field_sales": col("sum", "field"), "session_sales": col("sum", "session"),
        "agent_sales": col("sum", "field") + col("sum", "session"),
        "silent_sales": col("sum", "silent"),
        "agent_orders": col("size", "field") + col("size", "session"),
        "silent_orders": col("size", "silent"),
    })
    out["silent_share"] = ratio(out["silent_sales"], out["agent_sales"] + out["silent_sales"])
    return out


def silent_sales(attributed: pd.DataFrame, by: str) -> pd.Series:
    """Σ amount of the silent orders (``attribution == "silent"``) per ``by`` (yuan; a
    missing amount counts 0; groups without silent orders give 0)."""
    amount = pd.to_numeric(attributed["amount"], errors="coerce").fillna(0.0)
    return amount.where(attributed["attribution"].eq("silent"), 0.0).groupby(
        attributed[by]).sum()


def silent_share(silent: pd.Series, sales: pd.Series) -> pd.Series:
    """Silent share of sales (静默销售占比) = silent sales / sales (METRICS.md §4); NaN when
    the sales are 0 or missing."""
    return ratio(silent, sales)


def first_response_stats(sessions: pd.DataFrame, by: str | Sequence[str]) -> pd.DataFrame:
    """Per ``by``: sessions, and the median (``first_response_p50_s``) and 90th percentile
    (``first_response_p90_s``, linear interpolation) of the sessions' first response in
    seconds (METRICS.md §2); NaN for a group without an answered session."""
    g = sessions.groupby(by)
    return pd.DataFrame({"sessions": g.size(),
                         "first_response_p50_s": g["first_response_s"].median(),
                         "first_response_p90_s": g["first_response_s"].quantile(0.9)})


def first_response_quantiles(sessions: pd.DataFrame, by: str) -> pd.DataFrame:
    """The p50 and p90 of the first response (s) per ``by`` computed together
    (``quantile([0.5, 0.9])``, linear interpolation): columns first_response_p50_s,
    first_response_p90_s."""
    q = sessions.groupby(by)["first_response_s"].quantile([0.5, 0.9]).unstack()
    return pd.DataFrame({"first_response_p50_s": q[0.5], "first_response_p90_s": q[0.9]})


def weighted_first_response(kpis: pd.DataFrame, by: str) -> pd.Series:
    """The platform's mean first response (s) of several agent-days, weighted by their
    sessions: Σ(first_response_s × sessions) / Σ sessions per ``by`` over the rows that have
    both; NaN when the sessions sum to 0 (agent_stats exports, METRICS.md §2)."""
    w = kpis.dropna(subset=["first_response_s", "sessions"])
    num = (w["first_response_s"] * w["sessions"]).groupby(w[by]).sum()
    return ratio(num, w.groupby(by)["sessions"].sum())


def dsr_means(dsr: pd.DataFrame, by: Sequence[str],
              dims: Sequence[str] = ("description", "service", "logistics")) -> pd.DataFrame:
    """Mean daily DSR score of each dimension present (description, service, logistics;
    1–5 points) per ``by`` (missing scores left out)."""
    dims = [c for c in dims if c in dsr]
    return dsr.groupby(list(by))[dims].mean()


def shares(counts: pd.Series, total) -> pd.Series:
    """Each count's share of ``total`` (a fraction); NaN when the total is 0."""
    return ratio(counts, total)


def orders_per_uv(orders: pd.Series, uv: pd.Series) -> pd.Series:
    """Orders per visitor (订单/访客) = paid orders / UV of the same rows (e.g. a province);
    NaN when the UV is 0 or missing."""
    return ratio(orders, uv)


def agent_served_sales(sales, share):
    """Agent-served sales (yuan) from the sales and the silent share of sales:
    sales × (1 − silent share) (METRICS.md §4); NaN when either is missing."""
    return sales * (1 - share)


def promo_days(promos: pd.DataFrame, start, end) -> pd.DatetimeIndex:
    """The calendar days from ``start`` to ``end`` (inclusive) that a promo covers: the days
    of :func:`csops_lib.metrics.daily_shop.promo_days` (the one rule: every day from the day
    of a promo's ``start`` to the day of its ``end``; rows without both times are ignored)
    within the span."""
    days = daily_promo_days(promos).index
    lo, hi = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    return pd.DatetimeIndex(days[(days >= lo) & (days <= hi)], name="date")


def scale_to_period(totals: pd.DataFrame, days: pd.Series, kept: pd.Series,
                    additive: Iterable[str]) -> pd.DataFrame:
    """Period totals computed over some of their days (``kept`` days of ``days``, e.g. the
    days without a promo) scaled back to whole periods: each ``additive`` column (a sum or a
    count: sales, orders, visitors, sessions…) × days / kept, the per-day level over the kept
    days times the period's length. Rates, medians and means are left as they are (computed
    over the kept days). Rows (periods) with no kept day are all NaN; ``days`` and ``kept``
    are indexed like ``totals``. A distinct count (buyers) scaled this way is an estimate:
    a buyer seen on two days counts once."""
    out = totals.copy()
    days = pd.to_numeric(days.reindex(out.index), errors="coerce").astype("float64")
    kept = pd.to_numeric(kept.reindex(out.index), errors="coerce").astype("float64")
    factor = ratio(days, kept.where(kept > 0))
    cols = [c for c in additive if c in out.columns]
    out[cols] = out[cols].astype("float64").mul(factor, axis=0)
    out.loc[~(kept > 0).to_numpy()] = np.nan
    return out
