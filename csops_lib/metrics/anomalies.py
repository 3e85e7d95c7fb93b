"""Anomalies of one day against the trailing four weeks.

Input: a daily series per metric (DataFrame in), output: a list of :class:`Finding`, each the
structured facts of one anomaly (metric, value, baseline, change, basis, direction). The daily
report's view states each in one plain sentence from catalog templates
(``csops_lib.render.daily.sentences``); nothing here reads the store or holds text.

Baselines (the day itself is never part of its baseline):

* **volumes** (shop sales, orders, visitors): the median of the same weekday in the previous
  4 weeks (at least 2 of them present), since shops have strong weekly patterns; with fewer,
  the median of the previous 28 days;
* **rates, times and counts** (inquiry conversion, an agent's reply rate, first response
  time, slow sessions): the median of the previous 28 days with a value (at least
  ``anomaly_min_days``).

Medians, not means: one unusual day would otherwise move the baseline a lot. Promo days
(``exclude``, the days of the promos table, :func:`csops_lib.metrics.daily_shop.promo_days`)
are left out of every baseline and of the z spread: the same-weekday days and the trailing
28 days are the ones that were not promo days (the window is not extended to replace them).

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

from csops_lib.settings.daily import ANOMALY_DEFAULTS

#: thresholds (report settings, defined once in csops_lib.settings.daily / params/daily.yaml)
DEFAULTS: dict[str, float] = dict(ANOMALY_DEFAULTS)
HISTORY_DAYS = 28
WEEKS = 4

#: shop metrics → kind; agent metrics → kind
SHOP_METRICS = {"sales": "volume", "orders": "volume", "uv": "volume",
                "inquiry_conversion": "rate"}
AGENT_METRICS = {"reply_rate": "rate", "first_response_s": "time", "slow_sessions": "count"}
#: the direction of an agent metric that needs attention (+1 up, −1 down)
ADVERSE = {"reply_rate": -1, "first_response_s": 1, "slow_sessions": 1}


@dataclass(frozen=True)
class Finding:
    """One anomaly as structured facts (no text: the report's view words it from catalog
    templates, ``csops_lib.render.daily.sentences``).

    ``change``: relative change (volume, time, count; NaN when the baseline is 0) or the
    difference of two fractions (rate). ``basis``: ``"weekday"`` (median of the same weekday
    in the previous 4 weeks) or ``"trailing"`` (median of the previous 28 days).
    ``direction``: ``"up"`` / ``"down"``; for the traffic-up rule ``"flat"`` (orders moved at
    most ``anomaly_orders_flat``) or ``"fell"``, with ``orders_change`` the orders' relative
    change."""

    scope: str          # "shop" or the agent's name
    metric: str         # a key of SHOP_METRICS / AGENT_METRICS, or "traffic_orders"
    kind: str           # "volume" | "rate" | "time" | "count" | "traffic"
    value: float
    baseline: float
    change: float
    z: float
    rule: str           # "change" | "traffic_up_orders_flat"
    severity: float     # how far beyond the thresholds (sorting)
    basis: str          # "weekday" | "trailing"
    direction: str      # "up" | "down" | "flat" | "fell"
    orders_change: float = math.nan


def _params(params: dict | None) -> dict:
    p = dict(DEFAULTS)
    p.update({k: v for k, v in (params or {}).items() if k in DEFAULTS and v is not None})
    return p


def _baseline(series: pd.Series, day: pd.Timestamp, kind: str, min_days: int,
              exclude: frozenset = frozenset()) -> tuple[float, str, float]:
    """(baseline, basis "weekday" | "trailing", z-scale std) of ``series`` (index: dates),
    the dates of ``exclude`` left out."""
    s = series.dropna()
    if exclude:
        s = s[~s.index.isin(list(exclude))]
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


def _judge(scope: str, metric: str, kind: str, series: pd.Series, day: pd.Timestamp,
           p: dict, direction: int = 0, exclude: frozenset = frozenset()) -> Finding | None:
    if day not in series.index or pd.isna(series.get(day)):
        return None
    value = float(series.loc[day])
    base, basis, std = _baseline(series, day, kind, int(p["anomaly_min_days"]), exclude)
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
    return Finding(scope, metric, kind, value, base, change, z, "change", severity, basis,
                   "up" if value > base else "down")


def _series(df: pd.DataFrame, column: str) -> pd.Series:
    s = pd.Series(pd.to_numeric(df[column], errors="coerce").astype("float64").to_numpy(),
                  index=pd.to_datetime(df["date"]).dt.normalize())
    return s.groupby(level=0).sum(min_count=1) if s.index.has_duplicates else s


def _days(exclude) -> frozenset:
    return frozenset(pd.Timestamp(d).normalize() for d in exclude)


def shop_anomalies(daily: pd.DataFrame, day, params: dict | None = None,
                   exclude=()) -> list[Finding]:
    """Shop-level findings for ``day`` from ``daily`` (one row per date; columns ``date`` and
    any of sales, orders, uv, inquiry_conversion; ``inquiries`` gates the conversion rule).
    Includes the traffic-up-orders-flat rule. ``exclude``: days left out of the baselines
    (promo days). Sorted by severity, largest first."""
    p = _params(params)
    day = pd.Timestamp(day).normalize()
    exclude = _days(exclude)
    found: dict[str, Finding] = {}
    for metric, kind in SHOP_METRICS.items():
        if metric not in daily.columns:
            continue
        s = _series(daily, metric)
        if metric == "inquiry_conversion" and "inquiries" in daily.columns:
            n = _series(daily, "inquiries")
            s = s.where(n.reindex(s.index) >= p["anomaly_min_sessions"])
        f = _judge("shop", metric, kind, s, day, p, exclude=exclude)
        if f is not None:
            found[metric] = f
    if {"uv", "orders"} <= set(daily.columns):
        uv, orders = _series(daily, "uv"), _series(daily, "orders")
        if day in uv.index and day in orders.index and pd.notna(uv[day]) and pd.notna(orders[day]):
            md = int(p["anomaly_min_days"])
            ub, ubasis, _ = _baseline(uv, day, "volume", md, exclude)
            ob, obasis, _ = _baseline(orders, day, "volume", md, exclude)
            if ub and ob and not (math.isnan(ub) or math.isnan(ob)):
                du, do = uv[day] / ub - 1, orders[day] / ob - 1
                if du >= p["anomaly_traffic_up"] and do <= p["anomaly_orders_flat"]:
                    found.pop("uv", None)
                    found.pop("orders", None)
                    found["traffic_orders"] = Finding(
                        "shop", "traffic_orders", "traffic", float(uv[day]), float(ub),
                        float(du), math.nan, "traffic_up_orders_flat", 100.0 + du, ubasis,
                        "flat" if abs(do) <= p["anomaly_orders_flat"] else "fell", float(do))
    return sorted(found.values(), key=lambda f: -f.severity)


def agent_anomalies(kpis: pd.DataFrame, day, params: dict | None = None,
                    exclude=()) -> list[Finding]:
    """Per-agent findings for ``day`` from an agent-day table (``date``, ``agent``,
    ``sessions`` and any of reply_rate, first_response_s, slow_sessions, e.g.
    :func:`csops_lib.metrics.kpis.agent_kpis`). Agent-days with fewer than
    ``anomaly_min_sessions`` sessions are ignored (on the day and in the baseline), and so
    are the days of ``exclude`` (promo days) in the baseline."""
    p = _params(params)
    day = pd.Timestamp(day).normalize()
    exclude = _days(exclude)
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
                           direction=ADVERSE[metric], exclude=exclude)
                if f is not None:
                    out.append(f)
    return sorted(out, key=lambda f: -f.severity)


def find_anomalies(shop_daily: pd.DataFrame | None, agent_daily: pd.DataFrame | None, day,
                   params: dict | None = None, exclude=()) -> list[Finding]:
    """Shop findings first (by severity), then agent findings (by severity); ``exclude``:
    days left out of every baseline (promo days)."""
    shop = shop_anomalies(shop_daily, day, params, exclude) if shop_daily is not None and len(
        shop_daily) else []
    agents = (agent_anomalies(agent_daily, day, params, exclude) if agent_daily is not None
              else [])
    return shop + agents
