"""The daily report's data and tables: :func:`load` reads one day and the four weeks before it
from the store into a :class:`DailyData`, the frame builders below turn it into the report's
tables (canonical column keys, raw values, no labels, no formatting), and :data:`SECTIONS`
lists the report's sections in order (table of contents, workbook sheets, appendix).
The view (:mod:`csops_lib.render.daily`) shows them.

The agent-day KPIs are computed once (:func:`csops_lib.metrics.kpis.agent_kpis`, the same
numbers as ``csops kpis`` for that day), the sessions once
(:func:`csops_lib.metrics.sessions.build_sessions`) and the orders' attribution once.

Shops without message logs: when the store has no chats for the day but has the platform's
per-agent export (``agent_stats``), the agent KPIs come from
:func:`csops_lib.metrics.agent_stats.kpis_from_agent_stats` (``mode == "agent_stats"``), and
the sections that need message logs are left out (:data:`NEEDS_MESSAGES_HERE`).

The chase (追单) and reminder (催付) lists are computed as of the end of the report day
(:mod:`csops_lib.metrics.followups`); the anomalies against the trailing four weeks by
:mod:`csops_lib.metrics.anomalies`. The report is for the boss: it shows the chase list's
counts per agent and a few masked examples; the agents' own chase sheets (real buyer nicks,
capped to ``chase_per_agent`` each) come from :func:`load_chase` (``csops chase``).

Promo days (the ``promos`` table, :func:`csops_lib.metrics.daily_shop.promo_days`) are left
out of every baseline (the same-weekday medians and the anomalies' trailing windows), and the
headline says when the comparison period held one.

A provisional day (its inquiries still inside the follow-up window) has its inquiry
conversion compared like for like: with the same weekdays' conversion as it stood the same
time after their day began (:func:`csops_lib.metrics.daily_shop.conversion_at_age`); without
message logs that cannot be computed and the comparison is marked not yet comparable.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from csops_lib import engine, periods, store
from csops_lib.metrics import anomalies, followups
from csops_lib.metrics.agent_stats import NEEDS_MESSAGES, kpis_from_agent_stats
from csops_lib.metrics.callbacks import callback_summary
from csops_lib.metrics.daily_deals import (
    TOTAL,
    agent_total,
    attribution_mix,
    pay_slot_mix,
    session_mean_response,
    top_with_other,
)
from csops_lib.metrics.daily_shop import (
    attributed_paid,
    change_vs,
    promo_days,
    same_weekday_days,
    same_weekday_median,
    shop_daily,
)
from csops_lib.metrics.day_tables import build_sessions_from_days
from csops_lib.metrics.kpis import agent_kpis, agent_kpis_from_days
from csops_lib.metrics.sessions import build_sessions, outreach
from csops_lib.privacy import mask_customer_id
from csops_lib.reports.sections import Registry, Section
from csops_lib.settings.daily import DailySettings
from csops_lib.settings.shop import DEFAULTS as SHOP_DEFAULTS
from csops_lib.settings.shop import PARAM_DOCS, load_shop_params

HISTORY_DAYS = 28  # the anomalies and the headline compare with the four weeks before the day

#: headline rows: (key, kind)
HEADLINE = [
    ("sales", "money"), ("paid_orders", "count"), ("buyers", "count"), ("aov", "money"),
    ("uv", "count"), ("store_conversion", "rate"), ("agent_orders", "count"),
    ("silent_orders", "count"), ("inquiries", "count"), ("inquiry_conversion", "rate"),
    ("sessions", "count"), ("reply_rate", "rate"), ("first_response_mean_s", "seconds"),
    ("first_response_p90_s", "seconds"), ("slow_sessions", "count"), ("long_sessions", "count"),
    ("chase_count", "count"), ("reminder_count", "count"),
]
AGENT_COLUMNS = ["agent", "sessions", "presale_sessions", "inquiries", "inquiry_buyers",
                 "inquiry_conversion", "orders", "sales", "reply_rate", "first_response_mean_s",
                 "avg_response_s", "slow_sessions", "long_sessions", "max_concurrent"]
#: the parts of this report that need message-level chat logs (NEEDS_MESSAGES keys)
NEEDS_MESSAGES_HERE = [k for k in NEEDS_MESSAGES if k in (
    "long_sessions", "max_concurrent", "response_distribution", "unconverted_inquiries")]


# ---------------------------------------------------------------------------- data

@dataclass
class DailyData:
    """Everything the daily report shows, for one day (loaded once, then only read)."""

    period: periods.Period
    params: dict[str, Any]          # shop thresholds (shop.yaml ← overrides)
    settings: dict[str, Any]        # daily report settings (DailySettings ← daily.yaml ← overrides)
    mode: str                       # "messages" | "agent_stats" | "none"
    orders: pd.DataFrame            # orders read (creation days first − lookback … day + fd)
    kpis: pd.DataFrame              # agent-day KPIs, the day and the 28 days before
    sessions: pd.DataFrame          # sessions of those days (empty without chats)
    outreach: pd.DataFrame          # outreach of the chase window's days
    traffic: pd.DataFrame           # traffic rows of those days
    reminders: pd.DataFrame         # reminders from the reminder window on
    callbacks: pd.DataFrame         # the day's callbacks
    chats_window: pd.DataFrame      # the chase window's chat messages (products asked about)
    as_of: pd.Timestamp | None
    generated_at: dt.datetime = field(default_factory=dt.datetime.now)
    promos: pd.DataFrame = field(default_factory=pd.DataFrame)  # the promos table
    # derived once by derive(): attributed paid orders, the shop's daily series, the lists
    attributed: pd.DataFrame = field(default_factory=pd.DataFrame)
    shop: pd.DataFrame = field(default_factory=pd.DataFrame)
    chase: pd.DataFrame = field(default_factory=pd.DataFrame)
    due: pd.DataFrame = field(default_factory=pd.DataFrame)   # the reminder list (催付)
    findings: list = field(default_factory=list)
    promo_days: pd.Series = field(default_factory=lambda: promo_days(None))

    @property
    def day(self) -> pd.Timestamp:
        return pd.Timestamp(self.period.start)

    @property
    def messages(self) -> bool:
        """Whether the day has message logs (sections that need them are available)."""
        return self.mode == "messages"

    @property
    def provisional(self) -> bool:
        """True when the day's inquiries are still inside their follow-up window."""
        if self.as_of is None or pd.isna(self.as_of):
            return True
        return bool(self.day + pd.Timedelta(days=int(self.params["followup_days"]) + 1)
                    > self.as_of)

    @property
    def age(self) -> pd.Timedelta | None:
        """How long after the report day began the data end (``as_of`` − day), or None."""
        if self.as_of is None or pd.isna(self.as_of):
            return None
        return max(pd.Timestamp(self.as_of) - self.day, pd.Timedelta(0))

    @property
    def compared_days(self) -> list[pd.Timestamp]:
        """The days the headline's medians are taken over: the same weekday of the four
        weeks before, promo days left out."""
        return same_weekday_days(self.day, exclude=self.promo_days.index)

    def promos_in_comparison(self) -> pd.Series:
        """The promo days (date → name) of the four weeks before the day, left out of the
        baselines (empty when none)."""
        pdays = self.promo_days
        first = self.day - pd.Timedelta(days=HISTORY_DAYS)
        return pdays[(pdays.index >= first) & (pdays.index < self.day)]

    def promo_today(self) -> str | None:
        """The name of the promo the report day belongs to, or None."""
        return self.promo_days.get(self.day)


def split_params(params: dict[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(shop thresholds, daily settings) from one mapping; an unknown key is an error."""
    params = dict(params or {})
    fields = DailySettings.model_fields
    unknown = sorted(set(params) - set(SHOP_DEFAULTS) - set(fields))
    if unknown:
        raise ValueError(f"unknown daily report parameter(s) {', '.join(unknown)}; known: "
                         f"{', '.join([*SHOP_DEFAULTS, *fields])}")
    shop = load_shop_params(**{k: v for k, v in params.items() if k in SHOP_DEFAULTS})
    settings = DailySettings.load({k: v for k, v in params.items()
                                   if k in fields and v is not None}, where="parameters")
    return shop, settings.as_dict()


def load(data_dir: str | Path, date: str | dt.date | None = None, *,
         params: dict[str, Any] | None = None) -> DailyData:
    """Read the store for ``date`` (default: yesterday, within the data) and the 28 days
    before, and compute the KPIs. ``params``: shop thresholds (shop.yaml keys) and daily
    settings (:class:`DailySettings`, params/daily.yaml) together; unknown keys are an error."""
    data_dir = Path(data_dir)
    span = store.date_range(data_dir, "orders")
    if span is None:
        raise FileNotFoundError(f"no orders in the store {data_dir}: run `csops ingest` first")
    period = periods.resolve("day", date or None, data_end=span[1])
    p, settings = split_params(params)
    day = pd.Timestamp(period.start)
    first = day - pd.Timedelta(days=HISTORY_DAYS)
    win = store.store_windows(first, day, p)
    lo = min(win["orders"][0], day - pd.Timedelta(days=float(settings["remind_window_days"]) + 1))
    orders = store.read(data_dir, "orders", lo, win["orders"][1])
    if "order_id" in orders.columns:  # the summation order of `csops kpis` (same rounding)
        orders = orders.sort_values("order_id", kind="stable").reset_index(drop=True)
    as_of = pd.Timestamp(p["as_of"]) if p.get("as_of") is not None else store.store_as_of(data_dir)
    kp = dict(p, as_of=as_of) if as_of is not None else dict(p)
    lo_chase = day - pd.Timedelta(days=max(int(p["followup_days"]) - 1, 0))
    # the per-day tables derived at ingest when the store has them, else the messages
    days = engine.read_days(data_dir, *win["chats"], kp["concurrency_window_s"])
    if days is not None:
        chats = None
        has_day_chats = bool((days.max_concurrent["date"] == day).any())
    else:
        chats = store.read(data_dir, "chats", *win["chats"])
        has_day_chats = (not chats.empty and "sent_at" in chats.columns
                         and bool((chats["sent_at"].dt.normalize() == day).any()))
    empty = pd.DataFrame()
    sessions, out, chats_window = empty, empty, empty
    if has_day_chats and "paid_at" in orders.columns:
        mode = "messages"
        if days is not None:
            kpis = agent_kpis_from_days(days, orders, params=kp, date_from=first, date_to=day)
            sessions = build_sessions_from_days(days, orders, params=kp)
            chats_window = store.read(data_dir, "chats", lo_chase, day)
        else:
            kpis = agent_kpis(chats, orders, params=kp, date_from=first, date_to=day)
            sessions = build_sessions(chats, orders, params=kp)
            chats_window = chats[chats["sent_at"].dt.normalize().between(lo_chase, day)]
        chats_window = chats_window.reset_index(drop=True)
        out = outreach(chats_window) if len(chats_window) else empty
    else:
        stats = store.read(data_dir, "agent_stats", first, day)
        if not stats.empty and bool((pd.to_datetime(stats["date"]).dt.normalize() == day).any()):
            mode = "agent_stats"
            kpis = kpis_from_agent_stats(stats)
        else:
            mode = "none"
            kpis = pd.DataFrame(columns=["date", "agent", "sessions"])
    data = DailyData(period, p, settings, mode, orders, kpis, sessions, out,
                     store.read(data_dir, "traffic", first, day),
                     store.read(data_dir, "reminders", lo, None),
                     store.read(data_dir, "callbacks", day, day), chats_window, as_of,
                     promos=store.read(data_dir, "promos"))
    return derive(data)


def derive(data: DailyData) -> DailyData:
    """``data`` with its derived frames filled: the attributed paid orders of the 29 days,
    the shop's daily series, the reminder and chase lists and the anomalies."""
    day, p, s = data.day, data.params, data.settings
    first = day - pd.Timedelta(days=HISTORY_DAYS)
    sessions = data.sessions if data.messages and len(data.sessions) else None
    attributed = attributed_paid(data.orders, sessions, first, day, p)
    age = data.age if data.provisional else None
    shop = shop_daily(attributed, data.kpis, data.sessions, data.traffic, data.orders, first,
                      day, p, as_of=data.as_of, has_messages=data.messages, age=age)
    due = _reminders(data.orders, data.reminders, day, s,
                     data.sessions if len(data.sessions) else None)
    if data.messages:
        chase = chase_for(data.sessions, data.orders, data.outreach, data.chats_window, due,
                          day, day + pd.Timedelta(days=1), p, s)
    else:
        chase = pd.DataFrame(columns=followups.CHASE_COLUMNS)
    series = shop[["date", *[c for c in ("sales", "orders", "uv", "inquiries")
                             if c in shop.columns]]].copy()
    if "same_day_conversion" in shop.columns:
        series["inquiry_conversion"] = shop["same_day_conversion"]
    pdays = promo_days(data.promos)
    findings = anomalies.find_anomalies(series, data.kpis, day, s, exclude=pdays.index)
    return dataclasses.replace(data, attributed=attributed, shop=shop, chase=chase, due=due,
                               findings=findings, promo_days=pdays)


def _reminders(orders, reminders, day, s, sessions) -> pd.DataFrame:
    return followups.reminder_list(orders, reminders, day, remind_after_h=s["remind_after_h"],
                                   remind_window_days=s["remind_window_days"],
                                   sessions=sessions)


def chase_for(sessions: pd.DataFrame, orders: pd.DataFrame, out: pd.DataFrame,
              chats: pd.DataFrame, due: pd.DataFrame, day, use_day, p: dict[str, Any],
              s: dict[str, Any]) -> pd.DataFrame:
    """The chase list for ``use_day`` with the data as of the end of ``day``
    (:func:`csops_lib.metrics.followups.chase_list`), the customers of the reminder list
    ``due`` left out: the one computation behind the daily report and the chase sheets."""
    return followups.chase_list(sessions, orders, out, day,
                                followup_days=int(p["followup_days"]),
                                max_chases=int(s["max_chases"]), chats=chats,
                                exclude_customers=due["customer_id"].dropna(), use_day=use_day)


# ---------------------------------------------------------------------------- builders

def _paid_day(data: DailyData) -> pd.DataFrame:
    a = data.attributed
    return a[a["date"] == data.day] if len(a) else a


def _day_kpis(data: DailyData) -> pd.DataFrame:
    k = data.kpis
    return k[pd.to_datetime(k["date"]) == data.day] if len(k) else k


def headline_frame(data: DailyData) -> pd.DataFrame:
    """key, kind, the day's value, ``base`` = the median of the same weekday in the 4 weeks
    before (promo days left out, :attr:`DailyData.compared_days`), the change (points
    difference for rates, relative change otherwise) and ``basis``: ``weekday``; for a
    provisional day's inquiry conversion ``same_age`` (the history as it stood as long after
    each day began, :func:`csops_lib.metrics.daily_shop.conversion_at_age`) or, without
    message logs, ``not_comparable`` (no base)."""
    daily = data.shop.set_index("date")
    counts = {"chase_count": len(data.chase) if data.messages else np.nan,
              "reminder_count": len(data.due)}
    rows = []
    for key, kind in HEADLINE:
        basis = "weekday"
        if key in counts:
            value, base = counts[key], np.nan
        elif key in daily.columns:
            value = daily.at[data.day, key] if data.day in daily.index else np.nan
            series = daily[key]
            if key == "inquiry_conversion" and data.provisional:
                basis = "same_age" if "conversion_at_age" in daily.columns else "not_comparable"
                series = daily.get("conversion_at_age")
            base = (np.nan if series is None else
                    same_weekday_median(series, data.day, exclude=data.promo_days.index))
        else:
            value, base = np.nan, np.nan
        rows.append({"key": key, "kind": kind, "value": value, "base": base,
                     "change": change_vs(value, base, kind), "basis": basis})
    return pd.DataFrame(rows)


def anomalies_frame(data: DailyData) -> pd.DataFrame:
    """The day's findings as facts, one row each (the view words them)."""
    names = [f.name for f in dataclasses.fields(anomalies.Finding)]
    return pd.DataFrame([dataclasses.asdict(f) for f in data.findings], columns=names)


def province_frame(data: DailyData) -> pd.DataFrame:
    return top_with_other(_paid_day(data), "province", int(data.settings["top_provinces"]),
                          data.params)[["province", "orders", "sales", "share_orders"]]


def product_frame(data: DailyData) -> pd.DataFrame:
    return top_with_other(_paid_day(data), "product", int(data.settings["top_products"]),
                          data.params, sort="sales")[
        ["product", "orders", "items", "sales", "share_sales"]]


def pay_slot_frame(data: DailyData) -> pd.DataFrame:
    """Per payment time slot: orders, agent-served and silent orders, sales, share."""
    return pay_slot_mix(_paid_day(data), has_messages=data.messages)


def agent_frame(data: DailyData) -> pd.DataFrame:
    """The day's per-agent table (the ``csops kpis`` numbers), sorted by sales, with a
    :data:`TOTAL` row; without message logs the columns the export lacks are dropped."""
    k = _day_kpis(data)
    if k.empty:
        return pd.DataFrame(columns=AGENT_COLUMNS)
    k = k.rename(columns={"first_response_s": "first_response_mean_s"})  # a mean: say so
    for c in AGENT_COLUMNS:
        if c not in k.columns:
            k[c] = np.nan
    k = k.sort_values(["sales", "sessions"], ascending=False, kind="stable")
    out = k[AGENT_COLUMNS].reset_index(drop=True)
    daily = data.shop.set_index("date")
    first = (daily.at[data.day, "first_response_mean_s"]
             if "first_response_mean_s" in daily.columns and data.day in daily.index
             else np.nan)
    s = data.sessions[data.sessions["date"] == data.day] if data.messages else None
    tot = agent_total(out, k["replied"], first_response_mean_s=first,
                      avg_response_s=session_mean_response(s, out))
    out = pd.concat([out, pd.DataFrame([tot])], ignore_index=True)
    if not data.messages:  # what the platform export does not carry
        out = out.drop(columns=[c for c in out.columns if c != "agent"
                                and out[c].isna().all() or c in ("long_sessions",
                                                                  "max_concurrent")])
    return out


def served_frame(data: DailyData) -> pd.DataFrame:
    """The day's paid orders by attribution (field / session / silent / unknown, total)."""
    return attribution_mix(_paid_day(data))


def chase_frame(data: DailyData) -> pd.DataFrame:
    """The chase list for the boss: per agent, customers to chase, how many go on the
    agent's chase sheet (at most ``chase_per_agent``) and those whose last day is tomorrow,
    with a :data:`TOTAL` row. The buyers themselves are on the agents' chase sheets only."""
    return followups.chase_by_agent(data.chase, per_agent=int(data.params["chase_per_agent"]),
                                    total=TOTAL)


#: the columns of the chase examples (masked buyers)
CHASE_EXAMPLE_COLUMNS = ["priority", "customer", "agent", "window_last_day", "days_left",
                         "products", "expected_amount", "times_chased"]


def chase_examples_frame(data: DailyData) -> pd.DataFrame:
    """The first ``chase_examples`` customers of the chase list by priority, buyers masked
    (masked over the whole list, so no two of them share a mask)."""
    c = data.chase
    if c.empty:
        return pd.DataFrame(columns=CHASE_EXAMPLE_COLUMNS)
    masked = mask_customer_id(c["customer_id"].astype("string")).astype(object)
    out = pd.DataFrame({
        "priority": pd.to_numeric(c["priority"]).astype("Int64"),
        "customer": masked, "agent": c["agent"],
        "window_last_day": pd.to_datetime(c["window_last_day"]),
        "days_left": pd.to_numeric(c["days_left"]).astype("Int64"),
        "products": c["products"],
        "expected_amount": pd.to_numeric(c["expected_amount"]).astype("float64"),
        "times_chased": pd.to_numeric(c["times_chased"]).astype("Int64"),
    }).sort_values("priority", kind="stable")
    if out["products"].isna().all():
        out = out.drop(columns="products")  # not derivable from this data
    return out.head(int(data.settings["chase_examples"])).reset_index(drop=True)


def reminder_frame(data: DailyData) -> pd.DataFrame:
    """The reminder list, customers masked (all rows; the view shows the first ones)."""
    r = data.due
    return pd.DataFrame({
        "customer": mask_customer_id(r["customer_id"].astype("string")).astype(object),
        "order_id": r["order_id"], "store": r["store"], "product": r["product"],
        "order_amount": pd.to_numeric(r["order_amount"]).astype("float64"),
        "created_at": pd.to_datetime(r["created_at"]),
        "hours_waiting": pd.to_numeric(r["hours_waiting"]).astype("float64"),
        "agent": r["agent"],
    })


CALLBACK_COLUMNS = ["agent", "planned", "called", "reached", "satisfied", "problems",
                    "reach_rate", "satisfaction_rate"]


def callback_frame(data: DailyData) -> pd.DataFrame:
    """The day's callbacks per agent and in total (:func:`callback_summary`)."""
    cb = data.callbacks
    if cb.empty or "result" not in cb.columns:
        return pd.DataFrame(columns=CALLBACK_COLUMNS)
    cb = cb.assign(agent=cb["agent"] if "agent" in cb.columns else np.nan)
    by = callback_summary(cb, by=("agent",))
    tot = callback_summary(cb, by=()).assign(agent=TOTAL)
    return pd.concat([by, tot], ignore_index=True)[CALLBACK_COLUMNS]


def thresholds_frame(data: DailyData) -> pd.DataFrame:
    """parameter (the key ``--param`` takes), parameter_value (``None``: automatic) of every
    shop threshold and daily setting the report used, the shop's first (the view adds each
    one's meaning, ``param_<key>``)."""
    keys = [k for k in PARAM_DOCS if k != "data_dir" and k in data.params]
    keys += [k for k in DailySettings.model_fields if k in data.settings]
    values = {**data.params, **data.settings}
    rows = [{"parameter": k, "parameter_value": None if values[k] is None else str(values[k])}
            for k in keys]
    return pd.DataFrame(rows, columns=["parameter", "parameter_value"])


# ---------------------------------------------------------------------------- sections

_SHARES = {"orders": "count", "sales": "money", "items": "count", "share_orders": "rate",
           "share_sales": "rate"}
_AGENT_KINDS = {"sessions": "count", "presale_sessions": "count", "inquiries": "count",
                "inquiry_buyers": "count", "inquiry_conversion": "rate", "orders": "count",
                "sales": "money", "reply_rate": "rate", "first_response_mean_s": "seconds",
                "avg_response_s": "seconds", "slow_sessions": "count",
                "long_sessions": "count", "max_concurrent": "count"}
#: the top-level section → the sections shown inside it (sub-headings, own sheets)
PARTS = {"daily_deals": ("daily_provinces", "daily_pay_slots", "daily_products")}

SECTIONS = Registry([
    Section("headline", headline_frame, defines=(
        "sales", "paid_orders", "buyers", "aov", "uv", "store_conversion", "agent_orders",
        "inquiries", "inquiry_conversion", "daily_conversion_same_age", "sessions",
        "reply_rate", "first_response_mean_s", "first_response_p90_s", "slow_sessions",
        "long_sessions", "chase_count", "reminder_count")),
    Section("daily_anomalies", anomalies_frame,
            kinds={"scope": "text", "finding": "text"},
            defines=("daily_anomalies", "daily_same_day_conversion")),
    Section("daily_deals", None, sheet=False),
    Section("daily_provinces", province_frame, chart="provinces",
            kinds=_SHARES, defines=("orders", "share_orders")),
    Section("daily_pay_slots", pay_slot_frame, chart="pay_slots",
            kinds={**_SHARES, "agent_orders": "count", "silent_orders": "count"}),
    Section("daily_products", product_frame, chart="products",
            kinds=_SHARES, defines=("items",)),
    Section("daily_agents", agent_frame, chart="agents", kinds=_AGENT_KINDS, defines=(
        "daily_agents", "presale_sessions", "inquiry_buyers", "avg_response_s",
        "max_concurrent")),
    Section("daily_served", served_frame, needs=("messages",), kinds=_SHARES,
            defines=("daily_served",)),
    Section("daily_chase", chase_frame, needs=("messages",),
            defines=("daily_chase", "expected_amount"), kinds={
                "chase_customers": "count", "chase_on_sheet": "count",
                "last_day_tomorrow": "count", "priority": "count", "window_last_day": "date",
                "days_left": "count", "expected_amount": "money", "times_chased": "count"}),
    Section("daily_reminders", reminder_frame, defines=("daily_reminders",),
            kinds={"order_amount": "money", "created_at": "datetime",
                   "hours_waiting": "hours"}),
    Section("daily_callbacks", callback_frame, defines=("satisfaction_rate",), kinds={
        "planned": "count", "called": "count", "reached": "count", "satisfied": "count",
        "problems": "count", "reach_rate": "rate", "satisfaction_rate": "rate"}),
    Section("appendix", None, sheet=False),
])


def toc(data: DailyData) -> list[str]:
    """The table of contents: the top-level sections (every one is shown; those needing
    message logs say so without them)."""
    inner = {k for parts in PARTS.values() for k in parts}
    return [k for k in SECTIONS.keys() if k not in inner]


# ---------------------------------------------------------------------------- chase sheets

@dataclass
class ChaseData:
    """The agents' chase sheets for one day of use (``csops chase``): the full chase list
    and each agent's capped share of it, with the real buyer nicks (for the agents only)."""

    use_day: pd.Timestamp            # the day the sheets are used ("last day today")
    data_day: pd.Timestamp           # the data are taken as of the end of this day
    as_of: pd.Timestamp | None       # the data cut-off of the store
    per_agent: int                   # the cap (shop setting chase_per_agent)
    chase: pd.DataFrame              # every customer to chase (followups.CHASE_COLUMNS)
    plan: pd.DataFrame               # each agent's first per_agent of them, with ``rank``


def load_chase(data_dir: str | Path, date: str | dt.date | None = None, *,
               params: dict[str, Any] | None = None) -> ChaseData:
    """The chase sheets for ``date`` (the day they are used; default today): the chase list
    with the data as of the end of the day before (or of the last day of data, when the
    store ends earlier), days left counted from ``date`` (1 = today is the last day), the
    customers of that day's reminder list left out, each agent capped to the shop setting
    ``chase_per_agent`` (:func:`csops_lib.metrics.followups.chase_plan`). The same rule and
    inputs as the daily report's chase list for the day before (:func:`chase_for`).
    ``params``: shop thresholds and daily settings, as :func:`load`."""
    data_dir = Path(data_dir)
    span = store.date_range(data_dir, "orders")
    if span is None:
        raise FileNotFoundError(f"no orders in the store {data_dir}: run `csops ingest` first")
    use = pd.Timestamp(date if date else dt.date.today()).normalize()
    data_day = min(use - pd.Timedelta(days=1), pd.Timestamp(span[1]))
    if data_day < pd.Timestamp(span[0]):
        raise ValueError(f"the store has no data before {use:%Y-%m-%d} (it starts "
                         f"{span[0]:%Y-%m-%d})")
    p, s = split_params(params)
    fd = int(p["followup_days"])
    first = use - pd.Timedelta(days=fd)              # the first session day still in a window
    win = store.store_windows(max(first, data_day - pd.Timedelta(days=HISTORY_DAYS)),
                              data_day, p)
    lo = min(win["orders"][0], data_day - pd.Timedelta(days=HISTORY_DAYS),
             data_day - pd.Timedelta(days=float(s["remind_window_days"]) + 1))
    orders = store.read(data_dir, "orders", lo, data_day)
    chats = store.read(data_dir, "chats", first, data_day)
    as_of = pd.Timestamp(p["as_of"]) if p.get("as_of") is not None else store.store_as_of(data_dir)
    kp = dict(p, as_of=as_of) if as_of is not None else dict(p)
    empty = pd.DataFrame(columns=followups.CHASE_COLUMNS)
    if chats.empty or "sent_at" not in chats.columns or "paid_at" not in orders.columns:
        chase = empty
    else:
        sessions = build_sessions(chats, orders, params=kp)
        due = _reminders(orders, store.read(data_dir, "reminders", lo, None), data_day, s,
                         sessions)
        chase = chase_for(sessions, orders, outreach(chats), chats, due, data_day, use, p, s)
    per_agent = int(p["chase_per_agent"])
    return ChaseData(use, data_day, as_of, per_agent, chase,
                     followups.chase_plan(chase, per_agent))
