"""The sales bridge (metrics.bridge, docs/METRICS_BRIDGE.md): worked examples computed by hand
in the comments, and a property test that the parts always add up to the change."""
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csops_lib.metrics import bridge


def test_log_mean():
    # L(a, b) = (a − b) / (ln a − ln b): L(e², e) = (e² − e) / (2 − 1) = e² − e
    assert bridge.log_mean(math.e ** 2, math.e) == pytest.approx(math.e ** 2 - math.e)
    assert bridge.log_mean(5.0, 5.0) == 5.0
    assert np.isnan(bridge.log_mean(0.0, 5.0))


def test_lmdi_worked_example_visitors_up_conversion_down_value_up():
    # prev: 1000 visitors, 50 buyer-days, ¥5,000 → c0 = 0.05, v0 = ¥100
    # this: 1100 visitors, 50 buyer-days, ¥5,500 → c1 = 50/1100 = 0.0454…, v1 = ¥110
    # ΔS = 500; L(5500, 5000) = 500 / ln 1.1
    # visitors:   L · ln(1100/1000)        = 500 / ln 1.1 · ln 1.1     = +500
    # conversion: L · ln((50/1100)/(0.05)) = 500 / ln 1.1 · ln(1/1.1)  = −500
    # value:      L · ln(110/100)          = 500 / ln 1.1 · ln 1.1     = +500
    # sum: 500 − 500 + 500 = 500 = ΔS
    r = bridge.sales_bridge(5000, 1000, 50, 5500, 1100, 50)
    assert r["method"] == "lmdi"
    assert r["change"] == pytest.approx(500)
    assert r["volume"] == pytest.approx(500)
    assert r["conversion"] == pytest.approx(-500)
    assert r["value"] == pytest.approx(500)
    assert r["unsplit"] == 0
    assert r["factors0"] == pytest.approx((1000, 0.05, 100))
    assert r["factors1"] == pytest.approx((1100, 50 / 1100, 110))


def test_lmdi_two_factors_up_the_same_share_split_evenly():
    # V 100 → 120 (+20 %), c 0.1 → 0.1, v 50 → 60 (+20 %): S 500 → 720, ΔS = 220
    # ln 1.44 = 2 ln 1.2, so volume and value each get L · ln 1.2 = 220 / 2 = 110
    r = bridge.sales_bridge(500, 100, 10, 720, 120, 12)
    assert (r["volume"], r["conversion"], r["value"]) == pytest.approx((110, 0, 110))


def test_shapley_when_a_period_has_no_buyers():
    # prev: 100 visitors, 0 buyers, ¥0 → c0 = 0, v0 undefined → takes v1
    # this: 110 visitors, 11 buyers, ¥550 → c1 = 0.1, v1 = ¥50 (so v0 = 50)
    # Shapley, 3 factors, weights 1/3 (alone), 1/6 (one other changed), 1/3 (both changed):
    # volume:     ΔV · [c0v0/3 + (c1v0 + c0v1)/6 + c1v1/3] = 10 · [0 + 5/6 + 5/3] = 25
    # conversion: Δc · [V0v0/3 + (V1v0 + V0v1)/6 + V1v1/3]
    #           = 0.1 · [5000/3 + (5500 + 5000)/6 + 5500/3] = 0.1 · 5250 = 525
    # value: Δv = 0 → 0;  25 + 525 + 0 = 550 = ΔS
    r = bridge.sales_bridge(0, 100, 0, 550, 110, 11)
    assert r["method"] == "shapley"
    assert (r["volume"], r["conversion"], r["value"]) == pytest.approx((25, 525, 0))


def test_new_agent_is_all_volume_and_sales_without_inquiries_are_unsplit():
    # no inquiries last week: c0, v0 take this week's (0.25, ¥80): 20 × 0.25 × 80 = 400
    r = bridge.sales_bridge(0, 0, 0, 400, 20, 5)
    assert (r["volume"], r["conversion"], r["value"]) == pytest.approx((400, 0, 0))
    # ¥300 credited by the order field without a converted inquiry: no product fits
    r = bridge.sales_bridge(300, 0, 0, 400, 20, 5)
    assert r["method"] == "unsplit" and r["unsplit"] == pytest.approx(100)
    assert r["volume"] == r["conversion"] == r["value"] == 0
    # nothing in either period: nothing moved
    r = bridge.sales_bridge(0, 0, 0, 0, 0, 0)
    assert r["change"] == 0 and r["volume"] == r["conversion"] == r["value"] == 0


def test_missing_traffic_gives_no_split():
    r = bridge.sales_bridge(5000, np.nan, 50, 5500, 1100, 50)
    assert r["method"] == "missing" and np.isnan(r["volume"]) and np.isnan(r["unsplit"])


def test_bridge_frame_per_agent_sums_to_the_total_change():
    before = pd.DataFrame({"sales": [1000.0, 300.0], "inquiries": [20, 0],
                           "inquiry_buyers": [10, 0]}, index=["A", "B"])
    after = pd.DataFrame({"sales": [1210.0, 400.0, 80.0], "inquiries": [22, 20, 4],
                          "inquiry_buyers": [11, 5, 1]}, index=["A", "B", "C"])
    f = bridge.bridge_frame(before, after)
    # A: V 20 → 22, c 0.5 → 0.5, v 100 → 110: ΔS 210 split evenly (both +10 %): 105 / 0 / 105
    assert f.loc["A", ["bridge_volume", "bridge_conversion", "bridge_value"]].tolist() == \
        pytest.approx([105, 0, 105])
    assert f.loc["B", "bridge_method"] == "unsplit" and f.loc["B", "bridge_unsplit"] == 100
    assert f.loc["C", "bridge_volume"] == pytest.approx(80)  # new: all volume
    parts = f[["bridge_volume", "bridge_conversion", "bridge_value", "bridge_unsplit"]]
    assert parts.sum(axis=1).tolist() == pytest.approx(f["sales_delta"].tolist())
    assert f["sales_delta"].sum() == pytest.approx(1690 - 1300)


amount = st.floats(0, 1e6, allow_nan=False)
count = st.integers(0, 100_000)


@settings(max_examples=400, deadline=None)
@given(amount, count, count, amount, count, count)
def test_parts_always_add_up_to_the_change(s0, v0, b0, s1, v1, b1):
    r = bridge.sales_bridge(s0, v0, b0, s1, v1, b1)
    total = r["volume"] + r["conversion"] + r["value"] + r["unsplit"]
    assert total == pytest.approx(s1 - s0, rel=1e-9, abs=1e-6)
    if r["method"] != "unsplit":
        assert r["unsplit"] == 0


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(0.0, 1e3, allow_nan=False), min_size=3, max_size=3),
       st.lists(st.floats(0.0, 1e3, allow_nan=False), min_size=3, max_size=3))
def test_decompose_is_exact_and_lmdi_agrees_in_sign(x0, x1):
    parts, method = bridge.decompose(x0, x1)
    assert parts.sum() == pytest.approx(np.prod(x1) - np.prod(x0), rel=1e-9, abs=1e-6)
    if method == "lmdi":
        for p, a, b in zip(parts, x0, x1, strict=True):  # a factor that rose adds, fell subtracts
            assert np.sign(round(p, 9)) in (np.sign(b - a), 0)
