"""One agent against the team median: the agent profile report (客服个人档案).

`AgentProfile.load(data_dir, agent, week)` (or `date_from` / `date_to`) reads the period and
the weeks before it (the trend) from the store, computes the agent-day KPIs of every agent once
(`metrics.kpis.agent_kpis`), the sessions once (`metrics.sessions.build_sessions`), the
inquiry outcomes of the agent's pre-sale sessions, the period's scorecard metrics
(`scorecard.period_metrics`) and the shop's scheme evaluation (`scorecard.evaluate`).

"Team" is the agent's roster team (all agents without a roster); the **team median** is the
median over the team's agents with at least one session in the period, the agent included.
Strengths and gaps: a metric is a strength when the agent beats the team median by at least
`GAP` (10 %, relative; lower-is-better metrics the other way round), a gap when behind by as
much; at most three of each, largest first; plus flags (a training score below 80 in the
agent's second week after hiring, unanswered / slow / long sessions).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import HTML

from csops_lib import periods, store
from csops_lib.metrics import scorecard
from csops_lib.metrics.attribution import inquiry_outcomes
from csops_lib.metrics.kpis import agent_kpis
from csops_lib.metrics.sessions import build_sessions
from csops_lib.privacy import mask_customer_id
from csops_lib.render.labels import label
from csops_lib.settings.shop import load_shop_params

TREND_WEEKS = 8        # weeks of history in the trend chart (the period's week included)
GAP = 0.10             # relative difference from the team median that counts as strength / gap
TRAINING_PASS = 80.0   # a new agent's assessment below this in week two is flagged
MIN_COUNT_DIFF = 5     # counts (e.g. slow sessions) must differ by at least this many
MAX_ROWS = 40          # rows listed in the review tables (the caption gives the total)


#: the overview / strengths metrics: (metric, better) — format from scorecard.METRIC_KINDS
OVERVIEW = [
    ("sessions", None), ("inquiries", None), ("inquiry_conversion", "higher"),
    ("sales", "higher"), ("orders", "higher"), ("aov", "higher"), ("reply_rate", "higher"),
    ("first_response_s", "lower"), ("within_3min_rate", "higher"),
    ("unanswered", "lower"), ("slow_sessions", "lower"), ("long_sessions", "lower"),
]
#: presale-only metrics (not compared for agents without inquiries)
PRESALE_ONLY = {"inquiries", "inquiry_conversion", "sales", "orders", "aov"}
_EXTRA_KINDS = {"unanswered": "count", "slow_sessions": "count", "long_sessions": "count"}


class UnknownAgentError(ValueError):
    """The agent is not in the roster nor in the chats of the period."""


def _kind(metric: str) -> str:
    return _EXTRA_KINDS.get(metric) or scorecard.METRIC_KINDS.get(metric, "count")


def _fmt(metric: str, value) -> str:
    if value is None or pd.isna(value):
        return "–"
    return scorecard.FORMATS[_kind(metric)].format(float(value))


def _done(fig):
    plt.close(fig)
    return fig


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
    start = period.start - dt.timedelta(weeks=TREND_WEEKS) if period else None
    known = known_agents(data_dir, start, period.end if period else None)
    if str(agent) not in known:
        raise UnknownAgentError(f"unknown agent {agent!r}; known agents: {', '.join(known)}")


@dataclass
class AgentProfile:
    """Everything the agent profile shows, for one agent and one period."""

    agent: str
    period: periods.Period
    lang: str
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
    generated_at: dt.datetime = field(default_factory=dt.datetime.now)

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, data_dir: str | Path, agent: str, week: str | None = None, *,
             date_from: str | None = None, date_to: str | None = None, lang: str = "zh",
             params: dict[str, Any] | None = None, scheme: str | None = None,
             promo_mode: str = "auto", scores_file: str | None = None,
             schemes_file: str | None = None) -> AgentProfile:
        """Read the store and compute everything; an unknown `agent` raises
        :class:`UnknownAgentError` (listing the known agents) before any heavy work."""
        data_dir = Path(data_dir)
        agent = str(agent).strip()
        period = resolve_period(data_dir, week, date_from, date_to)
        check_agent(data_dir, agent, period)
        p = dict(params or load_shop_params())
        config = scorecard.load_config(schemes_file)
        config.scheme(scheme)  # an unknown scheme fails early too
        trend_start = _monday(period.start) - dt.timedelta(weeks=TREND_WEEKS - 1)
        back = max(7, int(p["after_sales_lookback_days"]))
        orders = store.read(data_dir, "orders", trend_start - dt.timedelta(days=back),
                            period.end + dt.timedelta(days=int(p["followup_days"])))
        chats = store.read(data_dir, "chats", trend_start, period.end)
        kpis = agent_kpis(chats, orders, params=p, date_from=trend_start, date_to=period.end)
        sessions = build_sessions(chats, orders, params=p)
        start, end = pd.Timestamp(period.start), pd.Timestamp(period.end)
        own = sessions[(sessions["agent"] == agent) & sessions["date"].between(start, end)]
        outcomes = inquiry_outcomes(own, orders, params=p) if len(own) else pd.DataFrame()
        roster = store.read(data_dir, "roster")
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
        return cls(agent, period, lang, p, config, kpis, sessions, outcomes, metrics, roster,
                   training, evaluation, promo_name, bool(on), data_dir, trend_start)

    # ------------------------------------------------------------------ helpers
    def _t(self, key: str, **kw) -> str:
        text = label(key, self.lang)
        return text.format(**kw) if kw else text

    def _roster_row(self) -> pd.Series:
        r = self.roster
        if "agent" in r.columns and (r["agent"] == self.agent).any():
            return r[r["agent"] == self.agent].iloc[0]
        return pd.Series(dtype=object)

    @property
    def team(self) -> str | None:
        v = self._roster_row().get("team")
        return None if v is None or pd.isna(v) else str(v)

    @property
    def role(self) -> str | None:
        v = self._roster_row().get("role")
        return None if v is None or pd.isna(v) else str(v)

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

    def _in_period(self, df: pd.DataFrame, col: str = "date") -> pd.DataFrame:
        return df[df[col].between(pd.Timestamp(self.period.start), pd.Timestamp(self.period.end))]

    @property
    def provisional(self) -> bool:
        k = self._in_period(self.kpis)
        k = k[k["agent"] == self.agent]
        return bool(k.get("provisional", pd.Series(dtype=bool)).any())

    # ------------------------------------------------------------------ numbers
    def overview(self) -> pd.DataFrame:
        """metric, agent value, team median (raw numbers) for the overview metrics."""
        m = self.metrics.reindex(self.team_agents())
        rows = []
        for metric, better in OVERVIEW:
            if metric in PRESALE_ONLY and not self.is_presale:
                continue
            mine = m.loc[self.agent, metric] if metric in m.columns else np.nan
            med = m[metric].median() if metric in m.columns else np.nan
            rows.append({"metric": metric, "better": better, "agent": mine, "team_median": med})
        return pd.DataFrame(rows)

    def overview_table(self):
        ov = self.overview()
        rows = []
        for r in ov.itertuples():
            diff = "–"
            if pd.notna(r.agent) and pd.notna(r.team_median) and r.team_median:
                rel = r.agent / r.team_median - 1
                diff = f"{rel:+.0%}"
            name = scorecard.metric_label(r.metric, self.lang)
            if r.metric == "inquiry_conversion" and self.provisional:
                name += " *"
            rows.append({self._t("metric"): name,
                         self._t("ap_agent_value"): _fmt(r.metric, r.agent),
                         self._t("ap_team_median"): _fmt(r.metric, r.team_median),
                         self._t("ap_vs_team"): diff})
        table = pd.DataFrame(rows).style.hide(axis="index")
        show = self.provisional and self.is_presale
        return table.set_caption(self._t("ap_provisional")) if show else table

    def strengths_and_gaps(self) -> dict[str, list[str]]:
        """Plain-language strengths, gaps and flags derived from the numbers (module docstring)."""
        ov = self.overview()
        good, bad = [], []
        for r in ov.itertuples():
            if pd.isna(r.better) or pd.isna(r.agent) or pd.isna(r.team_median):
                continue
            if r.team_median == 0:
                rel = float(np.sign(r.agent))  # above a zero median: +100 %
            else:
                rel = r.agent / r.team_median - 1
            if r.better == "lower":
                rel = -rel
            if _kind(r.metric) == "count" and abs(r.agent - r.team_median) < MIN_COUNT_DIFF:
                continue  # one or two sessions more or less is noise, not a strength
            text = dict(metric=scorecard.metric_label(r.metric, self.lang),
                        value=_fmt(r.metric, r.agent), median=_fmt(r.metric, r.team_median))
            if rel >= GAP:
                good.append((rel, self._t("ap_better_than", **text)))
            elif rel <= -GAP:
                bad.append((rel, self._t("ap_worse_than", **text), r.metric))
        good = [t for _, t in sorted(good, key=lambda x: -x[0])[:3]]
        bad = sorted(bad, key=lambda x: x[0])[:3]
        in_gaps = {m for _, _, m in bad}
        bad = [t for _, t, _ in bad]
        flags = []
        low = self.training_table_data()
        for r in low[low["flag"]].itertuples():
            flags.append(self._t("ap_flag_training", date=f"{r.date:%Y-%m-%d}", module=r.module,
                                 score=f"{r.score:.0f}"))
        m = self.metrics.loc[self.agent] if self.agent in self.metrics.index else pd.Series()
        n_un, n_ses = m.get("unanswered", 0) or 0, m.get("sessions", 0) or 0
        if n_un > 0 and n_ses > 0 and "unanswered" not in in_gaps:
            flags.append(self._t("ap_flag_unanswered", n=f"{n_un:.0f}", share=f"{n_un / n_ses:.1%}"))
        if (m.get("long_sessions", 0) or 0) > 0 and "long_sessions" not in in_gaps:
            flags.append(self._t("ap_flag_long", n=f"{m['long_sessions']:.0f}",
                                 s=self.params["long_wait_s"]))
        if (m.get("slow_sessions", 0) or 0) > 0 and "slow_sessions" not in in_gaps:
            flags.append(self._t("ap_flag_slow", n=f"{m['slow_sessions']:.0f}"))
        return {"strengths": good, "gaps": bad, "flags": flags}

    def strengths_html(self) -> HTML:
        sg = self.strengths_and_gaps()
        parts = []
        for key, head, color in (("strengths", "ap_strength_h", "#1a7f37"),
                                 ("gaps", "ap_gap_h", "#b35900"), ("flags", "ap_flags_h", "#b00020")):
            if sg[key]:
                items = "".join(f"<li>{t}</li>" for t in sg[key])
                parts.append(f'<p style="margin:.4em 0 0;color:{color}"><b>{self._t(head)}</b></p>'
                             f"<ul style='margin-top:.2em'>{items}</ul>")
        if not sg["strengths"] and not sg["gaps"]:
            parts.insert(0, f"<p>{self._t('ap_none_clear')}</p>")
        return HTML("".join(parts))

    # ------------------------------------------------------------------ trend
    def weekly(self) -> pd.DataFrame:
        """Per week (Monday) × agent of the trend span: sessions, inquiry conversion, reply
        rate, first-response median, sales; plus the team median per week (agent 'team')."""
        k = self.kpis.assign(week=self.kpis["date"] - pd.to_timedelta(
            self.kpis["date"].dt.day_of_week, unit="D"))
        sums = k.groupby(["week", "agent"])[["sessions", "replied", "inquiries", "inquiry_buyers",
                                             "sales", "orders"]].sum().astype("float64")
        sums["reply_rate"] = sums["replied"] / sums["sessions"].where(sums["sessions"] > 0)
        sums["inquiry_conversion"] = sums["inquiry_buyers"] / sums["inquiries"].where(
            sums["inquiries"] > 0)
        s = self.sessions.assign(week=self.sessions["date"] - pd.to_timedelta(
            self.sessions["date"].dt.day_of_week, unit="D"))
        sums["first_response_s"] = s.groupby(["week", "agent"])["first_response_s"].median()
        return sums.reset_index()

    def trend_chart(self):
        w = self.weekly()
        team = self.team_agents()
        mates = w[w["agent"].isin(team) & (w["sessions"] > 0)]
        med = mates.groupby("week").median(numeric_only=True)
        mine = w[w["agent"] == self.agent].set_index("week")
        metrics = ["sessions", "reply_rate", "first_response_s"]
        if self.is_presale:
            metrics = ["sessions", "inquiry_conversion", "reply_rate", "first_response_s"]
        ncol = 2
        nrow = int(np.ceil(len(metrics) / ncol))
        fig, axes = plt.subplots(nrow, ncol, figsize=(10, 3.1 * nrow), squeeze=False)
        labels_ = [f"{self.agent}", self._t("ap_team_median")]
        for ax, metric in zip(axes.flat, metrics, strict=False):
            ax.plot(med.index, med[metric], color="#9aa5b1", marker="o", lw=1.5, ls="--",
                    label=labels_[1])
            ax.plot(mine.index, mine[metric], color="C0", marker="o", lw=2.2, label=labels_[0])
            ax.set_title(scorecard.metric_label(metric, self.lang), fontsize=11)
            kind = _kind(metric)
            if kind == "rate":
                ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
            ax.set_xticks(med.index)
            ax.set_xticklabels([f"{d:%m-%d}" for d in med.index], fontsize=8)
            ax.axvspan(pd.Timestamp(_monday(self.period.start)) - pd.Timedelta(days=2),
                       pd.Timestamp(_monday(self.period.end)) + pd.Timedelta(days=2),
                       color="#fff3c4", zorder=0)
            ax.grid(alpha=.3)
        for ax in list(axes.flat)[len(metrics):]:
            ax.set_visible(False)
        axes.flat[0].legend(fontsize=9, loc="best")
        fig.text(0.01, 0.0, self._t("ap_trend_note"), fontsize=8, color="#555")
        fig.tight_layout(rect=(0, 0.03, 1, 1))
        return _done(fig)

    # ------------------------------------------------------------------ funnel
    def funnel(self) -> pd.DataFrame:
        """stage, agent, team median: sessions → pre-sale sessions → inquiries → inquiry
        buyers (period; orders credited are in the overview: they also count follow-ups)."""
        s = self._in_period(self.sessions)
        pre = s[s["is_presale"]].groupby("agent").size()
        after = s[s["category"] == "after_sales"].groupby("agent").size()
        m = self.metrics.copy()
        m["presale_sessions"] = pre
        m["after_sales_sessions"] = after
        m = m.reindex(self.team_agents()).fillna({"presale_sessions": 0, "after_sales_sessions": 0})
        stages = (["sessions", "presale_sessions", "inquiries", "inquiry_buyers"]
                  if self.is_presale else ["sessions", "presale_sessions", "after_sales_sessions"])
        return pd.DataFrame({"stage": stages,
                             "agent": [m.loc[self.agent, c] for c in stages],
                             "team_median": [m[c].median() for c in stages]})

    def _stage_label(self, stage: str) -> str:
        return {"presale_sessions": self._t("ap_presale_sessions"),
                "after_sales_sessions": self._t("ap_after_sales_sessions")}.get(
            stage, self._t(stage))

    def funnel_note(self) -> HTML | None:
        return None if self.is_presale else HTML(f"<p>{self._t('ap_no_funnel')}</p>")

    def funnel_table(self):
        f = self.funnel()
        if not self.is_presale:  # the session mix: no conversion steps to show
            f = f[(f["agent"] > 0) | (f["team_median"] > 0)].reset_index(drop=True)
        step = f["agent"] / f["agent"].shift(1).where(f["agent"].shift(1) > 0)
        step_t = f["team_median"] / f["team_median"].shift(1).where(f["team_median"].shift(1) > 0)
        if not self.is_presale:
            step[:] = np.nan
            step_t[:] = np.nan
        out = pd.DataFrame({
            self._t("ap_stage"): [self._stage_label(s) for s in f["stage"]],
            self._t("ap_agent_value"): [f"{v:,.0f}" for v in f["agent"]],
            f"{self._t('ap_step')} ({self.agent})": ["–" if pd.isna(v) else f"{v:.1%}" for v in step],
            self._t("ap_team_median"): [f"{v:,.1f}" for v in f["team_median"]],
            f"{self._t('ap_step')} ({self._t('ap_team_median')})":
                ["–" if pd.isna(v) else f"{v:.1%}" for v in step_t],
        })
        return out.style.hide(axis="index")

    def funnel_chart(self):
        f = self.funnel()
        if not self.is_presale:
            f = f[(f["agent"] > 0) | (f["team_median"] > 0)].reset_index(drop=True)
        names = [self._stage_label(s) for s in f["stage"]]
        y = np.arange(len(f))
        fig, ax = plt.subplots(figsize=(9, 0.55 * len(f) + 1.4))
        ax.barh(y - 0.2, f["agent"], height=0.38, color="C0", label=self.agent)
        ax.barh(y + 0.2, f["team_median"], height=0.38, color="#b8c4d6",
                label=self._t("ap_team_median"))
        for yi, v in zip(y, f["agent"], strict=True):
            ax.text(v, yi - 0.2, f" {v:,.0f}", va="center", fontsize=8)
        ax.set_yticks(y, names)
        ax.invert_yaxis()
        ax.set_title(self._t("ap_funnel"))
        ax.legend(fontsize=9, loc="lower right")
        ax.grid(axis="y", visible=False)
        return _done(fig)

    # ------------------------------------------------------------------ response times
    def response_stats(self):
        s = self._in_period(self.sessions)
        team = s[s["agent"].isin(self.team_agents())]
        mine = s[s["agent"] == self.agent]

        def stats(df):
            fr = df["first_response_s"].dropna()
            return {"p50": fr.median(), "p90": fr.quantile(0.9) if len(fr) else np.nan,
                    "reply_rate": df["replied"].mean() if len(df) else np.nan}

        return stats(mine), stats(team)

    def response_chart(self):
        s = self._in_period(self.sessions)
        team = s[s["agent"].isin(self.team_agents())]["first_response_s"].dropna()
        mine = s[s["agent"] == self.agent]["first_response_s"].dropna()
        hi = max(float(team.max()) if len(team) else 10.0, 10.0)
        bins = np.logspace(0, np.log10(hi * 1.05), 30)
        fig, ax = plt.subplots(figsize=(9, 3.8))
        ax.hist(team.clip(lower=1), bins=bins, weights=np.full(len(team), 1 / max(len(team), 1)),
                color="#b8c4d6", label=self._t("ap_team_median").replace("中位数", "") if
                self.lang == "zh" else "Team", alpha=0.9)
        ax.hist(mine.clip(lower=1), bins=bins, weights=np.full(len(mine), 1 / max(len(mine), 1)),
                histtype="step", lw=2.2, color="C0", label=self.agent)
        ax.set_xscale("log")
        for x, key, col, h in ((self.params["slow_gap_s"], "ap_slow_line", "#b35900", 0.95),
                               (self.params["sla_answer_s"], "ap_sla_line", "#b00020", 0.82)):
            ax.axvline(x, color=col, ls=":", lw=1.5)
            ax.text(x, ax.get_ylim()[1] * h, f" {self._t(key)} {x}s", color=col, fontsize=8,
                    va="top")
        ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
        ax.set_xlabel(self._t("ap_seconds_log"))
        ax.set_ylabel(self._t("ap_sessions_share"))
        ax.set_title(self._t("ap_response"))
        ax.legend(fontsize=9)
        return _done(fig)

    def response_table(self):
        mine, team = self.response_stats()
        m = self.metrics
        w3_me = m.loc[self.agent, "within_3min_rate"] if self.agent in m.index else np.nan
        w3_team = m.reindex(self.team_agents())["within_3min_rate"].median()
        rows = [(self._t("ap_p50"), f"{mine['p50']:,.1f}", f"{team['p50']:,.1f}"),
                (self._t("ap_p90"), f"{mine['p90']:,.1f}", f"{team['p90']:,.1f}"),
                (scorecard.metric_label("within_3min_rate", self.lang), _fmt("within_3min_rate", w3_me),
                 _fmt("within_3min_rate", w3_team)),
                (self._t("reply_rate"), _fmt("reply_rate", mine["reply_rate"]),
                 _fmt("reply_rate", team["reply_rate"]))]
        cols = [self._t("metric"), self._t("ap_agent_value"), self._t("ap_team_pooled")]
        return pd.DataFrame(rows, columns=cols).style.hide(axis="index")

    # ------------------------------------------------------------------ review lists
    def review_sessions(self) -> pd.DataFrame:
        """The agent's slow, long or unanswered sessions of the period, by start time."""
        s = self._in_period(self.sessions)
        s = s[(s["agent"] == self.agent) & (s["is_slow"] | s["is_long"] | ~s["replied"])]
        return s.sort_values("start").reset_index(drop=True)

    def _caption(self, n: int) -> str:
        return (self._t("ap_showing", n=n, k=MAX_ROWS) if n > MAX_ROWS
                else self._t("ap_all_listed", n=n))

    def _category(self, v) -> str:
        key = {"presale": "ap_presale_sessions", "after_sales": "ap_after_sales_sessions"}.get(v)
        return self._t(key) if key else ("–" if pd.isna(v) else str(v))

    def review_table(self):
        s = self.review_sessions()
        if s.empty:
            return HTML(f"<p>{self._t('ap_no_rows')}</p>")
        issues = []
        for r in s.itertuples():
            it = [self._t(k) for k, on in (("ap_unanswered", not r.replied), ("ap_slow", r.is_slow),
                                           ("ap_long", r.is_long)) if on]
            issues.append("、".join(it) if self.lang == "zh" else ", ".join(it))
        out = pd.DataFrame({
            self._t("ap_started_at"): s["start"].dt.strftime("%m-%d %H:%M"),
            self._t("ap_customer"): mask_customer_id(s["customer_id"]),
            self._t("ap_category"): [self._category(v) for v in s["category"]],
            self._t("ap_issues"): issues,
            self._t("ap_first_response"): s["first_response_s"],
            self._t("ap_max_wait"): s["max_wait_s"],
            self._t("ap_turns"): s["n_turns"],
        }).head(MAX_ROWS)
        return (out.style.format({self._t("ap_first_response"): "{:,.0f}",
                                  self._t("ap_max_wait"): "{:,.0f}"}, na_rep="–")
                .hide(axis="index").set_caption(self._caption(len(s))))

    def lost_inquiries(self) -> pd.DataFrame:
        """The agent's pre-sale sessions (inquiries) of the period whose customer did not pay
        in the follow-up window (``open`` = the window has not closed yet)."""
        o = self.outcomes
        if o.empty or "paid" not in o.columns:
            return pd.DataFrame(columns=["start", "customer_id", "provisional"])
        lost = o[~o["paid"].astype("boolean").fillna(False).astype(bool)]
        s = self.sessions[["agent", "customer_id", "date", "first_response_s", "n_turns",
                           "agreed_to_buy"]]
        lost = lost.merge(s, on=["agent", "customer_id", "date"], how="left")
        return lost.sort_values("start").reset_index(drop=True)

    def lost_table(self):
        lost = self.lost_inquiries()
        if lost.empty:
            return HTML(f"<p>{self._t('ap_no_rows')}</p>")
        prov = lost["provisional"].astype("boolean").fillna(False).astype(bool)
        out = pd.DataFrame({
            self._t("ap_started_at"): lost["start"].dt.strftime("%m-%d %H:%M"),
            self._t("ap_customer"): mask_customer_id(lost["customer_id"]),
            self._t("ap_first_response"): lost["first_response_s"],
            self._t("ap_turns"): lost["n_turns"],
            self._t("ap_agreed"): np.where(lost["agreed_to_buy"].fillna(False).astype(bool),
                                           self._t("ap_yes"), self._t("ap_no")),
            self._t("ap_status"): np.where(prov, self._t("ap_lost_open"),
                                           self._t("ap_lost_final")),
        }).head(MAX_ROWS)
        cap = self._t("ap_lost_caption", n=len(lost), open=int(prov.sum()),
                      k=min(MAX_ROWS, len(lost)))
        return (out.style.format({self._t("ap_first_response"): "{:,.0f}"}, na_rep="–")
                .hide(axis="index").set_caption(cap))

    # ------------------------------------------------------------------ training
    def training_table_data(self) -> pd.DataFrame:
        """The agent's assessments with week since hire (1 = the first 7 days) and the flag
        (score < 80 in week two)."""
        t = self.training
        if t.empty or "agent" not in t.columns:
            return pd.DataFrame(columns=["date", "module", "score", "week_of_hire", "flag"])
        t = t[t["agent"] == self.agent].sort_values(["date", "module"]).copy()
        hired = self._roster_row().get("hired_on")
        start = pd.Timestamp(hired) if hired is not None and pd.notna(hired) else (
            t["date"].min() if len(t) else pd.NaT)
        t["week_of_hire"] = ((t["date"] - start).dt.days // 7 + 1).astype("Int64")
        t["flag"] = (t["week_of_hire"] == 2) & (t["score"] < TRAINING_PASS)
        t["flag"] = t["flag"].fillna(False).astype(bool)
        return t[["date", "module", "score", "week_of_hire", "flag"]].reset_index(drop=True)

    def training_table(self):
        t = self.training_table_data()
        if t.empty:
            return HTML(f"<p>{self._t('ap_no_training')}</p>")
        out = pd.DataFrame({
            self._t("date"): t["date"].dt.strftime("%Y-%m-%d"),
            self._t("ap_module"): t["module"],
            self._t("ap_score"): t["score"].map(lambda v: f"{v:.0f}"),
            self._t("ap_week_of_hire"): t["week_of_hire"],
            self._t("ap_flag"): np.where(t["flag"], "⚠ " + self._t("ap_flag_low"), ""),
        })

        def red(row):
            flag = row[self._t("ap_flag")]
            return ["color:#b00020;font-weight:bold" if flag else "" for _ in row]

        return out.style.apply(red, axis=1).hide(axis="index")

    # ------------------------------------------------------------------ scorecard
    def agent_score(self) -> pd.Series:
        return self.evaluation.scores.loc[self.agent]

    def score_line(self) -> HTML:
        ev = self.evaluation
        sc = ev.scores
        me = sc.loc[self.agent]
        name = ev.scheme.name(self.lang)
        notes = ""
        if self.promo_mode:
            notes = f"<p>{self._t('ap_promo_mode', promo=self.promo_name or '')}</p>"
        elif self.promo_name:
            notes = f"<p>{self._t('ap_promo_note', promo=self.promo_name)}</p>"
        if pd.isna(me["score"]):
            return HTML(notes + f"<p>{self._t('ap_no_score', scheme=name)}</p>")
        n = int(sc["score"].notna().sum())
        text = self._t("ap_score_line", scheme=name, score=f"{me['score']:.1f}",
                       rank=int(me["rank"]), n=n, bonus=f"¥{me['bonus']:,.2f}",
                       pool=f"¥{ev.pool:,.2f}", threshold=f"{ev.threshold:g}")
        return HTML(notes + f"<p><b>{text}</b></p>")

    def scorecard_table(self):
        d = self.evaluation.detail
        d = d[d["agent"] == self.agent]
        rows = []
        for r in d.itertuples():
            if not r.applies:
                ratio, weight, points = self._t("sc_not_used"), "–", "–"
            elif not r.used:
                ratio, weight, points = self._t("sc_missing"), "–", "–"
            else:
                ratio, weight, points = f"{r.ratio:.0%}", f"{r.weight:.0%}", f"{r.points:.1f}"
            rows.append({self._t("sc_dimension"): scorecard.metric_label(r.metric, self.lang),
                         self._t("sc_better"): self._t(f"sc_{r.better}"),
                         self._t("sc_target"): scorecard.fmt(r.metric, r.target),
                         self._t("sc_achieved"): scorecard.fmt(r.metric, r.achieved),
                         self._t("sc_ratio"): ratio, self._t("sc_weight"): weight,
                         self._t("sc_points"): points})
        total = self.agent_score()["score"]
        rows.append({self._t("sc_dimension"): f"<b>{self._t('sc_score')}</b>",
                     self._t("sc_points"): "–" if pd.isna(total) else f"<b>{total:.1f}</b>"})
        return pd.DataFrame(rows).fillna("").style.hide(axis="index")

    def ranking_table(self):
        sc = self.evaluation.scores.sort_values(["rank", "score"], ascending=[True, False])
        out = pd.DataFrame({
            self._t("agent"): sc.index,
            self._t("sc_score"): sc["score"].to_numpy(),
            self._t("sc_rank"): sc["rank"].astype("float64").to_numpy(),
            self._t("sc_bonus"): sc["bonus"].to_numpy(),
        })
        me = self.agent

        def bold(row):
            on = row[self._t("agent")] == me
            return ["font-weight:bold;background:#fff3c4" if on else "" for _ in row]

        return (out.style.format({self._t("sc_score"): "{:.1f}", self._t("sc_rank"): "{:.0f}",
                                  self._t("sc_bonus"): "¥{:,.2f}"}, na_rep="–")
                .apply(bold, axis=1).hide(axis="index").set_caption(self._t("ap_ranking")))

    # ------------------------------------------------------------------ text
    def title(self) -> HTML:
        p = self.period
        row = self._roster_row()
        role = self.role
        role_t = label(f"sc_role_{role}", self.lang) if role else "–"
        hired = row.get("hired_on")
        hired_t = f"{pd.Timestamp(hired):%Y-%m-%d}" if hired is not None and pd.notna(hired) else "–"
        toc_keys = ("ap_overview", "ap_trend", "ap_funnel", "ap_response", "ap_review", "ap_lost",
                    "ap_training", "ap_scorecard", "ap_appendix")
        toc = "".join(f'<li><a href="#{k}">{self._t(k)}</a></li>' for k in toc_keys)
        facts = " · ".join([f"{self._t('ap_team')}: {self.team or '–'}",
                            f"{self._t('ap_role')}: {role_t}",
                            f"{self._t('ap_hired_on')}: {hired_t}",
                            f"{self._t('ap_team_size')}: {len(self.team_agents())}"])
        return HTML(
            f"<h1>{self._t('agent_title')} · {self.agent} · {p.label}</h1>"
            f"<p>{self._t('ap_period')}: {p.start:%Y-%m-%d} – {p.end:%Y-%m-%d} · {facts} · "
            f"{self._t('generated_at')} {self.generated_at:%Y-%m-%d %H:%M}</p><ul>{toc}</ul>")

    def section(self, key: str) -> HTML:
        return HTML(f'<h2 id="{key}">{self._t(key)}</h2>')

    def appendix(self):
        from csops_lib.render.labels import DEFINITIONS

        lang = 0 if self.lang == "zh" else 1
        rows = [{self._t("metric"): self._t(k),
                 self._t("definition"): DEFINITIONS[k][lang].format(**self.params)}
                for k in DEFINITIONS]
        extra = {
            "zh": [("团队中位数", "本人所在组别（客服名单）本期有会话的客服（含本人）各自数值的中位数。"),
                   ("优势 / 待改进", f"与团队中位数相差至少 {GAP:.0%}（相对差；越低越好的指标方向相反），各列最多三条。"),
                   ("首次响应中位数", "本期各会话首轮响应时间的中位数（秒）。"),
                   ("流失询单", "售前会话的买家在跟进窗口（至 D+{followup_days} 日结束）内没有付款。".format(**self.params)),
                   ("新人考核提醒", f"入职第二周（入职后第 8–14 天）的考核成绩低于 {TRAINING_PASS:.0f} 分。"),
                   ("考核得分", "每项 = 实际 / 目标（越低越好：目标 / 实际），最高 120%；权重归一；总分 = 100 × 加权和；"
                               "无数据的项不计入并重新归一权重；销售额和订单目标按周设定、按天数折算。"),
                   ("奖金", "奖金池 × (得分 − 门槛)⁺ / Σ(得分 − 门槛)⁺，按分取整，尾差归最高分者。")],
            "en": [("Team median", "The median over the agents of the agent's roster team with a "
                                   "session in the period (the agent included)."),
                   ("Strengths / gaps", f"At least {GAP:.0%} better / worse than the team median "
                                        "(relative; reversed for lower-is-better metrics), at most "
                                        "three each."),
                   ("First response median", "Median of the period's session first-turn response "
                                             "times (s)."),
                   ("Lost inquiry", "A pre-sale session whose customer did not pay within the "
                                    "follow-up window (to the end of day D+{followup_days})."
                    .format(**self.params)),
                   ("Training flag", f"An assessment below {TRAINING_PASS:.0f} in the agent's "
                                     "second week (days 8–14 after hiring)."),
                   ("Score", "Each dimension = achieved / target (lower is better: target / "
                             "achieved), at most 120 %; weights normalised; score = 100 × the "
                             "weighted sum; a dimension without data is left out and the weights "
                             "renormalised; sales and orders targets are per week, scaled to the "
                             "period."),
                   ("Bonus", "pool × (score − threshold)+ / Σ (score − threshold)+, rounded to "
                             "cents, the remainder to the top scorer.")],
        }[self.lang]
        rows += [{self._t("metric"): a, self._t("definition"): b} for a, b in extra]
        rows += [{self._t("metric"): k,
                  self._t("definition"): self._t("auto") if v is None else str(v)}
                 for k, v in self.params.items() if k not in ("data_dir",)]
        return (pd.DataFrame(rows).style.hide(axis="index")
                .set_properties(**{"text-align": "left"}))

    def tables(self) -> dict[str, pd.DataFrame]:
        """The report's tables (raw numbers) for a workbook."""
        return {"overview": self.overview(), "funnel": self.funnel(),
                "review": self.review_sessions().assign(
                    customer_id=lambda d: mask_customer_id(d["customer_id"])),
                "lost": self.lost_inquiries().assign(
                    customer_id=lambda d: mask_customer_id(d["customer_id"])),
                "training": self.training_table_data(),
                "scorecard": self.evaluation.detail[self.evaluation.detail["agent"] == self.agent]}


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
