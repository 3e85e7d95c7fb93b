"""The promo retrospective: library functions by hand, and the rendered report on the demo."""
import datetime as dt
import re

import numpy as np
import openpyxl
import pandas as pd
import pytest

from csops_lib import runner, store
from csops_lib.metrics import attribute_orders, build_sessions, leaderboard
from csops_lib.reports import leaderboard as report_lb
from csops_lib.reports import promo

PROMO_DAY = pd.Timestamp("2026-11-11")


# ----------------------------------------------------------------------------- shifts
@pytest.mark.parametrize("value, hours", [
    ("08:00", 8.0), ("24:00", 24.0), ("15:30", 15.5), ("8:00:00", 8.0), ("０８：００", 8.0), ("noon", None),
    (dt.time(22, 15), 22.25), (0.5, 12.0), (16, 16.0), (None, np.nan), ("", np.nan),
])
def test_parse_clock(value, hours):
    if hours is None:  # not a clock time: a clear error
        with pytest.raises(ValueError):
            promo.parse_clock(value)
        return
    got = promo.parse_clock(value)
    assert (np.isnan(got) and np.isnan(hours)) or got == hours


@pytest.mark.parametrize("start, end, hours", [
    ("08:00", "16:00", list(range(8, 16))),
    ("15:00", "24:00", list(range(15, 24))),       # 24:00 = midnight
    ("15:00", "00:00", list(range(15, 24))),       # the same shift written with 00:00
    ("22:00", "06:00", [0, 1, 2, 3, 4, 5, 22, 23]),  # overnight
    ("08:30", "17:00", list(range(8, 17))),        # a part hour counts
    ("09:00", "09:00", []), (None, "16:00", []),
])
def test_shift_hours(start, end, hours):
    assert promo.shift_hours(start, end) == hours


def test_on_shift_grid_counts_agents_from_their_hiring_day():
    roster = pd.DataFrame({
        "agent": ["早", "晚", "新"], "shift_start": ["08:00", "15:00", "15:00"],
        "shift_end": ["16:00", "24:00", "24:00"],
        "hired_on": pd.to_datetime(["2025-01-01", "2025-01-01", "2026-11-12"])})
    g = promo.on_shift_grid(roster, ["2026-11-11", "2026-11-12"]).set_index(["date", "hour"])
    d1, d2 = pd.Timestamp("2026-11-11"), pd.Timestamp("2026-11-12")
    assert g.loc[(d1, 7), "agents_on_shift"] == 0
    assert g.loc[(d1, 8), "agents_on_shift"] == 1
    assert g.loc[(d1, 15), "agents_on_shift"] == 2 and g.loc[(d1, 15), "on_shift_agents"] == "早、晚"
    assert g.loc[(d1, 16), "agents_on_shift"] == 1 and g.loc[(d1, 23), "agents_on_shift"] == 1
    assert g.loc[(d2, 23), "agents_on_shift"] == 2  # 新 starts on the 12th
    assert len(g) == 48


def test_waiting_without_agent_and_hour_ranges():
    roster = pd.DataFrame({"agent": ["a"], "shift_start": ["08:00"], "shift_end": ["24:00"]})
    grid = promo.on_shift_grid(roster, ["2026-11-11"])
    t = pd.Timestamp("2026-11-11")
    chats = pd.DataFrame({
        "sent_at": [t + pd.Timedelta(minutes=m) for m in (10, 20, 25, 70, 190, 9 * 60)],
        "agent": "a", "customer_id": ["x", "y", "x", "z", "x", "y"],
        "sender": ["customer", "customer", "customer", "customer", "customer", "customer"]})
    chats.loc[len(chats)] = [t + pd.Timedelta(minutes=30), "a", "x", "agent"]
    w = promo.waiting_without_agent(chats, grid)
    # hour 0: x, y, x (3 messages, 2 customers); hour 1: z; hour 3: x; 09:00 had an agent
    assert w[["hour", "customer_messages", "customers"]].values.tolist() == [
        [0, 3, 2], [1, 1, 1], [3, 1, 1]]
    r = promo.hour_ranges(w)
    assert r[["start_hour", "end_hour", "hours", "customer_messages"]].values.tolist() == [
        [0, 2, 2, 4], [3, 4, 1, 1]]


# ----------------------------------------------------------------------------- windows
def test_baseline_window():
    assert promo.baseline_window("2026-11-11", "2026-11-11 23:59:59") == (
        pd.Timestamp("2026-11-04"), pd.Timestamp("2026-11-04"))  # the Wednesday before
    assert promo.baseline_window("2026-11-09", "2026-11-11", 1) == (
        pd.Timestamp("2026-11-02"), pd.Timestamp("2026-11-04"))  # gap < length → 7 days
    assert promo.baseline_window("2026-11-01", "2026-11-10", 7) == (
        pd.Timestamp("2026-10-18"), pd.Timestamp("2026-10-27"))  # 10 days → 14 days earlier
    assert promo.baseline_window("2026-11-11", "2026-11-11", 1) == (
        pd.Timestamp("2026-11-10"), pd.Timestamp("2026-11-10"))


def test_promo_window_by_name_latest_and_unknown():
    promos = pd.DataFrame({
        "name": ["618", "double11", "double11"],
        "start": pd.to_datetime(["2026-06-18", "2026-11-11", "2026-11-11"]),
        "end": pd.to_datetime(["2026-06-18 23:59", "2026-11-11 23:59", "2026-11-11 23:59"]),
        "team": ["A", "A", "B"]})
    assert promo.promo_window(promos)["name"] == "double11"
    w = promo.promo_window(promos, "618")
    assert w["start"] == pd.Timestamp("2026-06-18") and len(w["rows"]) == 1
    with pytest.raises(promo.UnknownPromoError, match=r"'双12'.*618 \(2026-06-18\).*double11"):
        promo.promo_window(promos, "双12")


def test_hourly_leaderboard_is_cumulative():
    t = pd.Timestamp("2026-11-11")
    cred = pd.DataFrame({
        "paid_at": [t + pd.Timedelta(minutes=m) for m in (10, 20, 70, 80, 150)],
        "amount": [10.0, 30.0, 25.0, 5.0, 1.0],
        "credited_agent": ["A", "B", "A", np.nan, "C"]})
    lb = promo.hourly_leaderboard(cred, t, t + pd.Timedelta(days=1, seconds=-1), top=2)
    assert lb["until"].tolist() == [t + pd.Timedelta(hours=h) for h in (1, 2, 3)]
    assert lb[["agent_1", "value_1", "agent_2", "value_2"]].values.tolist() == [
        ["B", 30.0, "A", 10.0], ["A", 35.0, "B", 30.0], ["A", 35.0, "B", 30.0]]
    by_orders = promo.hourly_leaderboard(cred, t, t + pd.Timedelta(hours=23), by="orders",
                                         top=3)
    assert by_orders.iloc[-1][["agent_1", "value_1", "agent_3"]].tolist() == ["A", 2.0, "C"]


# ----------------------------------------------------------------------------- on the demo
@pytest.fixture(scope="module")
def retro(demo_store):
    return promo.load(demo_store["store"], "double11")


@pytest.fixture(scope="module")
def independent(demo_store):
    s = demo_store["store"]
    chats, orders = store.read(s, "chats"), store.read(s, "orders")
    att = attribute_orders(orders, build_sessions(chats, orders), chats=chats)
    day = att[att["paid_at"].between(PROMO_DAY, PROMO_DAY + pd.Timedelta(days=1, seconds=-1))]
    return {"chats": chats, "orders": orders, "promo_paid": day}


def test_retro_windows_and_targets(retro, independent):
    phases = retro.days.set_index("date")["phase"]
    assert phases[pd.Timestamp("2026-11-04")] == "baseline"
    assert phases[PROMO_DAY] == "promo"
    assert [d.day for d in retro._dates("wave")] == [12, 13, 14]
    ov = promo.overview(retro).set_index("metric")
    paid = independent["promo_paid"]
    assert ov.loc["paid_orders", "promo"] == len(paid)
    assert ov.loc["sales", "promo"] == pytest.approx(paid["amount"].sum())
    teams, on_att = promo.team_table(retro)
    assert on_att
    assert teams["orders"].sum() == paid["credited_agent"].notna().sum()
    assert teams["sales"].sum() == pytest.approx(
        paid.loc[paid["credited_agent"].notna(), "amount"].sum())
    targets = store.read(retro.data_dir, "promos")
    team_rows = targets[targets["agent"].isna()].set_index("team")["target_orders"]
    assert teams.set_index("team")["target_orders"].to_dict() == team_rows.to_dict()
    agents = promo.agent_targets(retro).set_index("agent")
    per_agent = paid.groupby("credited_agent").size()
    roles = store.read(retro.data_dir, "roster").set_index("agent")["role"]
    after = set(roles[roles == "after_sales"].index)
    assert after == {"小周", "阿芳"}
    for name, n in per_agent.items():
        if name not in after:
            assert agents.loc[name, "orders"] == n
    # every sales agent with a target appears, with their own target; the after-sales agents
    # (targets in the promos table, too) are not scored against sales targets (issue 11)
    agent_rows = targets[targets["agent"].notna()].set_index("agent")["target_sales"]
    sales_rows = agent_rows[~agent_rows.index.isin(after)]
    assert set(agents.index) == set(sales_rows.index)
    assert agents.loc[sales_rows.index, "target_sales"].tolist() == sales_rows.tolist()
    a = promo.after_sales(retro).set_index("agent")
    assert set(a.index) == after
    s = retro.sessions[retro.sessions["date"].between(PROMO_DAY,
                                                      PROMO_DAY + pd.Timedelta(days=3))]
    for name in after:
        mine = s[s["agent"] == name]
        assert a.loc[name, "sessions"] == len(mine)
        assert a.loc[name, "reply_rate"] == pytest.approx(mine["replied"].mean())
    # rates change in percentage points, not as multiples
    conv = ov.loc["inquiry_conversion"]
    assert np.isnan(conv["multiple"])
    assert conv["change_points"] == pytest.approx(conv["promo"] - conv["baseline"])
    assert ov.loc["sales", "multiple"] == pytest.approx(ov.loc["sales", "promo"]
                                                        / ov.loc["sales", "baseline"])


def test_retro_staffing_capacity_and_waiting(retro, independent):
    cap = promo.capacity(retro)
    assert len(cap) == 24
    on = cap.set_index("hour")["agents_on_shift"]
    assert on[3] == 0 and on[15] > on[14]  # nobody overnight; the shifts overlap at 15:00
    assert (cap["capacity"] == cap["agents_on_shift"] * 4).all()
    w = promo.waiting(retro)
    chats = independent["chats"]
    night = chats[(chats["sent_at"].dt.normalize() == PROMO_DAY)
                  & (chats["sent_at"].dt.hour < 8) & (chats["sender"] == "customer")]
    assert w["customer_messages"].sum() == len(night)
    assert (w["start_hour"].min(), w["end_hour"].max()) == (0, 8)
    plan = promo.staffing_plan(retro)
    assert (plan["needed_roster"] >= plan["needed_online"]).all()
    assert plan["sessions"].sum() == promo.overview(retro).set_index("metric").loc["sessions", "promo"]
    # ONE staffing answer per hour: the capacity view and the plan show the same numbers, and
    # the planned capacity holds this promo's peak (needed online × concurrency ≥ peak)
    p = plan.set_index("hour")
    for r in cap.itertuples():
        assert (r.needed_online, r.needed_roster, r.gap) == tuple(
            p.loc[r.hour, ["needed_online", "needed_roster", "gap"]])
    assert (p["needed_online"] * 4 >= p["peak_concurrent"]).all()
    assert (p["needed_online"] >= p["erlang_online"]).all()
    assert (p["gap"] == (p["needed_roster"] - p["agents_on_shift"]).clip(lower=0)).all()
    h = promo.headline(retro)
    worst = p["gap"].idxmax()
    assert h["gap_hour"] == worst and h["gap"] == p.loc[worst, "gap"]


@pytest.fixture(scope="module")
def rendered(demo_store, tmp_path_factory):
    out = tmp_path_factory.mktemp("promo_out")
    zh = runner.run("promo", {"promo": "double11"}, data_dir=demo_store["store"], out_root=out,
                    progress=False)
    en = runner.run("promo", {"promo": "double11", "lang": "en"},
                    data_dir=demo_store["store"], out_root=tmp_path_factory.mktemp("promo_en"),
                    progress=False)
    return zh, zh.read_text(encoding="utf-8"), en.read_text(encoding="utf-8")


SECTIONS = ["promo_headline", "promo_overview", "promo_daily", "promo_hourly", "promo_capacity", "promo_no_agent",
            "team_pk", "promo_agent_targets", "promo_after_sales", "promo_leaderboard",
            "promo_conversion",
            "promo_wave", "promo_staffing", "appendix"]


def test_report_sections_no_code_and_workbook(rendered):
    path, zh, en = rendered
    assert path.parent.name == "double11" and path.name == "promo_double11_zh.html"
    assert path.with_suffix(".xlsx").exists()
    books = [path.with_suffix(".xlsx")]
    assert "<title>大促复盘 double11</title>" in zh
    assert "<title>Promo retrospective double11</title>" in en
    for key in SECTIONS:
        assert f'id="{key}"' in zh and f'id="{key}"' in en
    for text in (zh, en):
        for code in ("import ", "load_promo(", "display(", "Traceback"):
            assert code not in text
        assert 'data-mime-type="application/vnd.jupyter.stderr"' not in text
        assert len(re.findall(r"<img [^>]*src=\"data:image/png;base64", text)) == 4
    assert "团队PK" in zh and "售前组 胜出" in zh and "Team PK" in en and "售前组 wins" in en
    assert "大促复盘" not in en
    # the headline comes first: sales multiple, PK winner, biggest gap
    head = zh[zh.index('id="promo_headline"'):zh.index('id="promo_overview"')]
    assert "倍" in head and "团队PK：售前组 胜出" in head and "最大缺口：16:00" in head
    # rate changes in points, never as a multiple
    over = zh[zh.index('id="promo_overview"'):zh.index('id="promo_daily"')]
    assert re.search(r"询单转化率</td>.*?\+\d+\.\d pt", over, re.S)
    # the workbook: Chinese headers, the leaderboard and after-sales sheets, rates as %
    wb = openpyxl.load_workbook(books[0])
    assert {"概览：大促 vs 基准", "整点战报（累计）", "售后客服（不按销售目标考核）",
            "个人目标 vs 实际", "下次需要的排班"} <= set(wb.sheetnames)
    ws = wb["概览：大促 vs 基准"]
    assert [c.value for c in ws[2]] == ["指标", "大促", "基准", "差异"]
    rows = {r[0].value: r for r in ws.iter_rows(min_row=3)}
    assert rows["询单转化率"][1].number_format == "0.0%" and 0 < rows["询单转化率"][1].value < 1
    assert "pt" in rows["询单转化率"][3].number_format
    assert rows["销售额(元)"][1].number_format.startswith("¥")
    agents = wb["个人目标 vs 实际"]
    head = [c.value for c in agents[2]]
    assert agents.cell(3, head.index("询单转化率") + 1).number_format == "0.0%"
    assert agents.cell(3, head.index("目标单量") + 1).number_format == "#,##0"
    names = [agents.cell(r, head.index("客服") + 1).value for r in range(3, agents.max_row + 1)]
    assert "小周" not in names and "阿芳" not in names


def test_report_values_and_privacy(rendered, independent):
    _, zh, en = rendered
    paid = independent["promo_paid"]
    for text in (zh, en):
        assert f">{len(paid):,}<" in text  # promo-day paid orders in the overview
        attributed = paid[paid["credited_agent"].notna()]
        for team_orders in attributed.groupby(
                attributed["credited_agent"].isin(["阿芳", "小周", "老陈"])).size():
            assert f">{team_orders:,}<" in text  # each team's orders in the PK table
    phones = independent["orders"]["phone"].dropna().unique()
    for text in (zh, en):
        assert not set(re.findall(r"1\d{10}", text)).intersection(phones)
        for cust in independent["orders"]["customer_id"].dropna().unique()[:200]:
            assert cust not in text


def test_unknown_promo_is_a_clear_error(demo_store, tmp_path):
    with pytest.raises(promo.UnknownPromoError, match="double11"):
        promo.load(demo_store["store"], "双12")
    with pytest.raises(runner.ReportError, match="unknown promo"):
        runner.run("promo", {"promo": "双12"}, data_dir=demo_store["store"], out_root=tmp_path,
                   progress=False)


def test_leaderboard_agrees_with_the_retro(retro):
    t = report_lb.load_latest(retro.data_dir, PROMO_DAY, PROMO_DAY + pd.Timedelta(
        days=1, seconds=-1))
    r = leaderboard.standings(t["chats"], t["orders"], t["roster"], PROMO_DAY,
                              PROMO_DAY + pd.Timedelta(days=1, seconds=-1), promos=t["promos"])
    teams, _ = promo.team_table(retro)
    assert r["teams"].set_index("team")["orders"].to_dict() == \
        teams.set_index("team")["orders"].to_dict()
