"""Hand-computed checks of the small formulas moved out of the report views."""
import math

import numpy as np
import pandas as pd
import pytest

from csops_lib.metrics.agent_compare import queued_summary
from csops_lib.metrics.promo import mean_on_shift_per_hour, promo_vs_baseline
from csops_lib.metrics.what_if import uplift_headline


def test_promo_vs_baseline_multiples_and_points():
    out = promo_vs_baseline({"sales": 700.0, "orders": 10, "inquiry_conversion": 0.5},
                            {"sales": 100.0, "orders": 0, "inquiry_conversion": 0.35},
                            {"inquiry_conversion"}).set_index("metric")
    assert out.loc["sales", "multiple"] == pytest.approx(7.0)
    assert math.isnan(out.loc["orders", "multiple"])  # a zero baseline: no multiple
    assert math.isnan(out.loc["inquiry_conversion", "multiple"])
    assert out.loc["inquiry_conversion", "change_points"] == pytest.approx(0.15)
    assert math.isnan(out.loc["sales", "change_points"])


def test_mean_on_shift_per_hour():
    f = pd.DataFrame({"date": ["d1", "d1", "d2", "d2"], "hour": [9, 10, 9, 10],
                      "agents_on_shift": [4, 2, 6, 2]})
    assert mean_on_shift_per_hour(f).to_dict() == {9: 5.0, 10: 2.0}


def test_uplift_headline():
    m = pd.DataFrame({"inquiries": [30, 10], "inquiry_buyers": [9, 1], "sales": [800.0, 200.0]})
    u = pd.DataFrame({"extra_buyers": [1.5, 0.5], "extra_sales": [150.0, 50.0]})
    h = uplift_headline(m, u)
    assert h["inquiries"] == 40 and h["conversion"] == pytest.approx(10 / 40)
    assert h["extra_buyers"] == 2.0 and h["extra_sales"] == 200.0
    assert h["share"] == pytest.approx(200 / 1000)
    zero = uplift_headline(m.assign(inquiries=0, sales=0.0), u)
    assert math.isnan(zero["conversion"]) and math.isnan(zero["share"])


def test_queued_summary():
    q = pd.DataFrame({"replied": [True, False, True, True],
                      "first_response_s": [600.0, np.nan, 16635.0, 60.0]})
    s = queued_summary(q)
    assert (s["n"], s["replied"], s["unanswered"]) == (4, 3, 1)
    assert s["median_wait_s"] == 600.0  # median of 60, 600, 16635
    none = queued_summary(q.assign(replied=False))
    assert none["replied"] == 0 and math.isnan(none["median_wait_s"])
