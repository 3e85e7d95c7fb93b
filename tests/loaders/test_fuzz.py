"""Hypothesis fuzzing of the loaders over messy values.

Exports with a valid header and rows of messy cells (amount strings, dates, rates, durations,
ids, NUL and other control characters, any unicode, empty cells, huge and non-finite numbers)
are written as CSV and as xlsx. Whatever the cells, ``load``:

* returns (a file with a valid header always loads; bad rows are quarantined, not raised);
* accounts for every row: rows read = loaded + quarantined, and read + blank = rows written;
* loads only finite amounts within [0, cap], plausible dates, counts that are whole and
  non-negative, rates in [0, 1], and text without control characters.

Arbitrary bytes named .csv or .xlsx raise nothing but a planned :class:`LoadError`.

The run is derandomized (the same examples every time, about 15 s); for a longer random hunt,
``CSOPS_FUZZ_EXAMPLES=500 pytest tests/loaders/test_fuzz.py``.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import math
import os
import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from csops_lib.loaders import LoadError, UnexpectedLoadError, load
from csops_lib.schema import (
    MAX_ORDER_AMOUNT_YUAN,
    MAX_TOTAL_AMOUNT_YUAN,
    MIN_PLAUSIBLE_DATE,
    TABLES,
    latest_plausible_date,
)

#: no shrinking: a failing export of at most 8 rows is readable as drawn, and shrinking
#: these files takes minutes; derandomized, so every run tries the same examples
PHASES = [Phase.explicit, Phase.reuse, Phase.generate]
EXAMPLES = int(os.environ.get("CSOPS_FUZZ_EXAMPLES", "20"))
RANDOM = "CSOPS_FUZZ_EXAMPLES" in os.environ
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=not RANDOM, phases=PHASES,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

# --------------------------------------------------------------------------- messy values

controls = st.sampled_from(["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\x85",
                            "\x9f", "\r", "\t", "\n"])
unicode_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
special_numbers = st.sampled_from([
    "1e309", "-1e309", "inf", "-inf", "+inf", "Infinity", "nan", "NaN", "1e20", "-1e20",
    "1e-320", "9" * 40, "0", "-0", "1.2万", "1e9万", "¥1,234.00", "148.90元", "RMB12", "30人",
    "1,2,3", "0x10", "1_000", "１２３", "٣", "½", "-", "--", "#N/A", "#NULL!", "延迟统计", "",
    " ", "合计", "=1+1", "'0012", '="0012"', "1234.0", "45.23%", "150%", "-3%", "inf%",
])
numbers = st.one_of(
    special_numbers,
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**25), 10**25).map(str),
    st.decimals(allow_nan=False, allow_infinity=False, places=2,
                min_value=-10**9, max_value=10**9).map(str),
)
date_formats = st.sampled_from(["%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y年%m月%d日",
                                "%Y%m%d", "%Y%m%d%H%M%S", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m",
                                "%Y-%m-%d"])
dates = st.one_of(
    st.builds(lambda d, f: d.strftime(f),
              st.datetimes(dt.datetime(1000, 1, 1), dt.datetime(9999, 12, 31)), date_formats),
    st.floats(-1e6, 3e6).map(lambda x: f"{x:.4f}"),  # Excel serials, in and out of range
    st.sampled_from(["2026-02-30", "2026-13-01", "0000-00-00", "9999-12-31 23:59:59",
                     "2026-11-02 25:61:61", "20261332", "1969-12-31", "1999-12-31 23:59:59",
                     "2262-04-12", "1677-09-21", "2026年11月", "2026/9", "-2026-01-01", ""]),
)
durations = st.one_of(numbers, st.sampled_from(
    ["1分20秒", "00:01:20", "01:20", "12.5小时", "1e309秒", "99999999999天", "2分", "1:99:99",
     "-5", "3d", "1.5h", "1天2小时3分钟4秒"]))
ids = st.one_of(st.integers(0, 10**30).map(str), st.from_regex(r"[0-9A-Za-z_\-]{0,24}", fullmatch=True),
                st.sampled_from(["0012", "1.23457E+17", "1234.0", "'0012", '="0012"']))


def with_noise(values: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Values, sometimes with control characters inserted and spaces around."""
    return st.one_of(
        values,
        st.builds(lambda v, c, i: v[:i] + c + v[i:], values, controls, st.integers(0, 30)),
        st.builds(lambda v: f"  {v}\t", values),
        unicode_text,
    )


KINDS = {"id": ids, "date": dates, "number": numbers, "duration": durations,
         "text": st.one_of(unicode_text, special_numbers)}
TABLE_COLUMNS = {
    "orders": [("订单编号", "id"), ("订单付款时间", "date"), ("买家实际支付金额", "number"),
               ("宝贝总数量", "number"), ("退款金额", "number"), ("总金额", "number"),
               ("订单创建时间", "date"), ("店铺名称", "text"), ("收货地址", "text"),
               ("订单状态", "text")],
    "agent_stats": [("日期", "date"), ("客服", "text"), ("接待人数", "number"),
                    ("询单->最终付款成功率", "number"), ("销售额", "number"),
                    ("平均响应时间", "duration"), ("客服回复率", "number"), ("客件数", "number")],
}


def rows_for(table: str) -> st.SearchStrategy[list[list[str]]]:
    row = st.tuples(*(with_noise(KINDS[kind]) for _, kind in TABLE_COLUMNS[table])).map(list)
    return st.lists(row, min_size=1, max_size=8)


# --------------------------------------------------------------------------- writers


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([header, *rows])
    path.write_bytes(buffer.getvalue().encode("utf-8", "surrogatepass"))
    return path


def _xlsx_value(value: str, as_number: bool):
    if as_number:
        try:
            number = float(value)
        except ValueError:
            number = None
        if number is not None and math.isfinite(number):
            return number
    # Excel stores control characters as _xHHHH_ escapes (calamine decodes them back)
    return ILLEGAL_CHARACTERS_RE.sub(lambda m: f"_x{ord(m.group(0)):04X}_", value)


def write_xlsx(path: Path, header: list[str], rows: list[list[str]], as_number: bool) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append([_xlsx_value(v, as_number) for v in row])
    book.save(path)
    return path


# --------------------------------------------------------------------------- the properties


def check_loaded(frame: pd.DataFrame, report, table: str, written: int, csv_file: bool) -> None:
    assert report.rows_read == report.rows_loaded + report.rows_quarantined
    assert report.rows_loaded == len(frame) and report.rows_quarantined == len(report.quarantine)
    if csv_file:  # a workbook does not store trailing empty rows
        assert report.rows_read + report.blank_rows == written
    else:
        assert report.rows_read + report.blank_rows <= written
    assert set(report.quarantine["kind"]) <= {"invalid", "summary", "duplicate", "merged"}
    assert report.quarantine["reason"].str.len().gt(0).all()
    spec = TABLES[table]
    first = pd.Timestamp(MIN_PLAUSIBLE_DATE)
    last = pd.Timestamp(latest_plausible_date()) + pd.Timedelta(days=1)
    for col in spec.columns:
        if col.name not in frame.columns:
            continue
        values = frame[col.name].dropna()
        if col.kind in ("money", "float", "rate", "duration", "int"):
            numbers = values.astype("float64").to_numpy()
            assert np.isfinite(numbers).all(), col.name
            if col.min_value is not None:
                assert (numbers >= col.min_value).all(), col.name
            if col.max_value is not None:
                assert (numbers <= col.max_value).all(), col.name
            if col.kind == "money":
                assert (numbers <= MAX_TOTAL_AMOUNT_YUAN).all()
                if table == "orders":
                    assert (numbers <= MAX_ORDER_AMOUNT_YUAN).all(), col.name
        elif col.kind in ("date", "datetime"):
            assert values.between(first, last, inclusive="left").all(), col.name
    for name in frame.columns:
        texts = frame[name].dropna()
        if texts.dtype == object or pd.api.types.is_string_dtype(texts.dtype):
            assert not texts.astype(str).str.contains(CONTROL).any(), name
    assert not any(CONTROL.search(str(c)) for c in frame.columns)


@pytest.mark.parametrize("table", sorted(TABLE_COLUMNS))
@FUZZ
@given(data=st.data())
def test_csv_of_messy_values_loads(tmp_path, table, data):
    rows = data.draw(rows_for(table))
    header = [h for h, _ in TABLE_COLUMNS[table]]
    path = write_csv(tmp_path / f"{table}.csv", header, rows)
    frame, report = load(path, table)
    check_loaded(frame, report, table, len(rows), csv_file=True)


@pytest.mark.parametrize("table", sorted(TABLE_COLUMNS))
@FUZZ
@given(data=st.data(), as_number=st.booleans())
def test_xlsx_of_messy_values_loads(tmp_path, table, data, as_number):
    rows = data.draw(rows_for(table))
    header = [h for h, _ in TABLE_COLUMNS[table]]
    path = write_xlsx(tmp_path / f"{table}.xlsx", header, rows, as_number)
    frame, report = load(path, table)
    check_loaded(frame, report, table, len(rows), csv_file=False)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
@settings(max_examples=2 * EXAMPLES, deadline=None, derandomize=not RANDOM, phases=PHASES,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(st.binary(max_size=3000),
                      st.binary(max_size=3000).map(lambda b: b"PK\x03\x04" + b),
                      st.binary(max_size=300).map(lambda b: "订单编号,实付金额\n".encode() + b)))
def test_arbitrary_bytes_raise_only_a_load_error(tmp_path, suffix, data):
    path = tmp_path / f"export{suffix}"
    path.write_bytes(data)
    try:
        frame, report = load(path)
    except LoadError as exc:
        assert not isinstance(exc, UnexpectedLoadError), exc
        assert path.name in str(exc) and "\n" not in str(exc)
    else:
        assert report.rows_read == report.rows_loaded + report.rows_quarantined == (
            len(frame) + len(report.quarantine))
