"""csops_lib.metrics.anomalies: findings (facts) on hand-made daily series, and their sentences
(csops_lib.render.daily.sentences, from catalog templates)."""
import numpy as np
import pandas as pd

from csops_lib.metrics.anomalies import agent_anomalies, find_anomalies, shop_anomalies
from csops_lib.render.daily.sentences import finding_text


def zh(f):
    return finding_text(f, "zh")


def en(f):
    return finding_text(f, "en")

DAY = pd.Timestamp("2026-11-20")
DATES = pd.date_range(DAY - pd.Timedelta(days=28), DAY)


def _shop(**columns):
    """29 days: every column constant at its first value, the report day at its second."""
    df = pd.DataFrame({"date": DATES})
    for name, (usual, today) in columns.items():
        df[name] = float(usual)
        df.loc[df["date"] == DAY, name] = float(today)
    return df


def test_traffic_up_orders_flat_is_one_sentence():
    found = shop_anomalies(_shop(uv=(1000, 1400), orders=(100, 101), sales=(10000, 10100)), DAY)
    assert len(found) == 1
    f = found[0]
    assert f.rule == "traffic_up_orders_flat"
    assert zh(f) == "访客数比近四周同星期中位数高 40%，但订单数持平（+1%）。"
    assert en(f) == "Visitors were 40% above the 4-week same-weekday median, but orders were " \
                   "flat (+1%)."
    # orders falling while traffic rises is said so
    fell = shop_anomalies(_shop(uv=(1000, 1400), orders=(100, 88)), DAY)
    assert [zh(f) for f in fell] == ["访客数比近四周同星期中位数高 40%，但订单数反而下降 12%。"]
    assert en(fell[0]).endswith("but orders fell 12%.")


def test_traffic_and_orders_up_together_is_not_the_rule():
    found = shop_anomalies(_shop(uv=(1000, 1400), orders=(100, 140)), DAY)
    assert {f.metric for f in found} == {"uv", "orders"}
    assert all(f.rule == "change" for f in found)
    orders = next(f for f in found if f.metric == "orders")
    assert zh(orders) == "订单数比近四周同星期中位数高 40%（140，中位数 100）。"
    assert en(orders) == "Orders were 40% above the 4-week same-weekday median (140 vs 100)."


def test_sales_drop_sentence_and_small_changes_are_quiet():
    found = shop_anomalies(_shop(sales=(10000, 6000)), DAY)
    assert [zh(f) for f in found] == ["销售额比近四周同星期中位数低 40%（¥6,000，中位数 ¥10,000）。"]
    assert en(found[0]) == "Sales were 40% below the 4-week same-weekday median (¥6,000 vs ¥10,000)."
    assert shop_anomalies(_shop(sales=(10000, 8000)), DAY) == []  # −20% < 30%


def test_same_weekday_median_ignores_one_promo_day():
    df = _shop(sales=(10000, 10500))
    df.loc[df["date"] == DAY - pd.Timedelta(weeks=2), "sales"] = 90000.0  # a promo, same weekday
    assert shop_anomalies(df, DAY) == []


def test_promo_days_are_left_out_of_the_weekday_and_trailing_baselines():
    df = _shop(sales=(10000, 10500), inquiry_conversion=(0.30, 0.30), inquiries=(100, 100))
    promo = [DAY - pd.Timedelta(weeks=1), DAY - pd.Timedelta(weeks=3)]
    df.loc[df["date"].isin(promo), "sales"] = 30000.0
    # with the promo days, the same-weekday median is (10000 + 30000) / 2 = 20000: −47.5 %
    assert [f.metric for f in shop_anomalies(df, DAY)] == ["sales"]
    assert shop_anomalies(df, DAY, exclude=promo) == []            # median 10000: +5 %
    # a promo fortnight of low conversion (15 of the 28 days) would make 30 % look high
    days = pd.date_range(DAY - pd.Timedelta(days=15), DAY - pd.Timedelta(days=1))
    df.loc[df["date"].isin(days), "inquiry_conversion"] = 0.10
    found = shop_anomalies(df, DAY, exclude=promo)
    assert [(f.metric, f.basis, round(f.baseline, 2)) for f in found] == [
        ("inquiry_conversion", "trailing", 0.10)]
    assert shop_anomalies(df, DAY, exclude=[*promo, *days]) == []  # 13 normal days: 30 %
    kpis = _agents({"婷婷": (50, 0.98, 0.90, 40, 40)})
    kpis.loc[kpis["date"].isin(days), "reply_rate"] = 0.80          # busy promo days
    assert agent_anomalies(kpis, DAY) == []                          # median 0.80: "better"
    assert [f.metric for f in agent_anomalies(kpis, DAY, exclude=days)] == ["reply_rate"]
    assert [f.metric for f in find_anomalies(None, kpis, DAY, exclude=days)] == ["reply_rate"]


def test_z_needs_half_the_threshold():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"date": DATES, "sales": 10000 + rng.normal(0, 100, len(DATES))})
    df.loc[df["date"] == DAY, "sales"] = 11000.0   # z ≈ 10 but only +10%: quiet
    assert shop_anomalies(df, DAY) == []
    df.loc[df["date"] == DAY, "sales"] = 11800.0   # +18% ≥ 15% with a large z: flagged
    found = shop_anomalies(df, DAY)
    assert [f.metric for f in found] == ["sales"] and found[0].z > 2


def test_conversion_drop_in_points_and_the_minimum_inquiries():
    df = _shop(inquiry_conversion=(0.30, 0.22), inquiries=(100, 100))
    found = shop_anomalies(df, DAY)
    assert [zh(f) for f in found] == ["询单当日转化率降至 22.0%，近四周中位数 30.0%（-8.0 个百分点）。"]
    df.loc[df["date"] == DAY, "inquiries"] = 5.0  # too few inquiries to judge
    assert shop_anomalies(df, DAY) == []


def _agents(rows):
    """rows: agent → (sessions, reply_rate usual, reply_rate today, first response usual/today)"""
    frames = []
    for agent, (sessions, rr, rr_day, fr, fr_day) in rows.items():
        df = pd.DataFrame({"date": DATES, "agent": agent, "sessions": sessions,
                           "reply_rate": rr, "first_response_s": fr, "slow_sessions": 2.0})
        df.loc[df["date"] == DAY, ["reply_rate", "first_response_s"]] = [rr_day, fr_day]
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def test_agent_findings_only_when_worse_and_with_enough_sessions():
    kpis = _agents({"婷婷": (50, 0.98, 0.85, 40, 40),     # reply rate drops 13 points
                    "大伟": (50, 0.90, 0.99, 200, 60),    # better on both: nothing
                    "小林": (10, 0.98, 0.50, 40, 400),    # too few sessions: nothing
                    "阿杰": (50, 0.98, 0.98, 40, 100),    # first response +150%, +60 s
                    "小美": (50, 0.98, 0.98, 20, 40)})    # +100% but only +20 s: quiet
    found = agent_anomalies(kpis, DAY)
    assert sorted((f.scope, f.metric) for f in found) == [("婷婷", "reply_rate"),
                                                          ("阿杰", "first_response_s")]
    text = {f.scope: f for f in found}
    assert zh(text["婷婷"]) == "婷婷的回复率降至 85.0%，近四周中位数 98.0%（-13.0 个百分点）。"
    assert en(text["婷婷"]) == ("婷婷's reply rate fell to 85.0%, against the 4-week median of "
                              "98.0% (-13.0 points).")
    assert zh(text["阿杰"]) == "阿杰的平均首次响应时间升至 100 秒，近四周中位数 40 秒（+150%）。"
    assert en(text["阿杰"]).startswith("阿杰's mean first response time rose to 100 s")


def test_slow_sessions_count_needs_a_minimum_difference():
    kpis = _agents({"婷婷": (50, 0.98, 0.98, 40, 40)})
    kpis.loc[kpis["date"] == DAY, "slow_sessions"] = 4.0   # +2 only: quiet
    assert agent_anomalies(kpis, DAY) == []
    kpis.loc[kpis["date"] == DAY, "slow_sessions"] = 9.0
    found = agent_anomalies(kpis, DAY)
    assert [zh(f) for f in found] == ["婷婷有 9 个慢响应会话，近四周中位数为每天 2 个。"]
    assert en(found[0]) == "婷婷 had 9 slow sessions, against the 4-week median of 2 a day."


def test_not_enough_history_gives_no_findings():
    df = _shop(sales=(10000, 1000)).tail(5)  # only 4 days before: no baseline
    assert shop_anomalies(df, DAY) == []
    assert find_anomalies(None, None, DAY) == []
