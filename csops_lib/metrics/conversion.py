"""Store-level conversion per store and day (METRICS.md §2: traffic + orders + chats).

* ``callin_conversion`` (询单率) = inquiring customers / UV;
* ``inquiry_conversion`` (询单转化率) = inquiring customers who paid / inquiring customers;
* ``next_day_conversion`` (询单→次日付款) = inquiring customers who paid by the end of D + 1 /
  inquiring customers;
* ``silent_conversion`` (静默转化率) = buyers who paid without any chat / UV;
* ``store_conversion`` (全店转化率) = all paying buyers / UV.

An *inquiring customer* has a pre-sale session that day in that store (§3); they *paid* when a
paid order of theirs has ``paid_at`` from the session start to the end of D + ``followup_days``
(:func:`~csops_lib.metrics.attribution.inquiry_outcomes`). Paying buyers, silent buyers,
orders and sales are counted on the day of ``paid_at`` and the order's store. A *silent buyer*
has a paid order with no candidate pre-sale session (the §4 silent rule, applied to the chats
whatever the order's ``agent`` field says). UV is 生意参谋's 访客数: a store-day's total row
(no province / hour) when there is one, else the sum of its province rows, else its hour
rows. Days whose follow-up window ends after ``as_of`` are ``provisional``.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from csops_lib.metrics._common import DAY, as_ns, key_text, params_of, ratio, require, texts
from csops_lib.metrics.attribution import _attribute, _outcomes, _prep_sessions, default_as_of
from csops_lib.metrics.sessions import _messages, _sessions_from, _split, _turns

KEY = ["date", "store"]


def traffic_uv(traffic: pd.DataFrame) -> pd.DataFrame:
    """UV (访客数) per date and store from a 生意参谋 traffic table (see the module docstring).

    Columns: date, store, uv (float; NaN where the export left it empty).
    """
    require(traffic, ["date", "uv"], "traffic")
    t = pd.DataFrame({"date": as_ns(traffic["date"]).dt.normalize(),
                      "store": key_text(traffic["store"]) if "store" in traffic.columns
                      else np.nan,
                      "uv": pd.to_numeric(traffic["uv"], errors="coerce").astype("float64")})
    prov = (traffic["province"].notna().to_numpy() if "province" in traffic.columns
            else np.zeros(len(t), bool))
    hour = (traffic["hour"].notna().to_numpy() if "hour" in traffic.columns
            else np.zeros(len(t), bool))
    level = np.where(~prov & ~hour, 0, np.where(prov & ~hour, 1, 2))
    t["_level"] = level
    best = t.groupby(KEY, dropna=False)["_level"].transform("min")
    t = t[(t["_level"] == best).to_numpy()]
    return t.groupby(KEY, dropna=False, sort=True)["uv"].sum(min_count=1).reset_index()


def _store_from(sess: pd.DataFrame, msgs: pd.DataFrame, orders: pd.DataFrame,
                traffic: pd.DataFrame | None, p: dict[str, Any], as_of,
                keyed: bool = False) -> pd.DataFrame:
    """``keyed``: sessions and orders carry shared customer codes
    (``_common.shared_codes``) and the sessions' ids are clean."""
    require(orders, ["order_id", "paid_at", "amount"], "orders")
    ps = _prep_sessions(sess, p, keyed)
    outc = _outcomes(ps, orders, p, as_of, keyed)
    has_cust = "customer_id" in orders.columns
    inq = outc.groupby([*KEY, "customer_id"], dropna=False, sort=True).agg(
        paid=("paid", "max"), paid_next_day=("paid_next_day", "max")).reset_index()
    ig = inq.groupby(KEY, dropna=False, sort=True)
    parts = [ig.size().rename("inquiries")]
    if has_cust:
        parts += [ig["paid"].sum().rename("inquiry_buyers"),
                  ig["paid_next_day"].sum().rename("next_day_buyers")]
    # orders on the day of paid_at, by the order's store
    att = _attribute(orders, ps, msgs, p, use_field=False, keyed=keyed)
    o = pd.DataFrame({
        "date": as_ns(orders["paid_at"]).dt.normalize(),
        "store": key_text(orders["store"]) if "store" in orders.columns else np.nan,
        "customer_id": ((orders["customer_id"] if keyed else key_text(orders["customer_id"]))
                        if has_cust else np.nan),
        "amount": pd.to_numeric(orders["amount"], errors="coerce").astype("float64"),
        "silent": att["attribution"].eq("silent").to_numpy(),
    })
    o = o[o["date"].notna()]
    og = o.groupby(KEY, dropna=False, sort=True)
    parts += [og.size().rename("orders"), og["amount"].sum().rename("sales")]
    if has_cust:
        parts += [og["customer_id"].nunique().rename("buyers"),
                  o[o["silent"]].groupby(KEY, dropna=False)["customer_id"].nunique()
                  .rename("silent_buyers")]
    frame = pd.concat(parts, axis=1)
    if traffic is not None:
        uv = traffic_uv(traffic).set_index(KEY)["uv"]
        frame = frame.join(uv, how="outer")
    else:
        frame["uv"] = np.nan
    frame = frame.reset_index()
    counts = ["inquiries", "inquiry_buyers", "next_day_buyers", "orders", "buyers",
              "silent_buyers"]
    for col in counts:
        frame[col] = (frame[col].fillna(0) if col in frame.columns else np.nan)
    if not has_cust:
        frame[["inquiry_buyers", "next_day_buyers", "buyers", "silent_buyers"]] = np.nan
    frame["sales"] = frame["sales"].fillna(0.0)
    frame["callin_conversion"] = ratio(frame["inquiries"], frame["uv"])
    frame["inquiry_conversion"] = ratio(frame["inquiry_buyers"], frame["inquiries"])
    frame["next_day_conversion"] = ratio(frame["next_day_buyers"], frame["inquiries"])
    frame["silent_conversion"] = ratio(frame["silent_buyers"], frame["uv"])
    frame["store_conversion"] = ratio(frame["buyers"], frame["uv"])
    frame["aov"] = ratio(frame["sales"], frame["buyers"])
    fd = int(p["followup_days"])
    if pd.notna(as_of):
        frame["provisional"] = (frame["date"] + DAY * (fd + 1)) > as_of
        frame["next_day_provisional"] = (frame["date"] + 2 * DAY) > as_of
    else:
        frame["provisional"] = True
        frame["next_day_provisional"] = True
    frame = frame.sort_values(KEY, kind="stable").reset_index(drop=True)
    return texts(frame, ["store"])


def store_conversion(chats: pd.DataFrame, orders: pd.DataFrame,
                     traffic: pd.DataFrame | None = None, params: dict[str, Any] | None = None,
                     as_of=None, **overrides: Any) -> pd.DataFrame:
    """Store-level conversion per store and day (METRICS.md §2; module docstring).

    Columns: date, store, inquiries, inquiry_buyers, next_day_buyers, orders, sales, buyers,
    silent_buyers, uv, callin_conversion, inquiry_conversion, next_day_conversion,
    silent_conversion, store_conversion, aov, provisional, next_day_provisional.
    Raw, unrounded fractions; NaN for a zero denominator (no traffic → the UV rates are NaN;
    no ``orders.customer_id`` → buyer counts and their rates NaN).
    """
    p = params_of(params, overrides)
    m = _messages(chats)
    s, _ = _split(m)
    sess = _sessions_from(s, _turns(s), orders, p)
    as_of = as_of if as_of is not None else p.get("as_of")
    if as_of is None:
        as_of = default_as_of((chats, "sent_at"), (orders, "paid_at"), (orders, "created_at"))
    out = _store_from(sess, s[["sid", "sent_at"]], orders, traffic, p, pd.Timestamp(as_of))
    cols = ["date", "store", "inquiries", "inquiry_buyers", "next_day_buyers", "orders", "sales",
            "buyers", "silent_buyers", "uv", "callin_conversion", "inquiry_conversion",
            "next_day_conversion", "silent_conversion", "store_conversion", "aov",
            "provisional", "next_day_provisional"]
    return out[cols]
