"""Chat-log metrics per agent and day (METRICS.md §3, table ``chats``).

All functions take the raw chat log (one row per message) and never modify it. Turns and
sessions are those of :mod:`csops_lib.metrics.sessions`. Grouping: ``by`` is any subset of
``date``, ``agent``, ``store`` (``None`` or ``()`` = one overall row).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

from csops_lib.metrics._common import (
    NS_PER_S,
    coverage_intervals,
    hour_in,
    params_of,
    ratio,
    require,
)
from csops_lib.metrics.sessions import _messages, _sessions_from, _split, _turns

BY_DEFAULT = ("date", "agent")


# --- grouping helper ---------------------------------------------------------------------------
def _agg(df: pd.DataFrame, by: Sequence[str] | None, **named) -> pd.DataFrame:
    """``df.groupby(by).agg(**named)`` with ``by`` empty meaning one overall row."""
    by = list(by or [])
    missing = [c for c in by if c not in df.columns]
    if missing:
        raise ValueError(f"cannot group by {', '.join(missing)}: not a column of the data")
    if not by:
        out = df.assign(_all=0).groupby("_all").agg(**named).reset_index(drop=True)
        if out.empty:  # no rows at all: still one overall row of NaN / 0
            out = pd.DataFrame({k: [np.nan] for k in named})
        return out
    return df.groupby(by, sort=True, dropna=False).agg(**named).reset_index()


# --- max_concurrent ----------------------------------------------------------------------------
def _max_concurrent_from(m: pd.DataFrame, window_s: float) -> pd.DataFrame:
    """Max concurrent distinct customers per (date, agent) of the cleaned messages ``m``.

    ``m`` is sorted by (agent, customer, date, sent_at) with ``gid`` = (agent, customer, day).

    Method and proof. Fix an agent-day and let W = 2 × window (ns, integers). By METRICS.md
    the value is max over message times t of D(t) = #customers with a message in [t, t + W].
    For one customer with message times s_1 ≤ s_2 ≤ … (s_0 = −∞) give message j the interval
        I_j = [max(s_j − W, s_{j−1} + 1), s_j]        (empty when s_j = s_{j−1}).
    Claim: t ∈ I_j ⟺ s_j is the customer's first message at or after t and s_j ≤ t + W.
    (⇐) s_j first at/after t means s_{j−1} < t ≤ s_j, i.e. s_{j−1} + 1 ≤ t ≤ s_j on integer
    ns; with s_j ≤ t + W, t ≥ s_j − W. (⇒) the same inequalities read backwards.
    The customer has a message in [t, t + W] ⟺ its first message at/after t exists and is
    ≤ t + W ⟺ t lies in exactly one I_j (the I_j of one customer are disjoint, since the
    ranges (s_{j−1}, s_j] partition the line). Hence D(t) = #{j over all customers: t ∈ I_j}
    = #{lo_j ≤ t} − #{hi_j < t} (every interval with hi_j < t also has lo_j ≤ t).
    That is a sweep: events (lo, +1), (query t, 0), (hi, −1) sorted by (agent-day, value,
    kind) with opens before queries before closes at equal values; the running sum at a
    query is D(t). Each agent-day's opens and closes cancel, so one global cumsum serves all
    groups. O(n log n), no loop.

    The sweep is evaluated with two sorted arrays instead of sorting all events: give every
    value the key (agent-day number) · SPAN + (value − day start + W), which orders by
    agent-day then value (SPAN > any offset); then D(t) = #{lo keys ≤ t key} − #{hi keys < t
    key}, because earlier agent-days have as many opens as closes. Two ``searchsorted``;
    falls back to one ``lexsort`` of the events when the keys would overflow int64.
    """
    if m.empty:
        return pd.DataFrame({"date": pd.Series(dtype="datetime64[ns]"),
                             "agent": pd.Series(dtype=object),
                             "max_concurrent": pd.Series(dtype="int64")})
    w2 = int(round(2 * float(window_s) * NS_PER_S))
    t = m["sent_at"].to_numpy(dtype="datetime64[ns]").view(np.int64)
    lo, keep, first = coverage_intervals(t, m["gid"].to_numpy(), w2)
    # agent-day number in (date, agent) order: agent codes follow the text order
    a_code, a_uniq = _agent_codes(m, first)
    day0 = m["date"].to_numpy(dtype="datetime64[ns]").view(np.int64)
    d_code, d_uniq = _day_codes(day0)
    combo = d_code * len(a_uniq) + a_code
    g_uniq, g = _dense_rank(combo)
    span = 86_400 * NS_PER_S + w2 + 1
    if w2 >= 0 and len(g_uniq) * span < 2 ** 62:
        base = g.astype(np.int64) * span - day0 + w2
        q = np.sort(base + t)
        lo_k = np.sort(base[keep] + lo[keep])
        hi_k = np.sort(base[keep] + t[keep])
        counts = np.searchsorted(lo_k, q, side="right") - np.searchsorted(hi_k, q, side="left")
        qgrp = q // span
    else:
        n = len(t)
        nk = int(keep.sum())
        val = np.concatenate([lo[keep], t, t[keep]])
        grp = np.concatenate([g[keep], g, g[keep]])
        kind = np.concatenate([np.zeros(nk, np.int8), np.ones(n, np.int8),
                               np.full(nk, 2, np.int8)])
        delta = np.concatenate([np.ones(nk, np.int64), np.zeros(n, np.int64),
                                -np.ones(nk, np.int64)])
        order = np.lexsort((kind, val, grp))
        run = np.cumsum(delta[order])
        is_query = kind[order] == 1
        counts = run[is_query]
        qgrp = grp[order][is_query]
    starts = np.flatnonzero(np.r_[True, qgrp[1:] != qgrp[:-1]])
    best = np.maximum.reduceat(counts, starts)
    n_agents = len(a_uniq)
    keys = pd.DataFrame({
        "date": np.asarray(d_uniq, dtype=np.int64)[g_uniq // n_agents].view("datetime64[ns]"),
        "agent": np.asarray(a_uniq, dtype=object)[g_uniq % n_agents],
        "max_concurrent": best.astype(np.int64),
    })
    keys.columns = keys.columns.astype(object)  # as the groupby path made them
    return keys


def _agent_codes(m: pd.DataFrame, first: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes of ``m["agent"]`` in text order, and the sorted agents. ``m`` is sorted by agent
    first (``first`` marks each (agent, customer, day) group's first row), so the agent can
    only change at a group's first row: compare there, count the changes."""
    agent = m["agent"].to_numpy(dtype=object)
    heads = np.flatnonzero(first)
    names = agent[heads]
    change = np.ones(len(heads), dtype=bool)
    change[1:] = names[1:] != names[:-1]
    uniques = names[change]
    try:
        in_order = bool(np.all(uniques[1:] > uniques[:-1]))
    except TypeError:
        in_order = False
    if not in_order:  # not sorted by agent after all: the general way
        codes, uniques = pd.factorize(m["agent"].astype(object), sort=True)
        return codes.astype(np.int64), np.asarray(uniques, dtype=object)
    head_code = np.cumsum(change) - 1
    run = np.cumsum(first) - 1
    return head_code[run].astype(np.int64), uniques


def _day_codes(day0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Day numbers in order (0, 1, … over the days present) and the days (int64 ns)."""
    if not len(day0):
        return day0.astype(np.int64), day0.astype(np.int64)
    step = 86_400 * NS_PER_S
    lo = int(day0.min())
    if bool(((day0 - lo) % step == 0).all()):  # midnights: count, no sort
        return _compress((day0 - lo) // step, lo, step)
    codes, uniques = pd.factorize(day0, sort=True)
    return codes.astype(np.int64), np.asarray(uniques, dtype=np.int64)


def _compress(code: np.ndarray, lo: int, step: int) -> tuple[np.ndarray, np.ndarray]:
    present = np.zeros(int(code.max()) + 1, dtype=bool)
    present[code] = True
    rank = np.cumsum(present) - 1
    return rank[code].astype(np.int64), lo + step * np.flatnonzero(present).astype(np.int64)


def _dense_rank(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(x, return_inverse=True)`` for non-negative ints, by counting when the
    range is small."""
    if len(x) and int(x.max()) < 50_000_000:
        present = np.zeros(int(x.max()) + 1, dtype=bool)
        present[x] = True
        rank = np.cumsum(present) - 1
        return np.flatnonzero(present).astype(np.int64), rank[x].astype(np.int64)
    uniq, inverse = np.unique(x, return_inverse=True)
    return uniq, inverse.reshape(-1)


def max_concurrent(chats: pd.DataFrame, window_s: float | None = None,
                   params: dict[str, Any] | None = None, **overrides: Any) -> pd.DataFrame:
    """最大同时接待数 (METRICS.md §3 ``max_concurrent``) per agent and day.

    The largest number of distinct customers with a message (any sender: customer, agent or
    auto, outreach included) within ± ``concurrency_window_s`` (default 120 s) of one instant;
    equivalently the max over the agent's messages m of the distinct customers with a message
    in [m.sent_at, m.sent_at + 2 × window] (both ends inclusive: customers 240 s apart count
    together, 241 s apart do not). Unit: customers. Never NaN (≥ 1 on a day with messages).
    ``window_s`` overrides the parameter. Columns: date, agent, max_concurrent.
    """
    p = params_of(params, overrides)
    window = p["concurrency_window_s"] if window_s is None else window_s
    return _max_concurrent_from(_messages(chats), window)


# --- per agent and day -------------------------------------------------------------------------
def _agent_day_from(sess: pd.DataFrame, mc: pd.DataFrame,
                    groups: tuple[np.ndarray, pd.MultiIndex] | None = None) -> pd.DataFrame:
    """``groups``: each session's agent-day number and the (date, agent) index of the
    numbers, in (date, agent) order (grouping one integer instead of two columns: the same
    groups in the same order, their rows in the same order, so the same sums)."""
    named = dict(sessions=("sid", "size"), presale_sessions=("is_presale", "sum"),
                 replied=("replied", "sum"), first_response_s=("first_response_s", "mean"),
                 avg_response_s=("avg_response_s", "mean"), slow_sessions=("is_slow", "sum"),
                 long_sessions=("is_long", "sum"))
    if groups is None:
        out = sess.groupby(["date", "agent"], sort=True).agg(**named).reset_index()
    else:
        cols = sorted({c for c, _ in named.values()})
        out = sess[cols].assign(_g=groups[0]).groupby("_g", sort=True).agg(**named)
        out.index = groups[1][out.index.to_numpy()]
        out = out.reset_index()
    out["unanswered"] = out["sessions"] - out["replied"]
    out["reply_rate"] = ratio(out["replied"], out["sessions"])
    out = out.merge(mc, on=["date", "agent"], how="left")
    return out[["date", "agent", "sessions", "presale_sessions", "replied", "unanswered",
                "reply_rate", "first_response_s", "avg_response_s", "slow_sessions",
                "long_sessions", "max_concurrent"]]


def agent_day_stats(chats: pd.DataFrame, orders: pd.DataFrame | None = None,
                    params: dict[str, Any] | None = None, **overrides: Any) -> pd.DataFrame:
    """Per agent and day from the chat log (METRICS.md §3, last paragraph).

    Columns: date, agent, sessions (接待人数: sessions), presale_sessions, replied,
    unanswered (咨询未回复数 = sessions − replied), reply_rate (回复率 = replied / sessions),
    first_response_s (首次响应时间: mean over sessions of the first turn's response, s),
    avg_response_s (平均响应时间: mean of the session means, s), slow_sessions (慢响应: sessions
    with > ``slow_times`` answers slower than ``slow_gap_s``), long_sessions (长接待: a wait
    > ``long_wait_s``), max_concurrent (最大同时接待数, all sender kinds, auto included).
    Means skip unanswered sessions; a mean with no answered session is NaN. One row per agent
    and day with at least one session; ``orders`` only feed the after-sales look-back rule.
    Raw, unrounded values (:func:`csops_lib.metrics.kpis.agent_kpis` rounds).
    """
    p = params_of(params, overrides)
    m = _messages(chats)
    s, _ = _split(m)
    sess = _sessions_from(s, _turns(s), orders, p)
    return _agent_day_from(sess, _max_concurrent_from(m, p["concurrency_window_s"]))


# --- turn metrics ------------------------------------------------------------------------------
def _turns_of(chats: pd.DataFrame) -> pd.DataFrame:
    s, _ = _split(_messages(chats))
    return _turns(s)


def _within_from(turns: pd.DataFrame, p: dict[str, Any], by) -> pd.DataFrame:
    # every group with turns gets a row; only turns in the counted hours count
    counted = hour_in(turns["first_at"], p["sla_hours"])
    within = counted & turns["answered"] & (turns["response_s"] <= p["sla_answer_s"])
    out = _agg(turns[list(by or [])].assign(_c=counted.to_numpy(), _w=within.to_numpy()), by,
               sla_turns=("_c", "sum"), sla_within=("_w", "sum"))
    out["within_3min_rate"] = ratio(out["sla_within"], out["sla_turns"])
    return out


def within_3min_rate(chats: pd.DataFrame, params: dict[str, Any] | None = None,
                     by: Sequence[str] | None = BY_DEFAULT, **overrides: Any) -> pd.DataFrame:
    """3分钟响应率 (METRICS.md §3 ``within_3min_rate``, the platform's rule).

    = turns answered within ``sla_answer_s`` (≤ 180 s) / turns, counting only turns whose
    first customer message falls in ``sla_hours`` ([08:00, 24:00) by default). An unanswered
    turn counts as not within; auto replies never answer. Fraction in [0, 1]; NaN when no turn
    is counted. Columns: *by*, sla_turns, sla_within, within_3min_rate.
    """
    return _within_from(_turns_of(chats), params_of(params, overrides), by)


def _platform_from(turns: pd.DataFrame, p: dict[str, Any], by) -> pd.DataFrame:
    counted = hour_in(turns["first_at"], p["platform_hours"])
    cap = float(p["platform_cap_s"])
    wait = turns["response_s"].fillna(cap).clip(upper=cap).where(counted, 0.0)
    out = _agg(turns[list(by or [])].assign(_c=counted.to_numpy(), _w=wait.to_numpy()), by,
               platform_turns=("_c", "sum"), _wait=("_w", "sum"))
    out["platform_avg_response_s"] = ratio(out["_wait"], out["platform_turns"])
    return out.drop(columns="_wait")


def platform_avg_response_s(chats: pd.DataFrame, params: dict[str, Any] | None = None,
                            by: Sequence[str] | None = BY_DEFAULT,
                            **overrides: Any) -> pd.DataFrame:
    """旺旺人工平响时长 (METRICS.md §3 ``platform_avg_response_s``, the platform's average).

    Mean over turns whose first customer message falls in ``platform_hours`` ([08:00, 23:00))
    of min(response_s, ``platform_cap_s``); an unanswered turn counts as the cap (600 s); auto
    replies never answer. Seconds; NaN when no turn is counted.
    Columns: *by*, platform_turns, platform_avg_response_s.
    """
    return _platform_from(_turns_of(chats), params_of(params, overrides), by)


def _median_and_p90(values: np.ndarray, group: np.ndarray, n_groups: int
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Per group (numbers 0..n_groups−1) of the non-NaN ``values``: the median exactly as
    pandas' ``groupby.median`` (the middle value, or the mean (a + b) / 2 of the two middle
    ones) and the p90 as numpy's "linear" quantile (virtual index (n − 1)·0.9, numpy's
    two-sided lerp, i.e. ``Series.quantile(0.9)``); NaN for a group without values.
    One sort of (group, value), by Polars (multi-threaded)."""
    ok = ~np.isnan(values)
    v, g = values[ok], group[ok]
    p50, p90 = np.full(n_groups, np.nan), np.full(n_groups, np.nan)
    if not len(v):
        return p50, p90
    order = (pl.DataFrame({"g": g, "v": v}).with_row_index("i")
             .sort(["g", "v"])["i"].to_numpy().astype(np.int64))
    v, g = v[order], g[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    n = np.diff(np.r_[starts, len(v)])
    mid = starts + n // 2
    even = n % 2 == 0
    p50[g[starts]] = np.where(even, (v[np.maximum(mid - 1, starts)] + v[mid]) / 2, v[mid])
    p90[g[starts]] = _quantile_sorted(v, starts, n, 0.9)
    return p50, p90


def _quantile_sorted(v: np.ndarray, starts: np.ndarray, n: np.ndarray, q: float) -> np.ndarray:
    """numpy's "linear" quantile ``q`` of each run ``v[starts : starts + n]`` (sorted)."""
    virtual = (n - 1) * np.asarray([q], dtype=np.float64)[0]
    prev = np.floor(virtual)
    nxt = prev + 1
    above = virtual >= n - 1
    prev[above] = -1
    nxt[above] = -1
    gamma = virtual - prev
    prev_i = np.where(prev < 0, n - 1, prev).astype(np.int64)
    nxt_i = np.where(nxt < 0, n - 1, nxt).astype(np.int64)
    a, b = v[starts + prev_i], v[starts + nxt_i]
    diff = b - a
    res = a + diff * gamma
    np.subtract(b, diff * (1 - gamma), out=res, where=gamma >= 0.5)
    return res


def _quantiles_from(turns: pd.DataFrame, by) -> pd.DataFrame:
    ans = turns.loc[turns["answered"].to_numpy(), [*list(by or []), "response_s"]]
    out = _agg(ans, by, _n=("response_s", "size")).drop(columns="_n")
    values = ans["response_s"].to_numpy(dtype=np.float64)
    if list(by or []):
        group = ans.groupby(list(by), sort=True, dropna=False).ngroup().to_numpy()
    else:
        group = np.zeros(len(ans), dtype=np.int64)
    out["response_p50_s"], out["response_p90_s"] = _median_and_p90(values, group, len(out))
    return out


def response_time_quantiles(chats: pd.DataFrame,
                            by: Sequence[str] | None = BY_DEFAULT) -> pd.DataFrame:
    """Median and p90 of turn response times (METRICS.md §3 "Distributions, not only means").

    Over answered turns (unanswered turns have no response time), seconds, linear
    interpolation (pandas ``quantile``); NaN when no answered turn.
    Columns: *by*, response_p50_s, response_p90_s.
    """
    return _quantiles_from(_turns_of(chats), by)


def _auto_first_from(turns: pd.DataFrame, by) -> pd.DataFrame:
    out = _agg(turns, by, turns=("auto_first", "size"), auto_first_turns=("auto_first", "sum"))
    return _auto_first_share(out)


def _auto_first_from_sessions(sess: pd.DataFrame, by) -> pd.DataFrame:
    """:func:`_auto_first_from` of the sessions' turn counts (``n_turns``,
    ``auto_first_turns``): the same integer counts, so the same shares; a group whose
    sessions have no turn gets NaN (the turns have no such group)."""
    out = _agg(sess, by, turns=("n_turns", "sum"), auto_first_turns=("auto_first_turns", "sum"))
    return _auto_first_share(out)


def _auto_first_share(out: pd.DataFrame) -> pd.DataFrame:
    out["auto_first_share"] = ratio(out["auto_first_turns"], out["turns"])
    return out


def auto_first_share(chats: pd.DataFrame,
                     by: Sequence[str] | None = BY_DEFAULT) -> pd.DataFrame:
    """Bot share (METRICS.md §3 ``auto_first_share``) = turns in which an auto/bot message came
    after the turn's first customer message and before any agent answer / turns. Fraction;
    NaN with no turn. Bots still never count as a response.
    Columns: *by*, turns, auto_first_turns, auto_first_share.
    """
    return _auto_first_from(_turns_of(chats), by)


def _aqr_from(sess: pd.DataFrame, by) -> pd.DataFrame:
    out = _agg(sess, by, agent_messages=("n_agent", "sum"),
               customer_messages=("n_customer", "sum"))
    out["answer_question_ratio"] = ratio(out["agent_messages"], out["customer_messages"])
    return out


def answer_question_ratio(chats: pd.DataFrame,
                          by: Sequence[str] | None = BY_DEFAULT) -> pd.DataFrame:
    """答问比 (METRICS.md §3 ``answer_question_ratio``) = agent messages / customer messages.

    Counted over sessions (outreach messages to customers who never wrote are not answers and
    are left out); ``auto`` messages are not agent messages. A ratio (may exceed 1); NaN when
    there is no customer message. Columns: *by*, agent_messages, customer_messages,
    answer_question_ratio.
    """
    s, _ = _split(_messages(chats))
    sess = s.groupby("sid").agg(date=("date", "first"), agent=("agent", "first"),
                                store=("store", "first"), n_agent=("is_agent", "sum"),
                                n_customer=("is_customer", "sum"))
    return _aqr_from(sess, by)


def shunt_evenness(sessions: pd.DataFrame, roster: pd.DataFrame | None = None) -> pd.DataFrame:
    """Shunting evenness (分流均匀度, METRICS.md §3) per store, day and agent.

    ``sessions``: :func:`~csops_lib.metrics.sessions.build_sessions` output (needs date,
    agent; store optional). share = the agent's sessions / the store-day's sessions;
    intended_share = the agent's roster ``shunt_weight`` / the sum of the weights of the agents
    with sessions that store-day (weight 1 when no roster, no column, or a missing weight;
    NaN when all weights are 0); deviation = share − intended_share;
    ``shunt_max_deviation`` = max |deviation| over the store-day (repeated on each of its rows).
    Fractions. Columns: store, date, agent, sessions, share, intended_share, deviation,
    shunt_max_deviation.
    """
    require(sessions, ["date", "agent"], "sessions")
    s = sessions[["date", "agent"]].copy()
    s["store"] = sessions["store"].to_numpy() if "store" in sessions.columns else np.nan
    out = s.groupby(["store", "date", "agent"], sort=True, dropna=False).size()
    out = out.rename("sessions").reset_index()
    weight = pd.Series(1.0, index=out.index)
    if roster is not None and "shunt_weight" in roster.columns:
        require(roster, ["agent"], "roster")
        w = pd.to_numeric(roster["shunt_weight"], errors="coerce")
        w.index = roster["agent"].astype(object).to_numpy()
        w = w[~w.index.duplicated(keep="last")]
        weight = pd.Series(w.reindex(out["agent"].astype(object).to_numpy()).to_numpy(),
                           index=out.index).fillna(1.0)
    day = [out["store"], out["date"]]
    out["share"] = ratio(out["sessions"], out.groupby(day, dropna=False)["sessions"]
                         .transform("sum"))
    out["intended_share"] = ratio(weight, weight.groupby(day, dropna=False).transform("sum"))
    out["deviation"] = out["share"] - out["intended_share"]
    out["shunt_max_deviation"] = (out["deviation"].abs().groupby(day, dropna=False)
                                  .transform("max"))
    return out
