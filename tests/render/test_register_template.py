"""The deal register (成交登记) template: columns, drop-downs, formats, and the round trip
(template → rows filled in → csops_lib.load / csops ingest → orders)."""
import datetime as dt
import re
import subprocess
import sys

import openpyxl
import pandas as pd
import pytest

import csops_lib
from csops_lib import store
from csops_lib.render.register_template import (
    ROWS,
    Names,
    store_names,
    write_register_template,
)

ZH_HEADERS = ["成交日期", "成交店铺", "对应负责人", "销售产品", "客户ID", "客户姓名", "性别", "省份",
              "地址", "电话", "备注", "付款时间段", "付款金额", "订单编号"]
EN_HEADERS = ["Deal date", "Selling store", "Agent in charge", "Product sold", "Customer ID",
              "Customer name", "Gender", "Province", "Address", "Phone", "Note", "Payment slot",
              "Paid amount", "Order ID"]
NAMES = Names(stores=("星河家居旗舰店", "星河家居专营店"), agents=("小美", "阿杰", "老陈"))


def _validations(ws):
    """Column letter → its data validation (each validation covers one column)."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            out[re.match(r"[A-Z]+", rng.coord).group()] = (dv, rng.coord)
    return out


def _list_values(wb, name):
    """The values of the defined name ``name`` (a range on the lists sheet)."""
    ((title, coord),) = wb.defined_names[name].destinations
    return [c.value for row in wb[title][coord] for c in row]


def _run(*args):
    return subprocess.run([sys.executable, "-m", "csops_lib.cli", *args],
                          capture_output=True, text=True)


@pytest.fixture
def template(tmp_path):
    return write_register_template(tmp_path / "成交登记.xlsx", names=NAMES)


def test_columns_formats_frozen_header_and_widths(template):
    wb = openpyxl.load_workbook(template)
    assert wb.sheetnames == ["成交登记", "下拉选项"]
    ws, lists = wb["成交登记"], wb["下拉选项"]
    assert ws.sheet_state == "visible" and lists.sheet_state == "hidden"
    assert [c.value for c in ws[1]] == ZH_HEADERS
    assert ws.freeze_panes == "A2"
    for letter, header in zip("ABCDEFGHIJKLMN", ZH_HEADERS, strict=True):
        # CJK characters are two columns wide: 对应负责人 needs more than 10
        assert ws.column_dimensions[letter].width >= 2 * len(header) + 2, header
    # 客户ID (E), 电话 (J), 订单编号 (N) are text on every prepared row: leading zeros stay
    for letter in "EJN":
        assert ws[f"{letter}2"].number_format == "@"
        assert ws[f"{letter}{ROWS + 1}"].number_format == "@"
        assert ws.column_dimensions[letter].number_format == "@"  # rows typed beyond them
    assert ws["A2"].number_format == "yyyy-mm-dd"
    assert ws[f"M{ROWS + 1}"].number_format == "¥#,##0.00"
    assert ROWS >= 500 and ws.max_row == ROWS + 1  # header + the prepared rows, all empty
    assert all(c.value is None for row in ws.iter_rows(min_row=2) for c in row)


def test_drop_downs_and_rules(template):
    wb = openpyxl.load_workbook(template)
    rules = _validations(wb["成交登记"])
    for letter in "BCGHL":  # store, agent, gender, province, payment slot
        dv, coord = rules[letter]
        assert dv.type == "list" and coord == f"{letter}2:{letter}{ROWS + 1}"
    assert _list_values(wb, rules["B"][0].formula1) == ["星河家居旗舰店", "星河家居专营店"]
    assert _list_values(wb, rules["C"][0].formula1) == ["小美", "阿杰", "老陈"]
    assert _list_values(wb, rules["G"][0].formula1) == ["男", "女"]
    provinces = _list_values(wb, rules["H"][0].formula1)
    assert len(provinces) == len(set(provinces)) == 34
    for name in ("北京市", "内蒙古自治区", "新疆维吾尔自治区", "台湾省", "香港特别行政区",
                 "澳门特别行政区", "黑龙江省"):
        assert name in provinces
    slots = _list_values(wb, rules["L"][0].formula1)
    assert slots == [f"{h:02d}:00-{h + 1:02d}:00" for h in range(24)]
    # a new agent / store can be typed after a warning; gender, province, slot are refused
    assert rules["B"][0].errorStyle == rules["C"][0].errorStyle == "warning"
    assert {rules[c][0].errorStyle for c in "GHL"} == {"stop"}
    amount, coord = rules["M"]
    assert (amount.type, amount.operator, amount.formula1) == ("decimal", "greaterThanOrEqual",
                                                               "0")
    assert coord == f"M2:M{ROWS + 1}" and amount.showErrorMessage and "不小于 0" in amount.error
    date, _ = rules["A"]
    assert date.type == "date" and date.errorStyle == "stop" and date.showErrorMessage
    assert rules["N"][0].prompt.startswith("必填")


def test_without_names_store_and_agent_are_typed_with_a_note(tmp_path):
    wb = openpyxl.load_workbook(write_register_template(tmp_path / "r.xlsx"))
    rules = _validations(wb["成交登记"])
    for letter in "BC":
        dv, _ = rules[letter]
        assert dv.type is None and "--store" in dv.prompt
    assert rules["H"][0].type == "list"  # the fixed lists are still there
    assert "reg_store_list" not in wb.defined_names


def _fill(path, rows):
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    for i, row in enumerate(rows, start=2):
        for j, value in enumerate(row, start=1):
            ws.cell(i, j, value)
    out = path.with_name("filled_" + path.name)
    wb.save(out)
    return out


FILLED = [
    # written by openpyxl, which bypasses Excel's validation: row 4 has a negative amount and
    # an unknown gender (kept: gender is free text to the loader), row 5 a date that is not one
    [dt.date(2026, 11, 20), "星河家居旗舰店", "小美", "记忆枕", "0012345", "张三", "男", "浙江",
     "浙江省 杭州市 西湖区 文三路1号", "013800138000", "加急", "14:00-15:00", 199, "000123456789"],
    [dt.date(2026, 11, 20), "星河家居专营店", "阿杰", "床垫", "buyer2", "李四", "女", "上海市",
     "上海市 浦东新区 世纪大道2号", 13900000000, None, "23:00-24:00", 1299.5, "9001"],
    [dt.date(2026, 11, 21), "星河家居旗舰店", "小美", "枕套", "b3", "王五", "未知", "广东省",
     None, "13700000000", None, "09:00-10:00", -5, "9002"],
    ["明天", "星河家居旗舰店", "老陈", "枕套", "b4", "赵六", "男", "广东省", None, None, None,
     "09:00-10:00", 5, "9003"],
    [dt.date(2026, 11, 21), "星河家居旗舰店", "新人小王", "凉席", "b5", None, None, None, None,
     None, None, "9-10", 88, "9004"],
    # the date left empty: in a register that is a mistake, not an unpaid order
    [None, "星河家居旗舰店", "小美", "枕套", "b6", None, None, None, None, None, None,
     "10:00-11:00", 20, "9005"],
]


def test_filled_register_loads_as_orders_and_quarantines_the_bad_rows(template):
    frame, report = csops_lib.load(_fill(template, FILLED))
    assert report.table == "orders" and report.sheet == "成交登记"
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (6, 3, 3)
    q = report.quarantine.set_index("row")
    assert list(q.index) == [4, 5, 7]
    assert q.loc[7, "column"] == "paid_at" and "成交日期" in q.loc[7, "reason"]
    assert q.loc[4, "column"] == "amount" and "must be at least 0" in q.loc[4, "reason"]
    assert q.loc[5, "column"] == "paid_at" and "明天" in q.loc[5, "reason"]

    got = frame.set_index("order_id")
    assert list(got.index) == ["000123456789", "9001", "9004"]  # leading zeros kept
    # 成交日期 + 付款时间段 → the slot's last second, so the hour metrics see the slot
    assert got.loc["000123456789", "paid_at"] == pd.Timestamp("2026-11-20 14:59:59")
    assert got.loc["9001", "paid_at"] == pd.Timestamp("2026-11-20 23:59:59")
    assert got.loc["9004", "paid_at"] == pd.Timestamp("2026-11-21 09:59:59")
    assert got.loc["9004", "pay_slot"] == "09:00-10:00"  # "9-10" written canonically
    assert list(got["amount"]) == [199.0, 1299.5, 88.0]
    first = got.loc["000123456789"]
    assert (first["customer_id"], first["phone"]) == ("0012345", "013800138000")
    assert (first["store"], first["agent"], first["product"]) == ("星河家居旗舰店", "小美", "记忆枕")
    assert (first["customer_name"], first["gender"], first["note"]) == ("张三", "男", "加急")
    assert (first["province"], first["city"]) == ("浙江省", "杭州市")
    assert got.loc["9001", "phone"] == "13900000000"  # a number typed into a text cell
    assert got.loc["9004", "agent"] == "新人小王"  # a name off the list, kept after the warning
    assert set(got["status"]) == {"paid"}


def test_a_full_time_is_kept_and_an_unreadable_slot_leaves_the_day(tmp_path):
    path = write_register_template(tmp_path / "r.xlsx")
    rows = [[dt.datetime(2026, 11, 20, 14, 35), None, None, None, "c1", None, None, None, None,
             None, None, "14:00-15:00", 10, "1"],
            [dt.date(2026, 11, 20), None, None, None, "c2", None, None, None, None, None, None,
             "下午", 10, "2"]]
    frame, report = csops_lib.load(_fill(path, rows))
    got = frame.set_index("order_id")
    assert got.loc["1", "paid_at"] == pd.Timestamp("2026-11-20 14:35")
    assert got.loc["2", "paid_at"] == pd.Timestamp("2026-11-20")
    assert got.loc["2", "pay_slot"] == "下午"


def test_english_template_loads_too(tmp_path):
    path = write_register_template(tmp_path / "deal_register.xlsx", names=NAMES, lang="en")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Deal register", "Drop-down lists"]
    assert [c.value for c in wb.worksheets[0][1]] == EN_HEADERS
    frame, report = csops_lib.load(_fill(path, FILLED[:1]))
    assert report.table == "orders" and set(report.column_map) == set(EN_HEADERS)
    assert frame.loc[0, "paid_at"] == pd.Timestamp("2026-11-20 14:59:59")


def test_cli_template_ingest_and_names_from_the_store(tmp_path):
    out = _run("register-template", "--out", str(tmp_path / "成交登记.xlsx"))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("成交登记.xlsx") and "--store" in out.stderr
    filled = _fill(tmp_path / "成交登记.xlsx", FILLED)
    roster = tmp_path / "roster.csv"
    roster.write_text("客服,组别\n小美,A组\n阿杰,B组\n", encoding="utf-8")
    folder = tmp_path / "store"

    out = _run("ingest", str(filled), str(roster), "--store", str(folder))
    assert out.returncode == 0, out.stderr
    orders = store.read(folder, "orders").set_index("order_id")
    assert sorted(orders.index) == ["000123456789", "9001", "9004"]
    assert orders.loc["9001", "amount"] == 1299.5
    assert orders.loc["000123456789", "paid_at"] == pd.Timestamp("2026-11-20 14:59:59")

    names = store_names(folder)
    assert names.stores == ("星河家居专营店", "星河家居旗舰店")
    assert names.agents == ("小美", "阿杰")  # the roster, not the orders' agents
    out = _run("register-template", "--store", str(folder), "--out", str(tmp_path / "2.xlsx"))
    assert out.returncode == 0 and "2 store(s), 2 agent(s)" in out.stderr
    wb = openpyxl.load_workbook(tmp_path / "2.xlsx")
    assert _list_values(wb, "reg_agent_list") == ["小美", "阿杰"]


def test_cli_errors_are_one_line(tmp_path):
    out = _run("register-template", "--store", str(tmp_path / "nope"),
               "--out", str(tmp_path / "x.xlsx"))
    assert out.returncode == 1 and out.stderr.startswith("error:") and "nope" in out.stderr
    assert not (tmp_path / "x.xlsx").exists()
    out = _run("register-template", "--out", str(tmp_path / "x.csv"))
    assert out.returncode == 2 and ".xlsx" in out.stderr
