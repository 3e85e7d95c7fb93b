"""Rates recomputed from sums, and daily KPI rows rolled up to weeks and months (by hand)."""
import math

import numpy as np
import pandas as pd
import pytest

from csops_lib.metrics.rollups import add_rates, period_start, rollup, rollup_kpis


def test_add_rates_recomputes_from_sums_and_zero_denominator_is_nan():
    f = pd.DataFrame({"replied": [9, 0], "sessions": [10, 0], "sales": [300.0, 0.0],
                      "buyers": [4, 0], "inquiry_buyers": [1, 2], "inquiries": [4, 0]})
    out = add_rates(f)
    assert out["reply_rate"].tolist()[0] == pytest.approx(0.9)
    assert out["aov"].tolist()[0] == pytest.approx(75.0)
    assert out["inquiry_conversion"].tolist()[0] == pytest.approx(0.25)
    assert math.isnan(out["reply_rate"][1]) and math.isnan(out["aov"][1])
    assert math.isnan(out["inquiry_conversion"][1])
    assert "store_conversion" not in out  # no uv column: left alone
    assert list(f.columns) == ["replied", "sessions", "sales", "buyers", "inquiry_buyers",
                               "inquiries"]  # input untouched


def test_rollup_sums_then_rates_never_averages_rates():
    f = pd.DataFrame({"team": ["a", "a", "b"], "replied": [1, 9, 5], "sessions": [1, 19, 5]})
    out = rollup(f, "team", ["replied", "sessions"]).set_index("team")
    # team a: (1 + 9) / (1 + 19) = 0.5, not the mean of 1.0 and 0.4737
    assert out.loc["a", "reply_rate"] == pytest.approx(0.5)
    assert out.loc["b", "reply_rate"] == pytest.approx(1.0)
    total = rollup(f, None, ["replied", "sessions"])
    assert total["reply_rate"].tolist() == [pytest.approx(15 / 25)]


def test_period_start():
    d = pd.Series(pd.to_datetime(["2026-11-29", "2026-11-30", "2026-12-01"]))
    assert period_start(d, "week").dt.strftime("%Y-%m-%d").tolist() == [
        "2026-11-23", "2026-11-30", "2026-11-30"]
    assert period_start(d, "month").dt.strftime("%Y-%m-%d").tolist() == [
        "2026-11-01", "2026-11-01", "2026-12-01"]
    with pytest.raises(ValueError, match="per must be one of"):
        period_start(d, "year")


def test_rollup_kpis_by_week_by_hand():
    days = pd.DataFrame({
        "date": pd.to_datetime(["2026-11-23", "2026-11-24", "2026-11-30"]),
        "agent": ["小美"] * 3,
        "sessions": [10, 30, 5], "replied": [8, 30, 5], "reply_rate": [0.8, 1.0, 1.0],
        "first_response_s": [10.0, 30.0, 7.0], "max_concurrent": [3, 6, 2],
        "inquiries": [4, 6, 0], "inquiry_buyers": [1, 4, 0], "inquiry_conversion": [0.25, 4 / 6, np.nan],
        "sales": [100.0, 50.5, 0.0], "buyers": [1, 2, 0], "aov": [100.0, 25.25, np.nan],
        "within_3min_rate": [0.5, 0.7, 0.9], "provisional": [False, True, False],
    })
    out = rollup_kpis(days, "week").set_index("date")
    w1 = out.loc[pd.Timestamp("2026-11-23")]
    assert w1["sessions"] == 40 and w1["replied"] == 38
    assert w1["reply_rate"] == pytest.approx(38 / 40)
    # first response weighted by answered sessions: (10*8 + 30*30) / 38
    assert w1["first_response_s"] == pytest.approx((10 * 8 + 30 * 30) / 38)
    assert w1["max_concurrent"] == 6
    assert w1["inquiry_conversion"] == pytest.approx(5 / 10)
    assert w1["aov"] == pytest.approx(150.5 / 3)
    assert bool(w1["provisional"]) is True
    assert "within_3min_rate" not in out.columns  # cannot be recomputed from daily rows
    w2 = out.loc[pd.Timestamp("2026-11-30")]
    assert w2["sessions"] == 5 and math.isnan(w2["inquiry_conversion"])
    month = rollup_kpis(days, "month")
    assert month["sessions"].tolist() == [45]
    assert rollup_kpis(days, "day").equals(days)
