"""The promo retrospective (大促复盘): the promo window against a baseline, load against staff,
team PK and targets, conversion, the after-sales wave, and the staffing needed next time.

:func:`load` reads the promo, its baseline and its after-sales wave from the store into a
:class:`PromoData`; the frame builders below are pure functions of it (canonical column
names, no labels, no formatting); :data:`SECTIONS` is the report's registry (table of
contents, workbook sheets, appendix). The view is :mod:`csops_lib.render.promo`.

Definitions (windows, on shift, capacity, waiting, team PK, staffing) live in
:mod:`csops_lib.metrics.promo`, :mod:`csops_lib.metrics.roster`,
:mod:`csops_lib.metrics.staffing` and :mod:`csops_lib.metrics.leaderboard` (METRICS.md §4, §6, §7).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from csops_lib import store
from csops_lib.metrics import (
    build_sessions,
    inquiry_outcomes,
    leaderboard,
    sales_metrics,
    staffing,
    store_conversion,
)
from csops_lib.metrics import promo as mp
from csops_lib.metrics._common import as_ns, key_text
from csops_lib.metrics.promo import (
    UnknownPromoError,
    baseline_window,
    hour_ranges,
    hourly_leaderboard,
    promo_window,
    waiting_without_agent,
)
from csops_lib.metrics.rollups import add_rates
from csops_lib.metrics.roster import on_shift_grid, parse_clock, shift_hours
from csops_lib.reports.sections import Registry, Section
from csops_lib.settings.promo import PromoSettings
from csops_lib.settings.shop import DEFAULTS as SHOP_DEFAULTS
from csops_lib.settings.shop import load_shop_params, resolve_params
from csops_lib.store import store_as_of

__all__ = ["SECTIONS", "PromoData", "UnknownPromoError", "baseline_window", "hour_ranges",
           "hourly_leaderboard", "load", "on_shift_grid", "parse_clock", "promo_window",
           "shift_hours", "split_params", "waiting_without_agent"]

PHASES = mp.PHASES


def split_params(params: dict[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(shop thresholds, promo settings) from one mapping holding either; unknown keys and
    bad values raise (``SettingsError`` / ``ValueError``)."""
    params = dict(params or {})
    fields = PromoSettings.model_fields
    settings = {k: params.pop(k) for k in list(params) if k in fields}
    unknown = sorted(set(params) - set(SHOP_DEFAULTS))
    if unknown:
        raise ValueError(f"unknown parameter(s) {', '.join(unknown)}; promo settings: "
                         f"{', '.join(fields)}")
    shop = resolve_params(params) if (params or settings) else load_shop_params()
    st = PromoSettings.validate_values({k: v for k, v in settings.items() if v is not None},
                                       "promo settings").as_dict()
    return shop, st


@dataclass
class PromoData:
    """Everything the promo retrospective shows, for one promo (loaded once)."""

    promo: dict[str, Any]         # name, display_name, start, end, rows (targets)
    params: dict[str, Any]        # shop thresholds
    settings: dict[str, Any]      # PromoSettings (+ aht_s measured, aht_source)
    days: pd.DataFrame            # date, phase (baseline … wave)
    chats: pd.DataFrame
    orders: pd.DataFrame
    refunds: pd.DataFrame
    traffic: pd.DataFrame | None
    roster: pd.DataFrame | None
    credited: pd.DataFrame        # paid orders baseline … wave, with credited_agent
    sessions: pd.DataFrame        # build_sessions, baseline … wave
    hourly: pd.DataFrame          # staffing.sessions_per_hour
    peak: pd.DataFrame            # staffing.peak_concurrent_per_hour
    on_shift: pd.DataFrame        # roster.on_shift_grid
    outcomes: pd.DataFrame        # inquiry_outcomes
    conversion: pd.DataFrame      # store_conversion per store-day
    as_of: pd.Timestamp | None
    data_dir: Path
    generated_at: dt.datetime = field(default_factory=dt.datetime.now)

    def dates(self, phase: str) -> pd.DatetimeIndex:
        """The days of one phase (baseline, runup, promo, wave)."""
        return pd.DatetimeIndex(self.days.loc[self.days["phase"] == phase, "date"])

    def _dates(self, phase: str) -> pd.DatetimeIndex:  # the name the tests know
        return self.dates(phase)

    @property
    def n_days(self) -> int:
        return len(self.dates("promo"))

    @property
    def baseline_gap(self) -> int:
        return int((self.dates("promo")[0] - self.dates("baseline")[0]).days)

    @property
    def promo_span(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        d = self.dates("promo")
        return d[0], d[-1] + pd.Timedelta(days=1, seconds=-1)

    def within(self, frame: pd.DataFrame, phase: str, col: str = "date") -> pd.DataFrame:
        """The rows of ``frame`` whose ``col`` falls on a day of ``phase``."""
        d = pd.to_datetime(frame[col]).dt.normalize()
        return frame[d.isin(set(self.dates(phase))).to_numpy()]

    @property
    def provisional(self) -> bool:
        promo = self.within(self.outcomes, "promo")
        return bool(promo["provisional"].any()) if len(promo) else False

    def promo_credited(self) -> pd.DataFrame:
        start, end = self.promo_span
        return self.credited[self.credited["paid_at"].between(start, end)]


def load(data_dir: str | Path, promo: str | None = None, *,
         params: dict[str, Any] | None = None) -> PromoData:
    """Read the promo, its baseline and wave from the store and compute everything once.

    ``params``: shop thresholds and/or promo settings (:class:`PromoSettings`). Raises
    :class:`UnknownPromoError` for a promo name not in the promos table."""
    data_dir = Path(data_dir)
    if not (data_dir / "chats").exists():
        raise FileNotFoundError(f"no chats in the store {data_dir}: run `csops ingest` first")
    p, st = split_params(params)
    info = promo_window(store.read(data_dir, "promos"), promo)
    p_first, p_last = info["start"].normalize(), info["end"].normalize()
    days = mp.phase_days(p_first, p_last, st["baseline_gap_days"], st["wave_days"])
    dates = pd.DatetimeIndex(days["date"])
    b_first, w_last = dates[0], dates[-1]

    fd = pd.Timedelta(days=int(p["followup_days"]))
    back = pd.Timedelta(days=max(7, int(p["after_sales_lookback_days"])))
    chats = store.read(data_dir, "chats", b_first - fd, w_last)
    orders = store.read(data_dir, "orders", b_first - fd - back, w_last + fd)
    refunds = store.read(data_dir, "refunds", b_first, None)
    traffic = store.read(data_dir, "traffic", b_first, w_last)
    traffic = None if traffic.columns.empty else traffic
    roster = store.read(data_dir, "roster")
    roster = None if roster.columns.empty else roster
    as_of = p.get("as_of") or store_as_of(data_dir)
    as_of = None if as_of is None else pd.Timestamp(as_of)
    if chats.empty:
        raise FileNotFoundError(f"the store {data_dir} has no chats for "
                                f"{b_first:%Y-%m-%d} – {w_last:%Y-%m-%d}")

    sessions = build_sessions(chats, orders, params=p)
    credited = leaderboard.credited_orders(chats, orders, b_first,
                                           w_last + pd.Timedelta(days=1, seconds=-1), p)
    outcomes = inquiry_outcomes(sessions, orders, p, as_of=as_of)
    conversion = store_conversion(chats, orders, traffic, p, as_of=as_of)
    hourly = staffing.sessions_per_hour(chats, orders)
    peak = staffing.peak_concurrent_per_hour(chats, params=p)
    in_days = set(dates)

    def cut(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["date"].isin(in_days)].reset_index(drop=True)

    sessions, hourly, peak = cut(sessions), cut(hourly), cut(peak)
    outcomes, conversion = cut(outcomes), cut(conversion)
    if not st["aht_s"]:
        promo_s = sessions[sessions["date"].between(p_first, p_last)]
        st["aht_s"] = staffing.handling_time_s(promo_s, cap_s=float(st["aht_cap_s"]))
        st["aht_source"] = "data"
    else:
        st["aht_source"] = "param"
    return PromoData(info, p, st, days, chats, orders, refunds, traffic, roster, credited,
                     sessions, hourly, peak, on_shift_grid(roster, dates), outcomes,
                     conversion, as_of, data_dir)


# =========================================================================== frame builders
def totals(data: PromoData, phase: str) -> dict[str, float]:
    """The headline numbers of one phase (per window, not per day)."""
    dates = set(data.dates(phase))
    paid_day = as_ns(data.orders["paid_at"]).dt.normalize()
    return mp.window_totals(hourly=data.hourly[data.hourly["date"].isin(dates)],
                            peak=data.peak[data.peak["date"].isin(dates)],
                            orders=data.orders[paid_day.isin(dates).to_numpy()],
                            credited=data.within(data.credited, phase, "paid_at"),
                            conversion=data.conversion[data.conversion["date"].isin(dates)],
                            params=data.params)


#: overview metrics that are rates: compared in percentage points, never as a multiple
RATE_METRICS = frozenset({"inquiry_conversion", "store_conversion"})


def overview(data: PromoData) -> pd.DataFrame:
    """metric (key), promo, baseline, multiple (promo / baseline; counts and money) and
    change_points (promo − baseline, a fraction; rates, shown in percentage points)."""
    return mp.promo_vs_baseline(totals(data, "promo"), totals(data, "baseline"),
                                RATE_METRICS)


def _refund_days(data: PromoData) -> pd.DataFrame:
    r = data.refunds
    if r is None or r.empty or "applied_at" not in r.columns:
        return pd.DataFrame(columns=["date", "amount", "order_id"])
    out = pd.DataFrame({"date": as_ns(r["applied_at"]).dt.normalize(),
                        "amount": pd.to_numeric(r["amount"], errors="coerce")
                        if "amount" in r.columns else np.nan,
                        "order_id": key_text(r["order_id"]) if "order_id" in r.columns
                        else np.nan})
    return out[out["date"].isin(set(data.days["date"])).to_numpy()]


def daily(data: PromoData) -> pd.DataFrame:
    """One row per day, baseline start … wave end (phase as a key)."""
    d = data.days.copy()
    h = data.hourly.groupby("date")[["sessions", "presale", "after_sales"]].sum()
    d = d.join(h, on="date")
    d = d.join(data.conversion.groupby("date")["uv"].sum(min_count=1).rename("uv"), on="date")
    paid = sales_metrics(data.orders, by=["date"], params=data.params).set_index("date")
    d = d.join(paid[["orders", "sales"]].rename(columns={"orders": "paid_orders"}), on="date")
    r = _refund_days(data)
    if len(r):
        d = d.join(r.groupby("date").agg(refund_requests=("date", "size"),
                                         refund_amount=("amount", "sum")), on="date")
    else:
        d["refund_requests"], d["refund_amount"] = 0, 0.0
    d = d.join(data.peak.groupby("date")["peak_concurrent"].max(), on="date")
    for c in ("sessions", "presale", "after_sales", "paid_orders", "refund_requests"):
        d[c] = d[c].fillna(0)
    d["presale_share"] = mp.presale_share(d["presale"], d["after_sales"])
    return d.rename(columns={"presale": "presale_sessions",
                             "after_sales": "after_sales_sessions"})


def hourly_profile(data: PromoData) -> pd.DataFrame:
    """Mean sessions per day by hour: columns hour, promo, baseline."""
    out = pd.DataFrame({"hour": np.arange(24)})
    for phase in ("promo", "baseline"):
        prof = mp.hourly_profile(data.within(data.hourly, phase), len(data.dates(phase)))
        out[phase] = prof.to_numpy()
    return out


def capacity(data: PromoData) -> pd.DataFrame:
    """Per promo date-hour: peak concurrent, agents on shift, capacity (on shift ×
    concurrency), over_capacity, load_ratio, and the hour's ONE staffing answer from
    :func:`staffing_plan` (needed_online, needed_roster, gap): the capacity view never
    computes its own "agents to add"."""
    shift = data.within(data.on_shift, "promo")
    cap = staffing.capacity_check(data.within(data.peak, "promo"),
                                  shift[["date", "hour", "agents_on_shift"]],
                                  int(data.settings["concurrency"]))
    cap = cap.drop(columns=["shortfall", "extra_agents"])
    plan = staffing_plan(data)[["hour", "needed_online", "needed_roster", "gap"]]
    return cap.merge(plan, on="hour", how="left")


def waiting(data: PromoData) -> pd.DataFrame:
    """Promo date-hours with customer messages and nobody on shift, merged in ranges."""
    hours = waiting_without_agent(data.within(data.chats, "promo", "sent_at"),
                                  data.within(data.on_shift, "promo"),
                                  data.within(data.sessions, "promo"))
    return hour_ranges(hours)


def team_pk(data: PromoData) -> pd.DataFrame:
    """The teams ranked (metrics.leaderboard.rank_teams); ``attrs["on_attainment"]``."""
    teams, _ = leaderboard.tally(data.promo_credited(), data.roster, data.promo["rows"])
    teams, on_att = leaderboard.rank_teams(teams, data.settings["pk_by"])
    teams.attrs["on_attainment"] = on_att
    return teams


def team_table(data: PromoData) -> tuple[pd.DataFrame, bool]:
    """(teams, ranked on attainment) — :func:`team_pk` with its flag."""
    teams = team_pk(data)
    return teams, bool(teams.attrs["on_attainment"])


def silent(data: PromoData) -> dict[str, float]:
    """Promo orders credited to no agent: orders, sales."""
    cred = data.promo_credited()
    s = cred[cred["credited_agent"].isna()]
    return {"orders": len(s), "sales": s["amount"].sum()}


def _roles(data: PromoData) -> pd.Series:
    r = data.roster
    if r is None or r.empty or not {"agent", "role"} <= set(r.columns):
        return pd.Series(dtype=object)
    return r.drop_duplicates("agent", keep="last").set_index("agent")["role"]


def after_sales_names(data: PromoData) -> set[str]:
    """The roster's after-sales agents (:func:`metrics.promo.after_sales_agents`)."""
    return mp.after_sales_agents(_roles(data))


def agent_targets(data: PromoData) -> pd.DataFrame:
    """Per sales agent: credited orders and sales vs targets, rank, inquiries and conversion.
    After-sales agents (roster role after_sales) are not scored against sales targets: they
    are left out here and shown by :func:`after_sales`."""
    _, agents = leaderboard.tally(data.promo_credited(), data.roster, data.promo["rows"])
    agents = agents[~agents["agent"].astype(str).isin(after_sales_names(data))]
    by = data.settings["pk_by"]
    score = agents[f"{by}_attainment"] if agents[f"target_{by}"].notna().any() else agents[by]
    agents = agents.assign(rank=score.rank(method="min", ascending=False,
                                           na_option="bottom").astype("int64"))
    outc = data.within(data.outcomes, "promo").groupby("agent").agg(
        inquiries=("customer_id", "size"), inquiry_buyers=("paid", "sum"))
    agents = agents.join(outc, on="agent")
    agents = add_rates(agents, ["inquiry_conversion"])
    return agents.sort_values(["rank", "agent"]).reset_index(drop=True)


def after_sales(data: PromoData) -> pd.DataFrame:
    """The after-sales agents' work over the promo and the after-sales wave (their load):
    agent, team, sessions, after_sales_sessions, reply_rate, first_response_p50_s, unanswered
    (:func:`metrics.promo.after_sales_summary`); empty without after-sales agents."""
    names = after_sales_names(data)
    if not names:
        return pd.DataFrame()
    days = set(data.dates("promo")) | set(data.dates("wave"))
    s = data.sessions[data.sessions["date"].isin(days)]
    out = mp.after_sales_summary(s, names)
    team = (data.roster.drop_duplicates("agent", keep="last").set_index("agent")["team"]
            if data.roster is not None and "team" in data.roster.columns else pd.Series())
    out.insert(1, "team", out["agent"].map(team).fillna("no team"))
    return out


def leaderboard_long(data: PromoData) -> pd.DataFrame:
    """The hourly leaderboard in long form for the workbook: until (the hour's end), rank,
    agent, value (cumulative sales or orders, by ``pk_by``)."""
    lb = hourly_board(data)
    rows = [{"until": r["until"], "rank": i, "agent": r[f"agent_{i}"],
             "value": r[f"value_{i}"]}
            for _, r in lb.iterrows() for i in range(1, int(data.settings["top"]) + 1)
            if pd.notna(r[f"agent_{i}"])]
    return pd.DataFrame(rows, columns=["until", "rank", "agent", "value"])


def headline(data: PromoData) -> dict[str, Any]:
    """The boss's first screen: sales (promo, baseline, multiple), inquiry conversion change
    (points), the team PK winner(s) and score, and the hour of the biggest staffing gap (from
    the one staffing answer, :func:`staffing_plan`)."""
    ov = overview(data).set_index("metric")
    teams = team_pk(data)
    by = data.settings["pk_by"]
    on_att = bool(teams.attrs.get("on_attainment"))
    col = f"{by}_attainment" if on_att else by
    best = teams[teams["rank"] == 1] if len(teams) else teams
    plan = staffing_plan(data)
    worst = plan.sort_values(["gap", "needed_roster"], ascending=False).iloc[0]
    return {"sales": ov.loc["sales", "promo"], "sales_baseline": ov.loc["sales", "baseline"],
            "sales_multiple": ov.loc["sales", "multiple"],
            "conversion": ov.loc["inquiry_conversion", "promo"],
            "conversion_points": ov.loc["inquiry_conversion", "change_points"],
            "winners": list(best["team"]), "pk_score": best[col].iloc[0] if len(best) else np.nan,
            "pk_on_attainment": on_att, "teams": len(teams),
            "gap_hour": int(worst["hour"]), "gap": float(worst["gap"]),
            "gap_online": float(worst["needed_online"]),
            "gap_roster": float(worst["needed_roster"]),
            "gap_on_shift": float(worst["agents_on_shift"]),
            "short_hours": int((plan["gap"] > 0).sum())}


def hourly_board(data: PromoData) -> pd.DataFrame:
    """The cumulative hourly leaderboard of the promo window."""
    start, end = data.promo_span
    return hourly_leaderboard(data.credited, start, end, by=data.settings["pk_by"],
                              top=int(data.settings["top"]))


def conversion(data: PromoData) -> pd.DataFrame:
    """One row per phase (promo, baseline) of :func:`metrics.promo.conversion_summary`."""
    return pd.DataFrame([{"phase": ph, **mp.conversion_summary(data.within(data.conversion, ph))}
                         for ph in ("promo", "baseline")])


def refunds(data: PromoData) -> pd.DataFrame:
    """One row per phase (promo, baseline): refunds of the orders paid in it."""
    paid_all = data.orders[as_ns(data.orders["paid_at"]).notna().to_numpy()]
    day = as_ns(paid_all["paid_at"]).dt.normalize()
    return pd.DataFrame([{"phase": ph, **mp.refund_summary(
        paid_all[day.isin(set(data.dates(ph))).to_numpy()], data.refunds, data.params)}
        for ph in ("promo", "baseline")])


def wave_shares(data: PromoData) -> dict[str, float]:
    """Pre-sale share of sessions in the baseline, promo and wave."""
    d = daily(data)
    return {ph: mp.presale_share(d.loc[d["phase"] == ph, "presale_sessions"].sum(),
                                 d.loc[d["phase"] == ph, "after_sales_sessions"].sum())
            for ph in ("baseline", "promo", "wave")}


def staffing_plan(data: PromoData) -> pd.DataFrame:
    """THE staffing answer per hour (:func:`metrics.promo.staffing_need`): this promo's mean
    sessions and peak, agents on shift, agents needed online (the larger of Erlang C and the
    peak ÷ concurrency) and to roster, and the gap."""
    shift = mp.mean_on_shift_per_hour(data.within(data.on_shift, "promo"))
    peak = data.within(data.peak, "promo").groupby("hour")["peak_concurrent"].max()
    prof = hourly_profile(data).set_index("hour")["promo"]
    return mp.staffing_need(prof, shift, peak, data.settings)


# =========================================================================== the registry
COUNT = "count"
OVERVIEW_KINDS: dict[str, str] = {"uv": COUNT, "sessions": COUNT, "presale_sessions": COUNT,
                  "after_sales_sessions": COUNT, "peak_concurrent": COUNT, "paid_orders": COUNT,
                  "sales": "money0", "buyers": COUNT, "aov": "money", "agent_orders": COUNT,
                  "agent_sales": "money0", "inquiries": COUNT, "inquiry_conversion": "rate",
                  "store_conversion": "rate"}
DAILY_KINDS = {"uv": COUNT, "sessions": COUNT, "presale_sessions": COUNT,
               "after_sales_sessions": COUNT, "presale_share": "rate", "peak_concurrent": COUNT,
               "paid_orders": COUNT, "sales": "money0", "refund_requests": COUNT,
               "refund_amount": "money0", "date": "date"}
TEAM_KINDS = {"rank": COUNT, "headcount": COUNT, "orders": COUNT, "target_orders": COUNT,
              "orders_attainment": "rate", "sales": "money0", "target_sales": "money0",
              "sales_attainment": "rate"}
AGENT_KINDS = {**TEAM_KINDS, "inquiries": COUNT, "inquiry_buyers": COUNT,
               "inquiry_conversion": "rate"}
CAPACITY_KINDS = {"date": "date", "hour": COUNT, "peak_concurrent": COUNT,
                  "agents_on_shift": "number1", "capacity": "number1", "load_ratio": "score",
                  "needed_online": COUNT, "needed_roster": COUNT, "gap": "number1"}
STAFFING_KINDS = {"hour": COUNT, "sessions": "number1", "traffic_erlangs": "score",
                  "erlang_online": COUNT, "peak_concurrent": COUNT, "peak_online": COUNT,
                  "needed_online": COUNT, "needed_roster": COUNT, "agents_on_shift": "number1",
                  "gap": "number1", "service_level": "rate", "asa_s": "seconds",
                  "occupancy": "rate"}
AFTER_SALES_KINDS = {"sessions": COUNT, "after_sales_sessions": COUNT, "reply_rate": "rate",
                     "first_response_p50_s": "number1", "unanswered": COUNT}
LEADERBOARD_KINDS = {"until": "datetime", "rank": COUNT, "value": "number"}
CONVERSION_KINDS = {"uv": COUNT, "inquiries": COUNT, "callin_rate": "rate",
                    "inquiry_buyers": COUNT, "inquiry_conversion": "rate",
                    "next_day_conversion": "rate", "buyers": COUNT, "store_conversion": "rate"}
REFUND_KINDS = {"paid_orders": COUNT, "refund_requests": COUNT, "refund_amount": "money0",
                "order_return_rate": "rate", "amount_return_rate": "rate",
                "refund_p50_h": "hours", "dispute_rate": "rate"}

#: the report's sections in order; a ``defines`` entry ``promo_def_<key>`` is this report's
#: own definition of the metric ``<key>`` (the appendix shows it under ``<key>``'s label)
SECTIONS = Registry([
    Section("promo_headline", None, sheet=False),
    Section("promo_overview", overview, kinds=OVERVIEW_KINDS,
            defines=("promo_def_uv", "sessions", "promo_def_presale_sessions",
                     "promo_def_after_sales_sessions", "promo_def_peak_concurrent", "sales",
                     "promo_def_paid_orders", "buyers", "aov", "promo_def_agent_orders",
                     "promo_def_agent_sales", "promo_def_inquiries", "inquiry_conversion",
                     "store_conversion", "promo_def_promo_multiple", "promo_change")),
    Section("promo_daily", daily, kinds=DAILY_KINDS,
            defines=("promo_def_presale_share", "promo_def_refund_requests")),
    Section("promo_hourly", hourly_profile, chart="hourly_chart", sheet=False),
    Section("promo_capacity", capacity, kinds=CAPACITY_KINDS, chart="capacity_chart",
            defines=("promo_def_load_ratio",)),
    Section("promo_no_agent", waiting, sheet=False),
    Section("team_pk", team_pk, kinds=TEAM_KINDS,
            defines=("promo_def_attainment",)),
    Section("promo_agent_targets", agent_targets, kinds=AGENT_KINDS),
    Section("promo_after_sales", after_sales, kinds=AFTER_SALES_KINDS,
            defines=("promo_after_sales", "reply_rate", "first_response_p50_s")),
    Section("promo_leaderboard", hourly_board, sheet=False),
    Section("promo_conversion", conversion, kinds=CONVERSION_KINDS, sheet=False,
            defines=("promo_def_callin_rate", "promo_def_next_day_conversion")),
    Section("promo_wave", refunds, kinds=REFUND_KINDS, chart="wave_chart", sheet=False,
            defines=("promo_def_order_return_rate", "promo_def_amount_return_rate",
                     "promo_def_refund_p50_h", "promo_def_dispute_rate")),
    Section("promo_staffing", staffing_plan, kinds=STAFFING_KINDS, chart="staffing_chart",
            defines=("promo_def_erlang_online", "promo_def_peak_online",
                     "needed_online", "needed_roster", "gap", "promo_def_service_level")),
    Section("appendix", None, sheet=False),
])
# the workbook's sheet order (the overview, daily, team PK, agent targets, after-sales agents,
# capacity, staffing; the leaderboard sheet follows, written by the view in long form)
SHEET_ORDER = ("promo_overview", "promo_daily", "team_pk", "promo_agent_targets",
               "promo_after_sales", "promo_capacity", "promo_staffing")
