"""`csops kpis` and `csops funnel` end to end, against hand-computed values and independent paths."""
import math

import numpy as np
import pandas as pd
import pytest

from csops_lib import store
from csops_lib.cli import main
from csops_lib.metrics.kpis import AGENT_KPI_COLUMNS, agent_kpis, store_kpis

D1, D2 = "2026-11-02", "2026-11-03"

# (消息时间, 客服, 买家, 发送方角色); no category column, so pre-sale unless paid before.
CHAT_ROWS = [
    # 阿杰, day 1
    (f"{D1} 10:00:00", "阿杰", "c1", "买家"),
    (f"{D1} 10:00:30", "阿杰", "c1", "客服"),     # turn 1 answered in 30 s
    (f"{D1} 10:01:00", "阿杰", "c1", "买家"),
    (f"{D1} 10:03:30", "阿杰", "c1", "客服"),     # turn 2 answered in 150 s
    (f"{D1} 11:00:00", "阿杰", "c2", "买家"),
    (f"{D1} 11:00:05", "阿杰", "c2", "自动回复"),  # the bot never counts as a response
    (f"{D1} 11:01:40", "阿杰", "c2", "客服"),     # 100 s
    (f"{D1} 12:00:00", "阿杰", "c3", "买家"),     # never answered
    # 小美, day 1: c4 has four turns, each answered in 90 s
    (f"{D1} 14:00:00", "小美", "c4", "买家"),
    (f"{D1} 14:01:30", "小美", "c4", "客服"),
    (f"{D1} 14:02:00", "小美", "c4", "买家"),
    (f"{D1} 14:03:30", "小美", "c4", "客服"),
    (f"{D1} 14:04:00", "小美", "c4", "买家"),
    (f"{D1} 14:05:30", "小美", "c4", "客服"),
    (f"{D1} 14:06:00", "小美", "c4", "买家"),
    (f"{D1} 14:07:30", "小美", "c4", "客服"),
    (f"{D1} 15:00:00", "小美", "c5", "买家"),
    (f"{D1} 15:00:10", "小美", "c5", "客服"),     # 10 s
    (f"{D1} 15:30:00", "小美", "c8", "买家"),
    (f"{D1} 15:30:01", "小美", "c8", "客服"),     # 1 s
    # 阿杰, day 2: c1 again, after paying on day 1 → an after-sales session
    (f"{D2} 09:00:00", "阿杰", "c1", "买家"),
    (f"{D2} 09:00:20", "阿杰", "c1", "客服"),
]

# (订单编号, 买家会员名, 买家实际支付金额, 订单付款时间)
ORDER_ROWS = [
    ("1001", "c1", 100.50, f"{D1} 10:30:00"),   # → 阿杰 (c1's session that day)
    ("1002", "c4", 59.90, f"{D1} 16:00:00"),    # → 小美
    ("1003", "c5", 10.00, f"{D1} 16:10:00"),    # → 小美
    ("1004", "c8", 30.01, f"{D1} 16:20:00"),    # → 小美
    ("1005", "c4", 40.10, f"{D2} 10:00:00"),    # → 小美 on day 2 (follow-up window of day 1)
    ("1006", "c9", 77.00, f"{D1} 18:00:00"),    # no chat at all: silent, no agent row
]


@pytest.fixture
def small_files(tmp_path):
    chats = tmp_path / "聊天记录.csv"
    pd.DataFrame(CHAT_ROWS, columns=["消息时间", "客服", "买家", "发送方角色"]).to_csv(
        chats, index=False, encoding="utf-8-sig")
    orders = tmp_path / "订单报表.xlsx"
    pd.DataFrame(ORDER_ROWS, columns=["订单编号", "买家会员名", "买家实际支付金额",
                                      "订单付款时间"]).to_excel(orders, index=False)
    return chats, orders


def run_kpis(files, tmp_path, *extra, name="kpis.csv"):
    chats, orders = files
    out = tmp_path / name
    assert main(["kpis", "--chats", str(chats), "--orders", str(orders), "--out", str(out),
                 *extra]) == 0
    return out


def row(df, date, agent):
    hit = df[(df["date"] == date) & (df["agent"] == agent)]
    assert len(hit) == 1, (date, agent)
    return hit.iloc[0]


def test_kpis_small_files_hand_computed(small_files, tmp_path, capsys):
    out = run_kpis(small_files, tmp_path)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens the Chinese names correctly
    df = pd.read_csv(out, encoding="utf-8-sig")
    assert list(df.columns[:len(AGENT_KPI_COLUMNS)]) == [
        "date", "agent", "sessions", "presale_sessions", "replied", "unanswered", "reply_rate",
        "first_response_s", "avg_response_s", "slow_sessions", "long_sessions",
        "max_concurrent", "inquiries", "inquiry_buyers", "inquiry_conversion", "orders",
        "sales", "buyers", "aov"]
    # a row for every date and agent with a session or a credited order, sorted
    keys = list(zip(df["date"], df["agent"], strict=True))
    assert keys == [(D1, "小美"), (D1, "阿杰"), (D2, "小美"), (D2, "阿杰")]
    assert keys == sorted(keys)

    a1 = row(df, D1, "阿杰")
    assert (a1.sessions, a1.replied, a1.unanswered) == (3, 2, 1)
    assert a1.reply_rate == 0.6667                 # 2 / 3, 4 decimals
    assert a1.first_response_s == 65.0             # (30 + 100) / 2, unanswered skipped
    assert a1.avg_response_s == 95.0               # ((30 + 150) / 2 + 100) / 2
    assert (a1.presale_sessions, a1.inquiries, a1.inquiry_buyers) == (3, 3, 1)
    assert a1.inquiry_conversion == 0.3333
    assert (a1.orders, a1.sales, a1.buyers, a1.aov) == (1, 100.5, 1, 100.5)
    assert a1.slow_sessions == 0 and a1.long_sessions == 0

    b1 = row(df, D1, "小美")
    assert (b1.sessions, b1.replied, b1.reply_rate) == (3, 3, 1.0)
    assert b1.first_response_s == 33.7             # (90 + 10 + 1) / 3 = 33.666… → 0.1 s
    assert b1.avg_response_s == 33.7
    assert (b1.orders, b1.buyers) == (3, 3)
    assert b1.sales == 99.91                       # 59.90 + 10.00 + 30.01
    assert b1.aov == 33.3                          # 99.91 / 3 = 33.3033… → 0.01
    assert b1.slow_sessions == 0                   # 90 s answers are not slow at 120 s

    b2 = row(df, D2, "小美")                        # a credited order, no session that day
    assert (b2.sessions, b2.orders, b2.sales) == (0, 1, 40.1)
    assert math.isnan(b2.reply_rate) and math.isnan(b2.first_response_s)

    a2 = row(df, D2, "阿杰")                        # c1 paid yesterday → after-sales
    assert (a2.sessions, a2.presale_sessions, a2.inquiries, a2.first_response_s) == (1, 0, 0, 20)
    assert math.isnan(a2.inquiry_conversion)       # 0 / 0 is missing, not 0
    assert df["orders"].sum() == 5                 # the silent order 1006 is on no agent row

    err = capsys.readouterr().err
    assert "4 rows" in err and f"{D1}..{D2}" in err


def test_kpis_stdout_xlsx_and_period(small_files, tmp_path, capsys):
    chats, orders = small_files
    assert main(["kpis", "--chats", str(chats), "--orders", str(orders), "--from", D2]) == 0
    text = capsys.readouterr().out
    lines = text.strip().splitlines()
    assert lines[0].startswith("date,agent,sessions,presale_sessions,")
    assert [ln.split(",")[:2] for ln in lines[1:]] == [[D2, "小美"], [D2, "阿杰"]]
    out = run_kpis(small_files, tmp_path, "--to", D1, name="k.xlsx")
    x = pd.read_excel(out, engine="calamine")
    assert len(x) == 2 and x["sales"].tolist() == [99.91, 100.5]


def test_kpis_param_changes_slow_sessions(small_files, tmp_path):
    df = pd.read_csv(run_kpis(small_files, tmp_path, "--param", "slow_gap_s=60",
                              name="slow.csv"), encoding="utf-8-sig")
    # c4's four 90 s answers are now slow: 4 > slow_times 3 → one slow session
    assert row(df, D1, "小美").slow_sessions == 1
    # c1 has one slow answer (150 s), c2 one (100 s): not slow sessions
    assert row(df, D1, "阿杰").slow_sessions == 0
    df = pd.read_csv(run_kpis(small_files, tmp_path, "--param", "slow_gap_s=60",
                              "--param", "slow_times=0", name="slow0.csv"), encoding="utf-8-sig")
    assert row(df, D1, "阿杰").slow_sessions == 2


def test_kpis_bad_param_and_load_errors(small_files, tmp_path, capsys):
    chats, orders = small_files
    assert main(["kpis", "--chats", str(chats), "--orders", str(orders),
                 "--param", "slow_gapp=60"]) == 2
    err = capsys.readouterr().err
    assert "slow_gapp" in err and "Traceback" not in err
    no_amount = tmp_path / "orders_bad.xlsx"
    pd.DataFrame(ORDER_ROWS, columns=["订单编号", "买家会员名", "金额X", "订单付款时间"]).to_excel(
        no_amount, index=False)
    assert main(["kpis", "--chats", str(chats), "--orders", str(no_amount)]) == 1
    err = capsys.readouterr().err
    assert "orders_bad.xlsx" in err and "'amount'" in err and "Traceback" not in err
    with pytest.raises(SystemExit) as exc:  # neither files nor a store: argparse usage error
        main(["kpis", "--orders", str(orders)])
    assert exc.value.code == 2


# --------------------------------------------------------------------------- the demo shop

WEEK = ("2026-11-09", "2026-11-15")  # the middle week of the 3-week demo (ends 2026-11-22)


@pytest.fixture(scope="module")
def demo_full(demo_store):
    """The whole demo store read in full: the independent path the CLI is compared with."""
    s = demo_store["store"]
    return {t: store.read(s, t) for t in ("chats", "orders", "refunds", "traffic")}


def _read_parquet_out(args, tmp_path, name):
    out = tmp_path / name
    assert main(["kpis", *args, "--out", str(out)]) == 0
    return pd.read_parquet(out)


def test_kpis_store_equals_direct_call(demo_store, demo_full, tmp_path):
    got = _read_parquet_out(["--store", str(demo_store["store"]), "--from", WEEK[0],
                             "--to", WEEK[1]], tmp_path, "store.parquet")
    want = agent_kpis(demo_full["chats"], demo_full["orders"], refunds=demo_full["refunds"],
                      date_from=WEEK[0], date_to=WEEK[1])
    assert len(got) > 20 and got["date"].min() == pd.Timestamp(WEEK[0])
    assert got["date"].max() == pd.Timestamp(WEEK[1])
    # only the partitions needed were read, yet every value matches the full-data computation
    # (a 0.01 tolerance only for money: float sums in another row order may round a half cent)
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True),
                                  check_exact=False, rtol=0, atol=0.0101)
    assert got["orders"].sum() > 0 and got["inquiries"].sum() > 0


def test_kpis_store_by_store_date(demo_store, demo_full, tmp_path):
    got = _read_parquet_out(["--store", str(demo_store["store"]), "--from", WEEK[0],
                             "--to", WEEK[1], "--by", "store,date"], tmp_path, "sd.parquet")
    for col in ("uv", "callin_conversion", "inquiry_conversion", "silent_conversion",
                "store_conversion"):
        assert col in got.columns
    want = store_kpis(demo_full["chats"], demo_full["orders"], traffic=demo_full["traffic"],
                      date_from=WEEK[0], date_to=WEEK[1])
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True),
                                  check_exact=False, rtol=0, atol=0.0101)
    first = got.iloc[0]
    assert first.uv > 0
    assert first.store_conversion == pytest.approx(first.buyers / first.uv, abs=5e-5)
    assert first.callin_conversion == pytest.approx(first.inquiries / first.uv, abs=5e-5)


def test_kpis_exports_equal_store(demo_store, tmp_path):
    ex = demo_store["exports"]
    chats = sorted(ex.glob("chats_*"))
    orders = sorted(ex.glob("orders_*"))
    refunds = sorted(ex.glob("refunds_*"))
    assert chats and orders and refunds
    window = ["--from", WEEK[0], "--to", WEEK[1]]
    from_files = tmp_path / "files.csv"
    assert main(["kpis", "--chats", *map(str, chats), "--orders", *map(str, orders),
                 "--refunds", *map(str, refunds), *window, "--out", str(from_files)]) == 0
    from_store = tmp_path / "store.csv"
    assert main(["kpis", "--store", str(demo_store["store"]), *window,
                 "--out", str(from_store)]) == 0
    a = pd.read_csv(from_files, encoding="utf-8-sig")
    assert len(a) > 20
    assert from_files.read_bytes() == from_store.read_bytes()


# --------------------------------------------------------------------------- the funnel

TALLY_HEADERS = ["日期", "客服", "总接待人数", "静默下单", "售后咨询", "广告接待", "刷单接待",
                 "追单人数", "换号拍", "追单未成交人数", "询单未成交人数"]


def test_funnel_worked_example_and_quarantine(tmp_path, capsys):
    tally = tmp_path / "agent_daily_2026-11-02.xlsx"
    pd.DataFrame([
        [D1, "阿杰", 30, 5, 14, 0, 0, 3, 0, 1, 4],   # the METRICS.md worked example
        [D1, "小美", 20, 2, 3, 0, 0, 0, 0, 0, 5],
        [D1, "婷婷", 10, 1, 2, 0, 0, 1, 0, 3, 0],    # 3 follow-ups failed of 1: inconsistent
    ], columns=TALLY_HEADERS).to_excel(tally, index=False)
    out, qout = tmp_path / "funnel.csv", tmp_path / "q.csv"
    assert main(["funnel", str(tally), "--out", str(out), "--quarantine-out", str(qout)]) == 0
    df = pd.read_csv(out, encoding="utf-8-sig")
    assert df["agent"].tolist() == ["阿杰", "小美"]
    ex = df.iloc[0]
    assert ex.inquiries == 8                       # 30 − 5 − 14 − 0 − 0 − 3 − 0
    assert ex.followup_converted == 2              # 3 − 1
    assert ex.inquiry_converted == 4               # 8 − 4
    assert ex.total_converted == 6
    assert ex.consult_conversion == 0.75           # 6 / 8
    second = df.iloc[1]
    assert (second.inquiries, second.total_converted) == (15, 10)
    assert second.consult_conversion == 0.6667
    q = pd.read_csv(qout, encoding="utf-8-sig")
    assert len(q) == 1 and q.loc[0, "row"] == 4    # header on row 1: the 3rd data row
    assert "followup_converted" in q.loc[0, "reason"]
    err = capsys.readouterr().err
    assert "agent_daily_2026-11-02.xlsx:4" in err
    assert "rows in 3 = rows out 2 + rows quarantined 1" in err


def test_funnel_load_error(tmp_path, capsys):
    bad = tmp_path / "tally.xlsx"
    pd.DataFrame([[D1, "阿杰", 5]], columns=["日期", "客服", "静默下单"]).to_excel(bad, index=False)
    assert main(["funnel", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "tally.xlsx" in err and "total_received" in err and "Traceback" not in err


def test_analyst_entry_point_equals_the_command(demo_store, tmp_path):
    """csops_lib.kpis(store, from, to) is exactly `csops kpis --store` (same parquet), and
    per="week" rolls the same rows up (sums equal the days', rates from the sums)."""
    import csops_lib

    s = demo_store["store"]
    cli = _read_parquet_out(["--store", str(s), "--from", "2026-11-02", "--to", WEEK[1]],
                            tmp_path, "cli.parquet")
    lib = csops_lib.kpis(s, "2026-11-02", WEEK[1])
    pd.testing.assert_frame_equal(lib.reset_index(drop=True), cli.reset_index(drop=True))
    # an order paid early in the period is credited to a session before it: the entry point
    # reads chats from followup_days before date_from, as the command does
    weeks = csops_lib.kpis(s, "2026-11-02", WEEK[1], per="week")
    assert sorted(weeks["date"].dt.strftime("%Y-%m-%d").unique()) == ["2026-11-02", "2026-11-09"]
    by_week = cli.assign(week=cli["date"] - pd.to_timedelta(cli["date"].dt.day_of_week, "D"))
    want = by_week.groupby(["week", "agent"])[["sessions", "orders", "inquiry_buyers",
                                              "inquiries"]].sum()
    got = weeks.set_index(["date", "agent"])
    got.index.names = ["week", "agent"]
    for col in ["sessions", "orders", "inquiry_buyers", "inquiries"]:
        assert (got[col].astype("int64") == want[col].astype("int64")).all(), col
    conv = want["inquiry_buyers"] / want["inquiries"].where(want["inquiries"] > 0)
    np.testing.assert_allclose(got["inquiry_conversion"].to_numpy(dtype=float),
                               conv.to_numpy(dtype=float), equal_nan=True)
