"""Formula injection (OWASP CSV injection): every workbook and CSV csops writes keeps text that
starts with ``=``, ``+``, ``-``, ``@`` (or a tab / carriage return) as text, never a formula.

Workbooks: openpyxl reads such a cell back as the same string with data type ``s`` (a formula
would be ``f``) and the sheet XML has no ``<f>`` element. CSV: such a cell starts with ``'``.
Numbers, negative ones included, stay numbers in both.
"""
from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from csops_lib.cli import main
from csops_lib.render import excel, tables_out
from csops_lib.render.call_sheet import write_call_sheet

PAYLOADS = ["=1+1", "=cmd|' /C calc'!A0", "+1", "@SUM(A1)", "-2+3", "=HYPERLINK(\"x\")",
            "\t=1+1"]
DAY = "2026-11-02"


def cells(path: Path) -> list[openpyxl.cell.cell.Cell]:
    """Every non-empty cell of every sheet."""
    book = openpyxl.load_workbook(path)
    return [c for ws in book.worksheets for row in ws.iter_rows() for c in row
            if c.value is not None]


def assert_text_cells(path: Path, payloads: list[str]) -> None:
    """Each payload is in the workbook as a text cell, and no cell is a formula."""
    found = {c.value: c.data_type for c in cells(path)}
    for payload in payloads:
        assert found.get(payload) == "s", (payload, found.get(payload))
    assert "f" not in found.values()
    with zipfile.ZipFile(path) as z:  # nothing in the file is a formula either
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name


def csv_rows(path_or_text) -> list[list[str]]:
    text = (path_or_text.read_text(encoding="utf-8-sig") if isinstance(path_or_text, Path)
            else path_or_text)
    return list(csv.reader(io.StringIO(text)))


def frame() -> pd.DataFrame:
    return pd.DataFrame({
        "agent": pd.Series(PAYLOADS, dtype="str"),
        "sales": [-1.5, 2.0, -3.0, 4.0, -5.25, 6.0, 7.0],
        "orders": pd.array([1, -2, 3, 4, 5, 6, 7], dtype="Int64"),
    })


# --------------------------------------------------------------------------- writers


def test_write_workbook_keeps_payloads_as_text_and_numbers_as_numbers(tmp_path):
    df = frame()
    df["=SUM(B:B)"] = "x"  # a header from data
    path = excel.write_workbook(tmp_path / "w.xlsx", {"=1+1": df}, title="@title")
    assert_text_cells(path, [*PAYLOADS, "=SUM(B:B)", "@title"])
    ws = openpyxl.load_workbook(path).worksheets[0]
    numbers = [ws.cell(row=r, column=2) for r in range(3, 3 + len(df))]
    assert [c.value for c in numbers] == [-1.5, 2, -3, 4, -5.25, 6, 7]
    assert {c.data_type for c in numbers} == {"n"}
    assert ws.cell(row=4, column=3).value == -2


def test_write_table_csv_prefixes_payloads_and_leaves_numbers(tmp_path):
    path = tmp_path / "t.csv"
    tables_out.write_table(frame(), path)
    rows = csv_rows(path)
    assert rows[0] == ["agent", "sales", "orders"]
    assert [r[0] for r in rows[1:]] == ["'" + p for p in PAYLOADS]
    assert [r[1] for r in rows[1:]] == ["-1.5", "2.0", "-3.0", "4.0", "-5.25", "6.0", "7.0"]
    assert rows[2][2] == "-2"
    stream = io.StringIO()
    tables_out.write_table(frame(), None, stream)  # the stdout CSV too
    assert [r[0] for r in csv_rows(stream.getvalue())[1:]] == ["'" + p for p in PAYLOADS]


def test_csv_guard_leaves_plain_text_and_missing_values():
    df = pd.DataFrame({"a": pd.Series(["ok", None, "a=b", "1-2", "'=x"], dtype="str"),
                       "=h": [1, 2, 3, 4, 5],
                       "cat": pd.Categorical(["=1+1", "b", "b", "-1", "c"])})
    out = tables_out.csv_safe(df)
    assert out.columns.tolist() == ["a", "'=h", "cat"]
    assert out["cat"].tolist() == ["'=1+1", "b", "b", "'-1", "c"]  # categoricals too
    assert out["a"].tolist()[0] == "ok" and pd.isna(out["a"].tolist()[1])
    assert out["a"].tolist()[2:] == ["a=b", "1-2", "'=x"]
    assert out["'=h"].tolist() == [1, 2, 3, 4, 5]


def test_write_table_xlsx(tmp_path):
    path = tmp_path / "t.xlsx"
    tables_out.write_table(frame(), path)
    assert_text_cells(path, PAYLOADS)
    back = pd.read_excel(path, engine="calamine")
    assert back["agent"].tolist() == PAYLOADS
    assert back["sales"].tolist() == [-1.5, 2.0, -3.0, 4.0, -5.25, 6.0, 7.0]


def test_call_sheet(tmp_path):
    plan = pd.DataFrame({
        "date": pd.to_datetime([DAY] * 3), "agent": ["=1+1", "=1+1", "-2+3"],
        "order_id": ["=cmd|' /C calc'!A0", "2", "3"], "customer_id": ["+1", "c2", "c3"],
        "customer_name": ["@SUM(A1)", "n2", "n3"], "phone": ["13800000000"] * 3,
        "product": ["p", "p", "p"], "amount": [-1.0, 2.0, 3.0],
        "paid_at": pd.to_datetime([f"{DAY} 10:00"] * 3), "result": [None] * 3,
        "notes": ["=HYPERLINK(\"x\")", None, None]})
    path = write_call_sheet(plan, tmp_path / "calls.xlsx")
    assert_text_cells(path, ["=1+1", "-2+3", "=cmd|' /C calc'!A0", "+1", "@SUM(A1)",
                             "=HYPERLINK(\"x\")"])
    assert -1.0 in [c.value for c in cells(path)]


# --------------------------------------------------------------------------- commands


@pytest.fixture
def exports(tmp_path):
    """A chat log where every agent is a formula payload (each answers one customer) and the
    customers' orders."""
    chats, orders = [], []
    for i, agent in enumerate(PAYLOADS[:5]):
        chats += [(f"{DAY} 10:0{i}:00", agent, f"c{i}", "买家"),
                  (f"{DAY} 10:0{i}:30", agent, f"c{i}", "客服")]
        orders.append((f"10{i}", f"c{i}", 10.0 + i, f"{DAY} 11:00:00"))
    chat_file = tmp_path / "聊天记录.csv"
    pd.DataFrame(chats, columns=["消息时间", "客服", "买家", "发送方角色"]).to_csv(
        chat_file, index=False, encoding="utf-8-sig")
    order_file = tmp_path / "订单.csv"
    pd.DataFrame(orders, columns=["订单编号", "买家会员名", "买家实际支付金额",
                                  "订单付款时间"]).to_csv(order_file, index=False)
    return chat_file, order_file


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_csops_kpis_out(exports, tmp_path, suffix):
    chats, orders = exports
    out = tmp_path / f"k{suffix}"
    assert main(["kpis", "--chats", str(chats), "--orders", str(orders), "--out", str(out)]) == 0
    if suffix == ".xlsx":
        assert_text_cells(out, PAYLOADS[:5])
        assert sorted(pd.read_excel(out, engine="calamine")["agent"]) == sorted(PAYLOADS[:5])
    else:
        rows = csv_rows(out)
        agent = rows[0].index("agent")
        assert sorted(r[agent] for r in rows[1:]) == sorted("'" + p for p in PAYLOADS[:5])


def test_csops_funnel_and_validate_quarantine(tmp_path, capsys):
    tally = tmp_path / "agent_daily_2026-11-02.csv"
    pd.DataFrame([("=1+1", 10, 2), ("@SUM(A1)", 5, 9), ("-2+3", 4, 1)],
                 columns=["负责人", "总接待人数", "静默下单"]).to_csv(tally, index=False)
    out, quarantine = tmp_path / "f.csv", tmp_path / "q.csv"
    assert main(["funnel", str(tally), "--out", str(out), "--quarantine-out",
                 str(quarantine)]) == 0
    rows = csv_rows(out)
    agent = rows[0].index("agent")
    assert sorted(r[agent] for r in rows[1:]) == ["'-2+3", "'=1+1"]
    # 5 received − 9 silent < 0: quarantined, its raw value guarded in the quarantine CSV
    assert [r[3] for r in csv_rows(quarantine)[1:]] == ["5"]

    orders = tmp_path / "orders.csv"
    pd.DataFrame([("1", f"{DAY} 10:00", "=1+1"), ("2", f"{DAY} 10:00", "-5")],
                 columns=["订单编号", "订单付款时间", "买家实际支付金额"]).to_csv(orders, index=False)
    q2 = tmp_path / "q2.csv"
    assert main(["validate", str(orders), "--quarantine-out", str(q2)]) == 0
    values = [r[3] for r in csv_rows(q2)[1:]]
    assert values == ["'=1+1", "'-5"]
    capsys.readouterr()
