"""The weekly review's frame builders: pure functions of :class:`WeeklyData`, columns keyed
by canonical names, raw numbers (no labels, no formatting, no HTML).

Conventions the view relies on:

- ``pidx`` is a period index (0 this period, −1 the one before…; ``<NA>`` = the average of
  the earlier periods); the view shows it as the period's name;
- ``is_total`` marks a total row (the view names it);
- a missing ``team`` means the agent is on no team in the roster;
- periods the data do not cover from their first day are NaN in trends.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from csops_lib.metrics import questions
from csops_lib.metrics import sales as sales_metrics
from csops_lib.metrics.bridge import FACTORS, bridge_frame, sales_bridge
from csops_lib.metrics.callbacks import callback_summary
from csops_lib.metrics.outliers import stand_out_shares
from csops_lib.metrics.periods_compare import (
    agent_served_sales,
    attribution_split,
    change,
    dsr_means,
    first_response_quantiles,
    first_response_stats,
    orders_per_uv,
    period_average,
    scale_to_period,
    shares,
    silent_sales,
    silent_share,
    store_conversion,
    weighted_first_response,
)
from csops_lib.metrics.refunds import refund_metrics
from csops_lib.metrics.rollups import add_rates, rollup
from csops_lib.reports.weekly.data import WeeklyData
from csops_lib.settings.shop import PARAM_DOCS

#: headline rows: (key, better) — better: +1 higher is better, −1 lower is better, 0 neutral
HEADLINE = [
    ("sales", 1), ("paid_orders", 1), ("buyers", 1), ("aov", 1), ("uv", 1),
    ("store_conversion", 1), ("silent_share", 0), ("sessions", 0), ("reply_rate", 1),
    ("first_response_p50_s", -1), ("first_response_p90_s", -1), ("first_response_s", -1),
    ("inquiries", 1), ("inquiry_conversion", 1), ("slow_sessions", -1), ("long_sessions", -1),
    ("refunds", -1), ("refund_processing_p50_h", -1), ("satisfaction_rate", 1),
    ("dsr_service", 1),
]
#: headline metrics that are rates (their changes are in percentage points)
RATE_METRICS = frozenset({"store_conversion", "silent_share", "reply_rate",
                          "inquiry_conversion", "satisfaction_rate"})
#: headline metrics that are sums or counts: the baseline scales them to whole periods
ADDITIVE = ("sales", "paid_orders", "buyers", "uv", "day_buyers", "sessions", "inquiries",
            "slow_sessions", "long_sessions", "refunds")
_NO_TEAM = "\x00no team"  # groups the agents on no team (never a roster value)
_KPI_SUMS = ["sessions", "replied", "slow_sessions", "long_sessions", "inquiries",
             "inquiry_buyers", "orders", "sales", "buyers"]


def _float(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype("float64")


# --------------------------------------------------------------------------- periods
def period_totals(data: WeeklyData) -> pd.DataFrame:
    """One row per period index (−history … 0) with every headline metric (NaN where the
    data do not allow it, and for periods the data do not fully cover)."""
    return data.memo("totals", lambda: _period_totals(data, data.index))


def baseline_totals(data: WeeklyData) -> pd.DataFrame:
    """:func:`period_totals` of the earlier periods without their promo days (table
    ``promos``), sums and counts scaled back to whole periods
    (:func:`~csops_lib.metrics.periods_compare.scale_to_period`): what the average is taken
    over. A period that is all promo days is NaN (left out of the average)."""
    def build():
        totals = _period_totals(data, data.baseline_index)
        days = data.period_days()
        return scale_to_period(totals, days["days"], days["kept"], ADDITIVE)
    return data.memo("baseline", build)


def _with_pidx(frame: pd.DataFrame, col: str, index) -> pd.DataFrame:
    """``frame`` with ``pidx`` = ``index(frame[col])``, rows whose index is NaN dropped."""
    pidx = pd.Series(index(frame[col]).to_numpy(), index=frame.index, dtype="float64")
    keep = pidx.notna().to_numpy()
    return frame[keep].assign(pidx=pidx[keep].astype("int64").to_numpy())


def _period_totals(data: WeeklyData, index) -> pd.DataFrame:
    idx = pd.Index(data.shown, name="pidx")
    out = pd.DataFrame(index=idx)
    paid = data.paid
    if not paid.empty:
        paid = _with_pidx(paid, "paid_at", index)
    if not paid.empty:
        s = sales_metrics.sales_metrics(paid, by=["pidx"], params=data.params).set_index("pidx")
        out["sales"] = s["sales"]
        out["paid_orders"] = s["orders"]
        out["buyers"] = s["buyers"]
        out["aov"] = s["aov"]
    uv = data.uv
    if not uv.empty and not paid.empty:
        uv = _with_pidx(uv, "date", index)
        conv = store_conversion(paid, uv, "pidx").reindex(idx)
        out["uv"] = conv["uv"]
        out["store_conversion"] = conv["store_conversion"]
        out["day_buyers"] = conv["day_buyers"]
    if data.attributed is not None and not data.attributed.empty:
        a = _with_pidx(data.attributed, "paid_at", index)
        out["silent_share"] = silent_share(silent_sales(a, "pidx").reindex(idx),
                                           out.get("sales"))
    k = data.kpis
    if not k.empty:
        k = _with_pidx(k, "date", index)
        sums = rollup(k, "pidx", ["sessions", "replied", "inquiries", "inquiry_buyers",
                                  "slow_sessions", "long_sessions"],
                      rates=["reply_rate", "inquiry_conversion"]).set_index("pidx")
        sums = sums.reindex(idx)
        for col in ("sessions", "inquiries", "slow_sessions", "long_sessions", "reply_rate",
                    "inquiry_conversion"):
            out[col] = pd.to_numeric(sums[col], errors="coerce").astype("float64")
        if data.sessions is None and "first_response_s" in k:
            out["first_response_s"] = weighted_first_response(k, "pidx")
    if data.sessions is not None and not data.sessions.empty:
        s = _with_pidx(data.sessions, "date", index)
        out = out.join(first_response_quantiles(s, "pidx"))
    if not data.refunds.empty:
        r = _with_pidx(data.refunds, "applied_at", index)
        rm = refund_metrics(r, by=["pidx"]).set_index("pidx")
        out["refunds"] = rm["refunds"]
        out["refund_processing_p50_h"] = rm["refund_processing_p50_h"]
    if not data.callbacks.empty and "result" in data.callbacks:
        c = _with_pidx(data.callbacks, "date", index)
        out["satisfaction_rate"] = callback_summary(c, by=["pidx"]).set_index("pidx")[
            "satisfaction_rate"]
    if not data.dsr.empty and "service" in data.dsr:
        d = _with_pidx(data.dsr, "date", index)
        out["dsr_service"] = dsr_means(d, ["pidx"], ("service",))["service"]
    out = out.reindex(idx).astype("float64")
    for i in idx:
        if not data.covered(i):
            out.loc[i] = np.nan
    return out


def _blank_uncovered(data: WeeklyData, out: pd.DataFrame) -> pd.DataFrame:
    """Periods the data do not cover: every value but ``pidx`` NaN."""
    values = [c for c in out.columns if c != "pidx"]
    for n, i in enumerate(data.shown):
        if not data.covered(i):
            out.loc[out.index[n], values] = np.nan
    return out


def headline_frame(data: WeeklyData) -> pd.DataFrame:
    """The headline metrics per period (rows, ``pidx``) and their average over the covered
    earlier periods without their promo days (the last row, ``pidx`` missing,
    :func:`baseline_totals`): the workbook's first sheet."""
    totals = period_totals(data)
    keep = [k for k, _ in HEADLINE if k in totals and totals[k].notna().any()]
    out = totals[keep].copy()
    out.loc["avg"] = period_average(baseline_totals(data)[keep],
                                    data.covered_history).to_numpy()
    out.insert(0, "pidx", pd.array([*data.shown, pd.NA], dtype="Int64"))
    return out.reset_index(drop=True)


def headline_rows(data: WeeklyData) -> pd.DataFrame:
    """Metric rows: key, better, this, prev, avg (over the earlier periods without their
    promo days, :func:`baseline_totals`), vs_prev, vs_avg, pp (changes of rates in
    percentage points, others relative). Metrics the data cannot give are left out."""
    totals = period_totals(data)
    this, prev = totals.loc[0], totals.loc[-1]
    avg = period_average(baseline_totals(data), data.covered_history)
    rows = []
    for key, better in HEADLINE:
        if key not in totals or totals[key].isna().all():
            continue
        rate = key in RATE_METRICS
        rows.append({"key": key, "better": better, "this": this[key], "prev": prev[key],
                     "avg": avg[key], "vs_prev": change(this[key], prev[key], rate=rate),
                     "vs_avg": change(this[key], avg[key], rate=rate), "pp": rate})
    return pd.DataFrame(rows, columns=["key", "better", "this", "prev", "avg", "vs_prev",
                                       "vs_avg", "pp"])


def agent_served(data: WeeklyData) -> float:
    """This period's agent-served sales (from the sales and the silent share)."""
    this = period_totals(data).loc[0]
    return agent_served_sales(this.get("sales", np.nan), this.get("silent_share", np.nan))


def provisional_from(data: WeeklyData) -> pd.Timestamp | None:
    """The first day of this period whose conversion is still provisional (or None)."""
    k = data.this_kpis
    if k.empty or "provisional" not in k.columns:
        return None
    days = k.loc[k["provisional"].astype("boolean").fillna(False).to_numpy(), "date"]
    return None if days.empty else days.min()


def promos_in(data: WeeklyData, i: int) -> list[str]:
    """Names of the promos (table ``promos``) overlapping period ``i`` (their display name
    when the export kept one)."""
    pr = data.promos
    if pr.empty or not {"name", "start", "end"} <= set(pr.columns):
        return []
    p = data.period.shift(i)
    hit = pr[(pd.to_datetime(pr["start"]) < pd.Timestamp(p.end) + pd.Timedelta(days=1))
             & (pd.to_datetime(pr["end"]) >= pd.Timestamp(p.start))]
    shown = hit["name"]
    for col in ("display_name", "活动显示名"):  # a display name column kept from the export
        if col in hit.columns:
            shown = hit[col].where(hit[col].notna(), shown)
    return list(dict.fromkeys(shown.dropna().astype(str)))


# --------------------------------------------------------------------------- bridge
#: the shop bridge's factors: (key, is a rate); sales = visitors × conversion × value
SHOP_FACTORS = (("uv", False), ("store_conversion", True), ("bridge_buyer_value", False))
#: the agents' bridge columns: the parts of each agent's change of agent-served sales
AGENT_PARTS = ("bridge_from_inquiries", "bridge_from_conversion", "bridge_from_value",
               "bridge_unsplit")


def shop_bridge(data: WeeklyData) -> dict:
    """The shop's sales bridge against the previous period
    (:func:`~csops_lib.metrics.bridge.sales_bridge`: visitors × store conversion × sales
    per paying buyer-day, from :func:`period_totals`)."""
    def build():
        t = period_totals(data)
        cols = ("sales", "uv", "day_buyers")
        if not set(cols) <= set(t.columns):
            return sales_bridge(*([np.nan] * 6))
        return sales_bridge(*t.loc[-1, list(cols)], *t.loc[0, list(cols)])
    return data.memo("shop_bridge", build)


def bridge_shop_frame(data: WeeklyData) -> pd.DataFrame:
    """The shop's sales bridge, one row per factor then the sales: factor, before (previous
    period), after (this period), bridge_change (relative; for the conversion, a rate, in
    percentage points: :data:`SHOP_FACTORS`), contribution (yuan; the three add up to the change of sales exactly). Empty without
    traffic."""
    b = shop_bridge(data)
    if b["method"] == "missing":
        return pd.DataFrame(columns=["factor", "before", "after", "bridge_change",
                                     "contribution"])
    rows = [{"factor": key, "before": b["factors0"][i], "after": b["factors1"][i],
             "bridge_change": change(b["factors1"][i], b["factors0"][i], rate=rate),
             "contribution": b[name]}
            for i, ((key, rate), name) in enumerate(zip(SHOP_FACTORS, FACTORS, strict=True))]
    t = period_totals(data)
    rows.append({"factor": "sales", "before": t.at[-1, "sales"], "after": t.at[0, "sales"],
                 "bridge_change": change(t.at[0, "sales"], t.at[-1, "sales"], rate=False),
                 "contribution": b["change"]})
    return pd.DataFrame(rows)


def bridge_agent_frame(data: WeeklyData) -> pd.DataFrame:
    """Each agent's agent-served sales against the previous period, split into inquiries ×
    inquiry conversion × sales per converted inquiry
    (:func:`~csops_lib.metrics.bridge.bridge_frame`): agent, sales_before, sales,
    sales_delta, the parts (yuan; with ``bridge_unsplit`` they add up to sales_delta
    exactly), bridge_method; the agents with sales in either period, biggest change first,
    then a total row (``is_total``)."""
    if not data.bridge_ready or data.kpis.empty:
        return pd.DataFrame(columns=["agent", "is_total", "sales_before", "sales",
                                     "sales_delta", *AGENT_PARTS])
    cols = ["sales", "inquiries", "inquiry_buyers"]
    f = bridge_frame(agent_sums(data, (-1,))[cols], agent_sums(data, (0,))[cols])
    f = f.rename(columns={"bridge_volume": "bridge_from_inquiries",
                          "bridge_conversion": "bridge_from_conversion",
                          "bridge_value": "bridge_from_value"})
    f = f.rename_axis("agent").reset_index()
    f = f[(f["sales_before"] != 0) | (f["sales"] != 0)].reset_index(drop=True)  # sold at all
    f = f.iloc[f["sales_delta"].abs().sort_values(ascending=False, kind="stable").index]
    total = {"agent": None, "is_total": True,
             **f[["sales_before", "sales", "sales_delta", *AGENT_PARTS]].sum().to_dict()}
    out = pd.concat([f.assign(is_total=False), pd.DataFrame([total])], ignore_index=True)
    return out[["agent", "is_total", "sales_before", "sales", "sales_delta", *AGENT_PARTS,
                "bridge_method"]]


# --------------------------------------------------------------------------- sales
def daily_frame(data: WeeklyData) -> pd.DataFrame:
    """This period's days: sales, paid orders, buyers, AOV, UV, store conversion."""
    p = data.period
    days = pd.date_range(p.start, p.end, freq="D", name="date")
    paid = data.this_paid
    out = pd.DataFrame(index=days)
    if not paid.empty:
        s = sales_metrics.sales_metrics(paid, by=["date"], params=data.params).set_index("date")
        out = out.join(s[["sales", "orders", "buyers", "aov"]]
                       .rename(columns={"orders": "paid_orders"}))
    uv = data.uv
    if not uv.empty and not paid.empty:
        conv = store_conversion(paid, uv, "date").reindex(days)
        out["uv"] = conv["uv"]
        out["store_conversion"] = conv["store_conversion"]
    if data.data_end is not None:
        out = out[out.index <= pd.Timestamp(data.data_end)]
    return out.reset_index()


def daily_sales_series(data: WeeklyData) -> pd.DataFrame:
    """Sales per day of this period and (when covered) the previous one: pidx, date, sales."""
    paid = data.paid
    paid = paid[paid["pidx"].isin([0, -1] if data.covered(-1) else [0])]
    return paid.groupby(["pidx", "date"])["_amount"].sum().rename("sales").reset_index()


def heatmap_frame(data: WeeklyData) -> pd.DataFrame:
    """Paid orders of the period per weekday (rows 0–6, Monday first) and hour (0–23)."""
    paid = data.this_paid
    grid = pd.crosstab(paid["paid_at"].dt.day_of_week, paid["hour"])
    grid = grid.reindex(index=range(7), columns=range(24), fill_value=0)
    grid.index.name, grid.columns.name = "weekday", "hour"
    return grid


def regions_frame(data: WeeklyData) -> pd.DataFrame:
    """Provinces by paid orders this period: orders, sales, UV, orders per UV (all
    provinces, most orders first; the view shows the top ones)."""
    paid = data.this_paid
    paid = paid[paid["province"].notna()]
    by = sales_metrics.sales_metrics(paid, by=["province"], params=data.params)
    by = by.rename(columns={"orders": "paid_orders"})[["province", "paid_orders", "sales"]]
    t = data.traffic
    if not t.empty and "province" in t and t["province"].notna().any():
        t = data.within(t[t["province"].notna()], "date")
        uv = pd.to_numeric(t["uv"], errors="coerce").groupby(t["province"]).sum(min_count=1)
        by["uv"] = by["province"].map(uv)
        by["orders_per_uv"] = orders_per_uv(by["paid_orders"], by["uv"])
    return by.sort_values(["paid_orders", "province"], ascending=[False, True]).reset_index(
        drop=True)


# --------------------------------------------------------------------------- agents
def team_of(data: WeeklyData) -> pd.Series:
    """Agent → team from the roster (empty without teams)."""
    if data.roster.empty or "team" not in data.roster:
        return pd.Series(dtype=object)
    return data.roster.drop_duplicates("agent").set_index("agent")["team"]


def agent_sums(data: WeeklyData, which=(0,)) -> pd.DataFrame:
    """Per agent (index) over the periods ``which``: the KPI sums, their rates (reply rate,
    inquiry conversion, AOV), max concurrent, and the first response (median over the
    sessions, or the platform's session-weighted mean without message logs)."""
    k = data.within(data.kpis, "date", which)
    sums = _float(rollup(k, "agent", _KPI_SUMS, rates=[]).set_index("agent")[_KPI_SUMS])
    sums["max_concurrent"] = pd.to_numeric(k.groupby("agent")["max_concurrent"].max(),
                                           errors="coerce")
    sums = add_rates(sums, ["reply_rate", "inquiry_conversion", "aov"])
    if data.sessions is not None:
        s = data.within(data.sessions, "date", which)
        sums["first_response_p50_s"] = first_response_stats(s, "agent")["first_response_p50_s"]
    elif "first_response_s" in k:
        sums["first_response_s"] = weighted_first_response(k, "agent")
    return sums


def agent_frame(data: WeeklyData) -> pd.DataFrame:
    """The period's agents ranked by sales: rank, agent, team, sales and its change against
    the previous period, orders, inquiries, conversion, sessions, reply rate, first
    response, slow / long sessions, max concurrent, AOV (columns without data left out)."""
    return data.memo("agents", lambda: _agent_frame(data))


def _agent_frame(data: WeeklyData) -> pd.DataFrame:
    if data.this_kpis.empty:
        return pd.DataFrame(columns=["rank", "agent", "sales"])
    sums = agent_sums(data)
    prev = agent_sums(data, (-1,))["sales"] if data.covered(-1) else pd.Series(dtype=float)
    prev = prev.reindex(sums.index)
    sums["sales_change"] = [change(a, b, rate=False) for a, b in zip(sums["sales"], prev,
                                                                     strict=True)]
    sums = sums.sort_values(["sales", "inquiries"], ascending=False, na_position="last")
    sums.insert(0, "rank", range(1, len(sums) + 1))
    sums = sums.rename_axis("agent").reset_index()
    sums.insert(2, "team", sums["agent"].map(team_of(data)))
    cols = ["rank", "agent", "team", "sales", "sales_change", "orders", "inquiries",
            "inquiry_conversion", "sessions", "reply_rate", "first_response_p50_s",
            "first_response_s", "slow_sessions", "long_sessions", "max_concurrent", "aov"]
    out = sums[[c for c in cols if c in sums]]
    return out.drop(columns=[c for c in out.columns if c != "team" and out[c].isna().all()])


def standout_frame(data: WeeklyData, *, k: float, min_gap: float,
                   min_sessions: int) -> pd.DataFrame:
    """Per agent of the period (index): whether the share of its sessions that were slow
    (``slow_sessions``) or long (``long_sessions``) stands out from the team's
    (:func:`~csops_lib.metrics.outliers.stand_out_shares`: above the median of the agents
    with at least ``min_sessions`` sessions + k · max(1.4826 · MAD, min_gap)). Empty
    without session counts."""
    if data.this_kpis.empty:
        return pd.DataFrame()
    sums = agent_sums(data)
    out = pd.DataFrame(index=sums.index)
    for col in ("slow_sessions", "long_sessions"):
        if col in sums and sums[col].notna().any():
            out[col] = stand_out_shares(sums[col], sums["sessions"], k=k, min_gap=min_gap,
                                        min_sessions=min_sessions)["stands_out"]
    return out


def conversion_frame(data: WeeklyData) -> pd.DataFrame:
    """Inquiry conversion per agent with inquiries this period: this period, the previous
    one and the average over the covered earlier periods (their promo days left out)."""
    k = data.kpis.assign(pidx=data.index(data.kpis["date"]).to_numpy())
    sums = rollup(k, ["agent", "pidx"], ["inquiries", "inquiry_buyers"],
                  rates=["inquiry_conversion"]).set_index(["agent", "pidx"])
    rate = sums["inquiry_conversion"].unstack("pidx").reindex(columns=data.shown)
    for i in data.shown:
        if not data.covered(i):
            rate[i] = np.nan
    inq = pd.to_numeric(sums["inquiries"], errors="coerce").astype("float64").unstack(
        "pidx").reindex(columns=data.shown)
    hist = data.covered_history
    base = _with_pidx(data.kpis, "date", data.baseline_index)  # promo days left out
    base = rollup(base, ["agent", "pidx"], ["inquiries", "inquiry_buyers"],
                  rates=["inquiry_conversion"]).set_index(["agent", "pidx"])
    base = base["inquiry_conversion"].unstack("pidx").reindex(index=rate.index,
                                                              columns=data.shown)
    out = pd.DataFrame({"agent": rate.index, "inquiries": inq[0].to_numpy(),
                        "this_period": rate[0].to_numpy(), "previous_period": rate[-1].to_numpy(),
                        "period_average": (period_average(base.T, hist).to_numpy() if hist
                                           else np.nan)})
    out = out[out["inquiries"].fillna(0) > 0]
    return out.sort_values(["this_period", "agent"], ascending=[False, True]).reset_index(
        drop=True)


def team_frame(data: WeeklyData) -> pd.DataFrame:
    """Per team (from the roster; missing = no team) and its agents: sales, orders,
    inquiries, conversion, reply rate, first-response median, slow and long sessions. Each
    team's total row (``is_total``) first, then its agents ranked by sales."""
    sums = agent_sums(data)
    team = team_of(data)
    sums["team"] = sums.index.map(team) if not team.empty else np.nan
    tsum = rollup(sums.reset_index(), "team", ["sales", "orders", "inquiries",
                                               "inquiry_buyers", "sessions", "replied",
                                               "slow_sessions", "long_sessions"],
                  rates=["inquiry_conversion", "reply_rate"]).set_index("team")
    if data.sessions is not None:
        s = data.within(data.sessions, "date")
        teams = s["agent"].map(team) if not team.empty else pd.Series(np.nan, index=s.index)
        key = teams.astype(object).where(teams.notna(), _NO_TEAM)
        p50 = first_response_stats(s.assign(team=key.to_numpy()), "team")[
            "first_response_p50_s"]
        tsum["first_response_p50_s"] = [p50.get(_NO_TEAM if pd.isna(t) else t, np.nan)
                                        for t in tsum.index]
    cols = ["sales", "orders", "inquiries", "inquiry_conversion", "reply_rate",
            "first_response_p50_s", "first_response_s", "slow_sessions", "long_sessions"]
    rows = []
    for t, total in tsum.sort_values("sales", ascending=False).iterrows():
        rows.append({"team": t, "agent": None, "is_total": True, **total})
        same = sums["team"].isna() if pd.isna(t) else sums["team"].eq(t)
        for a, r in sums[same.to_numpy()].sort_values("sales", ascending=False).iterrows():
            rows.append({**r, "team": t, "agent": a, "is_total": False})
    out = pd.DataFrame(rows)
    out = out[["team", "agent", "is_total", *[c for c in cols if c in out]]]
    return out.drop(columns=[c for c in out.columns
                             if c not in ("team", "agent") and out[c].isna().all()])


# --------------------------------------------------------------------------- chats
def attribution_frame(data: WeeklyData) -> pd.DataFrame:
    """Per period (``pidx``): sales credited by the order's agent field, by a chat, and
    silent; agent-served and silent orders; the silent share of sales."""
    a = data.attributed.assign(pidx=data.index(data.attributed["paid_at"]).to_numpy())
    out = attribution_split(a, "pidx").reindex(data.shown)
    counts = [c for c in out.columns if c != "silent_share"]
    out[counts] = out[counts].fillna(0.0)
    out.insert(0, "pidx", data.shown)
    return _blank_uncovered(data, out.reset_index(drop=True))


def response_frame(data: WeeklyData) -> pd.DataFrame:
    """Per day of the periods shown: sessions, median and p90 of the first response."""
    out = first_response_stats(data.sessions, "date").rename_axis("date").reset_index()
    return out[out["date"] >= pd.Timestamp(data.period.shift(-data.history).start)]


def questions_frame(data: WeeklyData) -> pd.DataFrame:
    """The period's most frequent customer questions (metrics.questions), masked."""
    return data.memo("questions", lambda: questions.frequent_questions(
        data.messages, top=data.top_questions, pii=data.pii))


# --------------------------------------------------------------------------- after sales
def callbacks_frame(data: WeeklyData) -> pd.DataFrame:
    """Callback results of the period per agent, and a total row (``is_total``)."""
    c = data.this_callbacks
    per_agent = callback_summary(c, by=["agent"]) if "agent" in c else pd.DataFrame()
    total = callback_summary(c, by=()).assign(agent=None)
    out = pd.concat([per_agent.assign(is_total=False), total.assign(is_total=True)],
                    ignore_index=True)
    return out[["agent", "is_total", "planned", "called", "reached", "satisfied", "problems",
                "reach_rate", "satisfaction_rate"]]


def callback_problems_frame(data: WeeklyData, top: int = 8) -> pd.DataFrame:
    """The notes of reached calls with a problem (masked), most frequent first."""
    c = data.this_callbacks
    if c.empty or "notes" not in c:
        return pd.DataFrame(columns=["problem_note", "count"])
    s = callback_summary(c.assign(_row=range(len(c))), by=["_row"])
    problems = c.loc[s["problems"].astype(int).to_numpy() > 0, "notes"].dropna()
    counts = problems.astype(str).map(lambda t: questions.mask_text(t, data.pii)).value_counts()
    out = counts.rename_axis("problem_note").rename("count").reset_index()
    return out.sort_values(["count", "problem_note"], ascending=[False, True]).head(
        top).reset_index(drop=True)


def refunds_frame(data: WeeklyData) -> pd.DataFrame:
    """Refund count, amount, processing time (median, p90), self-resolved and dispute rates
    per period (``pidx``; refunds by day of application)."""
    r = data.refunds.assign(pidx=data.index(data.refunds["applied_at"]).to_numpy())
    rm = refund_metrics(r, by=["pidx"]).set_index("pidx").reindex(data.shown)
    cols = ["refunds", "closed_refunds", "refund_amount", "refund_processing_p50_h",
            "refund_processing_p90_h", "refund_self_resolved_rate", "refund_dispute_rate"]
    out = rm[cols].astype("float64").reset_index()
    return _blank_uncovered(data, out)


def refund_reasons_frame(data: WeeklyData, top: int = 8) -> pd.DataFrame:
    """The period's refund reasons: refunds, amount, share of the period's refunds."""
    r = data.this_refunds
    if r.empty or "reason" not in r:
        return pd.DataFrame(columns=["reason", "refunds", "refund_amount", "share"])
    amount = (pd.to_numeric(r["amount"], errors="coerce") if "amount" in r
              else pd.Series(np.nan, index=r.index))
    g = pd.DataFrame({"reason": r["reason"].fillna("–"), "amount": amount}).groupby("reason")
    out = pd.DataFrame({"refunds": g.size(), "refund_amount": g["amount"].sum()})
    out["share"] = shares(out["refunds"], len(r))
    out = out.rename_axis("reason").reset_index()
    return out.sort_values(["refunds", "reason"], ascending=[False, True]).head(
        top).reset_index(drop=True)


def dsr_frame(data: WeeklyData) -> pd.DataFrame:
    """Mean DSR scores per store (``pidx``): this period and the previous one."""
    d = data.within(data.dsr, "date", (0, -1))
    d = d.assign(pidx=data.index(d["date"]).to_numpy())
    keys = (["store"] if "store" in d else []) + ["pidx"]
    out = dsr_means(d, keys).reset_index()
    out = out.sort_values(keys, ascending=[True] * (len(keys) - 1) + [False])
    dims = [c for c in ("description", "service", "logistics") if c in out]
    out = out.rename(columns={c: f"dsr_{c}" for c in dims})
    return out[[*keys, *[f"dsr_{c}" for c in dims]]].reset_index(drop=True)


# --------------------------------------------------------------------------- appendix
def thresholds_frame(data: WeeklyData) -> pd.DataFrame:
    """The shop thresholds the report used: parameter, value (None = automatic)."""
    rows = [{"parameter": key, "parameter_value": data.params[key]}
            for key in PARAM_DOCS if key != "data_dir" and key in data.params]
    return pd.DataFrame(rows, columns=["parameter", "parameter_value"])
