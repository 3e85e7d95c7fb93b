"""One agent against the team (the agent profile's formulas, METRICS.md §2, §3, §6).

- :func:`relative_diff`: value / reference − 1 (zero or missing reference → NaN).
- :func:`gap_to_median`: the same, but above a zero median counts as +100 % (the sign).
- :func:`team_medians`: the median of each metric over the team's agents.
- :func:`step_conversion`: each funnel stage ÷ the stage before (zero → NaN).
- :func:`response_summary`: first-response median and p90 (s) and reply rate of sessions.
- :func:`weekly_trend`: per week × agent sums, rates recomputed from sums, first-response
  median.
- :func:`weeks_since`: week number since a start day (1 = its first 7 days).
- :func:`service_on_shift`: the agent's own service numbers, over the sessions that started
  while the agent was on shift (roster rule, :func:`csops_lib.metrics.roster.off_shift`), and
  the sessions that queued off shift, counted apart.
- :func:`team_median_score`: the median score over the team's scored agents.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from csops_lib.metrics._common import ratio
from csops_lib.metrics.rollups import rollup

#: the columns of :func:`service_on_shift`
ON_SHIFT_COLUMNS = ("sessions_on_shift", "queued_off_shift", "reply_rate_on_shift",
                    "first_response_on_shift_s", "unanswered_on_shift", "slow_on_shift",
                    "long_on_shift")
#: additive columns of the weekly trend (agent_kpis)
TREND_SUMS = ("sessions", "replied", "inquiries", "inquiry_buyers", "sales", "orders")


def relative_diff(value, reference) -> float:
    """``value / reference − 1`` (a fraction: 0.1 = 10 % above); NaN when either is missing
    or the reference is 0."""
    r = ratio(value, reference)
    return float(r - 1) if pd.notna(r) else np.nan


def gap_to_median(value, median) -> float:
    """How far ``value`` is from the team ``median``, relative (:func:`relative_diff`); a zero
    median gives the sign of ``value`` (above a zero median: +100 %, equal: 0). NaN when
    either is missing."""
    if pd.isna(value) or pd.isna(median):
        return np.nan
    if median == 0:
        return float(np.sign(value))
    return relative_diff(value, median)


def team_medians(metrics: pd.DataFrame, agents: Iterable[str],
                 columns: Sequence[str] | None = None) -> pd.Series:
    """The median of each column of ``metrics`` (index agent) over ``agents`` (an agent
    without a row counts as missing, i.e. is skipped); columns absent from ``metrics`` → NaN."""
    m = metrics.reindex(list(agents))
    cols = list(columns) if columns is not None else list(m.columns)
    return pd.Series({c: (pd.to_numeric(m[c], errors="coerce").median() if c in m.columns
                          else np.nan) for c in cols}, dtype="float64")


def weekly_team_median(weekly: pd.DataFrame, agents: Iterable[str],
                       columns: Sequence[str]) -> pd.DataFrame:
    """Per week, the median of each column over ``agents`` who had sessions that week
    (rows of :func:`weekly_trend`: week, agent, …). An agent without sessions in a week is
    left out of that week's median (an absent agent is not a zero); a week where nobody of
    ``agents`` had sessions has no row. Units: those of each column."""
    mates = weekly[weekly["agent"].isin(list(agents)) & (weekly["sessions"] > 0)]
    return mates.groupby("week")[list(columns)].median().reset_index()


def step_conversion(counts: pd.Series) -> pd.Series:
    """Each stage of a funnel ÷ the stage before it (the first stage and a zero or missing
    previous stage → NaN)."""
    s = pd.Series(counts).astype("float64").reset_index(drop=True)
    return ratio(s, s.shift(1))


def response_summary(sessions: pd.DataFrame) -> dict[str, float]:
    """``p50`` and ``p90``: median and 90th percentile of the sessions' first-response times
    (s; sessions without an answer are skipped); ``reply_rate``: replied sessions / sessions
    (METRICS.md §2). NaN without sessions."""
    fr = pd.to_numeric(sessions["first_response_s"], errors="coerce").dropna()
    replied = sessions["replied"].astype("float64")
    return {"p50": float(fr.median()) if len(fr) else np.nan,
            "p90": float(fr.quantile(0.9)) if len(fr) else np.nan,
            "reply_rate": ratio(replied.sum(), len(replied)) if len(replied) else np.nan}


def week_start(dates: pd.Series) -> pd.Series:
    """The Monday of each date's ISO week (midnight)."""
    d = pd.to_datetime(dates)
    return d - pd.to_timedelta(d.dt.day_of_week, unit="D")


def weekly_trend(kpis: pd.DataFrame, sessions: pd.DataFrame) -> pd.DataFrame:
    """Per ``week`` (Monday) × ``agent``: the sums of :data:`TREND_SUMS` over the agent-days
    of ``kpis``, ``reply_rate`` and ``inquiry_conversion`` recomputed from them
    (:func:`csops_lib.metrics.rollups.rollup`), and ``first_response_s`` = the median of the
    week's session first responses (s)."""
    k = kpis.assign(week=week_start(kpis["date"]))
    sums = [c for c in TREND_SUMS if c in k.columns]
    k[sums] = k[sums].apply(pd.to_numeric, errors="coerce").astype("float64").fillna(0.0)
    out = rollup(k, ["week", "agent"], sums, rates=["reply_rate", "inquiry_conversion"])
    s = sessions.assign(week=week_start(sessions["date"]))
    med = s.groupby(["week", "agent"])["first_response_s"].median().rename("first_response_s")
    return out.merge(med.reset_index(), on=["week", "agent"], how="left")


def weeks_since(dates: pd.Series, start) -> pd.Series:
    """The week number of each date counted from ``start`` (1 = days 0–6, 2 = days 7–13 …),
    ``Int64``; missing start → missing."""
    days = (pd.to_datetime(dates) - pd.Timestamp(start)).dt.days
    return (days // 7 + 1).astype("Int64")


def service_on_shift(sessions: pd.DataFrame, by: Sequence[str] = ("agent",)) -> pd.DataFrame:
    """The agent's own service numbers per ``by`` group (default: per agent), from sessions
    (:func:`csops_lib.metrics.sessions.build_sessions` rows with a bool ``off_shift`` column,
    :func:`csops_lib.metrics.roster.off_shift` of each session's start):

    - ``sessions_on_shift``: sessions that started while the agent was on shift (count);
    - ``queued_off_shift``: sessions that started while the agent was off shift (count): they
      queued for the next shift and are not the agent's own gaps;
    - over the on-shift sessions only: ``reply_rate_on_shift`` = replied / sessions (a
      fraction; NaN without on-shift sessions), ``first_response_on_shift_s`` = the median
      first response (s; unanswered sessions skipped; NaN when none answered),
      ``unanswered_on_shift``, ``slow_on_shift``, ``long_on_shift`` (counts of sessions with no
      agent answer, ``is_slow``, ``is_long``).

    Index: the ``by`` columns. Source: METRICS.md §2 (reply rate, first response), §3
    (slow / long sessions), §7 (roster shifts)."""
    by = list(by)
    off = sessions["off_shift"].astype("boolean").fillna(False).astype(bool)
    s = sessions.assign(_on=~off, _off=off,
                        _replied=sessions["replied"].astype("boolean").fillna(False)
                        .astype(bool))
    on = s[s["_on"]]
    g_on = on.groupby(by)
    out = pd.DataFrame({
        "sessions_on_shift": s.groupby(by)["_on"].sum().astype("float64"),
        "queued_off_shift": s.groupby(by)["_off"].sum().astype("float64")})
    out["unanswered_on_shift"] = (~on["_replied"]).groupby([on[c] for c in by]).sum()
    out["slow_on_shift"] = g_on["is_slow"].sum()
    out["long_on_shift"] = g_on["is_long"].sum()
    replied = g_on["_replied"].sum()
    out["reply_rate_on_shift"] = ratio(replied.reindex(out.index),
                                       out["sessions_on_shift"])
    out["first_response_on_shift_s"] = pd.to_numeric(
        on["first_response_s"], errors="coerce").groupby([on[c] for c in by]).median()
    for c in ("unanswered_on_shift", "slow_on_shift", "long_on_shift"):
        out[c] = out[c].astype("float64").fillna(0.0)
    return out[list(ON_SHIFT_COLUMNS)]


def team_median_score(scores: pd.Series, agents: Iterable[str]) -> float:
    """The median of ``scores`` (index agent) over ``agents`` who have a score (NaN when none
    has). Units: score points (0 … 100 × cap)."""
    s = pd.to_numeric(pd.Series(scores).reindex(list(agents)), errors="coerce").dropna()
    return float(s.median()) if len(s) else np.nan


def queued_summary(queued: pd.DataFrame) -> dict[str, float]:
    """Sessions queued while the agent was off shift: ``n`` sessions, ``replied`` (answered
    later), ``unanswered``, and ``median_wait_s``, the median first-response time of the
    answered ones (seconds; NaN when none was answered)."""
    replied = queued["replied"].astype("boolean").fillna(False).astype(bool)
    waits = pd.to_numeric(queued.loc[replied, "first_response_s"], errors="coerce").dropna()
    return {"n": len(queued), "replied": int(replied.sum()), "unanswered": int((~replied).sum()),
            "median_wait_s": float(waits.median()) if len(waits) else np.nan}
