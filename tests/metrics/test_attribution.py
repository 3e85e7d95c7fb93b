"""Attribution (§4), inquiry conversion (§2) and the daily KPI tables, by hand."""
import numpy as np
import pandas as pd
import pytest

from csops_lib.metrics import (
    MetricInputError,
    agent_kpis,
    attribute_orders,
    build_sessions,
    inquiry_outcomes,
    store_kpis,
)
from csops_lib.metrics.kpis import AGENT_KPI_COLUMNS

D = pd.Timestamp("2026-11-02")  # a Monday


def ts(day, hms):
    return D + pd.Timedelta(days=day) + pd.Timedelta(hms)


def chats(rows):
    """rows: (day offset, 'HH:MM:SS', agent, customer, sender[, agreed_to_buy][, category])."""
    return pd.DataFrame({
        "sent_at": pd.Series([ts(r[0], r[1]) for r in rows], dtype="datetime64[ns]"),
        "agent": pd.Series([r[2] for r in rows], dtype="str"),
        "customer_id": pd.Series([r[3] for r in rows], dtype="str"),
        "sender": pd.Series([r[4] for r in rows], dtype="str"),
        "agreed_to_buy": pd.array([r[5] if len(r) > 5 else False for r in rows],
                                  dtype="boolean"),
        "category": pd.Series([r[6] if len(r) > 6 else None for r in rows], dtype="str"),
        "store": pd.Series(["X"] * len(rows), dtype="str"),
    })


def orders(rows):
    """rows: (order_id, customer, paid_at Timestamp or None, amount[, agent field])."""
    return pd.DataFrame({
        "order_id": pd.Series([r[0] for r in rows], dtype="str"),
        "customer_id": pd.Series([r[1] for r in rows], dtype="str"),
        "paid_at": pd.Series([r[2] for r in rows], dtype="datetime64[ns]"),
        "amount": [float(r[3]) for r in rows],
        "agent": pd.Series([r[4] if len(r) > 4 else None for r in rows], dtype="str"),
        "store": pd.Series(["X"] * len(rows), dtype="str"),
        "quantity": pd.array([1] * len(rows), dtype="Int64"),
    })


def talk(day, hms, agent, cust, agreed=False, category=None):
    """A customer message and the agent's answer 30 s later."""
    end = (pd.Timedelta(hms) + pd.Timedelta(seconds=30))
    h = f"{int(end.total_seconds()) // 3600:02d}:{int(end.total_seconds()) % 3600 // 60:02d}:" \
        f"{int(end.total_seconds()) % 60:02d}"
    return [(day, hms, agent, cust, "customer", agreed, category),
            (day, h, agent, cust, "agent", agreed, category)]


# ---- attribution ----------------------------------------------------------------------------
# h:  agent A on D 10:00 with agreed_to_buy, then agent B on D+1 10:00; pays D+1 11:00
#     → handover: A keeps the sale (the latest flagged candidate), not B (latest message).
# g:  the same without the flag → B (latest message before payment).
# w3: A on D 10:00; pays D+3 23:59:59 → still in the window (end of D + 3) → A.
# w4: A on D 10:00; pays D+4 00:00:00 → outside → silent.
# f:  chatted with A, but the order names Z in its agent field → field, Z.
# s:  never chatted → silent.
# u:  unpaid order → no attribution.
# e:  paid D 09:00, chatted only from D 10:00 → the session started after payment → silent.
# a:  only an after-sales session (category) → no pre-sale candidate → silent.
# m:  A talks to m at 10:00 and again at 10:20 (one session 10:00–10:20:30), B talks at
#     10:10; pays 10:15 → A's latest message before 10:15 is 10:00:30, B's is 10:10:30 → B.
LOG = (talk(0, "10:00:00", "A", "h", agreed=True) + talk(1, "10:00:00", "B", "h")
       + talk(0, "10:00:00", "A", "g") + talk(1, "10:00:00", "B", "g")
       + talk(0, "10:00:00", "A", "w3") + talk(0, "10:00:00", "A", "w4")
       + talk(0, "10:00:00", "A", "f") + talk(0, "10:00:00", "A", "e")
       + talk(0, "10:00:00", "A", "a", category="after_sales")
       + talk(0, "10:00:00", "A", "m") + talk(0, "10:20:00", "A", "m")
       + talk(0, "10:10:00", "B", "m"))
ORDERS = [("o_h", "h", ts(1, "11:00:00"), 100), ("o_g", "g", ts(1, "11:00:00"), 50),
          ("o_w3", "w3", ts(3, "23:59:59"), 30), ("o_w4", "w4", ts(4, "00:00:00"), 40),
          ("o_f", "f", ts(0, "12:00:00"), 20, "Z"), ("o_s", "s", ts(0, "12:00:00"), 10),
          ("o_u", "u", None, 99), ("o_e", "e", ts(0, "09:00:00"), 5),
          ("o_a", "a", ts(0, "12:00:00"), 7), ("o_m", "m", ts(0, "10:15:00"), 60)]


def test_attribution_rules():
    log, od = chats(LOG), orders(ORDERS)
    sess = build_sessions(log, od)
    got = attribute_orders(od, sess, chats=log).set_index("order_id")
    expected = {"o_h": ("A", "session"), "o_g": ("B", "session"), "o_w3": ("A", "session"),
                "o_w4": (None, "silent"), "o_f": ("Z", "field"), "o_s": (None, "silent"),
                "o_u": (None, None), "o_e": (None, "silent"), "o_a": (None, "silent"),
                "o_m": ("B", "session")}
    for oid, (agent, how) in expected.items():
        row = got.loc[oid]
        assert (row["credited_agent"] if pd.notna(row["credited_agent"]) else None) == agent, oid
        assert (row["attribution"] if pd.notna(row["attribution"]) else None) == how, oid
    assert got.loc["o_h", "credited_session_start"] == ts(0, "10:00:00")
    # a longer follow-up window credits the D+4 payment
    assert attribute_orders(od, sess, followup_days=4).set_index("order_id").loc[
        "o_w4", "attribution"] == "session"
    # the input is untouched (a copy with new columns is returned)
    assert "attribution" not in od.columns


def test_attribution_needs_order_columns():
    with pytest.raises(MetricInputError, match="paid_at"):
        attribute_orders(orders(ORDERS).drop(columns="paid_at"), build_sessions(chats(LOG)))


# ---- inquiry outcomes ---------------------------------------------------------------------------
# Pre-sale sessions on D at 10:00 with agent A:
#  p1 pays D+1 12:00 → paid, paid next day; p2 pays D+2 09:00 → paid, not next day;
#  p3 paid D 09:00, before the session → not paid (its category is logged as presale, else the
#  look-back rule would make it after-sales because of that payment); p4 pays D+4 00:00 → not paid (window ends
#  at the end of D+3); p5 pays at the session start exactly → paid (from the start).
INQ_LOG = sum((talk(0, "10:00:00", "A", c, category="presale" if c == "p3" else None)
               for c in ("p1", "p2", "p3", "p4", "p5")), [])
INQ_ORDERS = [("1", "p1", ts(1, "12:00:00"), 10), ("2", "p2", ts(2, "09:00:00"), 10),
              ("3", "p3", ts(0, "09:00:00"), 10), ("4", "p4", ts(4, "00:00:00"), 10),
              ("5", "p5", ts(0, "10:00:00"), 10)]


def test_inquiry_outcomes_window_next_day_and_provisional():
    log, od = chats(INQ_LOG), orders(INQ_ORDERS)
    sess = build_sessions(log, od)
    out = inquiry_outcomes(sess, od, as_of=ts(3, "12:00:00")).set_index("customer_id")
    assert out["paid"].to_dict() == {"p1": True, "p2": True, "p3": False, "p4": False,
                                     "p5": True}
    assert out["paid_next_day"].to_dict() == {"p1": True, "p2": False, "p3": False,
                                              "p4": False, "p5": True}
    # window end = D+4 00:00 > as_of D+3 12:00 → provisional; next day (D+2 00:00) is final
    assert out["provisional"].all() and not out["next_day_provisional"].any()
    assert (out["window_end"] == ts(4, "00:00:00")).all()
    final = inquiry_outcomes(sess, od, as_of=ts(4, "00:00:00"))
    assert not final["provisional"].any()
    # default as_of: the latest timestamp in the data = p4's payment at D+4 00:00 → final
    assert not inquiry_outcomes(sess, od)["provisional"].any()
    # a 1-day window: p2 (D+2) no longer converts
    short = inquiry_outcomes(sess, od, followup_days=1).set_index("customer_id")
    assert not short.loc["p2", "paid"] and short.loc["p1", "paid"]


# ---- agent KPIs ---------------------------------------------------------------------------------
# Day D (Monday), agent A, store X:
#   k1 pre-sale, answered in 30 s; pays D+1 10:00 (100.50) → credited to A on D+1.
#   k2 pre-sale, auto reply only (unanswered); never pays.
#   k3 after-sales session (category), answered in 60 s; not an inquiry.
#   v  silent buyer on D 15:00 (20.00) → no agent row.
#   B  has no chats; an order with agent field B on D (33.333) → row (D, B) with sessions 0.
# Rows: (D, A), (D, B), (D+1, A). as_of = latest data = D+1 10:00 → every window open.
KPI_LOG = ([(0, "10:00:00", "A", "k1", "customer"), (0, "10:00:30", "A", "k1", "agent"),
            (0, "11:00:00", "A", "k2", "customer"), (0, "11:00:03", "A", "k2", "auto"),
            (0, "12:00:00", "A", "k3", "customer", False, "after_sales"),
            (0, "12:01:00", "A", "k3", "agent", False, "after_sales")])
KPI_ORDERS = [("1", "k1", ts(1, "10:00:00"), 100.5), ("2", "v", ts(0, "15:00:00"), 20),
              ("3", "b1", ts(0, "16:00:00"), 33.333, "B")]


def test_agent_kpis_by_hand():
    k = agent_kpis(chats(KPI_LOG), orders(KPI_ORDERS))
    assert list(k.columns[:len(AGENT_KPI_COLUMNS)]) == AGENT_KPI_COLUMNS
    assert list(zip(k["date"], k["agent"], strict=True)) == [
        (D, "A"), (D, "B"), (D + pd.Timedelta(days=1), "A")]
    a = k.iloc[0]
    assert (a["sessions"], a["presale_sessions"], a["replied"], a["unanswered"]) == (3, 2, 2, 1)
    assert a["reply_rate"] == round(2 / 3, 4) == 0.6667
    assert a["first_response_s"] == 45.0 and a["avg_response_s"] == 45.0  # (30 + 60) / 2
    assert (a["slow_sessions"], a["long_sessions"], a["max_concurrent"]) == (0, 0, 1)
    assert (a["inquiries"], a["inquiry_buyers"], a["inquiry_conversion"]) == (2, 1, 0.5)
    assert (a["orders"], a["sales"], a["buyers"]) == (0, 0.0, 0) and np.isnan(a["aov"])
    assert bool(a["provisional"])
    b = k.iloc[1]  # sales but no chat: sessions 0, NaN means and rates
    assert (b["sessions"], b["replied"], b["inquiries"], b["max_concurrent"]) == (0, 0, 0, 0)
    assert np.isnan(b["reply_rate"]) and np.isnan(b["first_response_s"])
    assert np.isnan(b["avg_response_s"]) and np.isnan(b["inquiry_conversion"])
    assert (b["orders"], b["sales"], b["buyers"], b["aov"]) == (1, 33.33, 1, 33.33)
    a1 = k.iloc[2]
    assert (a1["sessions"], a1["orders"], a1["sales"], a1["aov"]) == (0, 1, 100.5, 100.5)
    # the silent order (v, 20.00) is in no row
    assert k["sales"].sum() == pytest.approx(133.83)
    assert k["sessions"].dtype == "Int64" and k["orders"].dtype == "Int64"
    assert pd.api.types.is_string_dtype(k["agent"])


def test_agent_kpis_period_filter_and_as_of():
    k = agent_kpis(chats(KPI_LOG), orders(KPI_ORDERS), date_from=D + pd.Timedelta(days=1))
    assert list(k["agent"]) == ["A"] and k.iloc[0]["orders"] == 1
    # as_of 5 days later: D's window (to D+4 00:00) is closed → not provisional
    k = agent_kpis(chats(KPI_LOG), orders(KPI_ORDERS), as_of=ts(5, "00:00:00"))
    assert not k["provisional"].any()


def test_agent_kpis_next_day_conversion():
    k = agent_kpis(chats(INQ_LOG), orders(INQ_ORDERS)).set_index(["date", "agent"])
    a = k.loc[(D, "A")]
    # inquiries p1..p5 = 5; paid in window: p1, p2, p5 = 3; by end of D+1: p1, p5 = 2
    assert (a["inquiries"], a["inquiry_buyers"], a["next_day_buyers"]) == (5, 3, 2)
    assert (a["inquiry_conversion"], a["next_day_conversion"]) == (0.6, 0.4)


def test_store_kpis_by_hand():
    traffic = pd.DataFrame({"date": [D, D + pd.Timedelta(days=1)], "store": ["X", "X"],
                            "uv": pd.array([200, 100], dtype="Int64")})
    sk = store_kpis(chats(KPI_LOG), orders(KPI_ORDERS), traffic).set_index("date")
    d0 = sk.loc[D]
    # D: inquiries k1, k2 = 2 → 2 / 200; buyers v and b1 = 2 → 0.01; silent buyers: v and b1
    # (b1's agent field does not count as a chat) = 2 → 0.01; k1 pays D+1 → 1 / 2
    assert (d0["uv"], d0["inquiries"], d0["callin_conversion"]) == (200, 2, 0.01)
    assert (d0["buyers"], d0["store_conversion"]) == (2, 0.01)
    assert (d0["silent_buyers"], d0["silent_conversion"]) == (2, 0.01)
    assert (d0["inquiry_buyers"], d0["inquiry_conversion"]) == (1, 0.5)
    assert (d0["next_day_buyers"], d0["next_day_conversion"]) == (1, 0.5)
    d1 = sk.loc[D + pd.Timedelta(days=1)]
    # D+1: no inquiry → conversion NaN; k1's order: 1 buyer / 100, not silent
    assert d1["inquiries"] == 0 and np.isnan(d1["inquiry_conversion"])
    assert (d1["buyers"], d1["store_conversion"], d1["silent_buyers"]) == (1, 0.01, 0)
    # without traffic every UV rate is NaN
    assert store_kpis(chats(KPI_LOG), orders(KPI_ORDERS))["callin_conversion"].isna().all()
