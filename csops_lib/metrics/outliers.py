"""Which agents stand out from their team: a robust rule (median and MAD) on a share.

Used by the weekly / monthly ranking to highlight the agents whose slow or long sessions
stand out (a share of their sessions, so a busy agent is not flagged for being busy).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from csops_lib.metrics._common import ratio

#: the MAD of a normal distribution × this = its standard deviation
MAD_TO_SD = 1.4826


def robust_threshold(values: pd.Series, *, k: float = 2.0, min_gap: float = 0.0) -> float:
    """``median + k · max(1.4826 · MAD, min_gap)`` over the non-missing ``values``, where
    MAD = median |x − median| (1.4826 · MAD estimates the standard deviation of a normal
    sample, without letting the outliers widen it). ``min_gap`` (same units as the values)
    keeps the threshold above the median when more than half the values are equal (MAD 0).
    NaN with fewer than 3 values (no team to compare with)."""
    x = pd.to_numeric(values, errors="coerce").dropna().astype("float64")
    if len(x) < 3:
        return np.nan
    med = float(x.median())
    mad = float((x - med).abs().median())
    return med + k * max(MAD_TO_SD * mad, min_gap)


def stand_out_shares(counts: pd.Series, sessions: pd.Series, *, k: float = 2.0,
                     min_gap: float = 0.01, min_sessions: int = 20) -> pd.DataFrame:
    """Per row (e.g. agent): the ``share`` = counts / sessions (a fraction; NaN when the
    sessions are 0), and ``stands_out``: share > :func:`robust_threshold` of the shares of
    the rows with at least ``min_sessions`` sessions (the team; rows with fewer sessions
    are neither judged nor part of the team). ``min_gap`` is in share units (0.01 = one
    percentage point). Columns: share, threshold, stands_out (bool)."""
    share = ratio(counts, sessions)
    judged = pd.to_numeric(sessions, errors="coerce").fillna(0) >= min_sessions
    threshold = robust_threshold(share[judged.to_numpy()], k=k, min_gap=min_gap)
    stands = judged & share.gt(threshold).fillna(False) if np.isfinite(threshold) else \
        pd.Series(False, index=share.index)
    return pd.DataFrame({"share": share, "threshold": threshold,
                         "stands_out": stands.astype(bool)}, index=share.index)
