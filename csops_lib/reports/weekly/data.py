"""The weekly (or monthly) review's data: the period and the periods before it (4 weeks, or 3
months) read from the store once, every metric input computed once.

:func:`load` returns a :class:`WeeklyData`; the frame builders (``frames.py``) are pure
functions over it. Its properties named in the sections' ``needs`` say which sections the data
allow (a property is empty when its section has nothing to show).

Shops without message logs: when the store has no chats in the period but has the platform's
per-agent export (``agent_stats``), the KPIs come from
:func:`csops_lib.metrics.agent_stats.kpis_from_agent_stats` and ``source`` is
``"agent_stats"``: the sections that need messages are left out.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from csops_lib import engine, periods, store
from csops_lib.metrics import day_tables, questions
from csops_lib.metrics import kpis as kpi_metrics
from csops_lib.metrics import sales as sales_metrics
from csops_lib.metrics.agent_stats import kpis_from_agent_stats
from csops_lib.metrics.attribution import attribute_orders
from csops_lib.metrics.conversion import traffic_uv
from csops_lib.metrics.periods_compare import period_index, promo_days
from csops_lib.metrics.sessions import build_sessions
from csops_lib.settings.shop import load_shop_params
from csops_lib.settings.weekly import WeeklySettings

#: how many earlier periods the review compares with (the average is over these)
HISTORY = {"week": 4, "month": 3}

_EMPTY = pd.DataFrame()


@dataclass(eq=False)
class WeeklyData:
    """Everything the weekly or monthly review shows, for one week or month."""

    period: periods.Period
    params: dict[str, Any]
    orders: pd.DataFrame          # orders read (paid and unpaid), creation days around the span
    kpis: pd.DataFrame            # agent-day KPIs over the span (agent_kpis or agent_stats)
    sessions: pd.DataFrame | None  # build_sessions over the span; None without message logs
    attributed: pd.DataFrame | None  # paid orders of the span with their attribution
    messages: pd.DataFrame        # customer messages of the period (text) for the questions
    refunds: pd.DataFrame
    traffic: pd.DataFrame
    callbacks: pd.DataFrame
    dsr: pd.DataFrame
    roster: pd.DataFrame
    promos: pd.DataFrame
    source: str                   # "chats" | "agent_stats" | "none"
    data_start: dt.date | None
    data_end: dt.date | None
    top_questions: int = WeeklySettings.model_fields["top_questions"].default
    pii: frozenset[str] = frozenset()
    _memo: dict[str, Any] = field(default_factory=dict, repr=False)

    def memo(self, key: str, build: Callable[[], Any]) -> Any:
        """``build()`` computed once per data (frames used by several sections)."""
        if key not in self._memo:
            self._memo[key] = build()
        return self._memo[key]

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

    def index(self, dates) -> pd.Series:
        """The period index of each date: 0 this period, −1 the one before, …"""
        return period_index(dates, self.period.start, self.kind)

    def within(self, df: pd.DataFrame | None, col: str, which: Iterable[int] = (0,)):
        """Rows of ``df`` whose ``col`` falls in the periods ``which`` (indexes)."""
        if df is None or df.empty or col not in df.columns:
            return df.iloc[0:0] if df is not None else pd.DataFrame()
        idx = self.index(df[col]).to_numpy()
        return df[np.isin(idx, list(which))]

    def covered(self, i: int) -> bool:
        """Whether the data cover period ``i`` from its first day (else it is incomplete and
        left out of trends and averages). This period (0) is always shown."""
        if i == 0:
            return True
        return self.data_start is not None and self.period.shift(i).start >= self.data_start

    @property
    def covered_history(self) -> list[int]:
        return [i for i in self.shown[:-1] if self.covered(i)]

    # ------------------------------------------------------------------ promo days
    @property
    def promo_days(self) -> pd.DatetimeIndex:
        """The days of the shown periods that a promo (table ``promos``) covers."""
        return self.memo("promo_days", lambda: promo_days(
            self.promos, self.period.shift(-self.history).start, self.period.end))

    def baseline_index(self, dates) -> pd.Series:
        """Like :meth:`index`, but the promo days of the earlier periods give NaN: the
        baseline (the average of the earlier periods) leaves them out. This period keeps
        its promo days (it is what it is; the headline says it held a promo)."""
        d = pd.to_datetime(pd.Series(dates)).dt.normalize()
        idx = self.index(d).astype("float64")
        return idx.mask(d.isin(self.promo_days).to_numpy() & (idx < 0).to_numpy())

    def period_days(self) -> pd.DataFrame:
        """Per shown period index: ``days`` (its length) and ``kept`` (its days the baseline
        keeps: all of this period, the non-promo days of the earlier ones)."""
        rows = []
        for i in self.shown:
            p = self.period.shift(i)
            days = pd.date_range(p.start, p.end, freq="D")
            kept = len(days) if i == 0 else int((~days.isin(self.promo_days)).sum())
            rows.append({"pidx": i, "days": len(days), "kept": kept})
        return pd.DataFrame(rows).set_index("pidx")

    def promo_periods(self) -> dict[int, pd.DatetimeIndex]:
        """Earlier covered periods holding promo days: period index → those days."""
        out = {}
        for i in self.covered_history:
            p = self.period.shift(i)
            days = self.promo_days[(self.promo_days >= pd.Timestamp(p.start))
                                   & (self.promo_days <= pd.Timestamp(p.end))]
            if len(days):
                out[i] = days
        return out

    # ------------------------------------------------------------------ shared inputs
    @property
    def paid(self) -> pd.DataFrame:
        """Paid orders of the shown periods, with ``pidx`` (period index)."""
        def build():
            paid = sales_metrics.paid_orders(self.orders)
            paid = paid.assign(pidx=self.index(paid["paid_at"]).to_numpy())
            return paid[paid["pidx"].between(-self.history, 0)]
        return self.memo("paid", build)

    @property
    def uv(self) -> pd.DataFrame:
        """Daily UV per store (traffic_uv) with ``pidx``; empty without traffic."""
        if self.traffic.empty or "uv" not in self.traffic:
            return pd.DataFrame(columns=["date", "store", "uv", "pidx"])
        uv = traffic_uv(self.traffic)
        return uv.assign(pidx=self.index(uv["date"]).to_numpy())

    # ------------------------------------------------------------------ what sections need
    @property
    def bridge_ready(self) -> bool:
        """Whether the sales bridge can compare this period with the previous one (the data
        cover the previous period and both have paid orders)."""
        pidx = self.paid["pidx"]
        return self.covered(-1) and bool((pidx == 0).any()) and bool((pidx == -1).any())

    @property
    def this_paid(self) -> pd.DataFrame:
        """Paid orders of this period (one frame for every section: copy-on-write keeps a
        section's changes to itself)."""
        return self.memo("this_paid", lambda: self.paid[self.paid["pidx"] == 0])

    @property
    def this_provinces(self) -> pd.DataFrame:
        p = self.this_paid
        return p if "province" in p and p["province"].notna().any() else _EMPTY

    @property
    def this_kpis(self) -> pd.DataFrame:
        return self.within(self.kpis, "date")

    @property
    def this_inquiries(self) -> pd.DataFrame:
        k = self.this_kpis
        if k.empty or not pd.to_numeric(k["inquiries"], errors="coerce").sum() > 0:
            return _EMPTY
        return k

    @property
    def month_kpis(self) -> pd.DataFrame:
        return self.this_kpis if self.kind == "month" else _EMPTY

    @property
    def chat_attributed(self) -> pd.DataFrame | None:
        return self.attributed if self.source == "chats" else None

    @property
    def chat_sessions(self) -> pd.DataFrame:
        if self.source != "chats" or self.sessions is None:
            return _EMPTY
        return self.within(self.sessions, "date")

    @property
    def chat_messages(self) -> pd.DataFrame:
        return self.messages if self.source == "chats" else _EMPTY

    @property
    def this_callbacks(self) -> pd.DataFrame:
        if "result" not in self.callbacks:
            return _EMPTY
        return self.within(self.callbacks, "date")

    @property
    def this_refunds(self) -> pd.DataFrame:
        return self.within(self.refunds, "applied_at")


def load(data_dir: str | Path, week: str | None = None, *, month: str | None = None,
         period: str = "week", params: dict[str, Any] | None = None,
         top_questions: int | None = None) -> WeeklyData:
    """Read the store and compute everything for the period and the periods before it.

    ``month`` (e.g. "2026-10") or ``period="month"`` gives the monthly review (the month
    against the previous month and the 3-month average); else the ISO ``week`` (default: the
    last complete week in the data) against the previous week and the 4-week average.
    ``top_questions``: how many frequent questions to keep (default: the settings model's).
    """
    data_dir = Path(data_dir)
    if top_questions is None:
        top_questions = WeeklySettings().top_questions
    if period not in HISTORY:
        raise ValueError(f"period must be week or month, not {period!r}")
    span = store.date_range(data_dir, "orders")
    if span is None:
        raise FileNotFoundError(f"no orders in the store {data_dir}: run `csops ingest` first")
    kind = "month" if (month or period == "month") else "week"
    per = periods.resolve(kind, (month if kind == "month" else week) or None, data_end=span[1])
    p = dict(params or load_shop_params())
    first = per.shift(-HISTORY[kind]).start
    fd = int(p["followup_days"])
    # orders are partitioned by creation day: read back far enough for orders created earlier
    # and paid later and for the after-sales look-back rule, and forward over the follow-up
    # window (inquiry conversion counts payments made after the period)
    back = max(7, int(p["after_sales_lookback_days"]))
    orders = store.read(data_dir, "orders", first - dt.timedelta(days=back),
                        per.end + dt.timedelta(days=fd))
    # chats from the follow-up window before the span, so that early orders are credited:
    # the per-day tables derived at ingest when the store has them, else the messages
    end = pd.Timestamp(per.end) + pd.Timedelta(days=1)
    days = engine.read_days(data_dir, first - dt.timedelta(days=fd), per.end,
                            p["concurrency_window_s"])
    if days is not None:
        chats = None
        active = days.max_concurrent["date"]  # every agent-day with a message
        in_period = bool(active.between(pd.Timestamp(per.start), pd.Timestamp(per.end)).any())
    else:
        chats = store.read(data_dir, "chats", first - dt.timedelta(days=fd), per.end)
        in_period = (not chats.empty and "sent_at" in chats
                     and chats["sent_at"].between(pd.Timestamp(per.start), end,
                                                  inclusive="left").any())
    sessions = attributed = None
    messages = pd.DataFrame()
    if in_period:
        source = "chats"
        if days is not None:
            kpis = kpi_metrics.agent_kpis_from_days(days, orders, params=p, date_from=first,
                                                    date_to=per.end)
            sessions = day_tables.build_sessions_from_days(days, orders, params=p)
            said = store.read(data_dir, "chats", per.start, per.end,
                              columns=["sent_at", "customer_id", "sender", "text"])
        else:
            kpis = kpi_metrics.agent_kpis(chats, orders, params=p, date_from=first,
                                          date_to=per.end)
            sessions = build_sessions(chats, orders, params=p)
            said = chats
        sessions = sessions[sessions["date"] >= pd.Timestamp(first)].reset_index(drop=True)
        paid = orders[orders["paid_at"].notna()] if "paid_at" in orders else orders
        span_paid = paid[paid["paid_at"].between(pd.Timestamp(first), end, inclusive="left")]
        attributed = attribute_orders(span_paid, sessions, p)
        if "text" in said.columns:
            day = said["sent_at"].dt.normalize()
            keep = (day.between(pd.Timestamp(per.start), pd.Timestamp(per.end))
                    & said["sender"].eq("customer"))
            messages = said.loc[keep.to_numpy(), ["customer_id", "sender", "text"]]
    else:
        stats = store.read(data_dir, "agent_stats", first, per.end)
        if not stats.empty:
            source = "agent_stats"
            kpis = kpis_from_agent_stats(stats)
        else:
            source = "none"
            kpis = pd.DataFrame(columns=kpi_metrics.AGENT_KPI_COLUMNS)
    del chats, days
    starts = [store.date_range(data_dir, t) for t in
              ("orders", "chats" if source == "chats" else "agent_stats")]
    starts = [s for s in starts if s]
    return WeeklyData(
        period=per, params=p, orders=orders, kpis=kpis, sessions=sessions,
        attributed=attributed, messages=messages,
        refunds=store.read(data_dir, "refunds", first, per.end),
        traffic=store.read(data_dir, "traffic", first, per.end),
        callbacks=store.read(data_dir, "callbacks", first, per.end),
        dsr=store.read(data_dir, "dsr", first, per.end),
        roster=store.read(data_dir, "roster"), promos=store.read(data_dir, "promos"),
        source=source, data_start=max(s[0] for s in starts) if starts else None,
        data_end=span[1], top_questions=top_questions, pii=questions.order_pii(orders))
