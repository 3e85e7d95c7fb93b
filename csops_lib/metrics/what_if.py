"""What-if calculators (the what-if report's formulas; METRICS.md §3, §5, §7).

* :func:`uplift_sales` — per agent, conversion c = inquiry_buyers / inquiries; with an uplift u
  the new conversion is c' = min(c + u, 1) (``mode="points"``: u in percentage points as a
  fraction, 0.02 = +2 pp) or min(c × (1 + u), 1) (``mode="relative"``); extra buyers =
  inquiries × (c' − c); extra sales = extra buyers × the agent's AOV (sales / buyers; the
  shop's AOV for an agent without buyers). The base period's numbers, all else equal.
* :func:`uplift_total` — the shop total of :func:`uplift_sales`: conversions weighted by
  inquiries (= Σ buyers / Σ inquiries), extra buyers and sales summed.
* :func:`mean_per_hour` — sessions per hour of day = the mean over the days of the sessions
  started in that hour (0 for an hour without any).
* :func:`staffing_gap` — agents short per hour = (agents needed − agents on shift)⁺.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from csops_lib.metrics._common import ratio

HOURS = range(24)


def uplift_sales(metrics: pd.DataFrame, uplift: float, mode: str = "points") -> pd.DataFrame:
    """Extra buyers and sales per agent if inquiry conversion rose by ``uplift`` (module
    docstring). ``metrics``: index agent with inquiries, inquiry_buyers, sales, buyers (e.g.
    :func:`csops_lib.metrics.scorecard.period_metrics`). Returns per agent: inquiries,
    inquiry_conversion, new_conversion, aov (yuan), extra_buyers, extra_sales (yuan); agents
    without inquiries: conversion NaN, 0 extra."""
    if mode not in ("points", "relative"):
        raise ValueError(f"mode must be points or relative, not {mode!r}")
    if not np.isfinite(uplift) or uplift < 0:
        raise ValueError(f"uplift must be ≥ 0, not {uplift!r}")
    m = metrics[["inquiries", "inquiry_buyers", "sales", "buyers"]].astype("float64").fillna(0.0)
    inq = m["inquiries"]
    conv = ratio(m["inquiry_buyers"], inq)
    new = (conv + uplift) if mode == "points" else conv * (1 + uplift)
    new = new.clip(upper=1.0)
    shop_aov = ratio(m["sales"].sum(), m["buyers"].sum())
    aov = ratio(m["sales"], m["buyers"]).fillna(shop_aov)
    extra_buyers = (inq * (new - conv)).fillna(0.0)
    out = pd.DataFrame({"inquiries": inq, "inquiry_conversion": conv, "new_conversion": new,
                        "aov": aov, "extra_buyers": extra_buyers,
                        "extra_sales": extra_buyers * aov.fillna(0)})
    out.index.name = "agent"
    return out


def uplift_total(uplift: pd.DataFrame) -> dict[str, float]:
    """The total row of :func:`uplift_sales` over its agents with inquiries: inquiries summed,
    inquiry_conversion and new_conversion weighted by inquiries (NaN without inquiries),
    extra_buyers and extra_sales summed, aov NaN (not a total)."""
    u = uplift[uplift["inquiries"] > 0]
    inq = float(u["inquiries"].sum())
    return {"inquiries": inq,
            "inquiry_conversion": ratio((u["inquiry_conversion"] * u["inquiries"]).sum(), inq),
            "new_conversion": ratio((u["new_conversion"] * u["inquiries"]).sum(), inq),
            "aov": np.nan, "extra_buyers": float(u["extra_buyers"].sum()),
            "extra_sales": float(u["extra_sales"].sum())}


def mean_per_hour(per_hour: pd.DataFrame) -> pd.Series:
    """Mean sessions started per hour of day (index 0–23) over the dates of ``per_hour``
    (columns date, hour, sessions; every date should carry all 24 hours, as
    :func:`csops_lib.metrics.staffing.sessions_per_hour` gives); an hour absent → 0."""
    s = pd.to_numeric(per_hour["sessions"], errors="coerce").astype("float64")
    return s.groupby(per_hour["hour"]).mean().reindex(HOURS, fill_value=0.0)


def staffing_gap(needed: pd.Series, on_shift: pd.Series) -> pd.Series:
    """Agents short per hour: (needed − on shift), never below 0."""
    return (needed.astype("int64") - on_shift.astype("int64")).clip(lower=0)


def uplift_headline(metrics: pd.DataFrame, uplift: pd.DataFrame) -> dict[str, float]:
    """The what-if's one-sentence summary: ``inquiries`` (Σ over agents), today's
    ``conversion`` = Σ inquiry_buyers / Σ inquiries, ``extra_buyers`` and ``extra_sales`` (Σ
    of :func:`uplift_sales`), and ``share`` = extra_sales / Σ sales (the uplift as a share
    of the period's agent-credited sales). Zero inquiries or sales → NaN (METRICS.md §3, §5)."""
    inq = float(metrics["inquiries"].sum())
    extra = float(uplift["extra_sales"].sum())
    return {"inquiries": inq,
            "conversion": ratio(float(metrics["inquiry_buyers"].sum()), inq),
            "extra_buyers": float(uplift["extra_buyers"].sum()), "extra_sales": extra,
            "share": ratio(extra, float(metrics["sales"].sum()))}
