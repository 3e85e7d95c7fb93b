"""Order attribution and inquiry conversion (METRICS.md §4 and §2, tables ``orders``, ``chats``).

Attribution (METRICS.md §4, quoted): "An order is credited to its ``agent`` field when that is
non-empty. Otherwise the candidates are the customer's pre-sale sessions that started before
``paid_at`` and whose follow-up window (to the end of session day + ``followup_days``) contains
``paid_at``. If any candidate is flagged ``agreed_to_buy``, the sale goes to the agent of the
latest flagged candidate (the handover rule); else to the agent of the candidate with the latest
message before ``paid_at``. No candidate: a **silent** order (静默下单)."

A *paid* order is one with ``paid_at`` (whatever its later status: a refunded order was paid).
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
    nonempty,
    params_of,
    require,
)
from csops_lib.metrics.sessions import _messages, _split

ORDER_COLUMNS = ("order_id", "paid_at", "amount")
SESSION_COLUMNS = ("agent", "customer_id", "date", "start", "end", "category", "agreed_to_buy")


def _as_is(s: pd.Series) -> pd.Series:
    return s


def _prep_sessions(sessions: pd.DataFrame, p: dict[str, Any], keyed: bool = False
                   ) -> pd.DataFrame:
    """``keyed``: the text ids are already clean (sessions of the library) and the customer
    ids shared codes with the orders' (``_common.shared_codes``)."""
    require(sessions, SESSION_COLUMNS, "sessions")
    clean = key_text if not keyed else _as_is
    # keyed (internal): text stays object arrays, not converted to pandas' string dtype
    as_text = (lambda v: pd.Series(v, dtype=object, copy=False)) if keyed else (lambda v: v)
    s = pd.DataFrame({
        "sid": sessions["sid"].to_numpy() if "sid" in sessions.columns
        else np.arange(len(sessions)),
        "agent": as_text(clean(sessions["agent"]).to_numpy()),
        "customer_id": clean(sessions["customer_id"]).to_numpy(),
        "date": as_ns(sessions["date"]).dt.normalize().to_numpy(),
        "start": as_ns(sessions["start"]).to_numpy(),
        "end": as_ns(sessions["end"]).to_numpy(),
        "agreed": sessions["agreed_to_buy"].astype("boolean").fillna(False).astype(bool)
        .to_numpy(),
        "presale": sessions["category"].astype(object).eq("presale").to_numpy(),
        "store": as_text(clean(sessions["store"]).to_numpy()) if "store" in sessions.columns
        else np.nan,
    })
    s["window_end"] = s["date"] + DAY * (int(p["followup_days"]) + 1)
    return s


def _attribute(orders: pd.DataFrame, s: pd.DataFrame, msgs: pd.DataFrame | None,
               p: dict[str, Any], use_field: bool = True, keyed: bool = False) -> pd.DataFrame:
    """credited_agent / attribution / credited_session_start for each row of ``orders``.

    ``s``: prepared sessions (:func:`_prep_sessions`); ``msgs``: session messages with
    ``sid`` and ``sent_at`` (exact "latest message before paid_at"), or a function giving
    them for an array of sids (called only when a payment falls inside a session), or None.
    """
    require(orders, ORDER_COLUMNS, "orders")
    n = len(orders)
    paid_at = as_ns(orders["paid_at"]).to_numpy()
    is_paid = ~pd.isna(paid_at)
    field = (nonempty(orders["agent"]).to_numpy() if "agent" in orders.columns
             else np.zeros(n, dtype=bool))
    field = field & bool(use_field)
    credited = np.full(n, np.nan, dtype=object)
    how = np.full(n, np.nan, dtype=object)
    sess_start = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    if "agent" in orders.columns:
        credited[is_paid & field] = key_text(orders["agent"]).to_numpy()[is_paid & field]
    how[is_paid & field] = "field"
    if "customer_id" in orders.columns:
        cust = (orders["customer_id"] if keyed else key_text(orders["customer_id"])).to_numpy()
        todo = is_paid & ~field & ~pd.isna(cust)
        o = pd.DataFrame({"_row": np.flatnonzero(todo),
                          "customer_id": pd.Series(cust[todo],
                                                   dtype=None if keyed else object),
                          "paid_at": paid_at[todo]})
        how[todo] = "silent"
        pre = s[s["presale"]]
        c = o.merge(pre if keyed else pre.assign(customer_id=pre["customer_id"].astype(object)),
                    on="customer_id", how="inner")
        c = c[(c["start"] < c["paid_at"]) & (c["paid_at"] < c["window_end"])]
        # the candidate's latest message before paid_at
        c["last_before"] = c["end"].where(c["end"] < c["paid_at"])
        straddle = c["last_before"].isna().to_numpy()
        if straddle.any():
            if callable(msgs):  # messages read only for the sessions that need them
                msgs = msgs(np.unique(c.loc[straddle, "sid"].to_numpy()))
            if msgs is not None:
                q = c.loc[straddle, ["sid", "paid_at"]].reset_index()
                q = q.sort_values("paid_at", kind="stable")
                mm = msgs[["sid", "sent_at"]].sort_values("sent_at", kind="stable")
                hit = pd.merge_asof(q, mm.rename(columns={"sent_at": "_m"}), left_on="paid_at",
                                    right_on="_m", by="sid", direction="backward",
                                    allow_exact_matches=False)
                c.loc[hit["index"].to_numpy(), "last_before"] = hit["_m"].to_numpy()
            else:  # without messages, a session open at payment time counts as latest
                c.loc[straddle, "last_before"] = c.loc[straddle, "paid_at"] - pd.Timedelta(1)
        # handover: the latest flagged candidate wins; else the latest message before paid_at
        c["_flag"] = c["agreed"].astype(np.int8)
        c["_key"] = c["start"].where(c["agreed"], c["last_before"])
        c = c.sort_values(["_row", "_flag", "_key", "start"], kind="stable", na_position="first")
        best = c.drop_duplicates("_row", keep="last")
        rows = best["_row"].to_numpy()
        credited[rows] = best["agent"].to_numpy()
        how[rows] = "session"
        sess_start[rows] = best["start"].to_numpy()
    if keyed:  # internal: object arrays as they are
        credited = pd.Series(credited, dtype=object, index=orders.index, copy=False)
        how = pd.Series(how, dtype=object, index=orders.index, copy=False)
    out = pd.DataFrame({"credited_agent": credited, "attribution": how,
                        "credited_session_start": sess_start}, index=orders.index)
    return out


def attribute_orders(orders: pd.DataFrame, sessions: pd.DataFrame,
                     params: dict[str, Any] | None = None, *, chats: pd.DataFrame | None = None,
                     **overrides: Any) -> pd.DataFrame:
    """Credit each paid order to an agent (METRICS.md §4 attribution, 销售归属).

    Returns a copy of ``orders`` with:

    * ``attribution``: ``field`` (the order's own ``agent`` is non-empty, 对应负责人),
      ``session`` (credited by a candidate pre-sale session) or ``silent`` (静默下单: no
      candidate); NaN for unpaid orders (no ``paid_at``) and for orders without a
      ``customer_id`` when the field is empty (attribution unavailable, not silent);
    * ``credited_agent``: the agent credited (NaN for silent / unpaid);
    * ``credited_session_start``: start of the crediting session (NaT unless ``session``).

    Candidates: the customer's pre-sale sessions (``sessions`` from
    :func:`~csops_lib.metrics.sessions.build_sessions`) with start < paid_at < end of day
    (session date + ``followup_days``); so a payment on D + 3 is credited and on D + 4 is
    silent with the default 3. Among them the latest-starting ``agreed_to_buy`` candidate wins
    (handover rule); else the candidate with the latest message strictly before ``paid_at``.
    That message is exact when ``chats`` is given; without it a session still open at payment
    time (start < paid_at ≤ end) counts as having a message just before ``paid_at``. Ties go
    to the later-starting session.
    """
    p = params_of(params, overrides)
    s = _prep_sessions(sessions, p)
    msgs = None
    if chats is not None:
        sm, _ = _split(_messages(chats))
        # map the chat log's sessions onto the given sessions' sid by their natural key
        key = ["agent", "customer_id", "date"]
        first = sm.groupby("sid")[key].first().reset_index().rename(columns={"sid": "_sid"})
        link = first.merge(s[["sid", *key]], on=key, how="inner")
        msgs = sm[["sid", "sent_at"]].rename(columns={"sid": "_sid"}).merge(
            link[["_sid", "sid"]], on="_sid", how="inner")[["sid", "sent_at"]]
    att = _attribute(orders, s, msgs, p)
    out = orders.copy()
    for col in att.columns:
        out[col] = att[col]
    return out


def default_as_of(*frames_and_columns: tuple[pd.DataFrame | None, str]) -> pd.Timestamp:
    """The latest timestamp among the given (frame, column) pairs (NaT if none)."""
    best = pd.NaT
    for df, col in frames_and_columns:
        if df is not None and col in df.columns and len(df):
            v = as_ns(df[col]).max()
            if pd.notna(v) and (pd.isna(best) or v > best):
                best = v
    return best


def _outcomes(s: pd.DataFrame, orders: pd.DataFrame, p: dict[str, Any],
              as_of: pd.Timestamp, keyed: bool = False) -> pd.DataFrame:
    pre = s[s["presale"]].copy()
    pre["window_end"] = pre["date"] + DAY * (int(p["followup_days"]) + 1)
    pre["next_day_end"] = pre["date"] + 2 * DAY
    if "customer_id" in orders.columns:
        pre = pre.reset_index(drop=True)
        pre["first_paid_at"] = asof_times(pre["customer_id"], pre["start"].to_numpy(),
                                          orders["customer_id"],
                                          as_ns(orders["paid_at"]).to_numpy(),
                                          direction="forward", allow_exact=True,
                                          keyed=keyed)
        pre["paid"] = (pre["first_paid_at"] < pre["window_end"]).to_numpy()
        pre["paid_next_day"] = (pre["first_paid_at"] < pre["next_day_end"]).to_numpy()
    else:  # buyers cannot be matched to chats: unavailable, not an error
        pre = pre.reset_index(drop=True)
        pre["first_paid_at"] = pd.NaT
        pre["paid"] = pd.array([pd.NA] * len(pre), dtype="boolean")
        pre["paid_next_day"] = pd.array([pd.NA] * len(pre), dtype="boolean")
    pre["provisional"] = (pre["window_end"] > as_of) if pd.notna(as_of) else True
    pre["next_day_provisional"] = (pre["next_day_end"] > as_of) if pd.notna(as_of) else True
    return pre[["date", "agent", "customer_id", "store", "start", "window_end", "first_paid_at", "paid",
                "paid_next_day", "provisional", "next_day_provisional"]]


def inquiry_outcomes(sessions: pd.DataFrame, orders: pd.DataFrame,
                     params: dict[str, Any] | None = None, as_of=None,
                     **overrides: Any) -> pd.DataFrame:
    """Did each inquiring customer pay? (METRICS.md §2 询单转化, "paid after inquiry").

    One row per pre-sale session, i.e. per (date, agent, customer) with a pre-sale session.
    ``paid``: the customer (any store, any agent's or no agent's order) has a paid order with
    ``paid_at`` in [session start, end of day D + ``followup_days``); ``paid_next_day``: in
    [start, end of D + 1) (询单→次日付款); ``first_paid_at`` the first such payment at or
    after the start. ``provisional``: the window's end is after ``as_of`` (the data cut-off:
    argument, else the ``as_of`` parameter, else the latest ``end`` / ``paid_at`` /
    ``created_at`` in the data), so later payments may still convert it;
    ``next_day_provisional`` likewise for D + 1. Without ``orders.customer_id`` paid and
    paid_next_day are missing (unavailable, not an error).
    Columns: date, agent, customer_id, store, start, window_end, first_paid_at, paid, paid_next_day,
    provisional, next_day_provisional.
    """
    p = params_of(params, overrides)
    require(orders, ["paid_at"], "orders")
    s = _prep_sessions(sessions, p)
    as_of = as_of if as_of is not None else p.get("as_of")
    if as_of is None:
        as_of = default_as_of((sessions, "end"), (orders, "paid_at"), (orders, "created_at"))
    return _outcomes(s, orders, p, pd.Timestamp(as_of))
