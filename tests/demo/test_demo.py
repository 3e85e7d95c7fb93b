"""The seeded demo shop: determinism, size, realistic shapes and consistent tallies."""
import csv
import datetime as dt
import re

import numpy as np
import openpyxl
import pandas as pd
import pytest

from csops_lib import demo
from csops_lib.schema import TABLES

END = dt.date(2026, 11, 22)  # the 8 weeks before it contain 11-11
PROMO_DAY = pd.Timestamp("2026-11-11")


@pytest.fixture(scope="module")
def shop():
    return demo.generate(weeks=8, seed=1, end=END)


@pytest.fixture(scope="module")
def small():
    return demo.generate(weeks=2, seed=3, end=END)


def sessions(chats: pd.DataFrame) -> pd.DataFrame:
    """One row per session_id, computed from the messages."""
    c = chats.assign(day=chats["sent_at"].dt.normalize(), is_cust=chats["sender"] == "customer")
    return c.groupby("session_id").agg(
        day=("day", "first"), days=("day", "nunique"), agent=("agent", "first"),
        agents=("agent", "nunique"), customer=("customer_id", "first"),
        category=("category", "first"), categories=("category", "nunique"),
        has_customer=("is_cust", "any"), senders=("sender", lambda s: frozenset(s)),
    )


def test_same_seed_same_shop_other_seed_other_shop(small):
    again = demo.generate(weeks=2, seed=3, end=END)
    assert list(again) == list(small)
    for name in small:
        pd.testing.assert_frame_equal(small[name], again[name], check_exact=True)
    other = demo.generate(weeks=2, seed=4, end=END)
    assert not other["chats"]["customer_id"].head(500).equals(small["chats"]["customer_id"].head(500))
    assert other["orders"]["amount"].sum() != pytest.approx(small["orders"]["amount"].sum())


def test_all_tables_present_with_canonical_dtypes(shop):
    assert set(shop) == {"orders", "chats", "agent_daily", "agent_stats", "refunds", "traffic",
                         "callbacks", "reminders", "dsr", "training", "roster", "promos"}
    c, o = shop["chats"], shop["orders"]
    assert str(c["sent_at"].dtype) == "datetime64[ns]"
    assert str(c["agreed_to_buy"].dtype) == "boolean"
    assert str(o["quantity"].dtype) == "Int64"
    assert str(o["amount"].dtype) == "float64"
    assert pd.api.types.is_string_dtype(o["order_id"].dtype)
    assert str(shop["agent_daily"]["total_received"].dtype) == "Int64"
    assert str(shop["refunds"]["platform_intervened"].dtype) == "boolean"
    assert set(o["status"]) <= {"paid", "unpaid", "closed", "refunded"}
    assert o["order_id"].str.fullmatch(r"\d{18,19}").all() and o["order_id"].is_unique


def test_eight_weeks_have_enough_messages_and_end_on_end(shop):
    c = shop["chats"]
    assert len(c) >= 200_000
    days = c["sent_at"].dt.normalize()
    assert days.max() == pd.Timestamp(END)
    assert days.min() == pd.Timestamp(END) - pd.Timedelta(days=55)
    assert days.nunique() == 56
    for name, col in (("orders", "created_at"), ("agent_daily", "date"), ("traffic", "date"),
                      ("refunds", "applied_at"), ("dsr", "date")):
        d = shop[name][col].dt.normalize()
        assert d.max() == pd.Timestamp(END), name
        assert d.min() >= pd.Timestamp(END) - pd.Timedelta(days=55), name
    short = demo.generate(weeks=1, seed=2, end="2026-03-15")
    d = short["chats"]["sent_at"].dt.normalize()
    assert (d.min(), d.max()) == (pd.Timestamp("2026-03-09"), pd.Timestamp("2026-03-15"))


def test_sessions_senders_and_outreach(shop):
    c = shop["chats"]
    assert set(c["sender"]) == {"customer", "agent", "auto"}
    assert set(c["category"]) <= {"presale", "after_sales", "ad", "silent_check", "followup", "other"}
    s = sessions(c)
    assert (s["days"] == 1).all() and (s["agents"] == 1).all() and (s["categories"] == 1).all()
    outreach = s[~s["has_customer"]]
    # sessions without a customer message are agent-only follow-up outreach
    assert len(outreach) > 100
    assert (outreach["category"] == "followup").all()
    assert all(x == frozenset({"agent"}) for x in outreach["senders"])
    real = s[s["has_customer"]]
    # one session per agent, customer and day
    assert not real.duplicated(["agent", "customer", "day"]).any()
    # auto replies often open a session; some sessions are never answered by an agent
    first = c.drop_duplicates("session_id")
    assert 0.5 < (c.groupby("session_id")["sender"].apply(lambda x: "auto" in set(x))).mean()
    assert (first["sender"] == "customer").mean() > 0.8
    unanswered = real["senders"].map(lambda x: "agent" not in x).mean()
    assert 0.01 < unanswered < 0.15
    # normal days: about 70 % pre-sale, 30 % after-sales
    normal = real[real["day"] < PROMO_DAY - pd.Timedelta(days=4)]
    share = (normal["category"] == "presale").sum() / normal["category"].isin(
        ["presale", "after_sales"]).sum()
    assert 0.62 < share < 0.78
    # handovers: a customer talking to two agents the same day
    pre = real[real["category"] == "presale"]
    assert pre.groupby(["customer", "day"])["agent"].nunique().gt(1).sum() > 100
    assert c["text"].str.contains("发什么快递").any() and c["text"].str.contains("明天发货").any()
    assert c["customer_id"].str.fullmatch(r"tb_[0-9a-z]{7}").all()


def test_promo_spike_and_after_sales_wave(shop):
    s = sessions(shop["chats"])
    real = s[s["has_customer"]]
    per_day = real.groupby("day").size()
    assert per_day[PROMO_DAY] >= 4 * per_day.median()
    by_cat = real.groupby(["day", "category"]).size().unstack(fill_value=0)
    for k in (1, 2, 3):
        day = PROMO_DAY + pd.Timedelta(days=k)
        assert by_cat.loc[day, "after_sales"] > by_cat.loc[day, "presale"], day
    paid = shop["orders"].dropna(subset=["paid_at"])
    per_day_orders = paid.groupby(paid["paid_at"].dt.normalize()).size()
    assert per_day_orders[PROMO_DAY] >= 4 * per_day_orders.median()
    promos = shop["promos"]
    assert set(promos["name"]) == {"double11"}
    assert (promos["start"].dt.normalize() == PROMO_DAY).all()
    assert promos["target_orders"].notna().all() and (promos["target_sales"] > 0).all()
    assert promos["agent"].isna().sum() == 2  # two team rows, the others per agent


def test_promo_day_three_weeks_before_end_without_11_11():
    t = demo.generate(weeks=6, seed=5, end="2026-06-30")
    start = t["promos"]["start"].iloc[0]
    assert start == pd.Timestamp("2026-06-30") - pd.Timedelta(days=21)


def test_orders_payment_hours_amounts_unpaid_and_phones(shop):
    o = shop["orders"]
    paid = o.dropna(subset=["paid_at"])
    shares = np.bincount(paid["paid_at"].dt.hour, minlength=24) / len(paid)
    r = np.corrcoef(shares, demo.PAY_HOUR_SHARES)[0, 1]
    assert r > 0.8
    unpaid = o["paid_at"].isna().mean()
    assert 0.10 <= unpaid <= 0.20
    assert (o.loc[o["paid_at"].isna(), "amount"] == 0).all()
    p = np.percentile(paid.loc[paid["amount"] > 0, "amount"], [10, 50, 90])
    assert 30 < p[0] < 45 and 55 < p[1] < 95 and 140 < p[2] < 230
    assert o["phone"].str.fullmatch(r"1[3-9]\d{9}").all()
    assert (o["address"].str.split(" ").str.len() >= 4).all()
    assert 0.10 < o["agent"].notna().mean() < 0.30
    assert (o["province"].value_counts(normalize=True).index[0]) == "上海市"
    refund_share = (paid["refund_amount"] > 0).mean()
    assert 0.08 < refund_share < 0.25
    # silent orders: paid by customers with no pre-sale chat before paying
    c = shop["chats"]
    pre = c[(c["category"] == "presale") & (c["sender"] == "customer")]
    first = pre.groupby("customer_id")["sent_at"].min()
    chatted = paid["customer_id"].map(first)
    silent = (chatted.isna() | (chatted > paid["paid_at"])).mean()
    assert 0.25 < silent < 0.5


def test_agent_daily_consistent_with_chats(shop):
    a = shop["agent_daily"]
    inquiries = (a["total_received"] - a["silent_checks"] - a["after_sales"] - a["ad_contacts"]
                 - a["brushing_contacts"] - a["followups"] - a["account_switch"])
    assert (inquiries >= 0).all()
    assert (a["followups"] - a["followup_failed"] >= 0).all()
    assert (inquiries - a["inquiry_failed"] >= 0).all()
    assert a["brushing_contacts"].sum() > 0 and a["account_switch"].sum() > 0
    assert (a["followups"] - a["followup_failed"]).sum() > 0
    c = shop["chats"]
    cust = c[c["sender"] == "customer"]
    distinct = cust.groupby([cust["sent_at"].dt.normalize().rename("date"), "agent"])[
        "customer_id"].nunique().rename("expected").reset_index()
    m = a.merge(distinct, on=["date", "agent"], how="outer")
    assert m["total_received"].notna().all() and m["expected"].notna().all()
    assert (m["total_received"] == m["expected"]).all()


def test_agent_stats_and_agent_profiles(shop):
    st = shop["agent_stats"]
    assert ((st["reply_rate"] >= 0) & (st["reply_rate"] <= 1)).all()
    assert (st["inquiry_paid"] <= st["inquiries"]).all()
    assert st["next_day_paid"].isna().sum() == (st["date"] == pd.Timestamp(END)).sum()
    # response time of each session's first turn, from the messages
    c = shop["chats"]
    first_cust = c[c["sender"] == "customer"].groupby("session_id")["sent_at"].min()
    ag = c[c["sender"] == "agent"].assign(fc=lambda d: d["session_id"].map(first_cust))
    ag = ag[ag["sent_at"] >= ag["fc"]]
    wait = (ag.groupby("session_id")["sent_at"].min() - first_cust.reindex(
        ag["session_id"].unique())).dt.total_seconds()
    agent = c.drop_duplicates("session_id").set_index("session_id")["agent"]
    daytime = first_cust[(first_cust - first_cust.dt.normalize()).dt.total_seconds() > 9 * 3600]
    wait = wait[wait.index.isin(daytime.index)]
    med = wait.groupby(agent.reindex(wait.index)).median()
    assert 10 <= med["小美"] <= 25 and 10 <= med["老陈"] <= 25
    assert 60 <= med["大伟"] <= 150 and 60 <= med["小周"] <= 160
    assert (wait > 1200).sum() > 10
    # new hires only chat after their hiring day; one scored below 80 in week two
    roster = shop["roster"].set_index("agent")
    start = pd.Timestamp(END) - pd.Timedelta(days=55)
    new = roster.index[roster["hired_on"] > start]
    assert len(new) == 2
    for name in new:
        assert c.loc[c["agent"] == name, "sent_at"].min() >= roster.loc[name, "hired_on"]
    tr = shop["training"]
    assert set(tr["agent"]) == set(new) and (tr["score"] < 80).sum() >= 1


def test_other_tables(shop):
    dsr = shop["dsr"]
    assert dsr[["description", "service", "logistics"]].stack().between(4.6, 4.95).all()
    traffic = shop["traffic"]
    totals = traffic[traffic["province"].isna()]
    assert len(totals) == 56 * 2
    assert (totals["uv"] > totals["paying_buyers"]).all()
    assert traffic["province"].notna().sum() > 1000
    cb = shop["callbacks"]
    assert set(cb["result"]) == {"已接通-满意", "已接通-有问题", "未接通", "拒接"}
    assert cb["order_id"].isin(shop["orders"]["order_id"]).all()
    rem = shop["reminders"]
    unpaid = shop["orders"].loc[shop["orders"]["paid_at"].isna(), "order_id"]
    assert len(rem) > 0 and rem["order_id"].isin(unpaid).all()
    ref = shop["refunds"]
    assert ref["order_id"].isin(shop["orders"]["order_id"]).all()
    assert (ref["closed_at"].isna() | (ref["closed_at"] > ref["applied_at"])).all()


def test_exports_open_with_chinese_headers(tmp_path):
    built = demo.build_demo(tmp_path, weeks=2, seed=2, end=END, progress=False)
    files = built["files"]
    names = {p.name for p in files}
    assert all(p.exists() for p in files)
    assert {"roster.xlsx", "promos.xlsx", "新人考核.xlsx"} <= names
    assert any(re.fullmatch(r"客服绩效_2026-11-\d\d\.xlsx", n) for n in names)
    cjk = re.compile(r"[\u4e00-\u9fff]")
    percent_files = 0
    for p in files:
        if p.suffix == ".csv":
            continue
        wb = openpyxl.load_workbook(p, read_only=True)
        rows = [r for r in wb.active.iter_rows(values_only=True)]
        header = next(r for r in rows if sum(v is not None for v in r) >= 3)
        labels = [v for v in header if v is not None]
        assert sum(bool(cjk.search(str(v))) for v in labels) >= len(labels) - 1, p.name
        if p.name.startswith("orders_"):
            assert "订单编号" in labels and "买家实际支付金额" in labels
            assert rows[-1][0] == "合计"
            assert any(isinstance(v, str) and v.startswith("¥") for r in rows for v in r)
        if p.name.startswith("客服绩效_"):
            assert rows[-1][0] == "汇总"
            percent_files += any(isinstance(v, str) and v.endswith("%") for v in rows[1])
        wb.close()
    assert percent_files >= 3  # rates as "45.23%" text
    csvs = sorted(p for p in files if p.suffix == ".csv")
    assert csvs, "chats are written as CSV"
    with open(csvs[0], encoding="utf-8-sig", newline="") as f:
        header = next(csv.reader(f))
    assert header[:4] == ["消息时间", "客服", "买家", "发送方角色"]
    assert len(csvs) == 2
    with pytest.raises(UnicodeDecodeError):  # the second week is GBK, as some exports are
        csvs[1].read_text(encoding="utf-8")
    n_rows = sum(len(pd.read_csv(p, encoding="gbk" if i == 1 else "utf-8-sig"))
                 for i, p in enumerate(csvs))
    assert n_rows == len(built["tables"]["chats"])


def test_natural_keys_are_unique_and_default_end_is_yesterday(shop):
    for name, df in shop.items():
        key = [k for k in TABLES[name].key if k in df.columns]
        assert not df.duplicated(key).any(), name
    t = demo.generate(weeks=1, seed=9)
    yesterday = pd.Timestamp(dt.date.today() - dt.timedelta(days=1))
    assert t["chats"]["sent_at"].dt.normalize().max() == yesterday


def test_the_default_demo_gives_the_monthly_report_every_comparison():
    """Whatever the last day, the default demo (DEMO_WEEKS weeks) covers the last complete
    month and the three full months before it, from their first day: the monthly report has
    its previous month and a full 3-month average (no "–" in its comparison columns)."""
    import inspect
    from types import SimpleNamespace

    from csops_lib import periods
    from csops_lib.cli import build_parser
    from csops_lib.demo.build import build_demo_store
    from csops_lib.reports.weekly import HISTORY, WeeklyData
    from csops_lib.settings.paths import DEMO_WEEKS

    def covers(weeks, end):
        """The monthly report's own rule (WeeklyData.covered) for the month it defaults to."""
        start = end - dt.timedelta(days=weeks * 7 - 1)
        month = periods.resolve("month", today=end + dt.timedelta(days=1), data_end=end)
        data = SimpleNamespace(period=month, data_start=start)
        return all(WeeklyData.covered(data, i) for i in range(-HISTORY["month"], 0))

    ends = [dt.date(2026, 1, 1) + dt.timedelta(days=i) for i in range(731)]
    assert all(covers(DEMO_WEEKS, end) for end in ends)
    assert not all(covers(DEMO_WEEKS - 4, end) for end in ends)  # 18 weeks: not always
    assert covers(DEMO_WEEKS, dt.date(2026, 12, 30))  # the worst case: late in a month
    # the one default: csops demo, make demo (no --weeks), the store built on first use
    demo_cmd = build_parser()._subparsers._group_actions[0].choices["demo"]
    assert demo_cmd.get_default("weeks") == DEMO_WEEKS
    assert inspect.signature(build_demo_store).parameters["weeks"].default == DEMO_WEEKS
    assert inspect.signature(demo.generate).parameters["weeks"].default == DEMO_WEEKS
