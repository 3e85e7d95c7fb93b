"""csops_lib.reports.callbacks: call plan, call sheet round trip, result summary."""
import math

import numpy as np
import openpyxl
import pandas as pd
import pytest

from csops_lib import store
from csops_lib.loaders.call_sheets import OUTCOMES, PLAN_COLUMNS, SHEET_HEADERS, load_call_sheets
from csops_lib.loaders.core import load
from csops_lib.metrics.callbacks import callback_summary
from csops_lib.render.call_sheet import BLANK_ROWS, NOTES_WIDTH, write_call_sheet
from csops_lib.reports.callbacks import call_plan

DAY = pd.Timestamp("2026-05-05")
DEAL_DAY = "2026-05-01"


def make_orders(n: int, day: str = DEAL_DAY, prefix: str = "A") -> pd.DataFrame:
    """n paid deals on `day`, one customer each, phones with a leading 1 and 11 digits."""
    return pd.DataFrame({
        "order_id": [f"{prefix}{i:018d}" for i in range(n)],
        "paid_at": pd.to_datetime([f"{day} {8 + i % 12:02d}:{i % 60:02d}" for i in range(n)]),
        "amount": [100.0 + i for i in range(n)],
        "customer_id": [f"tb_{prefix}{i}" for i in range(n)],
        "customer_name": [f"买家{i}" for i in range(n)],
        "phone": [f"138{i:08d}" for i in range(n)],
        "product": ["记忆棉护颈枕"] * n,
        "status": ["paid"] * n,
    }).astype({c: "str" for c in ("order_id", "customer_id", "customer_name", "phone",
                                   "product", "status")})


@pytest.fixture
def roster():
    return pd.DataFrame({
        "agent": ["小美", "阿杰", "老陈", "阿芳", "新人"],
        "role": ["presale", "presale", "both", "after_sales", "presale"],
        "hired_on": pd.to_datetime(["2025-01-01", "2025-06-01", "2023-10-29", "2024-01-01",
                                    "2026-05-06"]),
    })


ON_DUTY = {"小美", "阿杰", "老陈"}


def test_plan_takes_only_deals_of_date_minus_lag(roster):
    orders = pd.concat([
        make_orders(5, "2026-05-01", "A"), make_orders(4, "2026-04-30", "B"),
        make_orders(4, "2026-05-02", "C"), make_orders(3, "2026-05-05", "D"),
    ], ignore_index=True)
    plan = call_plan(orders, roster, "2026-05-05")
    assert list(plan.columns) == list(PLAN_COLUMNS)
    assert len(plan) == 5
    assert plan["order_id"].str.startswith("A").all()
    assert (plan["paid_at"].dt.normalize() == pd.Timestamp(DEAL_DAY)).all()
    assert (plan["date"] == DAY).all()
    assert plan["result"].isna().all() and plan["notes"].isna().all()
    assert call_plan(orders, roster, "2026-05-05", lag_days=2).empty  # nothing paid 05-03
    assert set(call_plan(orders, roster, "2026-05-05", lag_days=3)["order_id"].str[0]) == {"C"}
    assert set(call_plan(orders, roster, "2026-05-04")["order_id"].str[0]) == {"B"}
    assert set(call_plan(orders, roster, "2026-05-05", lag_days=0)["order_id"].str[0]) == {"D"}


@pytest.mark.parametrize(("n", "counts"), [(11, [3, 3, 3]), (9, [3, 3, 3]), (7, [2, 2, 3]),
                                           (2, [0, 1, 1]), (0, [0, 0, 0])])
def test_even_split_capped_per_agent(roster, n, counts):
    plan = call_plan(make_orders(n), roster, DAY)
    assert len(plan) == min(n, 9)
    per_agent = plan["agent"].value_counts().reindex(sorted(ON_DUTY), fill_value=0)
    assert sorted(per_agent) == counts
    assert per_agent.max() - per_agent.min() <= 1
    assert set(plan["agent"]) <= ON_DUTY
    assert plan["order_id"].is_unique


def test_calls_per_agent_and_lag_parameters(roster):
    plan = call_plan(make_orders(20), roster, DAY, calls_per_agent=5)
    assert len(plan) == 15 and set(plan["agent"].value_counts()) == {5}
    assert call_plan(make_orders(20), roster, DAY, calls_per_agent=0).empty


def test_deterministic_and_seeded(roster):
    orders = make_orders(11)
    a = call_plan(orders, roster, DAY)
    b = call_plan(orders.sample(frac=1, random_state=3), roster.iloc[::-1], DAY)
    pd.testing.assert_frame_equal(a, b)

    def pairs(plan):
        return set(zip(plan["agent"], plan["order_id"], strict=True))

    other = [pairs(call_plan(orders, roster, DAY, seed=s)) for s in (1, 2, 3)]
    assert any(p != pairs(a) for p in other)
    selected = [set(call_plan(orders, roster, DAY, seed=s)["order_id"]) for s in (0, 1, 2, 3)]
    assert len({frozenset(s) for s in selected}) > 1  # the seed changes which 9 of 11 are called


def test_closed_refunded_unpaid_and_called_excluded(roster):
    orders = make_orders(8)
    orders.loc[0, "status"] = "closed"
    orders.loc[1, "status"] = "refunded"
    orders.loc[2, "paid_at"] = pd.NaT
    orders.loc[3, "status"] = np.nan  # unknown status: a deal
    called = pd.DataFrame({"date": [pd.Timestamp("2026-05-04")],
                           "order_id": [orders.at[4, "order_id"]], "result": ["未接通"]})
    plan = call_plan(orders, roster, DAY, exclude_called=called)
    assert set(plan["order_id"]) == set(orders["order_id"].iloc[[3, 5, 6, 7]])
    # the day's own (ingested) plan does not exclude itself: a re-run gives the same plan
    again = call_plan(orders, roster, DAY, exclude_called=pd.concat([called, plan]))
    pd.testing.assert_frame_equal(again, plan)


def test_one_call_per_customer_largest_order(roster):
    orders = make_orders(4)
    orders.loc[1, "customer_id"] = orders.at[0, "customer_id"]
    orders.loc[1, "amount"] = 999.0
    orders.loc[2, "customer_id"] = np.nan
    orders.loc[3, "customer_id"] = np.nan
    plan = call_plan(orders, roster, DAY)
    assert set(plan["order_id"]) == set(orders["order_id"].iloc[[1, 2, 3]])


def test_agents_on_duty_presale_or_both_and_hired(roster):
    plan = call_plan(make_orders(30), roster, DAY)
    assert set(plan["agent"]) == ON_DUTY  # not 阿芳 (after_sales), not 新人 (hired 05-06)
    later = call_plan(make_orders(30, "2026-05-03"), roster, "2026-05-07")
    assert "新人" in set(later["agent"]) and "阿芳" not in set(later["agent"])
    nobody = roster[roster["role"] == "after_sales"]
    assert call_plan(make_orders(5), nobody, DAY).empty
    with pytest.raises(ValueError, match="paid_at"):
        call_plan(make_orders(3).drop(columns="paid_at"), roster, DAY)


@pytest.fixture
def sheet(tmp_path, roster):
    orders = make_orders(7)
    orders.loc[0, "phone"] = "01087654321"  # a landline with a leading zero
    plan = call_plan(orders, roster, DAY)
    path = write_call_sheet(plan, tmp_path / "回访_2026-05-05.xlsx")
    return plan, orders, path


def test_call_sheet_layout(sheet):
    plan, orders, path = sheet
    wb = openpyxl.load_workbook(path)
    assert sorted(wb.sheetnames) == sorted(ON_DUTY)
    headers = SHEET_HEADERS["zh"]
    phones = dict(zip(orders["order_id"], orders["phone"], strict=True))
    for name in wb.sheetnames:
        ws = wb[name]
        cols = {c.value: c.column_letter for c in ws[1]}
        assert list(cols) == [headers[c] for c in PLAN_COLUMNS]
        assert ws.freeze_panes == "A2" and all(c.font.b for c in ws[1])
        n = int((plan["agent"] == name).sum())
        rows = range(2, n + 2)
        assert [c.value for c in ws[cols["订单编号"]]][1:n + 1] == \
            plan.loc[plan["agent"] == name, "order_id"].tolist()
        for r in rows:
            oid = ws[f"{cols['订单编号']}{r}"]
            phone = ws[f"{cols['联系手机']}{r}"]
            assert oid.data_type == "s" and oid.number_format == "@"
            assert phone.data_type == "s" and phone.number_format == "@"
            assert phone.value == phones[oid.value]
            assert ws[f"{cols['回访人']}{r}"].value == name
            assert ws[f"{cols['实付金额']}{r}"].number_format == "¥#,##0.00"
        # the blank rows for additions: empty, formatted (a typed-in order number stays
        # text), inside the drop-down and the autofilter
        assert BLANK_ROWS == 20 and ws.max_row == 1 + n + BLANK_ROWS
        blank = range(n + 2, n + 2 + BLANK_ROWS)
        assert all(ws.cell(row=r, column=c).value is None for r in blank
                   for c in range(1, ws.max_column + 1))
        assert all(ws[f"{cols['订单编号']}{r}"].number_format == "@" for r in blank)
        assert all(ws[f"{cols['回访日期']}{r}"].number_format == "yyyy-mm-dd" for r in blank)
        [dv] = ws.data_validations.dataValidation
        assert dv.type == "list"
        assert dv.formula1.strip('"').split(",") == list(OUTCOMES)
        letter = cols["回访结果"]
        assert str(dv.sqref) == f"{letter}2:{letter}{n + 1 + BLANK_ROWS}"
        assert ws.column_dimensions[letter].width >= 13 + 2  # "已接通-有问题" shows whole
        assert ws.auto_filter.ref == f"A1:K{n + 1 + BLANK_ROWS}"
        # the notes column is wide enough to write a sentence in, and wraps
        notes = cols["回访备注"]
        assert NOTES_WIDTH == 40 and ws.column_dimensions[notes].width >= 40
        assert all(ws[f"{notes}{r}"].alignment.wrap_text for r in range(2, n + 2 + BLANK_ROWS))
    assert "01087654321" in {c.value for ws in wb for c in ws["F"]}
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_call_sheet_is_guessed_as_callbacks_not_orders(sheet, tmp_path):
    plan, _, path = sheet
    frame, report = load(path)  # what `csops ingest` does: no table given
    assert report.table == "callbacks"
    en = write_call_sheet(plan, tmp_path / "en.xlsx", lang="en")
    assert load(en)[1].table == "callbacks"


def test_filled_sheet_loads_back(sheet):
    plan, _, path = sheet
    wb = openpyxl.load_workbook(path)
    filled = {}
    for name, result in zip(sorted(wb.sheetnames), ("已接通-满意", "未接通", "已接通-有问题"),
                            strict=True):
        ws = wb[name]
        ws["J2"] = result
        ws["K2"] = "客户反馈良好" if result == "已接通-满意" else None
        filled[ws["C2"].value] = result
    wb.save(path)

    cb, reports = load_call_sheets(path)
    assert list(cb.columns) == ["date", "agent", "order_id", "customer_id", "result", "notes"]
    assert len(cb) == len(plan)
    assert sum(r.rows_read for r in reports) == len(plan)
    for r in reports:
        assert r.table == "callbacks" and r.rows_read == r.rows_loaded + r.rows_quarantined
    assert len(cb) == sum(r.rows_loaded for r in reports)
    assert (cb["date"] == DAY).all()
    assert set(cb["order_id"]) == set(plan["order_id"])
    got = cb.dropna(subset=["result"]).set_index("order_id")["result"].to_dict()
    assert got == filled
    assert cb["result"].isna().sum() == len(plan) - 3  # not called yet: kept, result empty
    merged = cb.merge(plan[["order_id", "agent", "customer_id"]], on="order_id")
    assert (merged["agent_x"] == merged["agent_y"]).all()
    assert (merged["customer_id_x"] == merged["customer_id_y"]).all()

    extra, _ = load_call_sheets(path, keep_extra=True)
    assert {"phone", "customer_name", "product", "amount", "paid_at"} <= set(extra.columns)
    assert set(extra["phone"]) == set(plan["phone"])

    summary = callback_summary(cb, by=())
    assert summary.loc[0, ["planned", "called", "reached", "satisfied", "problems"]].tolist() == [
        7, 3, 2, 1, 1]


def test_a_call_added_in_a_blank_row_loads_back(sheet):
    """An agent adds a call (a customer who called back) in a blank row: the drop-down is
    there, and the row loads as a callback on that agent's sheet; untouched blank rows load
    as nothing (no row read, none quarantined)."""
    plan, _, path = sheet
    wb = openpyxl.load_workbook(path)
    name = sorted(wb.sheetnames)[0]
    ws = wb[name]
    n = int((plan["agent"] == name).sum())
    row = n + 2 + 5  # the sixth blank row
    [dv] = ws.data_validations.dataValidation
    assert f"J{row}" in dv.sqref
    ws[f"A{row}"] = DAY.to_pydatetime()
    ws[f"C{row}"] = "EXTRA000000000000001"
    ws[f"J{row}"] = "已接通-满意"
    ws[f"K{row}"] = "客户主动来电，补记"
    wb.save(path)
    cb, reports = load_call_sheets(path)
    assert sum(r.rows_read for r in reports) == len(plan) + 1
    assert sum(r.rows_quarantined for r in reports) == 0
    added = cb[cb["order_id"] == "EXTRA000000000000001"].iloc[0]
    assert (added["agent"], added["result"], added["date"]) == (name, "已接通-满意", DAY)


def test_an_empty_plan_still_has_rows_to_write_in(tmp_path):
    plan = pd.DataFrame({"date": pd.to_datetime([]), "agent": pd.Series([], dtype="str"),
                         "order_id": pd.Series([], dtype="str")})
    ws = openpyxl.load_workbook(write_call_sheet(plan, tmp_path / "e.xlsx")).worksheets[0]
    [dv] = ws.data_validations.dataValidation
    assert str(dv.sqref) == f"J2:J{1 + BLANK_ROWS}"


def test_callback_summary_by_hand():
    cb = pd.DataFrame({
        "agent": ["小美"] * 5 + ["阿杰"] * 3 + ["老陈"] * 2,
        "result": ["已接通-满意", "已接通-满意", "已接通-有问题", "未接通", np.nan,
                   "拒接", "空号", " ", np.nan, np.nan],
    }).astype({"agent": "str", "result": "str"})
    before = cb.copy()
    s = callback_summary(cb).set_index("agent")
    pd.testing.assert_frame_equal(cb, before)
    assert list(s.columns) == ["planned", "called", "reached", "satisfied", "problems",
                               "reach_rate", "satisfaction_rate"]
    assert s.loc["小美", ["planned", "called", "reached", "satisfied", "problems"]].tolist() == [
        5, 4, 3, 2, 1]
    assert s.at["小美", "reach_rate"] == pytest.approx(3 / 4)
    assert s.at["小美", "satisfaction_rate"] == pytest.approx(2 / 3)
    assert s.loc["阿杰", ["planned", "called", "reached"]].tolist() == [3, 2, 0]
    assert s.at["阿杰", "reach_rate"] == 0.0 and math.isnan(s.at["阿杰", "satisfaction_rate"])
    assert s.at["老陈", "called"] == 0
    assert math.isnan(s.at["老陈", "reach_rate"]) and math.isnan(s.at["老陈", "satisfaction_rate"])
    assert str(s["planned"].dtype) == "Int64" and s["reach_rate"].dtype == "float64"
    total = callback_summary(cb, by=())
    assert total.loc[0, ["planned", "called", "reached", "satisfied", "problems"]].tolist() == [
        10, 6, 3, 2, 1]
    with pytest.raises(ValueError, match="result"):
        callback_summary(cb.drop(columns="result"))


def test_plan_on_demo_store(demo_store, tmp_path):
    s = demo_store["store"]
    orders = store.read(s, "orders")
    roster = store.read(s, "roster")
    called = store.read(s, "callbacks")
    day = orders["paid_at"].max().normalize()
    deal_day = day - pd.Timedelta(days=4)

    # independent count of candidates and capacity
    earlier_calls = called.loc[called["date"] < day, "order_id"]
    deals = orders[(orders["paid_at"].dt.normalize() == deal_day)
                   & ~orders["status"].isin(["closed", "refunded", "unpaid"])
                   & ~orders["order_id"].isin(earlier_calls)]
    customers = deals["customer_id"].nunique() + deals["customer_id"].isna().sum()
    agents = roster[roster["role"].isin(["presale", "both"]) & (roster["hired_on"] <= day)]
    capacity = 3 * agents["agent"].nunique()
    assert customers > 0 and capacity > 0

    plan = call_plan(orders, roster, day, exclude_called=called)
    assert len(plan) == min(capacity, customers)
    assert plan["order_id"].is_unique and plan["customer_id"].is_unique
    assert set(plan["agent"]) <= set(agents["agent"])
    counts = plan["agent"].value_counts()
    assert counts.max() <= 3 and counts.max() - counts.min() <= 1
    assert plan["phone"].notna().all()
    # with room for every deal, every candidate customer is called
    roomy = call_plan(orders, roster, day, exclude_called=called, calls_per_agent=100)
    assert len(roomy) == min(100 * agents["agent"].nunique(), customers) == customers

    path = write_call_sheet(plan, tmp_path / "demo_calls.xlsx")
    cb, reports = load_call_sheets(path)
    assert len(cb) == len(plan) == sum(r.rows_read for r in reports)
