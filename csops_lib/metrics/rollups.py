"""Rates of a period, a team or a week recomputed from sums (never averaged).

Reports add up agent-day KPI rows (sums of counts) and then need the rates of the total:
:func:`add_rates` recomputes every rate whose numerator and denominator columns are present,
:func:`rollup` groups and sums first. Source: METRICS.md §1–§3 (each rate is the ratio of two
sums over the same rows); a zero or missing denominator gives NaN, never 0.
"""
from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from csops_lib.metrics._common import ratio

#: rate → (numerator, denominator), both additive columns
RATES: dict[str, tuple[str, str]] = {
    # METRICS.md §2: reply rate = sessions with an agent answer / sessions
    "reply_rate": ("replied", "sessions"),
    # §3: inquiry conversion = inquiring customers who paid in the window / inquiries
    "inquiry_conversion": ("inquiry_buyers", "inquiries"),
    # §5: AOV (客单价) = sales / paying buyers (yuan per buyer)
    "aov": ("sales", "buyers"),
    # §5: store conversion = paying buyers / visitors (UV)
    "store_conversion": ("buyers", "uv"),
    # §5: unit price = sales / items; items per buyer = items / buyers
    "unit_price": ("sales", "items"),
    "items_per_buyer": ("items", "buyers"),
}


def add_rates(frame: pd.DataFrame, rates: Sequence[str] | None = None) -> pd.DataFrame:
    """A copy of ``frame`` with each rate of :data:`RATES` (or of ``rates``) recomputed from
    its numerator and denominator columns; rates whose columns are absent are left as they
    are. Units: fractions (reply_rate, conversions), yuan (aov, unit_price), items per buyer.
    Zero or missing denominator → NaN."""
    out = frame.copy()
    for name in rates or RATES:
        num, den = RATES[name]
        if num in out.columns and den in out.columns:
            out[name] = ratio(out[num], out[den]).astype("float64")
    return out


def rollup(frame: pd.DataFrame, by: str | Sequence[str] | None, sums: Sequence[str],
           rates: Sequence[str] | None = None) -> pd.DataFrame:
    """Sum the additive columns ``sums`` per ``by`` (``None``: one total row) and recompute
    the rates from the sums (:func:`add_rates`). A group whose values are all missing stays
    missing (``min_count=1``), so a count the source lacks is not shown as 0."""
    cols = [c for c in sums if c in frame.columns]
    if by is None or (not isinstance(by, str) and len(by) == 0):
        total = frame[cols].apply(pd.to_numeric, errors="coerce").sum(min_count=1)
        out = total.to_frame().T.reset_index(drop=True)
    else:
        keys = [by] if isinstance(by, str) else list(by)
        out = (frame[keys + cols].groupby(keys, dropna=False, sort=True)[cols]
               .sum(min_count=1).reset_index())
    return add_rates(out, rates)


#: more rates recomputed from sums in a KPI rollup (numerator, denominator), METRICS.md §2–§3
KPI_RATES: dict[str, tuple[str, str]] = {
    "next_day_conversion": ("next_day_buyers", "inquiries"),
    "callin_conversion": ("inquiries", "uv"),
    "silent_conversion": ("silent_buyers", "uv"),
}
#: additive KPI columns (counts and money): a period's value is the sum of its days
KPI_SUMS = ("sessions", "presale_sessions", "replied", "unanswered", "slow_sessions",
            "long_sessions", "inquiries", "inquiry_buyers", "orders", "sales", "buyers",
            "next_day_buyers", "items", "refunds", "refund_amount", "uv", "silent_buyers")
#: per-day means over answered sessions: a period's mean weights each day by its answered
#: sessions (``replied``), which gives exactly the mean over the period's answered sessions
KPI_WEIGHTED = {"first_response_s": "replied", "avg_response_s": "replied"}
#: the largest value of the period's days
KPI_MAX = ("max_concurrent",)
PERIODS = ("day", "week", "month")


def period_start(dates: pd.Series, per: str) -> pd.Series:
    """The first day of each date's period: the date itself (``day``), its ISO week's Monday
    (``week``) or its month's first day (``month``)."""
    d = pd.to_datetime(dates).dt.normalize()
    if per == "day":
        return d
    if per == "week":
        return d - pd.to_timedelta(d.dt.day_of_week, unit="D")
    if per == "month":
        return d.dt.to_period("M").dt.to_timestamp()
    raise ValueError(f"per must be one of {', '.join(PERIODS)}, got {per!r}")


def rollup_kpis(table: pd.DataFrame, per: str = "week", keys: Sequence[str] = ("agent",)
                ) -> pd.DataFrame:
    """Daily KPI rows (``csops kpis``: ``date`` + ``keys``) rolled up to weeks or months.

    Definition: per (period, keys) the additive columns (:data:`KPI_SUMS`) are summed; every
    rate is recomputed from those sums (:data:`RATES`, :data:`KPI_RATES`: e.g. inquiry
    conversion = Σ inquiry_buyers / Σ inquiries, never a mean of daily rates);
    ``first_response_s`` and ``avg_response_s`` are the means of the daily means weighted by
    the days' answered sessions (= the mean over the period's answered sessions, METRICS.md
    §3); ``max_concurrent`` is the largest daily value. Columns that cannot be recomputed
    from daily rows (turn quantiles ``response_p50_s``/``response_p90_s``,
    ``within_3min_rate``, ``platform_avg_response_s``, ``answer_question_ratio``,
    ``auto_first_share``) are left out. ``provisional`` is true when any day is.
    ``date`` becomes the period's first day. Units as in the daily table; a zero denominator
    gives NaN. ``per="day"`` returns the table unchanged.
    """
    if per == "day":
        return table.copy()
    keys = [k for k in keys if k in table.columns]
    t = table.copy()
    t["date"] = period_start(t["date"], per)
    group = ["date", *keys]
    sums = [c for c in KPI_SUMS if c in t.columns]
    out = t.groupby(group, sort=True, dropna=False)[sums].sum(min_count=1)
    for col, weight in KPI_WEIGHTED.items():
        if col in t.columns and weight in t.columns:
            w = pd.to_numeric(t[weight], errors="coerce").astype("float64")
            v = pd.to_numeric(t[col], errors="coerce").astype("float64")
            w = w.where(v.notna(), 0.0)
            num = (v.fillna(0.0) * w).groupby([t[g] for g in group], sort=True,
                                              dropna=False).sum()
            den = w.groupby([t[g] for g in group], sort=True, dropna=False).sum()
            out[col] = ratio(num, den)
    for col in KPI_MAX:
        if col in t.columns:
            out[col] = t.groupby(group, sort=True, dropna=False)[col].max()
    if "provisional" in t.columns:
        out["provisional"] = t.groupby(group, sort=True, dropna=False)["provisional"].any()
    out = add_rates(out.reset_index(), [r for r in RATES if r in table.columns])
    for name, (num, den) in KPI_RATES.items():
        if name in table.columns and num in out.columns and den in out.columns:
            out[name] = ratio(out[num], out[den]).astype("float64")
    order = [c for c in table.columns if c in out.columns]
    return out[order + [c for c in out.columns if c not in order]]
