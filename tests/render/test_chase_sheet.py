"""The agents' chase (追单) sheets: one sheet per agent with the real buyer nick, capped and
ordered by what is worth chasing first, "last day today" counted from the day of use, text
cells as text, no phone; end to end on the demo shop (`csops chase`) against the daily
report's chase list."""
import openpyxl
import pandas as pd
import pytest

from csops_lib import store
from csops_lib.cli import main
from csops_lib.metrics.followups import CHASE_COLUMNS, chase_plan
from csops_lib.render.chase_sheet import chase_sheet_path, make_chase_sheet, write_chase_sheet
from csops_lib.reports import daily
from csops_lib.reports.daily import ChaseData

USE = pd.Timestamp("2026-11-21")
T = pd.Timestamp


def _chase():
    rows = [  # priority order (as chase_list sorts): last day first, then the larger amount
        (1, "=cmd|' /C calc'!A0", "甲", 1, 500.0, "unpaid_order", "沙发"),
        (2, "tb_b2", "乙", 1, 60.0, "past_orders", None),
        (3, "tb_c3", "甲", 2, 200.0, "products", "落地灯"),
        (4, "tb_d4", "甲", 3, None, None, None),
    ]
    df = pd.DataFrame(rows, columns=["priority", "customer_id", "agent", "days_left",
                                     "expected_amount", "amount_basis", "products"])
    df["store"] = "旗舰店"
    df["last_session_at"] = T("2026-11-20 10:00")
    df["window_last_day"] = USE + pd.to_timedelta(df["days_left"] - 1, unit="D")
    df["times_chased"] = 0
    return df[CHASE_COLUMNS]


def _data(chase, per_agent=2):
    return ChaseData(USE, USE - pd.Timedelta(days=1), T("2026-11-20 23:30"), per_agent, chase,
                     chase_plan(chase, per_agent))


def _sheet(ws):
    head = [c.value for c in ws[2]]
    return head, [dict(zip(head, r, strict=True)) for r in ws.iter_rows(min_row=3, values_only=True)]


def test_one_sheet_per_agent_capped_text_cells_and_last_day_highlighted(tmp_path):
    path = write_chase_sheet(_data(_chase()), tmp_path / "chase.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["甲", "乙"]                       # agents by their first priority
    head, rows = _sheet(wb["甲"])
    assert head == ["追单顺序", "买家昵称", "店铺", "最近咨询时间", "相关商品", "预计金额(元)",
                    "金额依据", "跟进截止日", "剩余天数（1 = 最后一天）", "今天截止", "已追次数",
                    "追单记录（客服填写）"]
    assert not any("电话" in h or "手机" in h for h in head)       # no phone: a chase is a chat
    # 甲 has three customers; the cap keeps the first two by priority
    assert [r["买家昵称"] for r in rows] == ["=cmd|' /C calc'!A0", "tb_c3"]
    assert [r["追单顺序"] for r in rows] == [1, 2]
    assert [r["今天截止"] for r in rows] == ["是", "否"]
    assert rows[0]["金额依据"] == "未付款订单" and rows[1]["金额依据"] == "所问商品的常见金额"
    ws = wb["甲"]
    nick = ws["B3"]
    assert nick.data_type == "s" and nick.number_format == "@"  # text, never a formula
    assert ws["A3"].fill.fgColor.rgb.endswith("FCE4D6")         # last day today
    assert not ws["A4"].fill.fgColor.rgb.endswith("FCE4D6")
    assert ws.column_dimensions["L"].width >= 40                # room to write notes
    assert "甲：2 位（共 3 位待追" in ws["A1"].value and "2026-11-20 23:30" in ws["A1"].value
    _, rows = _sheet(wb["乙"])
    assert [r["买家昵称"] for r in rows] == ["tb_b2"]


def test_nobody_to_chase_gives_one_sheet_saying_so_in_english(tmp_path):
    empty = _chase().iloc[0:0]
    path = write_chase_sheet(_data(empty), tmp_path / "none.xlsx", lang="en")
    wb = openpyxl.load_workbook(path)
    assert len(wb.sheetnames) == 1 and wb.worksheets[0]["A1"].value == "Nobody to chase today."
    assert chase_sheet_path(USE, "en", tmp_path).name == "chase_2026-11-21.xlsx"
    assert chase_sheet_path(USE, "zh", tmp_path).name == "追单_2026-11-21.xlsx"


def test_demo_chase_sheets_match_the_daily_list_capped_per_agent(demo_store, tmp_path):
    path, data = make_chase_sheet(demo_store["store"], "2026-11-21", out_root=tmp_path,
                                  params={"chase_per_agent": 7})
    assert path == tmp_path / "chase" / "2026-11-21" / "追单_2026-11-21.xlsx"
    # the same list as the daily report of the day before (its chase for the 21st)
    report = daily.load(demo_store["store"], "2026-11-20", params={"chase_per_agent": 7})
    assert data.data_day == T("2026-11-20")
    assert sorted(data.chase["customer_id"]) == sorted(report.chase["customer_id"])
    by_agent = data.chase.groupby("agent").size()
    assert (by_agent > 7).all()                                     # the cap matters here
    wb = openpyxl.load_workbook(path)
    chase = data.chase.set_index("customer_id")
    phones = set(store.read(demo_store["store"], "orders")["phone"].dropna())
    seen = 0
    for ws in wb.worksheets:
        _, rows = _sheet(ws)
        agent = ws.title
        assert len(rows) == min(7, by_agent[agent])
        mine = chase[chase["agent"] == agent].sort_values("priority")
        assert [r["买家昵称"] for r in rows] == mine.index[:7].tolist()   # first by priority
        for r in rows:
            row = chase.loc[r["买家昵称"]]
            # last day counted from the day of use: window_last_day − 2026-11-21 + 1
            assert r["剩余天数（1 = 最后一天）"] == (row["window_last_day"] - USE).days + 1
            assert (r["今天截止"] == "是") == (row["window_last_day"] == USE)
            assert r["买家昵称"].startswith("tb_")                    # the real nick
        blob = "\n".join(str(v) for row in ws.iter_rows(values_only=True) for v in row)
        assert not any(p in blob for p in phones)
        seen += len(rows)
    assert seen == len(data.plan) == sum(min(7, n) for n in by_agent)


def test_stale_data_still_count_days_left_from_the_day_of_use(demo_store, tmp_path):
    """Used on 11-24 with data only to 11-22 (the fixture's end): windows must reach 11-24."""
    data = daily.load_chase(demo_store["store"], "2026-11-24")
    assert data.data_day == T("2026-11-22") and data.use_day == T("2026-11-24")
    assert len(data.chase) > 0
    assert (data.chase["window_last_day"] >= T("2026-11-24")).all()
    assert set(data.chase["days_left"]) <= {1, 2}               # sessions of 11-21 and 11-22
    with pytest.raises(ValueError, match="no data before"):
        daily.load_chase(demo_store["store"], "2020-01-01")


def test_csops_chase_command(demo_store, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CSOPS_OUTPUTS_DIR", str(tmp_path))
    assert main(["chase", "--date", "2026-11-21", "--data-dir", str(demo_store["store"]),
                 "--lang", "en", "--param", "chase_per_agent=3"]) == 0
    out = capsys.readouterr()
    path = out.out.strip().splitlines()[-1]
    assert path.endswith("chase_2026-11-21.xlsx") and path.startswith(str(tmp_path))
    assert "at most 3 per agent" in out.err
    wb = openpyxl.load_workbook(path)
    assert all(ws.max_row - 2 <= 3 for ws in wb.worksheets)
    assert [c.value for c in wb.worksheets[0][2]][1] == "Buyer nick"
    assert main(["chase", "--date", "2026-11-21", "--data-dir", str(demo_store["store"]),
                 "--param", "chase_per_agent=0"]) == 1
    assert "chase_per_agent" in capsys.readouterr().err
