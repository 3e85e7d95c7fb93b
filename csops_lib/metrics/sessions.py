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
(agent, customer, day, sent_at, seq), stable so ties keep the log's order: ``seq`` is the
store's record of the export's order (messages of one second keep their order: a reply
written in the same second as the question answers it); without it the row order is the
export's. Within a session let
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
    asof_times,
    key_text,
    params_of,
    require,
    seconds,
    texts,
)

CHAT_COLUMNS = ("sent_at", "agent", "customer_id", "sender")
SENDERS = ("customer", "agent", "auto")
SESSION_KEY = ["agent", "customer_id", "date"]
DAY_NS = 86_400 * 1_000_000_000


# --- vectorised helpers (integer codes and group boundaries; no per-group Python) -------------
def _clean_codes(s: pd.Series, clean) -> tuple[np.ndarray, np.ndarray]:
    """``clean`` applied to the distinct values of ``s`` only: (codes, uniques) where
    ``uniques`` are the sorted distinct cleaned values (object) and ``codes`` index them, −1
    where the cleaned value is missing. Code order is the values' sort order."""
    raw_codes, raw_uniques = pd.factorize(s, use_na_sentinel=True)
    cleaned = clean(pd.Series(np.asarray(raw_uniques, dtype=object), dtype=object))
    cleaned = np.asarray(cleaned, dtype=object)
    ok = ~pd.isna(cleaned)
    remap = np.full(len(cleaned) + 1, -1, dtype=np.int64)  # last slot: raw NaN (code −1)
    uniques = np.array([], dtype=object)
    if ok.any():
        uniques, inverse = _sorted_unique(cleaned[ok])
        remap[:-1][ok] = inverse
    return remap[np.asarray(raw_codes, dtype=np.int64)], uniques


def _sorted_unique(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_inverse=True)`` for an object array; strings are sorted by
    Arrow (UTF-8 byte order is code-point order, Python's ``str`` order), much faster than
    comparing Python objects. Anything but ``str`` values goes through ``np.unique``."""
    try:
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = pa.array(values, type=pa.large_string(), from_pandas=False)
    except (ImportError, pa.ArrowInvalid, pa.ArrowTypeError):
        uniques, inverse = np.unique(values, return_inverse=True)
        return uniques, inverse.reshape(-1)
    enc = pc.dictionary_encode(arr)
    dictionary = enc.dictionary
    order = pc.array_sort_indices(dictionary).to_numpy()
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order), dtype=np.int64)
    inverse = rank[enc.indices.to_numpy(zero_copy_only=False)]
    uniques = np.asarray(dictionary.take(pa.array(order)).to_pylist(), dtype=object)
    return uniques, inverse


def _from_codes(codes: np.ndarray, uniques: np.ndarray) -> np.ndarray:
    """Object array of ``uniques[codes]`` with NaN for −1."""
    ext = np.empty(len(uniques) + 1, dtype=object)
    ext[:-1] = uniques
    ext[-1] = np.nan
    return ext[codes]  # −1 → the last slot


def _starts(g: np.ndarray) -> np.ndarray:
    """Start positions of the runs of equal values of a sorted group array ``g``."""
    if not len(g):
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.r_[True, g[1:] != g[:-1]])


def _first_valid(values: pd.Series, g: np.ndarray, n_groups: int,
                 starts: np.ndarray | None = None) -> np.ndarray:
    """Per group of the sorted group numbers ``g`` (0..n_groups−1): the first non-missing value
    (pandas ``groupby.first``); missing when the group has none. Usually the group's first
    row has a value: only the other groups are scanned."""
    arr = values.to_numpy()
    out = np.full(n_groups, np.nan, dtype=object if arr.dtype == object else arr.dtype)
    if not len(arr):
        return out
    st = _starts(g) if starts is None else starts
    head = arr[st]
    head_ok = ~pd.isna(head)
    out[g[st][head_ok]] = head[head_ok]
    if not head_ok.all():
        todo = np.zeros(n_groups, dtype=bool)
        todo[g[st][~head_ok]] = True
        rows = np.flatnonzero(todo[g])
        sub = arr[rows]
        ok = ~pd.isna(sub)
        gv = g[rows][ok]
        if len(gv):
            first = _starts(gv)
            out[gv[first]] = sub[ok][first]
    return out


def _clean_sender(s: pd.Series) -> pd.Series:
    return s.astype("string").str.strip().str.lower().astype(object)


def _clean_category(s: pd.Series) -> pd.Series:
    out = s.astype("string").str.strip().astype(object)
    return out.where(out.notna(), np.nan)


def _sort_order(t: np.ndarray, day: np.ndarray, cust: np.ndarray, agent: np.ndarray,
                n_cust: int, seq: np.ndarray | None = None) -> np.ndarray:
    """``np.lexsort((seq, t, day, cust, agent))`` (stable; without ``seq`` ties keep the row
    order), faster when it can: (agent, customer, day) packed into one int64 group key, and
    when ``t`` is already non-decreasing (a log in time order) and there is no ``seq`` the row
    number replaces ``t`` as the last key, so one argsort of ``group · n + row`` gives the
    same stable order."""
    n = len(t)
    if n < 2:
        return np.arange(n, dtype=np.int64)
    d_code = (day - day.min()) // DAY_NS  # midnights: day numbers in order
    n_days = int(d_code.max()) + 1
    limit = 2 ** 62
    keys = (t,) if seq is None else (seq, t)
    if (int(agent.max()) + 1) * max(n_cust, 1) * n_days * n >= limit:
        return np.lexsort((*keys, day, cust, agent))
    group = (agent.astype(np.int64) * n_cust + cust) * n_days + d_code
    if seq is None and bool((t[1:] >= t[:-1]).all()):
        return np.argsort(group * n + np.arange(n, dtype=np.int64))
    if bool((group[1:] >= group[:-1]).all()) and _sorted_within(group, t, seq):
        return np.arange(n, dtype=np.int64)  # already in (group, t, seq) order: the store's
    return np.lexsort((*keys, group))


def _sorted_within(group: np.ndarray, t: np.ndarray, seq: np.ndarray | None) -> bool:
    """Rows sorted by ``group`` are also sorted by (t, seq) within each group."""
    same = group[1:] == group[:-1]
    dt_ = t[1:] - t[:-1]
    if bool((same & (dt_ < 0)).any()):
        return False
    if seq is None:
        return True
    return not bool((same & (dt_ == 0) & (seq[1:] < seq[:-1])).any())


def _seq(chats: pd.DataFrame) -> np.ndarray | None:
    """The store's ``seq`` column (the export's order of messages; missing = before any
    numbered one), or None when the log has none (its row order is then the export's)."""
    if "seq" not in chats.columns:
        return None
    seq = pd.to_numeric(chats["seq"], errors="coerce")
    if not seq.notna().any():
        return None
    return seq.fillna(-1).to_numpy(dtype=np.int64)


def _messages(chats: pd.DataFrame) -> pd.DataFrame:
    """Clean, sorted copy of the chat log with ``gid`` = (agent, customer, day) group number.

    Rows without a time, agent or customer, or with an unknown sender, cannot be placed in a
    session and are dropped. The input is never modified.

    Text columns are cleaned on their distinct values and sorted by integer codes whose order
    is the text order, so this equals sorting the cleaned text columns (stable).
    """
    require(chats, CHAT_COLUMNS, "chats")
    sent_at = as_ns(chats["sent_at"]).to_numpy()
    a_code, a_uniq = _clean_codes(chats["agent"], key_text)
    c_code, c_uniq = _clean_codes(chats["customer_id"], key_text)
    s_code, s_uniq = _clean_codes(chats["sender"], _clean_sender)
    t = sent_at.view(np.int64)
    ok = (~np.isnat(sent_at)) & (a_code >= 0) & (c_code >= 0)
    known = np.isin(s_uniq, np.array(SENDERS, dtype=object))
    ok &= (s_code >= 0) & known[np.clip(s_code, 0, None)] if len(s_uniq) else np.zeros_like(ok)
    rows = np.flatnonzero(ok)
    tr = t[rows]
    day = (tr - tr % DAY_NS).view("datetime64[ns]")  # = normalize() (naive, floor)
    seq = _seq(chats)
    order = _sort_order(tr, day.view(np.int64), c_code[rows], a_code[rows],
                        len(c_uniq), None if seq is None else seq[rows])
    rows = rows[order]
    day = day[order]
    ac, cc, sc = a_code[rows], c_code[rows], s_code[rows]
    m = pd.DataFrame({
        "sent_at": sent_at[rows],
        "agent": _obj(a_uniq[ac]),
        "customer_id": _obj(c_uniq[cc]),
        "sender": _obj(s_uniq[sc]),
    })
    if "store" in chats.columns:
        st_code, st_uniq = _clean_codes(chats["store"], key_text)
        m["store"] = _obj(_from_codes(st_code[rows], st_uniq))
    else:
        m["store"] = np.nan
    if "category" in chats.columns:
        ca_code, ca_uniq = _clean_codes(chats["category"], _clean_category)
        m["category"] = _obj(_from_codes(ca_code[rows], ca_uniq))
    else:
        m["category"] = np.nan
    if "agreed_to_buy" in chats.columns:
        agreed = chats["agreed_to_buy"].astype("boolean").fillna(False).astype(bool).to_numpy()
        m["agreed_to_buy"] = agreed[rows]
    else:
        m["agreed_to_buy"] = False
    m["date"] = day
    # rows are sorted by (agent, customer, day, time): a group starts where a key changes
    new = np.ones(len(rows), dtype=bool)
    if len(rows):
        dv = day.view(np.int64)
        new[1:] = (ac[1:] != ac[:-1]) | (cc[1:] != cc[:-1]) | (dv[1:] != dv[:-1])
    m["gid"] = (np.cumsum(new) - 1).astype(np.int64)
    sender = sc
    m["is_customer"] = sender == _code_of(s_uniq, "customer")
    m["is_agent"] = sender == _code_of(s_uniq, "agent")
    m["is_auto"] = sender == _code_of(s_uniq, "auto")
    return m


def _obj(arr: np.ndarray):
    """An object array as an object Series (pandas 3 would infer ``str`` from a bare array);
    other arrays unchanged."""
    return pd.Series(arr, dtype=object, copy=False) if arr.dtype == object else arr


def _code_of(uniques: np.ndarray, value: str) -> int:
    hit = np.flatnonzero(uniques == value)
    return int(hit[0]) if len(hit) else -2


def _split(m: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(session messages with ``sid`` and ``pos``, outreach messages)."""
    gid = m["gid"].to_numpy()
    is_c = m["is_customer"].to_numpy()
    n_groups = int(gid[-1]) + 1 if len(gid) else 0
    group_has = np.zeros(n_groups, dtype=bool)
    group_has[gid[is_c]] = True
    has_customer = group_has[gid]
    s = m[has_customer].copy(deep=False)  # boolean indexing already copied the data
    sg = gid[has_customer]
    new = np.ones(len(sg), dtype=bool)
    new[1:] = sg[1:] != sg[:-1]
    sid = np.cumsum(new) - 1
    starts = np.flatnonzero(new)
    idx = np.arange(len(sg), dtype=np.int64)
    s["sid"] = sid.astype(np.int64)
    s["pos"] = (idx - starts[sid] if len(sg) else idx).astype(np.int64)
    # agent messages strictly before each message, within its session
    is_a = s["is_agent"].to_numpy().astype(np.int64)
    before = np.cumsum(is_a) - is_a
    s["k"] = (before - before[starts][sid] if len(sg) else before).astype(np.int64)
    return s, m[~has_customer].copy()


def _turns(s: pd.DataFrame) -> pd.DataFrame:
    """One row per turn of the session messages ``s`` (see the module docstring).

    Rows of ``s`` are in (sid, pos) order and ``k`` never decreases within a session, so the
    (sid, k) key ``sid·K + k`` is sorted: a turn is a run of customer messages with one key,
    its answer the agent message with that key, its last auto message the last auto one.
    """
    sid = s["sid"].to_numpy()
    k = s["k"].to_numpy()
    pos = s["pos"].to_numpy()
    t = s["sent_at"].to_numpy()
    big = int(k.max()) + 1 if len(k) else 1
    key = sid * big + k
    is_c = s["is_customer"].to_numpy()
    ck, ct, cpos = key[is_c], t[is_c], pos[is_c]
    st = _starts(ck)
    ends = np.r_[st[1:], len(ck)].astype(np.int64)[:len(st)]
    tkey = ck[st]
    tsid = sid[is_c][st]
    n = len(st)
    # the answer: the agent message with the same (sid, k)
    is_a = s["is_agent"].to_numpy()
    ak, at = key[is_a], t[is_a]
    j = np.searchsorted(ak, tkey)
    jc = np.minimum(j, max(len(ak) - 1, 0))
    hit = (j < len(ak)) & (ak[jc] == tkey) if len(ak) else np.zeros(n, dtype=bool)
    answered_at = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    answered_at[hit] = at[jc[hit]]
    # the last auto message with the same (sid, k), after the turn's first customer message
    is_x = s["is_auto"].to_numpy()
    xk, xpos = key[is_x], pos[is_x]
    auto_first = np.zeros(n, dtype=bool)
    if len(xk):
        last = np.searchsorted(xk, tkey, side="right") - 1
        lc = np.maximum(last, 0)
        found = (last >= 0) & (xk[lc] == tkey)
        auto_first = found & (xpos[lc] > cpos[st])
    first_at = ct[st]
    turn_new = np.ones(n, dtype=bool)
    turn_new[1:] = tsid[1:] != tsid[:-1]
    tstart = np.flatnonzero(turn_new)
    turn_no = np.arange(n, dtype=np.int64) - tstart[np.cumsum(turn_new) - 1] if n else \
        np.zeros(0, dtype=np.int64)
    # per-session keys: agent, customer, date from the first message, store first non-missing
    sstart = _starts(sid)
    n_sess = len(sstart)
    turns = pd.DataFrame({
        "sid": tsid.astype(np.int64),
        "date": s["date"].to_numpy()[sstart][tsid],
        "agent": _obj(s["agent"].to_numpy()[sstart][tsid]),
        "customer_id": _obj(s["customer_id"].to_numpy()[sstart][tsid]),
        "store": _obj(_first_valid(s["store"], sid, n_sess, sstart)[tsid]),
        "turn_no": turn_no.astype(np.int64),
        "first_at": first_at,
        "last_customer_at": ct[ends - 1] if n else ct[:0],
        "n_customer": (ends - st).astype(np.int64),
        "answered": hit,
        "answered_at": answered_at,
    })
    turns["response_s"] = seconds(turns["answered_at"] - turns["first_at"])
    turns["auto_first"] = auto_first
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


def _lookback_after_sales(sess: pd.DataFrame, orders: pd.DataFrame, days: float,
                          keyed: bool = False) -> pd.Series:
    """True where the customer has a paid order in [start − days, start) (strictly before)."""
    require(orders, ["paid_at"], "orders")
    if "customer_id" not in orders.columns:
        return pd.Series(False, index=sess.index)
    start = as_ns(sess["start"]).to_numpy()
    paid = asof_times(sess["customer_id"], start, orders["customer_id"],
                      as_ns(orders["paid_at"]).to_numpy(), direction="backward",
                      allow_exact=False, keyed=keyed)
    out = ~np.isnat(paid)
    out[out] = (start[out] - paid[out]) <= np.timedelta64(pd.Timedelta(days=days).value, "ns")
    return pd.Series(out, index=sess.index)


#: the session columns that need no parameter (stored per day by :mod:`.day_tables`)
CORE_COLUMNS = ["date", "agent", "customer_id", "store", "start", "end", "n_customer",
                "n_agent", "n_auto", "log_category", "agreed_to_buy", "n_turns",
                "answered_turns", "first_response_s", "avg_response_s", "max_wait_s",
                "auto_first_turns"]


def _session_core(s: pd.DataFrame, turns: pd.DataFrame) -> pd.DataFrame:
    """The parameter-free columns of each session (:data:`CORE_COLUMNS`), indexed by sid:
    runs of ``sid`` in ``s`` (first/last rows and sums by boundaries) and turn statistics."""
    sid = s["sid"].to_numpy()
    st = _starts(sid)
    n = len(st)
    last = np.r_[st[1:], len(sid)].astype(np.int64)[:n] - 1

    def total(col: str) -> np.ndarray:
        v = s[col].to_numpy().astype(np.int64)
        return np.add.reduceat(v, st) if n else np.zeros(0, dtype=np.int64)

    sent = s["sent_at"].to_numpy()
    agreed = s["agreed_to_buy"].to_numpy().astype(bool)
    sess = pd.DataFrame({
        "agent": _obj(s["agent"].to_numpy()[st]),
        "customer_id": _obj(s["customer_id"].to_numpy()[st]),
        "date": s["date"].to_numpy()[st],
        "store": _obj(_first_valid(s["store"], sid, n, st)),
        "start": sent[st],
        "end": sent[last],
        "n_customer": total("is_customer"),
        "n_agent": total("is_agent"),
        "n_auto": total("is_auto"),
        "log_category": _obj(_first_valid(s["category"], sid, n, st)),
        "agreed_to_buy": (np.logical_or.reduceat(agreed, st) if n
                          else np.zeros(0, dtype=bool)),
    }, index=pd.RangeIndex(n, name="sid"))
    tg = turns.groupby("sid", sort=True)
    tstats = pd.DataFrame({
        "n_turns": tg.size(),
        "answered_turns": tg["answered"].sum(),
        "first_response_s": turns.loc[turns["turn_no"] == 0].set_index("sid")["response_s"],
        "avg_response_s": tg["response_s"].mean(),
        "max_wait_s": tg["response_s"].max(),
        "auto_first_turns": tg["auto_first"].sum(),
    })
    sess = sess.join(tstats)
    for col in ("n_customer", "n_agent", "n_auto", "n_turns", "answered_turns",
                "auto_first_turns"):
        sess[col] = sess[col].astype(np.int64)
    return sess[CORE_COLUMNS]


def _slow_responses(turns: pd.DataFrame, n_sessions: int, p: dict[str, Any]) -> np.ndarray:
    """Per session (sid 0 … n − 1): its answers slower than ``slow_gap_s`` (§3 slow
    responses)."""
    slow = (turns["response_s"] > p["slow_gap_s"]).to_numpy()
    return np.bincount(turns["sid"].to_numpy()[slow], minlength=n_sessions).astype(np.int64)


def _session_finish(core: pd.DataFrame, turns: pd.DataFrame, orders: pd.DataFrame | None,
                    p: dict[str, Any], *, as_text: bool = True,
                    keyed: bool = False) -> pd.DataFrame:
    """The session table of :func:`build_sessions` from :func:`_session_core` rows (indexed
    by sid, in sid order) and their turns: the columns that depend on parameters.
    ``as_text=False``: text columns stay object arrays (same values; for internal use);
    ``keyed``: customer ids are shared codes with the orders' (``_common.shared_codes``).
    ``turns`` None: ``core`` has ``slow_responses`` for these parameters (the store's)."""
    sess = core.copy(deep=False)  # new columns only: the caller's frame is not changed
    if turns is not None:
        sess["slow_responses"] = _slow_responses(turns, len(sess), p)
    elif "slow_responses" not in sess.columns:
        raise ValueError("sessions without turns need their slow_responses")
    # category: the log's when given; else the look-back rule when orders are given; else presale
    cat = sess["log_category"].to_numpy(dtype=object)
    has = ~pd.isna(cat)
    after = np.zeros(len(sess), dtype=bool)
    if orders is not None:
        after = _lookback_after_sales(sess, orders, p["after_sales_lookback_days"],
                                      keyed).to_numpy()
    # labels picked from object arrays of two (no string made per session)
    inferred = np.array(["presale", "after_sales"], dtype=object)[after.astype(np.intp)]
    category = np.where(has, cat, inferred).astype(object, copy=False)
    fallback = "default" if orders is None else "lookback"
    source = np.array([fallback, "log"], dtype=object)[has.astype(np.intp)]
    sess["category"] = pd.Series(category, index=sess.index, dtype=object, copy=False)
    sess["category_source"] = pd.Series(source, index=sess.index, dtype=object, copy=False)
    sess["is_presale"] = category == "presale"
    sess["replied"] = sess["answered_turns"] > 0
    sess["is_slow"] = sess["slow_responses"] > p["slow_times"]
    sess["is_long"] = (sess["max_wait_s"] > p["long_wait_s"]).fillna(False).astype(bool)
    sess["last_msg_at"] = sess["end"]
    sess["window_end"] = sess["date"] + DAY * (int(p["followup_days"]) + 1)
    sess = sess.reset_index()
    cols = ["sid", "date", "agent", "customer_id", "store", "start", "end", "last_msg_at",
            "n_customer", "n_agent", "n_auto", "category", "category_source", "is_presale",
            "agreed_to_buy", "replied", "n_turns", "answered_turns", "first_response_s",
            "avg_response_s", "slow_responses", "is_slow", "max_wait_s", "is_long",
            "auto_first_turns", "window_end"]
    if not as_text:
        return sess[cols]
    return texts(sess[cols].copy(), ["agent", "customer_id", "store", "category",
                                      "category_source"])


def _sessions_from(s: pd.DataFrame, turns: pd.DataFrame, orders: pd.DataFrame | None,
                   p: dict[str, Any]) -> pd.DataFrame:
    return _session_finish(_session_core(s, turns), turns, orders, p)


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
