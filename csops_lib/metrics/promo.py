"""Promo-retrospective metrics (METRICS.md §6, §7): the promo, baseline and wave windows,
date-hours nobody was on shift for, the hourly leaderboard, and the per-window summaries the
retrospective compares (totals, conversion, refunds, hourly profile, staffing need).

Windows are whole days (shop local time):

* **promo**: the promo's ``start`` to ``end`` in the store's ``promos`` table (the earliest
  start and latest end of its rows), by name; the default is the promo that started last
  (:func:`promo_window`);
* **baseline**: a window of the same length ``gap_days`` (default 7) days before the promo;
  a gap shorter than the promo is raised to the next multiple of 7 days ≥ the promo's length,
  so the windows never overlap (:func:`baseline_window`); the days between are the run-up;
* **after-sales wave**: the ``wave_days`` days after the promo (§7: the pre-sale :
  after-sales ratio, normally about 7 : 3, is reversed in those days) (:func:`phase_days`).

Every ratio uses :func:`csops_lib.metrics._common.ratio` (zero or missing denominator → NaN).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from csops_lib.metrics import leaderboard
from csops_lib.metrics._common import as_ns, key_text, ratio
from csops_lib.metrics.refunds import refund_metrics
from csops_lib.metrics.sales import sales_metrics
from csops_lib.metrics.staffing import erlang_c, staffing_plan

__all__ = ["PHASES", "UnknownPromoError", "after_sales_agents", "after_sales_summary",
           "baseline_window", "conversion_summary", "hour_ranges", "hourly_leaderboard",
           "hourly_profile", "phase_days", "presale_share", "promo_window", "refund_summary", "staffing_need",
           "waiting_without_agent", "window_totals"]

PHASES = ("baseline", "runup", "promo", "wave", "other")


class UnknownPromoError(ValueError):
    """The promo name is not in the store's promos table (the message lists the known ones)."""


def waiting_without_agent(chats: pd.DataFrame, on_shift: pd.DataFrame,
                          sessions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Date-hours with customer messages but no agent on shift (by the roster).

    ``on_shift``: from :func:`on_shift_grid` (only its date-hours are looked at).
    Columns: date, hour, customer_messages, customers (distinct), first_response_p50_s
    (median first response of the sessions that started in that hour, from ``sessions``;
    NaN when not given or none answered)."""
    c = chats[chats["sender"].astype(object).eq("customer").to_numpy()]
    t = as_ns(c["sent_at"])
    m = pd.DataFrame({"date": t.dt.normalize(), "hour": t.dt.hour.astype(np.int64),
                      "customer_id": key_text(c["customer_id"]).to_numpy()})
    g = m.groupby(["date", "hour"])
    counts = pd.DataFrame({"customer_messages": g.size(), "customers": g["customer_id"].nunique()})
    empty = on_shift.loc[on_shift["agents_on_shift"] == 0, ["date", "hour"]]
    out = empty.merge(counts.reset_index(), on=["date", "hour"], how="inner")
    if sessions is not None and len(sessions):
        st = as_ns(sessions["start"])
        wait = (pd.DataFrame({"date": st.dt.normalize(), "hour": st.dt.hour.astype(np.int64),
                              "w": sessions["first_response_s"].astype("float64").to_numpy()})
                .groupby(["date", "hour"])["w"].median().rename("first_response_p50_s"))
        out = out.merge(wait.reset_index(), on=["date", "hour"], how="left")
    else:
        out["first_response_p50_s"] = np.nan
    out = out[out["customer_messages"] > 0].sort_values(["date", "hour"]).reset_index(drop=True)
    return out[["date", "hour", "customer_messages", "customers", "first_response_p50_s"]]


def hour_ranges(hours: pd.DataFrame) -> pd.DataFrame:
    """Merge consecutive date-hours (a ``date``, ``hour`` frame such as
    :func:`waiting_without_agent`) into ranges: date, start_hour, end_hour (exclusive),
    hours, and the sums of customer_messages and the max of customers and the median of
    first_response_p50_s over the merged hours (when those columns exist)."""
    if hours.empty:
        return pd.DataFrame(columns=["date", "start_hour", "end_hour", "hours"])
    h = hours.sort_values(["date", "hour"]).reset_index(drop=True)
    stamp = h["date"] + pd.to_timedelta(h["hour"], unit="h")
    new = stamp.diff().ne(pd.Timedelta(hours=1))
    run = new.cumsum()
    agg: dict[str, Any] = {"date": ("date", "first"), "start_hour": ("hour", "first"),
                           "end_hour": ("hour", "last"), "hours": ("hour", "size")}
    if "customer_messages" in h:
        agg["customer_messages"] = ("customer_messages", "sum")
    if "customers" in h:
        agg["customers_max"] = ("customers", "max")
    if "first_response_p50_s" in h:
        agg["first_response_p50_s"] = ("first_response_p50_s", "median")
    out = h.groupby(run).agg(**agg).reset_index(drop=True)
    # end_hour is exclusive; a range running past midnight keeps its start date and has an
    # end_hour above 24 (show it modulo 24)
    out["end_hour"] = out["start_hour"] + out["hours"]
    return out


def baseline_window(start, end, gap_days: int = 7) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The baseline days [first, last] for a promo on days [start, end] (see the module
    docstring): the same-length window ``gap_days`` earlier; a gap shorter than the promo is
    raised to the next multiple of 7 days ≥ the promo's length, so the windows never overlap.
    2026-11-11 (one day), gap 7 → 2026-11-04; 11-09..11-11, gap 1 → 11-02..11-04."""
    s, e = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    if e < s:
        raise ValueError(f"promo ends ({e.date()}) before it starts ({s.date()})")
    n = (e - s).days + 1
    gap = int(gap_days)
    if gap < 1:
        raise ValueError(f"baseline_gap_days must be ≥ 1, got {gap_days!r}")
    if gap < n:
        gap = 7 * math.ceil(n / 7)
    return s - pd.Timedelta(days=gap), e - pd.Timedelta(days=gap)


def promo_window(promos: pd.DataFrame, name: str | None = None) -> dict[str, Any]:
    """The promo's name, display name, start and end, and its rows (targets).

    ``name`` None → the promo with the latest start. An unknown name raises
    :class:`UnknownPromoError` listing the known promos."""
    if promos is None or promos.empty or "name" not in promos.columns:
        raise UnknownPromoError("the store has no promos table: ingest a promos export "
                                "(活动名称, 开始时间, 结束时间, 组别, 客服, 目标单量, 目标销售额) first")
    p = promos.assign(name=key_text(promos["name"]), start=as_ns(promos["start"]),
                      end=as_ns(promos["end"]))
    spans = p.groupby("name").agg(start=("start", "min"), end=("end", "max")).sort_values(
        "start")
    if name is None or (isinstance(name, str) and not name.strip()):
        name = str(spans.index[-1])
    name = str(name).strip()
    if name not in spans.index:
        known = ", ".join(f"{n} ({r.start:%Y-%m-%d})" for n, r in spans.iterrows())
        raise UnknownPromoError(f"unknown promo {name!r}; the promos table has: {known}")
    rows = p[p["name"] == name]
    display = name
    for col in ("display_name", "活动显示名"):
        if col in rows.columns and rows[col].notna().any():
            display = str(rows[col].dropna().iloc[0])
            break
    return {"name": name, "display_name": display, "start": spans.loc[name, "start"],
            "end": spans.loc[name, "end"], "rows": rows.reset_index(drop=True)}


def hourly_leaderboard(credited: pd.DataFrame, start, end, *, by: str = "sales",
                       top: int = 5, until=None) -> pd.DataFrame:
    """Cumulative ``by`` (sales or orders) per agent at the end of every clock hour of
    [start, end] (up to ``until``, default the last credited payment): one row per hour with
    ``until`` (the hour's end) and, for ranks 1 … ``top``, ``agent_k`` and ``value_k``.
    Ties are broken by agent name. ``credited``: :func:`csops_lib.metrics.leaderboard.credited_orders`."""
    if by not in leaderboard.BY:
        raise ValueError(f"by must be one of {leaderboard.BY}, got {by!r}")
    c = credited[credited["credited_agent"].notna()]
    t = as_ns(c["paid_at"])
    s, e = pd.Timestamp(start), pd.Timestamp(end)
    c = c[((t >= s) & (t <= e)).to_numpy()]
    t = as_ns(c["paid_at"])
    last = pd.Timestamp(until) if until is not None else (t.max() if len(c) else s)
    ends = pd.date_range(s.floor("h") + pd.Timedelta(hours=1),
                         min(e, last).floor("h") + pd.Timedelta(hours=1), freq="h")
    cols = ["until"] + [f"{k}_{i}" for i in range(1, top + 1) for k in ("agent", "value")]
    if c.empty or not len(ends):
        return pd.DataFrame(columns=cols)
    val = np.ones(len(c)) if by == "orders" else c["amount"].astype("float64").to_numpy()
    bucket = t.dt.floor("h") + pd.Timedelta(hours=1)
    wide = (pd.DataFrame({"until": bucket.to_numpy(), "agent": key_text(c["credited_agent"])
                          .to_numpy(), "v": val})
            .pivot_table(index="until", columns="agent", values="v", aggfunc="sum")
            .reindex(ends).fillna(0.0).cumsum())
    rows = []
    for when, r in wide.iterrows():
        r = r[r > 0]
        order = sorted(r.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
        row: dict[str, Any] = {"until": when}
        for i in range(1, top + 1):
            a, v = order[i - 1] if i <= len(order) else (np.nan, np.nan)
            row[f"agent_{i}"], row[f"value_{i}"] = a, v
        rows.append(row)
    return pd.DataFrame(rows, columns=cols)


def phase_days(promo_first, promo_last, gap_days: int = 7, wave_days: int = 3) -> pd.DataFrame:
    """One row per day from the baseline's first day to the wave's last: ``date``, ``phase``
    (baseline, runup, promo, wave; :data:`PHASES`). Example: promo 11-11, gap 7, wave 3 →
    11-04 baseline, 11-05 … 11-10 runup, 11-11 promo, 11-12 … 11-14 wave."""
    p_first, p_last = pd.Timestamp(promo_first).normalize(), pd.Timestamp(promo_last).normalize()
    b_first, b_last = baseline_window(p_first, p_last, gap_days)
    w_last = p_last + pd.Timedelta(days=int(wave_days))
    dates = pd.date_range(b_first, w_last, freq="D")
    phase = np.where(dates < b_first, "other", "runup").astype(object)
    phase[(dates >= b_first) & (dates <= b_last)] = "baseline"
    phase[(dates >= p_first) & (dates <= p_last)] = "promo"
    phase[dates > p_last] = "wave"
    return pd.DataFrame({"date": dates, "phase": phase})


def presale_share(presale, after_sales):
    """Pre-sale share of sessions = presale / (presale + after_sales) (§7; sessions of other
    categories left out); zero denominator → NaN. 262 pre-sale, 117 after-sales → 0.691."""
    return ratio(presale, presale + after_sales)


def window_totals(*, hourly: pd.DataFrame, peak: pd.DataFrame, orders: pd.DataFrame,
                  credited: pd.DataFrame, conversion: pd.DataFrame, params: dict[str, Any]
                  ) -> dict[str, float]:
    """The headline numbers of one window (all frames already cut to its days; per window,
    not per day): uv (sum of store-day visitors, NaN without traffic), sessions and its
    pre-sale / after-sales split (§7 sessions per hour), peak_concurrent (max over the
    hours), paid_orders / sales / buyers / aov (§4 :func:`sales_metrics` on ``orders`` paid in
    the window), agent_orders / agent_sales (credited to an agent, §4), inquiries,
    inquiry_conversion = Σ inquiry_buyers / Σ inquiries (§2) and store_conversion = Σ buyers
    / Σ uv (§2); zero denominators → NaN."""
    sm = sales_metrics(orders, by=None, params=params)
    uv = conversion["uv"].sum(min_count=1)
    pk = peak["peak_concurrent"]
    attributed = credited["credited_agent"].notna()
    return {
        "uv": uv,
        "sessions": float(hourly["sessions"].sum()),
        "presale_sessions": float(hourly["presale"].sum()),
        "after_sales_sessions": float(hourly["after_sales"].sum()),
        "peak_concurrent": float(pk.max()) if len(pk) else np.nan,
        "paid_orders": float(sm["orders"].iloc[0]) if len(sm) else 0.0,
        "sales": float(sm["sales"].iloc[0]) if len(sm) else 0.0,
        "buyers": float(sm["buyers"].iloc[0]) if len(sm) else np.nan,
        "aov": float(sm["aov"].iloc[0]) if len(sm) else np.nan,
        "agent_orders": float(attributed.sum()),
        "agent_sales": float(credited.loc[attributed, "amount"].sum()),
        "inquiries": float(conversion["inquiries"].sum()),
        "inquiry_conversion": ratio(conversion["inquiry_buyers"].sum(),
                                    conversion["inquiries"].sum()),
        "store_conversion": ratio(conversion["buyers"].sum(), uv) if pd.notna(uv) else np.nan,
    }


def conversion_summary(conversion: pd.DataFrame) -> dict[str, Any]:
    """One window's conversion (§2) from :func:`store_conversion` store-day rows cut to its
    days: uv, inquiries, callin_rate = inquiries / uv, inquiry_buyers, inquiry_conversion =
    inquiry_buyers / inquiries, next_day_conversion = next_day_buyers / inquiries, buyers,
    store_conversion = buyers / uv (NaN without traffic), provisional (any day still inside
    the follow-up window)."""
    c = conversion
    uv = c["uv"].sum(min_count=1)
    inq = c["inquiries"].sum()
    return {
        "uv": uv, "inquiries": inq,
        "callin_rate": ratio(inq, uv) if pd.notna(uv) else np.nan,
        "inquiry_buyers": c["inquiry_buyers"].sum(),
        "inquiry_conversion": ratio(c["inquiry_buyers"].sum(), inq),
        "next_day_conversion": ratio(c["next_day_buyers"].sum(), inq),
        "buyers": c["buyers"].sum(),
        "store_conversion": ratio(c["buyers"].sum(), uv) if pd.notna(uv) else np.nan,
        "provisional": bool(c["provisional"].any()) if len(c) else False,
    }


def refund_summary(paid: pd.DataFrame, refunds: pd.DataFrame | None,
                   params: dict[str, Any]) -> dict[str, Any]:
    """Refunds of the orders paid in one window (§5): paid_orders, refunds (requests on
    those orders, up to the end of the data), refund_amount, order_return_rate and
    amount_return_rate (§4 :func:`sales_metrics`), refund_p50_h (median handling hours) and
    dispute_rate (§5 :func:`refund_metrics`); NaN where there is nothing to measure."""
    sm = sales_metrics(paid, by=None, params=params) if len(paid) else None
    rr, rm = [], None
    if refunds is not None and not refunds.empty and "order_id" in refunds.columns and len(paid):
        ids = set(key_text(paid["order_id"]).dropna())
        rr = refunds[key_text(refunds["order_id"]).isin(ids).to_numpy()]
        rm = refund_metrics(rr, by=None) if len(rr) else None
    return {
        "paid_orders": len(paid),
        "refund_requests": len(rr),
        "refund_amount": float(rm["refund_amount"].iloc[0]) if rm is not None else np.nan,
        "order_return_rate": sm["order_return_rate"].iloc[0] if sm is not None else np.nan,
        "amount_return_rate": sm["amount_return_rate"].iloc[0] if sm is not None else np.nan,
        "refund_p50_h": rm["refund_processing_p50_h"].iloc[0] if rm is not None else np.nan,
        "dispute_rate": rm["refund_dispute_rate"].iloc[0] if rm is not None else np.nan,
    }


def hourly_profile(hourly: pd.DataFrame, n_days: int) -> pd.Series:
    """Mean sessions per day in each hour 0–23 over a window of ``n_days`` days
    (Σ sessions started in that hour / n_days; 0 days is treated as 1)."""
    s = hourly.groupby("hour")["sessions"].sum().astype("float64") / max(int(n_days), 1)
    return pd.Series(np.arange(24)).map(s).fillna(0.0).set_axis(range(24))


def staffing_need(sessions_per_hour: pd.Series, on_shift: pd.Series, peak: pd.Series,
                  settings: dict[str, Any]) -> pd.DataFrame:
    """THE staffing answer per hour for next time (§7): one number of agents per hour, used
    by the capacity view and the staffing plan alike, so the two never disagree.

    Per hour 0–23, with ``g`` = ``load_growth`` and ``k`` = ``concurrency``:

    * ``erlang_online``: agents online Erlang C asks for (:func:`staffing_plan`) for the
      arrivals ``sessions_per_hour`` (hour → mean sessions per day) × g: the fewest agents
      answering ``target_service_level`` of customers within ``answer_within_s`` seconds at
      occupancy ≤ ``max_occupancy`` (the queue, hour-average view);
    * ``peak_online`` = ceil(``peak`` (hour → peak concurrent customers) × g / k): agents
      needed to hold this promo's peak of simultaneous chats (the burst view; NaN peak → 0);
    * ``needed_online`` = max(erlang_online, peak_online): enough for both;
    * ``needed_roster`` = ceil(needed_online / (1 − ``shrinkage``)): the head-count to roster;
    * ``agents_on_shift``: this promo's mean agents on shift (``on_shift``, hour → agents);
    * ``gap`` = max(needed_roster − agents_on_shift, 0): agents to add to the roster;
    * ``service_level``, ``asa_s``, ``occupancy``: Erlang C at needed_online (NaN without
      sessions); ``traffic_erlangs`` = arrivals / 3600 × ``aht_s``.

    Example: 173 sessions, AHT 476 s, k 4, 80 % in 30 s, occupancy ≤ 85 % → Erlang C 7
    online; peak 48 → 12 online; needed 12 online, ceil(12 / 0.8) = 15 rostered; 5 on shift →
    gap 10. ``settings``: aht_s, target_service_level, answer_within_s, concurrency,
    max_occupancy, shrinkage, load_growth."""
    st = settings
    growth, k = float(st["load_growth"]), int(st["concurrency"])
    shrink = float(st["shrinkage"])
    load = pd.DataFrame({"hour": np.arange(24),
                         "sessions": sessions_per_hour.reindex(range(24)).fillna(0.0).to_numpy()
                         * growth})
    plan = staffing_plan(load, float(st["aht_s"]), float(st["target_service_level"]),
                         float(st["answer_within_s"]), concurrency=k,
                         max_occupancy=float(st["max_occupancy"]), shrinkage=shrink)
    plan = plan.rename(columns={"raw_agents": "erlang_online"}).drop(columns=["agents"])
    plan["erlang_online"] = plan["erlang_online"].astype("float64")
    plan["peak_concurrent"] = plan["hour"].map(peak).astype("float64")
    plan["peak_online"] = np.ceil(plan["peak_concurrent"].fillna(0.0) * growth / k - 1e-9
                                  ).clip(lower=0)
    plan["needed_online"] = plan[["erlang_online", "peak_online"]].max(axis=1)
    plan["needed_roster"] = np.ceil(plan["needed_online"] / (1.0 - shrink) - 1e-9)
    plan["agents_on_shift"] = plan["hour"].map(on_shift).astype("float64").fillna(0.0)
    plan["gap"] = (plan["needed_roster"] - plan["agents_on_shift"]).clip(lower=0)
    for i, r in plan.iterrows():
        if r["sessions"] > 0 and r["needed_online"] > 0:
            m = erlang_c(float(r["sessions"]), float(st["aht_s"]), int(r["needed_online"]),
                         float(st["answer_within_s"]), concurrency=k)
            plan.loc[i, ["service_level", "asa_s", "occupancy"]] = [
                m["service_level"], m["asa_s"], m["occupancy"]]
    return plan[["hour", "sessions", "traffic_erlangs", "erlang_online", "peak_concurrent",
                 "peak_online", "needed_online", "needed_roster", "agents_on_shift", "gap",
                 "service_level", "asa_s", "occupancy"]]


def after_sales_agents(roles: pd.Series) -> set[str]:
    """The agents whose roster ``role`` (index agent) is ``after_sales``: they are not
    scored against sales targets (their promo targets are ignored; the retrospective shows
    their after-sales work instead); ``presale``, ``both`` and agents without a role are sales
    agents."""
    r = pd.Series(roles).astype(object)
    return {str(a) for a, v in r.items() if str(v).strip().lower() == "after_sales"}


def after_sales_summary(sessions: pd.DataFrame, agents) -> pd.DataFrame:
    """Per after-sales agent (``agents``), their work over ``sessions`` (already cut to the
    window, :func:`csops_lib.metrics.build_sessions` rows): sessions, after_sales_sessions
    (category after_sales), reply_rate = replied / sessions (§2; NaN without sessions),
    first_response_p50_s = median first response (s; unanswered skipped), unanswered
    (sessions without an agent answer). An agent without sessions has zeros and NaN rates."""
    names = sorted({str(a) for a in agents})
    s = sessions[sessions["agent"].astype(str).isin(names)] if len(sessions) else sessions
    out = pd.DataFrame(index=pd.Index(names, name="agent"))
    if len(s):
        replied = s["replied"].astype("boolean").fillna(False).astype(bool)
        g = s.assign(_r=replied, _a=s["category"].astype(object).eq("after_sales"),
                     _u=~replied).groupby(s["agent"].astype(str))
        out["sessions"] = g.size()
        out["after_sales_sessions"] = g["_a"].sum()
        out["unanswered"] = g["_u"].sum()
        out["reply_rate"] = ratio(g["_r"].sum(), g.size()).reindex(out.index)
        out["first_response_p50_s"] = g["first_response_s"].median()
    for c in ("sessions", "after_sales_sessions", "unanswered"):
        out[c] = out.get(c, pd.Series(0.0, index=out.index)).fillna(0).astype("int64")
    for c in ("reply_rate", "first_response_p50_s"):
        if c not in out.columns:
            out[c] = np.nan
    return out.reset_index()[["agent", "sessions", "after_sales_sessions", "reply_rate",
                              "first_response_p50_s", "unanswered"]]


def promo_vs_baseline(promo: dict[str, float], baseline: dict[str, float],
                      rates: frozenset[str] | set[str]) -> pd.DataFrame:
    """One row per metric: promo, baseline, ``multiple`` = promo / baseline for counts and
    money (NaN for a rate, a missing or zero baseline) and ``change_points`` = promo −
    baseline for the metrics in ``rates`` (a difference of fractions, shown in percentage
    points; NaN otherwise). METRICS.md §6 (promo against its baseline window)."""
    rows = []
    for k in promo:
        rate = k in rates
        a, b = promo[k], baseline.get(k, np.nan)
        rows.append({"metric": k, "promo": a, "baseline": b,
                     "multiple": np.nan if rate or pd.isna(b) else ratio(a, b),
                     "change_points": a - b if rate else np.nan})
    return pd.DataFrame(rows)


def mean_on_shift_per_hour(on_shift: pd.DataFrame) -> pd.Series:
    """Agents on shift per clock hour, averaged over the days of ``on_shift`` (rows: date,
    hour, agents_on_shift): the mean head count the roster put on each hour (agents)."""
    return on_shift.groupby("hour")["agents_on_shift"].mean()
