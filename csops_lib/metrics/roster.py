"""Roster shifts (METRICS.md §7): THE one rule for "which clock hours is an agent on shift".

The roster (store table ``roster``) gives each agent a ``shift_start`` and ``shift_end`` clock
time (and optionally ``hired_on``). The rule, used by every report (promo retrospective,
what-if staffing):

* a clock time is read by :func:`parse_clock` (``"08:00"``, ``"8:30"``, ``"24:00"`` =
  midnight, ``datetime.time``, an Excel day fraction, a number of hours);
* a shift is the half-open span [start, end) in hours; an agent is **on shift in clock hour h**
  when the shift covers any part of [h:00, h+1:00) (:func:`shift_hours`); a shift ending before
  it starts runs past midnight; equal start and end → no hours;
* missing or unreadable shift times → the agent is on shift in no hour (they count nowhere;
  :func:`shift_hours` with ``errors="raise"`` raises instead);
* per date (:func:`on_shift_grid`) an agent counts from their ``hired_on`` day (when given);
  per hour of day without dates (:func:`on_shift_per_hour`) every rostered agent counts;
* a moment (e.g. a session's start) is **off shift** for its agent when the roster gives the
  agent shift hours and the moment's clock hour is not one of them (:func:`off_shift`): the
  agent profile keeps such sessions apart ("queued off shift") instead of counting them as the
  agent's own gaps. An agent without (readable) shift times has no off-shift moments: nothing
  is known, so nothing is set apart.
"""
from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["off_shift", "on_shift_grid", "on_shift_per_hour", "parse_clock", "shift_hours"]


def parse_clock(value: Any) -> float:
    """A clock time as hours since midnight (float, 0–24).

    ``"08:00"`` → 8.0, ``"15:30"`` → 15.5, ``"24:00"`` → 24.0, ``"8:00:00"`` → 8.0,
    ``"08：00"`` (full-width colon) → 8.0, ``"8"`` → 8.0, ``datetime.time`` / Timestamp → its
    time of day, an Excel day fraction (0 ≤ x ≤ 1: 0.5 → 12.0) or a number of hours (> 1, e.g.
    8). Missing (None, NaN, empty text) → NaN. Unreadable text or hours outside 0–24 raise
    ``ValueError`` with the value in the message."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return math.nan
    if isinstance(value, (dt.time, dt.datetime, pd.Timestamp)):
        return value.hour + value.minute / 60 + value.second / 3600
    if isinstance(value, (int, float, np.integer, np.floating)):
        x = float(value)
        return x * 24 if 0 <= x <= 1 else x
    text = str(value).strip().replace("：", ":")
    if not text or text.lower() in {"nan", "none", "nat"}:
        return math.nan
    parts = text.split(":")
    try:
        nums = [float(x) for x in parts]
    except ValueError as exc:
        raise ValueError(f"not a clock time: {value!r} (expected e.g. 08:00 or 24:00)") from exc
    h = nums[0] + (nums[1] / 60 if len(nums) > 1 else 0) + (nums[2] / 3600 if len(nums) > 2 else 0)
    if not 0 <= h <= 24:
        raise ValueError(f"not a clock time: {value!r} (hours must be 0–24)")
    return h


def shift_hours(start: Any, end: Any, *, errors: str = "ignore") -> list[int]:
    """The clock hours (0–23, sorted) a shift covers any part of.

    The shift is [start, end) in hours (:func:`parse_clock`); end 24:00 means midnight. A
    shift ending before it starts runs past midnight (22:00–06:00 → 22, 23, 0 … 5). Equal
    start and end, or a missing time: no hours. An unreadable time: no hours
    (``errors="ignore"``, the default: a bad roster row counts nowhere rather than stopping
    a report) or ``ValueError`` (``errors="raise"``). Examples: 08:00–16:00 → 8 … 15;
    15:00–24:00 → 15 … 23; 08:30–17:00 → 8 … 16; 08:00–16:30 → 8 … 16."""
    if errors not in ("ignore", "raise"):
        raise ValueError(f"errors must be 'ignore' or 'raise', got {errors!r}")
    try:
        s, e = parse_clock(start), parse_clock(end)
    except ValueError:
        if errors == "raise":
            raise
        return []
    if math.isnan(s) or math.isnan(e) or s == e:
        return []
    spans = [(s, e)] if s < e else [(s, 24.0), (0.0, e)]
    return sorted({h for a, b in spans for h in range(24) if a < h + 1 and b > h})


def _has_shifts(roster: pd.DataFrame | None) -> bool:
    return (roster is not None and not roster.empty and "agent" in roster.columns
            and "shift_start" in roster.columns and "shift_end" in roster.columns)


def on_shift_grid(roster: pd.DataFrame | None, dates) -> pd.DataFrame:
    """Agents on shift per date and clock hour from the roster (:func:`shift_hours`).

    One row per date in ``dates`` × hour 0–23. Columns: date (datetime64, midnight), hour
    (int), agents_on_shift (int: distinct agents), on_shift_agents (their names sorted and
    joined with ``、``; "" when none). An agent counts from their ``hired_on`` day (when
    given). Agents without (readable) shift times count nowhere; a missing roster, or one
    without shift columns, gives zeros everywhere."""
    dates = pd.DatetimeIndex(pd.to_datetime(list(dates))).normalize().unique().sort_values()
    grid = pd.DataFrame({"date": np.repeat(dates.to_numpy(), 24),
                         "hour": np.tile(np.arange(24, dtype=np.int64), len(dates))})
    grid["date"] = grid["date"].astype("datetime64[ns]")
    rows = []
    if _has_shifts(roster):
        for r in roster.itertuples(index=False):
            hours = shift_hours(r.shift_start, r.shift_end)
            hired = getattr(r, "hired_on", None)
            for d in dates:
                if hired is not None and not pd.isna(hired) and pd.Timestamp(hired) > d:
                    continue
                rows += [(d, h, str(r.agent)) for h in hours]
    on = pd.DataFrame(rows, columns=["date", "hour", "agent"])
    if on.empty:
        return grid.assign(agents_on_shift=np.int64(0), on_shift_agents="")
    on["date"] = on["date"].astype("datetime64[ns]")
    on["hour"] = on["hour"].astype(np.int64)
    g = on.groupby(["date", "hour"])["agent"]
    agg = pd.DataFrame({"agents_on_shift": g.nunique(),
                        "on_shift_agents": g.agg(lambda x: "、".join(sorted(set(x))))})
    out = grid.merge(agg.reset_index(), on=["date", "hour"], how="left")
    out["agents_on_shift"] = out["agents_on_shift"].fillna(0).astype(np.int64)
    out["on_shift_agents"] = out["on_shift_agents"].fillna("")
    return out


def on_shift_per_hour(roster: pd.DataFrame | None) -> pd.Series:
    """Rostered agents on shift in each hour of a typical day (no dates, no ``hired_on``).

    Index hour 0–23 (name ``hour``), int64 counts of roster rows whose shift covers that
    hour (:func:`shift_hours`). A missing roster or one without shift columns → zeros."""
    counts = np.zeros(24, dtype=np.int64)
    if roster is not None and not roster.empty and {"shift_start", "shift_end"} <= set(
            roster.columns):
        for a, b in zip(roster["shift_start"], roster["shift_end"], strict=True):
            for h in shift_hours(a, b):
                counts[h] += 1
    return pd.Series(counts, index=pd.RangeIndex(24, name="hour"), name="agents_on_shift")


def off_shift(agents, times, roster: pd.DataFrame | None) -> np.ndarray:
    """Whether each moment ``times[i]`` falls outside the roster shift of ``agents[i]``.

    True when the roster gives the agent shift hours (:func:`shift_hours`) and the moment's
    clock hour is not one of them (08:00–16:00: 07:59 and 16:00 are off shift, 08:00 and
    15:59 on). False for an agent not on the roster, one without (readable) shift times, or a
    missing time. An agent listed twice: the last row counts. Returns a bool array."""
    agents = pd.Series(agents).astype(object).reset_index(drop=True)
    t = pd.to_datetime(pd.Series(times)).reset_index(drop=True)
    out = np.zeros(len(t), dtype=bool)
    if not _has_shifts(roster) or not len(t):
        return out
    hours = {str(r.agent): shift_hours(r.shift_start, r.shift_end)
             for r in roster.itertuples(index=False)}
    mask = {a: np.isin(np.arange(24), h, invert=True) for a, h in hours.items() if h}
    hour = t.dt.hour
    for agent, off in mask.items():
        rows = (agents.astype(str) == agent).to_numpy() & hour.notna().to_numpy()
        out[rows] = off[hour[rows].astype(int).to_numpy()]
    return out
