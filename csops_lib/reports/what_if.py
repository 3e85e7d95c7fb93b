"""What-if analysis (假设分析) — data and frames: conversion uplift → sales, agents needed for a
forecast load, KPI scheme comparison.

:func:`load` (``data_dir, week``) reads the base week (default: the last complete week) and,
when the store has a promo, the promo's days; computes the scorecard metrics, the sessions per
hour and the measured handling time once into a :class:`WhatIfData`. The frame builders
recompute the cheap what-ifs for any parameter (so sliders can call them); the formulas are in
:mod:`csops_lib.metrics.what_if` (uplift), :mod:`csops_lib.metrics.staffing` (Erlang C,
``handling_time_s``), :mod:`csops_lib.metrics.roster` (who is on shift) and
:mod:`csops_lib.metrics.scorecard` (schemes). The view is :mod:`csops_lib.render.what_if`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from csops_lib import periods, store
from csops_lib.metrics import scorecard, staffing
from csops_lib.metrics import what_if as calc
from csops_lib.metrics.kpis import agent_kpis
from csops_lib.metrics.roster import on_shift_per_hour
from csops_lib.metrics.sessions import build_sessions
from csops_lib.metrics.what_if import uplift_sales
from csops_lib.reports.sections import Registry, Section
from csops_lib.settings.shop import load_shop_params
from csops_lib.settings.what_if import WhatIfSettings

__all__ = ["SECTIONS", "WhatIfData", "load", "uplift_sales"]


@dataclass
class WhatIfData:
    """The what-if report's data: the base week and, when there is one, the last promo."""

    period: periods.Period
    params: dict[str, Any]
    config: scorecard.KpiConfig
    metrics: pd.DataFrame          # period_metrics of the base week
    per_hour: pd.DataFrame         # staffing.sessions_per_hour of the base week
    measured_aht_s: float          # staffing.handling_time_s of the base week's sessions
    roster: pd.DataFrame
    promo: dict[str, Any] | None   # name, start, end, metrics, team/agent targets
    data_dir: Path
    settings: WhatIfSettings = field(default_factory=WhatIfSettings)
    generated_at: dt.datetime = field(default_factory=dt.datetime.now)

    def roles_teams(self):
        ro = self.roster.set_index("agent") if "agent" in self.roster.columns else pd.DataFrame()
        return (ro["role"] if "role" in ro else None), (ro["team"] if "team" in ro else None)

    @property
    def promo_days(self) -> int:
        return (self.promo["end"] - self.promo["start"]).days + 1


def load(data_dir: str | Path, week: str | None = None, *,
         params: dict[str, Any] | None = None, scores_file: str | None = None,
         schemes_file: str | None = None, settings: WhatIfSettings | None = None) -> WhatIfData:
    """Read the base week (and the last promo) from the store."""
    data_dir = Path(data_dir)
    span = store.date_range(data_dir, "orders")
    if span is None:
        raise FileNotFoundError(f"no orders in the store {data_dir}: run `csops ingest` first")
    period = periods.resolve("week", week, data_end=span[1])
    p = dict(params or load_shop_params())
    config = scorecard.load_config(schemes_file)
    supervisor = (scorecard.load_supervisor_scores(scores_file) if scores_file
                  else scorecard.supervisor_scores_from_store(data_dir))
    metrics, sessions, chats, orders = _metrics(data_dir, period.start, period.end, p, supervisor)
    start = pd.Timestamp(period.start)
    per_hour = staffing.sessions_per_hour(chats[chats["sent_at"] >= start], orders)
    aht = staffing.handling_time_s(sessions)
    promo = _last_promo(data_dir, period, p, config, supervisor)
    roster = store.read(data_dir, "roster")
    return WhatIfData(period, p, config, metrics, per_hour, aht, roster, promo, data_dir,
                      settings or WhatIfSettings.load())


def _last_promo(data_dir: Path, period: periods.Period, p, config, supervisor):
    promos = store.read(data_dir, "promos")
    if promos.empty or "start" not in promos.columns:
        return None
    last = promos[promos["start"] <= pd.Timestamp(period.end) + pd.Timedelta(days=1)]
    if last.empty:
        return None
    key = last.sort_values("start")["name"].iloc[-1]
    rows = promos[promos["name"] == key]
    start, end = rows["start"].min().date(), rows["end"].max().date()
    pm = _metrics(data_dir, start, end, p, supervisor)[0]
    shown = key
    for col in ("display_name", "活动显示名"):
        if col in rows.columns and rows[col].notna().any():
            shown = f"{rows[col].dropna().iloc[0]} ({key})"
    col = f"target_{config.team_pk_metric}"
    team_rows = rows[rows["agent"].isna()]
    agent_rows = rows[rows["agent"].notna()].set_index("agent")
    return {"name": shown, "start": start, "end": end, "metrics": pm,
            "team_targets": team_rows.set_index("team")[col] if col in rows else None,
            "agent_targets": pd.DataFrame({"sales": agent_rows.get("target_sales"),
                                           "orders": agent_rows.get("target_orders")})}


def _metrics(data_dir: Path, start: dt.date, end: dt.date, p: dict[str, Any], supervisor):
    """(period_metrics, sessions of the period, chats read, orders read) for [start, end]."""
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
    return metrics, sessions[sessions["date"] >= pd.Timestamp(start)], chats, orders


# ---------------------------------------------------------------------------- frames
def uplift(d: WhatIfData, uplift: float | None = None, mode: str | None = None) -> pd.DataFrame:
    """Per agent with inquiries (most extra sales first) the uplift's extra buyers and sales
    (:func:`csops_lib.metrics.what_if.uplift_sales`), then a ``total`` row; column agent."""
    u = uplift_sales(d.metrics, d.settings.uplift if uplift is None else uplift,
                     mode or d.settings.uplift_mode)
    u = u[u["inquiries"] > 0].sort_values("extra_sales", ascending=False).reset_index()
    total = pd.DataFrame([{"agent": "total", **calc.uplift_total(u)}])
    return pd.concat([u, total], ignore_index=True)


def staffing_plan(d: WhatIfData, **kw) -> pd.DataFrame:
    """Per hour of day: base and forecast sessions per hour, agents needed
    (:func:`csops_lib.metrics.staffing.staffing_plan`), agents on shift (roster) and the gap;
    ``attrs``: aht_s and whether it was measured. ``kw``: the settings' staffing arguments."""
    s = {**d.settings.staffing_kwargs(), **kw}
    aht = float(s["aht_s"]) if s["aht_s"] and s["aht_s"] > 0 else d.measured_aht_s
    base = calc.mean_per_hour(d.per_hour)
    load_ = pd.DataFrame({"hour": base.index, "base": base.to_numpy(),
                          "sessions": base.to_numpy() * float(s["load_multiplier"])})
    out = staffing.staffing_plan(load_, aht, s["target_service_level"], s["answer_within_s"],
                                 concurrency=int(s["concurrency"]),
                                 max_occupancy=s["max_occupancy"], shrinkage=s["shrinkage"])
    out = out.rename(columns={"sessions": "forecast"}).set_index("hour")
    out["agents"] = out["agents"].astype("int64")
    out["on_shift"] = on_shift_per_hour(d.roster).to_numpy()
    out["gap"] = calc.staffing_gap(out["agents"], out["on_shift"])
    out.attrs["aht_s"] = aht
    out.attrs["aht_measured"] = not (s["aht_s"] and s["aht_s"] > 0)
    return out


def scheme_config(d: WhatIfData, bonus_pool: float | None = None,
                  threshold: float | None = None) -> scorecard.KpiConfig:
    """The KPI config with the report's bonus pool (for the base week; 0 → the yaml's) and
    threshold (negative → the yaml's)."""
    pool = d.settings.bonus_pool if bonus_pool is None else bonus_pool
    thr = d.settings.bonus_threshold if threshold is None else threshold
    days = d.period.days
    pool = pool if pool and pool > 0 else d.config.pool(days)
    return replace(d.config, pool_per_week=pool * 7.0 / days,
                   threshold=thr if thr is not None and thr >= 0 else d.config.threshold)


def compare(d: WhatIfData, bonus_pool: float | None = None,
            threshold: float | None = None) -> pd.DataFrame:
    """Agent × scheme: score, rank, bonus of the base week (scorecard.compare_schemes)."""
    roles, _ = d.roles_teams()
    return scorecard.compare_schemes(d.metrics, scheme_config(d, bonus_pool, threshold),
                                     days=d.period.days, roles=roles)


def _promo_kwargs(d: WhatIfData) -> dict[str, Any]:
    roles, teams = d.roles_teams()
    return dict(days=d.promo_days, roles=roles, teams=teams, promo=True,
                team_targets=d.promo["team_targets"], agent_targets=d.promo["agent_targets"])


def promo_compare(d: WhatIfData) -> pd.DataFrame | None:
    """The schemes compared in promo mode over the last promo's days (None: no promo)."""
    if d.promo is None:
        return None
    return scorecard.compare_schemes(d.promo["metrics"], d.config, **_promo_kwargs(d))


def promo_teams(d: WhatIfData) -> pd.DataFrame | None:
    """The promo's team PK: team, result, target, attainment, pk, winner (None: no promo or
    no teams)."""
    if d.promo is None:
        return None
    ev = scorecard.evaluate(d.promo["metrics"], d.config, **_promo_kwargs(d))
    return None if ev.teams is None else ev.teams.reset_index()


#: the report's sections, in order (table of contents, appendix)
SECTIONS = Registry([
    Section("wi_uplift", uplift, chart="uplift_chart", defines=("wi_uplift",),
            kinds={"inquiries": "count", "inquiry_conversion": "rate",
                   "new_conversion": "rate", "aov": "money", "extra_buyers": "number1",
                   "extra_sales": "money"}),
    Section("wi_staffing", staffing_plan, chart="staffing_chart", defines=("wi_staffing",)),
    Section("wi_schemes", compare, chart="bonus_chart", defines=("wi_schemes",)),
    Section("wi_promo_schemes", promo_compare, defines=("wi_promo_schemes",)),
    Section("wi_appendix", None, sheet=False),
])
