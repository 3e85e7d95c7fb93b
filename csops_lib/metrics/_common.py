"""Helpers shared by the metric modules (not public API)."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from csops_lib.settings.shop import resolve_params

NS_PER_S = 1_000_000_000
DAY = pd.Timedelta(days=1)


class MetricInputError(ValueError):
    """A metric input lacks a required column (or is otherwise unusable)."""


def require(df: pd.DataFrame, columns: Iterable[str], table: str) -> None:
    """Raise :class:`MetricInputError` naming every required column missing from ``df``."""
    if not isinstance(df, pd.DataFrame):
        raise MetricInputError(f"{table}: expected a DataFrame, got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise MetricInputError(
            f"{table} is missing required column(s) {', '.join(missing)} "
            f"(has: {', '.join(map(str, df.columns))})")


def params_of(params: dict[str, Any] | None, overrides: dict[str, Any]) -> dict[str, Any]:
    """``params`` (None → shop.yaml/defaults) with per-call overrides."""
    return resolve_params(params, **overrides)


def as_ns(s: pd.Series) -> pd.Series:
    """A naive ``datetime64[ns]`` Series (whatever resolution or text came in)."""
    out = pd.to_datetime(s)
    if getattr(out.dt, "tz", None) is not None:
        out = out.dt.tz_localize(None)
    return out.astype("datetime64[ns]")


def key_text(s: pd.Series) -> pd.Series:
    """Text ids as an object Series of stripped ``str`` (missing or blank → NaN), so merges on
    them match whatever string dtype each side carries (pandas 2 object, pandas 3 ``str``)."""
    out = s.astype("string").str.strip()
    out = out.mask(out == "")
    return out.astype(object).where(out.notna(), np.nan)


def nonempty(s: pd.Series) -> pd.Series:
    """True where a text value is present and not blank."""
    return (s.astype("string").str.strip().fillna("") != "").astype(bool)


def ratio(num, den) -> pd.Series | float:
    """num / den with a zero (or missing) denominator → NaN (METRICS.md: never 0, never an error)."""
    num = pd.to_numeric(num, errors="coerce")
    den = pd.to_numeric(den, errors="coerce")
    if isinstance(num, pd.Series) or isinstance(den, pd.Series):
        num_f = num.astype("float64") if isinstance(num, pd.Series) else float(num)
        den_f = den.astype("float64") if isinstance(den, pd.Series) else float(den)
        den_f = den_f.where(den_f != 0) if isinstance(den_f, pd.Series) else (
            np.nan if den_f == 0 else den_f)
        return num_f / den_f
    return float(num) / float(den) if den else np.nan


def as_int(s: pd.Series) -> pd.Series:
    """Counts as pandas nullable ``Int64``."""
    return pd.array(np.rint(pd.to_numeric(s, errors="coerce").astype("float64")),
                    dtype="Int64") if len(s) else pd.array([], dtype="Int64")


def hour_in(ts: pd.Series, hours: Sequence[float]) -> pd.Series:
    """True where the time of day of ``ts`` is in [hours[0]:00, hours[1]:00)."""
    h = (ts - ts.dt.normalize()).dt.total_seconds() / 3600.0
    return (h >= hours[0]) & (h < hours[1])


def seconds(delta: pd.Series) -> pd.Series:
    """Timedelta → float seconds."""
    return delta.dt.total_seconds().astype("float64")


def empty_like(columns: dict[str, str]) -> pd.DataFrame:
    """An empty frame with the given column → dtype mapping."""
    return pd.DataFrame({c: pd.Series(dtype=d) for c, d in columns.items()})


def text(s: pd.Series) -> pd.Series:
    """Text column in pandas' default string dtype (``str`` under pandas 3, object of str
    under pandas 2), missing as NaN (docs/CONVENTIONS.md)."""
    arr = s.astype(object).to_numpy()
    return pd.Series(arr, index=s.index, name=s.name)


def texts(df: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """``df`` with the given columns (those present) converted by :func:`text` (in place on a
    frame the caller owns)."""
    for col in columns:
        if col in df.columns:
            df[col] = text(df[col])
    return df


def merge_asof_by(left: pd.DataFrame, right: pd.DataFrame, by: str, **kwargs) -> pd.DataFrame:
    """``pd.merge_asof`` with the ``by`` text key cast to object on both sides (pandas refuses
    to match ``str`` with object keys); both frames must already be sorted on their keys."""
    left = left.assign(**{by: left[by].astype(object)})
    right = right.assign(**{by: right[by].astype(object)})
    return pd.merge_asof(left, right, by=by, **kwargs)


def coverage_intervals(t: np.ndarray, group: np.ndarray, w2: int):
    """The window-start intervals of the concurrency sweep (proof: `chat._max_concurrent_from`).

    `t` are message times (int64 ns) sorted within each customer group, `group` the customer
    group of each message (equal neighbours = same customer), `w2` = 2 × window in ns. Message
    j of a customer covers the window starts t' in [max(s_j − w2, s_{j−1} + 1), s_j]; returns
    (lo, keep, first): the interval starts, whether the interval is non-empty, and whether the
    message is its group's first.
    """
    prev = np.empty_like(t)
    prev[1:] = t[:-1]
    first = np.ones(len(t), dtype=bool)
    first[1:] = group[1:] != group[:-1]
    lo = np.where(first, t - w2, np.maximum(t - w2, prev + 1))
    return lo, lo <= t, first
