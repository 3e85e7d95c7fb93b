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
