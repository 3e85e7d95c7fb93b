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


def test_capacity_builder():
    peak = pd.DataFrame({"date": [D, D, D - pd.Timedelta(days=7)], "hour": [9, 10, 9],
                         "peak_concurrent": [5, 2, 50]})
    on_shift = pd.DataFrame({"date": [D, D], "hour": [9, 10], "agents_on_shift": [2, 1]})
    cap = promo.capacity(_data(peak=peak, on_shift=on_shift))
    # only promo-day hours; capacity = agents × 2; 5 > 4 → 1 customer short → 1 extra agent
    assert cap["hour"].tolist() == [9, 10]
    assert cap["capacity"].tolist() == [4.0, 2.0]
    assert cap["over_capacity"].tolist() == [True, False]
    assert cap["extra_agents"].tolist() == [1, 0]


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
    assert keys[0] == "promo_overview" and keys[-1] == "appendix" and "team_pk" in keys
    assert set(promo.SHEET_ORDER) == {s.key for s in promo.SECTIONS if s.sheet}
