"""The promo retrospective (大促复盘): the promo window against a baseline, load against staff,
team PK and targets, conversion, the after-sales wave, and the staffing needed next time.

Windows (all whole days, shop local time):

* **promo**: the promo's ``start`` to ``end`` in the store's ``promos`` table (the earliest
  start and latest end of its rows), by name; the default is the promo that started last;
* **baseline**: a window of the same length, ``baseline_gap_days`` (default 7) days before
  the promo, so a one-day promo on a Wednesday is compared with the Wednesday a week earlier,
  a Friday–Sunday promo with the Friday–Sunday before. When the gap is shorter than the promo
  the baseline would overlap it: the gap is then raised to the next multiple of 7 days that
  is at least the promo's length (:func:`baseline_window`). The days between the baseline and
  the promo are the run-up (预热); they are shown in the daily table but not compared;
* **after-sales wave**: the ``wave_days`` (default 3) days after the promo (METRICS.md §7:
  the pre-sale : after-sales ratio, normally about 7 : 3, is reversed in those days).

Staff on shift come from the roster's ``shift_start`` / ``shift_end`` (:func:`shift_hours`):
an agent is on shift in clock hour h when the shift covers any part of [h:00, h+1:00), from
the day they were hired (``hired_on``). Capacity = agents on shift × ``concurrency`` chats at
once (METRICS.md §7, :func:`csops_lib.metrics.staffing.capacity_check`). The staffing needed next time
is Erlang C (:func:`csops_lib.metrics.staffing.staffing_plan`) on the promo's sessions per hour; the
report states its assumptions (service level, answer time, handling time, concurrency,
occupancy cap, shrinkage).

Team PK (METRICS.md §6): paid orders in the promo window credited by the attribution rule
(§4, :func:`csops_lib.metrics.leaderboard.credited_orders`), summed by the roster's team, against the
promos table's targets; teams are ranked on target attainment of ``pk_by`` (sales or orders)
when every team has a target, else on the raw value.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import HTML

from csops_lib import store
from csops_lib.metrics import (
    inquiry_outcomes,
    refund_metrics,
    sales_metrics,
    staffing,
    store_conversion,
)
from csops_lib.metrics._common import as_ns, key_text, ratio
from csops_lib.render.labels import label
from csops_lib.metrics import leaderboard
from csops_lib.settings.shop import DEFAULTS as SHOP_DEFAULTS
from csops_lib.settings.shop import load_shop_params, resolve_params

__all__ = ["PROMO_DEFAULTS", "PromoRetro", "UnknownPromoError", "baseline_window",
           "hour_ranges", "hourly_leaderboard", "on_shift_grid", "parse_clock", "promo_window",
           "shift_hours", "waiting_without_agent"]

#: the report's own settings (besides the shop thresholds), with their defaults
PROMO_DEFAULTS: dict[str, Any] = {
    "baseline_gap_days": 7,        # baseline = the promo window this many days earlier
    "wave_days": 3,                # after-sales wave: this many days after the promo
    "concurrency": 4,              # chats one agent holds at once
    "aht_s": 0,                    # mean handling time of a session (s); 0 = from the data
    "aht_cap_s": 1800,             # with aht_s 0: each session's duration capped here
    "target_service_level": 0.8,   # share of customers answered within answer_within_s
    "answer_within_s": 30,         # the service-level answer time (s)
    "max_occupancy": 0.85,         # agents busy at most this share of the time
    "shrinkage": 0.2,              # share of rostered time not available (breaks, meetings)
    "load_growth": 1.0,            # next promo's load relative to this one
    "pk_by": "sales",              # team PK on sales or orders
    "top": 5,                      # agents shown in the hourly leaderboard
}
PHASES = ("baseline", "runup", "promo", "wave", "other")
WEEKDAYS = {"zh": ["周一", "周二", "周三", "周四", "周五", "周六", "周日"],
            "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]}
FORMATS = {"money": "¥{:,.0f}", "money2": "¥{:,.2f}", "count": "{:,.0f}", "rate": "{:.1%}",
           "seconds": "{:,.0f}", "ratio": "×{:.2f}", "hours": "{:,.1f}", "number": "{:,.1f}"}


#: plain-language notes shown under sections and in the appendix ({…} filled from settings)
NOTES: dict[str, tuple[str, str]] = {
    "baseline": ("基准 = 与大促等长、提前 {gap} 天的时段（同一星期几），不含大促前的预热日。",
                 "Baseline = a window as long as the promo, {gap} days earlier (the same "
                 "weekdays), excluding the run-up days just before the promo."),
    "on_shift": ("在班：按客服名单的上下班时间，班次覆盖该小时的任意部分即算在班（24:00 = 午夜下班）；入职前不算。",
                 "On shift: from the roster's shift start/end, an agent counts in every clock "
                 "hour their shift covers any part of (24:00 = midnight); not before hired."),
    "capacity": ("可接待上限 = 在班客服 × 每人同时接待 {concurrency} 个；同时接待高峰 = 该小时内任一时刻 ±{concurrency_window_s} 秒内有消息的不同顾客数的最大值。",
                 "Capacity = agents on shift × {concurrency} chats each; peak concurrent = the "
                 "largest number of distinct customers with a message within "
                 "±{concurrency_window_s} s of one instant in the hour."),
    "pk": ("团队PK按{pk_word}：各组目标齐全时比目标达成率（人数不同也公平），否则比实际值。订单按归属规则记给客服（订单上的负责人；否则跟进窗口内最近的售前会话/约定下单），静默下单不计入任何组。",
           "Team PK on {pk_word}: on target attainment when every team has a target (fair "
           "between teams of different sizes), else on the raw value. Orders are credited by "
           "the attribution rule (the order's agent field, else the latest pre-sale session or "
           "agreed-to-buy handover within the follow-up window); silent orders count for no "
           "team."),
    "staffing": ("Erlang C 排队模型：每小时到达会话数 = 本次大促该小时日均会话数 × {load_growth:g}；平均处理时长 {aht_s:,.0f} 秒（{aht_source}）；每人同时接待 {concurrency} 个；目标 {target_service_level:.0%} 的顾客在 {answer_within_s} 秒内得到回复；占用率不超过 {max_occupancy:.0%}；排班人数再按 {shrinkage:.0%} 的损耗（休息、培训、会议）上调。",
                 "Erlang C queueing: arrivals per hour = this promo's mean sessions in that "
                 "hour × {load_growth:g}; mean handling time {aht_s:,.0f} s ({aht_source}); "
                 "{concurrency} chats per agent at once; target: {target_service_level:.0%} of "
                 "customers answered within {answer_within_s} s; occupancy at most "
                 "{max_occupancy:.0%}; rostered head-count grossed up for {shrinkage:.0%} "
                 "shrinkage (breaks, training, meetings)."),
    "aht_data": ("按本次大促会话时长（首条到末条消息）的平均值，单个会话最多计 {aht_cap_s} 秒",
                 "mean session duration (first to last message) in this promo, each capped "
                 "at {aht_cap_s} s"),
    "aht_param": ("参数设定", "set as a parameter"),
    "waiting": ("顾客发了消息、但按排班没有任何客服在班的小时（连续的小时合并显示）。首次响应中位数 = 这些小时开始的会话等到第一条人工回复的时间。",
                "Clock hours in which customers wrote but, by the roster, no agent was on "
                "shift (consecutive hours merged). Median first response = how long the "
                "sessions starting in those hours waited for a human answer."),
    "conversion": ("询单转化率 = 跟进窗口内（会话开始至 D+{followup_days} 日结束）付款的询单顾客 / 询单顾客（按店铺·日）；全店转化率 = 付款买家 / 访客数；询单率 = 询单顾客 / 访客数。",
                   "Inquiry conversion = inquiring customers who paid by the end of day "
                   "D+{followup_days} / inquiring customers (per store and day); store "
                   "conversion = paying buyers / visitors; call-in rate = inquiring customers "
                   "/ visitors."),
    "leaderboard": ("每个整点时各客服的累计{pk_word}（归属规则同团队PK），前 {top} 名。",
                    "Each agent's cumulative {pk_word} at every full hour (credited as in the "
                    "team PK), top {top}."),
    "refunds": ("大促订单 = 大促期间付款的订单；退款统计到数据截止日 {as_of}，之后还可能增加。",
                "Promo orders = orders paid in the promo window; refunds counted up to the "
                "end of the data ({as_of}) and may still grow."),
}


class UnknownPromoError(ValueError):
    """The promo name is not in the store's promos table (the message lists the known ones)."""


def _done(fig):
    plt.close(fig)
    return fig


def _fmt(value: Any, kind: str) -> str:
    return "–" if value is None or pd.isna(value) else FORMATS[kind].format(value)


# =========================================================================== library functions
def parse_clock(value: Any) -> float:
    """A clock time as hours since midnight: ``"08:00"`` → 8.0, ``"15:30"`` → 15.5,
    ``"24:00"`` → 24.0, ``"8:00:00"``, ``datetime.time``, a Timestamp (its time of day), an
    Excel day fraction (0.5 → 12.0) or a number of hours (> 1, e.g. 8). Missing → NaN."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return math.nan
    if isinstance(value, (dt.time, dt.datetime, pd.Timestamp)):
        return value.hour + value.minute / 60 + value.second / 3600
    if isinstance(value, (int, float, np.integer, np.floating)):
        x = float(value)
        return x * 24 if 0 <= x <= 1 else x
    text = str(value).strip().replace("：", ":")
    if not text:
        return math.nan
    parts = text.split(":")
    try:
        nums = [float(x) for x in parts]
    except ValueError as exc:
        raise ValueError(f"not a clock time: {value!r} (expected e.g. 08:00 or 24:00)") from exc
    h = nums[0] + (nums[1] / 60 if len(nums) > 1 else 0) + (nums[2] / 3600 if len(nums) > 2 else 0)
    if not 0 <= h <= 24:
        raise ValueError(f"not a clock time: {value!r} (hours must be 0–24)")
    return h


def shift_hours(shift_start: Any, shift_end: Any) -> list[int]:
    """The clock hours (0–23) a shift covers any part of.

    [start, end) in hours; end 24:00 means midnight. A shift ending before it starts runs
    past midnight (22:00–06:00 → 22, 23, 0 … 5). Equal start and end: no hours. Examples:
    08:00–16:00 → 8 … 15; 15:00–24:00 → 15 … 23; 08:30–17:00 → 8 … 16."""
    s, e = parse_clock(shift_start), parse_clock(shift_end)
    if math.isnan(s) or math.isnan(e) or s == e:
        return []
    spans = [(s, e)] if s < e else [(s, 24.0), (0.0, e)]
    return sorted({h for a, b in spans for h in range(24) if a < h + 1 and b > h})


def on_shift_grid(roster: pd.DataFrame | None, dates) -> pd.DataFrame:
    """Agents on shift per date and clock hour from the roster (:func:`shift_hours`).

    An agent counts from their ``hired_on`` day (when given). Columns: date, hour (0–23),
    agents_on_shift (int), on_shift_agents (names joined with ``、``). Agents without a
    shift time count nowhere."""
    dates = pd.DatetimeIndex(pd.to_datetime(list(dates))).normalize().unique().sort_values()
    grid = pd.DataFrame({"date": np.repeat(dates.to_numpy(), 24),
                         "hour": np.tile(np.arange(24, dtype=np.int64), len(dates))})
    rows = []
    if roster is not None and not roster.empty and "agent" in roster.columns:
        for r in roster.itertuples(index=False):
            hours = shift_hours(getattr(r, "shift_start", None), getattr(r, "shift_end", None))
            hired = getattr(r, "hired_on", None)
            for d in dates:
                if hired is not None and not pd.isna(hired) and pd.Timestamp(hired) > d:
                    continue
                rows += [(d, h, str(r.agent)) for h in hours]
    on = pd.DataFrame(rows, columns=["date", "hour", "agent"])
    if on.empty:
        return grid.assign(agents_on_shift=0, on_shift_agents="")
    on["date"] = on["date"].astype("datetime64[ns]")
    on["hour"] = on["hour"].astype(np.int64)
    g = on.groupby(["date", "hour"])["agent"]
    agg = pd.DataFrame({"agents_on_shift": g.nunique(),
                        "on_shift_agents": g.agg(lambda x: "、".join(sorted(set(x))))})
    out = grid.merge(agg.reset_index(), on=["date", "hour"], how="left")
    out["agents_on_shift"] = out["agents_on_shift"].fillna(0).astype(np.int64)
    out["on_shift_agents"] = out["on_shift_agents"].fillna("")
    return out


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


# =========================================================================== the report
def _split_params(params: dict[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(shop thresholds, promo settings) from one mapping holding either."""
    params = dict(params or {})
    settings = {k: params.pop(k) for k in list(params) if k in PROMO_DEFAULTS}
    shop = resolve_params({k: v for k, v in params.items() if k in SHOP_DEFAULTS}) \
        if params else load_shop_params()
    unknown = sorted(set(params) - set(SHOP_DEFAULTS))
    if unknown:
        raise ValueError(f"unknown parameter(s) {', '.join(unknown)}; promo settings: "
                         f"{', '.join(PROMO_DEFAULTS)}")
    merged = {**PROMO_DEFAULTS, **{k: v for k, v in settings.items() if v is not None}}
    if merged["pk_by"] not in leaderboard.BY:
        raise ValueError(f"pk_by must be sales or orders, got {merged['pk_by']!r}")
    return shop, merged


@dataclass
class PromoRetro:
    """Everything the promo retrospective shows, for one promo."""

    promo: dict[str, Any]
    lang: str
    params: dict[str, Any]        # shop thresholds
    settings: dict[str, Any]      # PROMO_DEFAULTS ← overrides
    days: pd.DataFrame            # date, phase (baseline … wave) for baseline start … wave end
    chats: pd.DataFrame
    orders: pd.DataFrame
    refunds: pd.DataFrame
    traffic: pd.DataFrame | None
    roster: pd.DataFrame | None
    credited: pd.DataFrame        # paid orders baseline … wave, with credited_agent
    sessions: pd.DataFrame        # build_sessions, baseline … wave
    hourly: pd.DataFrame          # sessions_per_hour
    peak: pd.DataFrame            # peak_concurrent_per_hour
    on_shift: pd.DataFrame        # on_shift_grid
    outcomes: pd.DataFrame        # inquiry_outcomes
    conversion: pd.DataFrame      # store_conversion per store-day
    as_of: pd.Timestamp | None
    data_dir: Path
    generated_at: dt.datetime = field(default_factory=dt.datetime.now)

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, data_dir: str | Path, promo: str | None = None, *, lang: str = "zh",
             params: dict[str, Any] | None = None) -> PromoRetro:
        """Read the promo, its baseline and wave from the store and compute everything once.

        ``params``: shop thresholds and/or promo settings (:data:`PROMO_DEFAULTS`).
        Raises :class:`UnknownPromoError` for a promo name not in the promos table."""
        from csops_lib.metrics import build_sessions
        from csops_lib.store import store_as_of

        data_dir = Path(data_dir)
        if not (data_dir / "chats").exists():
            raise FileNotFoundError(f"no chats in the store {data_dir}: run `csops ingest` first")
        p, st = _split_params(params)
        info = promo_window(store.read(data_dir, "promos"), promo)
        p_first, p_last = info["start"].normalize(), info["end"].normalize()
        b_first, b_last = baseline_window(p_first, p_last, st["baseline_gap_days"])
        w_last = p_last + pd.Timedelta(days=int(st["wave_days"]))
        dates = pd.date_range(b_first, w_last, freq="D")
        phase = np.where(dates < b_first, "other", "runup").astype(object)
        phase[(dates >= b_first) & (dates <= b_last)] = "baseline"
        phase[(dates >= p_first) & (dates <= p_last)] = "promo"
        phase[dates > p_last] = "wave"
        days = pd.DataFrame({"date": dates, "phase": phase})

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
        sessions = sessions[sessions["date"].isin(in_days)].reset_index(drop=True)
        hourly = hourly[hourly["date"].isin(in_days)].reset_index(drop=True)
        peak = peak[peak["date"].isin(in_days)].reset_index(drop=True)
        outcomes = outcomes[outcomes["date"].isin(in_days)].reset_index(drop=True)
        conversion = conversion[conversion["date"].isin(in_days)].reset_index(drop=True)
        on_shift = on_shift_grid(roster, dates)
        if not st["aht_s"]:
            promo_s = sessions[sessions["date"].between(p_first, p_last)]
            dur = (promo_s["end"] - promo_s["start"]).dt.total_seconds().clip(
                lower=1, upper=float(st["aht_cap_s"]))
            st["aht_s"] = float(dur.mean()) if len(dur) else 600.0
            st["aht_source"] = "data"
        else:
            st["aht_source"] = "param"
        return cls(info, lang, p, st, days, chats, orders, refunds, traffic, roster, credited,
                   sessions, hourly, peak, on_shift, outcomes, conversion, as_of, data_dir)

    # ------------------------------------------------------------------ helpers
    def _t(self, key: str) -> str:
        return label(key, self.lang)

    def _note(self, key: str, **extra) -> str:
        text = NOTES[key][0 if self.lang == "zh" else 1]
        pk_word = self._t(f"lb_by_{self.settings['pk_by']}")
        values = {**self.params, **self.settings, "gap": self.baseline_gap, "pk_word": pk_word,
                  "aht_source": self._aht_source(),
                  "as_of": f"{self.as_of:%Y-%m-%d}" if self.as_of is not None else "–", **extra}
        return text.format(**values)

    def _aht_source(self) -> str:
        key = "aht_data" if self.settings.get("aht_source") == "data" else "aht_param"
        return NOTES[key][0 if self.lang == "zh" else 1].format(**self.settings)

    def _phase_label(self, phase: str) -> str:
        return self._t({"baseline": "promo_baseline", "runup": "promo_runup",
                        "promo": "promo_window", "wave": "promo_wave_phase"}.get(
                            phase, "promo_other"))

    def _dates(self, phase: str) -> pd.DatetimeIndex:
        return pd.DatetimeIndex(self.days.loc[self.days["phase"] == phase, "date"])

    @property
    def n_days(self) -> int:
        return len(self._dates("promo"))

    @property
    def baseline_gap(self) -> int:
        return int((self._dates("promo")[0] - self._dates("baseline")[0]).days)

    @property
    def promo_span(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        d = self._dates("promo")
        return d[0], d[-1] + pd.Timedelta(days=1, seconds=-1)

    def _in(self, frame: pd.DataFrame, phase: str, col: str = "date") -> pd.DataFrame:
        d = pd.to_datetime(frame[col]).dt.normalize()
        return frame[d.isin(set(self._dates(phase))).to_numpy()]

    def _paid(self, phase: str) -> pd.DataFrame:
        return self._in(self.credited, phase, "paid_at")

    def _style(self, df: pd.DataFrame, kinds: dict[str, str]):
        out = df.rename(columns=lambda c: self._t(c))
        fmt = {self._t(c): FORMATS[k] for c, k in kinds.items() if self._t(c) in out.columns}
        text = [c for c in out.columns if c not in fmt]
        return (out.style.format(fmt, na_rep="–").hide(axis="index")
                .set_properties(subset=text, **{"text-align": "left"}))

    def _ranges_text(self, hours) -> str:
        """Clock hours as merged ranges: [0 … 7, 9, 10] → 00:00–08:00、09:00–11:00."""
        hs = sorted({int(h) for h in hours})
        if not hs:
            return "–"
        frame = pd.DataFrame({"date": pd.Timestamp("2000-01-01"), "hour": hs})
        parts = [f"{self._hm(r.start_hour)}–{self._hm(r.end_hour)}"
                 for r in hour_ranges(frame).itertuples(index=False)]
        return ("、" if self.lang == "zh" else ", ").join(parts)

    def _hm(self, hour: int) -> str:
        return f"{int(hour):02d}:00"

    def _day(self, d) -> str:
        d = pd.Timestamp(d)
        return f"{d:%m-%d} {WEEKDAYS[self.lang][d.weekday()]}"

    @property
    def provisional(self) -> bool:
        promo = self._in(self.outcomes, "promo")
        return bool(promo["provisional"].any()) if len(promo) else False

    # ------------------------------------------------------------------ computed tables
    def totals(self, phase: str) -> dict[str, float]:
        """The headline numbers of one phase (per window, not per day)."""
        dates = set(self._dates(phase))
        hourly = self.hourly[self.hourly["date"].isin(dates)]
        paid = self._paid(phase)
        sm = sales_metrics(self.orders[as_ns(self.orders["paid_at"]).dt.normalize()
                                       .isin(dates).to_numpy()], by=None, params=self.params)
        conv = self.conversion[self.conversion["date"].isin(dates)]
        uv = conv["uv"].sum(min_count=1)
        peak = self.peak[self.peak["date"].isin(dates)]["peak_concurrent"]
        attributed = paid["credited_agent"].notna()
        return {
            "uv": uv,
            "sessions": float(hourly["sessions"].sum()),
            "presale_sessions": float(hourly["presale"].sum()),
            "promo_after_sales_sessions": float(hourly["after_sales"].sum()),
            "promo_peak_concurrent": float(peak.max()) if len(peak) else np.nan,
            "paid_orders": float(sm["orders"].iloc[0]) if len(sm) else 0.0,
            "sales": float(sm["sales"].iloc[0]) if len(sm) else 0.0,
            "buyers": float(sm["buyers"].iloc[0]) if len(sm) else np.nan,
            "aov": float(sm["aov"].iloc[0]) if len(sm) else np.nan,
            "agent_orders": float(attributed.sum()),
            "agent_sales": float(paid.loc[attributed, "amount"].sum()),
            "inquiries": float(conv["inquiries"].sum()),
            "inquiry_conversion": ratio(conv["inquiry_buyers"].sum(), conv["inquiries"].sum()),
            "promo_store_conversion": ratio(conv["buyers"].sum(), uv) if pd.notna(uv) else np.nan,
        }

    def overview(self) -> pd.DataFrame:
        """metric key, promo, baseline, multiple (promo / baseline)."""
        a, b = self.totals("promo"), self.totals("baseline")
        rows = [{"metric": k, "promo": a[k], "baseline": b[k],
                 "multiple": ratio(a[k], b[k]) if pd.notna(b[k]) else np.nan} for k in a]
        return pd.DataFrame(rows)

    def daily(self) -> pd.DataFrame:
        """One row per day, baseline start … wave end."""
        d = self.days.copy()
        h = self.hourly.groupby("date")[["sessions", "presale", "after_sales"]].sum()
        d = d.join(h, on="date")
        conv = self.conversion.groupby("date")["uv"].sum(min_count=1).rename("uv")
        d = d.join(conv, on="date")
        paid = sales_metrics(self.orders, by=["date"], params=self.params).set_index("date")
        d = d.join(paid[["orders", "sales"]].rename(columns={"orders": "paid_orders"}),
                   on="date")
        r = self._refund_frame()
        if len(r):
            rm = r.groupby("date").agg(promo_refunds=("date", "size"),
                                       promo_refund_amount=("amount", "sum"))
            d = d.join(rm, on="date")
        else:
            d["promo_refunds"], d["promo_refund_amount"] = 0, 0.0
        pk = self.peak.groupby("date")["peak_concurrent"].max().rename("promo_peak_concurrent")
        d = d.join(pk, on="date")
        for c in ("sessions", "presale", "after_sales", "paid_orders", "promo_refunds"):
            d[c] = d[c].fillna(0)
        d["promo_presale_share"] = ratio(d["presale"], d["presale"] + d["after_sales"])
        return d.rename(columns={"presale": "presale_sessions",
                                 "after_sales": "promo_after_sales_sessions"})

    def _refund_frame(self) -> pd.DataFrame:
        r = self.refunds
        if r is None or r.empty or "applied_at" not in r.columns:
            return pd.DataFrame(columns=["date", "amount", "order_id"])
        out = pd.DataFrame({"date": as_ns(r["applied_at"]).dt.normalize(),
                            "amount": pd.to_numeric(r.get("amount"), errors="coerce")
                            if "amount" in r.columns else np.nan,
                            "order_id": key_text(r["order_id"]) if "order_id" in r.columns
                            else np.nan})
        return out[out["date"].isin(set(self.days["date"])).to_numpy()]

    def hourly_profile(self) -> pd.DataFrame:
        """Mean sessions per day by hour: promo, baseline (columns hour, promo, baseline)."""
        out = pd.DataFrame({"hour": np.arange(24)})
        for phase in ("promo", "baseline"):
            h = self._in(self.hourly, phase)
            n = max(len(self._dates(phase)), 1)
            s = h.groupby("hour")["sessions"].sum().astype("float64") / n
            out[phase] = out["hour"].map(s).fillna(0.0)
        return out

    def capacity(self) -> pd.DataFrame:
        """Per promo date-hour: peak concurrent, agents on shift, capacity, shortfall."""
        peak = self._in(self.peak, "promo")
        shift = self._in(self.on_shift, "promo")
        return staffing.capacity_check(peak, shift[["date", "hour", "agents_on_shift"]],
                                       int(self.settings["concurrency"]))

    def waiting(self) -> pd.DataFrame:
        """Promo date-hours with customer messages and nobody on shift, merged in ranges."""
        shift = self._in(self.on_shift, "promo")
        chats = self._in(self.chats, "promo", "sent_at")
        hours = waiting_without_agent(chats, shift, self._in(self.sessions, "promo"))
        return hour_ranges(hours)

    def team_table(self) -> tuple[pd.DataFrame, bool]:
        start, end = self.promo_span
        cred = self.credited[self.credited["paid_at"].between(start, end)]
        teams, _ = leaderboard.tally(cred, self.roster, self.promo["rows"])
        return leaderboard.rank_teams(teams, self.settings["pk_by"])

    def agent_table_frame(self) -> pd.DataFrame:
        start, end = self.promo_span
        cred = self.credited[self.credited["paid_at"].between(start, end)]
        _, agents = leaderboard.tally(cred, self.roster, self.promo["rows"])
        by = self.settings["pk_by"]
        score = agents[f"{by}_attainment"] if agents[f"target_{by}"].notna().any() \
            else agents[by]
        agents = agents.assign(rank=score.rank(method="min", ascending=False,
                                               na_option="bottom").astype("int64"))
        outc = self._in(self.outcomes, "promo").groupby("agent").agg(
            inquiries=("customer_id", "size"), inquiry_buyers=("paid", "sum"))
        agents = agents.join(outc, on="agent")
        agents["inquiry_conversion"] = ratio(agents["inquiry_buyers"], agents["inquiries"])
        return agents.sort_values(["rank", "agent"]).reset_index(drop=True)

    def leaderboard_frame(self) -> pd.DataFrame:
        start, end = self.promo_span
        return hourly_leaderboard(self.credited, start, end, by=self.settings["pk_by"],
                                  top=int(self.settings["top"]))

    def staffing_frame(self) -> pd.DataFrame:
        """Per hour: this promo's mean sessions and peak, agents on shift, Erlang C need."""
        st = self.settings
        prof = self.hourly_profile()
        load = pd.DataFrame({"hour": prof["hour"],
                             "sessions": prof["promo"] * float(st["load_growth"])})
        plan = staffing.staffing_plan(load, float(st["aht_s"]),
                                      float(st["target_service_level"]),
                                      float(st["answer_within_s"]),
                                      concurrency=int(st["concurrency"]),
                                      max_occupancy=float(st["max_occupancy"]),
                                      shrinkage=float(st["shrinkage"]))
        shift = self._in(self.on_shift, "promo").groupby("hour")["agents_on_shift"].mean()
        peak = self._in(self.peak, "promo").groupby("hour")["peak_concurrent"].max()
        plan["promo_on_shift"] = plan["hour"].map(shift).fillna(0.0)
        plan["promo_peak_concurrent"] = plan["hour"].map(peak).astype("float64")
        plan["promo_gap"] = (plan["agents"].astype("float64") - plan["promo_on_shift"]).clip(
            lower=0)
        return plan

    # ------------------------------------------------------------------ text
    def title(self) -> HTML:
        pf, pl = self._dates("promo")[[0, -1]]
        bf, bl = self._dates("baseline")[[0, -1]]
        wave = self._dates("wave")
        name = self.promo["display_name"]
        if name != self.promo["name"]:
            name += f" ({self.promo['name']})"

        def span(a, b):
            return self._day(a) if a == b else f"{self._day(a)} – {self._day(b)}"

        toc_keys = ["promo_overview", "promo_daily", "promo_hourly", "promo_capacity",
                    "promo_no_agent", "promo_team_pk", "promo_agent_targets",
                    "promo_leaderboard", "promo_conversion", "promo_wave", "promo_staffing",
                    "appendix"]
        toc = "".join(f'<li><a href="#{k}">{self._t(k)}</a></li>' for k in toc_keys)
        t = self._t
        lines = [f"<b>{t('promo_window')}</b>: {span(pf, pl)}",
                 f"<b>{t('promo_baseline')}</b>: {span(bf, bl)}",
                 f"<b>{t('promo_wave_phase')}</b>: "
                 + (span(wave[0], wave[-1]) if len(wave) else "–")]
        asof = f" · {t('generated_at')} {self.generated_at:%Y-%m-%d %H:%M}"
        colon = "：" if self.lang == "zh" else ": "
        return HTML(f"<h1>{t('promo_title')}{colon}{name}</h1><p>{' · '.join(lines)}{asof}</p>"
                    f"<p><small>{self._note('baseline')}</small></p><ul>{toc}</ul>")

    def section(self, key: str) -> HTML:
        return HTML(f'<h2 id="{key}">{self._t(key)}</h2>')

    def note(self, key: str) -> HTML:
        return HTML(f"<p><small>{self._note(key)}</small></p>")

    # ------------------------------------------------------------------ sections
    def overview_table(self):
        kinds = {"uv": "count", "sessions": "count", "presale_sessions": "count",
                 "promo_after_sales_sessions": "count", "promo_peak_concurrent": "count",
                 "paid_orders": "count", "sales": "money", "buyers": "count", "aov": "money2",
                 "agent_orders": "count", "agent_sales": "money", "inquiries": "count",
                 "inquiry_conversion": "rate", "promo_store_conversion": "rate"}
        rows = []
        for r in self.overview().itertuples(index=False):
            name = self._t(r.metric)
            if r.metric in ("inquiry_conversion",) and self.provisional:
                name += " *"
            rows.append({self._t("metric"): name,
                         self._t("promo_window"): _fmt(r.promo, kinds[r.metric]),
                         self._t("promo_baseline"): _fmt(r.baseline, kinds[r.metric]),
                         self._t("promo_multiple"): _fmt(r.multiple, "ratio")})
        table = pd.DataFrame(rows).style.hide(axis="index")
        if self.provisional:
            table = table.set_caption(self._t("provisional_note"))
        return table

    def daily_table(self):
        d = self.daily()
        d["weekday"] = [WEEKDAYS[self.lang][x.weekday()] for x in d["date"]]
        d["promo_phase"] = [self._phase_label(x) for x in d["phase"]]
        d["date"] = d["date"].dt.strftime("%m-%d")
        cols = ["date", "weekday", "promo_phase", "uv", "sessions", "presale_sessions",
                "promo_after_sales_sessions", "promo_presale_share", "promo_peak_concurrent",
                "paid_orders", "sales", "promo_refunds", "promo_refund_amount"]
        kinds = {"uv": "count", "sessions": "count", "presale_sessions": "count",
                 "promo_after_sales_sessions": "count", "promo_presale_share": "rate",
                 "promo_peak_concurrent": "count", "paid_orders": "count", "sales": "money",
                 "promo_refunds": "count", "promo_refund_amount": "money"}
        styled = self._style(d[cols], kinds)
        phase_col = self._t("promo_phase")
        promo_name = self._t("promo_window")
        return styled.apply(lambda row: ["background-color: #fff3cd" if row[phase_col]
                                         == promo_name else "" for _ in row], axis=1)

    def hourly_chart(self):
        prof = self.hourly_profile()
        fig, ax = plt.subplots(figsize=(9, 3.6))
        ax.plot(prof["hour"], prof["promo"], marker="o", color="C3",
                label=self._t("promo_sessions_promo"))
        ax.plot(prof["hour"], prof["baseline"], marker="o", color="#8c9bb0",
                label=self._t("promo_sessions_baseline"))
        ax.set(title=self._t("promo_hourly"), xlabel=self._t("hour"),
               ylabel=self._t("sessions"), xticks=range(0, 24, 2))
        ax.legend()
        import seaborn as sns

        sns.despine(ax=ax)
        return _done(fig)

    def capacity_chart(self):
        cap = self.capacity()
        x = np.arange(len(cap))
        fig, ax = plt.subplots(figsize=(9, 3.8))
        over = cap["over_capacity"].fillna(False).astype(bool).to_numpy()
        ax.bar(x, cap["peak_concurrent"].astype("float64"),
               color=np.where(over, "C3", "C0"), label=self._t("promo_peak_concurrent"))
        ax.step(x, cap["capacity"], where="mid", color="black", linewidth=1.8,
                label=f"{self._t('promo_capacity_col')} "
                      f"({self._t('promo_on_shift')} × {self.settings['concurrency']})")
        if self.n_days == 1:
            ticks = [(i, self._hm(h)) for i, h in enumerate(cap["hour"]) if h % 2 == 0]
        else:
            ticks = [(i, f"{d:%m-%d} {h:02d}h") for i, (d, h) in
                     enumerate(zip(cap["date"], cap["hour"], strict=True)) if h % 6 == 0]
        ax.set_xticks([i for i, _ in ticks], [s for _, s in ticks], rotation=0, fontsize=8)
        ax.set(title=self._t("promo_capacity"), ylabel=self._t("promo_customers"))
        ax.legend(loc="upper left", fontsize=8)
        import seaborn as sns

        sns.despine(ax=ax)
        return _done(fig)

    def capacity_summary(self) -> HTML:
        cap = self.capacity()
        over = cap[cap["over_capacity"].fillna(False).astype(bool)]
        k = self.settings["concurrency"]
        if over.empty:
            text = ("每个小时的同时接待高峰都在在班人力的上限之内。" if self.lang == "zh" else
                    "In every hour the peak of concurrent customers stayed within what the "
                    "agents on shift can hold.")
            return HTML(f"<p>{text}</p>{self.note('capacity').data}")
        worst = over.sort_values(["extra_agents", "peak_concurrent"], ascending=False).head(3)
        items = []
        for r in worst.itertuples(index=False):
            when = self._hm(r.hour) if self.n_days == 1 else f"{r.date:%m-%d} {self._hm(r.hour)}"
            if self.lang == "zh":
                items.append(f"<li>{when}：高峰 {int(r.peak_concurrent)} 位顾客同时在聊，在班 "
                             f"{int(r.agents_on_shift)} 人最多接 {int(r.capacity)} 位，"
                             f"需再加 {int(r.extra_agents)} 人</li>")
            else:
                items.append(f"<li>{when}: {int(r.peak_concurrent)} customers at once, "
                             f"{int(r.agents_on_shift)} agents on shift hold "
                             f"{int(r.capacity)}: {int(r.extra_agents)} more agents "
                             f"needed</li>")
        if self.n_days == 1:
            when = self._ranges_text(over["hour"])
        else:
            when = ", ".join(f"{d:%m-%d} {self._hm(h)}" for d, h in
                             zip(over["date"], over["hour"], strict=True))
        n = len(cap)
        if self.lang == "zh":
            head = (f"<p><b>{n} 个小时中有 {len(over)} 个小时超出在班人力的上限</b>（每人同时接待 "
                    f"{k} 个）：{when}。{self._t('promo_worst_hours')}：</p>")
        else:
            head = (f"<p><b>{len(over)} of {n} hours were over the capacity of the staff on "
                    f"shift</b> ({k} chats per agent): {when}. "
                    f"{self._t('promo_worst_hours')}:</p>")
        return HTML(head + "<ul>" + "".join(items) + "</ul>" + self.note("capacity").data)

    def no_agent_hours(self) -> HTML:
        w = self.waiting()
        if w.empty:
            text = ("大促期间每个有顾客来咨询的小时都有客服在班。" if self.lang == "zh" else
                    "Every hour in which customers wrote during the promo had an agent on "
                    "shift.")
            return HTML(f"<p>{text}</p>" + self.note("waiting").data)
        items = []
        total = int(w["customer_messages"].sum())
        for r in w.itertuples(index=False):
            day = "" if self.n_days == 1 else f"{pd.Timestamp(r.date):%m-%d} "
            end = r.end_hour if r.end_hour <= 24 else r.end_hour - 24
            span = f"{day}{self._hm(r.start_hour)}–{self._hm(end)}"
            wait = r.first_response_p50_s
            if self.lang == "zh":
                wtxt = "" if pd.isna(wait) else f"，首次响应中位数 {wait / 60:,.0f} 分钟"
                items.append(f"<li><b>{span}</b>（{r.hours} 小时）：顾客共发了 "
                             f"{int(r.customer_messages):,} 条消息（单小时最多 "
                             f"{int(r.customers_max):,} 位顾客），排班表上没有客服在班{wtxt}</li>")
            else:
                wtxt = "" if pd.isna(wait) else (f"; median first response "
                                                 f"{wait / 60:,.0f} min")
                items.append(f"<li><b>{span}</b> ({r.hours} h): customers sent "
                             f"{int(r.customer_messages):,} messages (up to "
                             f"{int(r.customers_max):,} customers in one hour) with no agent "
                             f"on shift by the roster{wtxt}</li>")
        head = (f"<p><b>共 {total:,} 条顾客消息落在无人在班的时段：</b></p>" if self.lang == "zh"
                else f"<p><b>{total:,} customer messages arrived when nobody was on "
                     f"shift:</b></p>")
        return HTML(head + "<ul>" + "".join(items) + "</ul>" + self.note("waiting").data)

    def pk_summary(self) -> HTML:
        teams, on_att = self.team_table()
        by = self.settings["pk_by"]
        if teams.empty:
            return HTML("<p>–</p>")
        best = teams[teams["rank"] == 1]
        what = self._t(f"promo_{by}_attainment") if on_att else self._t(by)
        fmt = "rate" if on_att else ("money" if by == "sales" else "count")
        col = f"{by}_attainment" if on_att else by
        names = "、".join(self._team(x) for x in best["team"])
        score = _fmt(best[col].iloc[0], fmt)
        word = self._t("promo_tie") if len(best) > 1 else self._t("promo_winner")
        if self.lang == "zh":
            text = f"<b>{names} {word}</b>：{what} {score}"
        else:
            text = f"<b>{names} {word}</b>: {what} {score}"
        if len(teams) > 1 and len(best) == 1:
            second = teams.iloc[1]
            text += (f"（第二名 {self._team(second['team'])} {_fmt(second[col], fmt)}）"
                     if self.lang == "zh" else
                     f" (runner-up {self._team(second['team'])} {_fmt(second[col], fmt)})")
        return HTML(f"<p style='font-size:1.15em'>{text}</p>")

    def _team(self, team) -> str:
        return self._t("promo_no_team") if team == "no team" else str(team)

    def team_pk_table(self):
        teams, _ = self.team_table()
        t = teams.assign(promo_team=[self._team(x) for x in teams["team"]])
        t = t.rename(columns={"headcount": "promo_headcount",
                              "target_orders": "promo_target_orders",
                              "target_sales": "promo_target_sales",
                              "orders_attainment": "promo_orders_attainment",
                              "sales_attainment": "promo_sales_attainment"})
        cols = ["rank", "promo_team", "promo_headcount", "orders", "promo_target_orders",
                "promo_orders_attainment", "sales", "promo_target_sales",
                "promo_sales_attainment"]
        start, end = self.promo_span
        cred = self.credited[self.credited["paid_at"].between(start, end)]
        silent = cred[cred["credited_agent"].isna()]
        extra = pd.DataFrame([{"rank": np.nan, "promo_team": self._t("promo_silent"),
                               "orders": len(silent), "sales": silent["amount"].sum()}])
        t = pd.concat([t[cols], extra], ignore_index=True)
        return self._style(t[cols], {
            "rank": "count", "promo_headcount": "count", "orders": "count",
            "promo_target_orders": "count", "promo_orders_attainment": "rate",
            "sales": "money", "promo_target_sales": "money", "promo_sales_attainment": "rate"})

    def agent_targets_table(self):
        a = self.agent_table_frame()
        a = a.assign(promo_team=[self._team(x) for x in a["team"]]).rename(columns={
            "target_orders": "promo_target_orders", "target_sales": "promo_target_sales",
            "orders_attainment": "promo_orders_attainment",
            "sales_attainment": "promo_sales_attainment"})
        cols = ["rank", "agent", "promo_team", "orders", "promo_target_orders",
                "promo_orders_attainment", "sales", "promo_target_sales",
                "promo_sales_attainment", "inquiries", "inquiry_conversion"]
        styled = self._style(a[cols], {
            "rank": "count", "orders": "count", "promo_target_orders": "count",
            "promo_orders_attainment": "rate", "sales": "money", "promo_target_sales": "money",
            "promo_sales_attainment": "rate", "inquiries": "count",
            "inquiry_conversion": "rate"})
        att_cols = [self._t("promo_orders_attainment"), self._t("promo_sales_attainment")]
        return styled.map(lambda v: "color: #2e7d32; font-weight: bold"
                          if isinstance(v, float) and v >= 1 else "", subset=att_cols)

    def leaderboard_table(self):
        lb = self.leaderboard_frame()
        by = self.settings["pk_by"]
        kind = "money" if by == "sales" else "count"
        rows = []
        for r in lb.itertuples(index=False):
            until = pd.Timestamp(r.until)
            when = ("24:00" if until.hour == 0 else f"{until:%H:%M}") if self.n_days == 1 \
                else f"{until - pd.Timedelta(seconds=1):%m-%d} " + (
                    "24:00" if until.hour == 0 else f"{until:%H:%M}")
            row = {self._t("promo_until"): when}
            for i in range(1, int(self.settings["top"]) + 1):
                a, v = getattr(r, f"agent_{i}"), getattr(r, f"value_{i}")
                row[f"No.{i}"] = "–" if pd.isna(a) else f"{a} {_fmt(v, kind)}"
            rows.append(row)
        return pd.DataFrame(rows).style.hide(axis="index")

    def conversion_frame(self) -> pd.DataFrame:
        out = []
        for phase in ("promo", "baseline"):
            c = self._in(self.conversion, phase)
            uv = c["uv"].sum(min_count=1)
            out.append({
                "phase": phase, "uv": uv, "inquiries": c["inquiries"].sum(),
                "promo_callin_conversion": ratio(c["inquiries"].sum(), uv)
                if pd.notna(uv) else np.nan,
                "inquiry_buyers": c["inquiry_buyers"].sum(),
                "inquiry_conversion": ratio(c["inquiry_buyers"].sum(), c["inquiries"].sum()),
                "promo_next_day_conversion": ratio(c["next_day_buyers"].sum(),
                                                   c["inquiries"].sum()),
                "buyers": c["buyers"].sum(),
                "promo_store_conversion": ratio(c["buyers"].sum(), uv) if pd.notna(uv)
                else np.nan,
                "provisional": bool(c["provisional"].any()) if len(c) else False,
            })
        return pd.DataFrame(out)

    def conversion_table(self):
        f = self.conversion_frame().set_index("phase")
        kinds = {"uv": "count", "inquiries": "count", "promo_callin_conversion": "rate",
                 "inquiry_buyers": "count", "inquiry_conversion": "rate",
                 "promo_next_day_conversion": "rate", "buyers": "count",
                 "promo_store_conversion": "rate"}
        if f["uv"].isna().all():
            kinds = {k: v for k, v in kinds.items()
                     if k not in ("uv", "promo_callin_conversion", "promo_store_conversion")}
        rows = []
        for key, kind in kinds.items():
            name = self._t(key)
            if f.loc["promo", "provisional"] and kind == "rate" and key != "promo_callin_conversion":
                name += " *"
            a, b = f.loc["promo", key], f.loc["baseline", key]
            diff = (f"{(a - b) * 100:+.1f} pt" if kind == "rate" and pd.notna(a) and pd.notna(b)
                    else _fmt(ratio(a, b), "ratio") if kind != "rate" else "–")
            rows.append({self._t("metric"): name, self._t("promo_window"): _fmt(a, kind),
                         self._t("promo_baseline"): _fmt(b, kind),
                         self._t("promo_change"): diff})
        table = pd.DataFrame(rows).style.hide(axis="index")
        if f.loc["promo", "provisional"]:
            table = table.set_caption(self._t("provisional_note"))
        return table

    def wave_chart(self):
        d = self.daily()
        x = np.arange(len(d))
        fig, ax = plt.subplots(figsize=(9, 3.8))
        ax.bar(x - 0.2, d["presale_sessions"], width=0.4, color="C0",
               label=self._t("presale_sessions"))
        ax.bar(x + 0.2, d["promo_after_sales_sessions"], width=0.4, color="C1",
               label=self._t("promo_after_sales_sessions"))
        for i, (share, ph) in enumerate(zip(d["promo_presale_share"], d["phase"], strict=True)):
            if pd.notna(share):
                top = max(d["presale_sessions"].iloc[i], d["promo_after_sales_sessions"].iloc[i])
                ax.annotate(f"{share * 10:.0f}:{10 - share * 10:.0f}", (i, top),
                            ha="center", va="bottom", fontsize=8,
                            color="C3" if ph in ("promo", "wave") else "#555")
        ax.set_xticks(x, [f"{dd:%m-%d}\n{self._phase_label(ph)}" for dd, ph in
                          zip(d["date"], d["phase"], strict=True)], fontsize=7)
        ax.set(title=self._t("promo_wave") + (" — 售前:售后" if self.lang == "zh"
                                              else " — pre-sale : after-sales"),
               ylabel=self._t("sessions"))
        ax.legend(fontsize=8)
        import seaborn as sns

        sns.despine(ax=ax)
        return _done(fig)

    def refunds_frame(self) -> pd.DataFrame:
        out = []
        paid_all = self.orders[as_ns(self.orders["paid_at"]).notna().to_numpy()]
        day = as_ns(paid_all["paid_at"]).dt.normalize()
        for phase in ("promo", "baseline"):
            o = paid_all[day.isin(set(self._dates(phase))).to_numpy()]
            sm = sales_metrics(o, by=None, params=self.params) if len(o) else None
            rf = self.refunds
            if rf is not None and not rf.empty and "order_id" in rf.columns and len(o):
                ids = set(key_text(o["order_id"]).dropna())
                rr = rf[key_text(rf["order_id"]).isin(ids).to_numpy()]
                rm = refund_metrics(rr, by=None) if len(rr) else None
            else:
                rr, rm = [], None
            out.append({
                "phase": phase,
                "paid_orders": len(o),
                "promo_refunds": len(rr),
                "promo_refund_amount": float(rm["refund_amount"].iloc[0]) if rm is not None
                else np.nan,
                "promo_order_return_rate": sm["order_return_rate"].iloc[0] if sm is not None
                else np.nan,
                "promo_amount_return_rate": sm["amount_return_rate"].iloc[0]
                if sm is not None else np.nan,
                "promo_refund_p50_h": rm["refund_processing_p50_h"].iloc[0]
                if rm is not None else np.nan,
                "promo_dispute_rate": rm["refund_dispute_rate"].iloc[0] if rm is not None
                else np.nan,
            })
        return pd.DataFrame(out)

    def refunds_table(self):
        f = self.refunds_frame().set_index("phase")
        kinds = {"paid_orders": "count", "promo_refunds": "count",
                 "promo_refund_amount": "money", "promo_order_return_rate": "rate",
                 "promo_amount_return_rate": "rate", "promo_refund_p50_h": "hours",
                 "promo_dispute_rate": "rate"}
        rows = [{self._t("metric"): self._t(k),
                 self._t("promo_promo_orders"): _fmt(f.loc["promo", k], kind),
                 self._t("promo_baseline_orders"): _fmt(f.loc["baseline", k], kind)}
                for k, kind in kinds.items()]
        return pd.DataFrame(rows).style.hide(axis="index")

    def wave_summary(self) -> HTML:
        d = self.daily()
        share = {ph: ratio(d.loc[d["phase"] == ph, "presale_sessions"].sum(),
                           (d.loc[d["phase"] == ph, "presale_sessions"]
                            + d.loc[d["phase"] == ph, "promo_after_sales_sessions"]).sum())
                 for ph in ("baseline", "promo", "wave")}

        def r(x):
            return "–" if pd.isna(x) else f"{x * 10:.0f}:{10 - x * 10:.0f}"

        n = int(self.settings["wave_days"])
        if self.lang == "zh":
            text = (f"售前:售后会话比 —— 基准 {r(share['baseline'])}，大促 {r(share['promo'])}，"
                    f"大促后 {n} 天 {r(share['wave'])}。")
        else:
            text = (f"Pre-sale : after-sales sessions — baseline {r(share['baseline'])}, promo "
                    f"{r(share['promo'])}, the {n} days after {r(share['wave'])}.")
        return HTML(f"<p>{text}</p>" + self.note("refunds").data)

    def staffing_chart(self):
        plan = self.staffing_frame()
        fig, ax = plt.subplots(figsize=(9, 3.8))
        ax.bar(plan["hour"], plan["agents"].astype("float64"), color="#9ecae1",
               label=self._t("promo_needed_roster"))
        ax.bar(plan["hour"], plan["raw_agents"].astype("float64"), color="C0", width=0.5,
               label=self._t("promo_needed_online"))
        ax.step(plan["hour"], plan["promo_on_shift"], where="mid", color="black",
                linewidth=1.8, label=self._t("promo_on_shift") + f" ({self._t('promo_window')})")
        ax.set(title=self._t("promo_staffing"), xlabel=self._t("hour"),
               ylabel=self._t("promo_headcount"), xticks=range(0, 24, 2))
        ax.legend(fontsize=8, loc="upper left")
        import seaborn as sns

        sns.despine(ax=ax)
        return _done(fig)

    def staffing_summary(self) -> HTML:
        plan = self.staffing_frame()
        peak = plan.loc[plan["agents"].astype("float64").idxmax()]
        short = plan[plan["promo_gap"] > 0]
        hours_txt = self._ranges_text(short["hour"])
        need_h = int(plan["agents"].astype("float64").sum())
        have_h = int(round(plan["promo_on_shift"].sum()))
        if self.lang == "zh":
            text = (f"最忙的 {self._hm(peak['hour'])} 点需要 <b>{int(peak['raw_agents'])} 人在线</b>"
                    f"（排班 {int(peak['agents'])} 人），本次在班 {peak['promo_on_shift']:.0f} 人。")
            text += (f" 排班不足的时段：{hours_txt}。" if len(short) else " 各小时排班都够。")
            text += f" 全天需排班 {need_h} 人·小时，本次排了 {have_h} 人·小时。"
        else:
            text = (f"The busiest hour, {self._hm(peak['hour'])}, needs <b>"
                    f"{int(peak['raw_agents'])} agents online</b> ({int(peak['agents'])} "
                    f"rostered); {peak['promo_on_shift']:.0f} were on shift this time.")
            text += (f" Hours short of staff: {hours_txt}." if len(short)
                     else " Every hour was staffed enough.")
            text += (f" The day needs {need_h} rostered agent-hours; this time "
                     f"{have_h} were rostered.")
        return HTML(f"<p>{text}</p><p><small><b>{self._t('promo_assumptions')}</b>: "
                    f"{self._note('staffing')}</small></p>")

    def staffing_table(self):
        plan = self.staffing_frame()
        plan = plan.assign(hour=[self._hm(h) for h in plan["hour"]]).rename(columns={
            "raw_agents": "promo_needed_online", "agents": "promo_needed_roster",
            "service_level": "promo_service_level"})
        cols = ["hour", "sessions", "promo_peak_concurrent", "promo_on_shift",
                "promo_needed_online", "promo_needed_roster", "promo_gap",
                "promo_service_level"]
        styled = self._style(plan[cols], {
            "sessions": "count" if self.n_days == 1 else "number",
            "promo_peak_concurrent": "count", "promo_on_shift": "count",
            "promo_needed_online": "count", "promo_needed_roster": "count",
            "promo_gap": "count", "promo_service_level": "rate"})
        gap = self._t("promo_gap")
        return styled.map(lambda v: "color: #c62828; font-weight: bold"
                          if isinstance(v, (int, float)) and v > 0 else "", subset=[gap])

    def appendix(self):
        from csops_lib.render.labels import DEFINITIONS

        lang = 0 if self.lang == "zh" else 1
        rows = []
        for k in ("sales", "sessions", "inquiry_conversion", "max_concurrent"):
            if k in DEFINITIONS:
                try:
                    text = DEFINITIONS[k][lang].format(**self.params)
                except (KeyError, IndexError):
                    text = DEFINITIONS[k][lang]
                rows.append({self._t("metric"): self._t(k), self._t("definition"): text})
        for key, title in (("baseline", "promo_baseline"), ("on_shift", "promo_on_shift"),
                           ("capacity", "promo_capacity_col"), ("pk", "promo_team_pk"),
                           ("leaderboard", "promo_leaderboard"),
                           ("conversion", "promo_conversion"),
                           ("waiting", "promo_no_agent"), ("staffing", "promo_staffing")):
            rows.append({self._t("metric"): self._t(title),
                         self._t("definition"): self._note(key)})
        settings = {k: v for k, v in self.settings.items() if k != "aht_source"}
        settings["aht_s"] = round(float(settings["aht_s"]), 1)
        for k, v in {**settings, **self.params}.items():
            if k == "data_dir":
                continue
            rows.append({self._t("metric"): k,
                         self._t("definition"): self._t("auto") if v is None else str(v)})
        return (pd.DataFrame(rows).style.hide(axis="index")
                .set_properties(**{"text-align": "left"}))

    # ------------------------------------------------------------------ workbook
    def tables(self) -> dict[str, pd.DataFrame]:
        """The report's tables (labelled in the report's language) for the Excel workbook."""
        def rel(df: pd.DataFrame) -> pd.DataFrame:
            return df.rename(columns=lambda c: self._t(str(c)))

        ov = self.overview()
        ov["metric"] = [self._t(k) for k in ov["metric"]]
        ov = ov.rename(columns={"promo": "promo_window", "baseline": "promo_baseline",
                                "multiple": "promo_multiple"})
        daily = self.daily()
        daily["phase"] = [self._phase_label(x) for x in daily["phase"]]
        daily = daily.rename(columns={"phase": "promo_phase"})
        teams, _ = self.team_table()
        teams = teams.assign(team=[self._team(x) for x in teams["team"]]).rename(columns={
            "team": "promo_team", "headcount": "promo_headcount",
            "target_orders": "promo_target_orders", "target_sales": "promo_target_sales",
            "orders_attainment": "promo_orders_attainment",
            "sales_attainment": "promo_sales_attainment"})
        agents = self.agent_table_frame().assign(
            team=lambda a: [self._team(x) for x in a["team"]]).rename(columns={
                "team": "promo_team", "target_orders": "promo_target_orders",
                "target_sales": "promo_target_sales",
                "orders_attainment": "promo_orders_attainment",
                "sales_attainment": "promo_sales_attainment"})
        cap = self.capacity().rename(columns={
            "peak_concurrent": "promo_peak_concurrent", "agents_on_shift": "promo_on_shift",
            "capacity": "promo_capacity_col", "over_capacity": "promo_over_capacity",
            "extra_agents": "promo_extra_agents"})
        plan = self.staffing_frame().rename(columns={
            "raw_agents": "promo_needed_online", "agents": "promo_needed_roster",
            "service_level": "promo_service_level"})
        return {self._t("promo_overview"): rel(ov), self._t("promo_daily"): rel(daily),
                self._t("promo_team_pk"): rel(teams),
                self._t("promo_agent_targets"): rel(agents),
                self._t("promo_capacity"): rel(cap),
                self._t("promo_staffing"): rel(plan)}

    def write_workbook(self, path: str | Path) -> Path | None:
        """Write :meth:`tables` to ``path`` (.xlsx); an empty path writes nothing."""
        if not path:
            return None
        from csops_lib.render.excel import write_workbook

        return write_workbook(path, self.tables(), lang=self.lang,
                              title=f"{self._t('promo_title')} {self.promo['display_name']}")
