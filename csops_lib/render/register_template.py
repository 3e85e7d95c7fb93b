"""The supervisor's deal register (成交登记) as an Excel template with drop-downs.

The register is the sheet a supervisor fills by hand every day, one row per deal, in the
order of the fields they register: 成交日期, 成交店铺, 对应负责人, 销售产品, 客户ID, 客户姓名,
性别, 省份, 地址, 电话, 备注, 付款时间段, 付款金额, then 订单编号 (the order number: the key of
the ``orders`` table, which links refunds, callbacks and reminders; last, so that rows pasted
from an old 13-column register still line up). Every header is an alias of the ``orders``
table (:mod:`csops_lib.schema`), so a filled register goes through ``csops validate`` /
``csops ingest`` like any order export; the loader turns 成交日期 + 付款时间段 into ``paid_at``
(the slot's last second, :func:`csops_lib.loaders.core._register_slots`).

What the workbook enforces (Excel / LibreOffice data validation, on :data:`ROWS` prepared
rows): drop-downs of the stores and agents (from the store's orders and roster; a name not
on the list is allowed after a warning), of 男/女, of the 34 provincial divisions and of the
24 one-hour payment slots (the lists live on a hidden sheet, as an inline list is limited to
255 characters); a date in 成交日期; an amount ≥ 0. 客户ID, 电话 and 订单编号 are text cells
(``@``), so Excel keeps leading zeros and never shows ``1.38E+10``. The header is frozen and
the widths fit the Chinese headers and typical values.

Data validation only guards what is typed in Excel: a pasted or script-written value
bypasses it, and the loader still quarantines what it cannot accept (a negative amount, a
date that is not one), with the row number and the reason.

The template carries no customer data; once filled it holds names, phones and addresses and
is for the team, never for the boss's reports (DESIGN.md, PII).
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, PatternFill
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from csops_lib.loaders.values import PAY_SLOTS, PROVINCES
from csops_lib.render import excel
from csops_lib.render.labels import label
from csops_lib.schema import MIN_PLAUSIBLE_DATE
from csops_lib.settings.paths import configured_data_dir, outputs_dir, resolve_store
from csops_lib.store import read, tables

#: prepared rows the validations and formats cover (a month of a busy shop's registered deals);
#: beyond them the columns' own formats still keep IDs and phones as text
ROWS = 1000
#: the register's columns (canonical names of the ``orders`` table), in the supervisor's order
COLUMNS = ("paid_at", "store", "agent", "product", "customer_id", "customer_name", "gender",
           "province", "address", "phone", "note", "pay_slot", "amount", "order_id")
#: the catalog key of each column's header (zh: the register's own header)
HEADER_KEYS = {
    "paid_at": "reg_paid_date", "store": "reg_store", "agent": "reg_agent",
    "product": "reg_product", "customer_id": "reg_customer_id",
    "customer_name": "reg_customer_name", "gender": "reg_gender", "province": "province",
    "address": "reg_address", "phone": "reg_phone", "note": "reg_note",
    "pay_slot": "pay_slot", "amount": "reg_amount", "order_id": "order_id",
}
#: the Excel kind (number format) of each column; everything else is text
KINDS = {"paid_at": "date", "amount": "money"}
#: the width (characters; CJK count 2) a column needs for typical values, at least
MIN_WIDTHS = {"paid_at": 14, "store": 18, "agent": 12, "product": 24, "customer_id": 16,
              "customer_name": 10, "gender": 8, "province": 16, "address": 36, "phone": 15,
              "note": 24, "pay_slot": 14, "amount": 12, "order_id": 22}
#: cell alignment of short fixed-width values (the rest: Excel's default; the order number is
#: centred so it does not run into the right-aligned amount before it)
ALIGN = {"paid_at": Alignment(horizontal="center"), "gender": Alignment(horizontal="center"),
         "pay_slot": Alignment(horizontal="center"), "order_id": Alignment(horizontal="center")}
#: the columns the loader needs in every row
REQUIRED = ("paid_at", "amount", "order_id")
GENDERS = ("男", "女")
REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
LAST_DATE = dt.date(2099, 12, 31)


@dataclass(frozen=True)
class Names:
    """The names the store and agent drop-downs offer, and where they came from."""

    stores: tuple[str, ...] = ()
    agents: tuple[str, ...] = ()
    source: Path | None = None


def _distinct(values: pd.Series) -> tuple[str, ...]:
    text = values.dropna().astype(str).str.strip()
    return tuple(sorted(set(text[text.ne("")])))


def store_names(store_dir: str | os.PathLike | None) -> Names:
    """Stores (the ``store`` of the store's orders) and agents (the roster; else the orders'
    ``agent``) of the history store ``store_dir`` (relative: from the current folder, else
    the project root); with ``None``, of the configured store (``CSOPS_DATA_DIR``,
    ``params/shop.yaml``) when there is one, else no names. A given folder that does not
    exist raises :class:`FileNotFoundError`."""
    if store_dir:
        folder = resolve_store(store_dir)
    else:
        folder = configured_data_dir()
        if folder is None or not folder.is_dir():
            return Names()
    present = set(tables(folder))
    orders = (read(folder, "orders", columns=["store", "agent"]) if "orders" in present
              else pd.DataFrame())
    roster = read(folder, "roster", columns=["agent"]) if "roster" in present else pd.DataFrame()
    stores = _distinct(orders["store"]) if "store" in orders else ()
    agents = _distinct(roster["agent"]) if "agent" in roster else ()
    if not agents and "agent" in orders:
        agents = _distinct(orders["agent"])
    return Names(stores=stores, agents=agents, source=folder)


def register_path(lang: str = "zh") -> Path:
    """``outputs/register/成交登记.xlsx`` (``deal_register.xlsx`` in English)."""
    return outputs_dir() / "register" / label("reg_file", lang)


def headers(lang: str = "zh") -> dict[str, str]:
    """Canonical column → the register's header in ``lang``."""
    return {col: label(HEADER_KEYS[col], lang) for col in COLUMNS}


def _lists_sheet(wb: Workbook, names: Names, lang: str) -> dict[str, str]:
    """The hidden sheet of drop-down values, one column per list; returns column → the
    defined name of its range (only for non-empty lists)."""
    lists = {"store": names.stores, "agent": names.agents, "gender": GENDERS,
             "province": PROVINCES, "pay_slot": tuple(PAY_SLOTS.values())}
    frame = pd.DataFrame({label(HEADER_KEYS[c], lang): pd.Series(v, dtype=object)
                          for c, v in lists.items()})
    ws = wb.create_sheet(excel.sheet_names([label("reg_lists_sheet", lang)])[0])
    layout = excel.write_sheet(ws, frame, kinds=dict.fromkeys(frame.columns, "text"), lang=lang)
    ws.sheet_state = "hidden"
    quoted = ws.title.replace("'", "''")
    refs = {}
    for col, values in lists.items():
        if values:
            letter = layout.columns[label(HEADER_KEYS[col], lang)]
            name = f"reg_{col}_list"
            wb.defined_names[name] = DefinedName(
                name, attr_text=f"'{quoted}'!${letter}$2:${letter}${len(values) + 1}")
            refs[col] = name
    return refs


def _list_rule(ref: str, lang: str, *, open_list: bool, prompt: str | None = None,
               title: str = "") -> DataValidation:
    """A drop-down of the defined range ``ref``; ``open_list``: other values are allowed
    after a warning (a new agent, a new store), else refused."""
    return DataValidation(
        type="list", formula1=ref, allow_blank=True, showDropDown=False,
        showErrorMessage=True, showInputMessage=True,
        errorStyle="warning" if open_list else "stop",
        promptTitle=title[:32], errorTitle=title[:32],
        prompt=prompt or label("reg_pick_name" if open_list else "reg_pick", lang),
        error=label("reg_pick_name_error" if open_list else "reg_pick_error", lang))


def _rules(refs: dict[str, str], heads: dict[str, str], lang: str) -> dict[str, DataValidation]:
    """Column → its data validation (columns without one are free text)."""
    first, last = MIN_PLAUSIBLE_DATE, LAST_DATE
    rules = {
        "paid_at": DataValidation(
            type="date", operator="between", allow_blank=True,
            formula1=f"DATE({first.year},{first.month},{first.day})",
            formula2=f"DATE({last.year},{last.month},{last.day})",
            showErrorMessage=True, showInputMessage=True, errorStyle="stop",
            prompt=label("reg_date_prompt", lang), error=label("reg_date_error", lang)),
        "amount": DataValidation(
            type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
            showErrorMessage=True, showInputMessage=True, errorStyle="stop",
            prompt=label("reg_amount_prompt", lang), error=label("reg_amount_error", lang)),
    }
    for col in ("customer_id", "phone", "order_id"):
        prompt = label("reg_order_id_prompt" if col == "order_id" else "reg_text_prompt", lang)
        rules[col] = DataValidation(allow_blank=True, showInputMessage=True, prompt=prompt)
    for col in ("store", "agent"):
        if col in refs:
            rules[col] = _list_rule(refs[col], lang, open_list=True)
        else:
            rules[col] = DataValidation(allow_blank=True, showInputMessage=True,
                                        prompt=label("reg_no_names", lang))
    for col in ("gender", "province", "pay_slot"):
        prompt = label("reg_gender_prompt", lang) if col == "gender" else None
        rules[col] = _list_rule(refs[col], lang, open_list=False, prompt=prompt)
    for col, rule in rules.items():
        title = heads[col][:32]
        rule.promptTitle = title
        if rule.showErrorMessage:
            rule.errorTitle = title
    return rules


def _prepare_rows(ws: Worksheet, layout: excel.SheetLayout, heads: dict[str, str],
                  rows: int) -> None:
    """Number formats of the prepared rows: text (``@``) unless the column has a kind."""
    for col in COLUMNS:
        fmt = excel.NUMBER_FORMATS[KINDS.get(col, "text")]
        letter = layout.columns[heads[col]]
        ws.column_dimensions[letter].number_format = fmt
        j = column_index_from_string(letter)
        for i in range(layout.first_data_row, layout.first_data_row + rows):
            cell = ws.cell(row=i, column=j)
            cell.number_format = fmt
            if col in ALIGN:
                cell.alignment = ALIGN[col]
        fitted = excel.display_width(heads[col]) + 4  # header, autofilter and drop-down button
        ws.column_dimensions[letter].width = max(fitted, MIN_WIDTHS[col])
        if col in REQUIRED:
            ws[f"{letter}{layout.header_row}"].fill = REQUIRED_FILL


def write_register_template(path: str | os.PathLike | None = None, *, names: Names | None = None,
                            lang: str = "zh", rows: int = ROWS) -> Path:
    """Write the deal register template to ``path`` (default :func:`register_path`),
    atomically, and return the path.

    ``names``: the stores and agents of the drop-downs (:func:`store_names`); without them
    those two columns are free text with a note saying how to get the lists. ``rows``: how
    many rows the validations and formats cover.
    """
    if rows < 1:
        raise ValueError(f"rows must be at least 1, not {rows}")
    names = names or Names()
    heads = headers(lang)
    wb = Workbook()
    ws = wb.active
    ws.title = excel.sheet_names([label("reg_sheet", lang)])[0]
    layout = excel.write_sheet(ws, pd.DataFrame(columns=[heads[c] for c in COLUMNS]),
                               kinds={heads[c]: KINDS.get(c, "text") for c in COLUMNS},
                               lang=lang)
    _prepare_rows(ws, layout, heads, rows)
    last = layout.first_data_row + rows - 1
    ws.auto_filter.ref = f"A{layout.header_row}:{get_column_letter(len(COLUMNS))}{last}"
    # printed: landscape, one page wide, the header on every page
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.print_title_rows = f"{layout.header_row}:{layout.header_row}"
    refs = _lists_sheet(wb, names, lang)
    for col, rule in _rules(refs, heads, lang).items():
        letter = layout.columns[heads[col]]
        ws.add_data_validation(rule)
        rule.add(f"{letter}{layout.first_data_row}:{letter}{last}")
    wb.active = 0
    return excel.save_atomic(wb, Path(path) if path else register_path(lang))
