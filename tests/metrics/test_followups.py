"""csops_lib.metrics.followups: the chase list (追单) and the reminder list (催付), on hand-made frames."""
import pandas as pd
import pytest

from csops_lib.metrics.followups import chase_by_agent, chase_list, chase_plan, reminder_list

DAY = "2026-11-20"  # report day: the lists are for 2026-11-21, as of 2026-11-21 00:00
T = pd.Timestamp


def _sessions(rows):
    df = pd.DataFrame(rows, columns=["agent", "customer_id", "start", "category"])
    df["start"] = pd.to_datetime(df["start"])
    df["date"] = df["start"].dt.normalize()
    return df


def _orders(rows):
    df = pd.DataFrame(rows, columns=["order_id", "customer_id", "created_at", "paid_at",
                                     "status", "amount", "order_total", "product", "agent"])
    for c in ("created_at", "paid_at"):
        df[c] = pd.to_datetime(df[c])
    return df


def test_chase_list_rules_and_window_edges():
    sessions = _sessions([
        ("A", "c1", "2026-11-18 10:00", "presale"),      # last day of window = 11-21: listed
        ("A", "c2", "2026-11-17 10:00", "presale"),      # window ended 11-20: edge, not listed
        ("A", "c3", "2026-11-20 15:00", "presale"),      # paid at 16:00: converted
        ("B", "c4", "2026-11-19 09:00", "presale"),      # paid before the session only: listed
        ("B", "c5", "2026-11-18 11:00", "presale"),      # chased twice since: not listed
        ("B", "c6", "2026-11-19 12:00", "presale"),      # chased once: listed, times 1
        ("C", "c7", "2026-11-20 09:00", "after_sales"),  # not an inquiry
        ("C", "c8", "2026-11-20 13:00", "presale"),      # pays tomorrow: unpaid as of today
        ("A", "c9", "2026-11-18 08:00", "presale"),      # two sessions: the latest decides
        ("C", "c9", "2026-11-20 20:00", "presale"),
        ("C", "c10", "2026-11-20 21:00", "presale"),     # on the reminder list: not repeated
        ("B", "c6", "2026-11-20 18:00", "followup"),     # c6 answered a chase: that is chase 1
    ])
    orders = _orders([
        ("o3", "c3", "2026-11-20 15:55", "2026-11-20 16:00", "paid", 10.0, 10.0, "杯", None),
        ("o4", "c4", "2026-11-19 07:00", "2026-11-19 08:00", "paid", 10.0, 10.0, "杯", None),
        ("o8", "c8", "2026-11-21 09:00", "2026-11-21 09:05", "paid", 10.0, 10.0, "杯", None),
        ("o1", "c1", "2026-11-18 10:30", None, "closed", 0.0, 59.0, "枕头", None),
    ])
    outreach = pd.DataFrame({
        "customer_id": ["c5", "c5", "c1", "c9"],
        "first_at": pd.to_datetime(["2026-11-19 10:00", "2026-11-20 10:00",
                                    "2026-11-17 10:00",   # before the session: not a chase
                                    "2026-11-21 10:00"]),  # after the day: not counted yet
    })
    out = chase_list(sessions, orders, outreach, DAY, followup_days=3, max_chases=2,
                     exclude_customers=["c10"])
    assert out["customer_id"].tolist() == ["c1", "c4", "c6", "c8", "c9"]
    row = out.set_index("customer_id")
    assert row.loc["c1", "days_left"] == 1 and row.loc["c1", "window_last_day"] == T("2026-11-21")
    assert row.loc["c4", "days_left"] == 2 and row.loc["c8", "days_left"] == 3
    assert row.loc["c9", "agent"] == "C" and row.loc["c9", "days_left"] == 3
    assert row.loc["c9", "last_session_at"] == T("2026-11-20 20:00")
    assert row.loc["c9", "times_chased"] == 0 and row.loc["c1", "times_chased"] == 0
    assert row.loc["c6", "times_chased"] == 1
    assert row.loc["c1", "products"] == "枕头"  # an order created and not paid
    assert pd.isna(row.loc["c4", "products"])


def test_chase_list_products_from_messages_and_max_chases():
    sessions = _sessions([("A", "c1", "2026-11-20 10:00", "presale")])
    chats = pd.DataFrame({"customer_id": ["c1", "c1"], "sender": ["customer", "agent"],
                          "sent_at": pd.to_datetime(["2026-11-20 10:00", "2026-11-20 10:01"]),
                          "text": ["北欧ins风落地灯 有现货吗", "记忆棉慢回弹护颈枕 也不错"]})
    orders = _orders([("o9", "x", "2026-11-01 00:00", "2026-11-01 00:00", "paid", 1.0, 1.0,
                       "北欧ins风落地灯", None),
                      ("o8", "x", "2026-11-01 00:00", "2026-11-01 00:00", "paid", 1.0, 1.0,
                       "记忆棉慢回弹护颈枕", None)])
    out = chase_list(sessions, orders, None, DAY, chats=chats)
    assert out["products"].tolist() == ["北欧ins风落地灯"]  # the agent's words do not count
    outreach = pd.DataFrame({"customer_id": ["c1"], "first_at": [T("2026-11-20 18:00")]})
    assert len(chase_list(sessions, orders, outreach, DAY, max_chases=2)) == 1
    assert chase_list(sessions, orders, outreach, DAY, max_chases=1).empty
    assert chase_list(sessions, orders, None, DAY, followup_days=0).empty  # no window left


def test_reminder_list_rules_and_edges():
    orders = _orders([
        ("o1", "c1", "2026-11-20 10:00", None, "unpaid", 0.0, 99.0, "杯", None),     # 14 h: in
        ("o2", "c2", "2026-11-20 22:30", None, "unpaid", 0.0, 10.0, "杯", None),     # 1.5 h: out
        ("o2b", "c2b", "2026-11-20 22:00", None, "unpaid", 0.0, 10.0, "杯", "D"),    # 2 h: edge in
        ("o3", "c3", "2026-11-17 23:59", None, "unpaid", 0.0, 10.0, "杯", None),     # too old
        ("o3b", "c3b", "2026-11-18 00:00", None, "unpaid", 0.0, 10.0, "杯", None),   # 72 h: in
        ("o4", "c4", "2026-11-20 09:00", None, "unpaid", 0.0, 10.0, "杯", None),     # paid today
        ("o4p", "c4", "2026-11-20 11:00", "2026-11-20 11:01", "paid", 5.0, 5.0, "杯", None),
        ("o5", "c5", "2026-11-19 09:00", None, "unpaid", 0.0, 10.0, "杯", None),     # reminded
        ("o6", "c6", "2026-11-19 09:00", None, "closed", 0.0, 10.0, "杯", None),     # closed
        ("o7", "c7", "2026-11-20 12:00", "2026-11-21 01:00", "paid", 20.0, 20.0, "杯", None),
        ("o8", "c8", "2026-11-19 12:00", None, None, 30.0, None, "杯", None),         # paid 11-19
        ("o8p", "c8", "2026-11-19 08:00", "2026-11-19 08:01", "paid", 5.0, 5.0, "杯", None),
    ])
    reminders = pd.DataFrame({"order_id": ["o5", "o-other"],
                              "sent_at": pd.to_datetime(["2026-11-21 09:00", "2026-11-19 00:00"])})
    sessions = _sessions([("B", "c1", "2026-11-20 09:00", "presale"),
                          ("E", "c1", "2026-11-20 11:00", "presale")])  # after the order
    out = reminder_list(orders, reminders, DAY, remind_after_h=2, remind_window_days=3,
                        sessions=sessions)
    assert out["order_id"].tolist() == ["o3b", "o8", "o1", "o7", "o2b"]  # longest wait first
    row = out.set_index("order_id")
    assert row.loc["o3b", "hours_waiting"] == 72.0 and row.loc["o2b", "hours_waiting"] == 2.0
    assert row.loc["o1", "hours_waiting"] == 14.0
    assert row.loc["o1", "order_amount"] == 99.0    # order_total, not the 0 paid
    assert row.loc["o8", "order_amount"] == 30.0    # amount when no order_total
    assert row.loc["o1", "agent"] == "B"            # the session before the order
    assert row.loc["o2b", "agent"] == "D"           # the order's own agent
    assert pd.isna(row.loc["o7", "agent"])
    # a longer wait threshold drops the recent ones (exactly 12 h waited still counts)
    later = reminder_list(orders, reminders, DAY, remind_after_h=12, remind_window_days=3)
    assert later["order_id"].tolist() == ["o3b", "o8", "o1", "o7"]


def test_reminder_list_without_created_at_or_orders_is_empty():
    orders = pd.DataFrame({"order_id": ["1"], "paid_at": [pd.NaT], "amount": [1.0]})
    assert reminder_list(orders, None, DAY).empty


def _worth_data():
    """Five unconverted inquiries whose expected amounts come from each basis (by hand)."""
    sessions = _sessions([
        ("A", "a1", "2026-11-20 10:00", "presale"),   # asked about 落地灯 (median ¥200) and 杯
        ("A", "a2", "2026-11-18 09:00", "presale"),   # own past orders ¥80, ¥40 → median ¥60
        ("A", "a3", "2026-11-18 12:00", "presale"),   # created an unpaid order of ¥500
        ("A", "a4", "2026-11-19 09:00", "presale"),   # nothing known
        ("B", "b1", "2026-11-20 11:00", "presale"),   # nothing known
    ])
    orders = _orders([
        ("p1", "x1", "2026-11-01 10:00", "2026-11-01 10:00", "paid", 100.0, 100.0, "落地灯", None),
        ("p2", "x2", "2026-11-08 10:00", "2026-11-08 10:00", "paid", 300.0, 300.0, "落地灯", None),
        ("p3", "x3", "2026-11-15 10:00", "2026-11-15 10:00", "paid", 200.0, 200.0, "落地灯", None),
        # 28+ days before the end of the day: not part of the product's typical amount
        ("p0", "x0", "2026-10-01 10:00", "2026-10-01 10:00", "paid", 5000.0, 5000.0, "落地灯",
         None),
        ("p4", "x4", "2026-11-05 10:00", "2026-11-05 10:00", "paid", 30.0, 30.0, "杯", None),
        ("q1", "a2", "2026-11-10 10:00", "2026-11-10 10:00", "paid", 80.0, 80.0, "杯", None),
        ("q2", "a2", "2026-11-12 10:00", "2026-11-12 10:00", "paid", 40.0, 40.0, "杯", None),
        ("u3", "a3", "2026-11-18 13:00", None, "unpaid", 0.0, 500.0, "沙发", None),
    ])
    chats = pd.DataFrame({"customer_id": ["a1", "a1"], "sender": ["customer", "customer"],
                          "sent_at": pd.to_datetime(["2026-11-20 10:00", "2026-11-20 10:02"]),
                          "text": ["落地灯有货吗", "杯子呢"]})
    return sessions, orders, chats


def test_chase_list_worth_and_priority_last_day_first_then_amount():
    sessions, orders, chats = _worth_data()
    out = chase_list(sessions, orders, None, DAY, chats=chats).set_index("customer_id")
    assert out.loc["a3", "expected_amount"] == 500.0
    assert out.loc["a3", "amount_basis"] == "unpaid_order" and out.loc["a3", "products"] == "沙发"
    assert out.loc["a1", "expected_amount"] == 200.0                 # max(median 200, 30)
    assert out.loc["a1", "amount_basis"] == "products"
    assert out.loc["a2", "expected_amount"] == 60.0 and out.loc["a2", "amount_basis"] == "past_orders"
    assert pd.isna(out.loc["a4", "expected_amount"]) and pd.isna(out.loc["a4", "amount_basis"])
    # days left 1: a3 (¥500), a2 (¥60); 2: a4; 3: a1 (¥200), b1 (unknown, last)
    assert out.sort_values("priority").index.tolist() == ["a3", "a2", "a4", "a1", "b1"]
    assert out["priority"].sort_values().tolist() == [1, 2, 3, 4, 5]
    assert out.loc["a3", "days_left"] == 1 and out.loc["b1", "days_left"] == 3


def test_chase_list_for_a_later_use_day_and_the_plan_capped_per_agent():
    sessions, orders, chats = _worth_data()
    # used on 11-22 with data up to 11-20: windows must include 11-22 (sessions from 11-19)
    later = chase_list(sessions, orders, None, DAY, chats=chats, use_day="2026-11-22")
    assert later["customer_id"].tolist() == ["a4", "a1", "b1"]
    assert later["days_left"].tolist() == [1, 2, 2]                 # a4: last day is 11-22
    with pytest.raises(ValueError, match="day before"):
        chase_list(sessions, orders, None, DAY, use_day=DAY)
    full = chase_list(sessions, orders, None, DAY, chats=chats)
    plan = chase_plan(full, per_agent=2)
    assert plan["customer_id"].tolist() == ["a3", "a2", "b1"]       # A's first two, then B
    assert plan["rank"].tolist() == [1, 2, 1]
    assert chase_plan(full, per_agent=10)["customer_id"].tolist() == [
        "a3", "a2", "a4", "a1", "b1"]
    by = chase_by_agent(full, per_agent=2).set_index("agent")
    assert by.loc["A"].tolist() == [4, 2, 2] and by.loc["B"].tolist() == [1, 1, 0]
    assert by.loc["total"].tolist() == [5, 3, 2]
    assert chase_by_agent(full).loc[0, "chase_on_sheet"] == 4      # no cap: all of them
