"""The one roster-shift rule (csops_lib.metrics.roster), checked on hand-computed cases."""
import datetime as dt
import math

import pandas as pd
import pytest

from csops_lib.metrics.roster import on_shift_grid, on_shift_per_hour, parse_clock, shift_hours


@pytest.mark.parametrize("value, hours", [
    ("08:00", 8.0), ("15:30", 15.5), ("24:00", 24.0), ("8:00:00", 8.0), ("08：00", 8.0),
    ("8", 8.0), (dt.time(9, 45), 9.75), (pd.Timestamp("2026-11-11 13:30"), 13.5),
    (0.5, 12.0), (8, 8.0), (22.5, 22.5),
])
def test_parse_clock(value, hours):
    assert parse_clock(value) == pytest.approx(hours)


@pytest.mark.parametrize("value", [None, float("nan"), "", "  ", "nan"])
def test_parse_clock_missing(value):
    assert math.isnan(parse_clock(value))


@pytest.mark.parametrize("value", ["late", "25:00", "8h"])
def test_parse_clock_bad(value):
    with pytest.raises(ValueError, match="not a clock time"):
        parse_clock(value)


@pytest.mark.parametrize("start, end, hours", [
    ("08:00", "16:00", list(range(8, 16))),
    ("15:00", "24:00", list(range(15, 24))),
    ("08:30", "17:00", list(range(8, 17))),      # 08:30 touches hour 8
    ("08:00", "16:30", list(range(8, 17))),      # 16:30 touches hour 16 (what_if used to drop it)
    ("22:00", "06:00", [0, 1, 2, 3, 4, 5, 22, 23]),
    ("09:00", "09:00", []),
    (None, "18:00", []),
    ("late", "18:00", []),                       # unreadable → counts nowhere (what_if skipped it)
])
def test_shift_hours(start, end, hours):
    assert shift_hours(start, end) == hours


def test_shift_hours_raise():
    with pytest.raises(ValueError):
        shift_hours("late", "18:00", errors="raise")


def test_on_shift_grid_hand_computed():
    roster = pd.DataFrame({
        "agent": ["A", "B", "C", "D"],
        "shift_start": ["08:00", "10:30", "22:00", "bad"],
        "shift_end": ["12:00", "12:00", "02:00", "12:00"],
        "hired_on": [None, "2026-11-12", None, None],
    })
    g = on_shift_grid(roster, ["2026-11-11", "2026-11-12"])
    assert len(g) == 48
    d1 = g[g["date"] == pd.Timestamp("2026-11-11")].set_index("hour")
    d2 = g[g["date"] == pd.Timestamp("2026-11-12")].set_index("hour")
    # day 1: A 8–11, C 22, 23, 0, 1; B not hired yet; D unreadable
    assert d1.loc[[8, 9, 10, 11], "agents_on_shift"].tolist() == [1, 1, 1, 1]
    assert d1.loc[[0, 1, 22, 23], "on_shift_agents"].tolist() == ["C", "C", "C", "C"]
    assert d1["agents_on_shift"].sum() == 4 + 4
    # day 2: B hired, 10:30–12:00 → hours 10, 11
    assert d2.loc[10, "agents_on_shift"] == 2
    assert d2.loc[10, "on_shift_agents"] == "A、B"
    assert d2["agents_on_shift"].sum() == 4 + 2 + 4


def test_on_shift_grid_without_roster():
    g = on_shift_grid(None, ["2026-11-11"])
    assert len(g) == 24 and g["agents_on_shift"].sum() == 0
    assert set(g["on_shift_agents"]) == {""}
    g = on_shift_grid(pd.DataFrame({"agent": ["A"]}), ["2026-11-11"])
    assert g["agents_on_shift"].sum() == 0


def test_on_shift_per_hour():
    roster = pd.DataFrame({"agent": ["A", "B", "C"], "shift_start": ["08:00", "10:30", None],
                           "shift_end": ["12:00", "24:00", "12:00"]})
    s = on_shift_per_hour(roster)
    assert s.loc[7] == 0 and s.loc[8] == 1 and s.loc[10] == 2 and s.loc[11] == 2
    assert s.loc[12] == 1 and s.loc[23] == 1 and s.sum() == 4 + 14
    assert on_shift_per_hour(pd.DataFrame()).sum() == 0


def test_off_shift_by_the_roster_rule():
    from csops_lib.metrics.roster import off_shift

    roster = pd.DataFrame({"agent": ["美", "杰", "无"],
                           "shift_start": ["08:00", "22:00", None],
                           "shift_end": ["16:00", "06:00", None]})
    day = pd.Timestamp("2026-11-23")
    times = [day + pd.Timedelta(hours=h, minutes=m) for h, m in
             ((7, 59), (8, 0), (15, 59), (16, 0), (3, 0), (23, 30), (6, 0), (12, 0), (3, 0))]
    agents = ["美", "美", "美", "美", "美", "杰", "杰", "杰", "无"]
    # 08–16: 07:59 and 16:00 off, 08:00 and 15:59 on, 03:00 off; 22–06 over midnight: 23:30 on,
    # 06:00 off, 12:00 off; an agent without shift times has no off-shift moment
    assert off_shift(agents, times, roster).tolist() == [
        True, False, False, True, True, False, True, True, False]
    # not on the roster, no roster, missing time: never off shift
    assert off_shift(["谁"], [day], roster).tolist() == [False]
    assert off_shift(["美"], [day], None).tolist() == [False]
    assert off_shift(["美"], [pd.NaT], roster).tolist() == [False]
