"""Tests of the loaders (csops_lib.loaders.core) and table declarations (csops_lib.schema).

Each messy-input case of shared/DATA.md has its own test with a small fixture file written
to ``tmp_path``; every load asserts ``rows_read == rows_loaded + rows_quarantined``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pandera.pandas as pa
import pytest

from csops_lib.loaders.core import LoadError, LoadReport, MissingColumnError, load, load_many
from csops_lib.schema import TABLES, normalize_header, schema_for

SAMPLE = Path("/work/shared/samples/tmall_order_report_2020-02.csv")
ORDER_HEADER = ["订单编号", "订单付款时间", "买家实际支付金额"]


# --------------------------------------------------------------------------- helpers


def write_csv(path: Path, rows: list[list[object]], encoding: str = "utf-8") -> Path:
    """Write ``rows`` as CSV text in ``encoding`` (``utf-8-sig`` adds a BOM)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """Write one sheet per entry (in order) with openpyxl; ``None`` cells stay empty."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def checked(report: LoadReport) -> LoadReport:
    """Assert the load-report invariant and return the report."""
    assert report.rows_read == report.rows_loaded + report.rows_quarantined
    assert len(report.quarantine) == report.rows_quarantined
    assert list(report.quarantine.columns) == ["file", "row", "column", "value", "kind", "reason"]
    return report


def load_checked(path: Path, table: str | None = None, **kwargs):
    """``load`` plus the invariant check."""
    frame, report = load(path, table, **kwargs)
    checked(report)
    assert report.rows_loaded == len(frame)
    assert "_row" not in frame.columns
    return frame, report


def orders_csv(tmp_path: Path, rows: list[list[object]], header=ORDER_HEADER, name="o.csv"):
    return write_csv(tmp_path / name, [header, *rows])


# --------------------------------------------------------------------------- real sample


@pytest.fixture(scope="module")
def sample():
    return load(SAMPLE)


def test_sample_loads_every_row(sample):
    frame, report = sample
    checked(report)
    assert report.table == "orders"
    assert report.rows_read == report.rows_loaded == len(frame) == 28010
    assert report.rows_quarantined == 0
    assert frame["order_id"].tolist() == [str(i) for i in range(1, 28011)]
    assert "customer_id" not in frame.columns


def test_sample_amount_and_paid_count_match_csv_module(sample):
    frame, _ = sample
    with SAMPLE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    total = sum(Decimal(r["买家实际支付金额"]) for r in rows)
    paid = sum(1 for r in rows if r["订单付款时间 "].strip())
    assert frame["amount"].sum() == pytest.approx(float(total), abs=1e-6)
    assert frame["paid_at"].notna().sum() == paid
    assert (frame["status"] == "unpaid").sum() == len(rows) - paid
    assert frame.loc[frame["paid_at"].isna(), "status"].eq("unpaid").all()
    assert frame["status"].isin(["paid", "refunded", "unpaid"]).all()


def test_sample_provinces_and_pay_slots(sample):
    frame, _ = sample
    assert frame.loc[0, "province"] == "上海市"
    assert frame.loc[1, "province"] == "内蒙古自治区"
    assert frame.loc[1, "pay_slot"] == "00:00-01:00"
    assert frame.loc[3, "pay_slot"] == "23:00-24:00"
    assert frame["province"].nunique() <= 34
    assert frame["created_at"].iloc[0] == pd.Timestamp("2020-02-21 00:00:00")


# --------------------------------------------------------------------------- values


def test_amount_formats(tmp_path):
    path = orders_csv(tmp_path, [
        ["1", "2024-05-01 10:00", "¥1,234.00"],
        ["2", "2024-05-01 10:00", "148.90元"],
        ["3", "2024-05-01 10:00", "1234"],
    ])
    frame, _ = load_checked(path)
    assert frame["amount"].tolist() == [1234.0, 148.9, 1234.0]
    assert frame["amount"].dtype == "float64"


def test_rates_percent_or_fraction(tmp_path):
    path = write_csv(tmp_path / "stats.csv", [
        ["日期", "客服", "询单->最终付款成功率", "客服回复率"],
        ["2024-05-01", "小美", "45.23%", "1"],
        ["2024-05-01", "小王", "0.4523", "98.5%"],
    ])
    frame, _ = load_checked(path, "agent_stats")
    assert frame["inquiry_conversion"].tolist() == pytest.approx([0.4523, 0.4523])
    assert frame["reply_rate"].tolist() == pytest.approx([1.0, 0.985])


def test_durations_to_seconds(tmp_path):
    path = write_csv(tmp_path / "stats.csv", [
        ["日期", "客服", "平均响应时间"],
        *[["2024-05-01", f"a{i}", v]
          for i, v in enumerate(["12.5小时", "1分20秒", "2分", "80", "00:01:20"])],
    ])
    frame, _ = load_checked(path, "agent_stats")
    assert frame["avg_response_s"].tolist() == [45000.0, 80.0, 120.0, 80.0, 80.0]


@pytest.mark.parametrize(("text", "expected"), [
    ("2024/5/1 13:05", "2024-05-01 13:05"),
    ("2024-05-01", "2024-05-01"),
    ("2024年5月1日", "2024-05-01"),
    ("20240501", "2024-05-01"),
    ("20240501.0", "2024-05-01"),
    ("45413.5", "2024-05-01 12:00"),
])
def test_date_spellings(tmp_path, text, expected):
    path = orders_csv(tmp_path, [["1", text, "10"]])
    frame, _ = load_checked(path)
    assert frame.loc[0, "paid_at"] == pd.Timestamp(expected)
    assert frame["paid_at"].dtype == "datetime64[ns]"


def test_excel_datetime_cells_and_serial_numbers(tmp_path):
    path = write_xlsx(tmp_path / "o.xlsx", {"orders": [
        ORDER_HEADER,
        [1001, dt.datetime(2024, 5, 1, 13, 5), 99.5],
        [1002, 45413.5, 10],
    ]})
    frame, _ = load_checked(path)
    assert frame["paid_at"].tolist() == [pd.Timestamp("2024-05-01 13:05"),
                                        pd.Timestamp("2024-05-01 12:00")]
    assert frame["order_id"].tolist() == ["1001", "1002"]


def test_ids_and_phones_as_floats_quotes_tabs_and_formulas(tmp_path):
    path = orders_csv(tmp_path, [
        ["1234.0", "2024-05-01", "1", "13800138000.0"],
        ["'0012", "2024-05-01", "1", "'13900139000"],
        ["\t5678", "2024-05-01", "1", "\t13700137000"],
        ['="0099"', "2024-05-01", "1", '="13600136000"'],
        ["77", "2024-05-01", "1", "1.38001E+10"],
    ], header=[*ORDER_HEADER, "联系手机"])
    frame, report = load_checked(path)
    assert frame["order_id"].tolist() == ["1234", "0012", "5678", "0099", "77"]
    assert frame["phone"].tolist() == ["13800138000", "13900139000", "13700137000",
                                       "13600136000", "1.38001E+10"]
    assert any("phone" in w and "scientific" in w for w in report.warnings)


def test_placeholders_are_missing_not_zero(tmp_path):
    values = ["-", "--", "#NULL!", "延迟统计", "N/A", ""]
    path = write_csv(tmp_path / "stats.csv", [
        ["日期", "客服", "询单人数", "销售额"],
        *[["2024-05-01", f"a{i}", v, v] for i, v in enumerate(values)],
    ])
    frame, report = load_checked(path, "agent_stats")
    assert report.rows_loaded == len(values)
    assert frame["inquiries"].isna().all()
    assert frame["sales"].isna().all()
    assert report.warnings == []


def test_booleans(tmp_path):
    values = ["是", "否", "true", "FALSE", "1", "0", "Y", "N"]
    path = write_csv(tmp_path / "chats.csv", [
        ["消息时间", "客服", "买家", "发送方角色", "约定下单"],
        *[[f"2024-05-01 10:00:0{i}", "小美", "buyer", "买家", v] for i, v in enumerate(values)],
    ])
    frame, _ = load_checked(path, "chats")
    assert frame["agreed_to_buy"].tolist() == [True, False] * 4
    assert frame["agreed_to_buy"].dtype == "boolean"


# --------------------------------------------------------------------------- layout


def test_banner_rows_above_header(tmp_path):
    path = write_xlsx(tmp_path / "traffic.xlsx", {"data": [
        ["生意参谋 流量概况"],
        ["统计时间：2024-05-01 ~ 2024-05-02"],
        [],
        ["注：数据仅供参考"],
        ["日期", "店铺", "访客数", "浏览量", "跳失率", "人均停留时长(秒)"],
        ["2024-05-01", "旗舰店", 1200, 3400, "45.5%", 35.5],
        ["2024-05-02", "旗舰店", "-5", 3000, "40%", 30],
    ]})
    frame, report = load_checked(path)
    assert report.table == "traffic"
    assert report.header_row == 5
    assert frame["uv"].tolist() == [1200]
    assert frame["bounce_rate"].tolist() == [0.455]
    bad = report.quarantine.iloc[0]
    assert (bad["row"], bad["column"], bad["kind"]) == (7, "uv", "invalid")
    assert "uv" in bad["reason"] and "-5" in bad["reason"]


def test_blank_rows_skipped_and_not_counted(tmp_path):
    path = orders_csv(tmp_path, [
        ["1", "2024-05-01", "10"],
        [],
        ["", " ", ""],
        ["2", "2024-05-01", "20"],
    ])
    frame, report = load_checked(path)
    assert report.blank_rows == 2
    assert report.rows_read == 2
    assert frame["order_id"].tolist() == ["1", "2"]


def test_summary_and_benchmark_rows_quarantined(tmp_path):
    path = write_csv(tmp_path / "stats.csv", [
        ["客服", "日期", "接待人数"],
        ["小美", "2024-05-01", "30"],
        ["合计", "", "30"],
        ["均值", "", "30"],
        ["同行", "", "25"],
        ["汇总值", "", "30"],
        ["Total", "", "30"],
    ])
    frame, report = load_checked(path, "agent_stats")
    assert frame["agent"].tolist() == ["小美"]
    quarantine = report.quarantine
    assert quarantine["kind"].tolist() == ["summary"] * 5
    assert quarantine["row"].tolist() == [3, 4, 5, 6, 7]
    assert quarantine["value"].tolist() == ["合计", "均值", "同行", "汇总值", "Total"]


def test_trailing_spaces_fullwidth_brackets_and_zhang_hao(tmp_path):
    path = write_csv(tmp_path / "jd.csv", [
        [" 订单号 ", "付款确认时间\u3000", "应付金额", "下单帐号", "订购数量"],
        ["  88 ", " 2024-05-01 09:00 ", " 10.5 ", " jd_buyer ", " 2 "],
    ])
    frame, report = load_checked(path)
    assert report.column_map["下单帐号"] == "customer_id"
    assert frame.loc[0, "order_id"] == "88"
    assert frame.loc[0, "customer_id"] == "jd_buyer"
    assert frame.loc[0, "quantity"] == 2
    stats = write_csv(tmp_path / "stats.csv", [
        ["日期", "客服", "首次响应时长（秒）"], ["2024-05-01", "a", "12"],
    ])
    frame, report = load_checked(stats, "agent_stats")
    assert report.column_map["首次响应时长（秒）"] == "first_response_s"
    assert frame.loc[0, "first_response_s"] == 12.0
    assert normalize_header("首次响应时长（秒)") == normalize_header("首次响应时长(秒)")


def test_sheet_other_than_first(tmp_path):
    path = write_xlsx(tmp_path / "book.xlsx", {
        "说明": [["本表为成交登记"], ["备注：请勿修改"]],
        "成交": [ORDER_HEADER, ["A1", "2024-05-01 10:00", 50]],
    })
    frame, report = load_checked(path)
    assert report.sheet == "成交"
    assert frame["order_id"].tolist() == ["A1"]
    _, report = load_checked(path, "orders", sheet="成交")
    assert report.sheet == "成交"
    _, report = load_checked(path, "orders", sheet=1)
    assert report.sheet == "成交"


@pytest.mark.parametrize("name", ["客服绩效_2026-11-20.xlsx", "客服绩效20261120.xlsx"])
def test_report_date_from_file_name(tmp_path, name):
    path = write_xlsx(tmp_path / name, {"s": [["旺旺昵称", "接待人数"], ["小美", 12]]})
    frame, report = load_checked(path, "agent_stats")
    assert frame["date"].tolist() == [pd.Timestamp("2026-11-20")]
    assert frame["date"].dtype == "datetime64[ns]"
    assert any("2026-11-20" in w for w in report.warnings)


def test_report_date_argument_and_missing_date(tmp_path):
    path = write_xlsx(tmp_path / "客服绩效.xlsx", {"s": [["旺旺昵称", "接待人数"], ["小美", 12]]})
    frame, _ = load_checked(path, "agent_stats", report_date="2026-11-21")
    assert frame["date"].tolist() == [pd.Timestamp("2026-11-21")]
    with pytest.raises(MissingColumnError, match="'date'.*file name"):
        load(path, "agent_stats")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_encodings(tmp_path, encoding):
    path = write_csv(tmp_path / "o.csv", [
        [*ORDER_HEADER, "收货地址"], ["1", "2024-05-01 10:00", "12.5", "广东 深圳市 南山区 科技园"],
    ], encoding=encoding)
    frame, report = load_checked(path)
    assert report.encoding == {"gbk": "gb18030"}.get(encoding, encoding)
    assert frame.loc[0, "province"] == "广东省"
    assert frame.loc[0, "city"] == "深圳市"
    assert frame.loc[0, "amount"] == 12.5


def test_unknown_extra_columns_kept(tmp_path):
    path = orders_csv(tmp_path, [["1", "2024-05-01", "10", "VIP", "x"]],
                      header=[*ORDER_HEADER, "会员等级", "自定义"])
    frame, report = load_checked(path)
    assert list(frame.columns[-2:]) == ["会员等级", "自定义"]
    assert frame.loc[0, "会员等级"] == "VIP"
    assert "会员等级" not in report.column_map


# --------------------------------------------------------------------------- rows


def test_duplicate_rows_within_file(tmp_path):
    path = write_csv(tmp_path / "tally.csv", [
        ["日期", "负责人", "总接待人数"],
        ["2024-05-01", "小美", "30"],
        ["2024-05-01", "小王", "20"],
        ["2024-05-01", "小美", "30"],
    ])
    frame, report = load_checked(path)
    assert report.table == "agent_daily"
    assert frame["agent"].tolist() == ["小美", "小王"]
    dup = report.quarantine.iloc[0]
    assert (dup["row"], dup["kind"]) == (4, "duplicate")
    assert "row 2" in dup["reason"]


def test_overlapping_exports_kept_once(tmp_path):
    first = orders_csv(tmp_path, [["1", "2024-05-01", "10"], ["2", "2024-05-01", "20"]],
                       name="a.csv")
    second = orders_csv(tmp_path, [["2", "2024-05-01", "20"], ["3", "2024-05-02", "30"]],
                        name="b.csv")
    frame, reports = load_many([first, second])
    for report in reports:
        checked(report)
    assert frame["order_id"].tolist() == ["1", "2", "3"]
    assert reports[1].rows_loaded == 1
    dup = reports[1].quarantine.iloc[0]
    assert (dup["file"], dup["row"], dup["kind"]) == ("b.csv", 2, "duplicate")
    assert "a.csv" in dup["reason"]


def test_item_lines_combined_into_one_order(tmp_path):
    path = orders_csv(tmp_path, [
        ["9", "2024-05-01 20:15", "100", "杯子", "2"],
        ["9", "2024-05-01 20:15", "100", "杯盖", "1"],
        ["9", "2024-05-01 20:15", "", "杯子", ""],
        ["10", "2024-05-01 21:00", "5", "勺子", "1"],
    ], header=[*ORDER_HEADER, "商品名称", "购买数量"])
    frame, report = load_checked(path)
    assert frame["order_id"].tolist() == ["9", "10"]
    order = frame.iloc[0]
    assert (order["amount"], order["quantity"], order["product"]) == (100.0, 4, "杯子 + 杯盖")
    assert frame["amount"].sum() == 105.0
    merged = report.quarantine
    assert merged["kind"].tolist() == ["merged", "merged"]
    assert merged["row"].tolist() == [3, 4]
    assert merged["reason"].str.contains("order 9").all()


def test_unparseable_required_date_quarantined_with_row_number(tmp_path):
    path = orders_csv(tmp_path, [
        ["1", "2024-05-01 10:00", "10"],
        ["2", "2024-05-01 10:00", "10"],
        ["3", "", "10"],
        ["4", "2024-13-45", "10"],
    ])
    frame, report = load_checked(path)
    assert frame["order_id"].tolist() == ["1", "2", "3"]
    bad = report.quarantine.iloc[0]
    assert (bad["file"], bad["row"], bad["column"], bad["value"], bad["kind"]) == (
        "o.csv", 5, "paid_at", "2024-13-45", "invalid")
    assert "paid_at" in bad["reason"]


def test_missing_required_value_quarantined(tmp_path):
    path = orders_csv(tmp_path, [["1", "2024-05-01", ""], ["2", "2024-05-01", "-"]])
    frame, report = load_checked(path)
    assert frame.empty
    assert report.quarantine["reason"].tolist() == ["amount: required value is missing"] * 2
    assert report.quarantine["row"].tolist() == [2, 3]


def test_negative_amount_and_zero_quantity_invalid(tmp_path):
    path = orders_csv(tmp_path, [["1", "2024-05-01", "-3", "1"], ["2", "2024-05-01", "3", "0"]],
                      header=[*ORDER_HEADER, "数量"])
    frame, report = load_checked(path)
    assert frame.empty
    reasons = report.quarantine["reason"].tolist()
    assert "amount" in reasons[0] and "at least 0" in reasons[0]
    assert "quantity" in reasons[1] and "at least 1" in reasons[1]


def test_rate_out_of_range_invalid(tmp_path):
    path = write_csv(tmp_path / "stats.csv", [
        ["日期", "客服", "客服回复率"], ["2024-05-01", "a", "150%"], ["2024-05-01", "b", "95%"],
    ])
    frame, report = load_checked(path, "agent_stats")
    assert frame["agent"].tolist() == ["b"]
    assert "reply_rate: must be at most 1" in report.quarantine.loc[0, "reason"]


def test_optional_unparseable_value_left_empty_with_warning(tmp_path):
    path = orders_csv(tmp_path, [["1", "2024-05-01", "10", "昨天"], ["2", "2024-05-01", "5", ""]],
                      header=[*ORDER_HEADER, "订单创建时间"])
    frame, report = load_checked(path)
    assert report.rows_loaded == 2
    assert frame["created_at"].isna().all()
    assert any(w.startswith("created_at: 1 value") and "row 2" in w for w in report.warnings)


def test_agent_daily_negative_derived_counts(tmp_path):
    path = write_csv(tmp_path / "tally.csv", [
        ["日期", "负责人", "总接待人数", "静默下单", "售后咨询", "广告接待", "刷单接待",
         "追单人数", "换号拍", "追单未成交人数", "询单未成交人数"],
        ["2024-05-01", "小美", "30", "5", "14", "0", "0", "3", "0", "1", "2"],
        ["2024-05-01", "小王", "10", "5", "6", "0", "0", "0", "0", "0", "0"],
        ["2024-05-01", "小李", "10", "0", "0", "0", "0", "2", "0", "3", "0"],
        ["2024-05-01", "小张", "10", "0", "0", "0", "0", "0", "0", "0", "11"],
    ])
    frame, report = load_checked(path)
    assert frame["agent"].tolist() == ["小美"]
    assert frame["total_received"].dtype == "Int64"
    reasons = report.quarantine.set_index("row")["reason"]
    assert "inquiries" in reasons[3] and "= -1 is negative" in reasons[3]
    assert "followup_converted" in reasons[4] and "-1" in reasons[4]
    assert "inquiry_converted" in reasons[5] and "-1" in reasons[5]


def test_negative_count_invalid(tmp_path):
    path = write_csv(tmp_path / "tally.csv", [
        ["日期", "负责人", "总接待人数", "静默下单"], ["2024-05-01", "小美", "30", "-2"],
    ])
    frame, report = load_checked(path, "agent_daily")
    assert frame.empty
    assert report.quarantine.loc[0, "column"] == "silent_checks"
    assert report.quarantine.loc[0, "value"] == "-2"


# --------------------------------------------------------------------------- derived columns


def test_order_status_from_text(tmp_path):
    statuses = ["交易成功", "买家已付款，等待卖家发货", "卖家已发货，等待买家确认",
                "等待买家付款", "交易关闭", "退款成功，交易关闭"]
    path = orders_csv(tmp_path, [[str(i), "2024-05-01", "1", s] for i, s in enumerate(statuses)],
                      header=[*ORDER_HEADER, "订单状态"])
    frame, _ = load_checked(path)
    assert frame["status"].tolist() == ["paid", "paid", "paid", "unpaid", "closed", "refunded"]


def test_provinces_normalised_and_derived_from_address(tmp_path):
    path = orders_csv(tmp_path, [
        ["1", "2024-05-01", "1", "上海", ""],
        ["2", "2024-05-01", "1", "", "内蒙古 呼和浩特市 新城区 xx路"],
        ["3", "2024-05-01", "1", "广西", ""],
        ["4", "2024-05-01", "1", "", "黑龙江省 哈尔滨市"],
        ["5", "2024-05-01", "1", "新疆维吾尔自治区", ""],
    ], header=[*ORDER_HEADER, "省份", "收货地址"])
    frame, _ = load_checked(path)
    assert frame["province"].tolist() == ["上海市", "内蒙古自治区", "广西壮族自治区", "黑龙江省",
                                          "新疆维吾尔自治区"]
    assert frame.loc[1, "city"] == "呼和浩特市"


def test_pay_slot_and_default_quantity(tmp_path):
    path = orders_csv(tmp_path, [["1", "2024-05-01 20:59:59", "1"],
                                 ["2", "2024-05-01 23:05", "1"],
                                 ["3", "", "1"]])
    frame, _ = load_checked(path)
    assert frame["pay_slot"].tolist()[:2] == ["20:00-21:00", "23:00-24:00"]
    assert pd.isna(frame.loc[2, "pay_slot"])
    assert frame["quantity"].tolist() == [1, 1, 1]
    assert frame["status"].tolist() == ["paid", "paid", "unpaid"]


def test_deal_register_with_date_only_column(tmp_path):
    path = write_xlsx(tmp_path / "成交登记.xlsx", {"登记": [
        ["成交日期", "订单号", "付款金额", "对应负责人", "销售产品"],
        [dt.datetime(2024, 5, 1), "5001", 88, "小美", "茶叶"],
    ]})
    frame, report = load_checked(path)
    assert report.column_map["成交日期"] == "paid_at"
    assert frame.loc[0, "paid_at"] == pd.Timestamp("2024-05-01")
    assert (frame.loc[0, "agent"], frame.loc[0, "product"]) == ("小美", "茶叶")


def test_agent_stats_store_prefix_and_conversion(tmp_path):
    path = write_csv(tmp_path / "赤兔_2024-05-01.csv", [
        ["旺旺昵称", "询单人数", "询单->最终付款人数", "询单->最终付款成功率"],
        ["旗舰店:小美", "20", "9", "45.00%"],
    ])
    frame, _ = load_checked(path, "agent_stats")
    assert frame.loc[0, "agent"] == "小美"
    assert frame.loc[0, "inquiry_conversion"] == pytest.approx(0.45)
    assert frame.loc[0, "date"] == pd.Timestamp("2024-05-01")


def test_chats_sender_category_and_auto_flag(tmp_path):
    path = write_csv(tmp_path / "chats.csv", [
        ["消息时间", "客服账号", "买家", "发送方角色", "是否自动回复", "类型", "内容"],
        ["2024-05-01 10:00:00", "店:小美", "b1", "买家", "否", "售前", "在吗"],
        ["2024-05-01 10:00:05", "店:小美", "b1", "客服", "是", "售前", "您好"],
        ["2024-05-01 10:00:30", "店:小美", "b1", "客服", "否", "售后咨询", "请说"],
        ["2024-05-01 10:01:00", "店:小美", "b1", "机器人", "", "广告", "..."],
        ["2024-05-01 10:02:00", "店:小美", "b1", "系统", "", "静默下单", "..."],
        ["2024-05-01 10:03:00", "店:小美", "b1", "自动回复", "", "闲聊", "..."],
    ])
    frame, _ = load_checked(path)
    assert frame["sender"].tolist() == ["customer", "auto", "agent", "auto", "auto", "auto"]
    assert frame["category"].tolist() == ["presale", "presale", "after_sales", "ad",
                                          "silent_check", "other"]
    assert "is_auto" not in frame.columns


def test_chats_sender_from_sender_nick(tmp_path):
    path = write_csv(tmp_path / "chats.csv", [
        ["时间", "客服", "买家昵称", "发送人", "内容"],
        ["2024-05-01 10:00:00", "小美", "tb_123", "tb_123", "在吗"],
        ["2024-05-01 10:00:20", "小美", "tb_123", "小美", "在的"],
    ])
    frame, report = load_checked(path, "chats")
    assert frame["sender"].tolist() == ["customer", "agent"]
    assert "sender_nick" not in frame.columns
    assert report.column_map["发送人"] == "sender_nick"


def test_chats_unknown_sender_invalid(tmp_path):
    path = write_csv(tmp_path / "chats.csv", [
        ["时间", "客服", "买家", "角色"], ["2024-05-01 10:00:00", "小美", "b", "路人"],
    ])
    frame, report = load_checked(path, "chats")
    assert frame.empty
    assert report.quarantine.loc[0, "column"] == "sender"
    assert "路人" in report.quarantine.loc[0, "reason"]


def test_refund_platform_intervened(tmp_path):
    path = write_csv(tmp_path / "refunds.csv", [
        ["退款编号", "订单编号", "买家退款金额", "退款的申请时间", "客服介入状态", "退款状态"],
        ["R1", "1", "10", "2024-05-01 10:00", "小二已经介入", "退款成功"],
        ["R2", "2", "5", "2024-05-02 10:00", "未介入", "退款关闭"],
        ["R3", "3", "5", "2024-05-02 10:00", "", "卖家拒绝退款"],
    ])
    frame, report = load_checked(path)
    assert report.table == "refunds"
    assert frame["platform_intervened"].tolist()[:2] == [True, False]
    assert pd.isna(frame["platform_intervened"].iloc[2])


# --------------------------------------------------------------------------- errors, guessing


def test_missing_column_error_message(tmp_path):
    path = write_xlsx(tmp_path / "orders_x.xlsx", {"s": [["订单编号", "实付金额"], ["1", 5]]})
    with pytest.raises(MissingColumnError) as info:
        load(path, "orders")
    message = str(info.value)
    assert message.startswith("orders_x.xlsx: table 'orders' needs column 'paid_at'")
    assert "订单付款时间, 买家付款时间" in message and "成交日期" in message
    assert info.value.missing == ["paid_at"]
    assert isinstance(info.value, LoadError) and isinstance(info.value, ValueError)


@pytest.mark.parametrize(("header", "table"), [
    (["订单编号", "买家付款时间", "买家实付金额", "宝贝标题"], "orders"),
    (["发送时间", "客服昵称", "买家昵称", "发送方", "消息内容"], "chats"),
    (["日期", "负责人", "总接待人数", "静默下单", "追单人数"], "agent_daily"),
    (["日期", "旺旺昵称", "咨询人数", "询单人数", "客服销售额"], "agent_stats"),
    (["退款编号", "订单编号", "退款金额", "退款申请时间"], "refunds"),
    (["统计日期", "访客数", "浏览量", "跳失率"], "traffic"),
    (["日期", "店铺", "描述相符", "服务态度", "物流服务"], "dsr"),
])
def test_table_guessing(tmp_path, header, table):
    path = write_csv(tmp_path / "x.csv", [header])
    frame, report = load_checked(path)
    assert report.table == table
    assert frame.empty and report.rows_read == 0


def test_unrecognised_headers_list_candidates(tmp_path):
    path = write_csv(tmp_path / "x.csv", [["foo", "bar"], ["1", "2"]])
    with pytest.raises(LoadError, match="x.csv: cannot tell which table.*orders"):
        load(path)


# --------------------------------------------------------------------------- report, schema


def test_report_summary_and_dict(tmp_path):
    path = orders_csv(tmp_path, [["1", "2024-05-01", "10"], ["合计", "", "10"], ["2", "bad", "1"]])
    _, report = load_checked(path)
    text = report.summary()
    assert "rows read 3 = loaded 1 + quarantined 2" in text
    assert "invalid 1, summary 1" in text
    assert "o.csv:4 paid_at:" in text
    as_dict = report.to_dict()
    assert as_dict["rows_read"] == 3 and len(as_dict["quarantine"]) == 2
    assert as_dict["quarantine"][0]["kind"] == "summary"


def test_output_dtypes_follow_conventions(tmp_path):
    path = orders_csv(tmp_path, [["1", "2024-05-01 10:00", "10", "b", "2"]],
                      header=[*ORDER_HEADER, "买家会员名", "购买数量"])
    frame, _ = load_checked(path)
    assert frame["order_id"].dtype == frame["customer_id"].dtype == pd.Series(["x"]).dtype
    assert frame["paid_at"].dtype == "datetime64[ns]"
    assert frame["quantity"].dtype == "Int64"
    assert frame["amount"].dtype == "float64"
    assert list(frame.columns[:4]) == ["order_id", "paid_at", "amount", "customer_id"]


def test_schema_declares_every_table():
    assert set(TABLES) == {"orders", "agent_daily", "agent_stats", "chats", "refunds",
                           "traffic", "callbacks", "reminders", "dsr", "training", "roster",
                           "promos", "supervisor_scores"}
    assert TABLES["orders"].key == ("order_id",)
    assert TABLES["chats"].key == ("sent_at", "agent", "customer_id", "sender", "text")
    assert TABLES["orders"].day_columns == ("created_at", "paid_at")
    assert TABLES["roster"].day_columns == ()
    for name in TABLES:
        assert isinstance(schema_for(name), pa.DataFrameSchema)
    frame = pd.DataFrame({"created_at": pd.to_datetime([None, "2024-05-01 10:00"]),
                          "paid_at": pd.to_datetime(["2024-05-02 09:00", "2024-05-03 00:00"])})
    assert TABLES["orders"].row_day(frame).tolist() == [pd.Timestamp("2024-05-02"),
                                                       pd.Timestamp("2024-05-01")]


def test_tab_separated_txt_export(tmp_path):
    path = tmp_path / "qianniu.txt"
    path.write_text("订单编号\t买家付款时间\t实付金额\n00123\t2024-05-01 08:00:00\t¥1,009.90\n",
                    encoding="utf-8")
    frame, _ = load_checked(path)
    assert (frame.loc[0, "order_id"], frame.loc[0, "amount"]) == ("00123", 1009.9)


def test_one_known_header_with_table_given_reports_missing_columns(tmp_path):
    path = write_xlsx(tmp_path / "o.xlsx", {
        "说明": [["备注"], ["本表为成交登记"]],
        "data": [["订单编号", "金额合计"], ["1", 5]],
    })
    with pytest.raises(MissingColumnError) as info:
        load(path, "orders")
    assert info.value.missing == ["paid_at", "amount"]
    assert str(info.value).startswith("o.xlsx: table 'orders' needs column 'paid_at'")
    assert "also needs column 'amount'; looked for headers: 买家实际支付金额" in str(info.value)
    with pytest.raises(LoadError, match="unknown table 'order'"):
        load(path, "order")


def test_month_only_dates_mean_the_first_of_the_month(tmp_path):
    """Supervisors type monthly sheets as 2026-10 / 2026年11月 / 2026/9."""
    path = tmp_path / "主管评分.xlsx"
    pd.DataFrame({"月份": ["2026-10", "2026年11月", "2026/9", "2026-13"], "客服": list("ABCD"),
                  "团队协作": [92, 85, 80, 70]}).to_excel(path, index=False)
    df, report = load(path)
    assert report.table == "supervisor_scores"
    assert report.rows_read == report.rows_loaded + report.rows_quarantined == 4
    assert df["month"].tolist() == [pd.Timestamp("2026-10-01"), pd.Timestamp("2026-11-01"),
                                    pd.Timestamp("2026-09-01")]
    bad = report.quarantine.iloc[0]
    assert (bad["row"], bad["column"], bad["value"]) == (5, "month", "2026-13")
