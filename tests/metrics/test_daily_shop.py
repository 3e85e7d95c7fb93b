"""csops_lib.metrics.daily_shop: conversion as it stood a given time after the day began (the
like-for-like comparison of a provisional day), promo days and the promo-free same-weekday
median, on hand-made frames (values computed by hand)."""
import numpy as np
import pandas as pd

from csops_lib.metrics.daily_shop import (
    conversion_at_age,
    promo_days,
    same_day_conversion,
    same_weekday_days,
    same_weekday_median,
)
from csops_lib.settings.shop import DEFAULTS

P = dict(DEFAULTS, followup_days=3)
H = pd.Timedelta(hours=1)


def _sessions(rows):
    df = pd.DataFrame(rows, columns=["agent", "customer_id", "start", "category"])
    df["start"] = pd.to_datetime(df["start"])
    df["end"] = df["start"] + pd.Timedelta(minutes=5)
    df["date"] = df["start"].dt.normalize()
    df["agreed_to_buy"] = False
    return df


SESSIONS = _sessions([
    ("A", "c1", "2026-11-13 10:00", "presale"),   # pays 11-13 20:00: same day
    ("A", "c2", "2026-11-13 11:00", "presale"),   # pays 11-14 09:00: next morning
    ("B", "c3", "2026-11-13 12:00", "presale"),   # pays 11-16 10:00: the window's last day
    ("B", "c4", "2026-11-13 13:00", "presale"),   # pays 11-17 10:00: after the window
    ("B", "c5", "2026-11-13 14:00", "after_sales"),  # not an inquiry
    ("A", "c6", "2026-11-20 09:00", "presale"),   # the report day: pays 11-20 18:00
    ("A", "c7", "2026-11-20 10:00", "presale"),   # not paid (yet)
])
ORDERS = pd.DataFrame({
    "order_id": ["o1", "o2", "o3", "o4", "o5", "o6"],
    "customer_id": ["c1", "c2", "c3", "c4", "c5", "c6"],
    "paid_at": pd.to_datetime(["2026-11-13 20:00", "2026-11-14 09:00", "2026-11-16 10:00",
                               "2026-11-17 10:00", "2026-11-13 15:00", "2026-11-20 18:00"]),
    "amount": [10.0] * 6,
})
D13, D20 = pd.Timestamp("2026-11-13"), pd.Timestamp("2026-11-20")


def test_conversion_at_age_counts_payments_up_to_the_age_never_beyond_the_window():
    asof = pd.Timestamp("2026-11-20 23:00")
    # 11-13: 4 inquiries. By its end: c1 → 1/4. 24 h + 10 h later (11-14 10:00): c1, c2 → 2/4.
    # Settled (age ≥ 4 days, the window to the end of 11-16): c1, c2, c3 → 3/4 (c4 too late).
    # 11-20: 2 inquiries; c6 paid that evening → 1/2 whatever the age.
    same = conversion_at_age(SESSIONS, ORDERS, P, pd.Timedelta(hours=23), as_of=asof)
    assert same[D13] == 0.25 and same[D20] == 0.5
    assert conversion_at_age(SESSIONS, ORDERS, P, 34 * H, as_of=asof)[D13] == 0.5
    assert conversion_at_age(SESSIONS, ORDERS, P, pd.Timedelta(days=4), as_of=asof)[D13] == 0.75
    assert conversion_at_age(SESSIONS, ORDERS, P, pd.Timedelta(days=30), as_of=asof)[D13] == 0.75
    # the same-day conversion is the one-day age
    assert same_day_conversion(SESSIONS, ORDERS, P, as_of=asof).to_dict() == {D13: 0.25,
                                                                             D20: 0.5}
    # with a one-day window (followup_days 0) the settled value is the same-day one
    short = conversion_at_age(SESSIONS, ORDERS, dict(P, followup_days=0),
                              pd.Timedelta(days=9), as_of=asof)
    assert short[D13] == 0.25


def test_promo_days_cover_start_to_end_and_use_the_display_name():
    promos = pd.DataFrame({"name": ["d11", "d11", "d12"], "display_name": ["双11大促", None, None],
                           "start": pd.to_datetime(["2026-11-10 20:00", "2026-11-10 20:00",
                                                    "2026-12-12 00:00"]),
                           "end": pd.to_datetime(["2026-11-11 23:59:59", "2026-11-11 23:59:59",
                                                  "2026-12-12 23:59:59"])})
    days = promo_days(promos)
    assert days.to_dict() == {pd.Timestamp("2026-11-10"): "双11大促",
                              pd.Timestamp("2026-11-11"): "双11大促",
                              pd.Timestamp("2026-12-12"): "d12"}
    assert promo_days(None).empty and promo_days(pd.DataFrame()).empty


def test_same_weekday_median_leaves_the_excluded_days_out():
    day = D20
    s = pd.Series([900.0, 300.0, 100.0, 100.0],
                  index=[day - pd.Timedelta(weeks=k) for k in (1, 2, 3, 4)])
    assert same_weekday_median(s, day) == 200.0                       # (300 + 100) / 2
    assert same_weekday_median(s, day, exclude=[day - pd.Timedelta(weeks=1)]) == 100.0
    assert same_weekday_days(day, exclude=[D13]) == [
        day - pd.Timedelta(weeks=k) for k in (2, 3, 4)]
    assert np.isnan(same_weekday_median(s, day, exclude=s.index))
