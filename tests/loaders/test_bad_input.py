"""Bad input the loaders must survive: unreadable or fake files (one LoadError naming the file,
never a traceback; a batch goes on), control characters (NUL …) removed from every cell,
non-finite or absurd amounts and implausible dates quarantined with a reason, and
rows read = loaded + quarantined throughout."""
from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from csops_lib.cli import main
from csops_lib.loaders import LoadError, UnexpectedLoadError, load, load_many
from csops_lib.loaders.call_sheets import load_call_sheets
from csops_lib.schema import (
    MAX_DAYS_AHEAD,
    MAX_ORDER_AMOUNT_YUAN,
    MAX_TOTAL_AMOUNT_YUAN,
    MIN_PLAUSIBLE_DATE,
)

HEADER = ["订单编号", "订单付款时间", "买家实际支付金额", "店铺名称"]
PAID = "2026-11-02 10:00:00"


def write_csv(path: Path, rows: list[list[object]]) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def checked(frame: pd.DataFrame, report) -> None:
    assert report.rows_read == report.rows_loaded + report.rows_quarantined == len(
        frame) + len(report.quarantine)


def good_csv(tmp_path: Path, name: str = "good.csv") -> Path:
    return write_csv(tmp_path / name, [HEADER, ["1", PAID, "10", "A店"]])


# --------------------------------------------------------------------------- unreadable files


def zip_not_a_workbook(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    return path


BAD_FILES = {
    "random.xlsx": lambda p: p.write_bytes(bytes(range(256)) * 20),
    "notwb.xlsx": zip_not_a_workbook,
    "empty.xlsx": lambda p: p.write_bytes(b""),
    "csvtext.xlsx": lambda p: p.write_text("订单编号,买家实际支付金额\n1,2\n", encoding="utf-8"),
    "junk.csv": lambda p: p.write_bytes(b"\x81\x30\xff\xfe\x00\x00\x9f" * 300),
    "empty.csv": lambda p: p.write_bytes(b""),
    "nul.csv": lambda p: p.write_bytes(b"\x00" * 5000),
    "old.xls": lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 600),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_unreadable_file_is_one_load_error_naming_it(tmp_path, name):
    path = tmp_path / name
    BAD_FILES[name](path)
    with pytest.raises(LoadError) as err:
        load(path)
    assert not isinstance(err.value, UnexpectedLoadError), err.value
    message = str(err.value)
    assert name in message and "\n" not in message


def test_folder_and_missing_file(tmp_path):
    with pytest.raises(LoadError, match="is a folder"):
        load(tmp_path)
    with pytest.raises(LoadError, match="no such file"):
        load(tmp_path / "absent.csv")


def test_load_many_names_the_bad_file(tmp_path):
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(LoadError, match="fake.xlsx"):
        load_many([good_csv(tmp_path), fake], "orders")


def test_call_sheet_reader_names_a_fake_workbook(tmp_path):
    fake = tmp_path / "回访_2026-11-02.xlsx"
    fake.write_bytes(b"\x00\x01junk")
    with pytest.raises(LoadError, match="回访_2026-11-02.xlsx"):
        load_call_sheets(fake)


def test_bad_report_date_is_a_load_error(tmp_path):
    path = write_csv(tmp_path / "stats.csv", [["客服", "接待人数"], ["小美", "3"]])
    with pytest.raises(LoadError, match="2026-02-30"):
        load(path, "agent_stats", report_date="2026-02-30")


def test_csops_validate_goes_on_after_a_bad_file_and_says_which(tmp_path, capsys):
    first, second = good_csv(tmp_path, "a.csv"), good_csv(tmp_path, "b.csv")
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"random bytes, not a workbook")
    assert main(["validate", str(first), str(fake), str(second)]) == 1
    out, err = capsys.readouterr()
    assert "a.csv → table 'orders'" in out and "b.csv → table 'orders'" in out
    assert "fake.xlsx: cannot be read as an Excel workbook" in err
    assert "1 of 3 file(s) could not be loaded: fake.xlsx" in err
    assert "Traceback" not in out + err
    assert main(["validate", str(first), str(second)]) == 0


def test_csops_kpis_and_funnel_name_a_fake_workbook(tmp_path, capsys):
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"\x00" * 64)
    assert main(["kpis", "--chats", str(fake), "--orders", str(good_csv(tmp_path))]) == 1
    assert main(["funnel", str(fake)]) == 1
    err = capsys.readouterr().err
    assert err.count("fake.xlsx: cannot be read as an Excel workbook") == 2
    assert "Traceback" not in err


# --------------------------------------------------------------------------- control characters


def test_nul_and_control_characters_are_removed_from_csv_cells(tmp_path):
    path = write_csv(tmp_path / "o.csv", [
        ["订单编号\x00", "订单付款时间", "买家实际支付金额", "店铺名称", "备注"],
        ["1\x00", PAID, "1\x0b0", "A\x00店\x1b", "第一行\n第二行\t完"],
        ["2", PAID + "\x00", "20", "../\x00x", "ok\r"],
    ])
    frame, report = load(path)
    checked(frame, report)
    assert report.column_map["订单编号"] == "order_id"  # the header's NUL is gone too
    assert frame["order_id"].tolist() == ["1", "2"]
    assert frame["amount"].tolist() == [10.0, 20.0]
    assert frame["store"].tolist() == ["A店", "../x"]
    assert frame["paid_at"].notna().all()
    assert frame["note"].tolist() == ["第一行\n第二行\t完", "ok"]  # tab and newline kept


def test_nul_in_an_xlsx_cell_is_removed(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(HEADER)
    book.active.append(["1", PAID, 10, "A_x0000_店"])  # calamine decodes _x0000_ to NUL
    book.save(tmp_path / "o.xlsx")
    frame, report = load(tmp_path / "o.xlsx")
    checked(frame, report)
    assert frame["store"].tolist() == ["A店"]


# --------------------------------------------------------------------------- implausible values


def test_non_finite_negative_and_absurd_amounts_are_quarantined(tmp_path):
    cap = MAX_ORDER_AMOUNT_YUAN
    amounts = ["1e309", "inf", "-inf", "Infinity", "nan", "-5", f"{cap + 0.01}", "1e30",
               f"{cap}", "0", "12.5"]
    path = write_csv(tmp_path / "o.csv",
                     [HEADER, *[[str(i), PAID, a, "A"] for i, a in enumerate(amounts, 1)]])
    frame, report = load(path)
    checked(frame, report)
    assert frame["amount"].tolist() == [float(cap), 0.0, 12.5]
    q = report.quarantine.set_index("row")
    assert q["kind"].eq("invalid").all() and len(q) == 8
    assert "must be a finite number" in q.loc[2, "reason"]       # 1e309
    assert "must be a finite number" in q.loc[3, "reason"]       # inf
    assert "could not read 'nan' as an amount" in q.loc[6, "reason"]
    assert "must be at least 0" in q.loc[7, "reason"]            # a negative paid amount
    assert "must be at most 10,000,000" in q.loc[8, "reason"]
    assert q.loc[2, "value"] == "1e309"


def test_absurd_optional_amount_quarantines_the_row(tmp_path):
    path = write_csv(tmp_path / "o.csv", [
        [*HEADER, "退款金额"], ["1", PAID, "10", "A", "inf"], ["2", PAID, "10", "A", "3"]])
    frame, report = load(path)
    checked(frame, report)
    assert frame["order_id"].tolist() == ["2"]
    assert "refund_amount: must be a finite number" in report.quarantine["reason"].iloc[0]


def test_aggregated_sales_have_a_higher_cap(tmp_path):
    path = write_csv(tmp_path / "stats.csv", [
        ["日期", "客服", "销售额", "平均响应时间", "客服回复率"],
        ["2026-11-02", "a", str(MAX_ORDER_AMOUNT_YUAN * 3), "12", "50%"],
        ["2026-11-02", "b", str(MAX_TOTAL_AMOUNT_YUAN * 10), "12", "50%"],
        ["2026-11-02", "c", "5", "1e400", "50%"],
        ["2026-11-02", "d", "5", "12", "inf%"],
    ])
    frame, report = load(path, "agent_stats")
    checked(frame, report)
    assert frame["agent"].tolist() == ["a"]
    assert frame["sales"].tolist() == [MAX_ORDER_AMOUNT_YUAN * 3.0]
    assert report.quarantine["column"].tolist() == ["sales", "avg_response_s", "reply_rate"]


def test_huge_counts_do_not_crash(tmp_path):
    path = write_csv(tmp_path / "tally.csv", [
        ["日期", "负责人", "总接待人数", "静默下单"],
        ["2026-11-02", "a", "1e20", "0"], ["2026-11-02", "b", "9" * 40, "0"],
        ["2026-11-02", "c", "10", "1e20"], ["2026-11-02", "d", "10", "2"]])
    frame, report = load(path, "agent_daily")
    checked(frame, report)
    assert frame["agent"].tolist() == ["c", "d"]  # an unreadable optional count is left empty
    assert frame["silent_checks"].isna().tolist() == [True, False]
    assert report.quarantine["reason"].str.contains("could not read").all()


def test_dates_outside_the_plausible_range_are_quarantined(tmp_path):
    today = dt.date.today()
    last = today + dt.timedelta(days=MAX_DAYS_AHEAD)
    first = MIN_PLAUSIBLE_DATE
    days = [first - dt.timedelta(days=1), first, last, last + dt.timedelta(days=1),
            dt.date(1970, 1, 1), dt.date(2099, 1, 1)]
    path = write_csv(tmp_path / "o.csv", [HEADER, *[[str(i), f"{d} 10:00", "1", "A"]
                                                    for i, d in enumerate(days, 1)]])
    frame, report = load(path)
    checked(frame, report)
    assert frame["order_id"].tolist() == ["2", "3"]
    reasons = report.quarantine["reason"]
    assert reasons.str.contains(f"must be a date between {first} and {last}").all()
    assert report.quarantine["row"].tolist() == [2, 5, 6, 7]
    # Excel serial days of 1954 in a date column: implausible as well
    stats = write_csv(tmp_path / "s.csv", [["日期", "客服", "接待人数"], ["20000", "a", "1"],
                                           ["46000", "b", "1"]])
    frame, report = load(stats, "agent_stats")
    checked(frame, report)
    assert frame["agent"].tolist() == ["b"]


# --------------------------------------------------------------------------- found by the fuzz


def test_dates_beyond_the_nanosecond_range_are_unreadable_not_a_crash(tmp_path):
    """pandas 3 parses 2262-04-12 or 3000年1月1日 at a coarser unit; the loader's ns column
    used to overflow (found by tests/loaders/test_fuzz.py)."""
    path = write_csv(tmp_path / "s.csv", [
        ["日期", "客服", "接待人数"], ["2262-04-12", "a", "1"], ["3000年1月1日", "b", "1"],
        ["9999-12", "c", "1"], ["1000-01-01 00:00:00", "d", "1"], ["2026-11-02", "e", "1"]])
    frame, report = load(path, "agent_stats")
    checked(frame, report)
    assert frame["agent"].tolist() == ["e"]
    assert report.quarantine["reason"].str.contains("could not read").all()


def test_an_address_column_without_any_value(tmp_path):
    """An order export whose address column is empty in every row used to crash when the
    province was derived (found by tests/loaders/test_fuzz.py)."""
    path = write_csv(tmp_path / "o.csv", [[*HEADER, "收货地址"], ["1", PAID, "5", "A", ""],
                                          ["2", PAID, "6", "A", " "]])
    frame, report = load(path)
    checked(frame, report)
    assert frame["order_id"].tolist() == ["1", "2"] and frame["address"].isna().all()
