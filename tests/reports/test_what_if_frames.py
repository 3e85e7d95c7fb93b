"""The what-if frame builders and calculators on tiny hand-made data."""
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from csops_lib import periods
from csops_lib.metrics import what_if as calc
from csops_lib.reports import what_if as report
from csops_lib.settings.what_if import WhatIfSettings


def _data():
    metrics = pd.DataFrame({"inquiries": [100.0, 50.0, 0.0], "inquiry_buyers": [30.0, 48.0, 0.0],
                            "sales": [3000.0, 4000.0, 500.0], "buyers": [30.0, 40.0, 5.0]},
                           index=pd.Index(["A", "B", "C"], name="agent"))
    per_hour = pd.DataFrame({"date": np.repeat(pd.to_datetime(["2026-11-16", "2026-11-17"]), 24),
                             "hour": np.tile(np.arange(24), 2), "sessions": 0})
    per_hour.loc[(per_hour["hour"] == 10), "sessions"] = [4, 8]
    roster = pd.DataFrame({"agent": ["A", "B"], "shift_start": ["08:00", "09:00"],
                           "shift_end": ["16:00", "11:00"]})
    period = periods.Period("week", dt.date(2026, 11, 16), dt.date(2026, 11, 22), "2026-W47")
    return report.WhatIfData(period, {}, None, metrics, per_hour, 240.0, roster, None, None,
                             WhatIfSettings())


def test_uplift_frame_sorted_with_a_total_row():
    u = report.uplift(_data(), 0.05).set_index("agent")
    # A: +5 buyers × ¥100 = ¥500; B: 96 % → 100 %: +2 buyers × ¥100 = ¥200; C: no inquiries
    assert u.index.tolist() == ["A", "B", "total"]
    assert u.loc["total", "extra_sales"] == pytest.approx(700.0)
    # conversion of the total weighted by inquiries = 78 / 150; after: (35 + 50) / 150
    assert u.loc["total", "inquiry_conversion"] == pytest.approx(78 / 150)
    assert u.loc["total", "new_conversion"] == pytest.approx(85 / 150)


def test_staffing_plan_hourly_mean_on_shift_and_gap():
    s = report.staffing_plan(_data(), load_multiplier=2.0)
    assert s.loc[10, "base"] == 6.0 and s.loc[10, "forecast"] == 12.0  # mean of 4 and 8, × 2
    assert s.loc[10, "on_shift"] == 2 and s.loc[8, "on_shift"] == 1 and s.loc[20, "on_shift"] == 0
    assert s.loc[3, "agents"] == 0 and s.attrs["aht_s"] == 240.0 and s.attrs["aht_measured"]
    assert (s["gap"] == (s["agents"] - s["on_shift"]).clip(lower=0)).all()


def test_calculators_hand_computed():
    assert calc.staffing_gap(pd.Series([3, 1]), pd.Series([1, 2])).tolist() == [2, 0]
    m = calc.mean_per_hour(_data().per_hour)
    assert m[10] == 6.0 and m[0] == 0.0 and len(m) == 24
