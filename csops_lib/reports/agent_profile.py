"""One agent against the team median: the agent profile report (客服个人档案) — data and frames.

:func:`load` (``data_dir, agent, week`` or ``date_from`` / ``date_to``) reads the period and the
weeks before it (the trend) from the store into a :class:`ProfileData`: the agent-day KPIs of
every agent (`metrics.kpis.agent_kpis`), the sessions (`metrics.sessions.build_sessions`), the
inquiry outcomes of the agent's pre-sale sessions, the period's scorecard metrics
(`scorecard.period_metrics`) and the shop's scheme evaluation (`scorecard.evaluate`). The frame
builders below are pure functions of that data (canonical column names, raw numbers);
``SECTIONS`` lists the report's sections; the view is :mod:`csops_lib.render.agent_profile`.

"Team" is the agent's roster team (all agents without a roster); the **team median** is the
median over the team's agents with at least one session in the period, the agent included;
the trend chart's **weekly team median** is, per week, the median over the team's agents with
a session that week. The response section compares with the team's sessions **pooled** (not a
median).

**Queued off shift**: a session that started while the agent was off shift by the roster
(:func:`csops_lib.metrics.roster.off_shift`, e.g. 00:00–08:00 for an 08:00–16:00 shift) waited
for the next shift; it is listed apart and is not the agent's own gap. The service metrics
(reply rate, first response, unanswered / slow / long sessions) of the overview, the strengths
and gaps, the trend, the response section and the review list count the sessions that started
on shift (:func:`csops_lib.metrics.agent_compare.service_on_shift`); sales and conversion count
every session; the scorecard keeps the scheme's definitions.

Strengths and gaps: a metric is a strength when the agent beats the team median by at least
``gap`` (10 %, relative; lower-is-better metrics the other way round), a gap when behind by as
much; at most three of each, largest first; plus flags (a training score below 80 in the
agent's second week after hiring, unanswered / slow / long sessions on shift, sessions that
queued off shift).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from csops_lib import engine, periods, store
from csops_lib.metrics import agent_compare, scorecard
from csops_lib.metrics._common import ratio
from csops_lib.metrics.attribution import inquiry_outcomes
from csops_lib.metrics.day_tables import build_sessions_from_days
from csops_lib.metrics.kpis import agent_kpis, agent_kpis_from_days
from csops_lib.metrics.roster import off_shift
from csops_lib.metrics.sessions import build_sessions
from csops_lib.privacy import mask_customer_id
from csops_lib.reports.sections import Registry, Section
from csops_lib.settings.agent_profile import AgentProfileSettings
from csops_lib.settings.shop import load_shop_params

DEFAULTS = AgentProfileSettings()

#: the overview / strengths metrics: (metric, better)
OVERVIEW = [
    ("sessions", None), ("inquiries", None), ("inquiry_conversion", "higher"),
    ("sales", "higher"), ("orders", "higher"), ("aov", "higher"),
    ("reply_rate_on_shift", "higher"), ("first_response_on_shift_s", "lower"),
    ("unanswered_on_shift", "lower"), ("slow_on_shift", "lower"), ("long_on_shift", "lower"),
    ("queued_off_shift", None),
]
#: presale-only metrics (not compared for agents without inquiries)
PRESALE_ONLY = {"inquiries", "inquiry_conversion", "sales", "orders", "aov"}
#: count metrics: a strength or gap needs a difference of at least ``min_count_diff``
COUNT_METRICS = {"sessions", "inquiries", "orders", "unanswered_on_shift", "slow_on_shift",
                 "long_on_shift", "queued_off_shift"}
#: the trend chart's metrics (weekly): from agent_kpis sums and the on-shift sessions
TREND_METRICS = ("sessions", "inquiry_conversion", "reply_rate_on_shift",
                 "first_response_on_shift_s")


class UnknownAgentError(ValueError):
    """The agent is not in the roster nor in the chats of the period."""


def _monday(d: dt.date) -> dt.date:
    return d - dt.timedelta(days=d.weekday())


def known_agents(data_dir: str | Path, date_from=None, date_to=None) -> list[str]:
    """Agents of the roster and of the chats in [date_from, date_to] (sorted)."""
    roster = store.read(data_dir, "roster")
    names = set(roster["agent"].dropna().astype(str)) if "agent" in roster.columns else set()
    chats = store.read(data_dir, "chats", date_from, date_to, columns=["agent"])
    if "agent" in chats.columns:
        names |= set(chats["agent"].dropna().astype(str))
    return sorted(names)


def resolve_period(data_dir: str | Path, week: str | None = None, date_from: str | None = None,
                   date_to: str | None = None) -> periods.Period:
    """The report period: `date_from`–`date_to` when given, else the ISO week (default: the
    last complete week in the data)."""
    span = store.date_range(data_dir, "orders")
    if span is None:
        raise FileNotFoundError(f"no orders in the store {data_dir}: run `csops ingest` first")
    if date_from or date_to:
        start = dt.date.fromisoformat(str(date_from or date_to))
        end = dt.date.fromisoformat(str(date_to or date_from))
        if end < start:
            raise ValueError(f"date_to {end} is before date_from {start}")
        return periods.Period("range", start, end, f"{start:%Y-%m-%d}_{end:%Y-%m-%d}")
    return periods.resolve("week", week or None, data_end=span[1])


def check_agent(data_dir: str | Path, agent: str, period: periods.Period | None = None) -> None:
    """Raise :class:`UnknownAgentError` listing the known agents when `agent` is unknown."""
    start = period.start - dt.timedelta(weeks=DEFAULTS.trend_weeks) if period else None
    known = known_agents(data_dir, start, period.end if period else None)
    if str(agent) not in known:
        raise UnknownAgentError(f"unknown agent {agent!r}; known agents: {', '.join(known)}")


@dataclass
class ProfileData:
    """Everything the agent profile shows, for one agent and one period."""

    agent: str
    period: periods.Period
    params: dict[str, Any]
    config: scorecard.KpiConfig
    kpis: pd.DataFrame          # agent_kpis of every agent, trend weeks + period
    sessions: pd.DataFrame      # build_sessions of every agent, trend weeks + period
    outcomes: pd.DataFrame      # inquiry outcomes of the agent's pre-sale sessions (period)
    metrics: pd.DataFrame       # scorecard.period_metrics of every agent (period)
    roster: pd.DataFrame
    training: pd.DataFrame
    evaluation: scorecard.Evaluation
    promo_name: str | None
    promo_mode: bool
    data_dir: Path
    trend_start: dt.date
    settings: AgentProfileSettings = field(default_factory=AgentProfileSettings)
    generated_at: dt.datetime = field(default_factory=dt.datetime.now)

    # ------------------------------------------------------------------ facts
    def roster_row(self) -> pd.Series:
        r = self.roster
        if "agent" in r.columns and (r["agent"] == self.agent).any():
            return r[r["agent"] == self.agent].iloc[0]
        return pd.Series(dtype=object)

    def _fact(self, col: str) -> str | None:
        v = self.roster_row().get(col)
        return None if v is None or pd.isna(v) else str(v)

    @property
    def team(self) -> str | None:
        return self._fact("team")

    @property
    def role(self) -> str | None:
        return self._fact("role")

    @property
    def hired_on(self) -> pd.Timestamp | None:
        v = self.roster_row().get("hired_on")
        return None if v is None or pd.isna(v) else pd.Timestamp(v)

    def team_agents(self) -> list[str]:
        """Agents of the agent's team with a session in the period (everyone without roster)."""
        active = self.metrics.index[self.metrics["sessions"].fillna(0) > 0]
        if self.team is not None and "team" in self.roster.columns:
            mates = set(self.roster.loc[self.roster["team"] == self.team, "agent"])
            active = [a for a in active if a in mates or a == self.agent]
        return sorted(set(active) | {self.agent})

    @property
    def is_presale(self) -> bool:
        m = self.metrics.loc[self.agent] if self.agent in self.metrics.index else None
        return bool(m is not None and (m.get("inquiries") or 0) > 0)

    def in_period(self, df: pd.DataFrame, col: str = "date") -> pd.DataFrame:
        return df[df[col].between(pd.Timestamp(self.period.start),
                                  pd.Timestamp(self.period.end))]

    @property
    def provisional(self) -> bool:
        k = self.in_period(self.kpis)
        k = k[k["agent"] == self.agent]
        return bool(k.get("provisional", pd.Series(dtype=bool)).any())

    def own_metrics(self) -> pd.Series:
        m = self.profile_metrics()
        return m.loc[self.agent] if self.agent in m.index else pd.Series(dtype="float64")

    def shift(self) -> tuple[str, str] | None:
        """The agent's roster shift (start, end) as written, or None."""
        a, b = self._fact("shift_start"), self._fact("shift_end")
        return (a, b) if a and b else None

    def sessions_flagged(self) -> pd.DataFrame:
        """All sessions (trend weeks + period) with ``off_shift`` (the roster rule)."""
        s = self.sessions
        if "off_shift" in s.columns:
            return s
        roster = self.roster if "agent" in self.roster.columns else None
        return s.assign(off_shift=off_shift(s["agent"], s["start"], roster)
                        if len(s) else pd.Series(dtype=bool))

    def profile_metrics(self) -> pd.DataFrame:
        """The period's scorecard metrics of every agent joined with their on-shift service
        numbers (:func:`agent_compare.service_on_shift`)."""
        s = self.in_period(self.sessions_flagged())
        svc = agent_compare.service_on_shift(s) if len(s) else pd.DataFrame(
            columns=list(agent_compare.ON_SHIFT_COLUMNS))
        m = self.metrics.join(svc, how="left")
        for c in ("queued_off_shift", "unanswered_on_shift", "slow_on_shift", "long_on_shift"):
            m[c] = m[c].fillna(0.0)
        return m


# ---------------------------------------------------------------------------- loading
def load(data_dir: str | Path, agent: str, week: str | None = None, *,
         date_from: str | None = None, date_to: str | None = None,
         params: dict[str, Any] | None = None, scheme: str | None = None,
         promo_mode: str = "auto", scores_file: str | None = None,
         schemes_file: str | None = None,
         settings: AgentProfileSettings | None = None) -> ProfileData:
    """Read the store and compute everything; an unknown `agent` raises
    :class:`UnknownAgentError` (listing the known agents) before any heavy work."""
    st = settings or AgentProfileSettings.load()
    data_dir = Path(data_dir)
    agent = str(agent).strip()
    period = resolve_period(data_dir, week, date_from, date_to)
    check_agent(data_dir, agent, period)
    p = dict(params or load_shop_params())
    config = scorecard.load_config(schemes_file)
    config.scheme(scheme)  # an unknown scheme fails early too
    trend_start = _monday(period.start) - dt.timedelta(weeks=st.trend_weeks - 1)
    back = max(7, int(p["after_sales_lookback_days"]))
    orders = store.read(data_dir, "orders", trend_start - dt.timedelta(days=back),
                        period.end + dt.timedelta(days=int(p["followup_days"])))
    # the per-day tables derived at ingest when the store has them, else the messages; the
    # period's messages still feed the scorecard's 3-minute rate
    days = engine.read_days(data_dir, trend_start, period.end, p["concurrency_window_s"])
    if days is not None:
        kpis = agent_kpis_from_days(days, orders, params=p, date_from=trend_start,
                                    date_to=period.end)
        sessions = build_sessions_from_days(days, orders, params=p)
        chats = store.read(data_dir, "chats", period.start, period.end)
    else:
        chats = store.read(data_dir, "chats", trend_start, period.end)
        kpis = agent_kpis(chats, orders, params=p, date_from=trend_start, date_to=period.end)
        sessions = build_sessions(chats, orders, params=p)
    roster = store.read(data_dir, "roster")
    sessions["off_shift"] = off_shift(sessions["agent"], sessions["start"],
                                      roster if "agent" in roster.columns else None)
    start, end = pd.Timestamp(period.start), pd.Timestamp(period.end)
    own = sessions[(sessions["agent"] == agent) & sessions["date"].between(start, end)]
    outcomes = inquiry_outcomes(own, orders, params=p) if len(own) else pd.DataFrame()
    training = store.read(data_dir, "training")
    supervisor = (scorecard.load_supervisor_scores(scores_file) if scores_file
                  else scorecard.supervisor_scores_from_store(data_dir))
    metrics = scorecard.period_metrics(
        kpis, sessions=sessions, chats=chats,
        agent_daily=store.read(data_dir, "agent_daily", period.start, period.end),
        refunds=store.read(data_dir, "refunds", period.start, period.end),
        supervisor=supervisor, date_from=start, date_to=end, params=p)
    promos = store.read(data_dir, "promos")
    promo_key, promo_name, within = _promo_overlap(promos, period)
    on = {"auto": within, "on": True, "off": False}.get(str(promo_mode).lower())
    if on is None:
        raise ValueError(f"promo_mode must be auto, on or off, not {promo_mode!r}")
    ro = roster.set_index("agent") if "agent" in roster.columns else pd.DataFrame()
    team_targets = agent_targets = None
    if on and promo_name is not None and within:
        rows = promos[promos["name"] == promo_key]
        col = f"target_{config.team_pk_metric}"
        team_rows = rows[rows["agent"].isna()]
        team_targets = team_rows.set_index("team")[col] if col in rows else None
        agent_rows = rows[rows["agent"].notna()].set_index("agent")
        agent_targets = pd.DataFrame({"sales": agent_rows.get("target_sales"),
                                      "orders": agent_rows.get("target_orders")})
    evaluation = scorecard.evaluate(
        metrics, config, scheme, days=period.days,
        roles=ro["role"] if "role" in ro else None,
        teams=ro["team"] if "team" in ro else None, promo=bool(on),
        team_targets=team_targets, agent_targets=agent_targets)
    return ProfileData(agent, period, p, config, kpis, sessions, outcomes, metrics, roster,
                       training, evaluation, promo_name, bool(on), data_dir, trend_start, st)


# ---------------------------------------------------------------------------- frames
def overview(d: ProfileData) -> pd.DataFrame:
    """metric, better, agent_value, team_median, vs_team (agent ÷ median − 1) of the overview
    metrics (pre-sale metrics only for an agent with inquiries)."""
    agents = d.team_agents()
    pm = d.profile_metrics()
    med = agent_compare.team_medians(pm, agents, [m for m, _ in OVERVIEW])
    mine = pm.reindex(agents)
    rows = []
    for metric, better in OVERVIEW:
        if metric in PRESALE_ONLY and not d.is_presale:
            continue
        value = mine.loc[d.agent, metric] if metric in mine.columns else np.nan
        vs = (np.nan if metric == "queued_off_shift"  # a roster matter, not a comparison
              else agent_compare.relative_diff(value, med[metric]))
        rows.append({"metric": metric, "better": better, "agent_value": value,
                     "team_median": med[metric], "vs_team": vs})
    return pd.DataFrame(rows)


def strengths(d: ProfileData) -> pd.DataFrame:
    """The strengths, gaps and flags (module docstring), one row each in display order:
    group (strengths | gaps | flags), template (label key of its sentence), metric, and the
    raw values the sentence shows (value, median, rel, n, share, date, module, score)."""
    st = d.settings
    ov = overview(d)
    good, bad = [], []
    for r in ov.itertuples():
        rel = agent_compare.gap_to_median(r.agent_value, r.team_median)
        if pd.isna(r.better) or pd.isna(rel):
            continue
        rel = -rel if r.better == "lower" else rel
        if r.metric in COUNT_METRICS and abs(r.agent_value - r.team_median) < st.min_count_diff:
            continue  # one or two sessions more or less is noise, not a strength
        row = {"metric": r.metric, "value": r.agent_value, "median": r.team_median, "rel": rel}
        if rel >= st.gap:
            good.append({"group": "strengths", "template": "ap_better_than", **row})
        elif rel <= -st.gap:
            bad.append({"group": "gaps", "template": "ap_worse_than", **row})
    good = sorted(good, key=lambda x: -x["rel"])[:3]
    bad = sorted(bad, key=lambda x: x["rel"])[:3]
    in_gaps = {b["metric"] for b in bad}
    flags = []
    t = training(d)
    for r in t[t["flag"]].itertuples():
        flags.append({"group": "flags", "template": "ap_flag_training", "date": r.date,
                      "module": r.module, "score": r.score})
    m = d.own_metrics()
    n_un = m.get("unanswered_on_shift", 0) or 0
    n_ses = m.get("sessions_on_shift", 0) or 0
    if n_un > 0 and n_ses > 0 and "unanswered_on_shift" not in in_gaps:
        flags.append({"group": "flags", "template": "ap_flag_unanswered",
                      "metric": "unanswered_on_shift", "n": n_un, "share": ratio(n_un, n_ses)})
    for metric, key in (("long_on_shift", "ap_flag_long"), ("slow_on_shift", "ap_flag_slow")):
        n = m.get(metric, 0) or 0
        if n > 0 and metric not in in_gaps:
            flags.append({"group": "flags", "template": key, "metric": metric, "n": n})
    n_off = m.get("queued_off_shift", 0) or 0
    if n_off > 0:
        flags.append({"group": "flags", "template": "ap_flag_off_shift",
                      "metric": "queued_off_shift", "n": n_off})
    cols = ["group", "template", "metric", "value", "median", "rel", "n", "share", "date",
            "module", "score"]
    return pd.DataFrame(good + bad + flags, columns=cols)


def weekly(d: ProfileData) -> pd.DataFrame:
    """Per week (Monday) × agent of the trend span: sums, reply rate, inquiry conversion,
    first-response median (:func:`csops_lib.metrics.agent_compare.weekly_trend`)."""
    return agent_compare.weekly_trend(d.kpis, d.sessions)


def trend(d: ProfileData) -> pd.DataFrame:
    """The trend chart's data: per week the agent's values and the weekly team median (over
    the team's agents with sessions that week): columns week, series (agent |
    team_week_median), sessions, inquiry_conversion (every session), reply_rate_on_shift,
    first_response_on_shift_s (the sessions that started on shift)."""
    s = d.sessions_flagged()
    svc = agent_compare.service_on_shift(s.assign(week=agent_compare.week_start(s["date"])),
                                         by=["week", "agent"]).reset_index()
    w = weekly(d).merge(svc[["week", "agent", "reply_rate_on_shift",
                             "first_response_on_shift_s"]], on=["week", "agent"], how="left")
    cols = list(TREND_METRICS)
    med = agent_compare.weekly_team_median(w, d.team_agents(), cols).assign(
        series="team_week_median")
    mine = w.loc[w["agent"] == d.agent, ["week", *cols]].assign(series="agent")
    return pd.concat([mine, med], ignore_index=True)[["week", "series", *cols]]


def funnel(d: ProfileData) -> pd.DataFrame:
    """stage, agent_value, team_median and their step conversions: sessions → pre-sale
    sessions → inquiries → inquiry buyers (period; orders credited are in the overview). An
    agent without inquiries gets the session mix instead (no steps; stages both 0 dropped)."""
    s = d.in_period(d.sessions)
    m = d.metrics.copy()
    m["presale_sessions"] = s[s["is_presale"]].groupby("agent").size()
    m["after_sales_sessions"] = s[s["category"] == "after_sales"].groupby("agent").size()
    m = m.reindex(d.team_agents()).fillna({"presale_sessions": 0, "after_sales_sessions": 0})
    stages = (["sessions", "presale_sessions", "inquiries", "inquiry_buyers"]
              if d.is_presale else ["sessions", "presale_sessions", "after_sales_sessions"])
    med = agent_compare.team_medians(m, m.index, stages)
    f = pd.DataFrame({"stage": stages, "agent_value": [m.loc[d.agent, c] for c in stages],
                      "team_median": med.to_numpy()})
    if not d.is_presale:
        f = f[(f["agent_value"] > 0) | (f["team_median"] > 0)].reset_index(drop=True)
        f["agent_step"] = np.nan
        f["team_step"] = np.nan
    else:
        f["agent_step"] = agent_compare.step_conversion(f["agent_value"]).to_numpy()
        f["team_step"] = agent_compare.step_conversion(f["team_median"]).to_numpy()
    return f


def _on_shift(d: ProfileData) -> pd.DataFrame:
    """The period's sessions that started while their agent was on shift."""
    s = d.in_period(d.sessions_flagged())
    return s[~s["off_shift"].astype(bool)]


def response(d: ProfileData) -> pd.DataFrame:
    """The agent against the team's sessions pooled (both: the sessions that started on
    shift): first-response median and p90 and reply rate: columns metric, agent_value, team."""
    s = _on_shift(d)
    mine = agent_compare.response_summary(s[s["agent"] == d.agent])
    team = agent_compare.response_summary(s[s["agent"].isin(d.team_agents())])
    return pd.DataFrame({
        "metric": ["first_response_on_shift_s", "first_response_p90_on_shift_s",
                   "reply_rate_on_shift"],
        "agent_value": [mine["p50"], mine["p90"], mine["reply_rate"]],
        "team": [team["p50"], team["p90"], team["reply_rate"]]})


def response_times(d: ProfileData) -> pd.DataFrame:
    """The period's first-response times (s) of the team's sessions that started on shift:
    agent, first_response_s, mine (the profiled agent's)."""
    s = _on_shift(d)
    s = s[s["agent"].isin(d.team_agents())].dropna(subset=["first_response_s"])
    return s[["agent", "first_response_s"]].assign(mine=s["agent"] == d.agent)


def review(d: ProfileData) -> pd.DataFrame:
    """The agent's slow, long or unanswered sessions of the period that started on shift, by
    start time (customer masked)."""
    s = _on_shift(d)
    s = s[(s["agent"] == d.agent) & (s["is_slow"] | s["is_long"] | ~s["replied"])]
    s = s.sort_values("start").reset_index(drop=True)
    return s.assign(customer_id=mask_customer_id(s["customer_id"]))


def queued(d: ProfileData) -> pd.DataFrame:
    """The agent's sessions of the period that started while the agent was off shift (they
    queued for the next shift), newest first (customer masked): start, customer_id,
    category, replied, first_response_s, n_turns."""
    s = d.in_period(d.sessions_flagged())
    s = s[(s["agent"] == d.agent) & s["off_shift"].astype(bool)]
    s = s.sort_values("start", ascending=False).reset_index(drop=True)
    s = s.assign(customer_id=mask_customer_id(s["customer_id"]))
    return s[["start", "customer_id", "category", "replied", "first_response_s", "n_turns"]]


def lost(d: ProfileData) -> pd.DataFrame:
    """The agent's pre-sale sessions (inquiries) of the period whose customer did not pay in
    the follow-up window (``provisional`` = the window has not closed yet), newest first;
    customer masked."""
    o = d.outcomes
    if o.empty or "paid" not in o.columns:
        return pd.DataFrame(columns=["start", "customer_id", "provisional"])
    out = o[~o["paid"].astype("boolean").fillna(False).astype(bool)]
    s = d.sessions[["agent", "customer_id", "date", "first_response_s", "n_turns",
                    "agreed_to_buy"]]
    out = out.merge(s, on=["agent", "customer_id", "date"], how="left")
    out = out.sort_values("start", ascending=False).reset_index(drop=True)
    return out.assign(customer_id=mask_customer_id(out["customer_id"]))


def training(d: ProfileData) -> pd.DataFrame:
    """The agent's assessments with week since hire (1 = the first 7 days) and the flag
    (score below ``training_pass`` in week two)."""
    t = d.training
    if t.empty or "agent" not in t.columns:
        return pd.DataFrame(columns=["date", "module", "score", "week_of_hire", "flag"])
    t = t[t["agent"] == d.agent].sort_values(["date", "module"]).copy()
    start = d.hired_on if d.hired_on is not None else (
        t["date"].min() if len(t) else pd.NaT)
    t["week_of_hire"] = agent_compare.weeks_since(t["date"], start)
    t["flag"] = (t["week_of_hire"] == 2) & (t["score"] < d.settings.training_pass)
    t["flag"] = t["flag"].fillna(False).astype(bool)
    return t[["date", "module", "score", "week_of_hire", "flag"]].reset_index(drop=True)


def scorecard_detail(d: ProfileData) -> pd.DataFrame:
    """The agent's rows of the scheme evaluation (one per dimension)."""
    det = d.evaluation.detail
    return det[det["agent"] == d.agent].reset_index(drop=True)


def standing(d: ProfileData) -> dict[str, float]:
    """The agent's own standing, nobody else's: score, rank, ranked (agents with a score),
    team_median_score (median over the team's scored agents), bonus (the agent's own)."""
    sc = d.evaluation.scores
    me = sc.loc[d.agent] if d.agent in sc.index else pd.Series(dtype="float64")
    return {"score": me.get("score", np.nan), "rank": me.get("rank", np.nan),
            "ranked": float(sc["score"].notna().sum()),
            "team_median_score": agent_compare.team_median_score(sc["score"], d.team_agents()),
            "bonus": me.get("bonus", np.nan)}


#: the report's sections, in order (table of contents, workbook sheets, appendix); a
#: ``defines`` entry ``ap_def_<key>`` is the profile's own definition of the metric ``<key>``
SECTIONS = Registry([
    Section("ap_overview", overview, chart=None,
            defines=("team_median", "ap_strengths", "sessions", "inquiries",
                     "inquiry_conversion", "ap_def_sales", "ap_def_orders", "aov", "ap_on_shift",
                     "reply_rate_on_shift", "first_response_on_shift_s",
                     "unanswered_on_shift", "slow_on_shift", "long_on_shift",
                     "queued_off_shift")),
    Section("ap_trend", trend, chart="trend_chart", defines=("team_week_median",)),
    Section("ap_funnel", funnel, chart="funnel_chart",
            defines=("ap_def_ap_presale_sessions", "ap_def_ap_after_sales_sessions",
                     "ap_def_inquiry_buyers", "ap_def_ap_step")),
    Section("ap_response", response, chart="response_chart",
            defines=("first_response_p90_on_shift_s", "ap_team_pooled")),
    Section("ap_review", review, defines=("slow_sessions", "long_sessions")),
    Section("ap_off_shift", queued),
    Section("ap_lost", lost, defines=("ap_lost",)),
    Section("ap_training", training, defines=("ap_training",)),
    Section("ap_scorecard", scorecard_detail, defines=("ap_scorecard", "ap_bonus",
                                                       "ap_team_median_score")),
    Section("ap_appendix", None, sheet=False),
])


def _promo_overlap(promos: pd.DataFrame, period: periods.Period
                   ) -> tuple[str | None, str | None, bool]:
    """(name and display name of a promo overlapping the period, whether the period lies
    within the promo)."""
    if promos.empty or "start" not in promos.columns:
        return None, None, False
    start, end = pd.Timestamp(period.start), pd.Timestamp(period.end) + pd.Timedelta(days=1)
    p = promos.groupby("name").agg(start=("start", "min"), end=("end", "max"))
    hit = p[(p["start"] < end) & (p["end"] >= start)]
    if hit.empty:
        return None, None, False
    key = name = str(hit.index[0])
    for col in ("display_name", "活动显示名"):
        if col in promos.columns:
            shown = promos.loc[promos["name"] == name, col].dropna()
            if len(shown):
                name = f"{shown.iloc[0]} ({name})"
                break
    row = hit.iloc[0]
    within = bool(row["start"].normalize() <= start and row["end"] >= end - pd.Timedelta(seconds=1))
    return key, name, within
