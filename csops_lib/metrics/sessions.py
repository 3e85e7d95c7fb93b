"""Sessions, turns and outreach from the chat log (METRICS.md §3, table ``chats``).

Definitions (METRICS.md §3, quoted):

* A **session** (会话/接待) is all messages between one agent and one customer on one calendar
  day (date of ``sent_at``) that holds at least one customer message. Agent messages to a
  customer who never writes back that day are **outreach**, counted apart.
* A **turn** starts at a customer message that follows an agent message, or at the session's
  first customer message; further customer messages before the agent answers belong to it.
  Its response time = first ``agent`` message after the turn's first customer message − that
  message's time. ``auto`` messages never count as a response. A turn with no agent message
  after it in the session is unanswered.

Vectorised method (no loop over sessions, turns or messages): messages are sorted by
(agent, customer, day, sent_at), stable so ties keep the log's order. Within a session let
``k`` = the number of ``agent`` messages strictly before a message (a grouped cumsum). All
customer messages with the same ``k`` form one turn (no agent message between them, and one
between any two of different ``k``); the turn is answered by the session's agent message number
``k`` (0-based), which is the first agent message after the turn's first customer message. So a
turn's answer is a merge of turns on (session, k) with agent messages on (session, index).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from csops_lib.metrics._common import (
    DAY,
    as_ns,
    key_text,
    merge_asof_by,
    params_of,
    require,
    seconds,
    texts,
)

CHAT_COLUMNS = ("sent_at", "agent", "customer_id", "sender")
SENDERS = ("customer", "agent", "auto")
SESSION_KEY = ["agent", "customer_id", "date"]


def _messages(chats: pd.DataFrame) -> pd.DataFrame:
    """Clean, sorted copy of the chat log with ``gid`` = (agent, customer, day) group number.

    Rows without a time, agent or customer, or with an unknown sender, cannot be placed in a
    session and are dropped. The input is never modified.
    """
    require(chats, CHAT_COLUMNS, "chats")
    m = pd.DataFrame({
        "sent_at": as_ns(chats["sent_at"]),
        "agent": key_text(chats["agent"]),
        "customer_id": key_text(chats["customer_id"]),
        "sender": chats["sender"].astype("string").str.strip().str.lower().astype(object),
    }, index=chats.index)
    m["store"] = key_text(chats["store"]) if "store" in chats.columns else np.nan
    m["category"] = (chats["category"].astype("string").str.strip().astype(object)
                     if "category" in chats.columns else np.nan)
    m["category"] = m["category"].where(m["category"].notna(), np.nan)
    if "agreed_to_buy" in chats.columns:
        m["agreed_to_buy"] = chats["agreed_to_buy"].astype("boolean").fillna(False).astype(bool)
    else:
        m["agreed_to_buy"] = False
    ok = (m["sent_at"].notna() & m["agent"].notna() & m["customer_id"].notna()
          & m["sender"].isin(SENDERS))
    m = m[ok.to_numpy()]
    m["date"] = m["sent_at"].dt.normalize()
    m = m.sort_values(["agent", "customer_id", "date", "sent_at"], kind="stable")
    m = m.reset_index(drop=True)
    # groups in sorted order: sort=False numbers them by first appearance, i.e. sorted order
    m["gid"] = m.groupby(SESSION_KEY, sort=False).ngroup().astype(np.int64)
    m["is_customer"] = m["sender"].eq("customer").to_numpy()
    m["is_agent"] = m["sender"].eq("agent").to_numpy()
    m["is_auto"] = m["sender"].eq("auto").to_numpy()
    return m


def _split(m: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(session messages with ``sid`` and ``pos``, outreach messages)."""
    has_customer = m.groupby("gid")["is_customer"].transform("any").to_numpy()
    s = m[has_customer].copy()
    s["sid"] = s.groupby("gid", sort=False).ngroup().astype(np.int64)
    s["pos"] = s.groupby("sid").cumcount().astype(np.int64)
    # agent messages strictly before each message, within its session
    s["k"] = (s.groupby("sid")["is_agent"].cumsum() - s["is_agent"]).astype(np.int64)
    return s, m[~has_customer].copy()


def _turns(s: pd.DataFrame) -> pd.DataFrame:
    """One row per turn of the session messages ``s`` (see the module docstring)."""
    c = s[s["is_customer"]]
    turns = (c.groupby(["sid", "k"], sort=True)
              .agg(first_at=("sent_at", "first"), first_pos=("pos", "first"),
                   last_customer_at=("sent_at", "last"), n_customer=("sent_at", "size"))
              .reset_index())
    a = s.loc[s["is_agent"], ["sid", "k", "sent_at"]].rename(columns={"sent_at": "answered_at"})
    turns = turns.merge(a, on=["sid", "k"], how="left")
    x = (s[s["is_auto"]].groupby(["sid", "k"])["pos"].max().rename("last_auto_pos").reset_index())
    turns = turns.merge(x, on=["sid", "k"], how="left")
    # an auto message inside the turn: after its first customer message, before the answer
    turns["auto_first"] = (turns["last_auto_pos"] > turns["first_pos"]).to_numpy()
    turns["answered"] = turns["answered_at"].notna().to_numpy()
    turns["response_s"] = seconds(turns["answered_at"] - turns["first_at"])
    turns["turn_no"] = turns.groupby("sid").cumcount().astype(np.int64)
    keys = s.groupby("sid")[["agent", "customer_id", "date", "store"]].first()
    turns = turns.join(keys, on="sid")
    return turns[["sid", "date", "agent", "customer_id", "store", "turn_no", "first_at",
                  "last_customer_at", "n_customer", "answered", "answered_at", "response_s",
                  "auto_first"]]


def build_turns(chats: pd.DataFrame) -> pd.DataFrame:
    """One row per turn (METRICS.md §3 "turn"; 一问一答).

    Columns: sid (session row number of :func:`build_sessions`), date, agent, customer_id,
    store, turn_no (0 = the session's first turn), first_at (the turn's first customer message),
    last_customer_at, n_customer (customer messages in the turn, a burst counts once), answered,
    answered_at (first ``agent`` message after ``first_at``; ``auto`` never answers),
    response_s (seconds, NaN when unanswered), auto_first (an auto message came after the
    turn's first customer message and before any agent answer).
    """
    s, _ = _split(_messages(chats))
    return texts(_turns(s).reset_index(drop=True), ["agent", "customer_id", "store"])


def _lookback_after_sales(sess: pd.DataFrame, orders: pd.DataFrame, days: float) -> pd.Series:
    """True where the customer has a paid order in [start − days, start) (strictly before)."""
    require(orders, ["paid_at"], "orders")
    if "customer_id" not in orders.columns:
        return pd.Series(False, index=sess.index)
    paid = pd.DataFrame({"customer_id": key_text(orders["customer_id"]),
                         "paid_at": as_ns(orders["paid_at"])})
    paid = paid.dropna().sort_values("paid_at", kind="stable")
    left = sess[["customer_id", "start"]].copy()
    left["_row"] = np.arange(len(left))
    left = left.sort_values("start", kind="stable")
    hit = merge_asof_by(left, paid, left_on="start", right_on="paid_at", by="customer_id",
                        direction="backward", allow_exact_matches=False,
                        tolerance=pd.Timedelta(days=days))
    out = np.zeros(len(sess), dtype=bool)
    out[hit["_row"].to_numpy()] = hit["paid_at"].notna().to_numpy()
    return pd.Series(out, index=sess.index)


def _sessions_from(s: pd.DataFrame, turns: pd.DataFrame, orders: pd.DataFrame | None,
                   p: dict[str, Any]) -> pd.DataFrame:
    g = s.groupby("sid", sort=True)
    sess = g.agg(agent=("agent", "first"), customer_id=("customer_id", "first"),
                 date=("date", "first"), store=("store", "first"), start=("sent_at", "first"),
                 end=("sent_at", "last"), n_customer=("is_customer", "sum"),
                 n_agent=("is_agent", "sum"), n_auto=("is_auto", "sum"),
                 log_category=("category", "first"), agreed_to_buy=("agreed_to_buy", "any"))
    tg = turns.groupby("sid", sort=True)
    rt = turns["response_s"]
    tstats = pd.DataFrame({
        "n_turns": tg.size(),
        "answered_turns": tg["answered"].sum(),
        "first_response_s": turns.loc[turns["turn_no"] == 0].set_index("sid")["response_s"],
        "avg_response_s": tg["response_s"].mean(),
        "slow_responses": (rt > p["slow_gap_s"]).groupby(turns["sid"]).sum(),
        "max_wait_s": tg["response_s"].max(),
        "auto_first_turns": tg["auto_first"].sum(),
    })
    sess = sess.join(tstats)
    # category: the log's when given; else the look-back rule when orders are given; else presale
    cat = sess["log_category"]
    source = pd.Series(np.where(cat.notna(), "log", "default"), index=sess.index, dtype=object)
    inferred = pd.Series("presale", index=sess.index, dtype=object)
    if orders is not None:
        after = _lookback_after_sales(sess, orders, p["after_sales_lookback_days"])
        inferred = inferred.where(~after, "after_sales")
        source = source.where(cat.notna(), "lookback")
    sess["category"] = cat.where(cat.notna(), inferred).astype(object)
    sess["category_source"] = source
    sess["is_presale"] = sess["category"].eq("presale")
    sess["replied"] = sess["answered_turns"] > 0
    sess["is_slow"] = sess["slow_responses"] > p["slow_times"]
    sess["is_long"] = (sess["max_wait_s"] > p["long_wait_s"]).fillna(False).astype(bool)
    sess["last_msg_at"] = sess["end"]
    sess["window_end"] = sess["date"] + DAY * (int(p["followup_days"]) + 1)
    for col in ("n_customer", "n_agent", "n_auto", "n_turns", "answered_turns",
                "slow_responses", "auto_first_turns"):
        sess[col] = sess[col].astype(np.int64)
    sess = sess.reset_index()
    cols = ["sid", "date", "agent", "customer_id", "store", "start", "end", "last_msg_at",
            "n_customer", "n_agent", "n_auto", "category", "category_source", "is_presale",
            "agreed_to_buy", "replied", "n_turns", "answered_turns", "first_response_s",
            "avg_response_s", "slow_responses", "is_slow", "max_wait_s", "is_long",
            "auto_first_turns", "window_end"]
    return texts(sess[cols].copy(), ["agent", "customer_id", "store", "category",
                                      "category_source"])


def build_sessions(chats: pd.DataFrame, orders: pd.DataFrame | None = None,
                   params: dict[str, Any] | None = None, **overrides: Any) -> pd.DataFrame:
    """One row per session (METRICS.md §3 "session", 会话): agent × customer × day with at
    least one customer message.

    Columns (times are naive timestamps, durations float seconds, NaN when not applicable):

    * ``sid`` row number (links :func:`build_turns`), ``date`` (day of ``sent_at``), ``agent``,
      ``customer_id``, ``store`` (first non-missing in the session);
    * ``start`` / ``end`` = first / last message of any sender (``last_msg_at`` = ``end``);
    * ``n_customer``, ``n_agent``, ``n_auto`` message counts;
    * ``category``: the log's ``category`` when a message of the session has one; otherwise,
      with ``orders`` given, ``after_sales`` if the customer has a paid order in
      [start − ``after_sales_lookback_days``, start) and else ``presale`` (the look-back rule);
      without orders ``presale`` ("pre-sale unless its category says otherwise").
      ``category_source`` says which: ``log`` / ``lookback`` / ``default``; ``is_presale``;
    * ``agreed_to_buy``: any message of the session flagged (约定下单);
    * ``replied`` (回复): at least one agent message after a customer message;
    * ``n_turns``, ``answered_turns``; ``first_response_s`` (首次响应时间: the first turn's
      response time, NaN if unanswered); ``avg_response_s`` (平均响应时间: mean over answered
      turns, NaN if none);
    * ``slow_responses``: answered turns slower than ``slow_gap_s`` (> 120 s); ``is_slow``
      (慢响应): slow_responses > ``slow_times`` (3), i.e. at least 4;
    * ``max_wait_s``: the longest response time of an answered turn; ``is_long`` (长接待):
      max_wait_s > ``long_wait_s`` (1200 s; exactly 1200 is not long). An unanswered turn has
      no answer to wait for and never makes a session long (reading of "waited … for its
      answer");
    * ``auto_first_turns``: turns where a bot spoke before any agent;
    * ``window_end``: end of day D + ``followup_days`` (the follow-up / attribution window).

    ``params=None`` reads ``params/shop.yaml``; keyword ``overrides`` win.
    """
    p = params_of(params, overrides)
    s, _ = _split(_messages(chats))
    return _sessions_from(s, _turns(s), orders, p)


def outreach(chats: pd.DataFrame) -> pd.DataFrame:
    """Outreach (主动联系, e.g. 追单 chasing): agent × customer × day with agent or auto messages
    and no customer message that day (METRICS.md §3). Not sessions: counted apart.

    Columns: date, agent, customer_id, store, first_at, last_at, n_agent, n_auto.
    """
    _, o = _split(_messages(chats))
    g = o.groupby("gid", sort=True)
    out = g.agg(date=("date", "first"), agent=("agent", "first"),
                customer_id=("customer_id", "first"), store=("store", "first"),
                first_at=("sent_at", "first"), last_at=("sent_at", "last"),
                n_agent=("is_agent", "sum"), n_auto=("is_auto", "sum"))
    out["n_agent"] = out["n_agent"].astype(np.int64)
    out["n_auto"] = out["n_auto"].astype(np.int64)
    return texts(out.reset_index(drop=True), ["agent", "customer_id", "store"])
