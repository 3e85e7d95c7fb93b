"""What-if analysis (假设分析): conversion uplift → sales, agents needed for a forecast load,
KPI scheme comparison.

`WhatIf.load(data_dir, week)` reads the base week (default: the last complete week) and, when
the store has a promo, the promo's days; computes the agent KPIs, sessions and scorecard
metrics once; the methods recompute the cheap what-ifs for any parameter (so sliders can call
them). Definitions:

* :func:`uplift_sales` — per agent, conversion c = inquiry_buyers / inquiries; with an uplift u
  the new conversion is c' = min(c + u, 1) (``mode="points"``: u in percentage points as a
  fraction, 0.02 = +2 pp) or min(c × (1 + u), 1) (``mode="relative"``); extra buyers =
  inquiries × (c' − c); extra sales = extra buyers × the agent's AOV (sales / buyers; the
  shop's AOV for an agent without buyers). The base week's numbers, all else equal.
* Staffing (:meth:`WhatIf.staffing`) — sessions per hour of day = the mean over the base
  week's days of sessions started in that hour (``staffing.sessions_per_hour``), × the load
  multiplier; the agents needed per hour come from :func:`csops_lib.metrics.staffing.required_agents`
  (Erlang C with concurrency, occupancy cap and shrinkage); the handling time defaults to the
  measured mean session duration (first to last message, each capped at 30 min). Agents on
  shift per hour come from the roster's shifts.
* Scheme comparison — :func:`csops_lib.metrics.scorecard.compare_schemes` on the base week's metrics
  (and, in promo mode, on the promo's days with the promo's targets).
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
from csops_lib.metrics import scorecard, staffing
from csops_lib.metrics.kpis import agent_kpis
from csops_lib.metrics.sessions import build_sessions
from csops_lib.render.labels import label
from csops_lib.settings.shop import load_shop_params

AHT_CAP_S = 1800.0



def _done(fig):
    plt.close(fig)
    return fig


def uplift_sales(metrics: pd.DataFrame, uplift: float, mode: str = "points") -> pd.DataFrame:
    """Extra buyers and sales per agent if inquiry conversion rose by ``uplift`` (module
    docstring). ``metrics``: index agent with inquiries, inquiry_buyers, sales, buyers (e.g.
    :func:`csops_lib.metrics.scorecard.period_metrics`). Returns per agent: inquiries, conversion,
    new_conversion, aov, extra_buyers, extra_sales (agents without inquiries: 0 extra)."""
    if mode not in ("points", "relative"):
        raise ValueError(f"mode must be points or relative, not {mode!r}")
    if not np.isfinite(uplift) or uplift < 0:
        raise ValueError(f"uplift must be ≥ 0, not {uplift!r}")
    m = metrics[["inquiries", "inquiry_buyers", "sales", "buyers"]].astype("float64").fillna(0.0)
    inq = m["inquiries"]
    conv = (m["inquiry_buyers"] / inq.where(inq > 0))
    new = (conv + uplift) if mode == "points" else conv * (1 + uplift)
    new = new.clip(upper=1.0)
    shop_aov = m["sales"].sum() / m["buyers"].sum() if m["buyers"].sum() > 0 else np.nan
    aov = (m["sales"] / m["buyers"].where(m["buyers"] > 0)).fillna(shop_aov)
    extra_buyers = (inq * (new - conv)).fillna(0.0)
    out = pd.DataFrame({"inquiries": inq, "conversion": conv, "new_conversion": new, "aov": aov,
                        "extra_buyers": extra_buyers, "extra_sales": extra_buyers * aov.fillna(0)})
    out.index.name = "agent"
    return out


def agents_on_shift(roster: pd.DataFrame) -> pd.Series:
    """Agents whose roster shift covers each hour of the day (hour → count; 24:00 = midnight)."""
    hours = pd.Series(0, index=range(24), dtype="int64")
    if roster.empty or "shift_start" not in roster.columns:
        return hours
    for a, b in zip(roster["shift_start"], roster["shift_end"], strict=True):
        try:
            h0 = int(str(a).split(":")[0])
            h1 = int(str(b).split(":")[0])
        except ValueError:
            continue
        span = range(h0, h1) if h1 > h0 else [*range(h0, 24), *range(0, h1)]
        for h in span:
            hours[h % 24] += 1
    return hours


@dataclass
class WhatIf:
    """The what-if notebook's data (base week, optional promo) and calculators."""

    period: periods.Period
    lang: str
    params: dict[str, Any]
    config: scorecard.KpiConfig
    metrics: pd.DataFrame          # period_metrics of the base week
    per_hour: pd.DataFrame         # staffing.sessions_per_hour of the base week
    measured_aht_s: float
    roster: pd.DataFrame
    promo: dict[str, Any] | None   # name, start, end, metrics, team/agent targets
    data_dir: Path
    generated_at: dt.datetime = field(default_factory=dt.datetime.now)

    @classmethod
    def load(cls, data_dir: str | Path, week: str | None = None, *, lang: str = "zh",
             params: dict[str, Any] | None = None, scores_file: str | None = None,
             schemes_file: str | None = None) -> WhatIf:
        data_dir = Path(data_dir)
        span = store.date_range(data_dir, "orders")
        if span is None:
            raise FileNotFoundError(f"no orders in the store {data_dir}: run `csops ingest` first")
        period = periods.resolve("week", week, data_end=span[1])
        p = dict(params or load_shop_params())
        config = scorecard.load_config(schemes_file)
        supervisor = (scorecard.load_supervisor_scores(scores_file) if scores_file
                      else scorecard.supervisor_scores_from_store(data_dir))
        metrics, sessions, chats = _metrics(data_dir, period.start, period.end, p, supervisor)
        starts = sessions.assign(hour=sessions["start"].dt.hour)
        per_hour = (starts.groupby(["date", "hour"]).size().rename("sessions")
                    .reset_index())
        grid = pd.MultiIndex.from_product([sorted(starts["date"].unique()), range(24)],
                                          names=["date", "hour"])
        per_hour = per_hour.set_index(["date", "hour"]).reindex(grid, fill_value=0).reset_index()
        dur = (sessions["end"] - sessions["start"]).dt.total_seconds().clip(upper=AHT_CAP_S)
        aht = float(dur.mean()) if len(dur) else 300.0
        promo = None
        promos = store.read(data_dir, "promos")
        if not promos.empty and "start" in promos.columns:
            last = promos[promos["start"] <= pd.Timestamp(period.end) + pd.Timedelta(days=1)]
            if not last.empty:
                key = last.sort_values("start")["name"].iloc[-1]
                rows = promos[promos["name"] == key]
                start, end = rows["start"].min().date(), rows["end"].max().date()
                pm, _, _ = _metrics(data_dir, start, end, p, supervisor)
                shown = key
                for col in ("display_name", "活动显示名"):
                    if col in rows.columns and rows[col].notna().any():
                        shown = f"{rows[col].dropna().iloc[0]} ({key})"
                col = f"target_{config.team_pk_metric}"
                team_rows = rows[rows["agent"].isna()]
                agent_rows = rows[rows["agent"].notna()].set_index("agent")
                promo = {"name": shown, "start": start, "end": end, "metrics": pm,
                         "team_targets": team_rows.set_index("team")[col] if col in rows else None,
                         "agent_targets": pd.DataFrame({
                             "sales": agent_rows.get("target_sales"),
                             "orders": agent_rows.get("target_orders")})}
        roster = store.read(data_dir, "roster")
        return cls(period, lang, p, config, metrics, per_hour, aht, roster, promo, data_dir)

    def _t(self, key: str, **kw) -> str:
        text = label(key, self.lang)
        return text.format(**kw) if kw else text

    def _roles_teams(self):
        ro = self.roster.set_index("agent") if "agent" in self.roster.columns else pd.DataFrame()
        return (ro["role"] if "role" in ro else None), (ro["team"] if "team" in ro else None)

    # ------------------------------------------------------------------ uplift
    def uplift(self, uplift: float, mode: str = "points") -> pd.DataFrame:
        return uplift_sales(self.metrics, uplift, mode)

    def uplift_summary(self, uplift: float, mode: str = "points") -> HTML:
        u = self.uplift(uplift, mode)
        m = self.metrics
        inq = float(m["inquiries"].sum())
        conv = m["inquiry_buyers"].sum() / inq if inq else np.nan
        agent_sales = float(m["sales"].sum())
        how = self._t("wi_increase_points" if mode == "points" else "wi_increase_rel", u=uplift)
        extra = float(u["extra_sales"].sum())
        return HTML("<p>" + self._t(
            "wi_uplift_summary", week=self.period.label, inq=inq,
            conv="–" if pd.isna(conv) else f"{conv:.1%}", how=how,
            buyers=float(u["extra_buyers"].sum()), sales=f"¥{extra:,.2f}",
            share="–" if not agent_sales else f"{extra / agent_sales:.1%}") + "</p>")

    def uplift_table(self, uplift: float, mode: str = "points"):
        u = self.uplift(uplift, mode)
        u = u[u["inquiries"] > 0].sort_values("extra_sales", ascending=False)
        total = pd.DataFrame({
            "inquiries": [u["inquiries"].sum()],
            "conversion": [(u["conversion"] * u["inquiries"]).sum() / u["inquiries"].sum()],
            "new_conversion": [(u["new_conversion"] * u["inquiries"]).sum() / u["inquiries"].sum()],
            "aov": [np.nan], "extra_buyers": [u["extra_buyers"].sum()],
            "extra_sales": [u["extra_sales"].sum()]}, index=[self._t("wi_total")])
        out = pd.concat([u, total])
        out = out.rename(columns={"inquiries": self._t("inquiries"),
                                  "conversion": self._t("wi_conversion"),
                                  "new_conversion": self._t("wi_new_conversion"),
                                  "aov": self._t("aov"),
                                  "extra_buyers": self._t("wi_extra_buyers"),
                                  "extra_sales": self._t("wi_extra_sales")})
        out.index.name = self._t("agent")
        return out.style.format({
            self._t("inquiries"): "{:,.0f}", self._t("wi_conversion"): "{:.1%}",
            self._t("wi_new_conversion"): "{:.1%}", self._t("aov"): "¥{:,.2f}",
            self._t("wi_extra_buyers"): "{:,.1f}", self._t("wi_extra_sales"): "¥{:,.2f}"},
            na_rep="–")

    def uplift_chart(self, uplift: float, mode: str = "points"):
        top = max(uplift * 2, 0.05 if mode == "points" else 0.3)
        grid = np.linspace(0, top, 21)
        extra = [uplift_sales(self.metrics, u, mode)["extra_sales"].sum() for u in grid]
        fig, ax = plt.subplots(figsize=(9, 3.6))
        x = grid * 100 if mode == "points" else grid
        ax.plot(x, extra, color="C0", lw=2)
        here = self.uplift(uplift, mode)["extra_sales"].sum()
        xh = uplift * 100 if mode == "points" else uplift
        ax.scatter([xh], [here], color="C3", zorder=3)
        ax.annotate(f"¥{here:,.0f}", (xh, here), textcoords="offset points", xytext=(6, -12),
                    fontsize=9, color="C3")
        ax.set_xlabel(self._t("wi_uplift_axis" if mode == "points" else "wi_uplift_rel_axis"))
        if mode == "relative":
            ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
        ax.set_ylabel(self._t("wi_extra_sales"))
        ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"¥{v:,.0f}"))
        ax.set_title(self._t("wi_sensitivity"))
        return _done(fig)

    # ------------------------------------------------------------------ staffing
    def staffing(self, load_multiplier: float = 1.0, aht_s: float = 0.0, concurrency: int = 3,
                 target_service_level: float = 0.8, answer_within_s: float = 30.0,
                 max_occupancy: float = 0.85, shrinkage: float = 0.2) -> pd.DataFrame:
        """Per hour of day: base and forecast sessions per hour, agents needed
        (staffing.required_agents), agents on shift (roster) and the gap."""
        aht = float(aht_s) if aht_s and aht_s > 0 else self.measured_aht_s
        base = self.per_hour.groupby("hour")["sessions"].mean().reindex(range(24), fill_value=0)
        rows = []
        for hour, lam in base.items():
            f = float(lam) * float(load_multiplier)
            r = staffing.required_agents(f, aht, target_service_level, answer_within_s,
                                         max_occupancy=max_occupancy, shrinkage=shrinkage,
                                         concurrency=int(concurrency))
            rows.append({"hour": hour, "base": float(lam), "forecast": f,
                         "agents": int(r["agents"]), "raw_agents": int(r["raw_agents"]),
                         "service_level": r["service_level"], "asa_s": r["asa_s"],
                         "occupancy": r["occupancy"]})
        out = pd.DataFrame(rows).set_index("hour")
        out["on_shift"] = agents_on_shift(self.roster)
        out["gap"] = (out["agents"] - out["on_shift"]).clip(lower=0)
        out.attrs["aht_s"] = aht
        out.attrs["aht_measured"] = not (aht_s and aht_s > 0)
        return out

    def staffing_summary(self, **kw) -> HTML:
        s = self.staffing(**kw)
        peak = int(s["forecast"].idxmax())
        return HTML("<p>" + self._t(
            "wi_staffing_summary", week=self.period.label, mult=f"{kw.get('load_multiplier', 1):g}",
            aht=s.attrs["aht_s"], aht_src=self._t("wi_measured" if s.attrs["aht_measured"]
                                                  else "wi_given"),
            k=kw.get("concurrency", 3), sl=f"{kw.get('target_service_level', 0.8):.0%}",
            t=kw.get("answer_within_s", 30.0), occ=f"{kw.get('max_occupancy', 0.85):.0%}",
            shr=f"{kw.get('shrinkage', 0.2):.0%}", peak=peak, need=int(s.loc[peak, "agents"]),
            have=int(s.loc[peak, "on_shift"]), hours=int(s["agents"].sum())) + "</p>")

    def staffing_table(self, **kw):
        s = self.staffing(**kw)
        out = pd.DataFrame({
            self._t("wi_hour"): [f"{h:02d}:00" for h in s.index],
            self._t("wi_sessions_hour"): s["base"].to_numpy(),
            self._t("wi_forecast"): s["forecast"].to_numpy(),
            self._t("wi_required"): s["agents"].to_numpy(),
            self._t("wi_on_shift"): s["on_shift"].to_numpy(),
            self._t("wi_gap"): s["gap"].to_numpy(),
            self._t("wi_service_level"): s["service_level"].to_numpy(),
            self._t("wi_asa"): s["asa_s"].to_numpy(),
            self._t("wi_occupancy"): s["occupancy"].to_numpy(),
        })

        def red(v):
            return "color:#b00020;font-weight:bold" if v > 0 else "color:#999"

        return (out.style.format({self._t("wi_sessions_hour"): "{:,.1f}",
                                  self._t("wi_forecast"): "{:,.1f}",
                                  self._t("wi_service_level"): "{:.1%}",
                                  self._t("wi_asa"): "{:,.1f}",
                                  self._t("wi_occupancy"): "{:.0%}"}, na_rep="–")
                .map(red, subset=[self._t("wi_gap")]).hide(axis="index"))

    def staffing_chart(self, **kw):
        s = self.staffing(**kw)
        fig, ax = plt.subplots(figsize=(9, 3.8))
        ax.bar(s.index, s["agents"], color="C0", label=self._t("wi_required"))
        ax.step(np.r_[s.index - 0.5, 23.5], np.r_[s["on_shift"].to_numpy(), s["on_shift"].iloc[-1]],
                where="post", color="C3", lw=2, label=self._t("wi_on_shift"))
        ax.set_xticks(range(0, 24, 2))
        ax.set_xlabel(self._t("wi_hour"))
        ax.set_ylabel(self._t("wi_agents"))
        ax.set_title(self._t("wi_staffing_chart"))
        ax.legend(fontsize=9)
        return _done(fig)

    # ------------------------------------------------------------------ schemes
    def _pool(self, days: float, bonus_pool: float) -> float:
        return bonus_pool if bonus_pool and bonus_pool > 0 else self.config.pool(days)

    def _config(self, bonus_pool: float, threshold: float, days: float) -> scorecard.KpiConfig:
        from dataclasses import replace

        return replace(self.config,
                       pool_per_week=self._pool(days, bonus_pool) * 7.0 / days,
                       threshold=threshold if threshold is not None and threshold >= 0
                       else self.config.threshold)

    def compare(self, bonus_pool: float = 0.0, threshold: float = -1.0) -> pd.DataFrame:
        roles, teams = self._roles_teams()
        cfg = self._config(bonus_pool, threshold, self.period.days)
        return scorecard.compare_schemes(self.metrics, cfg, days=self.period.days, roles=roles)

    def schemes_summary(self, bonus_pool: float = 0.0, threshold: float = -1.0) -> HTML:
        cfg = self._config(bonus_pool, threshold, self.period.days)
        return HTML("<p>" + self._t("wi_schemes_summary", week=self.period.label,
                                    pool=f"¥{cfg.pool(self.period.days):,.2f}",
                                    threshold=f"{cfg.threshold:g}") + "</p>")

    def schemes_table(self, bonus_pool: float = 0.0, threshold: float = -1.0):
        return scorecard.comparison_table(self.compare(bonus_pool, threshold), self.config,
                                          self.lang)

    def schemes_definition(self):
        """The three schemes' dimensions side by side (weights normalised)."""
        parts = []
        for sch in self.config.schemes.values():
            t = sch.table(self.lang, days=self.period.days)
            t.insert(0, self._t("sc_scheme"), sch.name(self.lang))
            parts.append(t)
        return (pd.concat(parts, ignore_index=True).style.hide(axis="index")
                .set_properties(**{"text-align": "left"}))

    def bonus_chart(self, bonus_pool: float = 0.0, threshold: float = -1.0):
        c = self.compare(bonus_pool, threshold)
        bonus = c.xs("bonus", axis=1, level="field")
        bonus = bonus.loc[bonus.sum(axis=1).sort_values(ascending=False).index]
        names = {k: self.config.schemes[k].name(self.lang) for k in bonus.columns}
        fig, ax = plt.subplots(figsize=(9, 3.8))
        x = np.arange(len(bonus))
        w = 0.8 / max(len(bonus.columns), 1)
        for i, key in enumerate(bonus.columns):
            ax.bar(x + (i - (len(bonus.columns) - 1) / 2) * w, bonus[key], width=w,
                   label=names[key])
        ax.set_xticks(x, bonus.index)
        ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"¥{v:,.0f}"))
        ax.set_title(self._t("wi_bonus_chart"))
        ax.legend(fontsize=9)
        return _done(fig)

    def promo_compare(self) -> pd.DataFrame | None:
        if self.promo is None:
            return None
        roles, teams = self._roles_teams()
        days = (self.promo["end"] - self.promo["start"]).days + 1
        return scorecard.compare_schemes(
            self.promo["metrics"], self.config, days=days, roles=roles, teams=teams, promo=True,
            team_targets=self.promo["team_targets"], agent_targets=self.promo["agent_targets"])

    def promo_summary(self) -> HTML:
        if self.promo is None:
            return HTML(f"<p>{self._t('wi_no_promo')}</p>")
        days = (self.promo["end"] - self.promo["start"]).days + 1
        return HTML("<p>" + self._t(
            "wi_promo_summary", promo=self.promo["name"], start=f"{self.promo['start']:%Y-%m-%d}",
            end=f"{self.promo['end']:%Y-%m-%d}", metric=self._t(self.config.team_pk_metric),
            w=f"{self.config.team_pk_weight:.0%}", pool=f"¥{self.config.pool(days):,.2f}")
            + "</p>")

    def promo_table(self):
        c = self.promo_compare()
        if c is None:
            return None
        return scorecard.comparison_table(c, self.config, self.lang)

    def promo_teams_table(self):
        if self.promo is None:
            return None
        roles, teams = self._roles_teams()
        days = (self.promo["end"] - self.promo["start"]).days + 1
        ev = scorecard.evaluate(self.promo["metrics"], self.config, days=days, roles=roles,
                                teams=teams, promo=True, team_targets=self.promo["team_targets"],
                                agent_targets=self.promo["agent_targets"])
        if ev.teams is None:
            return None
        t = ev.teams.reset_index()
        lab = {"zh": ["组别", "实际", "目标", "达成率", "PK得分", "胜出"],
               "en": ["Team", "Result", "Target", "Attainment", "PK", "Winner"]}[self.lang]
        t.columns = lab
        yes = "✓"
        t[lab[5]] = np.where(t[lab[5]], yes, "")
        return t.style.format({lab[2]: "{:,.0f}", lab[1]: "{:,.0f}", lab[3]: "{:.1%}",
                               lab[4]: "{:.2f}"}, na_rep="–").hide(axis="index")

    # ------------------------------------------------------------------ text
    def title(self) -> HTML:
        toc = "".join(f'<li><a href="#{k}">{self._t(k)}</a></li>' for k in
                      ("wi_uplift", "wi_staffing", "wi_schemes", "wi_promo_schemes",
                       "wi_appendix"))
        p = self.period
        return HTML(f"<h1>{self._t('what_if_title')}</h1>"
                    f"<p>{p.label}: {p.start:%Y-%m-%d} – {p.end:%Y-%m-%d} · "
                    f"{self._t('generated_at')} {self.generated_at:%Y-%m-%d %H:%M}</p>"
                    f"<ul>{toc}</ul>")

    def section(self, key: str) -> HTML:
        return HTML(f'<h2 id="{key}">{self._t(key)}</h2>')

    def appendix(self) -> HTML:
        doc = {"zh": [
            "转化率提升：每位客服的询单转化率 c = 询单付款人数 / 询单人数，提升 u 个百分点后 c' = min(c + u, 1)"
            "（相对提升：c × (1 + u)）；新增买家 = 询单人数 × (c' − c)，新增销售额 = 新增买家 × 该客服客单价"
            "（无买家时用全店客单价）。其他条件不变。",
            "所需人数：Erlang C 排队模型（staffing.required_agents）：每小时到达的会话数、每个会话的平均处理时长、"
            "每人同时接待数；满足“目标比例的会话在 T 秒内被回复”与占用率上限的最少人数，再按缺勤/休息比例上调。"
            "处理时长默认取数据中会话首末消息间隔的平均值（单个会话最多计 30 分钟）。",
            "考核方案：每项 = 实际 / 目标（越低越好：目标 / 实际），最高 120%；权重归一，总分 = 100 × 加权和；"
            "无数据的项不计入并重新归一权重；不适用于该岗位的项不计分。销售额和订单的目标按周设定、按天数折算。"
            "奖金 = 奖金池 × (得分 − 门槛)⁺ / Σ(得分 − 门槛)⁺，按分取整，尾差归最高分者。",
            "大促模式：剔除响应时间指标，其余权重按比例缩至 1 − 团队PK权重；团队PK = 本组（达成率）÷ 最好一组。"],
            "en": [
            "Conversion uplift: each agent's inquiry conversion c = inquiry buyers / inquiries; "
            "up u points gives c' = min(c + u, 1) (relative: c × (1 + u)); extra buyers = "
            "inquiries × (c' − c); extra sales = extra buyers × the agent's AOV (the shop's AOV "
            "for an agent without buyers). All else equal.",
            "Agents needed: Erlang C (staffing.required_agents) with the sessions arriving per "
            "hour, the mean handling time per session and the chats an agent holds at once; the "
            "fewest agents answering the target share within T seconds at no more than the "
            "occupancy cap, grossed up for shrinkage. The handling time defaults to the mean "
            "session duration in the data (first to last message, each capped at 30 min).",
            "Schemes: each dimension = achieved / target (lower is better: target / achieved), at "
            "most 120 %; weights normalised; score = 100 × the weighted sum; a dimension without "
            "data is left out (weights renormalised), one not for the agent's role is not scored. "
            "Sales and orders targets are per week, scaled to the period. Bonus = pool × (score − "
            "threshold)+ / Σ (score − threshold)+, rounded to cents, the remainder to the top "
            "scorer.",
            "Promo mode: response-time metrics excluded, the other weights scaled to 1 − the team "
            "PK weight; team PK = the team's attainment ÷ the best team's."]}[self.lang]
        return HTML("<ul>" + "".join(f"<li>{d}</li>" for d in doc) + "</ul>")


def _metrics(data_dir: Path, start: dt.date, end: dt.date, p: dict[str, Any], supervisor):
    """(period_metrics, sessions of the period, chats of the period) for [start, end]."""
    back = max(7, int(p["after_sales_lookback_days"]))
    orders = store.read(data_dir, "orders", start - dt.timedelta(days=back),
                        end + dt.timedelta(days=int(p["followup_days"])))
    # sessions up to followup_days + 1 days before the period still credit orders in it
    chats = store.read(data_dir, "chats", start - dt.timedelta(days=int(p["followup_days"]) + 1),
                       end)
    kpis = agent_kpis(chats, orders, params=p, date_from=start, date_to=end)
    sessions = build_sessions(chats, orders, params=p)
    metrics = scorecard.period_metrics(
        kpis, sessions=sessions, chats=chats,
        agent_daily=store.read(data_dir, "agent_daily", start, end),
        refunds=store.read(data_dir, "refunds", start, end), supervisor=supervisor,
        date_from=pd.Timestamp(start), date_to=pd.Timestamp(end), params=p)
    return metrics, sessions[sessions["date"] >= pd.Timestamp(start)], chats
