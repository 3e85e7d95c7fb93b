"""The daily conversion funnel from the supervisor's per-agent tally (METRICS.md §1,
table ``agent_daily``)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from csops_lib.metrics._common import ratio, require

TALLY_COUNTS = ("total_received", "silent_checks", "after_sales", "ad_contacts",
                "brushing_contacts", "followups", "account_switch", "followup_failed",
                "inquiry_failed")
DERIVED = ("inquiries", "followup_converted", "inquiry_converted", "total_converted")


def _derive(agent_daily: pd.DataFrame) -> pd.DataFrame:
    require(agent_daily, ["date", "agent", "total_received"], "agent_daily")
    df = agent_daily.copy()
    c = {}
    for col in TALLY_COUNTS:  # an optional count absent from the tally is 0
        c[col] = (pd.to_numeric(df[col], errors="coerce").astype("Int64") if col in df.columns
                  else pd.Series(0, index=df.index, dtype="Int64"))
    df["inquiries"] = (c["total_received"] - c["silent_checks"] - c["after_sales"]
                       - c["ad_contacts"] - c["brushing_contacts"] - c["followups"]
                       - c["account_switch"])
    df["followup_converted"] = c["followups"] - c["followup_failed"]
    df["inquiry_converted"] = df["inquiries"] - c["inquiry_failed"]
    df["total_converted"] = df["inquiry_converted"] + df["followup_converted"]
    return df


def _reasons(df: pd.DataFrame) -> pd.Series:
    parts = []
    texts = {
        "inquiries": "inquiries (询单人数) = total_received − silent_checks − after_sales − "
                     "ad_contacts − brushing_contacts − followups − account_switch = {} < 0",
        "followup_converted": "followup_converted (追单成交人数) = followups − "
                              "followup_failed = {} < 0",
        "inquiry_converted": "inquiry_converted (询单成交人数) = inquiries − "
                             "inquiry_failed = {} < 0",
        "total_converted": "total_converted (总成交人数) = {} < 0",
    }
    for col in DERIVED:
        v = df[col]
        neg = (v < 0).fillna(False).astype(bool)
        parts.append(pd.Series(np.where(neg, texts[col].split("{}")[0]
                                        + v.astype("string").fillna("")
                                        + texts[col].split("{}")[1], ""), index=df.index))
    joined = parts[0]
    for part in parts[1:]:
        joined = joined.str.cat(part, sep="; ")
    return joined.str.replace(r"^(; )+|(; )+$", "", regex=True).str.replace(
        r"(; ){2,}", "; ", regex=True)


def inconsistent_tally_rows(agent_daily: pd.DataFrame) -> pd.DataFrame:
    """Tally rows with a negative derived count (METRICS.md §1: "quarantined with the reason,
    not silently clipped"), e.g. more follow-up failures than follow-ups.

    Returns those rows (original columns + the derived counts) with a ``reason`` column naming
    each negative count and its formula, in input order (original index kept).
    """
    df = _derive(agent_daily)
    neg = np.zeros(len(df), dtype=bool)
    for col in DERIVED:
        neg |= (df[col] < 0).fillna(False).to_numpy(dtype=bool)
    out = df[neg].copy()
    out["reason"] = _reasons(out).astype(object)
    return out


def tally_funnel(agent_daily: pd.DataFrame, *, drop_inconsistent: bool = True) -> pd.DataFrame:
    """The supervisor's funnel per tally row (METRICS.md §1), a copy with derived columns:

    * ``inquiries`` (询单人数) = total_received − silent_checks − after_sales − ad_contacts
      − brushing_contacts − followups − account_switch (worked example: 30 − 5 − 14 − 0 − 0
      − 3 − 0 = 8);
    * ``followup_converted`` (追单成交人数) = followups − followup_failed;
    * ``inquiry_converted`` (询单成交人数) = inquiries − inquiry_failed;
    * ``total_converted`` (总成交人数) = inquiry_converted + followup_converted;
    * ``consult_conversion`` (咨询转化率) = total_converted / inquiries, fraction rounded to
      4 decimals, NaN when inquiries is 0 (it may exceed 1: follow-ups convert on top).

    Counts are ``Int64``; an optional tally column that is absent counts 0, a missing cell
    leaves the derived values missing. Inconsistent rows (a negative derived count) are
    dropped by default: report them with :func:`inconsistent_tally_rows`; with
    ``drop_inconsistent=False`` they stay, unclipped, with ``consult_conversion`` NaN.
    """
    df = _derive(agent_daily)
    bad = np.zeros(len(df), dtype=bool)
    for col in DERIVED:
        bad |= (df[col] < 0).fillna(False).to_numpy(dtype=bool)
    conv = ratio(df["total_converted"].astype("float64"), df["inquiries"].astype("float64"))
    df["consult_conversion"] = conv.where(~bad).round(4).astype("float64")
    return df[~bad].copy() if drop_inconsistent else df
