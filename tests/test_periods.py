import datetime as dt

import pytest

from csops_lib import periods


def test_iso_week_label_and_bounds():
    p = periods.week("2026-W47")
    assert (p.start, p.end, p.label) == (dt.date(2026, 11, 16), dt.date(2026, 11, 22), "2026-W47")
    assert periods.week(dt.date(2026, 11, 19)) == p


def test_week_across_new_year_uses_iso_year():
    # 2027-01-01 is a Friday: ISO week 2026-W53 runs Mon 2026-12-28 .. Sun 2027-01-03
    p = periods.week(dt.date(2027, 1, 1))
    assert p.label == "2026-W53" and p.start == dt.date(2026, 12, 28)


@pytest.mark.parametrize("today, expected", [
    (dt.date(2026, 11, 23), "2026-W47"),  # a Monday: last week is complete
    (dt.date(2026, 11, 22), "2026-W46"),  # a Sunday: this week is not complete yet
    (dt.date(2026, 11, 25), "2026-W47"),
])
def test_last_complete_week(today, expected):
    assert periods.last_complete_week(today).label == expected


def test_last_complete_week_limited_by_data():
    # data ends Wednesday 2026-11-18: the last complete week in the data is W46
    p = periods.last_complete_week(dt.date(2026, 11, 23), data_end=dt.date(2026, 11, 18))
    assert p.label == "2026-W46"


def test_month_and_shift():
    p = periods.month("2026-10")
    assert (p.start, p.end) == (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    assert p.shift(-10).label == "2025-12"
    assert periods.week("2026-W01").shift(-1).label == "2025-W52"
    assert periods.resolve("month", today=dt.date(2026, 11, 23)).label == "2026-10"


@pytest.mark.parametrize("kind, value, words", [
    ("week", "2026-W99", "2026 has ISO weeks 1 to 53"),
    ("week", "2025-W53", "2025 has ISO weeks 1 to 52"),
    ("week", "2026-W00", "2026 has ISO weeks 1 to 53"),
    ("week", "last week", "expected an ISO week such as 2026-W47"),
    ("day", "2026-02-30", "February 2026 has 28 days"),
    ("day", "2026-13-01", "there is no month 13"),
    ("day", "0000-01-01", "there is no year 0"),
    ("day", "2026/11/20x", "expected a date YYYY-MM-DD"),
    ("month", "2026-13", "months run 1 to 12"),
    ("month", "2026-00", "months run 1 to 12"),
    ("month", "2026-02-30", "February 2026 has 28 days"),
    ("week", "9999-12-31", "there is no year 9999"),
])
def test_bad_periods_are_one_line_value_errors_naming_the_value(kind, value, words):
    with pytest.raises(ValueError) as err:
        periods.resolve(kind, value)
    message = str(err.value)
    assert repr(value) in message and words in message and "\n" not in message


def test_valid_edge_periods():
    assert periods.resolve("week", "2026-W53").start == dt.date(2026, 12, 28)
    assert periods.resolve("day", "2024-02-29").label == "2024-02-29"
    assert periods.resolve("day", "2026-2-3").label == "2026-02-03"
    assert periods.resolve("month", "2026-2").label == "2026-02"
    assert periods.weeks_in(2026) == 53 and periods.weeks_in(2025) == 52
