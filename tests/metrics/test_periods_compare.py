"""Period comparisons of the weekly review (metrics.periods_compare), computed by hand."""
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from csops_lib.metrics import periods_compare as pc


def test_period_index_weeks_and_months():
    dates = pd.to_datetime(["2026-11-16 00:00", "2026-11-15 23:59", "2026-11-02 08:00",
                            "2026-11-22 12:00"])
    assert pc.period_index(dates, dt.date(2026, 11, 16), "week").tolist() == [0, -1, -2, 0]
    months = pd.to_datetime(["2026-11-30", "2026-10-01", "2025-12-31"])
    assert pc.period_index(months, dt.date(2026, 11, 1), "month").tolist() == [0, -1, -11]
    with pytest.raises(ValueError):
        pc.period_index(dates, dt.date(2026, 11, 16), "day")


@pytest.mark.parametrize("a, b, rate, expected", [
    (120.0, 100.0, False, 0.2), (0.25, 0.2, True, 5.0), (5.0, 0.0, False, np.nan),
    (0.1, 0.0, True, 10.0), (np.nan, 1.0, False, np.nan), (1.0, np.nan, True, np.nan)])
def test_change(a, b, rate, expected):
    got = pc.change(a, b, rate=rate)
    assert (np.isnan(got) and np.isnan(expected)) or got == pytest.approx(expected)


def test_period_average_over_given_rows_only():
    f = pd.DataFrame({"x": [1.0, 3.0, np.nan, 100.0]}, index=[-3, -2, -1, 0])
    assert pc.period_average(f, [-3, -2, -1])["x"] == 2.0
    assert np.isnan(pc.period_average(f, [])["x"])


def test_store_conversion_sums_store_day_buyers():
    paid = pd.DataFrame({"date": pd.to_datetime(["2026-11-16"] * 3 + ["2026-11-17"]),
                         "store": ["A", "A", "B", "A"], "_cust": ["x", "x", "x", "y"],
                         "pidx": 0})
    uv = pd.DataFrame({"date": pd.to_datetime(["2026-11-16", "2026-11-16", "2026-11-17"]),
                       "store": ["A", "B", "A"], "uv": [10.0, 5.0, 0.0], "pidx": 0})
    by_day = pc.store_conversion(paid, uv, "date")
    # day 1: buyer x in store A and in store B → 2 store-day buyers / 15 UV; day 2: UV 0
    assert by_day["store_conversion"].iloc[0] == pytest.approx(2 / 15)
    assert np.isnan(by_day["store_conversion"].iloc[1])
    assert pc.store_conversion(paid, uv, "pidx")["store_conversion"].iloc[0] == \
        pytest.approx(3 / 15)


def test_attribution_split_and_silent_share():
    att = pd.DataFrame({"p": [0, 0, 0, 1], "attribution": ["field", "session", "silent",
                                                           "silent"],
                        "amount": [10.0, 20.0, 30.0, None]})
    out = pc.attribution_split(att, "p")
    assert out.loc[0, "agent_sales"] == 30.0 and out.loc[0, "agent_orders"] == 2
    assert out.loc[0, "silent_share"] == 0.5
    assert out.loc[1, "silent_orders"] == 1 and np.isnan(out.loc[1, "silent_share"])
    assert pc.silent_sales(att, "p").tolist() == [30.0, 0.0]
    assert pc.silent_share(pd.Series([30.0]), pd.Series([0.0])).isna().all()
    assert pc.agent_served_sales(100.0, 0.25) == 75.0


def test_first_response_stats_and_weighted_mean():
    s = pd.DataFrame({"d": [1, 1, 1, 2], "first_response_s": [10.0, 20.0, 60.0, np.nan]})
    out = pc.first_response_stats(s, "d")
    assert out.loc[1, "sessions"] == 3 and out.loc[1, "first_response_p50_s"] == 20.0
    assert out.loc[1, "first_response_p90_s"] == pytest.approx(20 + 0.8 * 40)
    assert np.isnan(out.loc[2, "first_response_p50_s"])
    q = pc.first_response_quantiles(s, "d")
    assert q.loc[1, "first_response_p50_s"] == 20.0
    k = pd.DataFrame({"a": ["x", "x", "y"], "first_response_s": [10.0, 40.0, 5.0],
                      "sessions": [10, 5, 0]})
    w = pc.weighted_first_response(k, "a")
    assert w["x"] == pytest.approx(20.0) and np.isnan(w["y"])


def test_dsr_means_shares_and_orders_per_uv():
    d = pd.DataFrame({"p": [0, 0, 1], "service": [4.8, 4.6, np.nan], "logistics": [5, 4, 3]})
    m = pc.dsr_means(d, ["p"])
    assert list(m.columns) == ["service", "logistics"]
    assert m.loc[0, "service"] == pytest.approx(4.7) and np.isnan(m.loc[1, "service"])
    assert pc.shares(pd.Series([1, 3]), 4).tolist() == [0.25, 0.75]
    assert pc.orders_per_uv(pd.Series([2, 1]), pd.Series([40.0, 0.0])).iloc[0] == 0.05


def test_promo_days_cover_start_to_end_day_within_the_span():
    promos = pd.DataFrame({"name": ["a", "a", "b", "c"],
                           "start": pd.to_datetime(["2026-11-10 20:00", "2026-11-10 20:00",
                                                    "2026-10-30 00:00", None]),
                           "end": pd.to_datetime(["2026-11-12 01:00", "2026-11-12 01:00",
                                                  "2026-11-02 23:59", "2026-11-20 00:00"])})
    days = pc.promo_days(promos, dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    # a: 11-10, 11-11, 11-12 (a promo row per agent counts once); b: 11-01, 11-02 (clipped
    # to the span); c: no start, ignored
    assert [d.strftime("%m-%d") for d in days] == ["11-01", "11-02", "11-10", "11-11", "11-12"]
    assert pc.promo_days(pd.DataFrame(), dt.date(2026, 11, 1), dt.date(2026, 11, 30)).empty


def test_scale_to_period_scales_sums_only():
    totals = pd.DataFrame({"sales": [600.0, 700.0, 50.0], "aov": [60.0, 70.0, 5.0]},
                          index=[-2, -1, 0])
    days = pd.Series([7, 7, 7], index=[-2, -1, 0])
    kept = pd.Series([6, 7, 0], index=[-2, -1, 0])
    out = pc.scale_to_period(totals, days, kept, ["sales"])
    # 600 over 6 kept days → ¥100 a day × 7 = 700; the AOV (a ratio) stays 60
    assert out.loc[-2].tolist() == [700.0, 60.0] and out.loc[-1].tolist() == [700.0, 70.0]
    assert out.loc[0].isna().all()  # no day kept: left out
    assert totals.at[-2, "sales"] == 600.0  # input untouched
