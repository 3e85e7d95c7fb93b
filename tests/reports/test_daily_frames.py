"""The daily report's frame builders on tiny hand-made data (values computed by hand)."""
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from csops_lib import periods
from csops_lib.metrics.daily_deals import OTHER, TOTAL
from csops_lib.metrics.daily_shop import attributed_paid
from csops_lib.reports import daily
from csops_lib.reports.daily import SECTIONS, DailyData
from csops_lib.settings.daily import DailySettings
from csops_lib.settings.shop import DEFAULTS

DAY = pd.Timestamp("2026-11-20")

ORDERS = pd.DataFrame({
    "order_id": ["o1", "o2", "o3", "o4", "o5"],
    "customer_id": ["c1", "c2", "c3", "c4", "c1"],
    "paid_at": pd.to_datetime(["2026-11-20 09:10", "2026-11-20 09:40", "2026-11-20 14:05",
                               "2026-11-20 20:00", "2026-11-13 10:00"]),
    "amount": [100.0, 50.0, 30.0, 20.0, 80.0],
    "quantity": [1, 2, 1, 1, 1],
    "province": ["浙江", "浙江", "江苏", "上海", "浙江"],
    "product": ["A", "B", "A", "C", "A"],
    "agent": ["小美", None, "", "阿杰", None],
})


def _data(mode="agent_stats", **frames) -> DailyData:
    period = periods.Period("day", DAY.date(), DAY.date(), "2026-11-20")
    settings = DailySettings().as_dict()
    settings.update(frames.pop("settings", {}))
    empty = pd.DataFrame()
    data = DailyData(period, dict(DEFAULTS, as_of=None), settings, mode, ORDERS,
                     frames.pop("kpis", pd.DataFrame(columns=["date", "agent", "sessions"])),
                     empty, empty, empty, empty, frames.pop("callbacks", empty), empty,
                     frames.pop("as_of", pd.Timestamp("2026-12-01")),
                     generated_at=dt.datetime(2026, 11, 21))
    attributed = attributed_paid(ORDERS, None, DAY - pd.Timedelta(days=28), DAY, data.params)
    return daily.DailyData(**{**data.__dict__, "attributed": attributed, **frames})


def test_provinces_top_n_with_other_and_shares():
    data = _data(settings={"top_provinces": 1})
    p = SECTIONS.frame("daily_provinces", data)
    # the day: 浙江 2 orders ¥150, 江苏 1 ¥30, 上海 1 ¥20 → top 1 + other (2 orders)
    assert p["province"].tolist() == ["浙江", OTHER]
    assert p["orders"].tolist() == [2, 2]
    assert p["sales"].tolist() == [150.0, 50.0]
    assert p["share_orders"].tolist() == [0.5, 0.5]


def test_products_sorted_by_sales_with_items_and_sales_share():
    p = SECTIONS.frame("daily_products", _data())
    assert p["product"].tolist() == ["A", "B", "C"]       # ¥130, ¥50, ¥20
    assert p["items"].tolist() == [2, 2, 1]
    assert p["share_sales"].tolist() == pytest.approx([0.65, 0.25, 0.10])


def test_pay_slots_and_served_without_sessions():
    data = _data()
    slots = SECTIONS.frame("daily_pay_slots", data)
    assert slots["pay_slot"].tolist() == ["09:00-10:00", "14:00-15:00", "20:00-21:00"]
    assert slots["orders"].tolist() == [2, 1, 1]
    assert slots["agent_orders"].tolist() == [1, 0, 1]     # an agent named on o1 and o4
    assert slots["silent_orders"].isna().all()             # silent needs message logs
    assert slots["share_orders"].tolist() == [0.5, 0.25, 0.25]
    assert SECTIONS.frame("daily_served", data) is None    # needs message logs
    served = daily.served_frame(data).set_index("attribution")
    assert served.loc["field", "orders"] == 2 and served.loc["unknown", "orders"] == 2
    assert served.loc["field", "share_sales"] == pytest.approx(120 / 200)
    assert served.loc[TOTAL, "share_orders"] == 1.0 and served.loc[TOTAL, "sales"] == 200.0


def test_headline_same_weekday_median_and_change():
    dates = pd.date_range(DAY - pd.Timedelta(days=28), DAY, name="date")
    shop = pd.DataFrame({"date": dates, "sales": 100.0, "reply_rate": 0.9})
    shop.loc[shop["date"] == DAY - pd.Timedelta(weeks=1), "sales"] = 300.0
    shop.loc[shop["date"] == DAY, ["sales", "reply_rate"]] = [150.0, 0.8]
    h = SECTIONS.frame("headline", _data(shop=shop)).set_index("key")
    # same weekday 4 weeks: 300, 100, 100, 100 → median 100; +50 %
    assert h.loc["sales", "base"] == 100.0 and h.loc["sales", "change"] == pytest.approx(0.5)
    assert h.loc["reply_rate", "change"] == pytest.approx(-0.1)   # points, as a fraction
    assert np.isnan(h.loc["chase_count", "value"])                # no message logs
    assert h.loc["reminder_count", "value"] == 0
    assert (h["basis"] == "weekday").all()                        # a settled day


def test_headline_leaves_promo_days_out_and_says_so():
    dates = pd.date_range(DAY - pd.Timedelta(days=28), DAY, name="date")
    shop = pd.DataFrame({"date": dates, "sales": 100.0})
    promo_day = DAY - pd.Timedelta(weeks=1)                        # 11-13, a Friday
    shop.loc[shop["date"] == promo_day, "sales"] = 900.0
    shop.loc[shop["date"] == DAY - pd.Timedelta(weeks=2), "sales"] = 300.0
    promos = pd.DataFrame({"name": ["p"], "display_name": ["双11大促"],
                           "start": [promo_day], "end": [promo_day + pd.Timedelta(hours=23)]})
    from csops_lib.metrics.daily_shop import promo_days
    data = _data(shop=shop, promos=promos, promo_days=promo_days(promos))
    h = SECTIONS.frame("headline", data).set_index("key")
    # same weekday: 900 (promo, left out), 300, 100, 100 → median of 300, 100, 100 = 100
    assert h.loc["sales", "base"] == 100.0
    assert data.compared_days == [DAY - pd.Timedelta(weeks=k) for k in (2, 3, 4)]
    assert data.promos_in_comparison().to_dict() == {promo_day: "双11大促"}
    assert data.promo_today() is None
    plain = SECTIONS.frame("headline", _data(shop=shop)).set_index("key")
    assert plain.loc["sales", "base"] == 200.0                    # (100 + 300) / 2 with it


def test_provisional_conversion_is_compared_like_for_like():
    """A provisional day's conversion against the same weekdays as they stood as long after
    their day began (conversion_at_age); without that series: not yet comparable."""
    dates = pd.date_range(DAY - pd.Timedelta(days=28), DAY, name="date")
    shop = pd.DataFrame({"date": dates, "inquiry_conversion": 0.40,
                         "conversion_at_age": 0.20})
    shop.loc[shop["date"] == DAY, ["inquiry_conversion", "conversion_at_age"]] = [0.21, 0.21]
    data = _data(shop=shop)
    data.as_of = DAY + pd.Timedelta(hours=23)                     # data end the same evening
    assert data.provisional and data.age == pd.Timedelta(hours=23)
    h = SECTIONS.frame("headline", data).set_index("key")
    assert h.loc["inquiry_conversion", "basis"] == "same_age"
    assert h.loc["inquiry_conversion", "base"] == 0.20            # not the settled 0.40
    assert h.loc["inquiry_conversion", "change"] == pytest.approx(0.01)
    h = SECTIONS.frame("headline", _data(shop=shop.drop(columns="conversion_at_age"),
                                         as_of=None)).set_index("key")
    assert h.loc["inquiry_conversion", "basis"] == "not_comparable"
    assert np.isnan(h.loc["inquiry_conversion", "base"])


def test_agents_total_row_from_sums_and_chase_by_agent():
    kpis = pd.DataFrame({"date": [DAY, DAY], "agent": ["甲", "乙"], "sessions": [10, 30],
                         "replied": [9, 30], "inquiries": [4, 6], "inquiry_buyers": [1, 3],
                         "orders": [1, 2], "sales": [50.0, 80.0], "reply_rate": [0.9, 1.0],
                         "avg_response_s": [20.0, 40.0], "first_response_s": [10.0, 30.0]})
    shop = pd.DataFrame({"date": [DAY], "first_response_mean_s": [25.0]})
    a = SECTIONS.frame("daily_agents", _data(kpis=kpis, shop=shop)).set_index("agent")
    assert a.index.tolist() == ["乙", "甲", TOTAL]                 # by sales
    assert a.loc[TOTAL, "sessions"] == 40
    assert a.loc[TOTAL, "reply_rate"] == pytest.approx(39 / 40)
    assert a.loc[TOTAL, "inquiry_conversion"] == pytest.approx(4 / 10)
    assert a.loc[TOTAL, "avg_response_s"] == pytest.approx((10 * 20 + 30 * 40) / 40)
    assert a.loc[TOTAL, "first_response_mean_s"] == 25.0           # a mean, named so
    assert "long_sessions" not in a.columns                       # not in the export
    chase = pd.DataFrame({"customer_id": ["c1", "c2", "c3"], "agent": ["甲", "乙", "甲"],
                          "days_left": [1, 2, 1]})
    by = SECTIONS.frame("daily_chase", _data(mode="messages", chase=chase)).set_index("agent")
    assert by.loc["甲", "chase_customers"] == 2 and by.loc["甲", "last_day_tomorrow"] == 2
    assert by.loc[TOTAL].tolist() == [3, 3, 2]        # customers, on the sheets, last day
    capped = _data(mode="messages", chase=chase)
    capped.params["chase_per_agent"] = 1
    by = SECTIONS.frame("daily_chase", capped).set_index("agent")
    assert by["chase_on_sheet"].tolist() == [1, 1, 2]  # 甲 2 → 1 on the sheet, 乙 1, total


def test_callbacks_per_agent_and_total_and_thresholds():
    cb = pd.DataFrame({"agent": ["甲", "甲", "乙"],
                       "result": ["已接通-满意", "未接通", "已接通-有问题"]})
    c = SECTIONS.frame("daily_callbacks", _data(callbacks=cb)).set_index("agent")
    assert c.loc[TOTAL, ["planned", "called", "reached", "satisfied", "problems"]].tolist() \
        == [3, 3, 2, 1, 1]
    assert c.loc["甲", "reach_rate"] == 0.5 and c.loc[TOTAL, "satisfaction_rate"] == 0.5
    t = daily.thresholds_frame(_data()).set_index("parameter")["parameter_value"]
    assert t["remind_after_h"] == "2" and pd.isna(t["as_of"]) and "data_dir" not in t.index
    assert t["chase_per_agent"] == "20" and t.index[0] == "slow_gap_s"   # shop's first


def test_sections_toc_and_defined_follow_the_data():
    data = _data()
    assert daily.toc(data) == ["headline", "daily_anomalies", "daily_deals", "daily_agents",
                               "daily_served", "daily_chase", "daily_reminders",
                               "daily_callbacks", "appendix"]
    assert "daily_served" not in SECTIONS.available(data)
    assert "daily_served" not in SECTIONS.defined(data)
    assert "daily_chase" in SECTIONS.defined(_data(mode="messages"))


def test_metric_helpers_by_hand():
    from csops_lib.metrics.daily_shop import change_vs, same_weekday_median, weighted_mean
    from csops_lib.metrics.followups import reminder_amount

    assert change_vs(120, 100, "count") == pytest.approx(0.2)
    assert change_vs(0.5, 0.4, "rate") == pytest.approx(0.1)
    assert np.isnan(change_vs(5, 0, "count")) and np.isnan(change_vs(np.nan, 1, "rate"))
    s = pd.Series([1.0, 2.0, 9.0], index=[DAY - pd.Timedelta(weeks=k) for k in (1, 2, 3)])
    assert same_weekday_median(s, DAY) == 2.0
    w = weighted_mean(pd.Series([10.0, 30.0, np.nan]), pd.Series([1, 3, 5]),
                      pd.Series(["d", "d", "d"]))
    assert w["d"] == pytest.approx((10 + 90) / 4)
    assert reminder_amount(pd.DataFrame({"order_amount": [10.0, np.nan, 5.5]})) == 15.5


#: shown metrics whose definition is that of another key (one sentence defines both)
COVERED_BY = {"silent_orders": "agent_orders", "share_sales": "share_orders",
              "reach_rate": "satisfaction_rate", "chase_customers": "daily_chase",
              "chase_on_sheet": "daily_chase", "last_day_tomorrow": "daily_chase",
              "priority": "daily_chase", "window_last_day": "daily_chase",
              "days_left": "daily_chase", "times_chased": "daily_chase",
              "order_amount": "daily_reminders", "hours_waiting": "daily_reminders",
              "created_at": "daily_reminders", "planned": "satisfaction_rate",
              "called": "satisfaction_rate", "reached": "satisfaction_rate",
              "satisfied": "satisfaction_rate", "problems": "satisfaction_rate"}


def test_appendix_defines_every_metric_the_report_shows():
    from csops_lib.render.labels import catalog

    data = _data(mode="messages")
    defined = set(SECTIONS.defined(data))
    shown = {key for key, _ in daily.HEADLINE} | set(daily.AGENT_COLUMNS) - {"agent"}
    for section in SECTIONS:
        shown |= {c for c, kind in section.kinds.items() if kind != "text"}
    missing = sorted(k for k in shown if k not in defined and COVERED_BY.get(k) not in defined)
    assert not missing, missing
    assert defined <= set(catalog()["definitions"])
    # the first response is named by its statistic: a mean here, a median / p90 elsewhere
    assert "first_response_s" not in shown and "first_response_mean_s" in defined
