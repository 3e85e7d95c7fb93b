"""csops_lib.render.excel: formatted, atomic workbooks."""
import datetime as dt

import numpy as np
import openpyxl
import pandas as pd
import pytest

from csops_lib.render import excel
from csops_lib.render.excel import (
    NUMBER_FORMATS,
    column_kind,
    display_width,
    sheet_names,
    write_workbook,
)


@pytest.fixture
def frame():
    return pd.DataFrame({
        "agent": pd.Series(["小美", "Bob", np.nan], dtype="str"),
        "sales": [1234.5, np.nan, 3.0],
        "reply_rate": [0.5, 0.25, np.nan],
        "first_response_s": [12.34, 5.5, np.nan],
        "orders": pd.array([3, pd.NA, 5], dtype="Int64"),
        "date": pd.to_datetime(["2026-05-01", None, "2026-05-03"]),
        "paid_at": pd.to_datetime(["2026-05-01 10:05", "2026-05-02 11:00", None]),
        "agreed": pd.array([True, pd.NA, False], dtype="boolean"),
        "order_id": pd.Series(["0012345678901234567", "=1+1", "x"], dtype="str"),
    })


def _cells(ws, letter):
    return [ws[f"{letter}{r}"] for r in range(2, ws.max_row + 1)]


def test_number_formats_values_and_layout(tmp_path, frame):
    path = write_workbook(tmp_path / "r.xlsx", {"agents": frame})
    ws = openpyxl.load_workbook(path)["agents"]
    assert [c.value for c in ws[1]] == list(frame.columns)
    expected = {"B": "money", "C": "rate", "D": "seconds", "E": "count", "F": "date",
                "G": "datetime"}
    for letter, kind in expected.items():
        cells = _cells(ws, letter)
        filled = [c for c in cells if c.value is not None]
        assert filled, letter
        assert {c.number_format for c in filled} == {NUMBER_FORMATS[kind]}, letter
    assert NUMBER_FORMATS["money"] == "¥#,##0.00" and NUMBER_FORMATS["rate"] == "0.0%"
    # NaN, <NA>, NaT → empty cells
    assert ws["B3"].value is None and ws["C4"].value is None and ws["E3"].value is None
    assert ws["F3"].value is None and ws["G4"].value is None and ws["A4"].value is None
    assert ws["E2"].value == 3 and ws["B2"].value == 1234.5
    assert ws["F2"].value == dt.datetime(2026, 5, 1)
    assert ws["G2"].value == dt.datetime(2026, 5, 1, 10, 5)
    assert ws["A2"].value == "小美" and ws["A2"].number_format == "@"
    assert [ws["H2"].value, ws["H3"].value, ws["H4"].value] == ["是", None, "否"]
    # ids keep their digits and leading zeros; '=' text is never a formula
    assert ws["I2"].value == "0012345678901234567" and ws["I2"].data_type == "s"
    assert ws["I3"].value == "=1+1" and ws["I3"].data_type == "s"
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:I4"
    assert all(c.font.b for c in ws[1])
    assert ws["A1"].fill.fgColor.rgb.endswith("DDEBF7")
    assert ws["A2"].font.b is not True


def test_title_row_moves_header_and_panes(tmp_path, frame):
    path = write_workbook(tmp_path / "r.xlsx", {"s": frame}, title="客服日报 2026-05-05")
    ws = openpyxl.load_workbook(path)["s"]
    assert ws["A1"].value == "客服日报 2026-05-05" and ws["A1"].font.b
    assert ws["A2"].value == "agent" and ws["A2"].font.b
    assert ws.freeze_panes == "A3"
    assert ws.auto_filter.ref == "A2:I5"
    assert ws["B3"].number_format == NUMBER_FORMATS["money"]


def test_cjk_column_wider_than_ascii_of_same_length(tmp_path):
    df = pd.DataFrame({"a": ["星河家居旗舰店" * 2], "b": ["abcdefghijklmn"]})
    assert len(df.at[0, "a"]) == len(df.at[0, "b"])
    ws = openpyxl.load_workbook(write_workbook(tmp_path / "w.xlsx", {"s": df}))["s"]
    assert ws.column_dimensions["A"].width > ws.column_dimensions["B"].width
    assert display_width("小美ab") == 6
    long = pd.DataFrame({"x": ["字" * 200]})
    ws = openpyxl.load_workbook(write_workbook(tmp_path / "l.xlsx", {"s": long}))["s"]
    assert ws.column_dimensions["A"].width == excel.MAX_WIDTH


def test_sheet_names_sanitised_and_unique(tmp_path):
    names = ["a/b", "a:b", "A*B", "[x]", "", "y" * 40, "y" * 40, "History"]
    clean = sheet_names(names)
    assert clean[:3] == ["a_b", "a_b (2)", "A_B (3)"]
    assert clean[3] == "_x_" and clean[4] == "Sheet"
    assert clean[5] == "y" * 31 and clean[6] == "y" * 27 + " (2)"
    assert clean[7] == "History_"
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\") for n in clean)
    assert len({n.lower() for n in clean}) == len(clean)
    frames = {n: pd.DataFrame({"v": [i]}) for i, n in enumerate(["a/b", "a?b", "A_B"])}
    wb = openpyxl.load_workbook(write_workbook(tmp_path / "s.xlsx", frames))
    assert wb.sheetnames == ["a_b", "a_b (2)", "A_B (3)"]
    assert [wb[n]["A2"].value for n in wb.sheetnames] == [0, 1, 2]


@pytest.mark.parametrize(("name", "dtype", "kind"), [
    ("sales", None, "money"), ("aov", None, "money"), ("refund_amount", None, "money"),
    ("unit_price", None, "money"), ("agent_sales", "float64", "money"),
    ("reply_rate", None, "rate"), ("inquiry_conversion", None, "rate"), ("share", None, "rate"),
    ("first_response_s", None, "seconds"), ("date", None, "date"), ("hired_on", None, "date"),
    ("paid_at", None, "datetime"), ("orders", "Int64", "count"), ("orders", "int64", "count"),
    ("items_per_buyer", "float64", "number"), ("agent", "str", "text"),
    ("销售额(元)", "float64", "money"), ("询单转化率", "float64", "rate"),
    ("首次响应(秒)", "float64", "seconds"), ("回访日期", None, "date"),
    ("客件数", "float64", "number"), ("订单数", "Int64", "count"),
])
def test_column_kind(name, dtype, kind):
    assert column_kind(name, dtype) == kind


def test_kinds_map_for_chinese_labels(tmp_path):
    df = pd.DataFrame({"成交额": [10.0], "满意占比": [0.5], "等待": [30.0]})
    assert column_kind("成交额", "float64") == "number"
    assert column_kind("成交额", kinds={"成交额": "money"}) == "money"
    with pytest.raises(ValueError, match="unknown kind"):
        column_kind("x", kinds={"x": "percent"})
    path = write_workbook(tmp_path / "k.xlsx", {"s": df}, kinds={"成交额": "money", "等待": "seconds"},
                          formats={"满意占比": "0.00%"})
    ws = openpyxl.load_workbook(path)["s"]
    assert [ws["A2"].number_format, ws["B2"].number_format, ws["C2"].number_format] == [
        "¥#,##0.00", "0.00%", "0.0"]


def test_a_kind_never_formats_a_value_of_another_type(tmp_path):
    df = pd.DataFrame({"date": ["not a date", None], "sales": ["n/a", 5.0]})
    ws = openpyxl.load_workbook(write_workbook(tmp_path / "m.xlsx", {"s": df}))["s"]
    assert ws["A2"].value == "not a date" and ws["A2"].number_format == "General"
    assert ws["B2"].number_format == "General" and ws["B3"].number_format == "¥#,##0.00"


def test_empty_frame_and_no_sheets(tmp_path):
    path = write_workbook(tmp_path / "e.xlsx", {"empty": pd.DataFrame({"a": [], "sales": []})})
    ws = openpyxl.load_workbook(path)["empty"]
    assert [c.value for c in ws[1]] == ["a", "sales"] and ws.max_row == 1
    assert ws.auto_filter.ref == "A1:B1"
    with pytest.raises(ValueError):
        write_workbook(tmp_path / "none.xlsx", {})


def test_atomic_write_leaves_no_temp_file(tmp_path, frame):
    path = tmp_path / "out" / "r.xlsx"
    write_workbook(path, {"s": frame})
    write_workbook(path, {"t": frame.head(1)})
    assert sorted(p.name for p in path.parent.iterdir()) == ["r.xlsx"]
    assert openpyxl.load_workbook(path).sheetnames == ["t"]


def test_failure_mid_write_keeps_old_file(tmp_path, frame, monkeypatch):
    path = write_workbook(tmp_path / "r.xlsx", {"s": frame})
    before = path.read_bytes()

    def broken_save(self, filename):
        with open(filename, "wb") as fh:
            fh.write(b"PK\x03\x04 half a zip")
        raise OSError("disk full")

    monkeypatch.setattr(openpyxl.Workbook, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        write_workbook(path, {"new": frame})
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["r.xlsx"]


def test_workbook_gets_the_usual_file_permissions(tmp_path):
    import os
    import stat

    import pandas as pd

    from csops_lib.render.excel import write_workbook

    umask = os.umask(0o022)
    try:
        path = write_workbook(tmp_path / "r.xlsx", {"a": pd.DataFrame({"x": [1]})})
    finally:
        os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # not mkstemp's 0600
