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
    codes, uniques = pd.factorize(s, use_na_sentinel=True)  # the work on distinct values
    out = pd.Series(np.asarray(uniques, dtype=object), dtype=object).astype("string")
    out = out.str.strip()
    out = out.mask(out == "")
    ext = np.empty(len(out) + 1, dtype=object)
    ext[:-1] = out.astype(object).where(out.notna(), np.nan).to_numpy()
    ext[-1] = np.nan  # code −1: missing
    return pd.Series(ext[codes], index=s.index, name=s.name, dtype=object)


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
    t = ts.to_numpy()
    if t.dtype.kind != "M":  # time-zone aware: through pandas
        h = (ts - ts.dt.normalize()).dt.total_seconds() / 3600.0
        return (h >= hours[0]) & (h < hours[1])
    # naive times as integers: the time since midnight (floor to the day), then pandas'
    # seconds of it and hours (/ 3600.0), as above without Series; NaT is in no hour
    unit = np.datetime_data(t.dtype)[0]
    per_day = int(np.timedelta64(1, "D") / np.timedelta64(1, unit))
    v = t.view(np.int64)
    since = (v - (v // per_day) * per_day).view(f"timedelta64[{unit}]")
    since[np.isnat(t)] = np.timedelta64("NaT")
    h = seconds_of(since) / 3600.0
    return pd.Series((h >= hours[0]) & (h < hours[1]), index=ts.index)


def seconds(delta: pd.Series) -> pd.Series:
    """Timedelta → float seconds."""
    if delta.dtype.kind == "m":
        return pd.Series(seconds_of(delta.to_numpy()), index=delta.index, name=delta.name)
    return delta.dt.total_seconds().astype("float64")


#: beyond this many ticks pandas nudges ``total_seconds`` off whole seconds (see below)
_EXACT_TICKS = 2**53


def seconds_of(delta: np.ndarray) -> np.ndarray:
    """:func:`seconds` of a ``timedelta64`` array (NaT → NaN), bit for bit pandas'
    ``total_seconds``: whole seconds plus the remainder divided by ticks per second (pandas
    3's formula). Pandas also nudges values of more than 2**53 ticks off whole-second
    boundaries; those few (about 104 days in ns) are left to pandas itself. Without pandas'
    temporaries: ~10× faster on millions of turns."""
    delta = np.asarray(delta)
    unit = np.datetime_data(delta.dtype)[0]
    per_s = int(np.timedelta64(1, "s") / np.timedelta64(1, unit))
    v = delta.view(np.int64)
    nat = np.isnat(delta)
    whole, rest = np.divmod(v, per_s)
    out = whole + rest / per_s
    big = ((v > _EXACT_TICKS) | (v < -_EXACT_TICKS)) & ~nat
    if big.any():
        out[big] = pd.array(delta[big]).total_seconds()
    out[nat] = np.nan
    return out


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


def shared_codes(*keys: pd.Series, clean: bool = True) -> list[np.ndarray]:
    """The text ids of several columns as one set of float codes (equal ids, equal codes;
    missing → NaN), so joins between them compare numbers instead of strings. Each column is
    cleaned by :func:`key_text` first (``clean=False``: compared as they are)."""
    cleaned = [(key_text(k) if clean else pd.Series(k)).to_numpy(dtype=object) for k in keys]
    codes, _ = pd.factorize(np.concatenate(cleaned) if cleaned else np.array([], object),
                            use_na_sentinel=True)
    out, start = [], 0
    for c in cleaned:
        part = codes[start:start + len(c)].astype(np.float64)
        part[part < 0] = np.nan
        out.append(part)
        start += len(c)
    return out


def asof_times(left_key: pd.Series, left_t: np.ndarray, right_key: pd.Series,
               right_t: np.ndarray, *, direction: str, allow_exact: bool,
               keyed: bool = False) -> np.ndarray:
    """``pd.merge_asof(..., by=key)`` reduced to the matched right time, for all rows at
    once: per left row, the latest right time ≤ (``allow_exact``) or < the left time of the
    same key (``direction="backward"``), or the earliest ≥ / > it (``"forward"``); NaT when
    none. Keys are compared as :func:`key_text` makes them (missing keys never match); times
    are ``datetime64[ns]`` arrays (NaT never matches). ``keyed``: the keys are already
    comparable as they are (e.g. the shared codes of :func:`shared_codes`).

    Method: the keys become integer codes and the right times dense ranks (``np.unique`` of
    the right side only), so (key, time) packs into one int64 (code · (ranks + 1) + rank);
    a left time becomes the rank it would take (``searchsorted`` in the right times, the
    side setting strict or not), and one ``searchsorted`` in the sorted right packs finds
    each left row's neighbour."""
    lt = np.asarray(left_t, dtype="datetime64[ns]").view(np.int64)
    rt = np.asarray(right_t, dtype="datetime64[ns]").view(np.int64)
    nat = np.iinfo(np.int64).min
    lk, rk = _key_codes(left_key, right_key, keyed)
    out = np.full(len(lt), nat, dtype=np.int64)
    r_ok = (rk >= 0) & (rt != nat)
    l_ok = (lk >= 0) & (lt != nat)
    if not r_ok.any() or not l_ok.any():
        return out.view("datetime64[ns]")
    if len(rk) and len(lk):  # only left keys the right side has can match
        top = int(max(lk.max(), rk.max())) + 1
        present = np.zeros(top, dtype=bool)
        present[rk[r_ok]] = True
        l_ok &= present[np.maximum(lk, 0)]
    if not l_ok.any():
        return out.view("datetime64[ns]")
    rk, rt = rk[r_ok], rt[r_ok]
    lk, lt = lk[l_ok], lt[l_ok]
    # dense ranks of the right times; a left time becomes the rank where it would go
    ru, inv = np.unique(rt, return_inverse=True)
    span = len(ru) + 1
    rpack = rk * span + inv.reshape(-1)
    order = np.argsort(rpack, kind="stable")
    rs, rts = rpack[order], rt[order]
    if direction == "backward":  # the last right rank < (≤) the left time
        rank = np.searchsorted(ru, lt, side="right" if allow_exact else "left")
        pos = np.searchsorted(rs, lk * span + rank, side="left") - 1
        pc = np.clip(pos, 0, len(rs) - 1)
        hit = (pos >= 0) & (rs[pc] // span == lk)
    elif direction == "forward":  # the first right rank ≥ (>) the left time
        rank = np.searchsorted(ru, lt, side="left" if allow_exact else "right")
        pos = np.searchsorted(rs, lk * span + rank, side="left")
        pc = np.clip(pos, 0, len(rs) - 1)
        hit = (pos < len(rs)) & (rs[pc] // span == lk)
    else:
        raise ValueError(f"direction must be backward or forward, got {direction!r}")
    got = np.full(len(lt), nat, dtype=np.int64)
    got[hit] = rts[pc[hit]]
    out[l_ok] = got
    return out.view("datetime64[ns]")


def _key_codes(left_key, right_key, keyed: bool) -> tuple[np.ndarray, np.ndarray]:
    """Non-negative int64 codes of the two key columns (−1: missing), equal keys equal codes.
    Keyed numbers (the shared codes of :func:`shared_codes`) are used as they are."""
    if keyed:
        lv, rv = np.asarray(left_key), np.asarray(right_key)
        if lv.dtype.kind in "fiu" and rv.dtype.kind in "fiu":
            return tuple(np.nan_to_num(v.astype(np.float64), nan=-1).astype(np.int64)
                         for v in (lv, rv))
    return tuple(np.nan_to_num(c, nan=-1).astype(np.int64)
                 for c in shared_codes(left_key, right_key, clean=not keyed))


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
