"""Callbacks end to end: plan from the store, fill the sheet, ingest it back, idempotently."""
import shutil

import openpyxl
import pandas as pd

from csops_lib import store
from csops_lib.cli import main
from csops_lib.loaders.call_sheets import OUTCOMES
from csops_lib.render.call_sheet import make_call_sheet


def test_call_sheet_round_trip_through_the_store(demo_store, tmp_path, capsys):
    root = tmp_path / "store"
    shutil.copytree(demo_store["store"], root)
    before = store.read(root, "callbacks")
    assert main(["callbacks", "--date", "2026-11-20", "--data-dir", str(root)]) == 0
    out = capsys.readouterr()
    path = tmp_path / "sheet.xlsx"
    shutil.copy(out.out.strip().splitlines()[-1], path)

    # independent count of the plan: deals paid on 2026-11-16 (lag 4), one per customer,
    # capacity = presale/both agents hired by the day × 3
    orders = store.read(root, "orders")
    roster = store.read(root, "roster")
    deals = orders[(orders["paid_at"].dt.normalize() == "2026-11-16")
                   & ~orders["status"].isin(["closed", "refunded", "unpaid"])]
    deals = deals[~deals["order_id"].isin(before["order_id"])] if len(before) else deals
    callers = roster[roster["role"].isin(["presale", "both"])
                     & (roster["hired_on"].isna() | (roster["hired_on"] <= "2026-11-20"))]
    expected = min(deals["customer_id"].nunique(), 3 * len(callers))
    wb = openpyxl.load_workbook(path)
    # the calls, then blank rows for additions (no order number) on each agent's sheet
    rows = sum(sum(1 for c in ws["C"][1:] if c.value is not None) for ws in wb.worksheets)
    assert rows == expected > 0
    assert f"{expected} calls for {len(callers)} agents" in out.err

    # an agent fills in two results and saves; the supervisor ingests the workbook
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    col = header.index("回访结果") + 1
    ws.cell(row=2, column=col, value=OUTCOMES[0])
    ws.cell(row=3, column=col, value=OUTCOMES[2])
    called_orders = {ws.cell(row=r, column=header.index("订单编号") + 1).value for r in (2, 3)}
    wb.save(path)
    assert main(["ingest", str(path), "--store", str(root)]) == 0
    callbacks = store.read(root, "callbacks")
    new = callbacks[callbacks["order_id"].isin(called_orders)]
    assert sorted(new["result"]) == sorted([OUTCOMES[0], OUTCOMES[2]])
    assert len(callbacks) == len(before) + rows  # every planned call is in the table
    assert "13" not in "".join(callbacks.columns)  # no phone column leaks into the store
    assert "phone" not in callbacks.columns

    # ingesting the same sheet again changes nothing; the next day's plan skips these orders
    snapshot = {p: p.read_bytes() for p in root.rglob("*.parquet")}
    assert main(["ingest", str(path), "--store", str(root)]) == 0
    assert {p: p.read_bytes() for p in root.rglob("*.parquet")} == snapshot
    # a later plan over the same deal day (lag 5 on 11-21 → deals of 11-16) skips every order
    # planned on 11-20, called or not yet
    sheet_orders = {ws.cell(row=r, column=header.index("订单编号") + 1).value
                    for ws in wb.worksheets for r in range(2, ws.max_row + 1)} - {None}
    _, plan = make_call_sheet(root, "2026-11-21", out_root=tmp_path / "out", lag_days=5)
    assert len(plan) > 0 and not set(plan["order_id"]) & sheet_orders
    assert pd.Timestamp(plan["date"].iloc[0]) == pd.Timestamp("2026-11-21")
