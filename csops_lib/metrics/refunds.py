"""After-sales refund metrics (METRICS.md §5, table ``refunds``)."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from csops_lib.metrics._common import as_ns, ratio, require


def refund_metrics(refunds: pd.DataFrame, by: Sequence[str] | None = ("date",)) -> pd.DataFrame:
    """Refund processing time and resolution rates per group (METRICS.md §5).

    * ``refund_processing_h`` = closed_at − applied_at in hours, over closed refunds (with
      ``closed_at``): ``refund_processing_p50_h`` (median) and ``refund_processing_p90_h``
      (linear interpolation); NaN without closed refunds;
    * ``refund_self_resolved_rate`` (退款自主完结率) = closed refunds without platform
      intervention (``platform_intervened`` not true) / closed refunds;
    * ``refund_dispute_rate`` (退款纠纷率) = refunds with a dispute / refunds, a dispute being a
      refund the platform intervened in (小二介入, ``platform_intervened`` true: the export has
      no separate dispute verdict);
    both NaN when their denominator is 0 (and without ``platform_intervened``).
    Grouping: ``date`` = day of ``applied_at`` (derived), or any refunds column (e.g. agent);
    ``None`` = one overall row. Columns: *by*, refunds, closed_refunds, refund_amount,
    refund_processing_p50_h, refund_processing_p90_h, self_resolved, refund_self_resolved_rate,
    disputes, refund_dispute_rate.
    """
    require(refunds, ["applied_at"], "refunds")
    df = refunds.copy()
    df["applied_at"] = as_ns(df["applied_at"])
    df["date"] = df["applied_at"].dt.normalize()
    closed_at = as_ns(df["closed_at"]) if "closed_at" in df.columns else pd.Series(
        pd.NaT, index=df.index, dtype="datetime64[ns]")
    df["_closed"] = closed_at.notna()
    df["_hours"] = (closed_at - df["applied_at"]).dt.total_seconds() / 3600.0
    has_pi = "platform_intervened" in df.columns
    pi = (df["platform_intervened"].astype("boolean").fillna(False).astype(bool) if has_pi
          else pd.Series(False, index=df.index))
    df["_self"] = df["_closed"] & ~pi
    df["_dispute"] = pi
    df["_amount"] = (pd.to_numeric(df["amount"], errors="coerce").astype("float64")
                     if "amount" in df.columns else np.nan)
    by = list(by or [])
    keys = by or ["_all"]
    if not by:
        df["_all"] = 0
    g = df.groupby(keys, sort=True, dropna=False)
    out = g.agg(refunds=("_closed", "size"), closed_refunds=("_closed", "sum"),
                refund_amount=("_amount", "sum"),
                refund_processing_p50_h=("_hours", "median"),
                refund_processing_p90_h=("_hours", lambda x: x.quantile(0.9)),
                self_resolved=("_self", "sum"), disputes=("_dispute", "sum"))
    out["refund_self_resolved_rate"] = ratio(out["self_resolved"], out["closed_refunds"])
    out["refund_dispute_rate"] = ratio(out["disputes"], out["refunds"])
    if not has_pi:
        out[["refund_self_resolved_rate", "refund_dispute_rate"]] = np.nan
    out = out.reset_index()
    if not by:
        out = out.drop(columns="_all")
    return out[[*by, "refunds", "closed_refunds", "refund_amount", "refund_processing_p50_h",
                "refund_processing_p90_h", "self_resolved", "refund_self_resolved_rate",
                "disputes", "refund_dispute_rate"]]
