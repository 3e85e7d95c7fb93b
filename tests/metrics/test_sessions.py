"""Sessions, turns, outreach and the per agent-day chat metrics (METRICS.md §3), by hand."""
import numpy as np
import pandas as pd
import pytest

from csops_lib.metrics import (
    MetricInputError,
    agent_day_stats,
    answer_question_ratio,
    auto_first_share,
    build_sessions,
    build_turns,
    max_concurrent,
    outreach,
    platform_avg_response_s,
    response_time_quantiles,
    shunt_evenness,
    within_3min_rate,
)

D = pd.Timestamp("2026-11-02")  # a Monday


def chats(rows, **extra):
    """rows: (time 'HH:MM:SS' on day D, or a Timestamp), agent, customer, sender."""
    ts = [r[0] if isinstance(r[0], pd.Timestamp) else D + pd.Timedelta(r[0]) for r in rows]
    df = pd.DataFrame({
        "sent_at": pd.Series(ts, dtype="datetime64[ns]"),
        "agent": pd.Series([r[1] for r in rows], dtype="str"),
        "customer_id": pd.Series([r[2] for r in rows], dtype="str"),
        "sender": pd.Series([r[3] for r in rows], dtype="str"),
    })
    for k, v in extra.items():
        df[k] = v
    return df


def at(hms, plus=0):
    return D + pd.Timedelta(hms) + pd.Timedelta(seconds=plus)


def turns_of(agent, cust, hour, waits):
    """One customer message per turn, answered after each wait (s), turns 10 min apart."""
    rows = []
    for i, w in enumerate(waits):
        t0 = at(f"{hour:02d}:00:00", 600 * i)
        rows.append((t0, agent, cust, "customer"))
        rows.append((t0 + pd.Timedelta(seconds=w), agent, cust, "agent"))
    return rows


# Agent A on day D, one customer per hour so that nothing overlaps:
#  c1 10:00 customer, 10:00:05 auto, 10:00:30 customer (same turn: a burst), 10:01:40 agent
#     (turn 1 answered in 100 s, measured from 10:00:00; the auto is no answer),
#     10:02:00 agent (no new turn), 10:05:00 customer (turn 2), 10:05:10 auto → unanswered.
#  c2 4 turns answered in 121 s each → 4 slow answers → slow (> 3).
#  c3 3 turns in 121 s and one in exactly 120 s (not slow) → 3 slow answers → not slow.
#  c4 one turn waited exactly 1200 s → not long.  c5 one turn waited 1201 s → long.
#  c6 only auto replies → not replied (unanswered session).
#  c7 agent messages only → outreach, not a session.
#  c8 the agent writes first (outreach-style), the customer replies, the agent answers in 30 s.
LOG = (
    [("10:00:00", "A", "c1", "customer"), ("10:00:05", "A", "c1", "auto"),
     ("10:00:30", "A", "c1", "customer"), ("10:01:40", "A", "c1", "agent"),
     ("10:02:00", "A", "c1", "agent"), ("10:05:00", "A", "c1", "customer"),
     ("10:05:10", "A", "c1", "auto")]
    + turns_of("A", "c2", 11, [121, 121, 121, 121])
    + turns_of("A", "c3", 12, [121, 121, 121, 120])
    + turns_of("A", "c4", 13, [1200])
    + turns_of("A", "c5", 15, [1201])
    + [("17:00:00", "A", "c6", "customer"), ("17:00:02", "A", "c6", "auto")]
    + [("18:00:00", "A", "c7", "agent"), ("18:05:00", "A", "c7", "agent")]
    + [("19:00:00", "A", "c8", "agent"), ("19:10:00", "A", "c8", "customer"),
       ("19:10:30", "A", "c8", "agent")]
)


@pytest.fixture
def log():
    return chats(LOG)


def test_sessions_one_row_per_agent_customer_day_with_a_customer_message(log):
    s = build_sessions(log).set_index("customer_id")
    assert sorted(s.index) == ["c1", "c2", "c3", "c4", "c5", "c6", "c8"]  # c7 is outreach
    c1 = s.loc["c1"]
    assert (c1["n_customer"], c1["n_agent"], c1["n_auto"]) == (3, 2, 2)
    assert (c1["n_turns"], c1["answered_turns"]) == (2, 1)
    assert c1["first_response_s"] == 100.0 and c1["avg_response_s"] == 100.0
    assert bool(c1["replied"]) and c1["start"] == at("10:00:00") and c1["end"] == at("10:05:10")
    assert c1["date"] == D and c1["category"] == "presale"
    assert c1["category_source"] == "default"
    # c8: the turn starts at the customer's message, not at the agent's opener
    assert s.loc["c8", "first_response_s"] == 30.0 and s.loc["c8", "start"] == at("19:00:00")


def test_slow_only_from_the_fourth_slow_answer(log):
    s = build_sessions(log).set_index("customer_id")
    assert s.loc["c2", "slow_responses"] == 4 and bool(s.loc["c2", "is_slow"])
    assert s.loc["c3", "slow_responses"] == 3 and not bool(s.loc["c3", "is_slow"])
    # per-call override: with slow_gap_s = 119 the 120 s answer is slow too → 4 → slow
    s2 = build_sessions(log, slow_gap_s=119).set_index("customer_id")
    assert s2.loc["c3", "slow_responses"] == 4 and bool(s2.loc["c3", "is_slow"])
    s3 = build_sessions(log, params={"slow_times": 4}).set_index("customer_id")
    assert not bool(s3.loc["c2", "is_slow"])


def test_long_wait_strictly_more_than_1200s(log):
    s = build_sessions(log).set_index("customer_id")
    assert s.loc["c4", "max_wait_s"] == 1200.0 and not bool(s.loc["c4", "is_long"])
    assert s.loc["c5", "max_wait_s"] == 1201.0 and bool(s.loc["c5", "is_long"])


def test_auto_replies_never_answer(log):
    s = build_sessions(log).set_index("customer_id")
    assert not bool(s.loc["c6", "replied"])
    assert np.isnan(s.loc["c6", "first_response_s"]) and np.isnan(s.loc["c6", "avg_response_s"])
    assert s.loc["c6", "n_turns"] == 1 and s.loc["c6", "answered_turns"] == 0


def test_turns_bursts_and_unanswered_last_turn(log):
    t = build_turns(log)
    c1 = t[t["customer_id"] == "c1"].reset_index(drop=True)
    assert list(c1["turn_no"]) == [0, 1]
    assert list(c1["n_customer"]) == [2, 1]            # the burst is one turn
    assert list(c1["answered"]) == [True, False]       # the last turn is unanswered
    assert c1.loc[0, "response_s"] == 100.0 and np.isnan(c1.loc[1, "response_s"])
    assert list(c1["auto_first"]) == [True, True]      # a bot spoke first in both turns
    assert len(t) == 1 + 1 + 4 + 4 + 1 + 1 + 1 + 1     # c1 2 turns, c2 4, c3 4, c4..c8 1 each


def test_outreach_counted_apart(log):
    o = outreach(log)
    assert list(o["customer_id"]) == ["c7"]
    assert o.loc[0, "n_agent"] == 2 and o.loc[0, "first_at"] == at("18:00:00")


def test_agent_day_stats_by_hand(log):
    st = agent_day_stats(log)
    assert len(st) == 1
    r = st.iloc[0]
    # sessions c1 c2 c3 c4 c5 c6 c8 = 7, replied = all but c6 = 6
    assert (r["sessions"], r["replied"], r["unanswered"]) == (7, 6, 1)
    assert r["reply_rate"] == pytest.approx(6 / 7)
    # first responses c1 100, c2 121, c3 121, c4 1200, c5 1201, c8 30 (c6 skipped)
    assert r["first_response_s"] == pytest.approx((100 + 121 + 121 + 1200 + 1201 + 30) / 6)
    # session means: c1 100, c2 121, c3 (3 × 121 + 120) / 4 = 120.75, c4 1200, c5 1201, c8 30
    assert r["avg_response_s"] == pytest.approx((100 + 121 + 120.75 + 1200 + 1201 + 30) / 6)
    assert (r["slow_sessions"], r["long_sessions"]) == (1, 1)
    assert r["max_concurrent"] == 1  # one customer per hour


def test_after_sales_lookback_rule():
    # four customers, each one session at 10:00 on D, no category column
    log = chats([("10:00:00", "A", c, "customer") for c in ("x", "y", "z", "u")]
                + [("10:01:00", "A", c, "agent") for c in ("x", "y", "z", "u")])
    start = at("10:00:00")
    orders = pd.DataFrame({
        "order_id": ["1", "2", "3", "4"],
        "customer_id": ["x", "y", "z", "u"],
        # x: paid exactly 15 days before → after-sales; y: 15 days + 1 s before → pre-sale;
        # z: paid at the session's first message (not before) → pre-sale; u: never paid
        "paid_at": pd.Series([start - pd.Timedelta(days=15),
                              start - pd.Timedelta(days=15, seconds=1), start, pd.NaT],
                             dtype="datetime64[ns]"),
        "amount": [10.0, 10.0, 10.0, 10.0],
    })
    s = build_sessions(log, orders).set_index("customer_id")
    assert s.loc["x", "category"] == "after_sales"
    assert [s.loc[c, "category"] for c in "yzu"] == ["presale"] * 3
    assert set(s["category_source"]) == {"lookback"}
    assert s.loc["y", "category"] == "presale"
    # a shorter look-back turns x pre-sale; a longer one turns y after-sales
    assert build_sessions(log, orders, after_sales_lookback_days=14).set_index(
        "customer_id").loc["x", "category"] == "presale"
    assert build_sessions(log, orders, after_sales_lookback_days=16).set_index(
        "customer_id").loc["y", "category"] == "after_sales"
    # the log's own category wins where given; missing ones fall back to the rule
    cat = np.where(log["customer_id"] == "y", "after_sales", None)
    s2 = build_sessions(log.assign(category=pd.Series(cat, dtype="str")), orders)
    s2 = s2.set_index("customer_id")
    assert s2.loc["y", "category"] == "after_sales" and s2.loc["y", "category_source"] == "log"
    assert s2.loc["x", "category"] == "after_sales" and s2.loc["x", "category_source"] == "lookback"


def test_max_concurrent_window_edges():
    # agent B: c1 at 10:00:00, c2 at 10:04:00 = 240 s later = 2 × 120 → together → 2
    # agent C: c1 at 10:00:00, c2 at 10:04:01 = 241 s → never within ± 120 s of one instant → 1
    # agent E: c1 and c2 at the same instant, c3 at 10:04:00 → [10:00, 10:04] holds 3
    log = chats([("10:00:00", "B", "c1", "customer"), ("10:04:00", "B", "c2", "agent"),
                 ("10:00:00", "C", "c1", "customer"), ("10:04:01", "C", "c2", "auto"),
                 ("10:00:00", "E", "c1", "customer"), ("10:00:00", "E", "c2", "customer"),
                 ("10:04:00", "E", "c3", "customer"), ("10:04:01", "E", "c3", "agent")])
    mc = max_concurrent(log).set_index("agent")["max_concurrent"]
    assert mc.to_dict() == {"B": 2, "C": 1, "E": 3}
    assert max_concurrent(log, window_s=121).set_index("agent").loc["C", "max_concurrent"] == 2
    assert max_concurrent(log, concurrency_window_s=119).set_index("agent")[
        "max_concurrent"].to_dict() == {"B": 1, "C": 1, "E": 2}


def test_max_concurrent_is_per_day():
    # 23:59 and 00:01 next day: 120 s apart, but different days → 1 each day
    log = chats([(D + pd.Timedelta("23:59:00"), "A", "c1", "customer"),
                 (D + pd.Timedelta("1 days 00:01:00"), "A", "c2", "customer")])
    assert list(max_concurrent(log)["max_concurrent"]) == [1, 1]


# Turn metrics on agent S, one customer per turn:
#  t1 07:59:59 answered in 10 s    → outside both counted-hour ranges
#  t2 08:00:00 answered in 180 s   → within 3 min; platform 180
#  t3 09:00:00 answered in 181 s   → not within;   platform 181
#  t4 22:00:00 answered in 700 s   → not within;   platform capped at 600
#  t5 22:30:00 auto only            → unanswered: not within; platform 600
#  t6 23:30:00 answered in 10 s    → within;       outside platform hours [8, 23)
SLA_LOG = [("07:59:59", "S", "t1", "customer"), ("08:00:09", "S", "t1", "agent"),
           ("08:00:00", "S", "t2", "customer"), ("08:03:00", "S", "t2", "agent"),
           ("09:00:00", "S", "t3", "customer"), ("09:03:01", "S", "t3", "agent"),
           ("22:00:00", "S", "t4", "customer"), ("22:11:40", "S", "t4", "agent"),
           ("22:30:00", "S", "t5", "customer"), ("22:30:05", "S", "t5", "auto"),
           ("23:30:00", "S", "t6", "customer"), ("23:30:10", "S", "t6", "agent")]


def test_within_3min_rate_counted_hours():
    w = within_3min_rate(chats(SLA_LOG)).iloc[0]
    # counted t2..t6 = 5 turns; within: t2 (exactly 180) and t6 = 2 → 0.4
    assert (w["sla_turns"], w["sla_within"]) == (5, 2)
    assert w["within_3min_rate"] == pytest.approx(0.4)
    # a longer SLA of 181 s adds t3
    assert within_3min_rate(chats(SLA_LOG), sla_answer_s=181).iloc[0][
        "within_3min_rate"] == pytest.approx(0.6)


def test_platform_avg_response_caps_at_600():
    p = platform_avg_response_s(chats(SLA_LOG)).iloc[0]
    # t2..t5: (180 + 181 + 600 + 600) / 4 = 390.25
    assert p["platform_turns"] == 4
    assert p["platform_avg_response_s"] == pytest.approx(390.25)


def test_quantiles_auto_share_answer_ratio():
    log = chats(SLA_LOG)
    q = response_time_quantiles(log).iloc[0]
    # answered: 10, 180, 181, 700, 10 → sorted 10 10 180 181 700: median 180,
    # p90 at position 0.9 × 4 = 3.6 → 181 + 0.6 × (700 − 181) = 492.4
    assert q["response_p50_s"] == 180.0 and q["response_p90_s"] == pytest.approx(492.4)
    a = auto_first_share(log).iloc[0]
    assert (a["turns"], a["auto_first_turns"]) == (6, 1)
    assert a["auto_first_share"] == pytest.approx(1 / 6)
    r = answer_question_ratio(log).iloc[0]
    assert (r["agent_messages"], r["customer_messages"]) == (5, 6)
    assert r["answer_question_ratio"] == pytest.approx(5 / 6)
    # overall (by=None) gives the same single row
    assert answer_question_ratio(log, by=None).iloc[0]["answer_question_ratio"] == \
        pytest.approx(5 / 6)


def test_zero_denominators_are_nan():
    # only a 07:00 turn: no counted turn for either platform rule → NaN, not 0
    log = chats([("07:00:00", "S", "x", "customer"), ("07:00:10", "S", "x", "agent")])
    assert np.isnan(within_3min_rate(log).iloc[0]["within_3min_rate"])
    assert np.isnan(platform_avg_response_s(log, by=None).iloc[0]["platform_avg_response_s"])
    # only outreach: no customer message → answer_question_ratio NaN overall
    out = chats([("10:00:00", "S", "x", "agent")])
    assert np.isnan(answer_question_ratio(out, by=None).iloc[0]["answer_question_ratio"])
    assert build_sessions(out).empty and agent_day_stats(out).empty


def test_shunt_evenness():
    # store X, day D: agent A 3 sessions, B 1 → shares 0.75 / 0.25 against 0.5 / 0.5
    rows = [("10:00:00", "A", c, "customer") for c in ("a1", "a2", "a3")]
    rows += [("10:00:00", "B", "b1", "customer")]
    s = build_sessions(chats(rows, store="X"))
    sh = shunt_evenness(s).set_index("agent")
    assert sh.loc["A", "share"] == 0.75 and sh.loc["A", "intended_share"] == 0.5
    assert sh["shunt_max_deviation"].tolist() == [0.25, 0.25]
    roster = pd.DataFrame({"agent": ["A", "B"], "shunt_weight": [3.0, 1.0]})
    sh = shunt_evenness(s, roster).set_index("agent")
    assert sh.loc["A", "intended_share"] == 0.75 and sh["shunt_max_deviation"].tolist() == [0, 0]


def test_missing_columns_named_and_inputs_untouched(log):
    with pytest.raises(MetricInputError, match="sender"):
        build_sessions(log.drop(columns="sender"))
    with pytest.raises(MetricInputError, match="customer_id, sender"):
        agent_day_stats(log.drop(columns=["customer_id", "sender"]))
    before = log.copy()
    build_sessions(log)
    agent_day_stats(log)
    build_turns(log)
    pd.testing.assert_frame_equal(log, before)


def test_unsorted_input_and_text_dtypes(log):
    shuffled = log.sample(frac=1, random_state=3)
    a = build_sessions(log)
    b = build_sessions(shuffled)
    pd.testing.assert_frame_equal(a, b)
    assert pd.api.types.is_string_dtype(a["agent"])
    assert a["start"].dtype == "datetime64[ns]" and a["date"].dtype == "datetime64[ns]"
