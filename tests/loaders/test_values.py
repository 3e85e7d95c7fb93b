"""Value parsers of csops_lib.loaders.values on hand-written spellings of Chinese exports."""
import math
from pathlib import Path

import pandas as pd
import pytest

from csops_lib.loaders.values import (
    as_text,
    clean_text,
    file_date,
    normalize_province,
    parser_for,
)


def parse(table, column, kind, *texts):
    return parser_for(table, column, kind)(clean_text(pd.Series(list(texts), dtype=object)))


def test_clean_text_strips_guards_and_placeholders():
    got = clean_text(pd.Series([' ="00123" ', "'0456", "--", "", "#N/A", "ok"], dtype=object))
    assert got.tolist()[:2] == ["00123", "0456"]
    assert got.iloc[2:5].isna().all() and got.iloc[5] == "ok"


def test_amounts_rates_and_counts():
    money = parse("orders", "amount", "money", "¥1,234.00", "148.90元", "1.2万", "x")
    assert money.tolist()[:3] == [1234.0, 148.9, 12000.0] and math.isnan(money.iloc[3])
    assert parse("t", "r", "rate", "45.23%", "0.4523").round(6).tolist() == [0.4523, 0.4523]
    counts = parse("t", "n", "int", "30人", "2.5")
    assert counts.iloc[0] == 30 and counts.isna().iloc[1]


def test_durations_in_seconds():
    got = parse("t", "d", "duration", "80", "00:01:20", "01:20", "1分20秒", "2分", "12.5小时")
    assert got.tolist() == [80.0, 80.0, 80.0, 80.0, 120.0, 45000.0]


def test_dates_and_datetimes():
    got = parse("t", "ts", "datetime", "2024/5/1 13:05", "2024年5月1日", "20240501",
                "45413.5", "2024-05-01T13:05:00")
    assert got.tolist() == [pd.Timestamp("2024-05-01 13:05"), pd.Timestamp("2024-05-01"),
                            pd.Timestamp("2024-05-01"), pd.Timestamp("2024-05-01 12:00"),
                            pd.Timestamp("2024-05-01 13:05")]
    months = parse("t", "d", "date", "2026年11月", "2026-10")
    assert months.tolist() == [pd.Timestamp("2026-11-01"), pd.Timestamp("2026-10-01")]


def test_ids_keep_leading_zeros_and_lose_excel_dot_zero():
    assert parse("orders", "order_id", "text", "1234.0", "0012", "A1.0").tolist() == [
        "1234", "0012", "A1.0"]


def test_table_specific_parsers():
    assert parse("orders", "status", "enum", "交易成功", "交易关闭", "退款成功",
                 "等待买家付款").tolist() == ["paid", "closed", "refunded", "unpaid"]
    assert parse("chats", "sender", "enum", "买家", "客服", "自动回复").tolist() == [
        "customer", "agent", "auto"]
    assert parse("refunds", "platform_intervened", "bool", "小二已介入", "未介入",
                 "是").tolist() == [True, False, True]


def test_provinces_and_file_dates():
    got = normalize_province(pd.Series(["上海", "内蒙古", "广东省", "火星"]))
    assert got.tolist() == ["上海市", "内蒙古自治区", "广东省", "火星"]
    assert as_text(pd.Series(["a", None])).isna().tolist() == [False, True]
    assert file_date(Path("tally_2026年11月20日.xlsx")) == pd.Timestamp("2026-11-20")
    assert file_date(Path("chats_20261120.csv")) == pd.Timestamp("2026-11-20")


@pytest.mark.parametrize("name", ["export.xlsx", "2026-13-45.csv"])
def test_no_file_date(name):
    assert file_date(Path(name)) is None
