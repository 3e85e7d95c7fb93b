"""The weekly review's tables and charts, built from the metric library.

`WeeklyReview.load(data_dir, week)` reads the week and the four weeks before it from the
store, computes the agent-day KPIs once (`metrics.kpis.agent_kpis`) and the sessions once
(`metrics.sessions.build_sessions`), and offers the report's pieces as methods that return
styled tables or draw charts. The notebook only calls these and shows them.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import HTML

from csops_lib import periods, plots, store
from csops_lib.labels import label, relabel
from csops_lib.metrics import kpis as kpi_metrics
from csops_lib.metrics import sales as sales_metrics
from csops_lib.metrics.sessions import build_sessions
from csops_lib.params import load_shop_params

HISTORY_WEEKS = 4  # the headline compares with the previous week and the 4-week average

#: headline rows: (key, kind) — kind picks the number format
HEADLINE = [
    ("sales", "money"), ("paid_orders", "count"), ("buyers", "count"), ("aov", "money"),
    ("sessions", "count"), ("reply_rate", "rate"), ("first_response_p50_s", "seconds"),
    ("first_response_p90_s", "seconds"), ("inquiries", "count"),
    ("inquiry_conversion", "rate"), ("slow_sessions", "count"), ("long_sessions", "count"),
]
FORMATS = {"money": "¥{:,.2f}", "count": "{:,.0f}", "rate": "{:.1%}", "seconds": "{:,.1f}"}
WEEKDAYS = {"zh": ["周一", "周二", "周三", "周四", "周五", "周六", "周日"],
            "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]}


def _done(fig):
    """Close a finished figure (so it is not drawn twice) and return it for `display`."""
    plt.close(fig)
    return fig


def _fmt(value: Any, kind: str) -> str:
    return "–" if value is None or pd.isna(value) else FORMATS[kind].format(value)


@dataclass
class WeeklyReview:
    """Everything the weekly review shows, for one ISO week."""

    period: periods.Period
    lang: str
    orders: pd.DataFrame
    kpis: pd.DataFrame       # agent_kpis, one row per date × agent, 5 weeks
    sessions: pd.DataFrame   # build_sessions, 5 weeks
    params: dict[str, Any]
    data_dir: Path
    generated_at: dt.datetime = field(default_factory=dt.datetime.now)

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, data_dir: str | Path, week: str | None = None, *, lang: str = "zh",
             params: dict[str, Any] | None = None) -> WeeklyReview:
        """Read the store and compute the KPIs for `week` and the 4 weeks before it."""
        data_dir = Path(data_dir)
        span = store.date_range(data_dir, "orders")
        if span is None:
            raise FileNotFoundError(f"no orders in the store {data_dir}: run `csops ingest` first")
        period = periods.resolve("week", week, data_end=span[1])
        p = dict(params or load_shop_params())
        first = period.start - dt.timedelta(weeks=HISTORY_WEEKS)
        # orders are partitioned by creation day: read back far enough for orders created
        # earlier and paid later and for the after-sales look-back rule, and forward over the
        # follow-up window (inquiry conversion counts payments made after the period)
        back = max(7, int(p["after_sales_lookback_days"]))
        last = period.end + dt.timedelta(days=int(p["followup_days"]))
        orders = store.read(data_dir, "orders", first - dt.timedelta(days=back), last)
        chats = store.read(data_dir, "chats", first, period.end)
        kpis = kpi_metrics.agent_kpis(chats, orders, params=p, date_from=first,
                                      date_to=period.end)
        sessions = build_sessions(chats, orders, params=p)
        return cls(period, lang, orders, kpis, sessions, p, data_dir)

    # ------------------------------------------------------------------ helpers
    def _t(self, key: str) -> str:
        return label(key, self.lang)

    def _week_index(self, dates: pd.Series) -> pd.Series:
        """0 for the report week, -1 the week before, … -4."""
        start = pd.Timestamp(self.period.start)
        return (pd.to_datetime(dates).dt.normalize() - start).dt.days // 7

    def _paid(self) -> pd.DataFrame:
        paid = sales_metrics.paid_orders(self.orders)
        return paid.assign(week=self._week_index(paid["paid_at"]),
                           date=paid["paid_at"].dt.normalize())

    @property
    def provisional(self) -> bool:
        """True when some inquiry of the week is still inside its follow-up window."""
        week = self.kpis[self.kpis["date"] >= pd.Timestamp(self.period.start)]
        return bool(week.get("provisional", pd.Series(dtype=bool)).any())

    # ------------------------------------------------------------------ tables
    def weekly_totals(self) -> pd.DataFrame:
        """One row per week index (−4 … 0) with every headline metric."""
        paid = self._paid()
        paid = paid[paid["week"].between(-HISTORY_WEEKS, 0)]
        sales = sales_metrics.sales_metrics(paid, by=["week"], params=self.params)
        sales = sales.set_index("week").rename(columns={"orders": "paid_orders"})
        k = self.kpis.assign(week=self._week_index(self.kpis["date"]))
        counts = k.groupby("week")[["sessions", "replied", "inquiries", "inquiry_buyers",
                                    "slow_sessions", "long_sessions"]].sum()
        counts["reply_rate"] = counts["replied"] / counts["sessions"].replace(0, np.nan)
        counts["inquiry_conversion"] = (counts["inquiry_buyers"]
                                        / counts["inquiries"].replace(0, np.nan))
        s = self.sessions.assign(week=self._week_index(self.sessions["date"]))
        rt = s.groupby("week")["first_response_s"].quantile([0.5, 0.9]).unstack()
        rt.columns = ["first_response_p50_s", "first_response_p90_s"]
        out = sales.join(counts, how="outer").join(rt, how="outer")
        return out.reindex(range(-HISTORY_WEEKS, 1))

    def headline_table(self):
        """This week, last week, the 4-week average before this week, and the change."""
        totals = self.weekly_totals()
        this, prev = totals.loc[0], totals.loc[-1]
        avg4 = totals.loc[-HISTORY_WEEKS:-1].mean()
        rows = []
        for key, kind in HEADLINE:
            name = self._t(key)
            if key == "inquiry_conversion" and self.provisional:
                name += " *"
            change = (this[key] - prev[key]) / prev[key] if prev[key] else np.nan
            rows.append({
                self._t("metric"): name,
                self._t("this_period"): _fmt(this[key], kind),
                self._t("previous_period"): _fmt(prev[key], kind),
                self._t("avg_4"): _fmt(avg4[key], kind),
                self._t("change"): "–" if pd.isna(change) else f"{change:+.1%}",
            })
        table = pd.DataFrame(rows).style.hide(axis="index")
        if self.provisional:
            table = table.set_caption(self._t("provisional_note"))
        return table

    def agent_table(self):
        """The week's ranked agent table: sales, conversion, reply rate, response times."""
        week = self.kpis[self.kpis["date"].between(pd.Timestamp(self.period.start),
                                                   pd.Timestamp(self.period.end))]
        sums = week.groupby("agent")[["sessions", "replied", "slow_sessions", "long_sessions",
                                      "inquiries", "inquiry_buyers", "orders", "sales",
                                      "buyers"]].sum()
        sums["max_concurrent"] = week.groupby("agent")["max_concurrent"].max()
        sums["reply_rate"] = sums["replied"] / sums["sessions"].replace(0, np.nan)
        sums["inquiry_conversion"] = sums["inquiry_buyers"] / sums["inquiries"].replace(0, np.nan)
        sums["aov"] = sums["sales"] / sums["buyers"].replace(0, np.nan)
        s = self.sessions[self.sessions["date"].between(pd.Timestamp(self.period.start),
                                                        pd.Timestamp(self.period.end))]
        sums["first_response_s"] = s.groupby("agent")["first_response_s"].median()
        sums = sums.sort_values("sales", ascending=False)
        sums.insert(0, "rank", range(1, len(sums) + 1))
        cols = ["rank", "sales", "orders", "inquiries", "inquiry_conversion", "sessions",
                "reply_rate", "first_response_s", "slow_sessions", "long_sessions",
                "max_concurrent", "aov"]
        table = relabel(sums[cols].rename(columns={"first_response_s": "first_response_p50_s"})
                        .reset_index(), self.lang)
        fmt = {self._t(c): FORMATS[k] for c, k in [
            ("sales", "money"), ("aov", "money"), ("inquiry_conversion", "rate"),
            ("reply_rate", "rate"), ("first_response_p50_s", "seconds"), ("orders", "count"),
            ("inquiries", "count"), ("sessions", "count"), ("slow_sessions", "count"),
            ("long_sessions", "count"), ("max_concurrent", "count")]}
        return table.style.format(fmt, na_rep="–").hide(axis="index")

    # ------------------------------------------------------------------ charts
    def daily_sales_chart(self):
        """Sales per day of the week, with last week's same weekday for comparison."""
        paid = self._paid()
        paid = paid[paid["week"].isin([0, -1])]
        daily = sales_metrics.sales_metrics(paid, by=["week", "date"], params=self.params)
        daily["weekday"] = np.array(WEEKDAYS[self.lang])[daily["date"].dt.weekday]
        daily["series"] = np.where(daily["week"] == 0, self._t("this_period"),
                                   self._t("previous_period"))
        fig, ax = plt.subplots(figsize=(9, 3.6))
        import seaborn as sns

        sns.barplot(data=daily, x="weekday", y="sales", hue="series", order=WEEKDAYS[self.lang],
                    hue_order=[self._t("previous_period"), self._t("this_period")],
                    palette=["#b8c4d6", "C0"], ax=ax)
        ax.set(title=self._t("daily_sales"), xlabel="", ylabel=self._t("sales"))
        ax.legend(title="")
        sns.despine(ax=ax)
        return _done(fig)

    def provinces_chart(self, top: int = 10):
        """Orders by province this week (top N)."""
        paid = self._paid()
        paid = paid[paid["week"] == 0]
        if "province" not in paid:
            return None
        by = sales_metrics.sales_metrics(paid, by=["province"], params=self.params)
        by = by.nlargest(top, "orders")
        ax = plots.bar(by, "province", "orders", horizontal=True, title=self._t("regions"),
                       xlabel=self._t("province"), ylabel=self._t("paid_orders"))
        return _done(ax.figure)

    def payment_hours_chart(self):
        """Share of payments by hour: this week against the 4-week average."""
        paid = self._paid()
        paid = paid[paid["week"].between(-HISTORY_WEEKS, 0)]
        paid = paid.assign(hour=paid["paid_at"].dt.hour,
                           series=np.where(paid["week"] == 0, self._t("this_period"),
                                           self._t("avg_4")))
        shares = (paid.groupby("series")["hour"].value_counts(normalize=True)
                  .rename("share").reset_index())
        ax = plots.line(shares, "hour", "share", hue="series", title=self._t("payment_hours"),
                        xlabel=self._t("hour"), ylabel=self._t("share"))
        ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
        ax.set_xticks(range(0, 24, 2))
        ax.legend(title="")
        return _done(ax.figure)

    # ------------------------------------------------------------------ text
    def title(self) -> HTML:
        p = self.period
        toc = "".join(f'<li><a href="#{k}">{self._t(k)}</a></li>' for k in
                      ("headline", "daily_sales", "agents", "regions", "payment_hours",
                       "appendix"))
        return HTML(
            f"<h1>{self._t('weekly_title')} {p.label}</h1>"
            f"<p>{p.start:%Y-%m-%d} – {p.end:%Y-%m-%d} · {self._t('generated_at')} "
            f"{self.generated_at:%Y-%m-%d %H:%M}</p><ul>{toc}</ul>"
        )

    def section(self, key: str) -> HTML:
        return HTML(f'<h2 id="{key}">{self._t(key)}</h2>')

    def appendix(self):
        """The metric definitions and the thresholds this report used."""
        from csops_lib.labels import DEFINITIONS

        lang = 0 if self.lang == "zh" else 1
        rows = [{self._t("metric"): self._t(k),
                 self._t("definition"): DEFINITIONS[k][lang].format(**self.params)}
                for k in DEFINITIONS]
        rows += [{self._t("metric"): k,
                  self._t("definition"): self._t("auto") if v is None else str(v)}
                 for k, v in self.params.items() if k not in ("data_dir",)]
        return pd.DataFrame(rows).style.hide(axis="index")
