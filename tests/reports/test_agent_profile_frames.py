"""The agent profile's frame builders on a tiny hand-made team (values computed by hand)."""
import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from csops_lib import periods
from csops_lib.metrics import agent_compare, scorecard
from csops_lib.reports import agent_profile as report
from csops_lib.settings.agent_profile import AgentProfileSettings

DAY = pd.Timestamp("2026-11-16")


def _data():
    metrics = pd.DataFrame({
        "sessions": [100.0, 80.0, 60.0], "inquiries": [50.0, 40.0, 0.0],
        "inquiry_buyers": [20.0, 8.0, 0.0], "inquiry_conversion": [0.4, 0.2, np.nan],
        "sales": [2000.0, 800.0, 0.0], "orders": [20.0, 10.0, 0.0], "aov": [100.0, 80.0, np.nan],
        "reply_rate": [1.0, 0.9, 0.95], "first_response_s": [25.0, 40.0, 30.0],
        "within_3min_rate": [0.99, 0.9, 0.95], "unanswered": [0.0, 8.0, 3.0],
        "slow_sessions": [1.0, 2.0, 1.0], "long_sessions": [0.0, 0.0, 0.0]},
        index=pd.Index(["A", "B", "C"], name="agent"))
    roster = pd.DataFrame({"agent": ["A", "B", "C"], "team": ["X", "X", "X"],
                           "role": ["presale", "presale", "after_sales"],
                           "hired_on": [DAY - pd.Timedelta(days=10)] * 3})
    training = pd.DataFrame({"agent": ["A", "A"], "date": [DAY - pd.Timedelta(days=8),
                                                          DAY - pd.Timedelta(days=2)],
                             "module": ["m1", "m2"], "score": [90.0, 70.0]})
    sessions = pd.DataFrame({
        "agent": ["A", "A", "B"], "customer_id": ["c1", "c2", "c3"], "date": [DAY] * 3,
        "start": [DAY + pd.Timedelta(hours=h) for h in (9, 8, 10)],
        "first_response_s": [10.0, 30.0, 50.0], "replied": [True, True, False],
        "is_slow": [False, True, False], "is_long": [False, False, False],
        "is_presale": [True, True, False], "category": ["presale", "presale", "after_sales"]})
    period = periods.Period("week", DAY.date(), DAY.date() + dt.timedelta(days=6), "2026-W47")
    return report.ProfileData(
        "A", period, {}, None, pd.DataFrame(), sessions, pd.DataFrame(), metrics, roster,
        training, None, None, False, None, DAY.date(), AgentProfileSettings())


def test_overview_team_median_and_relative_difference():
    ov = report.overview(_data()).set_index("metric")
    # sessions 100 against the median of 100, 80, 60 = 80 → +25 %
    assert ov.loc["sessions", "team_median"] == 80.0
    assert ov.loc["sessions", "vs_team"] == pytest.approx(0.25)
    # conversion: median of 0.4, 0.2 (C has none) = 0.3 → 0.4 / 0.3 − 1
    assert ov.loc["inquiry_conversion", "vs_team"] == pytest.approx(1 / 3)


def test_strengths_gaps_and_flags():
    st = report.strengths(_data())
    strengths = st[st["group"] == "strengths"]
    # sales +150 %, orders +100 %, reply rate on shift +100 % (from the sessions: A 2 of 2
    # replied, B 0 of 1, C none → median 0.5), conversion +33 %, AOV +11 % (sessions: not
    # compared) — the top three by size (ties in overview order)
    assert strengths["metric"].tolist() == ["sales", "orders", "reply_rate_on_shift"]
    flags = st[st["group"] == "flags"]
    # the assessment of day 8 after hiring is week two but scored 90; day 8 … the second
    # one (day 8+6 = 14 days: week 2) scored 70 < 80 → flagged; one slow session flagged
    assert flags["template"].tolist() == ["ap_flag_training", "ap_flag_slow"]
    assert flags.iloc[0]["score"] == 70.0


def test_training_weeks_since_hire_and_flag():
    t = report.training(_data())
    assert t["week_of_hire"].tolist() == [1, 2] and t["flag"].tolist() == [False, True]


def test_funnel_steps_and_review_list():
    f = report.funnel(_data()).set_index("stage")
    # A: 100 sessions → 2 pre-sale sessions → 50 inquiries → 20 buyers
    assert f["agent_value"].tolist() == [100.0, 2.0, 50.0, 20.0]
    assert f["agent_step"].iloc[1:].tolist() == pytest.approx([0.02, 25.0, 0.4])
    r = report.review(_data())
    assert len(r) == 1 and r["first_response_s"].iloc[0] == 30.0  # the slow one
    assert r["customer_id"].iloc[0] != "c2"  # masked


def test_agent_compare_formulas_hand_computed():
    assert agent_compare.relative_diff(3, 2) == pytest.approx(0.5)
    assert np.isnan(agent_compare.relative_diff(3, 0))
    assert agent_compare.gap_to_median(2, 0) == 1.0 and agent_compare.gap_to_median(0, 0) == 0.0
    assert agent_compare.step_conversion(pd.Series([10, 5, 0, 3])).tolist()[1:3] == [0.5, 0.0]
    assert np.isnan(agent_compare.step_conversion(pd.Series([10, 5, 0, 3]))[3])
    s = pd.DataFrame({"first_response_s": [10.0, 20.0, np.nan], "replied": [True, True, False]})
    r = agent_compare.response_summary(s)
    assert r["p50"] == 15.0 and r["p90"] == pytest.approx(19.0)
    assert r["reply_rate"] == pytest.approx(2 / 3)


def test_weekly_team_median_skips_agents_without_sessions():
    from csops_lib.metrics.agent_compare import weekly_team_median

    w = pd.DataFrame({
        "week": pd.to_datetime(["2026-11-16"] * 4 + ["2026-11-23"] * 2),
        "agent": ["a", "b", "c", "x", "a", "b"],
        "sessions": [10, 20, 0, 99, 0, 0],
        "reply_rate": [0.5, 0.9, 0.1, 0.0, 0.2, 0.3],
    })
    out = weekly_team_median(w, ["a", "b", "c"], ["sessions", "reply_rate"])
    # week 1: a and b had sessions (c had none, x is not in the team): medians (10+20)/2, (0.5+0.9)/2
    assert out["week"].tolist() == [pd.Timestamp("2026-11-16")]
    assert out["sessions"].tolist() == [15.0]
    assert out["reply_rate"].tolist() == [pytest.approx(0.7)]


def _night():
    """A (08:00–16:00 shift): two unanswered sessions at 03:00 and 05:00 (off shift), one
    answered at 09:00 in 20 s, one unanswered at 10:00; B (08:00–16:00): 09:00 in 40 s,
    10:00 in 60 s, 11:00 in 50 s (all on shift)."""
    d = _data()
    roster = d.roster.assign(shift_start="08:00", shift_end="16:00")
    hours = [3, 5, 9, 10, 9, 10, 11]
    sessions = pd.DataFrame({
        "agent": ["A"] * 4 + ["B"] * 3, "customer_id": [f"c{i}" for i in range(7)],
        "date": [DAY] * 7, "start": [DAY + pd.Timedelta(hours=h) for h in hours],
        "first_response_s": [np.nan, np.nan, 20.0, np.nan, 40.0, 60.0, 50.0],
        "replied": [False, False, True, False, True, True, True],
        "is_slow": [False] * 7, "is_long": [False] * 7, "is_presale": [True] * 7,
        "category": ["presale"] * 7, "n_turns": [1] * 7})
    return dataclasses.replace(d, roster=roster, sessions=sessions)


def test_sessions_off_shift_are_a_group_apart_not_the_agents_gaps():
    d = _night()
    svc = agent_compare.service_on_shift(d.sessions_flagged()).loc["A"]
    # A: 4 sessions, 2 before 08:00 → queued off shift; on shift 1 of 2 replied, median 20 s
    assert svc["queued_off_shift"] == 2 and svc["sessions_on_shift"] == 2
    assert svc["reply_rate_on_shift"] == 0.5 and svc["first_response_on_shift_s"] == 20.0
    assert svc["unanswered_on_shift"] == 1
    ov = report.overview(d).set_index("metric")
    # first response on shift: A 20 s vs the median of A 20, B 50, C none = 35 s
    assert ov.loc["first_response_on_shift_s", "team_median"] == 35.0
    assert ov.loc["queued_off_shift", "agent_value"] == 2 and np.isnan(
        ov.loc["queued_off_shift", "vs_team"])
    # the review list holds A's own unanswered 10:00 session, not the two night ones
    r = report.review(d)
    assert r["start"].dt.hour.tolist() == [10]
    q = report.queued(d)
    assert q["start"].dt.hour.tolist() == [5, 3]  # newest first
    flags = report.strengths(d)
    assert "ap_flag_off_shift" in flags["template"].tolist()
    assert flags.loc[flags["template"] == "ap_flag_off_shift", "n"].iloc[0] == 2
    assert flags.loc[flags["template"] == "ap_flag_unanswered", "n"].iloc[0] == 1


def test_lost_inquiries_newest_first_and_own_standing_only():
    d = _night()
    outcomes = pd.DataFrame({"agent": ["A", "A", "A"], "customer_id": ["c2", "c3", "c0"],
                             "date": [DAY] * 3, "paid": [False, False, True],
                             "provisional": [False, True, False],
                             "start": [DAY + pd.Timedelta(hours=h) for h in (9, 10, 3)]})
    sessions = d.sessions.assign(agreed_to_buy=False)
    lost = report.lost(dataclasses.replace(d, outcomes=outcomes, sessions=sessions))
    assert lost["start"].dt.hour.tolist() == [10, 9]
    scores = pd.DataFrame({"score": [90.0, 70.0, np.nan, 99.0], "rank": [2, 3, pd.NA, 1],
                           "bonus": [50.0, 10.0, 0.0, 80.0]},
                          index=pd.Index(["A", "B", "C", "Z"], name="agent"))
    ev = scorecard.Evaluation(None, pd.DataFrame(), scores, 140.0, 60.0)
    st = report.standing(dataclasses.replace(d, evaluation=ev))
    # team X = A, B, C (Z is not in the team, C has no score): median of 90, 70 = 80
    assert st == {"score": 90.0, "rank": 2, "ranked": 3.0, "team_median_score": 80.0,
                  "bonus": 50.0}
