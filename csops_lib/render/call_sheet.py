"""The agents' callback (回访) call sheet: the day's plan as an Excel workbook.

One sheet per agent with the customers' phone numbers (text cells), a result column with
a drop-down of :data:`~csops_lib.loaders.call_sheets.OUTCOMES`, :data:`BLANK_ROWS` formatted
blank rows under the calls for the calls an agent adds (the drop-down covers them too) and a
wide, wrapping notes column to write in. The plan comes from
:mod:`csops_lib.reports.callbacks`; the filled sheet loads back with
:func:`csops_lib.loaders.call_sheets.load_call_sheets`.

The call sheet is the one document that carries unmasked phone numbers (DESIGN.md, PII): it is
meant for the agents making the calls, not for reports.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from csops_lib.loaders.call_sheets import OUTCOMES, PLAN_COLUMNS, SHEET_HEADERS
from csops_lib.metrics._common import require
from csops_lib.render import excel
from csops_lib.render.labels import label, sentence
from csops_lib.reports.callbacks import TEXT_COLUMNS, plan_callbacks, text
from csops_lib.settings.paths import outputs_dir

#: the Excel kind (number format) of each plan column
SHEET_KINDS = {"date": "date", "agent": "text", "order_id": "text", "customer_id": "text",
               "customer_name": "text", "phone": "text", "product": "text", "amount": "money",
               "paid_at": "datetime", "result": "text", "notes": "text"}
#: blank rows under each agent's calls, formatted like the rows above and inside the result
#: drop-down and the autofilter, for the calls an agent adds (a customer who called back)
BLANK_ROWS = 20
#: the width of the notes column (characters; its cells wrap), room to write a sentence
NOTES_WIDTH = 40


def _result_dropdown(lang: str) -> DataValidation:
    """The result column's drop-down of :data:`OUTCOMES`, with its prompt and error text."""
    title = label("callsheet_result_title", lang)
    return DataValidation(type="list", formula1=f'"{",".join(OUTCOMES)}"', allow_blank=True,
                          showErrorMessage=True, showInputMessage=True, errorStyle="stop",
                          promptTitle=title, prompt=label("callsheet_result_prompt", lang),
                          errorTitle=title, error=label("callsheet_result_error", lang))


def _agent_groups(frame: pd.DataFrame, plan: pd.DataFrame, agent_col: str,
                  lang: str) -> list[tuple[str, pd.DataFrame]]:
    """(sheet name, rows) per agent in plan order; rows without an agent on one sheet; an
    empty plan → one empty sheet named after its date."""
    agents = list(dict.fromkeys(frame[agent_col].dropna()))
    groups = [(a, frame[frame[agent_col] == a]) for a in agents]
    if frame[agent_col].isna().any():
        groups.append((label("callsheet_unassigned", lang), frame[frame[agent_col].isna()]))
    if not groups:
        day = pd.Timestamp(plan["date"].iloc[0]) if len(plan) else None
        groups = [(f"{day:%Y-%m-%d}" if day is not None else label("callsheet_sheet", lang),
                   frame)]
    return groups


def _room_to_write(ws, layout: excel.SheetLayout, headers: dict[str, str], lang: str,
                   blank_rows: int) -> None:
    """``blank_rows`` formatted rows under the calls; the result drop-down and the autofilter
    down to the last of them; the result column wide enough for the longest outcome; the
    notes column :data:`NOTES_WIDTH` wide, wrapping."""
    last = layout.last_row + blank_rows
    for header, letter in layout.columns.items():  # an ID typed in stays text, a date a date
        fmt = excel.NUMBER_FORMATS.get(layout.kinds[header], "General")
        for row in range(layout.last_row + 1, last + 1):
            ws[f"{letter}{row}"].number_format = fmt
    dv = _result_dropdown(lang)
    ws.add_data_validation(dv)
    result = layout.columns[headers["result"]]
    dv.add(f"{result}{layout.first_data_row}:{result}{max(last, layout.first_data_row)}")
    widest = max(excel.display_width(o) for o in OUTCOMES) + 4  # the chosen outcome + arrow
    ws.column_dimensions[result].width = max(widest, ws.column_dimensions[result].width or 0)
    notes = layout.columns[headers["notes"]]
    ws.column_dimensions[notes].width = max(NOTES_WIDTH, ws.column_dimensions[notes].width or 0)
    for row in range(layout.first_data_row, last + 1):
        ws[f"{notes}{row}"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.auto_filter.ref = f"A{layout.header_row}:{get_column_letter(len(layout.columns))}{last}"


def write_call_sheet(plan: pd.DataFrame, path: str | os.PathLike, *, lang: str = "zh",
                     blank_rows: int = BLANK_ROWS) -> Path:
    """Write ``plan`` (from :func:`csops_lib.reports.callbacks.call_plan`) as the agents'
    call sheet, atomically.

    One sheet per agent (the sheet name is the agent, made valid for Excel), headers of
    :data:`SHEET_HEADERS` (recognised by the ``callbacks`` loader; ``load_call_sheets``
    reads them back), IDs and phone numbers as text cells (``@``, so Excel never shows
    ``1.38E+10``), money and time formats, frozen header, autofilter, fitted widths (the
    formatting of :func:`csops_lib.render.excel.write_sheet`), ``blank_rows`` formatted blank
    rows under the calls for additions, a drop-down of :data:`OUTCOMES` on the result column
    down to the last blank row, and a notes column :data:`NOTES_WIDTH` wide that wraps. A plan
    without rows gives one empty sheet named after the date (with its blank rows).
    """
    if lang not in SHEET_HEADERS:
        raise ValueError(f"lang must be one of {', '.join(SHEET_HEADERS)}, not {lang!r}")
    require(plan, ("date", "agent", "order_id"), "call plan")
    headers = SHEET_HEADERS[lang]
    frame = plan.copy()
    for col in PLAN_COLUMNS:
        if col not in frame:
            frame[col] = np.nan
    for col in TEXT_COLUMNS:
        frame[col] = text(frame[col])
    frame = frame[list(PLAN_COLUMNS)].rename(columns=headers)
    kinds = {headers[c]: k for c, k in SHEET_KINDS.items()}
    groups = _agent_groups(frame, plan, headers["agent"], lang)

    wb = Workbook()
    wb.remove(wb.active)
    for name, (_, rows) in zip(excel.sheet_names(g[0] for g in groups), groups, strict=True):
        ws = wb.create_sheet(name)
        layout = excel.write_sheet(ws, rows.reset_index(drop=True), kinds=kinds, lang=lang)
        _room_to_write(ws, layout, headers, lang, blank_rows)
    return excel.save_atomic(wb, path)


def call_sheet_path(day, lang: str = "zh", out_root: str | os.PathLike | None = None) -> Path:
    """``outputs/callbacks/<day>/回访_<day>.xlsx`` (``callbacks_<day>.xlsx`` in English; the
    outputs folder is :func:`~csops_lib.settings.paths.outputs_dir`); the folder is created."""
    day = pd.Timestamp(day)
    folder = Path(out_root or outputs_dir()) / "callbacks" / f"{day:%Y-%m-%d}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / sentence("callsheet_file", lang, date=f"{day:%Y-%m-%d}")


def make_call_sheet(data_dir: str | os.PathLike, date=None, *, out_root=None, lang: str = "zh",
                    lag_days: int | None = None, calls_per_agent: int | None = None,
                    seed: int | None = None) -> tuple[Path, pd.DataFrame]:
    """Plan the day's callbacks from the store (:func:`~csops_lib.reports.callbacks.
    plan_callbacks`) and write the call sheet to :func:`call_sheet_path`; return
    (path, plan)."""
    day, plan = plan_callbacks(data_dir, date, lag_days=lag_days,
                               calls_per_agent=calls_per_agent, seed=seed)
    return write_call_sheet(plan, call_sheet_path(day, lang, out_root), lang=lang), plan
