"""Per-agent and per-store daily KPI tables (the ``--by date,agent`` / ``--by store,date`` views).

Everything is computed once from the raw tables: messages → sessions and turns (§3), orders →
attribution (§4) and inquiry outcomes (§2). Rounding for reports: times to 0.1 s, rates to 4
decimals, money to 0.01; counts are ``Int64``.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from csops_lib.metrics import day_tables
from csops_lib.metrics._common import (
    DAY,
    as_ns,
    key_text,
    params_of,
    ratio,
    require,
    texts,
)
from csops_lib.metrics.attribution import (
    ORDER_COLUMNS,
    _attribute,
    _outcomes,
    _prep_sessions,
    default_as_of,
)
from csops_lib.metrics.chat import (
    _agent_day_from,
    _aqr_from,
    _auto_first_from_sessions,
    _platform_from,
    _quantiles_from,
    _within_from,
)
from csops_lib.metrics.conversion import _store_from
from csops_lib.metrics.sessions import CHAT_COLUMNS, _session_finish

AGENT_KPI_COLUMNS = ["date", "agent", "sessions", "presale_sessions", "replied", "unanswered",
                     "reply_rate", "first_response_s", "avg_response_s", "slow_sessions",
                     "long_sessions", "max_concurrent", "inquiries", "inquiry_buyers",
                     "inquiry_conversion", "orders", "sales", "buyers", "aov"]
EXTRA_COLUMNS = ["next_day_buyers", "next_day_conversion", "items", "within_3min_rate",
                 "platform_avg_response_s", "response_p50_s", "response_p90_s",
                 "answer_question_ratio", "auto_first_share", "refunds", "refund_amount",
                 "provisional"]
TIME_COLUMNS = ["first_response_s", "avg_response_s", "platform_avg_response_s",
                "response_p50_s", "response_p90_s"]
RATE_COLUMNS = ["reply_rate", "inquiry_conversion", "next_day_conversion", "within_3min_rate",
                "answer_question_ratio", "auto_first_share", "callin_conversion",
                "silent_conversion", "store_conversion"]
MONEY_COLUMNS = ["sales", "aov", "refund_amount"]
COUNT_COLUMNS = ["sessions", "presale_sessions", "replied", "unanswered", "slow_sessions",
                 "long_sessions", "max_concurrent", "inquiries", "inquiry_buyers", "orders",
                 "buyers", "next_day_buyers", "items", "refunds", "silent_buyers", "uv"]


def _finish(df: pd.DataFrame) -> pd.DataFrame:
    """Round for reports and type the counts."""
    for col in TIME_COLUMNS:
        if col in df.columns:
            df[col] = df[col].astype("float64").round(1)
    for col in RATE_COLUMNS:
        if col in df.columns:
            df[col] = df[col].astype("float64").round(4)
    for col in MONEY_COLUMNS:
        if col in df.columns:
            df[col] = df[col].astype("float64").round(2)
    for col in COUNT_COLUMNS:
        if col in df.columns:
            df[col] = pd.array(np.rint(pd.to_numeric(df[col], errors="coerce")
                                       .astype("float64")), dtype="Int64")
    return df


def _between(df: pd.DataFrame, date_from, date_to) -> pd.DataFrame:
    if date_from is not None:
        df = df[df["date"] >= pd.Timestamp(date_from).normalize()]
    if date_to is not None:
        df = df[df["date"] <= pd.Timestamp(date_to).normalize()]
    return df.reset_index(drop=True)


def _as_of(p: dict[str, Any], chats: pd.DataFrame, orders: pd.DataFrame) -> pd.Timestamp:
    if p.get("as_of") is not None:
        return pd.Timestamp(p["as_of"])
    return default_as_of((chats, "sent_at"), (orders, "paid_at"), (orders, "created_at"))


def agent_kpis(chats: pd.DataFrame, orders: pd.DataFrame, refunds: pd.DataFrame | None = None,
               traffic: pd.DataFrame | None = None, params: dict[str, Any] | None = None,
               date_from=None, date_to=None, **overrides: Any) -> pd.DataFrame:
    """One row per ``date, agent``: the agent's daily scorecard (METRICS.md §2–§4).

    Columns, in this order (then extras):

    * date, agent;
    * from the chats (§3, :func:`~csops_lib.metrics.chat.agent_day_stats`): sessions
      (接待人数), presale_sessions, replied, unanswered (咨询未回复数), reply_rate (回复率),
      first_response_s (首次响应时间, mean over sessions), avg_response_s (平均响应时间, mean
      of session means), slow_sessions (慢响应), long_sessions (长接待), max_concurrent
      (最大同时接待数);
    * inquiries (询单人数) = distinct customers with a pre-sale session with the agent that day;
      inquiry_buyers (询单→最终付款人数) = those who paid from the session start to the end of
      D + ``followup_days``; inquiry_conversion (询单转化率) = inquiry_buyers / inquiries;
    * orders, sales (销售额), buyers, aov (客单价 = sales / buyers): paid orders credited to
      the agent by attribution (§4: order's agent field, else the handover / latest-session
      rule), on the day of ``paid_at``. Silent orders belong to no agent row;
    * extras: next_day_buyers, next_day_conversion (询单→次日付款), items, within_3min_rate
      (3分钟响应率), platform_avg_response_s (旺旺人工平响), response_p50_s / response_p90_s
      (turn response times), answer_question_ratio (答问比), auto_first_share, refunds and
      refund_amount (refunds whose ``agent`` is this agent, by the day of ``applied_at``; only
      when ``refunds`` is given), provisional (the day's follow-up window ends after ``as_of``,
      so inquiry conversion may still rise).

    Rows: every date and agent with a session or a credited order. A day with credited sales
    but no session has sessions 0 and NaN means and rates (max_concurrent counts that day's
    outreach messages, 0 without any). Rates with a zero denominator are NaN. Sorted by date,
    agent; rounded (times 0.1 s, rates 4 decimals, money 0.01); counts ``Int64``.
    ``date_from`` / ``date_to`` (inclusive) filter the rows after computing on all the data, so
    sessions before the period still credit orders in it. ``traffic`` is not used per agent
    (accepted for a uniform call with :func:`store_kpis`).
    """
    p = params_of(params, overrides)
    require(chats, CHAT_COLUMNS, "chats")
    require(orders, ORDER_COLUMNS, "orders")
    days = day_tables.from_messages(chats, p["concurrency_window_s"])
    return _agent_kpis(days, orders, refunds, p, _as_of(p, chats, orders), date_from, date_to)


def agent_kpis_from_days(days: day_tables.Days, orders: pd.DataFrame,
                         refunds: pd.DataFrame | None = None,
                         params: dict[str, Any] | None = None, date_from=None, date_to=None,
                         **overrides: Any) -> pd.DataFrame:
    """:func:`agent_kpis` from the per-day session / turn / agent-day tables
    (:mod:`csops_lib.metrics.day_tables`) instead of the messages: the same table.
    ``days.max_concurrent`` must be for ``concurrency_window_s``."""
    p = params_of(params, overrides)
    require(orders, ORDER_COLUMNS, "orders")
    return _agent_kpis(days, orders, refunds, p, _days_as_of(p, days, orders), date_from,
                       date_to)


def _days_as_of(p: dict[str, Any], days: day_tables.Days, orders: pd.DataFrame):
    if p.get("as_of") is not None:
        return pd.Timestamp(p["as_of"])
    chats_last = pd.DataFrame({"t": [days.last_at]})
    return default_as_of((chats_last, "t"), (orders, "paid_at"), (orders, "created_at"))


def _agent_day_numbers(sess: pd.DataFrame) -> tuple[np.ndarray, pd.MultiIndex]:
    """Each session's agent-day number (in (date, agent) order) and the (date, agent) index
    of the numbers."""
    a_code, agents = pd.factorize(sess["agent"], sort=True)
    d_code, dates = pd.factorize(sess["date"], sort=True)
    combo = d_code.astype(np.int64) * max(len(agents), 1) + a_code
    uniq, codes = np.unique(combo, return_inverse=True)
    index = pd.MultiIndex.from_arrays(
        [pd.DatetimeIndex(dates)[uniq // max(len(agents), 1)],
         pd.Index(np.asarray(agents, dtype=object)[uniq % max(len(agents), 1)], dtype=object)],
        names=["date", "agent"])
    return codes.reshape(-1).astype(np.int64), index


def _agent_kpis(days: day_tables.Days, orders: pd.DataFrame, refunds: pd.DataFrame | None,
                p: dict[str, Any], as_of, date_from, date_to) -> pd.DataFrame:
    turns = days.turns
    sessions, orders = day_tables.key_customers(days.sessions, orders)
    sess = _session_finish(sessions, turns, orders, p, as_text=False, keyed=True)
    key = ["date", "agent"]

    mc_frame = days.max_concurrent
    g_sess, index = _agent_day_numbers(sess)
    day = _agent_day_from(sess, mc_frame, (g_sess, index)).drop(columns="max_concurrent") \
        .set_index(key)
    mc = mc_frame.set_index(key)["max_concurrent"]

    ps = _prep_sessions(sess, p, keyed=True)
    outc = _outcomes(ps, orders, p, as_of, keyed=True)
    has_cust = "customer_id" in orders.columns
    ig = outc.groupby(key, sort=True)
    inq = pd.DataFrame({"inquiries": ig["customer_id"].nunique()})
    if has_cust:
        inq["inquiry_buyers"] = ig["paid"].sum()
        inq["next_day_buyers"] = ig["paid_next_day"].sum()

    att = _attribute(orders, ps, days.messages, p, keyed=True)
    po = pd.DataFrame({
        "date": as_ns(orders["paid_at"]).dt.normalize().to_numpy(),
        "agent": att["credited_agent"].to_numpy(),
        "amount": pd.to_numeric(orders["amount"], errors="coerce").astype("float64").to_numpy(),
        "customer_id": orders["customer_id"].to_numpy() if has_cust else np.nan,
        "qty": (pd.to_numeric(orders["quantity"], errors="coerce").astype("float64")
                .fillna(1.0).to_numpy() if "quantity" in orders.columns else 1.0),
    })
    po = po[po["agent"].notna() & po["date"].notna()]
    og = po.groupby(key, sort=True)
    sales = pd.DataFrame({"orders": og.size(), "sales": og["amount"].sum(),
                          "items": og["qty"].sum()})
    sales["buyers"] = og["customer_id"].nunique() if has_cust else np.nan

    # the turn statistics grouped by one integer (agent-day number) instead of two columns:
    # the same groups, in the same order, with their rows in the same order (same sums)
    sg = sess[["n_agent", "n_customer", "n_turns", "auto_first_turns"]].assign(_g=g_sess)
    gk = ["_g"]

    def by_day(frame: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
        return frame.set_index(index[frame["_g"].to_numpy()])[cols]

    tg = None if turns is None else turns[["first_at", "answered", "response_s"]].assign(
        _g=g_sess[turns["sid"].to_numpy()])
    if days.turn_stats is not None:  # computed at ingest with these parameters
        turn_parts = [days.turn_stats.set_index(key)[day_tables.TURN_STAT_COLUMNS]]
    else:
        turn_parts = [by_day(_within_from(tg, p, gk), ["within_3min_rate"]),
                      by_day(_platform_from(tg, p, gk), ["platform_avg_response_s"])]
    turn_parts += [
        (by_day(_quantiles_from(tg, gk), day_tables.QUANTILE_COLUMNS)
         if days.quantiles is None else days.quantiles.set_index(key)),
        by_day(_auto_first_from_sessions(sg, gk), ["auto_first_share"]),
        by_day(_aqr_from(sg, gk), ["answer_question_ratio"]),
    ]
    out = day.join([inq, sales], how="outer")
    out = out.join(turn_parts, how="left")
    out = out.join(mc, how="left")
    if refunds is not None:
        require(refunds, ["applied_at"], "refunds")
        if "agent" in refunds.columns:
            r = pd.DataFrame({
                "date": as_ns(refunds["applied_at"]).dt.normalize(),
                "agent": key_text(refunds["agent"]),
                "amount": (pd.to_numeric(refunds["amount"], errors="coerce").astype("float64")
                           if "amount" in refunds.columns else np.nan)})
            rg = r.dropna(subset=["date", "agent"]).groupby(key)
            out = out.join(pd.DataFrame({"refunds": rg.size(),
                                         "refund_amount": rg["amount"].sum()}), how="left")
            out["refunds"] = out["refunds"].fillna(0)
            out["refund_amount"] = out["refund_amount"].fillna(0.0)
    out = out.reset_index()
    zero = ["sessions", "presale_sessions", "replied", "unanswered", "slow_sessions",
            "long_sessions", "max_concurrent", "inquiries", "orders", "items"]
    if has_cust:
        zero += ["inquiry_buyers", "next_day_buyers", "buyers"]
    else:
        out["inquiry_buyers"] = np.nan
        out["next_day_buyers"] = np.nan
    for col in zero:
        out[col] = out[col].fillna(0)
    out["sales"] = out["sales"].fillna(0.0)
    out["reply_rate"] = ratio(out["replied"], out["sessions"])
    out["inquiry_conversion"] = ratio(out["inquiry_buyers"], out["inquiries"])
    out["next_day_conversion"] = ratio(out["next_day_buyers"], out["inquiries"])
    out["aov"] = ratio(out["sales"], out["buyers"])
    fd = int(p["followup_days"])
    out["provisional"] = ((out["date"] + DAY * (fd + 1)) > as_of) if pd.notna(as_of) else True
    cols = AGENT_KPI_COLUMNS + [c for c in EXTRA_COLUMNS if c in out.columns]
    out = out[cols].sort_values(key, kind="stable")
    out = _finish(texts(_between(out, date_from, date_to), ["agent"]))
    return out


def store_kpis(chats: pd.DataFrame, orders: pd.DataFrame, traffic: pd.DataFrame | None = None,
               params: dict[str, Any] | None = None, date_from=None, date_to=None,
               **overrides: Any) -> pd.DataFrame:
    """One row per ``date, store`` (the ``--by store,date`` view, METRICS.md §2).

    Columns: date, store, uv (访客数), inquiries (询单人数: distinct customers with a pre-sale
    session), callin_conversion (询单率 = inquiries / uv), inquiry_buyers, inquiry_conversion
    (询单转化率), next_day_buyers, next_day_conversion (询单→次日付款), silent_buyers,
    silent_conversion (静默转化率 = silent buyers / uv), buyers, store_conversion (全店转化率 =
    buyers / uv), orders, sales, aov, provisional. See
    :mod:`csops_lib.metrics.conversion` for the definitions. NaN for a zero denominator
    (all UV rates NaN without ``traffic``); rounded like :func:`agent_kpis`; rows for every
    store-day with a session, a paid order or traffic; ``date_from`` / ``date_to`` inclusive.
    """
    p = params_of(params, overrides)
    require(chats, CHAT_COLUMNS, "chats")
    require(orders, ORDER_COLUMNS, "orders")
    days = day_tables.from_messages(chats, p["concurrency_window_s"])
    return _store_kpis(days, orders, traffic, p, _as_of(p, chats, orders), date_from, date_to)


def store_kpis_from_days(days: day_tables.Days, orders: pd.DataFrame,
                         traffic: pd.DataFrame | None = None,
                         params: dict[str, Any] | None = None, date_from=None, date_to=None,
                         **overrides: Any) -> pd.DataFrame:
    """:func:`store_kpis` from the per-day tables (:mod:`csops_lib.metrics.day_tables`)."""
    p = params_of(params, overrides)
    require(orders, ORDER_COLUMNS, "orders")
    return _store_kpis(days, orders, traffic, p, _days_as_of(p, days, orders), date_from,
                       date_to)


def _store_kpis(days: day_tables.Days, orders: pd.DataFrame, traffic: pd.DataFrame | None,
                p: dict[str, Any], as_of, date_from, date_to) -> pd.DataFrame:
    sessions, orders = day_tables.key_customers(days.sessions, orders)
    sess = _session_finish(sessions, days.turns, orders, p, as_text=False, keyed=True)
    out = _store_from(sess, days.messages, orders, traffic, p, as_of, keyed=True)
    cols = ["date", "store", "uv", "inquiries", "callin_conversion", "inquiry_buyers",
            "inquiry_conversion", "next_day_buyers", "next_day_conversion", "silent_buyers",
            "silent_conversion", "buyers", "store_conversion", "orders", "sales", "aov",
            "provisional"]
    return _finish(_between(out[cols], date_from, date_to))
