"""The daily report's tables, charts and lists, built from the metric library.

`DailyReport.load(data_dir, date)` reads the day and the four weeks before it from the store
(only the partitions needed), computes the agent-day KPIs once
(`metrics.kpis.agent_kpis`, the same numbers as `csops kpis` for that day), the sessions once
(`metrics.sessions.build_sessions`) and the day's order attribution, and offers the report's
pieces as methods returning styled tables, charts and HTML notes. `tables()` gives the same
tables, unformatted, for the Excel workbook (`write_xlsx`). The notebook only displays them.

Shops without message logs: when the store has no chats for the day but has the platform's
per-agent export (`agent_stats`), the agent KPIs come from
`metrics.agent_stats.kpis_from_agent_stats`, and the report says in one line which sections
need message logs (`metrics.agent_stats.NEEDS_MESSAGES`).

The chase (追单) and reminder (催付) lists are computed as of the end of the report day
(`csops_lib.metrics.followups`); the anomalies against the trailing four weeks by
`csops_lib.metrics.anomalies`.
"""
from __future__ import annotations

import base64
import datetime as dt
import html
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import HTML
from matplotlib.ticker import MaxNLocator

from csops_lib import periods, store
from csops_lib.metrics import anomalies, followups
from csops_lib.metrics import sales as sales_metrics
from csops_lib.metrics.agent_stats import NEEDS_MESSAGES, kpis_from_agent_stats
from csops_lib.metrics.attribution import attribute_orders, inquiry_outcomes
from csops_lib.metrics.conversion import traffic_uv
from csops_lib.metrics.kpis import agent_kpis
from csops_lib.metrics.sessions import build_sessions, outreach
from csops_lib.privacy import mask_customer_id
from csops_lib.render import charts, excel
from csops_lib.render.labels import DEFINITIONS, label
from csops_lib.settings.shop import DEFAULTS as SHOP_DEFAULTS
from csops_lib.settings.shop import load_shop_params

HISTORY_DAYS = 28  # the anomalies and the headline compare with the four weeks before the day

#: report settings (params/daily.yaml) with their defaults; shop thresholds are in shop.yaml
SETTINGS: dict[str, Any] = {
    "remind_after_h": 2,        # remind orders unpaid this many hours after creation
    "remind_window_days": 3,    # ... created within this many days before the day's end
    "max_chases": 2,            # chase an inquiry until it was chased this many times
    "top_provinces": 10,        # provinces shown (the rest summed as "other")
    "top_products": 10,         # products shown (the rest summed as "other")
    "list_rows": 30,            # rows of the chase / reminder lists in the HTML (all in Excel)
    **anomalies.DEFAULTS,
}

FORMATS = {"money": "¥{:,.2f}", "count": "{:,.0f}", "rate": "{:.1%}", "seconds": "{:,.1f}",
           "hours": "{:,.1f}", "number": "{:,.2f}"}
#: column key → kind (HTML format and Excel number format)
KINDS = {
    "sales": "money", "aov": "money", "order_amount": "money", "daily_order_amount": "money",
    "orders": "count", "paid_orders": "count", "buyers": "count", "items": "count",
    "sessions": "count", "presale_sessions": "count", "replied": "count", "unanswered": "count",
    "inquiries": "count", "inquiry_buyers": "count", "slow_sessions": "count",
    "long_sessions": "count", "max_concurrent": "count", "uv": "count",
    "agent_orders": "count", "silent_orders": "count",
    "daily_times_chased": "count", "daily_days_left": "count", "daily_customers": "count",
    "daily_last_day_tomorrow": "count", "daily_cb_planned": "count", "daily_cb_called": "count",
    "daily_cb_reached": "count", "daily_cb_satisfied": "count", "daily_cb_problems": "count",
    "reply_rate": "rate", "inquiry_conversion": "rate", "daily_share_orders": "rate",
    "daily_share_sales": "rate", "daily_cb_reach_rate": "rate",
    "daily_cb_satisfaction_rate": "rate",
    "first_response_s": "seconds", "avg_response_s": "seconds",
    "daily_hours_waiting": "hours",
    "daily_last_session_at": "datetime", "daily_created_at": "datetime",
    "daily_window_last_day": "date",
}
EXCEL_KINDS = {"hours": "0.0"}  # kinds without a csops_lib.render.excel kind → literal format

#: headline rows: (key, kind)
HEADLINE = [
    ("sales", "money"), ("paid_orders", "count"), ("buyers", "count"), ("aov", "money"),
    ("uv", "count"), ("daily_store_conversion", "rate"), ("agent_orders", "count"),
    ("silent_orders", "count"), ("inquiries", "count"), ("inquiry_conversion", "rate"),
    ("sessions", "count"), ("reply_rate", "rate"), ("first_response_s", "seconds"),
    ("first_response_p90_s", "seconds"), ("slow_sessions", "count"), ("long_sessions", "count"),
    ("daily_chase_count", "count"), ("daily_reminder_count", "count"),
]
AGENT_COLUMNS = ["agent", "sessions", "presale_sessions", "inquiries", "inquiry_buyers",
                 "inquiry_conversion", "orders", "sales", "reply_rate", "first_response_s",
                 "avg_response_s", "slow_sessions", "long_sessions", "max_concurrent"]
SECTIONS = ("headline", "daily_anomalies", "daily_deals", "daily_agents", "daily_served",
            "daily_chase", "daily_reminders", "daily_callbacks", "appendix")
WEEKDAYS = {"zh": ["周一", "周二", "周三", "周四", "周五", "周六", "周日"],
            "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]}
#: the parts of this report that need message-level chat logs (NEEDS_MESSAGES keys + own)
NEEDS_MESSAGES_HERE = [k for k in NEEDS_MESSAGES if k in (
    "long_sessions", "max_concurrent", "response_distribution", "unconverted_inquiries")]
_NEEDS_LABEL = {"unconverted_inquiries": "daily_chase",
                "response_distribution": "daily_response_distribution"}


#: the definitions the appendix prints, in order
APPENDIX_KEYS = ["sales", "buyers", "aov", "sessions", "reply_rate", "inquiries",
                 "inquiry_conversion", "slow_sessions", "long_sessions", "max_concurrent",
                 "daily_served", "daily_chase", "daily_reminders", "daily_anomalies",
                 "daily_same_day_conversion"]


CHART_W = 6.2  # inches: a chart beside its table fits a laptop screen (about 600 px)


def _png(fig) -> str:
    """A figure as an inline PNG <img> (for a chart placed beside its table)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=96, bbox_inches="tight")
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" style="max-width:100%"/>'


def _side(*items) -> HTML:
    """Charts and tables side by side (wrapping under each other on narrow screens)."""
    parts = []
    for item in items:
        if item is None:
            continue
        if hasattr(item, "savefig"):
            parts.append(f"<div>{_png(item)}</div>")
        else:
            parts.append(f"<div>{item.to_html() if hasattr(item, 'to_html') else item}</div>")
    return HTML('<div style="display:flex;flex-wrap:wrap;gap:28px;align-items:flex-start">'
                + "".join(parts) + "</div>")


def _done(fig):
    """Close a finished figure (so it is not drawn twice) and return it for `display`."""
    plt.close(fig)
    return fig


def _fmt(value: Any, kind: str) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "–"
    return FORMATS[kind].format(value)


class _Params(dict):
    """str.format_map source that leaves unknown placeholders visible instead of failing."""

    def __missing__(self, key):
        return "{" + key + "}"


def split_params(params: dict[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(shop thresholds, daily settings) from one mapping; an unknown key is an error."""
    params = dict(params or {})
    unknown = sorted(set(params) - set(SHOP_DEFAULTS) - set(SETTINGS))
    if unknown:
        raise ValueError(f"unknown daily report parameter(s) {', '.join(unknown)}; known: "
                         f"{', '.join([*SHOP_DEFAULTS, *SETTINGS])}")
    shop = load_shop_params(**{k: v for k, v in params.items() if k in SHOP_DEFAULTS})
    settings = dict(SETTINGS)
    settings.update({k: v for k, v in params.items() if k in SETTINGS and v is not None})
    return shop, settings


@dataclass
class DailyReport:
    """Everything the daily report shows, for one day."""

    period: periods.Period
    lang: str
    params: dict[str, Any]          # shop thresholds (shop.yaml ← overrides)
    settings: dict[str, Any]        # daily report settings (daily.yaml ← overrides)
    data_dir: Path
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

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, data_dir: str | Path, date: str | dt.date | None = None, *, lang: str = "zh",
             params: dict[str, Any] | None = None) -> DailyReport:
        """Read the store for `date` (default: yesterday, within the data) and the 28 days
        before, and compute the KPIs. `params`: shop thresholds (shop.yaml keys) and daily
        settings (`SETTINGS` keys, params/daily.yaml) together; unknown keys are an error."""
        from csops_lib.store import store_as_of, store_windows

        label("daily_title", lang)  # validates lang
        data_dir = Path(data_dir)
        span = store.date_range(data_dir, "orders")
        if span is None:
            raise FileNotFoundError(f"no orders in the store {data_dir}: run `csops ingest` first")
        period = periods.resolve("day", date or None, data_end=span[1])
        p, settings = split_params(params)
        day = pd.Timestamp(period.start)
        first = day - pd.Timedelta(days=HISTORY_DAYS)
        win = store_windows(first, day, p)
        lo = min(win["orders"][0], day - pd.Timedelta(days=float(settings["remind_window_days"]) + 1))
        orders = store.read(data_dir, "orders", lo, win["orders"][1])
        if "order_id" in orders.columns:  # the summation order of `csops kpis` (same rounding)
            orders = orders.sort_values("order_id", kind="stable").reset_index(drop=True)
        chats = store.read(data_dir, "chats", *win["chats"])
        as_of = pd.Timestamp(p["as_of"]) if p.get("as_of") is not None else store_as_of(data_dir)
        kp = dict(p, as_of=as_of) if as_of is not None else dict(p)
        has_day_chats = (not chats.empty and "sent_at" in chats.columns
                         and bool((chats["sent_at"].dt.normalize() == day).any()))
        empty = pd.DataFrame()
        sessions, out, chats_window = empty, empty, empty
        if has_day_chats and "paid_at" in orders.columns:
            mode = "messages"
            kpis = agent_kpis(chats, orders, params=kp, date_from=first, date_to=day)
            sessions = build_sessions(chats, orders, params=kp)
            lo_chase = day - pd.Timedelta(days=max(int(p["followup_days"]) - 1, 0))
            chats_window = chats[chats["sent_at"].dt.normalize().between(lo_chase, day)]
            out = outreach(chats_window) if len(chats_window) else empty
        else:
            stats = store.read(data_dir, "agent_stats", first, day)
            if not stats.empty and bool((pd.to_datetime(stats["date"]).dt.normalize()
                                         == day).any()):
                mode = "agent_stats"
                kpis = kpis_from_agent_stats(stats)
            else:
                mode = "none"
                kpis = pd.DataFrame(columns=["date", "agent", "sessions"])
        traffic = store.read(data_dir, "traffic", first, day)
        reminders = store.read(data_dir, "reminders", lo, None)
        callbacks = store.read(data_dir, "callbacks", day, day)
        return cls(period, lang, p, settings, data_dir, mode, orders, kpis, sessions, out,
                   traffic, reminders, callbacks, chats_window, as_of)

    # ------------------------------------------------------------------ helpers
    def _t(self, key: str) -> str:
        return label(key, self.lang)

    @property
    def day(self) -> pd.Timestamp:
        return pd.Timestamp(self.period.start)

    @property
    def has_messages(self) -> bool:
        return self.mode == "messages"

    @property
    def provisional(self) -> bool:
        """True when the day's inquiries are still inside their follow-up window."""
        if self.as_of is None or pd.isna(self.as_of):
            return True
        return bool(self.day + pd.Timedelta(days=int(self.params["followup_days"]) + 1)
                    > self.as_of)

    def _day_kpis(self) -> pd.DataFrame:
        k = self.kpis
        return k[pd.to_datetime(k["date"]) == self.day] if len(k) else k

    def _paid(self) -> pd.DataFrame:
        if "paid_at" not in self.orders.columns:
            return pd.DataFrame(columns=["order_id", "paid_at", "amount", "date"])
        return sales_metrics.paid_orders(self.orders)

    def _paid_day(self) -> pd.DataFrame:
        paid = self._paid()
        return paid[paid["date"] == self.day]

    def _kinds(self, columns) -> dict[str, str]:
        return {c: KINDS[c] for c in columns if c in KINDS}

    def _style(self, df: pd.DataFrame, caption: str | None = None,
               suffix: dict[str, str] | None = None):
        """Relabel the columns (plus an optional suffix, e.g. ` *`) and format them by kind
        for the HTML."""
        suffix = suffix or {}
        name = {c: self._t(str(c)) + suffix.get(str(c), "") for c in df.columns}
        kinds = self._kinds(df.columns)
        fmt = {name[c]: FORMATS[k] for c, k in kinds.items() if k in FORMATS}
        dates = {name[c]: (lambda v, k=k: "–" if pd.isna(v) else
                           (f"{v:%m-%d %H:%M}" if k == "datetime" else f"{v:%m-%d}"))
                 for c, k in kinds.items() if k in ("datetime", "date")}
        out = df.rename(columns=name)
        styler = out.style.format({**fmt, **dates}, na_rep="–").hide(axis="index")
        text = [name[c] for c in df.columns if c not in kinds]
        if text:
            styler = styler.set_properties(subset=text, **{"text-align": "left"})
        if caption:
            styler = styler.set_caption(caption)
        return styler

    def _note(self, text: str, cls: str = "note") -> HTML:
        return HTML(f'<p class="{cls}">{html.escape(text)}</p>')

    # ------------------------------------------------------------------ daily series
    def _attributed(self) -> pd.DataFrame:
        """Paid orders of the 29 days with attribution (field / session / silent)."""
        if hasattr(self, "_attr_cache"):
            return self._attr_cache
        paid = self._paid()
        paid = paid[paid["date"].between(self.day - pd.Timedelta(days=HISTORY_DAYS), self.day)]
        if self.has_messages and len(self.sessions):
            att = attribute_orders(paid.drop(columns=["date", "hour", "pay_slot", "_amount",
                                                      "_qty", "_refund", "_cust"]),
                                   self.sessions, self.params)
            paid = paid.assign(attribution=att["attribution"].to_numpy(),
                               credited_agent=att["credited_agent"].to_numpy())
        else:
            has_agent = (paid["agent"].astype("string").str.strip().fillna("") != ""
                         if "agent" in paid.columns else pd.Series(False, index=paid.index))
            attribution = pd.Series("field", index=paid.index, dtype=object).where(has_agent)
            paid = paid.assign(attribution=attribution, credited_agent=paid.get("agent"))
        self._attr_cache = paid
        return paid

    def shop_daily(self) -> pd.DataFrame:
        """One row per date of the 29 days: the shop's headline metrics (and the same-day
        inquiry conversion the anomalies use)."""
        if hasattr(self, "_shop_cache"):
            return self._shop_cache
        dates = pd.date_range(self.day - pd.Timedelta(days=HISTORY_DAYS), self.day, name="date")
        out = pd.DataFrame(index=dates)
        paid = self._attributed()
        if len(paid):
            s = sales_metrics.sales_metrics(paid, by=["date"], params=self.params)
            s = s.set_index("date")
            out["sales"] = s["sales"]
            out["paid_orders"] = s["orders"]
            out["buyers"] = s["buyers"]
            out["aov"] = s["aov"]
            if self.has_messages:  # silent orders need sessions (METRICS.md §4)
                g = paid.groupby("date")["attribution"]
                out["agent_orders"] = g.apply(lambda a: a.isin(["field", "session"]).sum())
                out["silent_orders"] = g.apply(lambda a: (a == "silent").sum())
        for c in ("sales", "paid_orders", "buyers", "agent_orders", "silent_orders"):
            if c in out.columns:
                out[c] = out[c].fillna(0)
        out["orders"] = out.get("paid_orders")
        if not self.traffic.empty and "uv" in self.traffic.columns:
            uv = traffic_uv(self.traffic).groupby("date")["uv"].sum(min_count=1)
            out["uv"] = uv
            out["daily_store_conversion"] = out["buyers"] / out["uv"].where(out["uv"] > 0)
        k = self.kpis
        if len(k):
            k = k.assign(date=pd.to_datetime(k["date"]).dt.normalize())
            num = k.groupby("date")[["sessions", "replied", "inquiries", "inquiry_buyers",
                                     "slow_sessions", "long_sessions"]].sum(min_count=1)
            for c in num.columns:
                out[c] = num[c].astype("float64")
            out["reply_rate"] = out["replied"] / out["sessions"].where(out["sessions"] > 0)
            out["inquiry_conversion"] = (out["inquiry_buyers"]
                                         / out["inquiries"].where(out["inquiries"] > 0))
            if self.has_messages:
                s = self.sessions
                fr = s.groupby("date")["first_response_s"]
                out["first_response_s"] = fr.mean()
                out["first_response_p90_s"] = fr.quantile(0.9)
                oc = inquiry_outcomes(self.sessions, self.orders, self.params,
                                      as_of=self.as_of)
                same = oc["first_paid_at"] < (oc["date"] + pd.Timedelta(days=1))
                g = same.groupby(oc["date"])
                out["same_day_conversion"] = g.sum() / g.size()
            else:
                w = k["sessions"] * k["first_response_s"]
                out["first_response_s"] = (w.groupby(k["date"]).sum(min_count=1)
                                           / k["sessions"].where(k["first_response_s"].notna())
                                           .groupby(k["date"]).sum(min_count=1))
        self._shop_cache = out.reset_index()
        return self._shop_cache

    # ------------------------------------------------------------------ lists
    def reminder_list(self) -> pd.DataFrame:
        """The day's payment-reminder list (unmasked: `followups.reminder_list`)."""
        if not hasattr(self, "_rem_cache"):
            self._rem_cache = followups.reminder_list(
                self.orders, self.reminders, self.day,
                remind_after_h=self.settings["remind_after_h"],
                remind_window_days=self.settings["remind_window_days"],
                sessions=self.sessions if len(self.sessions) else None)
        return self._rem_cache

    def chase_list(self) -> pd.DataFrame:
        """The day's chase list (unmasked: `followups.chase_list`); empty without messages."""
        if not hasattr(self, "_chase_cache"):
            if not self.has_messages:
                self._chase_cache = pd.DataFrame(columns=followups.CHASE_COLUMNS)
            else:
                self._chase_cache = followups.chase_list(
                    self.sessions, self.orders, self.outreach, self.day,
                    followup_days=int(self.params["followup_days"]),
                    max_chases=int(self.settings["max_chases"]), chats=self.chats_window,
                    exclude_customers=self.reminder_list()["customer_id"].dropna())
        return self._chase_cache

    # ------------------------------------------------------------------ anomalies
    def findings(self) -> list[anomalies.Finding]:
        if not hasattr(self, "_findings"):
            daily = self.shop_daily()
            shop = daily[["date", *[c for c in ("sales", "orders", "uv", "inquiries")
                                    if c in daily.columns]]].copy()
            if "same_day_conversion" in daily.columns:
                shop["inquiry_conversion"] = daily["same_day_conversion"]
            self._findings = anomalies.find_anomalies(shop, self.kpis, self.day, self.settings)
        return self._findings

    def anomalies_table(self) -> pd.DataFrame:
        rows = [{"daily_scope": self._t("daily_shop") if f.scope == "shop" else f.scope,
                 "daily_finding": f.text(self.lang)} for f in self.findings()]
        return pd.DataFrame(rows, columns=["daily_scope", "daily_finding"])

    def anomalies_html(self) -> HTML:
        found = self.findings()
        if not found:
            return self._note(self._t("daily_no_anomalies"))
        items = "".join(f"<li>{html.escape(f.text(self.lang))}</li>" for f in found)
        return HTML(f"<ul>{items}</ul>")

    # ------------------------------------------------------------------ headline
    def headline_frame(self) -> pd.DataFrame:
        """metric, the day's value, the median of the same weekday in the 4 weeks before, kind."""
        daily = self.shop_daily().set_index("date")
        same = [self.day - pd.Timedelta(weeks=k) for k in range(1, 5)]
        counts = {"daily_chase_count": len(self.chase_list()) if self.has_messages else np.nan,
                  "daily_reminder_count": len(self.reminder_list())}
        rows = []
        for key, kind in HEADLINE:
            if key in counts:
                value, base = counts[key], np.nan
            elif key in daily.columns:
                value = daily.at[self.day, key] if self.day in daily.index else np.nan
                base = daily[key].reindex(same).median()
            else:
                value, base = np.nan, np.nan
            rows.append({"key": key, "kind": kind, "value": value, "base": base})
        return pd.DataFrame(rows)

    def headline_table(self):
        """The day against the same weekday of the 4 weeks before."""
        h = self.headline_frame()
        rows = []
        for r in h.itertuples(index=False):
            name = self._t(r.key)
            if r.key == "inquiry_conversion" and self.provisional:
                name += " *"
            if pd.isna(r.value) or pd.isna(r.base):
                change = "–"
            elif r.kind == "rate":
                change = f"{(r.value - r.base) * 100:+.1f} {self._t('daily_points')}"
            else:
                rel = round(r.value / r.base - 1, 2) if r.base else np.nan
                change = "–" if pd.isna(rel) else ("0%" if rel == 0 else f"{rel:+.0%}")
            rows.append({self._t("metric"): name, self._t("daily_day"): _fmt(r.value, r.kind),
                         self._t("daily_avg_weekday"): _fmt(r.base, r.kind),
                         self._t("daily_vs_avg"): change})
        table = (pd.DataFrame(rows).style.hide(axis="index")
                 .set_properties(subset=[self._t("metric")], **{"text-align": "left"}))
        if self.provisional:
            table = table.set_caption(self._t("provisional_note"))
        return table

    # ------------------------------------------------------------------ deals
    def _top(self, by: str, n: int, sort: str = "orders") -> pd.DataFrame:
        paid = self._paid_day()
        if paid.empty or by not in paid.columns:
            return pd.DataFrame(columns=[by, "orders", "sales", "daily_share_orders",
                                         "daily_share_sales"])
        s = sales_metrics.sales_metrics(paid.assign(**{by: paid[by].fillna("–")}), by=[by],
                                        params=self.params)
        s = s.sort_values([sort, "sales" if sort == "orders" else "orders"], ascending=False,
                          kind="stable")
        top, rest = s.head(n), s.iloc[n:]
        out = top[[by, "orders", "sales", "items"]].copy()
        if len(rest):
            out = pd.concat([out, pd.DataFrame({by: [self._t("daily_other")],
                                                "orders": [rest["orders"].sum()],
                                                "sales": [rest["sales"].sum()],
                                                "items": [rest["items"].sum()]})],
                            ignore_index=True)
        out["daily_share_orders"] = out["orders"] / s["orders"].sum()
        out["daily_share_sales"] = out["sales"] / s["sales"].sum() if s["sales"].sum() else np.nan
        return out.reset_index(drop=True)

    def province_frame(self) -> pd.DataFrame:
        return self._top("province", int(self.settings["top_provinces"]))[
            ["province", "orders", "sales", "daily_share_orders"]]

    def product_frame(self) -> pd.DataFrame:
        return self._top("product", int(self.settings["top_products"]), sort="sales")[
            ["product", "orders", "items", "sales", "daily_share_sales"]]

    def pay_slot_frame(self) -> pd.DataFrame:
        """Per payment time slot: orders, agent-served and silent orders, sales, share."""
        paid = self._attributed()
        paid = paid[paid["date"] == self.day]
        cols = ["pay_slot", "orders", "agent_orders", "silent_orders", "sales",
                "daily_share_orders"]
        if paid.empty:
            return pd.DataFrame(columns=cols)
        g = paid.groupby("pay_slot", sort=True)
        out = pd.DataFrame({"orders": g.size(), "sales": g["_amount"].sum(),
                            "agent_orders": g["attribution"].apply(
                                lambda a: a.isin(["field", "session"]).sum()),
                            "silent_orders": g["attribution"].apply(lambda a: (a == "silent")
                                                                    .sum())})
        if not self.has_messages:
            out["silent_orders"] = np.nan
        out["daily_share_orders"] = out["orders"] / out["orders"].sum()
        return out.reset_index()[cols]

    def provinces_table(self):
        return self._style(self.province_frame())

    def products_table(self):
        return self._style(self.product_frame())

    def pay_slots_table(self):
        return self._style(self.pay_slot_frame())

    def provinces_block(self) -> HTML:
        """The provinces chart beside its table."""
        return _side(self.provinces_chart(), self.provinces_table())

    def pay_slots_block(self) -> HTML:
        return _side(self.pay_slots_chart(), self.pay_slots_table())

    def products_block(self) -> HTML:
        return _side(self.products_chart(), self.products_table())

    def provinces_chart(self):
        df = self.province_frame()
        df = df[df["province"] != self._t("daily_other")]
        if df.empty:
            return None
        ax = charts.bar(df, "province", "orders", horizontal=True,
                       title=f"{self._t('paid_orders')} · {self._t('daily_provinces')}",
                       xlabel="", ylabel=self._t("paid_orders"))
        ax.figure.set_size_inches(CHART_W, max(2.6, 0.3 * len(df) + 0.9))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        return _done(ax.figure)

    def products_chart(self):
        df = self.product_frame()
        df = df[df["product"] != self._t("daily_other")]
        if df.empty:
            return None
        ax = charts.bar(df, "product", "sales", horizontal=True,
                       title=f"{self._t('sales')} · {self._t('daily_products')}",
                       xlabel="", ylabel=self._t("sales"), fmt="¥{:,.0f}")
        ax.figure.set_size_inches(CHART_W, max(2.6, 0.3 * len(df) + 0.9))
        ax.set_xlim(0, df["sales"].max() * 1.18)
        return _done(ax.figure)

    def pay_slots_chart(self):
        """Orders by hour paid, agent-served and silent stacked (all 24 hours shown)."""
        df = self.pay_slot_frame()
        if df.empty:
            return None
        hours = df["pay_slot"].str.slice(0, 2).astype(int)
        agent = pd.Series(0.0, index=range(24))
        silent = pd.Series(0.0, index=range(24))
        total = pd.Series(0.0, index=range(24))
        agent[hours.to_numpy()] = df["agent_orders"].to_numpy(dtype=float)
        total[hours.to_numpy()] = df["orders"].to_numpy(dtype=float)
        fig, ax = plt.subplots(figsize=(CHART_W, 3.4))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        if self.has_messages:
            silent[hours.to_numpy()] = df["silent_orders"].fillna(0).to_numpy(dtype=float)
            other = total - agent - silent
            ax.bar(range(24), agent, color="C0", label=self._t("agent_orders"))
            ax.bar(range(24), silent, bottom=agent, color="#b8c4d6",
                   label=self._t("silent_orders"))
            if other.sum() > 0:
                ax.bar(range(24), other, bottom=agent + silent, color="#dddddd",
                       label=self._t("daily_attr_unknown"))
            ax.legend(frameon=False, loc="upper left")
        else:
            ax.bar(range(24), total, color="C0", label=self._t("paid_orders"))
        ax.set_xticks(range(0, 24, 2))
        ax.set_xlim(-0.6, 23.6)
        ax.set(title=f"{self._t('paid_orders')} · {self._t('daily_pay_slots')}",
               xlabel=self._t("daily_hour"), ylabel=self._t("paid_orders"))
        import seaborn as sns

        sns.despine(ax=ax)
        return _done(fig)

    # ------------------------------------------------------------------ agents
    def agent_frame(self) -> pd.DataFrame:
        """The day's per-agent table (the `csops kpis` numbers), sorted by sales, with a total
        row."""
        k = self._day_kpis()
        if k.empty:
            return pd.DataFrame(columns=AGENT_COLUMNS)
        k = k.copy()
        for c in AGENT_COLUMNS:
            if c not in k.columns:
                k[c] = np.nan
        k = k.sort_values(["sales", "sessions"], ascending=False, kind="stable")
        out = k[AGENT_COLUMNS].reset_index(drop=True)
        tot: dict[str, Any] = {"agent": self._t("daily_total")}
        num = lambda c: pd.to_numeric(out[c], errors="coerce").astype("float64")  # noqa: E731
        for c in ("sessions", "presale_sessions", "inquiries", "inquiry_buyers", "orders",
                  "sales", "slow_sessions", "long_sessions"):
            tot[c] = num(c).sum(min_count=1)
        tot["max_concurrent"] = num("max_concurrent").max()
        sess = num("sessions")
        replied = pd.to_numeric(k["replied"], errors="coerce").astype("float64").to_numpy()
        tot["reply_rate"] = (np.nansum(replied) / tot["sessions"]
                             if tot["sessions"] else np.nan)
        tot["inquiry_conversion"] = (tot["inquiry_buyers"] / tot["inquiries"]
                                     if tot["inquiries"] else np.nan)
        daily = self.shop_daily().set_index("date")
        tot["first_response_s"] = (daily.at[self.day, "first_response_s"]
                                   if "first_response_s" in daily.columns else np.nan)
        if self.has_messages:
            s = self.sessions[self.sessions["date"] == self.day]
            tot["avg_response_s"] = s["avg_response_s"].mean()
        else:
            w = sess * num("avg_response_s")
            tot["avg_response_s"] = w.sum(min_count=1) / sess[num("avg_response_s").notna()].sum()
        out = pd.concat([out, pd.DataFrame([tot])], ignore_index=True)
        if not self.has_messages:  # what the platform export does not carry
            out = out.drop(columns=[c for c in out.columns if c != "agent"
                                    and out[c].isna().all() or c in ("long_sessions",
                                                                      "max_concurrent")])
        return out

    def agent_table(self):
        df = self.agent_frame()
        caption = []
        if self.provisional:
            caption.append(self._t("provisional_note"))
        if self.mode == "agent_stats":
            caption.append(self._t("daily_stats_source"))
        styler = self._style(df, " ".join(caption) or None,
                             suffix={"inquiry_conversion": " *"} if self.provisional else None)
        last = len(df) - 1
        return styler.apply(lambda r: ["font-weight: bold" if r.name == last else ""
                                       for _ in r], axis=1)

    def funnel_chart(self):
        """Per agent: inquiries → inquiry buyers → orders credited (grouped bars)."""
        df = self.agent_frame()
        df = df[df["agent"] != self._t("daily_total")]
        df = df[pd.to_numeric(df["inquiries"], errors="coerce").fillna(0) > 0]
        if df.empty:
            return None
        cols = [c for c in ("inquiries", "inquiry_buyers", "orders")
                if c in df.columns and pd.to_numeric(df[c], errors="coerce").notna().any()]
        long = df.melt(id_vars="agent", value_vars=cols, var_name="what", value_name="n")
        long["n"] = pd.to_numeric(long["n"], errors="coerce").astype("float64")
        long["what"] = long["what"].map(lambda c: self._t("daily_orders_credited" if c == "orders"
                                                           else c))
        import seaborn as sns

        fig, ax = plt.subplots(figsize=(CHART_W, 3.4))
        sns.barplot(data=long, x="agent", y="n", hue="what", ax=ax,
                    palette=["#b8c4d6", "C0", "C2"][:len(cols)])
        for container in ax.containers:
            ax.bar_label(container, fmt="%.0f", fontsize=7, padding=1)
        ax.set(title=self._t("daily_funnel"), xlabel="", ylabel="")
        ax.legend(title="", frameon=False, ncols=len(cols), loc="upper right")
        ax.set_ylim(0, long["n"].max() * 1.3)
        sns.despine(ax=ax)
        return _done(fig)

    def agent_charts(self) -> HTML:
        """The funnel chart beside the response-time distribution."""
        return _side(self.funnel_chart(), self.response_chart())

    def response_chart(self):
        """Distribution of the day's session first-response times per agent (box plot),
        with the slow-answer threshold; needs message logs."""
        if not self.has_messages:
            return None
        s = self.sessions[(self.sessions["date"] == self.day)
                          & self.sessions["first_response_s"].notna()]
        if s.empty:
            return None
        import seaborn as sns

        order = (s.groupby("agent")["first_response_s"].median().sort_values().index.tolist())
        cap = max(float(self.params["slow_gap_s"]) * 5, 600.0)
        data = s.assign(first_response_s=s["first_response_s"].clip(upper=cap))
        fig, ax = plt.subplots(figsize=(CHART_W, max(3.4, 0.3 * len(order) + 1.0)))
        sns.boxplot(data=data, y="agent", x="first_response_s", order=order, ax=ax,
                    color="#b8c4d6", fliersize=2, width=0.6)
        ax.axvline(float(self.params["slow_gap_s"]), color="C3", lw=1, ls="--",
                   label=f"{self._t('daily_slow_line')} {self.params['slow_gap_s']:.0f}s")
        ax.legend(loc="lower right", frameon=False, fontsize=8)
        ax.set(title=self._t("daily_response_distribution"), ylabel="",
               xlabel=f"{self._t('first_response_s')} (≤ {cap:.0f})")
        sns.despine(ax=ax)
        return _done(fig)

    # ------------------------------------------------------------------ served vs silent
    def served_frame(self) -> pd.DataFrame:
        paid = self._attributed()
        paid = paid[paid["date"] == self.day]
        cols = ["daily_attribution", "orders", "sales", "daily_share_orders",
                "daily_share_sales"]
        if paid.empty:
            return pd.DataFrame(columns=cols)
        kind = paid["attribution"].astype(object).where(paid["attribution"].notna(), "unknown")
        g = paid.groupby(kind)
        out = pd.DataFrame({"orders": g.size(), "sales": g["_amount"].sum()})
        order = ["field", "session", "silent", "unknown"]
        out = out.reindex([o for o in order if o in out.index])
        out["daily_share_orders"] = out["orders"] / out["orders"].sum()
        out["daily_share_sales"] = (out["sales"] / out["sales"].sum()
                                    if out["sales"].sum() else np.nan)
        out.index = [self._t(f"daily_attr_{o}") for o in out.index]
        out = out.rename_axis("daily_attribution").reset_index()
        total = {"daily_attribution": self._t("daily_total"), "orders": out["orders"].sum(),
                 "sales": out["sales"].sum(), "daily_share_orders": 1.0,
                 "daily_share_sales": 1.0 if out["sales"].sum() else np.nan}
        return pd.concat([out, pd.DataFrame([total])], ignore_index=True)[cols]

    def served_table(self):
        if not self.has_messages:
            return self._note(self._t("daily_needs_messages_one").format(
                section=self._t("daily_served")))
        df = self.served_frame()
        if df.empty:
            return self._note(self._t("daily_no_orders"))
        return self._style(df)

    # ------------------------------------------------------------------ lists (shown)
    def chase_frame(self) -> pd.DataFrame:
        c = self.chase_list()
        out = pd.DataFrame({
            "daily_customer": mask_customer_id(c["customer_id"].astype("string")).astype(object),
            "agent": c["agent"],
            "daily_last_session_at": pd.to_datetime(c["last_session_at"]),
            "daily_window_last_day": pd.to_datetime(c["window_last_day"]),
            "daily_days_left": pd.to_numeric(c["days_left"]).astype("Int64"),
            "daily_products_asked": c["products"],
            "daily_times_chased": pd.to_numeric(c["times_chased"]).astype("Int64"),
        })
        if out["daily_products_asked"].isna().all():
            out = out.drop(columns="daily_products_asked")  # not derivable from this data
        return out

    def chase_by_agent(self) -> pd.DataFrame:
        c = self.chase_list()
        if c.empty:
            return pd.DataFrame(columns=["agent", "daily_customers", "daily_last_day_tomorrow"])
        g = c.groupby("agent")
        out = pd.DataFrame({"daily_customers": g.size(),
                            "daily_last_day_tomorrow": g["days_left"].apply(lambda d: (d == 1)
                                                                            .sum())})
        out = out.sort_values("daily_customers", ascending=False).reset_index()
        total = {"agent": self._t("daily_total"), "daily_customers": out["daily_customers"].sum(),
                 "daily_last_day_tomorrow": out["daily_last_day_tomorrow"].sum()}
        return pd.concat([out, pd.DataFrame([total])], ignore_index=True)

    def chase_section(self) -> list:
        """Summary line, count per agent, and the most urgent rows."""
        if not self.has_messages:
            return [self._note(self._t("daily_needs_messages_one").format(
                section=self._t("daily_chase")))]
        c = self.chase_list()
        if c.empty:
            return [self._note(self._t("daily_chase_none"))]
        n, rows = len(c), int(self.settings["list_rows"])
        parts = [self._note(self._t("daily_chase_summary").format(
            n=n, k=self.settings["max_chases"], t=int((c["days_left"] == 1).sum()))),
            self._style(self.chase_by_agent())]
        if n > rows:
            parts.append(self._note(self._t("daily_first_rows").format(rows=rows, n=n)))
        parts.append(self._style(self.chase_frame().head(rows)))
        return parts

    def reminder_frame(self) -> pd.DataFrame:
        r = self.reminder_list()
        return pd.DataFrame({
            "daily_customer": mask_customer_id(r["customer_id"].astype("string")).astype(object),
            "daily_order_id": r["order_id"], "store": r["store"], "product": r["product"],
            "daily_order_amount": pd.to_numeric(r["order_amount"]).astype("float64"),
            "daily_created_at": pd.to_datetime(r["created_at"]),
            "daily_hours_waiting": pd.to_numeric(r["hours_waiting"]).astype("float64"),
            "agent": r["agent"],
        })

    def reminder_section(self) -> list:
        r = self.reminder_list()
        if r.empty:
            return [self._note(self._t("daily_reminder_none"))]
        n, rows = len(r), int(self.settings["list_rows"])
        amount = pd.to_numeric(r["order_amount"], errors="coerce").sum()
        parts = [self._note(self._t("daily_reminder_summary").format(
            n=n, h=self.settings["remind_after_h"], amount=amount))]
        if n > rows:
            parts.append(self._note(self._t("daily_first_rows").format(rows=rows, n=n)))
        parts.append(self._style(self.reminder_frame().head(rows)))
        return parts

    # ------------------------------------------------------------------ callbacks
    def callback_frame(self) -> pd.DataFrame:
        from csops_lib.metrics.callbacks import callback_summary

        cb = self.callbacks
        cols = ["agent", "daily_cb_planned", "daily_cb_called", "daily_cb_reached",
                "daily_cb_satisfied", "daily_cb_problems", "daily_cb_reach_rate",
                "daily_cb_satisfaction_rate"]
        if cb.empty or "result" not in cb.columns:
            return pd.DataFrame(columns=cols)
        cb = cb.assign(agent=cb["agent"] if "agent" in cb.columns else np.nan)
        by = callback_summary(cb, by=("agent",))
        tot = callback_summary(cb, by=()).assign(agent=self._t("daily_total"))
        out = pd.concat([by, tot], ignore_index=True)
        out = out.rename(columns={c: f"daily_cb_{c}" for c in
                                  ("planned", "called", "reached", "satisfied", "problems",
                                   "reach_rate", "satisfaction_rate")})
        return out[cols]

    def callbacks_table(self):
        df = self.callback_frame()
        if df.empty:
            return self._note(self._t("daily_no_callbacks"))
        return self._style(df)

    # ------------------------------------------------------------------ text
    def needs_messages_note(self) -> str | None:
        """The one line saying which sections need message logs (agent_stats mode)."""
        if self.mode != "agent_stats":
            return None
        names = [self._t(_NEEDS_LABEL.get(k, k)) for k in NEEDS_MESSAGES_HERE]
        names.append(self._t("daily_served"))
        sep = "、" if self.lang == "zh" else ", "
        return self._t("daily_needs_messages").format(sections=sep.join(names))

    def title(self) -> HTML:
        d = self.period.start
        wd = WEEKDAYS[self.lang][d.weekday()]
        toc = "".join(f'<li><a href="#{k}">{html.escape(self._t(k))}</a></li>' for k in SECTIONS)
        as_of = ("" if self.as_of is None or pd.isna(self.as_of) else
                 f" · {self._t('daily_as_of')} {self.as_of:%Y-%m-%d %H:%M}")
        notes = []
        if self.mode == "agent_stats":
            notes.append(self.needs_messages_note())
        elif self.mode == "none":
            notes.append(self._t("daily_no_chats"))
        note_html = "".join(f'<p class="note"><b>{html.escape(n)}</b></p>' for n in notes)
        return HTML(
            f"<h1>{html.escape(self._t('daily_title'))} {d:%Y-%m-%d}</h1>"
            f"<p>{d:%Y-%m-%d} ({wd}){as_of} · {self._t('generated_at')} "
            f"{self.generated_at:%Y-%m-%d %H:%M}</p>{note_html}<ul>{toc}</ul>"
        )

    def section(self, key: str) -> HTML:
        return HTML(f'<h2 id="{key}">{html.escape(self._t(key))}</h2>')

    def subsection(self, key: str) -> HTML:
        return HTML(f"<h3>{html.escape(self._t(key))}</h3>")

    def workbook_note(self, xlsx_path: str | None) -> HTML | None:
        if not xlsx_path:
            return None
        return self._note(f"{self._t('daily_workbook')}: {Path(xlsx_path).name}")

    def _fill(self) -> _Params:
        values = _Params({**self.params, **self.settings})
        values["anomaly_pts_pts"] = f"{float(self.settings['anomaly_pts']) * 100:g}"
        return values

    def appendix_frame(self) -> pd.DataFrame:
        """The definitions (metric, definition) and then the thresholds (setting, value)."""
        return pd.concat([self.definitions_frame(), self.thresholds_frame().set_axis(
            ["metric", "definition"], axis=1)], ignore_index=True)

    def definitions_frame(self) -> pd.DataFrame:
        lang = 0 if self.lang == "zh" else 1
        fill = self._fill()
        rows = [{"metric": self._t(k), "definition": DEFINITIONS[k][lang].format_map(fill)}
                for k in APPENDIX_KEYS if k in DEFINITIONS]
        return pd.DataFrame(rows, columns=["metric", "definition"])

    def thresholds_frame(self) -> pd.DataFrame:
        rows = [{"daily_setting": k, "value": self._t("auto") if v is None else str(v)}
                for k, v in {**self.params, **self.settings}.items() if k != "data_dir"]
        return pd.DataFrame(rows, columns=["daily_setting", "value"])

    def appendix(self) -> HTML:
        """The metric definitions and the thresholds this report used."""
        left = {"text-align": "left"}
        heads = [{"selector": "th", "props": [("text-align", "left")]}]
        defs = (self.definitions_frame().rename(columns=self._t).style.hide(axis="index")
                .set_properties(**left).set_table_styles(heads))
        th = (self.thresholds_frame().rename(columns=self._t).style.hide(axis="index")
              .set_properties(**left).set_table_styles(heads))
        return HTML(defs.to_html() + f"<h3>{html.escape(self._t('daily_thresholds'))}</h3>"
                    + th.to_html())

    # ------------------------------------------------------------------ Excel
    def tables(self) -> dict[str, pd.DataFrame]:
        """The report's tables (raw values, labelled columns) for the Excel workbook: sheet
        name → DataFrame. The chase and reminder lists are complete here."""
        h = self.headline_frame()
        headline = pd.DataFrame({
            "metric": [self._t(k) + (" *" if k == "inquiry_conversion" and self.provisional
                                     else "") for k in h["key"]],
            "daily_day": h["value"].astype("float64"),
            "daily_avg_weekday": h["base"].astype("float64"),
        })
        sheets = {
            "headline": headline,
            "daily_anomalies": self.anomalies_table(),
            "daily_provinces": self.province_frame(),
            "daily_pay_slots": self.pay_slot_frame(),
            "daily_products": self.product_frame(),
            "daily_agents": self.agent_frame(),
            "daily_served": self.served_frame(),
            "daily_chase": self.chase_frame(),
            "daily_reminders": self.reminder_frame(),
            "daily_callbacks": self.callback_frame(),
            "appendix": self.appendix_frame(),
        }
        if not self.has_messages:
            sheets.pop("daily_chase")
            sheets.pop("daily_served")
        return {self._t(k): df.rename(columns=lambda c: self._t(str(c)))
                for k, df in sheets.items()}

    def _excel_formats(self) -> dict[str, str]:
        fmts = {self._t(c): EXCEL_KINDS.get(k, k) for c, k in KINDS.items()}
        fmts[self._t("metric")] = "text"
        fmts[self._t("definition")] = "text"
        return fmts

    def write_xlsx(self, path: str | Path) -> Path:
        """Write `tables()` to `path` (formatted headers, frozen header rows, number formats
        for money, rates and durations, fitted widths), atomically."""
        tables = self.tables()
        # the headline mixes kinds in one column: format each value cell after writing
        out = excel.write_workbook(path, tables, formats=self._excel_formats(), lang=self.lang,
                                   title=f"{self._t('daily_title')} {self.period.label}")
        from openpyxl import load_workbook

        wb = load_workbook(out)
        ws = wb[excel.sheet_names(tables)[0]]
        kinds = self.headline_frame()["kind"].tolist()
        for i, kind in enumerate(kinds):
            for col in (2, 3):
                cell = ws.cell(row=3 + i, column=col)
                cell.number_format = excel.NUMBER_FORMATS[kind]
        return excel.save_atomic(wb, out)
