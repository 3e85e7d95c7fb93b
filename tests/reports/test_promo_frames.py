"""The promo retrospective's frame builders and metrics on tiny hand-made frames (values by hand)."""
import numpy as np
import pandas as pd
import pytest

from csops_lib.metrics import promo as mp
from csops_lib.metrics.staffing import handling_time_s
from csops_lib.reports import promo

D = pd.Timestamp("2026-11-11")


def test_handling_time_s():
    s = pd.DataFrame({"start": [D, D, D],
                      "end": [D, D + pd.Timedelta(seconds=100), D + pd.Timedelta(seconds=4000)]})
    # 0 s → 1 s (floor), 100 s, 4000 s → 1800 s (cap): (1 + 100 + 1800) / 3
    assert handling_time_s(s) == pytest.approx(1901 / 3)
    assert handling_time_s(s, cap_s=100) == pytest.approx(201 / 3)
    assert handling_time_s(s.iloc[:0]) == 600.0
    assert handling_time_s(s.iloc[:0], fallback_s=300) == 300.0


def test_phase_days():
    d = mp.phase_days("2026-11-11", "2026-11-11", gap_days=7, wave_days=3)
    assert d["date"].iloc[0] == pd.Timestamp("2026-11-04") and len(d) == 11
    assert d["phase"].tolist() == ["baseline"] + ["runup"] * 6 + ["promo"] + ["wave"] * 3


def test_presale_share_and_profile():
    assert mp.presale_share(262, 117) == pytest.approx(262 / 379)
    assert np.isnan(mp.presale_share(0, 0))
    hourly = pd.DataFrame({"date": [D, D, D + pd.Timedelta(days=1)], "hour": [9, 10, 9],
                           "sessions": [4, 2, 6]})
    prof = mp.hourly_profile(hourly, 2)
    assert prof[9] == 5.0 and prof[10] == 1.0 and prof[0] == 0.0 and len(prof) == 24


def test_conversion_summary():
    conv = pd.DataFrame({"uv": [100, 300], "inquiries": [10, 30], "inquiry_buyers": [4, 6],
                         "next_day_buyers": [1, 1], "buyers": [8, 12],
                         "provisional": [False, True]})
    c = mp.conversion_summary(conv)
    assert c["callin_rate"] == pytest.approx(40 / 400)
    assert c["inquiry_conversion"] == pytest.approx(10 / 40)
    assert c["next_day_conversion"] == pytest.approx(2 / 40)
    assert c["store_conversion"] == pytest.approx(20 / 400)
    assert c["provisional"]
    no_traffic = mp.conversion_summary(conv.assign(uv=np.nan))
    assert np.isnan(no_traffic["store_conversion"]) and np.isnan(no_traffic["callin_rate"])


def _data(**frames):
    """A PromoData of a one-day promo on D (baseline D − 7, wave D + 1) from tiny frames."""
    days = mp.phase_days(D, D, 7, 1)
    empty = pd.DataFrame()
    base = dict(promo={"name": "p", "display_name": "p", "start": D, "end": D,
                       "rows": pd.DataFrame()},
                params={}, settings={"concurrency": 2, "pk_by": "sales", "top": 2},
                days=days, chats=empty, orders=empty, refunds=empty, traffic=None, roster=None,
                credited=empty, sessions=empty, hourly=empty, peak=empty, on_shift=empty,
                outcomes=empty, conversion=empty, as_of=None, data_dir=None)
    base.update(frames)
    return promo.PromoData(**base)


STAFF = {"concurrency": 2, "pk_by": "sales", "top": 2, "aht_s": 600.0,
         "target_service_level": 0.8, "answer_within_s": 30, "max_occupancy": 0.85,
         "shrinkage": 0.2, "load_growth": 1.0}


def test_capacity_builder_uses_the_one_staffing_answer():
    peak = pd.DataFrame({"date": [D, D, D - pd.Timedelta(days=7)], "hour": [9, 10, 9],
                         "peak_concurrent": [5, 2, 50]})
    on_shift = pd.DataFrame({"date": [D, D], "hour": [9, 10], "agents_on_shift": [2, 1]})
    hourly = pd.DataFrame({"date": [D, D], "hour": [9, 10], "sessions": [6, 0]})
    data = _data(peak=peak, on_shift=on_shift, hourly=hourly)
    data.settings = dict(STAFF)
    cap = promo.capacity(data)
    # only promo-day hours; capacity = agents × 2; 5 > 4 → over capacity
    assert cap["hour"].tolist() == [9, 10]
    assert cap["capacity"].tolist() == [4.0, 2.0]
    assert cap["over_capacity"].tolist() == [True, False]
    assert "extra_agents" not in cap.columns  # no second "agents to add" answer
    plan = promo.staffing_plan(data).set_index("hour")
    # 09:00: peak 5 / 2 → ⌈2.5⌉ = 3 online for the peak. Erlang C, 6 sessions × 600 s = 1
    # erlang, 2 chats per agent: 1 agent = 2 servers: B = 0.5 / 2.5 = 0.2, C = 2·0.2 / (2 −
    # 0.8) = 1/3, SL = 1 − (1/3)·e^(−30/600) = 0.683 < 0.8; 2 agents = 4 servers: B = 0.01538,
    # C = 0.0204, SL = 0.982 → 2. Needed max(2, 3) = 3, rostered ⌈3 / 0.8⌉ = 4, on shift 2 →
    # gap 2
    assert plan.loc[9, ["erlang_online", "peak_online", "needed_online", "needed_roster",
                        "gap"]].tolist() == [2, 3, 3, 4, 2]
    # the service level is Erlang C at the needed 3 agents = 6 servers: B = (1/720) / 2.71806
    # = 0.000511, C = 6·B / (6 − (1 − B)) = 0.000613, SL = 1 − C·e^(−5·30/600) = 0.99952
    assert plan.loc[9, "service_level"] == pytest.approx(0.99952, abs=1e-5)

    # the capacity view shows the same numbers for the same hour
    row = cap.set_index("hour").loc[9]
    assert row[["needed_online", "needed_roster", "gap"]].tolist() == [3, 4, 2]


def test_staffing_need_hand_computed():
    st = {k: v for k, v in STAFF.items() if k not in ("pk_by", "top")}
    st.update(concurrency=4, aht_s=476.0)
    plan = mp.staffing_need(pd.Series({16: 173.0}), pd.Series({16: 5.0}),
                            pd.Series({16: 48}), st).set_index("hour")
    # Erlang C: A = 173 × 476 / 3600 = 22.87 erlangs → 7 agents × 4 = 28 servers (occupancy
    # 22.87 / 28 = 0.82 ≤ 0.85); the peak 48 / 4 = 12 → needed 12 online, ⌈12 / 0.8⌉ = 15
    assert plan.loc[16, "traffic_erlangs"] == pytest.approx(173 * 476 / 3600)
    assert plan.loc[16, ["erlang_online", "peak_online", "needed_online", "needed_roster",
                         "agents_on_shift", "gap"]].tolist() == [7, 12, 12, 15, 5, 10]
    # an hour without sessions and nobody on shift needs nobody
    assert plan.loc[3, ["needed_online", "needed_roster", "gap"]].tolist() == [0, 0, 0]
    # load growth 1.5: the peak 48 × 1.5 / 4 = 18 online
    st["load_growth"] = 1.5
    grown = mp.staffing_need(pd.Series({16: 173.0}), pd.Series({16: 5.0}),
                             pd.Series({16: 48}), st).set_index("hour")
    assert grown.loc[16, "peak_online"] == 18


def test_after_sales_agents_and_their_summary():
    assert mp.after_sales_agents(pd.Series({"周": "after_sales", "陈": "both", "美": "presale",
                                            "无": None})) == {"周"}
    s = pd.DataFrame({"agent": ["周", "周", "周", "美"],
                      "category": ["after_sales", "after_sales", "presale", "presale"],
                      "replied": [True, False, True, True],
                      "first_response_s": [10.0, np.nan, 30.0, 5.0]})
    out = mp.after_sales_summary(s, {"周", "芳"}).set_index("agent")
    # 周: 3 sessions, 2 after-sales, 2 of 3 replied, median of 10 and 30 = 20 s, 1 unanswered
    assert out.loc["周", ["sessions", "after_sales_sessions", "unanswered"]].tolist() == [3, 2, 1]
    assert out.loc["周", "reply_rate"] == pytest.approx(2 / 3)
    assert out.loc["周", "first_response_p50_s"] == 20.0
    # 芳 had no session: zeros and no rates
    assert out.loc["芳", "sessions"] == 0 and np.isnan(out.loc["芳", "reply_rate"])


def test_hourly_profile_builder_and_silent():
    hourly = pd.DataFrame({"date": [D, D - pd.Timedelta(days=7)], "hour": [20, 20],
                           "sessions": [9, 3]})
    credited = pd.DataFrame({"paid_at": [D + pd.Timedelta(hours=1), D + pd.Timedelta(hours=2),
                                         D - pd.Timedelta(days=7)],
                             "amount": [10.0, 5.0, 99.0], "credited_agent": ["A", None, None]})
    data = _data(hourly=hourly, credited=credited)
    prof = promo.hourly_profile(data).set_index("hour")
    assert prof.loc[20, "promo"] == 9.0 and prof.loc[20, "baseline"] == 3.0
    assert promo.silent(data) == {"orders": 1, "sales": 5.0}  # the baseline's silent order is out
    board = promo.hourly_board(data)
    # hours ending 01:00 (nothing yet) and 02:00 (A's 01:00 payment); the silent order at
    # 02:00 is credited to nobody, so the board stops at the last credited payment
    assert board["until"].tolist() == [D + pd.Timedelta(hours=h) for h in (1, 2)]
    assert pd.isna(board["agent_1"].iloc[0]) and board["agent_1"].iloc[1] == "A"
    assert board["value_1"].iloc[1] == 10.0


def test_sections_registry():
    keys = promo.SECTIONS.keys()
    assert keys[:2] == ["promo_headline", "promo_overview"] and keys[-1] == "appendix"
    assert "team_pk" in keys and "promo_after_sales" in keys
    assert set(promo.SHEET_ORDER) == {s.key for s in promo.SECTIONS if s.sheet}
