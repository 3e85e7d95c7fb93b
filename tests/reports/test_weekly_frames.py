"""The weekly review's frame builders on tiny hand-made data (values computed by hand)."""
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from csops_lib import periods
from csops_lib.reports.weekly import SECTIONS, WeeklyData, frames
from csops_lib.settings.shop import DEFAULTS

WEEK = periods.week("2026-W47")  # Mon 2026-11-16 … Sun 11-22
E = pd.DataFrame()


def _orders():
    return pd.DataFrame({
        "order_id": ["o1", "o2", "o3", "o4"],
        "customer_id": ["a", "b", "a", "c"],
        "paid_at": pd.to_datetime(["2026-11-16 10:05", "2026-11-17 21:30", "2026-11-10 09:00",
                                   "2026-11-22 10:40"]),
        "amount": [100.0, 50.0, 80.0, 30.0],
        "province": ["浙江", "江苏", "浙江", "浙江"],
    })


def _kpis():
    rows = [  # date, agent, sessions, replied, inquiries, inquiry_buyers, sales, buyers, orders
        ("2026-11-16", "甲", 10, 8, 4, 2, 100.0, 1, 1),
        ("2026-11-17", "乙", 5, 5, 2, 0, 50.0, 1, 1),
        ("2026-11-10", "甲", 6, 3, 2, 1, 80.0, 1, 1),
        ("2026-11-10", "乙", 4, 4, 4, 3, 0.0, 0, 0),
    ]
    k = pd.DataFrame(rows, columns=["date", "agent", "sessions", "replied", "inquiries",
                                    "inquiry_buyers", "sales", "buyers", "orders"])
    k["date"] = pd.to_datetime(k["date"])
    k["slow_sessions"] = 1
    k["long_sessions"] = 0
    k["max_concurrent"] = [3, 2, 4, 1]
    k["first_response_s"] = [10.0, 40.0, 20.0, 20.0]
    return k


def _data(**kw):
    values = dict(period=WEEK, params=dict(DEFAULTS), orders=_orders(), kpis=_kpis(),
                  sessions=None, attributed=None, messages=E, refunds=E, traffic=E,
                  callbacks=E, dsr=E, roster=pd.DataFrame({"agent": ["甲"], "team": ["售前组"]}),
                  promos=E, source="agent_stats", data_start=dt.date(2026, 10, 1),
                  data_end=dt.date(2026, 11, 22))
    values.update(kw)
    return WeeklyData(**values)


def test_headline_this_previous_average_and_changes():
    rows = frames.headline_rows(_data()).set_index("key")
    # sales: this week 100 + 50 + 30, last week 80, the 3 weeks before had none (0 rows → NaN)
    assert rows.at["sales", "this"] == 180.0 and rows.at["sales", "prev"] == 80.0
    assert rows.at["sales", "vs_prev"] == pytest.approx((180 - 80) / 80)
    # reply rate from sums: (8 + 5) / (10 + 5); last week (3 + 4) / (6 + 4); change in points
    assert rows.at["reply_rate", "this"] == pytest.approx(13 / 15)
    assert rows.at["reply_rate", "vs_prev"] == pytest.approx((13 / 15 - 0.7) * 100)
    assert bool(rows.at["reply_rate", "pp"]) and not bool(rows.at["sales", "pp"])
    # the platform's first response, weighted by sessions: (10·10 + 40·5) / 15
    assert rows.at["first_response_s", "this"] == pytest.approx(20.0)


def test_headline_frame_has_a_row_per_period_and_the_average():
    f = frames.headline_frame(_data())
    assert f["pidx"].tolist()[:5] == [-4, -3, -2, -1, 0] and pd.isna(f["pidx"].iloc[-1])
    assert f["paid_orders"].iloc[4] == 3 and f["paid_orders"].iloc[3] == 1
    # the average is over the earlier periods with data: only week −1 has sales
    assert f["sales"].iloc[-1] == pytest.approx(80.0)


def test_uncovered_periods_are_blank():
    f = frames.headline_frame(_data(data_start=dt.date(2026, 11, 16)))
    assert f["sales"].iloc[:4].isna().all() and f["sales"].iloc[4] == 180.0


def test_agents_ranked_with_team_and_change():
    a = frames.agent_frame(_data())
    assert a["agent"].tolist() == ["甲", "乙"] and a["rank"].tolist() == [1, 2]
    assert a["team"].iloc[0] == "售前组" and pd.isna(a["team"].iloc[1])
    assert a["sales_change"].iloc[0] == pytest.approx((100 - 80) / 80)
    assert pd.isna(a["sales_change"].iloc[1])  # last week 0 → no relative change
    assert a["inquiry_conversion"].iloc[0] == pytest.approx(0.5)
    assert a["aov"].iloc[1] == 50.0 and a["max_concurrent"].iloc[0] == 3


def test_conversion_per_agent_this_previous_average():
    c = frames.conversion_frame(_data()).set_index("agent")
    assert c.at["甲", "this_period"] == pytest.approx(0.5)
    assert c.at["甲", "previous_period"] == pytest.approx(0.5)
    assert c.at["乙", "this_period"] == 0.0 and c.at["乙", "previous_period"] == 0.75
    assert c.at["乙", "period_average"] == pytest.approx(0.75)  # only week −1 has inquiries


def test_team_rows_total_first_then_agents():
    t = frames.team_frame(_data(period=periods.month("2026-11")))
    assert t["is_total"].tolist() == [True, False, True, False]
    first = t.iloc[0]
    assert first["team"] == "售前组" and first["sales"] == 180.0  # 100 + 80 in November
    assert first["reply_rate"] == pytest.approx(11 / 16)
    assert pd.isna(t["team"].iloc[2]) and t["sales"].iloc[2] == 50.0


def test_heatmap_counts_paid_orders_by_weekday_and_hour():
    grid = frames.heatmap_frame(_data())
    assert grid.shape == (7, 24) and grid.to_numpy().sum() == 3
    assert grid.loc[0, 10] == 1 and grid.loc[1, 21] == 1 and grid.loc[6, 10] == 1


def test_regions_orders_per_visitor():
    traffic = pd.DataFrame({"date": pd.to_datetime(["2026-11-16", "2026-11-17"]),
                            "province": ["浙江", "江苏"], "uv": [40.0, 0.0]})
    r = frames.regions_frame(_data(traffic=traffic))
    assert r["province"].tolist() == ["浙江", "江苏"]
    assert r["paid_orders"].tolist() == [2, 1]
    assert r["orders_per_uv"].iloc[0] == pytest.approx(2 / 40) and np.isnan(
        r["orders_per_uv"].iloc[1])


def test_callbacks_total_row_and_refund_reasons():
    cb = pd.DataFrame({"date": pd.to_datetime(["2026-11-16"] * 3), "agent": ["甲", "甲", "乙"],
                       "result": ["已接通-满意", "未接通", "已接通-有问题"]})
    f = frames.callbacks_frame(_data(callbacks=cb))
    total = f.iloc[-1]
    assert bool(total["is_total"]) and total["planned"] == 3 and total["reached"] == 2
    assert total["satisfaction_rate"] == pytest.approx(0.5)
    refunds = pd.DataFrame({"applied_at": pd.to_datetime(["2026-11-16", "2026-11-18",
                                                          "2026-11-19"]),
                            "reason": ["尺码", "尺码", "质量"], "amount": [10.0, 20.0, 5.0]})
    r = frames.refund_reasons_frame(_data(refunds=refunds))
    assert r["reason"].tolist() == ["尺码", "质量"]
    assert r["refund_amount"].tolist() == [30.0, 5.0]
    assert r["share"].tolist() == pytest.approx([2 / 3, 1 / 3])


def test_attribution_split_per_period():
    att = _orders().assign(attribution=["field", "silent", "session", "silent"])
    f = frames.attribution_frame(_data(attributed=att, source="chats"))
    this, prev = f.iloc[-1], f.iloc[-2]
    assert this["agent_sales"] == 100.0 and this["silent_sales"] == 80.0
    assert this["silent_share"] == pytest.approx(80 / 180)
    assert prev["session_sales"] == 80.0 and prev["silent_share"] == 0.0
    assert f.iloc[0]["agent_sales"] == 0.0 and np.isnan(f.iloc[0]["silent_share"])


def test_sections_the_data_allow():
    keys = SECTIONS.available(_data())
    # the sales bridge (issue 11) follows the headline when the previous week has sales
    assert keys[:3] == ["headline", "weekly_bridge", "daily_sales"] and keys[-1] == "appendix"
    for key in ("weekly_attribution", "weekly_response", "weekly_questions", "weekly_team",
                "weekly_callbacks", "weekly_refunds", "weekly_dsr"):
        assert key not in keys
    assert {"weekly_conversion", "weekly_heatmap", "regions", "agents"} <= set(keys)
    assert "weekly_team" in SECTIONS.available(_data(period=periods.month("2026-11")))
    assert "orders_per_uv" in SECTIONS.defined(_data())


# --------------------------------------------------------------------------- promo baseline
def _promo_orders():
    """One ¥70 order a day over W43–W47 (2026-10-19 … 11-22), and ¥1,000 more on 11-11."""
    days = pd.date_range("2026-10-19", "2026-11-22", freq="D")
    paid = list(days + pd.Timedelta(hours=10)) + [pd.Timestamp("2026-11-11 12:00")]
    return pd.DataFrame({"order_id": [f"o{i}" for i in range(len(paid))],
                         "customer_id": [f"c{i}" for i in range(len(paid))],
                         "paid_at": paid, "amount": [70.0] * len(days) + [1000.0]})


PROMOS = pd.DataFrame({"name": ["double11", "double11"], "agent": ["甲", "乙"],
                       "start": pd.to_datetime(["2026-11-11 00:00"] * 2),
                       "end": pd.to_datetime(["2026-11-11 23:59:59"] * 2)})


def test_the_average_leaves_out_promo_days_and_scales_sums_to_whole_weeks():
    d = _data(orders=_promo_orders(), kpis=_kpis().iloc[0:0], promos=PROMOS)
    assert list(d.promo_days) == [pd.Timestamp("2026-11-11")]
    assert d.period_days()["kept"].tolist() == [7, 7, 7, 6, 7]  # W46 (index −1) loses a day
    rows = frames.headline_rows(d).set_index("key")
    # W47 ¥490; W46 ¥490 + ¥1,000 = ¥1,490 (the previous week is shown as it was)
    assert rows.at["sales", "this"] == 490 and rows.at["sales", "prev"] == 1490
    # average over W43–W46: W46 without 11-11 is 6 × ¥70 = ¥420, scaled × 7/6 = ¥490;
    # every week is ¥490, so the average is ¥490 and the change 0 (not −67 % against ¥740)
    assert rows.at["sales", "avg"] == pytest.approx(490.0)
    assert rows.at["sales", "vs_avg"] == pytest.approx(0.0)
    assert rows.at["paid_orders", "avg"] == pytest.approx(7.0)  # 6 orders × 7/6
    assert rows.at["aov", "avg"] == pytest.approx(70.0)          # a ratio: not scaled
    # without the promo table the ¥1,000 is in the average: (3 × 490 + 1490) / 4 = 740
    plain = frames.headline_rows(_data(orders=_promo_orders(), kpis=_kpis().iloc[0:0]))
    assert plain.set_index("key").at["sales", "avg"] == pytest.approx(740.0)
    assert d.promo_periods().keys() == {-1}


def test_a_period_made_of_promo_days_is_left_out_of_the_average():
    promo = pd.DataFrame({"name": ["long"], "start": [pd.Timestamp("2026-11-09")],
                          "end": [pd.Timestamp("2026-11-15 23:00")]})
    d = _data(orders=_promo_orders(), kpis=_kpis().iloc[0:0], promos=promo)
    base = frames.baseline_totals(d)
    assert base.loc[-1].isna().all() and base.at[-2, "sales"] == pytest.approx(490.0)
    assert frames.headline_rows(d).set_index("key").at["sales", "avg"] == pytest.approx(490)


def test_promos_in_names_the_periods_holding_a_promo():
    d = _data(promos=PROMOS.assign(display_name="双11大促"))
    assert frames.promos_in(d, -1) == ["双11大促"] and frames.promos_in(d, 0) == []


# --------------------------------------------------------------------------- bridge
def _bridge_data():
    """Two weeks: W46 ¥100 × 2 buyers, 100 visitors; W47 ¥110 × 2 buyers, 110 visitors."""
    orders = pd.DataFrame({
        "order_id": ["p1", "p2", "t1", "t2"], "customer_id": ["a", "b", "c", "d"],
        "paid_at": pd.to_datetime(["2026-11-10 10:00", "2026-11-11 10:00",
                                   "2026-11-17 10:00", "2026-11-18 10:00"]),
        "amount": [100.0, 100.0, 110.0, 110.0]})
    traffic = pd.DataFrame({"date": pd.to_datetime(["2026-11-10", "2026-11-17"]),
                            "store": ["S", "S"], "uv": [100, 110]})
    kpis = _kpis()  # 甲: W47 4 inquiries, 2 buyers, ¥100; W46 2 inquiries, 1 buyer, ¥80
    return _data(orders=orders, traffic=traffic, kpis=kpis,
                 data_start=dt.date(2026, 11, 9))


def test_shop_bridge_parts_by_hand():
    d = _bridge_data()
    assert d.bridge_ready
    f = frames.bridge_shop_frame(d).set_index("factor")
    # S 200 → 220 (+20); V 100 → 110 (+10 %); c 2/100 → 2/110; v 100 → 110 (+10 %)
    # LMDI: L(220, 200) = 20 / ln 1.1; visitors L·ln 1.1 = +20, conversion L·ln(1/1.1) = −20,
    # value L·ln 1.1 = +20; sum +20
    assert f.loc["uv", ["before", "after"]].tolist() == [100, 110]
    assert f.at["uv", "contribution"] == pytest.approx(20)
    assert f.at["store_conversion", "contribution"] == pytest.approx(-20)
    assert f.at["store_conversion", "bridge_change"] == pytest.approx((2 / 110 - 0.02) * 100)  # pt
    assert f.at["bridge_buyer_value", "contribution"] == pytest.approx(20)
    assert f.at["sales", "contribution"] == pytest.approx(20)
    assert f["contribution"].iloc[:3].sum() == pytest.approx(f.at["sales", "contribution"])


def test_agent_bridge_parts_by_hand():
    f = frames.bridge_agent_frame(_bridge_data()).set_index("agent", drop=False)
    # 甲: W46 2 inquiries, c 0.5, v ¥80 (S ¥80); W47 4 inquiries, c 0.5, v ¥50 (S ¥100)
    # ΔS = 20; L(100, 80) = 20 / ln 1.25; inquiries L·ln 2 = 20·ln 2/ln 1.25 = 62.13,
    # conversion 0, value L·ln(50/80) = 20·ln 0.625/ln 1.25 = −42.13; 62.13 − 42.13 = 20
    a = f.loc["甲"]
    assert a["sales_delta"] == pytest.approx(20)
    assert a["bridge_from_inquiries"] == pytest.approx(20 * np.log(2) / np.log(1.25))
    assert a["bridge_from_conversion"] == pytest.approx(0)
    assert a["bridge_from_value"] == pytest.approx(20 * np.log(0.625) / np.log(1.25))
    # 乙: W46 4 inquiries, 3 inquiry buyers, ¥0 → W47 2 inquiries, 0 buyers, ¥50: sales
    # without a converted inquiry → not split
    b = f.loc["乙"]
    assert b["bridge_method"] == "unsplit" and b["bridge_unsplit"] == pytest.approx(50)
    total = f[f["is_total"]].iloc[0]
    parts = total[list(frames.AGENT_PARTS)].sum()
    assert parts == pytest.approx(total["sales_delta"]) and total["sales_delta"] == 70


def test_no_bridge_without_the_previous_period():
    d = _data(data_start=dt.date(2026, 11, 16))
    assert not d.bridge_ready and not SECTIONS.has("weekly_bridge", d)


def test_standouts_use_the_share_of_sessions():
    k = pd.concat([_kpis()] * 1, ignore_index=True)
    rows = []
    for agent, sessions, slow in (("A", 100, 1), ("B", 100, 2), ("C", 100, 1), ("D", 100, 9),
                                  ("E", 5, 4)):
        rows.append({**k.iloc[0].to_dict(), "agent": agent, "sessions": sessions,
                     "slow_sessions": slow, "long_sessions": 0})
    d = _data(kpis=pd.DataFrame(rows))
    f = frames.standout_frame(d, k=2.0, min_gap=0.01, min_sessions=20)
    # shares A .01 B .02 C .01 D .09 (E: 5 sessions, not judged); median .015, MAD .005
    # threshold .015 + 2 · max(1.4826 · .005, .01) = .035 → D only
    assert f.index[f["slow_sessions"]].tolist() == ["D"]
    assert not f["long_sessions"].any()
