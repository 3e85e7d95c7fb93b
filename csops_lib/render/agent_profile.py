"""The agent profile's view (客服个人档案): headings, tables, charts and sentences of each section
of :data:`csops_lib.reports.agent_profile.SECTIONS`, in the catalog's language. The numbers
come from the report's frame builders; this module only shows them.
"""
from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import HTML

from csops_lib.metrics.agent_compare import queued_summary
from csops_lib.render import formats, html
from csops_lib.render import scorecard as sc
from csops_lib.render.labels import definition, has, has_definition, label, sentence
from csops_lib.reports import agent_profile as report
from csops_lib.reports.agent_profile import SECTIONS, ProfileData

RED = "color:#b00020;font-weight:bold"


def _done(fig):
    plt.close(fig)
    return fig


def _when(ts: pd.Series) -> pd.Series:
    """Session start times as ``MM-DD HH:MM``."""
    return ts.dt.strftime("%m-%d %H:%M")


def _waits(values, lang: str) -> list[str]:
    """Waits in words (``17秒``, ``4小时37分``): a wait over an hour reads in hours."""
    return [formats.duration(v, lang) for v in values]


class AgentProfile:
    """The view of one agent's profile (``data`` from :func:`report.load`) in ``lang``."""

    def __init__(self, data: ProfileData, lang: str = "zh"):
        self.data = data
        self.lang = lang

    @classmethod
    def load(cls, data_dir, agent: str, week: str | None = None, *, lang: str = "zh",
             **kwargs) -> AgentProfile:
        """Load the data (:func:`csops_lib.reports.agent_profile.load`) and view it."""
        return cls(report.load(data_dir, agent, week, **kwargs), lang)

    @property
    def agent(self) -> str:
        return self.data.agent

    def _t(self, key: str, **values) -> str:
        return sentence(key, self.lang, **values) if values else label(key, self.lang)

    def _table(self, frame: pd.DataFrame, kinds=None, caption: str | None = None):
        return html.table(frame, kinds, self.lang, caption=caption, relabel=False)

    # ------------------------------------------------------------------ header
    def title(self) -> HTML:
        d, p = self.data, self.data.period
        role = self._t(f"sc_role_{d.role}") if d.role else formats.MISSING
        hired = formats.fmt(d.hired_on, "date")
        facts = " · ".join([f"{self._t('team')}: {d.team or formats.MISSING}",
                            f"{self._t('ap_role')}: {role}", f"{self._t('ap_hired_on')}: {hired}",
                            f"{self._t('ap_shift')}: {self._shift()}",
                            f"{self._t('ap_team_size')}: {len(d.team_agents())}"])
        head = f"{self._t('agent_title')} · {d.agent} · {p.label}"
        line = (f"{self._t('ap_period')}: {p.start:%Y-%m-%d} – {p.end:%Y-%m-%d} · {facts} · "
                f"{self._t('generated_at')} {d.generated_at:%Y-%m-%d %H:%M}")
        return html.page_header(head, [line], toc_keys=SECTIONS.available(d), lang=self.lang)

    def section(self, key: str) -> HTML:
        return html.heading(key, self.lang)

    def _shift(self) -> str:
        sh = self.data.shift()
        return f"{sh[0]}–{sh[1]}" if sh else formats.MISSING

    # ------------------------------------------------------------------ overview
    def overview_table(self):
        d = self.data
        ov = report.overview(d)
        names = [sc.metric_label(m, self.lang) + (" *" if m == "inquiry_conversion"
                                                   and d.provisional else "")
                 for m in ov["metric"]]
        out = pd.DataFrame({
            self._t("metric"): names,
            self._t("agent_value"): [sc.fmt(m, v) for m, v in zip(ov["metric"],
                                                                   ov["agent_value"], strict=True)],
            self._t("team_median"): [sc.fmt(m, v) for m, v in zip(ov["metric"],
                                                                  ov["team_median"], strict=True)],
            self._t("vs_team"): [formats.fmt(v, "change0") for v in ov["vs_team"]]})
        note = self._t("provisional_note") if d.provisional and d.is_presale else None
        return self._table(out, caption=note)

    def strengths_and_gaps(self) -> dict[str, list[str]]:
        """The strengths, gaps and flags (:func:`report.strengths`) as sentences."""
        out: dict[str, list[str]] = {"strengths": [], "gaps": [], "flags": []}
        for r in report.strengths(self.data).itertuples():
            out[r.group].append(self._t(r.template, **self._values(r)))
        return out

    def _values(self, r) -> dict[str, Any]:
        if r.template in ("ap_better_than", "ap_worse_than"):
            return {"metric": sc.metric_label(r.metric, self.lang),
                    "value": sc.fmt(r.metric, r.value), "median": sc.fmt(r.metric, r.median)}
        if r.template == "ap_flag_training":
            return {"date": formats.fmt(r.date, "date"), "module": r.module,
                    "score": f"{r.score:.0f}"}
        if r.template == "ap_flag_off_shift":
            return {"n": f"{r.n:.0f}", "shift": self._shift()}
        return {"n": f"{r.n:.0f}", "share": formats.fmt(r.share, "rate"),
                "wait": formats.duration(self.data.params["long_wait_s"], self.lang)}

    def strengths_html(self) -> HTML:
        sg = self.strengths_and_gaps()
        parts = []
        for key, head, color in (("strengths", "ap_strength_h", "#1a7f37"),
                                 ("gaps", "ap_gap_h", "#b35900"), ("flags", "ap_flags_h", "#b00020")):
            if sg[key]:
                parts.append(html.bullets(self._t(head), sg[key], color=color))
        if not sg["strengths"] and not sg["gaps"]:
            parts.insert(0, html.paragraphs([self._t("ap_none_clear")]))
        return html.join(*parts)

    # ------------------------------------------------------------------ trend, funnel, response
    def trend_chart(self):
        return trend_chart(self.data, self.lang)

    def _stage(self, stage: str) -> str:
        return self._t({"presale_sessions": "ap_presale_sessions",
                        "after_sales_sessions": "ap_after_sales_sessions"}.get(stage, stage))

    def funnel_note(self) -> HTML | None:
        return None if self.data.is_presale else html.paragraphs([self._t("ap_no_funnel")])

    def funnel_table(self):
        f = report.funnel(self.data)
        step, med = self._t("ap_step"), self._t("team_median")
        out = pd.DataFrame({
            self._t("ap_stage"): [self._stage(s) for s in f["stage"]],
            self._t("agent_value"): f["agent_value"].to_numpy(),
            f"{step} ({self.agent})": f["agent_step"].to_numpy(),
            med: f["team_median"].to_numpy(),
            f"{step} ({med})": f["team_step"].to_numpy()})
        kinds = dict(zip(out.columns, ["text", "count", "rate", "number1", "rate"],
                         strict=True))
        return self._table(out, kinds)

    def funnel_chart(self):
        return funnel_chart(report.funnel(self.data), [self._stage(s) for s in
                                                       report.funnel(self.data)["stage"]],
                            self.agent, self.lang)

    def response_table(self):
        r = report.response(self.data)
        out = pd.DataFrame({
            self._t("metric"): [sc.metric_label(m, self.lang) for m in r["metric"]],
            self._t("agent_value"): [sc.fmt(m, v) for m, v in
                                     zip(r["metric"], r["agent_value"], strict=True)],
            self._t("ap_team_pooled"): [sc.fmt(m, v) for m, v in
                                        zip(r["metric"], r["team"], strict=True)]})
        return self._table(out)

    def response_chart(self):
        return response_chart(report.response_times(self.data), self.data.params, self.agent,
                              self.lang)

    # ------------------------------------------------------------------ review lists
    def _caption(self, n: int) -> str:
        k = self.data.settings.max_rows
        return self._t("ap_showing", n=n, k=k) if n > k else self._t("ap_all_listed", n=n)

    def _category(self, v) -> str:
        key = {"presale": "ap_presale_sessions", "after_sales": "ap_after_sales_sessions"}.get(v)
        return self._t(key) if key else formats.MISSING if pd.isna(v) else str(v)

    def review_table(self):
        s = report.review(self.data)
        if s.empty:
            return html.paragraphs([self._t("ap_no_rows")])
        sep = self._t("list_separator")
        issues = [sep.join(self._t(k) for k, on in (("ap_unanswered", not r.replied),
                                                    ("ap_slow", r.is_slow),
                                                    ("ap_long", r.is_long)) if on)
                  for r in s.itertuples()]
        out = pd.DataFrame({
            self._t("started_at"): _when(s["start"]), self._t("customer"): s["customer_id"],
            self._t("category"): [self._category(v) for v in s["category"]],
            self._t("issues"): issues,
            self._t("ap_first_wait"): _waits(s["first_response_s"], self.lang),
            self._t("ap_longest_wait"): _waits(s["max_wait_s"], self.lang),
            self._t("n_turns"): s["n_turns"],
        }).head(self.data.settings.max_rows)
        return self._table(out, {self._t("n_turns"): "count"}, caption=self._caption(len(s)))

    def queued_note(self) -> HTML:
        """How many of the agent's sessions started off shift, and how they ended."""
        q = report.queued(self.data)
        if q.empty:
            return html.paragraphs([self._t("ap_off_shift_none", shift=self._shift())])
        qs = queued_summary(q)
        return html.paragraphs([self._t(
            "ap_off_shift_line", n=qs["n"], shift=self._shift(), replied=qs["replied"],
            wait=formats.duration(qs["median_wait_s"], self.lang), unanswered=qs["unanswered"])])

    def queued_table(self):
        q = report.queued(self.data)
        if q.empty:
            return html.paragraphs([self._t("ap_no_rows")])
        replied = q["replied"].astype("boolean").fillna(False).astype(bool)
        out = pd.DataFrame({
            self._t("started_at"): _when(q["start"]), self._t("customer"): q["customer_id"],
            self._t("category"): [self._category(v) for v in q["category"]],
            self._t("ap_replied"): np.where(replied, self._t("ap_yes"), self._t("ap_no")),
            self._t("ap_first_wait"): _waits(q["first_response_s"], self.lang),
            self._t("n_turns"): q["n_turns"],
        }).head(self.data.settings.max_rows)
        k = self.data.settings.max_rows
        cap = (self._t("ap_showing_newest", n=len(q), k=k) if len(q) > k
               else self._t("ap_all_listed", n=len(q)))
        return self._table(out, {self._t("n_turns"): "count"}, caption=cap)

    def lost_table(self):
        lost = report.lost(self.data)
        if lost.empty:
            return html.paragraphs([self._t("ap_no_rows")])
        prov = lost["provisional"].astype("boolean").fillna(False).astype(bool)
        agreed = lost["agreed_to_buy"].astype("boolean").fillna(False).astype(bool)
        out = pd.DataFrame({
            self._t("started_at"): _when(lost["start"]),
            self._t("customer"): lost["customer_id"],
            self._t("ap_first_wait"): _waits(lost["first_response_s"], self.lang),
            self._t("n_turns"): lost["n_turns"],
            self._t("ap_agreed"): np.where(agreed, self._t("ap_yes"), self._t("ap_no")),
            self._t("status"): np.where(prov, self._t("ap_lost_open"), self._t("ap_lost_final")),
        }).head(self.data.settings.max_rows)
        k = self.data.settings.max_rows
        cap = self._t("ap_lost_caption", n=len(lost), open=int(prov.sum()), k=min(k, len(lost)))
        return self._table(out, {self._t("n_turns"): "count"}, caption=cap)

    # ------------------------------------------------------------------ training
    def training_table(self):
        t = report.training(self.data)
        if t.empty:
            return html.paragraphs([self._t("ap_no_training")])
        flag = self._t("ap_flag")
        out = pd.DataFrame({
            self._t("date"): t["date"], self._t("ap_module"): t["module"],
            self._t("ap_score"): t["score"], self._t("ap_week_of_hire"): t["week_of_hire"],
            flag: np.where(t["flag"], "⚠ " + self._t("ap_flag_low"), "")})
        kinds = {self._t("date"): "date", self._t("ap_score"): "count",
                 self._t("ap_week_of_hire"): "count"}
        return self._table(out, kinds).apply(
            lambda row: [RED if row[flag] else "" for _ in row], axis=1)

    # ------------------------------------------------------------------ scorecard
    def score_line(self) -> HTML:
        d = self.data
        ev = d.evaluation
        me = ev.scores.loc[d.agent]
        name = sc.scheme_name(ev.scheme, self.lang)
        notes = []
        if d.promo_mode:
            notes.append(self._t("ap_promo_mode", promo=d.promo_name or ""))
        elif d.promo_name:
            notes.append(self._t("ap_promo_note", promo=d.promo_name))
        if pd.isna(me["score"]):
            return html.paragraphs([*notes, self._t("ap_no_score", scheme=name)])
        st = report.standing(d)
        text = self._t("ap_score_line", scheme=name, score=formats.fmt(st["score"], "score1"),
                       rank=int(st["rank"]), n=int(st["ranked"]),
                       median=formats.fmt(st["team_median_score"], "score1"),
                       bonus=formats.fmt(st["bonus"], "money"),
                       pool=formats.fmt(ev.pool, "money"), threshold=f"{ev.threshold:g}")
        return html.join(html.paragraphs(notes), html.bold(text))

    def scorecard_table(self):
        rows = []
        for r in report.scorecard_detail(self.data).itertuples():
            ratio = weight = points = formats.MISSING
            if not r.applies:
                ratio = self._t("sc_not_used")
            elif not r.used:
                ratio = self._t("sc_missing")
            else:
                ratio, weight = formats.fmt(r.ratio, "rate0"), formats.fmt(r.weight, "rate0")
                points = formats.fmt(r.points, "score1")
            rows.append([sc.metric_label(r.metric, self.lang), self._t(f"sc_{r.better}"),
                         sc.fmt(r.metric, r.target), sc.fmt(r.metric, r.achieved), ratio,
                         weight, points])
        total = self.data.evaluation.scores.loc[self.agent, "score"]
        rows.append([self._t("sc_score"), "", "", "", "", "", formats.fmt(total, "score1")])
        cols = [self._t(k) for k in ("sc_dimension", "sc_better", "sc_target", "sc_achieved",
                                     "sc_ratio", "sc_weight", "sc_points")]
        return self._table(pd.DataFrame(rows, columns=cols))

    def ranking_table(self):
        """The agent's own score and rank against the team median score (no colleague's
        score or bonus: this document goes to the agent)."""
        st = report.standing(self.data)
        rank = (formats.MISSING if pd.isna(st["rank"])
                else f"{int(st['rank'])} / {int(st['ranked'])}")
        out = pd.DataFrame({self._t("sc_score"): [formats.fmt(st["score"], "score1")],
                            self._t("rank"): [rank],
                            self._t("ap_team_median_score"): [
                                formats.fmt(st["team_median_score"], "score1")]})
        return self._table(out)

    # ------------------------------------------------------------------ appendix, workbook
    def appendix(self):
        """Definitions of every metric the shown sections and the scheme's dimensions use."""
        d = self.data
        values = {**d.params, "gap": d.settings.gap, "training_pass": d.settings.training_pass}
        keys = list(SECTIONS.defined(d))
        for m in d.evaluation.scheme.metrics:
            key = sc.LABEL_KEYS.get(m, m)
            if has_definition(key) and key not in keys and f"ap_def_{key}" not in keys:
                keys.append(key)
        rows = [(label(k.removeprefix("ap_def_"), self.lang), definition(k, self.lang, **values))
                for k in keys]
        return self._table(pd.DataFrame(rows, columns=[self._t("metric"),
                                                       self._t("definition")]))

    def parameters(self):
        """Every threshold and setting in force: name, meaning (translated), value."""
        d = self.data
        own = {f"ap_param_{k}": v for k, v in d.settings.model_dump().items()}
        shop = {f"param_{k}": v for k, v in d.params.items() if k != "data_dir"}
        rows = []
        for key, v in {**shop, **own}.items():
            name = key.removeprefix("ap_param_").removeprefix("param_")
            shown = (self._t("auto") if v is None else formats.MISSING if v == "" else str(v))
            rows.append((name, self._t(key) if has(key) else formats.MISSING, shown))
        return self._table(pd.DataFrame(rows, columns=[self._t("parameter"), self._t("meaning"),
                                                       self._t("parameter_value")]),
                           caption=self._t("weekly_thresholds"))

    def tables(self) -> dict[str, pd.DataFrame]:
        """The report's frames (raw numbers, customers masked) by section, for a workbook."""
        return {key.removeprefix("ap_"): frame for key, (frame, _)
                in SECTIONS.sheets(self.data).items()}


# ---------------------------------------------------------------------------- charts
def trend_chart(d: ProfileData, lang: str):
    """The agent's weekly values against the team median (yellow: the period)."""
    t = report.trend(d)
    med = t[t["series"] == "team_week_median"].set_index("week")
    mine = t[t["series"] == "agent"].set_index("week")
    metrics = [m for m in report.TREND_METRICS
               if d.is_presale or m != "inquiry_conversion"]
    nrow = int(np.ceil(len(metrics) / 2))
    fig, axes = plt.subplots(nrow, 2, figsize=(10, 3.1 * nrow), squeeze=False)
    lo = pd.Timestamp(report._monday(d.period.start)) - pd.Timedelta(days=2)
    hi = pd.Timestamp(report._monday(d.period.end)) + pd.Timedelta(days=2)
    for ax, metric in zip(axes.flat, metrics, strict=False):  # a 2-column grid may have one spare
        ax.plot(med.index, med[metric], color="#9aa5b1", marker="o", lw=1.5, ls="--",
                label=label("team_week_median", lang))
        ax.plot(mine.index, mine[metric], color="C0", marker="o", lw=2.2, label=d.agent)
        ax.set_title(sc.metric_label(metric, lang), fontsize=11)
        if sc.kind(metric) == "rate":
            ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.1%}"))
        ax.set_xticks(med.index)
        ax.set_xticklabels([f"{x:%m-%d}" for x in med.index], fontsize=8)
        ax.axvspan(lo, hi, color="#fff3c4", zorder=0)
        ax.grid(alpha=.3)
    for ax in list(axes.flat)[len(metrics):]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=9, loc="best")
    fig.text(0.01, 0.0, label("ap_trend_note", lang), fontsize=8, color="#555")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    return _done(fig)


def funnel_chart(f: pd.DataFrame, names: list[str], agent: str, lang: str):
    """The funnel's stages: the agent's bars against the team median's."""
    y = np.arange(len(f))
    fig, ax = plt.subplots(figsize=(9, 0.55 * len(f) + 1.4))
    ax.barh(y - 0.2, f["agent_value"], height=0.38, color="C0", label=agent)
    ax.barh(y + 0.2, f["team_median"], height=0.38, color="#b8c4d6",
            label=label("team_median", lang))
    for yi, v in zip(y, f["agent_value"], strict=True):
        ax.text(v, yi - 0.2, " " + formats.fmt(v, "count"), va="center", fontsize=8)
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.set_title(label("ap_funnel", lang))
    ax.legend(fontsize=9, loc="lower right")
    ax.grid(axis="y", visible=False)
    return _done(fig)


def response_chart(times: pd.DataFrame, params: dict, agent: str, lang: str):
    """Share of sessions by first-response time (log scale): the team filled, the agent as a
    line, with the slow and 3-minute thresholds."""
    team = times["first_response_s"]
    mine = times.loc[times["mine"], "first_response_s"]
    hi = max(float(team.max()) if len(team) else 10.0, 10.0)
    bins = np.logspace(0, np.log10(hi * 1.05), 30)
    fig, ax = plt.subplots(figsize=(9, 3.8))
    ax.hist(team.clip(lower=1), bins=bins, weights=np.full(len(team), 1 / max(len(team), 1)),
            color="#b8c4d6", label=label("ap_team_all", lang), alpha=0.9)
    ax.hist(mine.clip(lower=1), bins=bins, weights=np.full(len(mine), 1 / max(len(mine), 1)),
            histtype="step", lw=2.2, color="C0", label=agent)
    ax.set_xscale("log")
    ticks = [t for t in (1, 3, 10, 30, 60, 180, 600, 1800, 3600, 14400) if t <= hi * 1.05]
    ax.set_xticks(ticks)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(plt.NullFormatter())
    for x, key, col, h in ((params["slow_gap_s"], "ap_slow_line", "#b35900", 0.95),
                           (params["sla_answer_s"], "ap_sla_line", "#b00020", 0.82)):
        ax.axvline(x, color=col, ls=":", lw=1.5)
        ax.text(x, ax.get_ylim()[1] * h, f" {label(key, lang)} {x}s", color=col, fontsize=8,
                va="top")
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.set_xlabel(label("ap_seconds_log", lang))
    ax.set_ylabel(label("ap_sessions_share", lang))
    ax.set_title(label("ap_response", lang))
    ax.legend(fontsize=9)
    return _done(fig)
