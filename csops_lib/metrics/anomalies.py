"""Anomalies of one day against the trailing four weeks, each stated in one plain sentence.

Input: a daily series per metric (DataFrame in), output: a list of :class:`Finding` (each with
a zh and an en sentence). The daily report shows them; nothing here reads the store.

Baselines (the day itself is never part of its baseline):

* **volumes** (shop sales, orders, visitors): the median of the same weekday in the previous
  4 weeks (at least 2 of them present), since shops have strong weekly patterns; with fewer,
  the median of the previous 28 days;
* **rates, times and counts** (inquiry conversion, an agent's reply rate, first response
  time, slow sessions): the median of the previous 28 days with a value (at least
  ``anomaly_min_days``).

Medians, not means: one promo day (双11) in the baseline would otherwise move it a lot.

``z`` = (value − baseline) / standard deviation of the previous 28 days' values (NaN with
fewer than ``anomaly_min_days`` values or no spread). A metric is flagged when its change is
beyond the threshold, or when |z| ≥ ``anomaly_z`` and the change is at least half the
threshold (a minimum effect, so a reply rate that never moves is not flagged for 0.5 point):

* volume and time: relative change = value / baseline − 1, threshold ``anomaly_rel``; a time
  must also move by at least ``anomaly_min_seconds``;
* rate: difference in points (fractions), threshold ``anomaly_pts``;
* count: the difference must be at least ``anomaly_min_count`` and (relative change ≥
  ``anomaly_rel`` or |z| ≥ ``anomaly_z``).

Agent metrics are only judged on days the agent had at least ``anomaly_min_sessions``
sessions (and the shop's inquiry conversion on days with that many inquiries), and only in
the direction that needs attention (reply rate down, first response time up, more slow
sessions); shop metrics in both directions.

**Traffic up, orders flat**: visitors ≥ ``anomaly_traffic_up`` above their baseline while
orders changed by at most ``anomaly_orders_flat`` (or fell): one finding that replaces the
separate visitor and order findings.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: thresholds (also report parameters, params/daily.yaml)
DEFAULTS: dict[str, float] = {
    "anomaly_z": 2.0,            # |z| from which a change counts (with at least half the threshold)
    "anomaly_rel": 0.3,          # relative change that counts for volumes, times and counts
    "anomaly_pts": 0.05,         # change of a rate, in fraction points (0.05 = 5 points)
    "anomaly_traffic_up": 0.2,   # visitors this much above baseline ...
    "anomaly_orders_flat": 0.05,  # ... while orders moved at most this much: traffic-up rule
    "anomaly_min_sessions": 20,  # judge an agent (or shop conversion) only with this many
    "anomaly_min_count": 3,      # a count must change by at least this much
    "anomaly_min_seconds": 30,   # a time must change by at least this many seconds
    "anomaly_min_days": 7,       # trailing values needed for a 28-day baseline / z
}
HISTORY_DAYS = 28
WEEKS = 4

#: shop metrics → kind; agent metrics → kind
SHOP_METRICS = {"sales": "volume", "orders": "volume", "uv": "volume",
                "inquiry_conversion": "rate"}
AGENT_METRICS = {"reply_rate": "rate", "first_response_s": "time", "slow_sessions": "count"}
#: the direction of an agent metric that needs attention (+1 up, −1 down)
ADVERSE = {"reply_rate": -1, "first_response_s": 1, "slow_sessions": 1}

#: the metric names used inside sentences: (zh, en)
NAMES = {
    "sales": ("销售额", "Sales"),
    "orders": ("订单数", "Orders"),
    "uv": ("访客数", "Visitors"),
    "inquiry_conversion": ("询单当日转化率", "Same-day inquiry conversion"),
    "reply_rate": ("回复率", "reply rate"),
    "first_response_s": ("首次响应时间", "first response time"),
    "slow_sessions": ("慢响应会话", "slow sessions"),
}


@dataclass(frozen=True)
class Finding:
    """One anomaly: where, what, how far from the baseline, and the sentence saying it."""

    scope: str          # "shop" or the agent's name
    metric: str         # a key of SHOP_METRICS / AGENT_METRICS, or "traffic_orders"
    value: float
    baseline: float
    change: float       # relative change (volume, time, count) or difference (rate)
    z: float
    rule: str           # "change" | "traffic_up_orders_flat"
    severity: float     # how far beyond the thresholds (sorting)
    zh: str
    en: str

    def text(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en


def _params(params: dict | None) -> dict:
    p = dict(DEFAULTS)
    p.update({k: v for k, v in (params or {}).items() if k in DEFAULTS and v is not None})
    return p


def _baseline(series: pd.Series, day: pd.Timestamp, kind: str, min_days: int
              ) -> tuple[float, str, float]:
    """(baseline, basis "weekday" | "trailing", z-scale std) of ``series`` (index: dates)."""
    s = series.dropna()
    trailing = s[(s.index < day) & (s.index >= day - pd.Timedelta(days=HISTORY_DAYS))]
    std = float(trailing.std(ddof=1)) if len(trailing) >= min_days else math.nan
    if kind == "volume":
        same = [day - pd.Timedelta(weeks=k) for k in range(1, WEEKS + 1)]
        vals = s.reindex(same).dropna()
        if len(vals) >= 2:
            return float(vals.median()), "weekday", std
    if len(trailing) >= min_days:
        return float(trailing.median()), "trailing", std
    return math.nan, "trailing", std


def _basis_text(basis: str) -> tuple[str, str]:
    if basis == "weekday":
        return "近四周同星期中位数", "the 4-week same-weekday median"
    return "近四周中位数", "the 4-week median"


def _fmt(metric: str, v: float, lang: str) -> str:
    if metric == "sales":
        return f"¥{v:,.0f}"
    if metric in ("inquiry_conversion", "reply_rate"):
        return f"{v:.1%}"
    if metric == "first_response_s":
        return f"{v:,.0f} 秒" if lang == "zh" else f"{v:,.0f} s"
    if metric == "slow_sessions":
        return f"{v:,.1f}" if v != round(v) else f"{v:,.0f}"
    return f"{v:,.0f}"


def _sentence(scope: str, metric: str, kind: str, value: float, base: float, change: float,
              basis: str) -> tuple[str, str]:
    zh_name, en_name = NAMES[metric]
    avg_zh, avg_en = _basis_text(basis)
    v_zh, b_zh = _fmt(metric, value, "zh"), _fmt(metric, base, "zh")
    v_en, b_en = _fmt(metric, value, "en"), _fmt(metric, base, "en")
    who_zh = "" if scope == "shop" else f"{scope}的"
    up = change > 0
    if kind == "volume":
        zh = (f"{zh_name}比{avg_zh}{'高' if up else '低'} {abs(change):.0%}"
              f"（{v_zh}，中位数 {b_zh}）。")
        en = (f"{en_name} {'were' if en_name.endswith('s') else 'was'} {abs(change):.0%} "
              f"{'above' if up else 'below'} {avg_en} ({v_en} vs {b_en}).")
        return zh, en
    if kind == "rate":
        pts = change * 100
        zh = (f"{who_zh}{zh_name}{'升至' if up else '降至'} {v_zh}，{avg_zh} {b_zh}"
              f"（{pts:+.1f} 个百分点）。")
        subject = en_name[0].upper() + en_name[1:] if scope == "shop" else f"{scope}'s {en_name}"
        en = (f"{subject} {'rose' if up else 'fell'} to {v_en}, against {avg_en} of {b_en} "
              f"({pts:+.1f} points).")
        return zh, en
    if kind == "time":
        zh = (f"{who_zh}{zh_name}{'升至' if up else '降至'} {v_zh}，{avg_zh} {b_zh}"
              f"（{change:+.0%}）。")
        en = (f"{scope}'s {en_name} {'rose' if up else 'fell'} to {v_en}, against {avg_en} "
              f"of {b_en} ({change:+.0%}).")
        return zh, en
    # count
    zh = f"{scope}有 {v_zh} 个{zh_name}，{avg_zh}为每天 {b_zh} 个。"
    en = f"{scope} had {v_en} {en_name}, against {avg_en} of {b_en} a day."
    return zh, en


def _judge(scope: str, metric: str, kind: str, series: pd.Series, day: pd.Timestamp,
           p: dict, direction: int = 0) -> Finding | None:
    if day not in series.index or pd.isna(series.get(day)):
        return None
    value = float(series.loc[day])
    base, basis, std = _baseline(series, day, kind, int(p["anomaly_min_days"]))
    if pd.isna(base):
        return None
    z = (value - base) / std if std and std > 0 and not math.isnan(std) else math.nan
    big_z = not math.isnan(z) and abs(z) >= p["anomaly_z"]
    zs = abs(z) / p["anomaly_z"] if not math.isnan(z) else 0.0
    if kind == "rate":
        change = value - base
        thr = p["anomaly_pts"]
        flagged = abs(change) >= thr or (big_z and abs(change) >= thr / 2)
        severity = max(abs(change) / thr, zs if abs(change) >= thr / 2 else 0.0)
    else:
        if base == 0:
            if kind != "count" or value == 0:
                return None
            change = math.inf
        else:
            change = value / base - 1
        thr = p["anomaly_rel"]
        if kind == "count":
            enough = abs(value - base) >= p["anomaly_min_count"]
            flagged = enough and (abs(change) >= thr or big_z)
        else:
            flagged = abs(change) >= thr or (big_z and abs(change) >= thr / 2)
            if kind == "time":
                flagged = flagged and abs(value - base) >= p["anomaly_min_seconds"]
        severity = max(min(abs(change), 10.0) / thr, zs if abs(change) >= thr / 2 else 0.0)
    if not flagged or (direction and (value - base) * direction <= 0):
        return None
    if math.isinf(change):
        change = math.nan
    zh, en = _sentence(scope, metric, kind, value, base, change if not math.isnan(change)
                       else value - base, basis)
    return Finding(scope, metric, value, base, change, z, "change", severity, zh, en)


def _series(df: pd.DataFrame, column: str) -> pd.Series:
    s = pd.Series(pd.to_numeric(df[column], errors="coerce").astype("float64").to_numpy(),
                  index=pd.to_datetime(df["date"]).dt.normalize())
    return s.groupby(level=0).sum(min_count=1) if s.index.has_duplicates else s


def shop_anomalies(daily: pd.DataFrame, day, params: dict | None = None) -> list[Finding]:
    """Shop-level findings for ``day`` from ``daily`` (one row per date; columns ``date`` and
    any of sales, orders, uv, inquiry_conversion; ``inquiries`` gates the conversion rule).
    Includes the traffic-up-orders-flat rule. Sorted by severity, largest first."""
    p = _params(params)
    day = pd.Timestamp(day).normalize()
    found: dict[str, Finding] = {}
    for metric, kind in SHOP_METRICS.items():
        if metric not in daily.columns:
            continue
        s = _series(daily, metric)
        if metric == "inquiry_conversion" and "inquiries" in daily.columns:
            n = _series(daily, "inquiries")
            s = s.where(n.reindex(s.index) >= p["anomaly_min_sessions"])
        f = _judge("shop", metric, kind, s, day, p)
        if f is not None:
            found[metric] = f
    if {"uv", "orders"} <= set(daily.columns):
        uv, orders = _series(daily, "uv"), _series(daily, "orders")
        if day in uv.index and day in orders.index and pd.notna(uv[day]) and pd.notna(orders[day]):
            md = int(p["anomaly_min_days"])
            ub, ubasis, _ = _baseline(uv, day, "volume", md)
            ob, obasis, _ = _baseline(orders, day, "volume", md)
            if ub and ob and not (math.isnan(ub) or math.isnan(ob)):
                du, do = uv[day] / ub - 1, orders[day] / ob - 1
                if du >= p["anomaly_traffic_up"] and do <= p["anomaly_orders_flat"]:
                    avg_zh, avg_en = _basis_text(ubasis)
                    if abs(do) <= p["anomaly_orders_flat"]:
                        zh_tail, en_tail = f"但订单数持平（{do:+.0%}）", f"but orders were flat ({do:+.0%})"
                    else:
                        zh_tail, en_tail = f"但订单数反而下降 {abs(do):.0%}", f"but orders fell {abs(do):.0%}"
                    found.pop("uv", None)
                    found.pop("orders", None)
                    found["traffic_orders"] = Finding(
                        "shop", "traffic_orders", float(uv[day]), float(ub), float(du),
                        math.nan, "traffic_up_orders_flat", 100.0 + du,
                        f"访客数比{avg_zh}高 {du:.0%}，{zh_tail}。",
                        f"Visitors were {du:.0%} above {avg_en}, {en_tail}.")
    return sorted(found.values(), key=lambda f: -f.severity)


def agent_anomalies(kpis: pd.DataFrame, day, params: dict | None = None) -> list[Finding]:
    """Per-agent findings for ``day`` from an agent-day table (``date``, ``agent``,
    ``sessions`` and any of reply_rate, first_response_s, slow_sessions, e.g.
    :func:`csops_lib.metrics.kpis.agent_kpis`). Agent-days with fewer than
    ``anomaly_min_sessions`` sessions are ignored (on the day and in the baseline)."""
    p = _params(params)
    day = pd.Timestamp(day).normalize()
    out: list[Finding] = []
    if kpis is None or kpis.empty or "agent" not in kpis.columns:
        return out
    for agent, rows in kpis.groupby("agent", sort=True):
        sessions = (pd.to_numeric(rows["sessions"], errors="coerce").astype("float64")
                    if "sessions" in rows.columns else pd.Series(np.inf, index=rows.index))
        rows = rows[(sessions >= p["anomaly_min_sessions"]).to_numpy()]
        if rows.empty:
            continue
        for metric, kind in AGENT_METRICS.items():
            if metric in rows.columns:
                f = _judge(str(agent), metric, kind, _series(rows, metric), day, p,
                           direction=ADVERSE[metric])
                if f is not None:
                    out.append(f)
    return sorted(out, key=lambda f: -f.severity)


def find_anomalies(shop_daily: pd.DataFrame | None, agent_daily: pd.DataFrame | None, day,
                   params: dict | None = None) -> list[Finding]:
    """Shop findings first (by severity), then agent findings (by severity)."""
    shop = shop_anomalies(shop_daily, day, params) if shop_daily is not None and len(
        shop_daily) else []
    agents = agent_anomalies(agent_daily, day, params) if agent_daily is not None else []
    return shop + agents
