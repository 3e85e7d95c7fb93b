"""Per-day session, turn and agent-day tables: the chat log's message-level work done once,
where it is cheap (issue 13).

Why per day is exact: a session is one agent × customer × calendar day (METRICS.md §3), so
its turns and response times need only that day's messages, and ``max_concurrent`` is per
agent-day. :func:`derive` turns the messages of some days into three tables the store keeps
beside ``chats`` (written at ingest, in the same recorded change; see
:mod:`csops_lib.engine`):

* ``day_sessions``: one row per session, the parameter-free columns of
  :func:`~csops_lib.metrics.sessions.build_sessions` (:data:`CORE_COLUMNS`) and ``sno``, the
  session's number within its day in (agent, customer) order;
* ``day_turns``: one row per turn (``sno``, ``turn_no``, first / last customer message,
  customer messages, the answer's time, auto first);
* ``day_agents``: one row per agent-day with a message: ``max_concurrent`` for the window
  ``window_s`` it was computed with, ``last_at`` (the agent-day's last message) and the
  median / p90 of its turns' response times (parameter-free, so computed once here).

Three turn numbers depend on parameters (:data:`TURN_PARAMS`): each session's
``slow_responses`` (``day_sessions``) and each agent-day's ``within_3min_rate`` and
``platform_avg_response_s`` (``day_agents``). They are computed here with the parameters of
the ingest, which the store records (:func:`turn_params`); a reader whose parameters are the
same uses them and needs no turn at all (:func:`stored_turn_stats`), any other recomputes them
from ``day_turns`` (as ``max_concurrent`` for another window is recomputed).

The store keeps the text columns :data:`KEY_COLUMNS` as integer ids into its key table
(:mod:`csops_lib.store.derived`); :func:`assemble` takes the texts of the ids it reads.

:func:`assemble` reads them back into :class:`Days`, the same sessions (core columns), turns
and max_concurrent the message path computes, in an order that gives identical results (see
:func:`assemble`). Everything that depends on a parameter (slow / long, category, windows,
attribution) is computed after, from these rows, by the same functions as from messages.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from csops_lib.metrics._common import key_text, params_of, seconds_of, shared_codes, texts
from csops_lib.metrics.chat import (
    _max_concurrent_from,
    _platform_from,
    _quantiles_from,
    _within_from,
)
from csops_lib.metrics.sessions import (
    CORE_COLUMNS,
    _from_codes,
    _messages,
    _session_core,
    _session_finish,
    _slow_responses,
    _split,
    _turns,
)
from csops_lib.privacy import PY_WHITESPACE

#: bump when a derived column's definition changes: stores derived by another version are
#: re-derived by the next ingest and read from messages until then
DERIVE_VERSION = 3
SESSIONS, TURNS, AGENTS = "day_sessions", "day_turns", "day_agents"
TABLES = (SESSIONS, TURNS, AGENTS)
#: the chat columns the derivation reads
CHAT_COLUMNS = ("sent_at", "agent", "customer_id", "sender", "store", "category",
                "agreed_to_buy", "seq")
TURN_COLUMNS = ["date", "sno", "turn_no", "first_at", "last_customer_at", "n_customer",
                "answered_at", "auto_first"]
AGENT_COLUMNS = ["date", "agent", "max_concurrent", "last_at", "window_s", "response_p50_s",
                 "response_p90_s", "within_3min_rate", "platform_avg_response_s"]
#: text columns the store keeps as integer ids (its key table has their texts)
KEY_COLUMNS = ("agent", "customer_id", "store", "log_category")
QUANTILE_COLUMNS = ["response_p50_s", "response_p90_s"]
#: the parameters of the stored turn numbers (each agent-day's :data:`TURN_STAT_COLUMNS`,
#: each session's ``slow_responses``)
TURN_PARAMS = ("slow_gap_s", "sla_hours", "sla_answer_s", "platform_hours", "platform_cap_s")
TURN_STAT_COLUMNS = ["within_3min_rate", "platform_avg_response_s"]
#: what :func:`assemble` reads of each table
READ_COLUMNS = {SESSIONS: ["sno", *CORE_COLUMNS, "slow_responses"], TURNS: TURN_COLUMNS,
                AGENTS: AGENT_COLUMNS}


def turn_params(params: dict[str, Any]) -> dict[str, Any]:
    """The :data:`TURN_PARAMS` of resolved ``params`` as the store records them (numbers as
    floats, hours as lists: equal after a JSON round trip)."""
    return {k: [float(h) for h in params[k]] if k.endswith("_hours") else float(params[k])
            for k in TURN_PARAMS}


def stored_turn_stats(derived_info: dict[str, Any] | None, params: dict[str, Any]) -> bool:
    """Whether the stored turn numbers (recorded ``derived_info``) were computed with the
    :data:`TURN_PARAMS` of ``params``: then a reader needs no turn."""
    return (derived_info or {}).get("turn_params") == turn_params(params)


def derive(chats: pd.DataFrame, window_s: float,
           params: dict[str, Any] | None = None) -> dict[str, pd.DataFrame]:
    """The three per-day tables of the messages ``chats`` (whole days; any number of them).

    Rows: ``day_sessions`` in (date, sno) order, ``day_turns`` in (date, sno, turn_no),
    ``day_agents`` in (date, agent). Times are those of the messages (naive); durations are
    recomputed on reading from the stored times, as the message path computes them. The turn
    numbers of :data:`TURN_PARAMS` use ``params`` (None: shop.yaml / defaults).
    """
    p = params_of(params, {})
    m = _messages(chats)
    s, _ = _split(m)
    turns = _turns(s)
    core = _session_core(s, turns)
    core["slow_responses"] = _slow_responses(turns, len(core), p)
    core = core.reset_index()
    # sessions are in (agent, customer, day) order: number them within their day
    order = np.lexsort((core["sid"].to_numpy(), core["date"].to_numpy()))
    core = core.iloc[order].reset_index(drop=True)
    sno = core.groupby("date", sort=False).cumcount().to_numpy(np.int64)
    sno_of_sid = np.empty(len(core), dtype=np.int64)
    sno_of_sid[core["sid"].to_numpy()] = sno
    core.insert(0, "sno", sno)
    sessions = texts(core.drop(columns="sid"), ["agent", "customer_id", "store",
                                                "log_category"])
    t = pd.DataFrame({
        "date": turns["date"].to_numpy(),
        "sno": sno_of_sid[turns["sid"].to_numpy()],
        "turn_no": turns["turn_no"].to_numpy(np.int64),
        "first_at": turns["first_at"].to_numpy(),
        "last_customer_at": turns["last_customer_at"].to_numpy(),
        "n_customer": turns["n_customer"].to_numpy(np.int64),
        "answered_at": turns["answered_at"].to_numpy(),
        "auto_first": turns["auto_first"].to_numpy(bool),
    })
    t = t.iloc[np.lexsort((t["turn_no"].to_numpy(), t["sno"].to_numpy(),
                           t["date"].to_numpy()))].reset_index(drop=True)
    mc = _max_concurrent_from(m, window_s)
    last = m.groupby(["date", "agent"], sort=True)["sent_at"].max().rename("last_at")
    agents = mc.merge(last.reset_index(), on=["date", "agent"], how="left")
    agents["window_s"] = float(window_s)
    key = ["date", "agent"]
    q = _quantiles_from(turns[[*key, "answered", "response_s"]], key)
    agents = agents.merge(q, on=key, how="left")
    for part in (_within_from(turns, p, key), _platform_from(turns, p, key)):
        agents = agents.merge(part[key + [c for c in TURN_STAT_COLUMNS if c in part.columns]],
                              on=key, how="left")
    agents = texts(agents[AGENT_COLUMNS], ["agent"])
    return {SESSIONS: sessions, TURNS: t, AGENTS: agents}


@dataclass
class Days:
    """Sessions, turns and agent-days of a span of days, as the message path has them.

    ``sessions``: :data:`CORE_COLUMNS`, indexed by ``sid`` (0 … n − 1); read from the store,
    ``customer_id`` is a categorical (same values); ``turns``: at least sid, turn_no,
    first_at, last_customer_at, n_customer, answered, answered_at, response_s, auto_first of
    :func:`~csops_lib.metrics.sessions.build_turns`, in (sid, turn_no) order (a turn's date,
    agent, customer and store are its session's);
    ``max_concurrent``: date, agent, max_concurrent (every agent-day with a message);
    ``last_at``: the latest message time (the data cut-off of the chats);
    ``messages``: a function giving (sid, sent_at) of the session messages of an array of
    sids (exact "latest message before paid_at" in attribution), or None;
    ``quantiles``: date, agent, response_p50_s, response_p90_s of every agent-day with a
    message (stored at ingest), or None (computed from ``turns``);
    ``turn_stats``: date, agent and :data:`TURN_STAT_COLUMNS` of every agent-day with a
    message, computed at ingest with the reader's :data:`TURN_PARAMS` (and then
    ``sessions`` has ``slow_responses``), or None. ``turns`` may then be None: nothing
    needs them.
    """

    sessions: pd.DataFrame
    turns: pd.DataFrame
    max_concurrent: pd.DataFrame
    last_at: pd.Timestamp
    messages: Callable[[np.ndarray], pd.DataFrame] | pd.DataFrame | None = None
    quantiles: pd.DataFrame | None = None
    turn_stats: pd.DataFrame | None = None


def from_messages(chats: pd.DataFrame, window_s: float) -> Days:
    """:class:`Days` straight from the messages (no store): the reference the stored tables
    must reproduce."""
    m = _messages(chats)
    s, _ = _split(m)
    turns = _turns(s)
    core = _session_core(s, turns)
    mc = _max_concurrent_from(m, window_s)
    last = pd.Timestamp(m["sent_at"].max()) if len(m) else pd.NaT
    return Days(core, turns, mc, last, s[["sid", "sent_at"]])


def assemble(sessions: pd.DataFrame, turns: pd.DataFrame | None, agents: pd.DataFrame,
             messages=None, keys: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
             turn_stats: bool = False) -> Days:
    """:class:`Days` from stored ``day_sessions`` / ``day_turns`` / ``day_agents`` rows.

    ``keys``: the store's layout, where the :data:`KEY_COLUMNS` are integer ids (−1 =
    missing); per column ``(code, texts)``: the texts of the ids used and each id's
    position among them (``texts[code[id]]``). ``turn_stats``: use the stored turn numbers
    (the caller checked :func:`stored_turn_stats`): sessions keep ``slow_responses``,
    :attr:`Days.turn_stats` is set, and ``turns`` may be None.

    Sessions are numbered in (date, sno) order, i.e. (day, agent, customer); the message
    path numbers them (agent, customer, day). Every result is the same: per agent-day
    groups hold the same sessions in the same (customer) order, so sums and means add in the
    same order; per-row results do not depend on order; and ties between sessions in
    attribution (same customer, same start) are within one day, where both orders agree.
    """
    keys = keys or {}
    day_ns = sessions["date"].to_numpy("datetime64[ns]").view(np.int64)
    if not _in_order(day_ns, sessions["sno"].to_numpy(np.int64)):
        sessions = sessions.sort_values(["date", "sno"], kind="stable").reset_index(drop=True)
        day_ns = sessions["date"].to_numpy("datetime64[ns]").view(np.int64)
    t = None if turns is None else _turn_rows(turns, day_ns)
    index = pd.RangeIndex(len(sessions), name="sid")
    text = {c: _decode(sessions[c], keys.get(c)) for c in ("agent", "store", "log_category")}
    own = [*CORE_COLUMNS, "slow_responses"] if turn_stats else CORE_COLUMNS
    core = pd.DataFrame({c: (pd.Series(text[c], dtype=object, index=index) if c in text
                             else sessions[c].to_numpy("datetime64[ns]")
                             if c in ("date", "start", "end") else sessions[c].to_numpy())
                         for c in own if c != "customer_id"}, index=index, copy=False)
    # customers stay a categorical (one string per customer, not per row): joins use its codes
    core.insert(CORE_COLUMNS.index("customer_id"), "customer_id",
                _categorical(sessions["customer_id"], keys.get("customer_id")))
    a = pd.DataFrame({"date": agents["date"].to_numpy("datetime64[ns]"),
                      "agent": _decode(agents["agent"], keys.get("agent"))})
    for col in ("max_concurrent", *QUANTILE_COLUMNS, *TURN_STAT_COLUMNS):
        if col in agents.columns:
            a[col] = agents[col].to_numpy(np.int64 if col == "max_concurrent" else np.float64)
    a = a.sort_values(["date", "agent"], kind="stable").reset_index(drop=True)
    a.columns = a.columns.astype(object)
    mc = a[["date", "agent", "max_concurrent"]]
    quantiles = a[["date", "agent", *QUANTILE_COLUMNS]] \
        if all(c in a.columns for c in QUANTILE_COLUMNS) else None
    stats = a[["date", "agent", *TURN_STAT_COLUMNS]] if turn_stats else None
    last = pd.Timestamp(agents["last_at"].max()) if len(agents) else pd.NaT
    return Days(core, t, mc, last, messages, quantiles, stats)


def _turn_rows(turns: pd.DataFrame, day_ns: np.ndarray) -> pd.DataFrame:
    """:attr:`Days.turns` of stored ``day_turns`` rows, given the sessions' days (ns) in
    (date, sno) order."""
    t_day = turns["date"].to_numpy("datetime64[ns]").view(np.int64)
    # the sid of a turn: the row of its (date, sno) among the sessions
    days, first = np.unique(day_ns, return_index=True)
    pos = np.searchsorted(days, t_day)
    ok = (pos < len(days)) & (days[np.minimum(pos, max(len(days) - 1, 0))] == t_day) \
        if len(days) else np.zeros(len(t_day), dtype=bool)
    if not ok.all():
        raise ValueError("day_turns holds turns of a day without sessions: re-derive the "
                         "store's day tables (`csops ingest` of any export rebuilds them)")
    sid = first[pos] + turns["sno"].to_numpy(np.int64) if len(t_day) else \
        np.zeros(0, dtype=np.int64)
    turn_no = turns["turn_no"].to_numpy(np.int64)
    order = slice(None) if _in_order(sid, turn_no) else np.lexsort((turn_no, sid))
    sid = sid[order]
    answered_at = turns["answered_at"].to_numpy("datetime64[ns]")[order]
    first_at = turns["first_at"].to_numpy("datetime64[ns]")[order]
    t = pd.DataFrame({
        "sid": sid.astype(np.int64),
        "turn_no": turn_no[order],
        "first_at": first_at,
        "last_customer_at": turns["last_customer_at"].to_numpy("datetime64[ns]")[order],
        "n_customer": turns["n_customer"].to_numpy(np.int64)[order],
        "answered": ~np.isnat(answered_at),
        "answered_at": answered_at,
        "response_s": seconds_of(answered_at - first_at),
        "auto_first": turns["auto_first"].to_numpy(bool)[order],
    }, copy=False)
    return t


def _in_order(major: np.ndarray, minor: np.ndarray) -> bool:
    """Rows strictly increasing in (major, minor)."""
    if len(major) < 2:
        return True
    dm = np.diff(major)
    return bool(((dm > 0) | ((dm == 0) & (np.diff(minor) > 0))).all())


def _codes(col: pd.Series, key: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Positions in ``key``'s texts of a column of ids (−1: missing)."""
    code, _ = key
    ids = col.to_numpy(np.int64)
    return np.where(ids >= 0, code[np.maximum(ids, 0)], -1) if len(code) \
        else np.full(len(ids), -1, dtype=np.int64)


def _decode(col: pd.Series, key: tuple[np.ndarray, np.ndarray] | None) -> np.ndarray:
    """Object array of ``str`` / NaN: a text column, or ids with their texts (``key``)."""
    if key is None:
        return _objects(col)
    return _from_codes(_codes(col, key), key[1])


def _categorical(col: pd.Series, key: tuple[np.ndarray, np.ndarray] | None) -> pd.Categorical:
    """A categorical with the values of a text column, or of ids with their texts."""
    if key is None:
        return col.array if isinstance(col.dtype, pd.CategoricalDtype) \
            else col.astype("category").array
    return pd.Categorical.from_codes(_codes(col, key), dtype=_distinct_dtype(key[1]))


def _distinct_dtype(texts: np.ndarray) -> pd.CategoricalDtype:
    """The categorical dtype of texts known to be distinct (a key table's: one id per text),
    without pandas re-checking it (a hash of every text: 0.25 s for 0.7 M customers). Pandas'
    own internal constructor for known-good categories; the public one where it is gone."""
    cats = pd.Index(texts, dtype=object)
    fast = getattr(pd.CategoricalDtype, "_from_fastpath", None)
    return fast(cats, False) if fast is not None else pd.CategoricalDtype(cats)


def session_messages(chats: pd.DataFrame, sessions: pd.DataFrame) -> pd.DataFrame:
    """(sid, sent_at) of the session messages of ``chats`` (whole days), ``sid`` being the
    row of ``sessions`` (:data:`CORE_COLUMNS` indexed by sid, e.g. :attr:`Days.sessions`)
    with the same agent, customer and day; messages of other sessions are left out."""
    m = _messages(chats)
    s, _ = _split(m)
    key = ["agent", "customer_id", "date"]
    first = s.groupby("sid", sort=True)[key].first().reset_index()
    link = first.rename(columns={"sid": "_sid"}).merge(
        sessions[key].reset_index(), on=key, how="inner")
    out = s[["sid", "sent_at"]].rename(columns={"sid": "_sid"}).merge(
        link[["_sid", "sid"]], on="_sid", how="inner")
    return out[["sid", "sent_at"]]


def _objects(s: pd.Series) -> np.ndarray:
    """An object array of ``str`` / NaN from a text or categorical column (a categorical's
    values are made once per category, not once per row)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        return _from_codes(s.cat.codes.to_numpy(), np.asarray(s.cat.categories, dtype=object))
    out = s.to_numpy(dtype=object)
    return np.where(pd.isna(out), np.nan, out).astype(object)


def key_customers(sessions: pd.DataFrame, orders: pd.DataFrame
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sessions and orders with their customer ids replaced by shared codes (joins on numbers;
    equal ids, equal codes), for the ``keyed`` paths of the session / attribution functions.
    Without an orders ``customer_id`` the sessions keep their (clean) ids."""
    if "customer_id" not in orders.columns:
        return sessions, orders
    cust = sessions["customer_id"]
    if isinstance(cust.dtype, pd.CategoricalDtype):  # the store's: its codes are ids already
        o_code = _category_codes(orders["customer_id"], cust.cat.categories).astype(np.float64)
        o_code[o_code < 0] = np.nan
        s_code = cust.cat.codes.to_numpy().astype(np.float64)
        s_code[s_code < 0] = np.nan
    else:
        s_code, o_code = shared_codes(cust, orders["customer_id"])
    return sessions.assign(customer_id=s_code), orders.assign(customer_id=o_code)


def _category_codes(values: pd.Series, categories: pd.Index) -> np.ndarray:
    """Each of ``values``' ids (:func:`key_text`: stripped, blank = missing) as its position
    in ``categories`` (texts, distinct), an id not among them as ``len(categories)`` + its
    number in order of first appearance, a missing one as −1. Text is matched in Arrow (a hash
    and Polars (a hash join of the distinct ids, ~4× pandas' on object strings); other values
    through pandas."""
    try:
        got = pa.array(values.array if isinstance(values.dtype, pd.StringDtype)
                       else values.to_numpy(dtype=object), pa.large_string(), from_pandas=True)
    except (pa.ArrowTypeError, pa.ArrowInvalid):  # not all text: pandas' rules
        o = key_text(values)
        known = categories.get_indexer(o.to_numpy(dtype=object)).astype(np.int64)
        other = (known < 0) & o.notna().to_numpy()
        known[other] = len(categories) + pd.factorize(o[other])[0]
        return np.where(o.notna().to_numpy(), known, -1)
    if isinstance(got, pa.ChunkedArray):
        got = got.combine_chunks()
    got = pc.utf8_trim(got, PY_WHITESPACE)
    enc = pc.dictionary_encode(pc.if_else(pc.equal(got, ""), None, got))
    # the distinct ids' positions among the categories: a hash join (Polars: both cores)
    cats = pl.DataFrame({"t": pl.from_arrow(pa.array(np.asarray(categories, dtype=object),
                                                     pa.large_string())),
                         "pos": np.arange(len(categories), dtype=np.int64)})
    pos = (pl.DataFrame({"t": pl.from_arrow(enc.dictionary)})
           .join(cats, on="t", how="left", maintain_order="left")["pos"]
           .fill_null(-1).to_numpy().astype(np.int64))
    unknown = pos < 0  # numbered after the categories, in order of first appearance
    pos[unknown] = len(categories) + np.arange(int(unknown.sum()))
    codes = enc.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    return np.where(codes >= 0, pos[np.maximum(codes, 0)], -1) if len(pos) else \
        np.full(len(codes), -1, dtype=np.int64)


def build_sessions_from_days(days: Days, orders: pd.DataFrame | None = None,
                             params: dict[str, Any] | None = None,
                             **overrides: Any) -> pd.DataFrame:
    """:func:`~csops_lib.metrics.sessions.build_sessions` from :class:`Days` (e.g. the
    store's day tables): the same rows in the same order with the same ``sid``, i.e.
    sessions in (agent, customer, date) order, as if built from the messages."""
    p = params_of(params, overrides)
    core = days.sessions
    agent_rank = pd.factorize(core["agent"], sort=True)[0]
    cust = core["customer_id"]
    if isinstance(cust.dtype, pd.CategoricalDtype):
        rank = np.empty(len(cust.cat.categories), dtype=np.int64)
        rank[np.asarray(cust.cat.categories.argsort())] = np.arange(len(rank))
        cust_rank = rank[cust.cat.codes.to_numpy()]
    else:
        cust_rank = pd.factorize(cust, sort=True)[0]
    order = np.lexsort((core["date"].to_numpy(), cust_rank, agent_rank))
    new_sid = np.empty(len(order), dtype=np.int64)
    new_sid[order] = np.arange(len(order), dtype=np.int64)
    core = core.iloc[order].reset_index(drop=True).rename_axis("sid")
    turns = days.turns.assign(sid=new_sid[days.turns["sid"].to_numpy()])
    turns = turns.iloc[np.lexsort((turns["turn_no"].to_numpy(), turns["sid"].to_numpy()))]
    turns = turns.reset_index(drop=True)
    if orders is None:
        return _session_finish(core, turns, None, p)
    # the look-back rule joins on shared customer codes; the texts are put back after
    coded, orders = key_customers(core, orders)
    out = _session_finish(coded, turns, orders, p, as_text=False, keyed=True)
    out["customer_id"] = _objects(core["customer_id"])
    return texts(out.copy(), ["agent", "customer_id", "store", "category", "category_source"])
