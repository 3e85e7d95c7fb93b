"""The weekly (and monthly) review's tables and charts, built from the metric library.

`PeriodReview.load(data_dir, week)` (or `month="2026-10"`) reads the period and the periods
before it (4 weeks, or 3 months) from the store, computes every metric once — the agent-day
KPIs (`metrics.kpis.agent_kpis`), the sessions (`metrics.sessions.build_sessions`), the order
attribution (`metrics.attribution.attribute_orders`) — and offers the report's pieces as
methods that return styled tables, charts or HTML. The notebook only calls these and shows
them; `tables()` gives the same tables, labelled and PII-free, for the Excel workbook.

Shops without message logs: when the store has no chats in the period but has the
platform's per-agent export (`agent_stats`), the KPIs come from
`metrics.agent_stats.kpis_from_agent_stats`, the sections that need messages are skipped and
`data_note()` names them in one line.

`WeeklyReview` is the same class (the name the weekly notebook started with).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import HTML

from csops_lib import periods, store
from csops_lib.metrics import kpis as kpi_metrics
from csops_lib.metrics import questions
from csops_lib.metrics import sales as sales_metrics
from csops_lib.metrics.agent_stats import NEEDS_MESSAGES, kpis_from_agent_stats
from csops_lib.metrics.attribution import attribute_orders
from csops_lib.metrics.callbacks import callback_summary
from csops_lib.metrics.conversion import traffic_uv
from csops_lib.metrics.refunds import refund_metrics
from csops_lib.metrics.sessions import build_sessions
from csops_lib.render.labels import DEFINITIONS, label
from csops_lib.settings.shop import PARAM_DOCS, load_shop_params

#: how many earlier periods the report compares with (the average is over these)
HISTORY = {"week": 4, "month": 3}
HISTORY_WEEKS = HISTORY["week"]  # kept for callers of the first version
WEEKDAYS = {"zh": ["周一", "周二", "周三", "周四", "周五", "周六", "周日"],
            "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]}
#: number formats of the HTML tables, by kind (the workbook uses excel.NUMBER_FORMATS)
FORMATS = {"money": "¥{:,.2f}", "count": "{:,.0f}", "rate": "{:.1%}", "seconds": "{:,.1f}",
           "hours": "{:,.1f}", "score": "{:.2f}", "change": "{:+.1%}"}
#: kinds for the workbook (excel.write_workbook) of the HTML kinds
EXCEL_KINDS = {"money": "money", "count": "count", "rate": "rate", "seconds": "seconds",
               "hours": "number", "score": "number", "change": "rate", "date": "date",
               "text": "text"}

#: the kind of every column key the report shows (text when absent)
KINDS: dict[str, str] = {
    **dict.fromkeys(["sales", "aov", "agent_sales", "silent_sales", "wr_field_sales",
                     "wr_session_sales", "wr_refund_amount"], "money"),
    **dict.fromkeys(["orders", "paid_orders", "buyers", "sessions", "inquiries",
                     "inquiry_buyers", "slow_sessions", "long_sessions", "max_concurrent", "uv",
                     "rank", "agent_orders", "silent_orders", "wr_refunds", "wr_closed_refunds",
                     "wr_cb_planned", "wr_cb_called", "wr_cb_reached", "wr_cb_satisfied",
                     "wr_cb_problems", "wr_messages", "wr_customers", "wr_count"], "count"),
    **dict.fromkeys(["reply_rate", "inquiry_conversion", "wr_store_conversion",
                     "wr_silent_share", "wr_self_resolved_rate", "wr_dispute_rate",
                     "wr_reach_rate", "wr_satisfaction_rate", "share", "wr_orders_per_uv"],
                    "rate"),
    **dict.fromkeys(["first_response_p50_s", "first_response_p90_s", "first_response_s"],
                    "seconds"),
    **dict.fromkeys(["wr_refund_p50_h", "wr_refund_p90_h"], "hours"),
    **dict.fromkeys(["wr_dsr_description", "wr_dsr_service", "wr_dsr_logistics"], "score"),
    "wr_sales_change": "change",
    "date": "date",
}

#: headline rows: (key, better) — better: +1 higher is better, −1 lower is better, 0 neutral
HEADLINE = [
    ("sales", 1), ("paid_orders", 1), ("buyers", 1), ("aov", 1), ("uv", 1),
    ("wr_store_conversion", 1), ("wr_silent_share", 0), ("sessions", 0), ("reply_rate", 1),
    ("first_response_p50_s", -1), ("first_response_p90_s", -1), ("first_response_s", -1),
    ("inquiries", 1), ("inquiry_conversion", 1), ("slow_sessions", -1), ("long_sessions", -1),
    ("wr_refunds", -1), ("wr_refund_p50_h", -1), ("wr_satisfaction_rate", 1),
    ("wr_dsr_service", 1),
]
#: sections in report order (the table of contents lists those the data allows)
SECTIONS = ["headline", "daily_sales", "wr_conversion", "wr_attribution", "wr_heatmap",
            "regions", "wr_callbacks", "wr_refunds_section", "wr_dsr", "wr_response",
            "wr_questions", "agents", "wr_team", "appendix"]
#: sections that need message-level chat logs (besides NEEDS_MESSAGES' metrics)
MESSAGE_SECTIONS = ("wr_attribution", "wr_response", "wr_questions")
#: NEEDS_MESSAGES keys this report shows: a metric (its own label) or a whole section
REPORT_NEEDS = {"long_sessions": "long_sessions", "max_concurrent": "max_concurrent",
                "response_distribution": "wr_response", "frequent_questions": "wr_questions"}
#: definitions printed in the appendix (when registered), in this order
APPENDIX_KEYS = ["sales", "buyers", "aov", "wr_store_conversion", "wr_silent_share",
                 "wr_orders_per_uv", "sessions", "reply_rate", "first_response_p50_s",
                 "inquiries", "inquiry_conversion", "slow_sessions", "long_sessions",
                 "max_concurrent", "wr_refund_p50_h", "wr_self_resolved_rate",
                 "wr_dispute_rate", "wr_satisfaction_rate", "wr_questions", "wr_average"]
#: shop parameters printed in the appendix, with their zh meaning (en: params.PARAM_DOCS)
PARAM_ZH = {
    "slow_gap_s": "回复慢于此秒数即为一次慢响应",
    "slow_times": "慢响应次数多于此数的会话为慢响应会话",
    "long_wait_s": "任一轮等待超过此秒数的会话为长接待",
    "concurrency_window_s": "最大同时接待的时间窗口（± 秒）",
    "followup_days": "询单转化与销售归属的跟进窗口：会话开始至 D+此天数 日结束",
    "after_sales_lookback_days": "无类型时：此天数内有付款的买家会话算售后",
    "sla_answer_s": "3分钟响应率：此秒数内回复",
    "sla_hours": "3分钟响应率统计的时段 [起, 止) 点",
    "platform_hours": "旺旺人工平响统计的时段 [起, 止) 点",
    "platform_cap_s": "旺旺人工平响：每轮等待封顶秒数（未回复按此计）",
    "amount_return_base": "金额退货率的分母：gross（实付+退款）或 sales（实付）",
    "as_of": "暂定转化的数据截止时间；空 = 数据中的最新时间",
}



def _done(fig):
    """Close a finished figure (so it is not drawn twice) and return it for `display`."""
    plt.close(fig)
    return fig


def _fmt(value: Any, kind: str) -> str:
    return "–" if value is None or pd.isna(value) else FORMATS[kind].format(value)


def _sum(df: pd.DataFrame, by, cols) -> pd.DataFrame:
    """Group sums that stay NaN when every value is missing (agent_stats lacks some counts)."""
    g = df.groupby(by)[list(cols)]
    return g.sum(min_count=1).astype("float64")


def _div(a, b):
    b = pd.to_numeric(b, errors="coerce")
    if isinstance(b, pd.Series):
        return pd.to_numeric(a, errors="coerce") / b.where(b != 0)
    return np.nan if (b is None or pd.isna(b) or b == 0) else a / b


@dataclass
class PeriodReview:
    """Everything the weekly or monthly review shows, for one week or month."""

    period: periods.Period
    lang: str
    params: dict[str, Any]
    data_dir: Path
    orders: pd.DataFrame          # orders read (paid and unpaid), creation days around the span
    kpis: pd.DataFrame            # agent-day KPIs over the span (agent_kpis or agent_stats)
    sessions: pd.DataFrame | None  # build_sessions over the span; None without message logs
    attributed: pd.DataFrame | None  # paid orders of the span with attribution
    messages: pd.DataFrame        # customer messages of the period (text) for the questions
    refunds: pd.DataFrame
    traffic: pd.DataFrame
    callbacks: pd.DataFrame
    dsr: pd.DataFrame
    roster: pd.DataFrame
    source: str                   # "chats" | "agent_stats" | "none"
    data_start: dt.date | None
    data_end: dt.date | None
    top_questions: int = 15
    generated_at: dt.datetime = field(default_factory=dt.datetime.now)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, data_dir: str | Path, week: str | None = None, *, month: str | None = None,
             period: str = "week", lang: str = "zh", params: dict[str, Any] | None = None,
             top_questions: int = 15) -> PeriodReview:
        """Read the store and compute everything for the period and the periods before it.

        `month` (e.g. "2026-10") or `period="month"` gives the monthly review (the month
        against the previous month and the 3-month average); else the ISO `week` (default:
        the last complete week in the data) against the previous week and the 4-week average.
        """
        data_dir = Path(data_dir)
        if period not in HISTORY:
            raise ValueError(f"period must be week or month, not {period!r}")
        label("wr_period", lang)  # validates lang
        span = store.date_range(data_dir, "orders")
        if span is None:
            raise FileNotFoundError(f"no orders in the store {data_dir}: run `csops ingest` first")
        kind = "month" if (month or period == "month") else "week"
        per = periods.resolve(kind, (month if kind == "month" else week) or None,
                              data_end=span[1])
        p = dict(params or load_shop_params())
        first = per.shift(-HISTORY[kind]).start
        fd = int(p["followup_days"])
        # orders are partitioned by creation day: read back far enough for orders created
        # earlier and paid later and for the after-sales look-back rule, and forward over the
        # follow-up window (inquiry conversion counts payments made after the period)
        back = max(7, int(p["after_sales_lookback_days"]))
        orders = store.read(data_dir, "orders", first - dt.timedelta(days=back),
                            per.end + dt.timedelta(days=fd))
        # chats from the follow-up window before the span, so that early orders are credited
        chats = store.read(data_dir, "chats", first - dt.timedelta(days=fd), per.end)
        in_period = (not chats.empty and "sent_at" in chats
                     and chats["sent_at"].between(pd.Timestamp(per.start),
                                                  pd.Timestamp(per.end) + pd.Timedelta(days=1),
                                                  inclusive="left").any())
        sessions = attributed = None
        messages = pd.DataFrame()
        paid = orders[orders["paid_at"].notna()] if "paid_at" in orders else orders
        if in_period:
            source = "chats"
            kpis = kpi_metrics.agent_kpis(chats, orders, params=p, date_from=first,
                                          date_to=per.end)
            sessions = build_sessions(chats, orders, params=p)
            sessions = sessions[sessions["date"] >= pd.Timestamp(first)].reset_index(drop=True)
            span_paid = paid[paid["paid_at"].between(pd.Timestamp(first),
                                                     pd.Timestamp(per.end) + pd.Timedelta(days=1),
                                                     inclusive="left")]
            attributed = attribute_orders(span_paid, sessions, p)
            if "text" in chats.columns:
                day = chats["sent_at"].dt.normalize()
                keep = (day.between(pd.Timestamp(per.start), pd.Timestamp(per.end))
                        & chats["sender"].eq("customer"))
                messages = chats.loc[keep.to_numpy(), ["customer_id", "sender", "text"]]
        else:
            stats = store.read(data_dir, "agent_stats", first, per.end)
            if not stats.empty:
                source = "agent_stats"
                kpis = kpis_from_agent_stats(stats)
            else:
                source = "none"
                kpis = pd.DataFrame(columns=kpi_metrics.AGENT_KPI_COLUMNS)
        del chats
        starts = [store.date_range(data_dir, t) for t in
                  ("orders", "chats" if source == "chats" else "agent_stats")]
        starts = [s for s in starts if s]
        review = cls(
            period=per, lang=lang, params=p, data_dir=data_dir, orders=orders, kpis=kpis,
            sessions=sessions, attributed=attributed, messages=messages,
            refunds=store.read(data_dir, "refunds", first, per.end),
            traffic=store.read(data_dir, "traffic", first, per.end),
            callbacks=store.read(data_dir, "callbacks", first, per.end),
            dsr=store.read(data_dir, "dsr", first, per.end),
            roster=store.read(data_dir, "roster"),
            source=source,
            data_start=max(s[0] for s in starts) if starts else None,
            data_end=span[1], top_questions=top_questions)
        review._cache["pii"] = review._pii_strings()
        return review

    # ------------------------------------------------------------------ periods
    @property
    def kind(self) -> str:
        return self.period.kind

    @property
    def history(self) -> int:
        return HISTORY[self.kind]

    @property
    def shown(self) -> list[int]:
        """Period indexes shown in trends: −history … 0 (0 = this period)."""
        return list(range(-self.history, 1))

    def _index(self, dates) -> pd.Series:
        """The period index of each date: 0 this period, −1 the one before, …"""
        d = pd.to_datetime(pd.Series(dates)).dt.normalize()
        s = self.period.start
        if self.kind == "week":
            return (d - pd.Timestamp(s)).dt.days // 7
        return (d.dt.year - s.year) * 12 + (d.dt.month - s.month)

    def _in(self, df: pd.DataFrame, col: str, which=(0,)) -> pd.DataFrame:
        """Rows of `df` whose `col` falls in the periods `which` (indexes)."""
        if df is None or df.empty or col not in df.columns:
            return df.iloc[0:0] if df is not None else pd.DataFrame()
        idx = self._index(df[col]).to_numpy()
        return df[np.isin(idx, list(which))]

    def period_label(self, i: int) -> str:
        return self.period.shift(i).label

    def covered(self, i: int) -> bool:
        """Whether the data cover period `i` from its first day (else it is incomplete and
        left out of trends and averages). This period (0) is always shown."""
        if i == 0:
            return True
        return self.data_start is not None and self.period.shift(i).start >= self.data_start

    @property
    def covered_history(self) -> list[int]:
        return [i for i in self.shown[:-1] if self.covered(i)]

    def _t(self, key: str) -> str:
        return label(key, self.lang)

    def _tp(self, which: str) -> str:
        """Column names: this / previous period and the average, for weeks or months."""
        keys = {"week": {"this": "wr_this_week", "prev": "wr_last_week", "avg": "wr_avg_weeks",
                         "vs": "wr_vs_last_week"},
                "month": {"this": "wr_this_month", "prev": "wr_last_month",
                          "avg": "wr_avg_months", "vs": "wr_vs_last_month"}}
        return self._t(keys[self.kind][which])

    @property
    def provisional_from(self) -> pd.Timestamp | None:
        """The first day of this period whose conversion is still provisional (or None)."""
        k = self._in(self.kpis, "date")
        if "provisional" not in k.columns or k.empty:
            return None
        days = k.loc[k["provisional"].astype("boolean").fillna(False).to_numpy(), "date"]
        return None if days.empty else days.min()

    @property
    def provisional(self) -> bool:
        """True when some inquiry of the period is still inside its follow-up window."""
        return self.provisional_from is not None

    # ------------------------------------------------------------------ data pieces
    def _pii_strings(self) -> frozenset[str]:
        """The customers' names, phones and address details in the orders (to blank out)."""
        out: set[str] = set()
        for col in ("customer_name", "phone"):
            if col in self.orders.columns:
                out.update(self.orders[col].dropna().astype(str))
        if "address" in self.orders.columns:
            for a in self.orders["address"].dropna().astype(str):
                out.add(a)
                parts = a.split()
                if len(parts) > 3:
                    out.add(" ".join(parts[3:]))
        return questions._pii_set(out)

    def _paid(self) -> pd.DataFrame:
        """Paid orders of the shown periods, with `pidx` (period index)."""
        if "paid" not in self._cache:
            paid = sales_metrics.paid_orders(self.orders)
            paid = paid.assign(pidx=self._index(paid["paid_at"]).to_numpy())
            self._cache["paid"] = paid[paid["pidx"].between(-self.history, 0)]
        return self._cache["paid"]

    def _uv(self) -> pd.DataFrame:
        """Daily UV per store (traffic_uv) with `pidx`; empty without traffic."""
        if self.traffic.empty or "uv" not in self.traffic:
            return pd.DataFrame(columns=["date", "store", "uv", "pidx"])
        uv = traffic_uv(self.traffic)
        return uv.assign(pidx=self._index(uv["date"]).to_numpy())

    def period_totals(self) -> pd.DataFrame:
        """One row per period index (−history … 0) with every headline metric (NaN where the
        data do not allow it, and for periods the data do not fully cover)."""
        if "totals" in self._cache:
            return self._cache["totals"]
        idx = pd.Index(self.shown, name="pidx")
        out = pd.DataFrame(index=idx)
        paid = self._paid()
        if not paid.empty:
            s = sales_metrics.sales_metrics(paid, by=["pidx"], params=self.params)
            s = s.set_index("pidx")
            out["sales"] = s["sales"]
            out["paid_orders"] = s["orders"]
            out["buyers"] = s["buyers"]
            out["aov"] = s["aov"]
        uv = self._uv()
        if not uv.empty and not paid.empty:
            out["uv"] = uv.groupby("pidx")["uv"].sum(min_count=1)
            day_buyers = (paid.groupby(["pidx", "date", "store"] if "store" in paid else
                                       ["pidx", "date"])["_cust"].nunique()
                          .groupby("pidx").sum())
            out["wr_store_conversion"] = _div(day_buyers.reindex(idx), out["uv"])
        if self.attributed is not None and not self.attributed.empty:
            a = self.attributed.assign(pidx=self._index(self.attributed["paid_at"]).to_numpy())
            amt = pd.to_numeric(a["amount"], errors="coerce").fillna(0.0)
            silent = amt.where(a["attribution"].eq("silent"), 0.0).groupby(a["pidx"]).sum()
            out["wr_silent_share"] = _div(silent.reindex(idx), out.get("sales"))
        k = self.kpis
        if not k.empty:
            k = k.assign(pidx=self._index(k["date"]).to_numpy())
            sums = _sum(k, "pidx", ["sessions", "replied", "inquiries", "inquiry_buyers",
                                    "slow_sessions", "long_sessions"])
            out = out.join(sums[["sessions", "inquiries", "slow_sessions", "long_sessions"]])
            out["reply_rate"] = _div(sums["replied"], sums["sessions"]).reindex(idx)
            out["inquiry_conversion"] = _div(sums["inquiry_buyers"],
                                             sums["inquiries"]).reindex(idx)
            if self.sessions is None and "first_response_s" in k:
                w = k.dropna(subset=["first_response_s", "sessions"])
                num = (w["first_response_s"] * w["sessions"]).groupby(w["pidx"]).sum()
                out["first_response_s"] = _div(num, w.groupby("pidx")["sessions"].sum())
        if self.sessions is not None and not self.sessions.empty:
            s = self.sessions.assign(pidx=self._index(self.sessions["date"]).to_numpy())
            q = s.groupby("pidx")["first_response_s"].quantile([0.5, 0.9]).unstack()
            out["first_response_p50_s"] = q[0.5]
            out["first_response_p90_s"] = q[0.9]
        if not self.refunds.empty:
            r = self.refunds.assign(pidx=self._index(self.refunds["applied_at"]).to_numpy())
            rm = refund_metrics(r, by=["pidx"]).set_index("pidx")
            out["wr_refunds"] = rm["refunds"]
            out["wr_refund_p50_h"] = rm["refund_processing_p50_h"]
        if not self.callbacks.empty and "result" in self.callbacks:
            c = self.callbacks.assign(pidx=self._index(self.callbacks["date"]).to_numpy())
            cs = callback_summary(c, by=["pidx"]).set_index("pidx")
            out["wr_satisfaction_rate"] = cs["satisfaction_rate"]
        if not self.dsr.empty and "service" in self.dsr:
            d = self.dsr.assign(pidx=self._index(self.dsr["date"]).to_numpy())
            out["wr_dsr_service"] = d.groupby("pidx")["service"].mean()
        out = out.reindex(idx).astype("float64")
        for i in idx:
            if not self.covered(i):
                out.loc[i] = np.nan
        self._cache["totals"] = out
        return out

    def _average(self, frame: pd.DataFrame) -> pd.Series:
        """The mean over the covered earlier periods (rows indexed by period index)."""
        rows = [i for i in self.covered_history if i in frame.index]
        return frame.loc[rows].mean() if rows else pd.Series(np.nan, index=frame.columns)

    # ------------------------------------------------------------------ headline
    def headline_frame(self) -> pd.DataFrame:
        """Metric rows: key, this, previous, average, change vs previous, change vs average.

        Changes are relative, except for rates: the difference in percentage points
        (`change_pp`). Rows whose metric the data cannot give (all NaN) are left out.
        """
        totals = self.period_totals()
        this, prev, avg = totals.loc[0], totals.loc[-1], self._average(totals)
        rows = []
        for key, better in HEADLINE:
            if key not in totals or totals[key].isna().all():
                continue
            rate = KINDS.get(key) == "rate"
            def change(a, b, rate=rate):
                if pd.isna(a) or pd.isna(b) or (not rate and b == 0):
                    return np.nan
                return (a - b) * 100 if rate else (a - b) / b
            rows.append({"key": key, "better": better, "this": this[key], "prev": prev[key],
                         "avg": avg[key], "vs_prev": change(this[key], prev[key]),
                         "vs_avg": change(this[key], avg[key]), "pp": rate})
        return pd.DataFrame(rows)

    def _change_text(self, value, pp: bool) -> str:
        if pd.isna(value):
            return "–"
        return self._t("wr_pp").format(value) if pp else f"{value:+.1%}"

    def headline_table(self):
        """This period, the previous one, the average of the earlier ones, and the changes;
        changes coloured green when better, red when worse."""
        h = self.headline_frame()
        if h.empty:
            h = pd.DataFrame(columns=["key", "better", "this", "prev", "avg", "vs_prev",
                                      "vs_avg", "pp"])
        name_col, cols = self._t("metric"), [self._tp("this"), self._tp("prev"), self._tp("avg"),
                                             self._tp("vs"), self._t("wr_vs_avg")]
        rows, colours = [], []
        for r in h.itertuples():
            kind = KINDS.get(r.key, "count")
            name = self._metric_name(r.key)
            if r.key == "inquiry_conversion" and self.provisional:
                name += " *"
            rows.append([name, _fmt(r.this, kind), _fmt(r.prev, kind), _fmt(r.avg, kind),
                         self._change_text(r.vs_prev, r.pp), self._change_text(r.vs_avg, r.pp)])
            colours.append([self._colour(r.vs_prev, r.better, r.pp),
                            self._colour(r.vs_avg, r.better, r.pp)])
        table = pd.DataFrame(rows, columns=[name_col, *cols])
        styles = pd.DataFrame("", index=table.index, columns=table.columns)
        for i, (c1, c2) in enumerate(colours):
            styles.iloc[i, 4], styles.iloc[i, 5] = c1, c2
        styler = self._style(table).apply(lambda _: styles, axis=None)
        styler = styler.set_properties(subset=cols, **{"text-align": "right"})
        styler = styler.set_properties(subset=[name_col], **{"text-align": "left"})
        notes = self._headline_notes()
        return styler.set_caption(" ".join(notes)) if notes else styler

    @staticmethod
    def _colour(change, better: int, pp: bool = False) -> str:
        """Green when better, red when worse; none for changes that round to zero."""
        if pd.isna(change) or better == 0 or abs(change) < (0.05 if pp else 0.0005):
            return ""
        good = (change > 0) == (better > 0)
        return "color: #1a7f37" if good else "color: #c62828"

    def _metric_name(self, key: str) -> str:
        if key in ("sessions", "reply_rate", "slow_sessions") and self.source == "agent_stats":
            return self._t(key) + self._t("wr_mode_stats")
        if key == "first_response_s":
            return self._t("wr_platform_first_response")
        if key == "wr_dsr_service":
            return "DSR " + self._t(key)
        return self._t(key)

    def promos_in(self, i: int) -> list[str]:
        """Names of the promos (table `promos`) overlapping period `i`."""
        pr = self._cache.get("promos")
        if pr is None:
            pr = store.read(self.data_dir, "promos")
            self._cache["promos"] = pr
        if pr.empty or not {"name", "start", "end"} <= set(pr.columns):
            return []
        p = self.period.shift(i)
        hit = pr[(pd.to_datetime(pr["start"]) < pd.Timestamp(p.end) + pd.Timedelta(days=1))
                 & (pd.to_datetime(pr["end"]) >= pd.Timestamp(p.start))]
        shown = hit["name"]
        for col in ("display_name", "活动显示名"):  # a display name kept from the export
            if col in hit.columns:
                shown = hit[col].where(hit[col].notna(), shown)
        return list(dict.fromkeys(shown.dropna().astype(str)))

    def _headline_notes(self) -> list[str]:
        notes = []
        for i, key in ((0, "this"), (-1, "prev")):
            names = self.promos_in(i)
            if names:
                notes.append(self._t("wr_promo_note").format(period=self._tp(key),
                                                             names=", ".join(names)))
        if self.data_end is not None and self.data_end < self.period.end:
            notes.append(self._t("wr_partial_period").format(end=f"{self.data_end:%Y-%m-%d}"))
        hist = self.covered_history
        if len(hist) < self.history:
            notes.append(self._t("wr_avg_over").format(
                n=len(hist), labels=", ".join(self.period_label(i) for i in hist))
                if hist else self._t("wr_avg_none"))
        if self.provisional:
            notes.append(self._provisional_note())
        return notes

    def _provisional_note(self) -> str:
        first = self.provisional_from
        return self._t("wr_provisional").format(first=f"{first:%m-%d}",
                                                days=self.params["followup_days"])

    def highlights(self) -> HTML:
        """Three to five sentences with the period's main numbers (headline first)."""
        h = self.headline_frame()
        h = h.set_index("key") if not h.empty else pd.DataFrame()
        items = []

        def get(key, col="this"):
            return h.at[key, col] if key in h.index else np.nan

        if "sales" in h.index and pd.isna(get("sales", "vs_prev")) \
                and pd.isna(get("sales", "vs_avg")):
            items.append(self._t("wr_hl_sales_only").format(
                sales=_fmt(get("sales"), "money"), orders=_fmt(get("paid_orders"), "count")))
        elif "sales" in h.index:
            items.append(self._t("wr_hl_sales").format(
                sales=_fmt(get("sales"), "money"), vs_prev=self._tp("vs"),
                c_prev=self._change_text(get("sales", "vs_prev"), False),
                vs_avg=self._t("wr_vs_avg"),
                c_avg=self._change_text(get("sales", "vs_avg"), False),
                orders=_fmt(get("paid_orders"), "count")))
        if "wr_silent_share" in h.index and pd.notna(get("wr_silent_share")):
            agent = get("sales") * (1 - get("wr_silent_share"))
            items.append(self._t("wr_hl_silent").format(
                share=_fmt(get("wr_silent_share"), "rate"), agent=_fmt(agent, "money")))
        if "inquiry_conversion" in h.index:
            change = get("inquiry_conversion", "vs_prev")
            items.append(self._t("wr_hl_conversion" if pd.notna(change)
                                 else "wr_hl_conversion_only").format(
                rate=_fmt(get("inquiry_conversion"), "rate"),
                mark=" *" if self.provisional else "", vs_prev=self._tp("vs"),
                change=self._change_text(change, True)))
        if "first_response_p50_s" in h.index:
            items.append(self._t("wr_hl_response").format(
                p50=_fmt(get("first_response_p50_s"), "seconds"),
                p90=_fmt(get("first_response_p90_s"), "seconds"),
                reply=_fmt(get("reply_rate"), "rate")))
        agents = self.agent_frame()
        if not agents.empty and pd.notna(agents["sales"].iloc[0]) and agents["sales"].iloc[0] > 0:
            items.append(self._t("wr_hl_top").format(
                agent=agents["agent"].iloc[0], sales=_fmt(agents["sales"].iloc[0], "money")))
        if self.has("wr_questions"):
            q = self.questions_frame()
            if not q.empty:
                items.append(self._t("wr_hl_question").format(
                    q=q["question"].iloc[0], n=int(q["messages"].iloc[0])))
        return HTML("<ul>" + "".join(f"<li>{_html_escape(i)}</li>" for i in items) + "</ul>")

    # ------------------------------------------------------------------ availability
    def has(self, key: str) -> bool:
        """Whether the section `key` has data (and the needed logs) in this report."""
        if key in ("headline", "appendix", "daily_sales"):
            return True
        if key in MESSAGE_SECTIONS and self.source != "chats":
            return False
        this = self._paid()[self._paid()["pidx"] == 0]
        if key == "wr_conversion":
            k = self._in(self.kpis, "date")
            return not k.empty and pd.to_numeric(k["inquiries"], errors="coerce").sum() > 0
        if key == "wr_attribution":
            return self.attributed is not None and not self.attributed.empty
        if key == "wr_heatmap":
            return not this.empty
        if key == "regions":
            return "province" in this and this["province"].notna().any()
        if key == "wr_callbacks":
            return not self._in(self.callbacks, "date").empty and "result" in self.callbacks
        if key == "wr_refunds_section":
            return not self._in(self.refunds, "applied_at").empty
        if key == "wr_dsr":
            return not self.dsr.empty
        if key == "wr_response":
            return self.sessions is not None and not self._in(self.sessions, "date").empty
        if key == "wr_questions":
            return not self.messages.empty
        if key == "agents":
            return not self._in(self.kpis, "date").empty
        if key == "wr_team":
            return self.kind == "month" and not self._in(self.kpis, "date").empty
        raise KeyError(f"unknown section {key!r}; sections: {', '.join(SECTIONS)}")

    def sections(self) -> list[str]:
        return [k for k in SECTIONS if self.has(k)]

    # ------------------------------------------------------------------ text
    def title(self) -> HTML:
        p = self.period
        toc = "".join(f'<li><a href="#{k}">{self._t(k)}</a></li>' for k in self.sections())
        title_key = "weekly_title" if self.kind == "week" else "wr_monthly_title"
        source = self._t("wr_source_chats" if self.source == "chats" else "wr_source_stats")
        end = f"{self.data_end:%Y-%m-%d}" if self.data_end else "–"
        note = self.data_note()
        return HTML(
            f"<h1>{self._t(title_key)} {p.label}</h1>"
            f"<p>{p.start:%Y-%m-%d} – {p.end:%Y-%m-%d} · {self._t('wr_source')}: "
            f"{source} · {self._t('wr_data_to')} {end} · {self._t('generated_at')} "
            f"{self.generated_at:%Y-%m-%d %H:%M}</p>"
            + (f'<p class="csops-note"><b>{note}</b></p>' if note else "")
            + f'<nav><ul style="columns: 2; max-width: 40em">{toc}</ul></nav>'
        )

    def data_note(self) -> str:
        """One line naming what needs message logs, when the report runs without them."""
        if self.source == "chats":
            return ""
        if self.source == "none":
            return self._t("wr_no_kpis")
        keys = [REPORT_NEEDS[k] for k in NEEDS_MESSAGES if k in REPORT_NEEDS]
        names = [self._t(k) for k in dict.fromkeys([*keys, *MESSAGE_SECTIONS])]
        sep = "、" if self.lang == "zh" else ", "
        return self._t("wr_no_messages").format(items=sep.join(names))

    def section(self, key: str) -> HTML:
        return HTML(f'<h2 id="{key}">{self._t(key)}</h2>')

    def note(self, key: str) -> HTML:
        return HTML(f'<p style="color:#555">{self._t(key)}</p>')

    # ------------------------------------------------------------------ table helpers
    def _style(self, df: pd.DataFrame, kinds: dict[str, str] | None = None):
        """A Styler: index hidden, numbers formatted by kind, compact and left-aligned text."""
        fmt = {c: FORMATS[k] for c, k in (kinds or {}).items() if k in FORMATS and c in df}
        styler = df.style.hide(axis="index").format(fmt, na_rep="–")
        text = [c for c in df.columns if (kinds or {}).get(c, "text") == "text"
                and not pd.api.types.is_numeric_dtype(df[c])]
        if text:
            styler = styler.set_properties(subset=text, **{"text-align": "left"})
        return styler.set_table_styles([
            {"selector": "th", "props": "text-align: center; padding: 3px 8px;"},
            {"selector": "td", "props": "padding: 3px 8px;"},
            {"selector": "caption", "props": "caption-side: bottom; text-align: left; "
                                             "color: #555; font-size: 0.9em; padding-top: 4px;"},
        ])

    def _labelled(self, frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
        """`frame` (columns are keys) relabelled, with the kind of each labelled column."""
        kinds = {self._t(c): KINDS.get(c, "text") for c in frame.columns}
        return frame.rename(columns=self._t), kinds

    def _show(self, frame: pd.DataFrame, caption: str | None = None):
        df, kinds = self._labelled(frame)
        styler = self._style(df, kinds)
        return styler.set_caption(caption) if caption else styler

    # ------------------------------------------------------------------ sales by day
    def daily_frame(self) -> pd.DataFrame:
        """This period's days: sales, paid orders, buyers, AOV, UV, store conversion."""
        p = self.period
        days = pd.date_range(p.start, p.end, freq="D", name="date")
        paid = self._paid()
        paid = paid[paid["pidx"] == 0]
        out = pd.DataFrame(index=days)
        if not paid.empty:
            s = sales_metrics.sales_metrics(paid, by=["date"], params=self.params).set_index("date")
            out = out.join(s[["sales", "orders", "buyers", "aov"]]
                           .rename(columns={"orders": "paid_orders"}))
        uv = self._uv()
        if not uv.empty and not paid.empty:
            out["uv"] = uv.groupby("date")["uv"].sum(min_count=1)
            keys = ["date", "store"] if "store" in paid else ["date"]
            buyers = paid.groupby(keys)["_cust"].nunique().groupby("date").sum()
            out["wr_store_conversion"] = _div(buyers.reindex(days), out["uv"])
        if self.data_end is not None:
            out = out[out.index <= pd.Timestamp(self.data_end)]
        out = out.reset_index()
        out.insert(1, "weekday", np.array(WEEKDAYS[self.lang])[out["date"].dt.day_of_week])
        return out

    def daily_table(self):
        df = self.daily_frame()
        df = df.assign(date=df["date"].dt.strftime("%m-%d"))
        return self._show(df)

    def daily_sales_chart(self):
        """Sales per day: this week against last week by weekday (a month: by day of month)."""
        import seaborn as sns

        paid = self._paid()
        paid = paid[paid["pidx"].isin([0, -1] if self.covered(-1) else [0])]
        daily = (paid.groupby(["pidx", "date"])["_amount"].sum().rename("sales").reset_index())
        this, prev = self._tp("this"), self._tp("prev")
        daily["series"] = np.where(daily["pidx"] == 0, this, prev)
        fig, ax = plt.subplots(figsize=(9, 3.4))
        if self.kind == "week":
            daily["x"] = np.array(WEEKDAYS[self.lang])[daily["date"].dt.day_of_week]
            sns.barplot(data=daily, x="x", y="sales", hue="series", order=WEEKDAYS[self.lang],
                        hue_order=[prev, this], palette=["#b8c4d6", "C0"], ax=ax)
        else:
            daily["x"] = daily["date"].dt.day
            sns.lineplot(data=daily, x="x", y="sales", hue="series", hue_order=[prev, this],
                         palette=["#b8c4d6", "C0"], marker="o", ax=ax)
            ax.set_xticks(range(1, 32, 2))
        ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.set(title=f"{self._t('daily_sales')} · {self._t('sales')}", xlabel="",
               ylabel=self._t("sales"))
        ax.legend(title="")
        sns.despine(ax=ax)
        return _done(fig)

    # ------------------------------------------------------------------ agents
    def _team_of(self) -> pd.Series:
        if self.roster.empty or "team" not in self.roster:
            return pd.Series(dtype=object)
        return self.roster.drop_duplicates("agent").set_index("agent")["team"]

    def _agent_sums(self, which=(0,)) -> pd.DataFrame:
        k = self._in(self.kpis, "date", which)
        cols = ["sessions", "replied", "slow_sessions", "long_sessions", "inquiries",
                "inquiry_buyers", "orders", "sales", "buyers"]
        sums = _sum(k, "agent", cols)
        sums["max_concurrent"] = pd.to_numeric(k.groupby("agent")["max_concurrent"].max(),
                                               errors="coerce")
        sums["reply_rate"] = _div(sums["replied"], sums["sessions"])
        sums["inquiry_conversion"] = _div(sums["inquiry_buyers"], sums["inquiries"])
        sums["aov"] = _div(sums["sales"], sums["buyers"])
        if self.sessions is not None:
            s = self._in(self.sessions, "date", which)
            sums["first_response_p50_s"] = s.groupby("agent")["first_response_s"].median()
        elif "first_response_s" in k:
            w = k.dropna(subset=["first_response_s", "sessions"])
            sums["first_response_s"] = _div(
                (w["first_response_s"] * w["sessions"]).groupby(w["agent"]).sum(),
                w.groupby("agent")["sessions"].sum())
        return sums

    def agent_frame(self) -> pd.DataFrame:
        """The period's agents ranked by sales: team, sales and its change, orders, conversion,
        sessions, reply rate, first response, slow / long sessions, max concurrent, AOV."""
        if "agents" in self._cache:
            return self._cache["agents"]
        if self._in(self.kpis, "date").empty:
            return pd.DataFrame(columns=["rank", "agent", "sales"])
        sums = self._agent_sums()
        prev = self._agent_sums((-1,))["sales"] if self.covered(-1) else pd.Series(dtype=float)
        sums["wr_sales_change"] = _div(sums["sales"] - prev.reindex(sums.index),
                                       prev.reindex(sums.index))
        sums = sums.sort_values(["sales", "inquiries"], ascending=False, na_position="last")
        sums.insert(0, "rank", range(1, len(sums) + 1))
        sums = sums.rename_axis("agent").reset_index()
        team = self._team_of()
        sums.insert(2, "wr_team_col", sums["agent"].map(team).fillna(self._t("wr_no_team"))
                    if not team.empty else self._t("wr_no_team"))
        cols = ["rank", "agent", "wr_team_col", "sales", "wr_sales_change", "orders",
                "inquiries", "inquiry_conversion", "sessions", "reply_rate",
                "first_response_p50_s", "first_response_s", "slow_sessions", "long_sessions",
                "max_concurrent", "aov"]
        out = sums[[c for c in cols if c in sums]]
        out = out.drop(columns=[c for c in out.columns if out[c].isna().all()])
        self._cache["agents"] = out
        return out

    def agent_table(self):
        """The period's ranked agent table (conversion marked provisional when it is)."""
        frame = self.agent_frame()
        df, kinds = self._labelled(frame)
        if self.provisional and self._t("inquiry_conversion") in df:
            name = self._t("inquiry_conversion")
            df = df.rename(columns={name: name + " *"})
            kinds[name + " *"] = kinds.pop(name)
        styler = self._style(df, kinds)
        if self.provisional:
            styler = styler.set_caption(self._provisional_note())
        return styler

    def conversion_frame(self) -> pd.DataFrame:
        """Inquiry conversion per agent: this period, the previous one and the average."""
        k = self.kpis.assign(pidx=self._index(self.kpis["date"]).to_numpy())
        sums = _sum(k, ["agent", "pidx"], ["inquiries", "inquiry_buyers"])
        rate = _div(sums["inquiry_buyers"], sums["inquiries"]).unstack("pidx")
        rate = rate.reindex(columns=self.shown)
        for i in self.shown:
            if not self.covered(i):
                rate[i] = np.nan
        inq = sums["inquiries"].unstack("pidx").reindex(columns=self.shown)
        out = pd.DataFrame({"agent": rate.index, "inquiries": inq[0].to_numpy(),
                            "this": rate[0].to_numpy(), "prev": rate[-1].to_numpy(),
                            "avg": rate[self.covered_history].mean(axis=1).to_numpy()
                            if self.covered_history else np.nan})
        out = out[out["inquiries"].fillna(0) > 0]
        return out.sort_values(["this", "agent"], ascending=[False, True]).reset_index(drop=True)

    def conversion_table(self):
        df = self.conversion_frame().rename(columns={
            "agent": self._t("agent"), "inquiries": self._t("inquiries"),
            "this": self._tp("this"), "prev": self._tp("prev"), "avg": self._tp("avg")})
        kinds = {self._t("inquiries"): "count", self._tp("this"): "rate",
                 self._tp("prev"): "rate", self._tp("avg"): "rate"}
        styler = self._style(df, kinds)
        return styler.set_caption(self._provisional_note()) if self.provisional else styler

    def conversion_chart(self):
        """Inquiry conversion by agent: this period against the previous and the average."""
        import seaborn as sns

        conv = self.conversion_frame()
        names = {"this": self._tp("this"), "prev": self._tp("prev"), "avg": self._tp("avg")}
        long = conv.melt(id_vars="agent", value_vars=list(names), var_name="series",
                         value_name="rate")
        long["series"] = long["series"].map(names)
        fig, ax = plt.subplots(figsize=(9, max(2.8, 0.42 * len(conv) + 1.0)))
        sns.barplot(data=long, y="agent", x="rate", hue="series", orient="h",
                    hue_order=[names["avg"], names["prev"], names["this"]],
                    palette=["#d9dde4", "#b8c4d6", "C0"], ax=ax)
        this_bars = ax.containers[-1]
        ax.bar_label(this_bars, labels=[f"{v:.0%}" if pd.notna(v) else ""
                                        for v in this_bars.datavalues], fontsize=8, padding=2)
        ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
        title = self._t("inquiry_conversion") + (" *" if self.provisional else "")
        ax.set(title=title, xlabel="", ylabel="")
        ax.legend(title="", loc="lower right", fontsize=8)
        sns.despine(ax=ax)
        return _done(fig)

    # ------------------------------------------------------------------ attribution
    def attribution_frame(self) -> pd.DataFrame:
        """Per period: sales credited by the order's agent field, by a chat (session), and
        silent; agent-served and silent orders; the silent share of sales."""
        a = self.attributed.assign(pidx=self._index(self.attributed["paid_at"]).to_numpy())
        a["_amount"] = pd.to_numeric(a["amount"], errors="coerce").fillna(0.0)
        by = a.groupby(["pidx", "attribution"])["_amount"].agg(["sum", "size"]).unstack(
            "attribution").reindex(self.shown).fillna(0.0)

        def col(stat, how):
            return by[(stat, how)] if (stat, how) in by.columns else pd.Series(0.0, by.index)

        out = pd.DataFrame({
            "wr_period": [self._period_name(i) for i in self.shown],
            "wr_field_sales": col("sum", "field").to_numpy(),
            "wr_session_sales": col("sum", "session").to_numpy(),
            "agent_sales": (col("sum", "field") + col("sum", "session")).to_numpy(),
            "silent_sales": col("sum", "silent").to_numpy(),
            "agent_orders": (col("size", "field") + col("size", "session")).to_numpy(),
            "silent_orders": col("size", "silent").to_numpy(),
        }, index=self.shown)
        total = out["agent_sales"] + out["silent_sales"]
        out["wr_silent_share"] = _div(out["silent_sales"], total)
        for i in self.shown:
            if not self.covered(i):
                out.loc[i, out.columns[1:]] = np.nan
        return out.reset_index(drop=True)

    def _period_name(self, i: int) -> str:
        name = self.period_label(i)
        return name if self.covered(i) else f"{name} ({self._t('wr_incomplete')})"

    def attribution_table(self):
        return self._show(self.attribution_frame(), self._t("wr_attribution_note"))

    def attribution_chart(self):
        """Stacked sales per period: credited by order field, by chat, and silent."""
        f = self.attribution_frame()
        fig, ax = plt.subplots(figsize=(9, 3.4))
        x = np.arange(len(f))
        bottom = np.zeros(len(f))
        for key, colour in (("wr_field_sales", "#4c72b0"), ("wr_session_sales", "#8fb0de"),
                            ("silent_sales", "#dd8452")):
            vals = f[key].fillna(0.0).to_numpy()
            ax.bar(x, vals, bottom=bottom, color=colour, label=self._t(key), width=0.6)
            bottom += vals
        for xi, share, top in zip(x, f["wr_silent_share"], bottom, strict=True):
            if pd.notna(share):
                ax.text(xi, top, f"{self._t('wr_silent_share')} {share:.0%}", ha="center",
                        va="bottom", fontsize=8)
        ax.set_xticks(x, [self.period_label(i) for i in self.shown])
        ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.set(ylabel=self._t("sales"))
        ax.set_ylim(0, max(bottom.max(), 1) * 1.15)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        import seaborn as sns

        sns.despine(ax=ax)
        return _done(fig)

    # ------------------------------------------------------------------ payment heat map
    def heatmap_frame(self) -> pd.DataFrame:
        """Paid orders of the period per weekday (rows, Monday first) and hour (0–23)."""
        paid = self._paid()
        paid = paid[paid["pidx"] == 0]
        grid = pd.crosstab(paid["paid_at"].dt.day_of_week, paid["hour"])
        grid = grid.reindex(index=range(7), columns=range(24), fill_value=0)
        grid.index = pd.Index(WEEKDAYS[self.lang], name=self._t("weekday"))
        grid.columns = pd.Index(range(24), name=self._t("hour"))
        return grid

    def payment_heatmap(self):
        """Heat map of paid orders by weekday × hour of payment (this period)."""
        import seaborn as sns

        grid = self.heatmap_frame()
        fig, ax = plt.subplots(figsize=(9, 3.3))
        sns.heatmap(grid, annot=True, fmt="d", annot_kws={"fontsize": 6.5}, cmap="Blues",
                    cbar=False, linewidths=0.3, linecolor="white", ax=ax)
        ax.set(title=self._t("paid_orders"), xlabel=self._t("hour"), ylabel="")
        ax.tick_params(axis="y", rotation=0)
        return _done(fig)

    # ------------------------------------------------------------------ regions
    def regions_frame(self, top: int = 10) -> pd.DataFrame:
        """Provinces by paid orders this period (top N): orders, sales, UV, orders per UV."""
        paid = self._paid()
        paid = paid[(paid["pidx"] == 0) & paid["province"].notna()]
        by = sales_metrics.sales_metrics(paid, by=["province"], params=self.params)
        by = by.rename(columns={"orders": "paid_orders"})[["province", "paid_orders", "sales"]]
        t = self.traffic
        if not t.empty and "province" in t and t["province"].notna().any():
            t = self._in(t[t["province"].notna()], "date")
            uv = pd.to_numeric(t["uv"], errors="coerce").groupby(t["province"]).sum(min_count=1)
            by["uv"] = by["province"].map(uv)
            by["wr_orders_per_uv"] = _div(by["paid_orders"], by["uv"])
        return by.sort_values(["paid_orders", "province"], ascending=[False, True]).head(
            top).reset_index(drop=True)

    def regions_table(self, top: int = 10):
        return self._show(self.regions_frame(top))

    def regions_chart(self, top: int = 10):
        """Paid orders per province (top N) and, with traffic by province, orders per visitor."""
        import seaborn as sns

        by = self.regions_frame(top)
        two = "wr_orders_per_uv" in by and by["wr_orders_per_uv"].notna().any()
        fig, axes = plt.subplots(1, 2 if two else 1, figsize=(9, 0.3 * len(by) + 1.2),
                                 sharey=True, squeeze=False,
                                 gridspec_kw={"width_ratios": [3, 2] if two else [1]})
        ax = axes[0][0]
        sns.barplot(data=by, y="province", x="paid_orders", color="C0", orient="h", ax=ax)
        ax.bar_label(ax.containers[0], fmt="{:,.0f}", fontsize=8, padding=2)
        ax.set(title=self._t("paid_orders"), xlabel="", ylabel="")
        if two:
            ax2 = axes[0][1]
            sns.barplot(data=by, y="province", x="wr_orders_per_uv", color="C2", orient="h",
                        ax=ax2)
            ax2.bar_label(ax2.containers[0], labels=[
                f"{v:.1%}" if pd.notna(v) else "" for v in ax2.containers[0].datavalues],
                fontsize=8, padding=2)
            ax2.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
            ax2.set(title=self._t("wr_orders_per_uv"), xlabel="", ylabel="")
        for a in axes[0]:
            sns.despine(ax=a)
        fig.tight_layout()
        return _done(fig)

    # ------------------------------------------------------------------ callbacks
    def callbacks_frame(self) -> pd.DataFrame:
        """Callback results of the period per agent, and a total row."""
        c = self._in(self.callbacks, "date")
        per_agent = callback_summary(c, by=["agent"]) if "agent" in c else pd.DataFrame()
        total = callback_summary(c, by=()).assign(agent=self._t("wr_total"))
        out = pd.concat([per_agent, total], ignore_index=True)
        out = out.rename(columns={"planned": "wr_cb_planned", "called": "wr_cb_called",
                                  "reached": "wr_cb_reached", "satisfied": "wr_cb_satisfied",
                                  "problems": "wr_cb_problems", "reach_rate": "wr_reach_rate",
                                  "satisfaction_rate": "wr_satisfaction_rate"})
        return out[["agent", "wr_cb_planned", "wr_cb_called", "wr_cb_reached",
                    "wr_cb_satisfied", "wr_cb_problems", "wr_reach_rate",
                    "wr_satisfaction_rate"]]

    def callbacks_table(self):
        styler = self._show(self.callbacks_frame())
        return styler.apply(lambda r: ["font-weight: bold"] * len(r)
                            if r.name == len(self.callbacks_frame()) - 1 else [""] * len(r),
                            axis=1)

    def callback_problems_frame(self, top: int = 8) -> pd.DataFrame:
        """The notes of reached calls with a problem (masked), most frequent first."""
        c = self._in(self.callbacks, "date")
        if c.empty or "notes" not in c:
            return pd.DataFrame(columns=["wr_problem_note", "wr_count"])
        s = callback_summary(c.assign(_row=range(len(c))), by=["_row"])
        problems = c.loc[s["problems"].astype(int).to_numpy() > 0, "notes"].dropna()
        pii = self._cache.get("pii", [])
        counts = problems.astype(str).map(lambda t: questions.mask_text(t, pii)).value_counts()
        out = counts.rename_axis("wr_problem_note").rename("wr_count").reset_index()
        return out.sort_values(["wr_count", "wr_problem_note"], ascending=[False, True]).head(
            top).reset_index(drop=True)

    def callback_problems_table(self):
        return self._show(self.callback_problems_frame())

    # ------------------------------------------------------------------ refunds
    def refunds_frame(self) -> pd.DataFrame:
        """Refund count, amount, processing time (median, p90), self-resolved and dispute
        rates per period (refunds by day of application)."""
        r = self.refunds.assign(pidx=self._index(self.refunds["applied_at"]).to_numpy())
        rm = refund_metrics(r, by=["pidx"]).set_index("pidx").reindex(self.shown)
        out = pd.DataFrame({
            "wr_period": [self._period_name(i) for i in self.shown],
            "wr_refunds": rm["refunds"].to_numpy(), "wr_closed_refunds":
            rm["closed_refunds"].to_numpy(), "wr_refund_amount": rm["refund_amount"].to_numpy(),
            "wr_refund_p50_h": rm["refund_processing_p50_h"].to_numpy(),
            "wr_refund_p90_h": rm["refund_processing_p90_h"].to_numpy(),
            "wr_self_resolved_rate": rm["refund_self_resolved_rate"].to_numpy(),
            "wr_dispute_rate": rm["refund_dispute_rate"].to_numpy()})
        for n, i in enumerate(self.shown):
            if not self.covered(i):
                out.iloc[n, 1:] = np.nan
        return out

    def refunds_table(self):
        return self._show(self.refunds_frame())

    def refund_reasons_frame(self, top: int = 8) -> pd.DataFrame:
        """The period's refund reasons: refunds, amount, share of refunds."""
        r = self._in(self.refunds, "applied_at")
        if r.empty or "reason" not in r:
            return pd.DataFrame(columns=["wr_reason", "wr_refunds", "wr_refund_amount", "share"])
        amount = (pd.to_numeric(r["amount"], errors="coerce") if "amount" in r
                  else pd.Series(np.nan, index=r.index))
        g = pd.DataFrame({"reason": r["reason"].fillna("–"), "amount": amount}).groupby("reason")
        out = pd.DataFrame({"wr_refunds": g.size(), "wr_refund_amount": g["amount"].sum()})
        out["share"] = out["wr_refunds"] / len(r)
        out = out.rename_axis("wr_reason").reset_index()
        return out.sort_values(["wr_refunds", "wr_reason"], ascending=[False, True]).head(
            top).reset_index(drop=True)

    def refund_reasons_table(self):
        return self._show(self.refund_reasons_frame())

    # ------------------------------------------------------------------ DSR
    def dsr_frame(self) -> pd.DataFrame:
        """Mean DSR scores per store: this period and the previous one."""
        d = self._in(self.dsr, "date", (0, -1))
        dims = [c for c in ("description", "service", "logistics") if c in d]
        d = d.assign(pidx=self._index(d["date"]).to_numpy())
        keys = (["store"] if "store" in d else []) + ["pidx"]
        out = d.groupby(keys)[dims].mean().reset_index()
        out["wr_period"] = out["pidx"].map({0: self._tp("this"), -1: self._tp("prev")})
        out = out.sort_values([*keys[:-1], "pidx"], ascending=[True] * (len(keys) - 1) + [False])
        out = out.rename(columns={c: f"wr_dsr_{c}" for c in dims})
        return out[[*keys[:-1], "wr_period", *[f"wr_dsr_{c}" for c in dims]]].reset_index(
            drop=True)

    def dsr_table(self):
        return self._show(self.dsr_frame())

    def dsr_chart(self):
        """Daily DSR scores over the periods shown: one panel per dimension, a line per store."""
        import seaborn as sns

        d = self.dsr.copy()
        dims = [c for c in ("description", "service", "logistics") if c in d]
        fig, axes = plt.subplots(1, len(dims), figsize=(9, 2.8), sharey=True, squeeze=False)
        for ax, dim in zip(axes[0], dims, strict=True):
            sns.lineplot(data=d, x="date", y=dim, hue="store" if "store" in d else None, ax=ax,
                         legend=dim == dims[0], linewidth=1.2)
            ax.set(title=self._t(f"wr_dsr_{dim}"), xlabel="", ylabel="")
            self._shade_period(ax)
            ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
            ax.tick_params(axis="x", labelsize=7, rotation=30)
            sns.despine(ax=ax)
        first = axes[0][0]
        if first.get_legend() is not None:
            handles, names = first.get_legend_handles_labels()
            first.get_legend().remove()
            fig.legend(handles, names, loc="lower center", ncol=len(names), fontsize=8,
                       frameon=False)
        fig.tight_layout(rect=(0, 0.08, 1, 1))
        return _done(fig)

    def _shade_period(self, ax) -> None:
        ax.axvspan(pd.Timestamp(self.period.start),
                   pd.Timestamp(self.period.end) + pd.Timedelta(hours=23), color="#eef3fa",
                   zorder=0)

    # ------------------------------------------------------------------ response times
    def response_frame(self) -> pd.DataFrame:
        """Per day of the periods shown: sessions, median and p90 of the first response."""
        s = self.sessions
        g = s.groupby("date")["first_response_s"]
        out = pd.DataFrame({"sessions": s.groupby("date").size(),
                            "first_response_p50_s": g.median(),
                            "first_response_p90_s": g.quantile(0.9)})
        out = out.rename_axis("date").reset_index()
        return out[out["date"] >= pd.Timestamp(self.period.shift(-self.history).start)]

    def response_chart(self):
        """Daily median and p90 of the first response over the periods shown."""
        import seaborn as sns

        f = self.response_frame()
        fig, ax = plt.subplots(figsize=(9, 3.2))
        ax.plot(f["date"], f["first_response_p90_s"], color="#dd8452", marker=".",
                label=self._t("first_response_p90_s"))
        ax.plot(f["date"], f["first_response_p50_s"], color="C0", marker=".",
                label=self._t("first_response_p50_s"))
        self._shade_period(ax)
        ax.set(xlabel="", ylabel=self._t("first_response_s"))
        ax.set_ylim(bottom=0)
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
        ax.legend(fontsize=8, loc="upper left")
        sns.despine(ax=ax)
        return _done(fig)

    # ------------------------------------------------------------------ questions
    def questions_frame(self) -> pd.DataFrame:
        """The period's most frequent customer questions (csops_lib.metrics.questions), masked."""
        if "questions" not in self._cache:
            self._cache["questions"] = questions.frequent_questions(
                self.messages, top=self.top_questions, pii=self._cache.get("pii", []))
        return self._cache["questions"]

    def questions_table(self):
        q = self.questions_frame().rename(columns={
            "question": "wr_question", "keywords": "wr_keywords", "messages": "wr_messages",
            "customers": "wr_customers", "examples": "wr_examples"})
        return self._show(q, self._t("wr_questions_note"))

    # ------------------------------------------------------------------ team (monthly)
    def team_frame(self) -> pd.DataFrame:
        """Per team (from the roster) and its agents: sales, orders, inquiries, conversion,
        reply rate, first-response median, slow and long sessions. Team rows first, each
        followed by its agents (ranked by sales)."""
        sums = self._agent_sums()
        team = self._team_of()
        no_team = self._t("wr_no_team")
        sums["team"] = sums.index.map(team).fillna(no_team) if not team.empty else no_team
        cols = ["sales", "orders", "inquiries", "inquiry_conversion", "reply_rate",
                "first_response_p50_s", "first_response_s", "slow_sessions", "long_sessions"]
        tsum = _sum(sums.reset_index(), "team", ["sales", "orders", "inquiries",
                                                   "inquiry_buyers", "sessions", "replied",
                                                   "slow_sessions", "long_sessions"])
        tsum["inquiry_conversion"] = _div(tsum["inquiry_buyers"], tsum["inquiries"])
        tsum["reply_rate"] = _div(tsum["replied"], tsum["sessions"])
        if self.sessions is not None:
            s = self._in(self.sessions, "date")
            teams = (s["agent"].map(team).fillna(no_team) if not team.empty
                     else pd.Series(no_team, index=s.index))
            tsum["first_response_p50_s"] = s["first_response_s"].groupby(teams).median()
        rows = []
        for t in tsum.sort_values("sales", ascending=False).index:
            rows.append({"wr_team_col": t, "agent": self._t("wr_total"), **tsum.loc[t]})
            members = sums[sums["team"] == t].sort_values("sales", ascending=False)
            for a, r in members.iterrows():
                rows.append({"wr_team_col": t, "agent": a, **r})
        out = pd.DataFrame(rows)
        out = out[["wr_team_col", "agent", *[c for c in cols if c in out]]]
        return out.drop(columns=[c for c in out.columns if out[c].isna().all()])

    def team_table(self):
        f = self.team_frame()
        total = self._t("wr_total")
        styler = self._show(f)
        styler = styler.apply(lambda r: ["font-weight: bold; background: #eef3fa"] * len(r)
                              if f.loc[r.name, "agent"] == total else [""] * len(r), axis=1)
        return styler.set_caption(self._provisional_note()) if self.provisional else styler

    # ------------------------------------------------------------------ appendix
    def appendix_frame(self) -> pd.DataFrame:
        lang = 0 if self.lang == "zh" else 1
        rows = [{"metric": self._t(k), "definition": DEFINITIONS[k][lang].format(**self.params)}
                for k in APPENDIX_KEYS if k in DEFINITIONS]
        return pd.DataFrame(rows)

    def appendix(self):
        """The metric definitions this report used."""
        return self._show(self.appendix_frame())

    def thresholds_frame(self) -> pd.DataFrame:
        rows = []
        for key, (_, meaning) in PARAM_DOCS.items():
            if key == "data_dir" or key not in self.params:
                continue
            v = self.params[key]
            rows.append({"wr_param": key,
                         "wr_value": self._t("auto") if v is None else str(v),
                         "wr_meaning": PARAM_ZH.get(key, meaning) if self.lang == "zh"
                         else meaning})
        return pd.DataFrame(rows)

    def thresholds_table(self):
        return self._show(self.thresholds_frame()).set_caption(self._t("wr_thresholds"))

    # ------------------------------------------------------------------ workbook
    def periods_frame(self) -> pd.DataFrame:
        """The headline metrics per period (rows) and the average (the workbook's first sheet)."""
        totals = self.period_totals()
        keep = [k for k, _ in HEADLINE if k in totals and totals[k].notna().any()]
        out = totals[keep].copy()
        out.insert(0, "wr_period", [self._period_name(i) for i in out.index])
        avg = self._average(totals[keep])
        out.loc["avg"] = [self._tp("avg"), *avg.to_numpy()]
        return out.reset_index(drop=True)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The report's tables for the Excel workbook: sheet name → labelled DataFrame (in the
        report's language, raw numbers, no customer PII)."""
        frames: dict[str, pd.DataFrame] = {"headline": self.periods_frame(),
                                           "daily_sales": self.daily_frame()}
        if self.has("agents"):
            frames["agents"] = self.agent_frame()
        if self.has("wr_team"):
            frames["wr_team"] = self.team_frame()
        if self.has("wr_conversion"):
            c = self.conversion_frame()
            frames["wr_conversion"] = c
        if self.has("wr_attribution"):
            frames["wr_attribution"] = self.attribution_frame()
        if self.has("wr_heatmap"):
            grid = self.heatmap_frame()
            frames["wr_heatmap"] = grid.reset_index().rename(
                columns={c: f"{c:02d}" for c in grid.columns})
        if self.has("regions"):
            frames["regions"] = self.regions_frame(top=100)
        if self.has("wr_callbacks"):
            frames["wr_callbacks"] = self.callbacks_frame()
        if self.has("wr_refunds_section"):
            frames["wr_refunds_section"] = self.refunds_frame()
            frames["wr_reason"] = self.refund_reasons_frame()
        if self.has("wr_dsr"):
            frames["wr_dsr"] = self.dsr_frame()
        if self.has("wr_response"):
            frames["wr_response"] = self.response_frame()
        if self.has("wr_questions"):
            frames["wr_questions"] = self.questions_frame().rename(columns={
                "question": "wr_question", "keywords": "wr_keywords",
                "messages": "wr_messages", "customers": "wr_customers",
                "examples": "wr_examples"})
        frames["appendix"] = self.appendix_frame()
        frames["wr_thresholds"] = self.thresholds_frame()
        out = {}
        for key, frame in frames.items():
            if key == "wr_conversion":
                frame = frame.rename(columns={"this": self._tp("this"), "prev": self._tp("prev"),
                                              "avg": self._tp("avg")})
            out[SHEETS.get(key, (self._t(key),) * 2)[0 if self.lang == "zh" else 1]] = \
                frame.rename(columns=self._t)
        return out

    def excel_kinds(self) -> dict[str, str]:
        """Column label → excel kind for every column the workbook has."""
        kinds = {self._t(k): EXCEL_KINDS[v] for k, v in KINDS.items()}
        for name in (self._tp("this"), self._tp("prev"), self._tp("avg")):
            kinds[name] = "rate"  # the conversion sheet's columns
        kinds[self._t("wr_period")] = "text"
        kinds.update({f"{h:02d}": "count" for h in range(24)})
        return kinds

    def write_workbook(self, path: str | Path) -> Path:
        """Write `tables()` to the .xlsx `path` (formatted headers, number formats, frozen
        header rows, fitted widths: csops_lib.render.excel.write_workbook)."""
        from csops_lib.render import excel

        title_key = "weekly_title" if self.kind == "week" else "wr_monthly_title"
        return excel.write_workbook(path, self.tables(), kinds=self.excel_kinds(),
                                    lang=self.lang,
                                    title=f"{self._t(title_key)} {self.period.label}")


#: short sheet names (Excel allows 31 characters)
SHEETS = {
    "headline": ("核心指标", "Headline"), "daily_sales": ("每日销售", "Sales by day"),
    "agents": ("客服排名", "Agents"), "wr_team": ("团队绩效", "Teams"),
    "wr_conversion": ("客服转化率", "Conversion by agent"),
    "wr_attribution": ("客服与静默销售", "Agent vs silent"),
    "wr_heatmap": ("付款时段", "Payment hours"), "regions": ("地区", "Regions"),
    "wr_callbacks": ("回访", "Callbacks"), "wr_refunds_section": ("退款", "Refunds"),
    "wr_reason": ("退款原因", "Refund reasons"), "wr_dsr": ("DSR", "DSR"),
    "wr_response": ("响应时间", "Response times"), "wr_questions": ("常见问题", "Questions"),
    "appendix": ("指标定义", "Definitions"), "wr_thresholds": ("阈值", "Thresholds"),
}


def _html_escape(text: str) -> str:
    import html

    return html.escape(str(text), quote=False)


#: the first version's name: the weekly review is a PeriodReview of a week
WeeklyReview = PeriodReview
