"""The agents' chase (追单) sheets: one Excel sheet per agent with the customers to chase today.

The rows come from :func:`csops_lib.reports.daily.load_chase`: each agent's first
``chase_per_agent`` customers (shop setting) of the chase list, most worth chasing first (the
follow-up window's last day first, then the larger expected amount). A sheet names the real
buyer nick (the agents need it to find the buyer; like the callback call sheet it is for the
agents, never for the boss: the daily report shows counts and masked examples only) and no
phone number (a chase is a chat message). "Last day today" is counted from the day the sheets
are used (``csops chase --date``, default today).

Every text cell is written as text by :func:`csops_lib.render.excel.write_sheet` (a nick or a
product beginning with ``=`` stays text, never a formula); rows whose last day is today are
highlighted; the notes column is wide enough to write in.
"""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, PatternFill

from csops_lib.metrics.followups import AMOUNT_BASES
from csops_lib.render import excel
from csops_lib.render.labels import label, sentence
from csops_lib.reports.daily import ChaseData, load_chase
from csops_lib.settings.paths import outputs_dir

#: the sheet's columns (plan column → label key) in order
COLUMNS = {"rank": "chase_order", "customer_id": "buyer_nick", "store": "store",
           "last_session_at": "last_session_at", "products": "products",
           "expected_amount": "expected_amount", "amount_basis": "amount_basis",
           "window_last_day": "window_last_day", "days_left": "days_left",
           "last_day_today": "last_day_today", "times_chased": "times_chased",
           "notes": "chase_notes"}
#: the Excel kind of each column
KINDS = {"rank": "count", "customer_id": "text", "store": "text", "last_session_at": "datetime",
         "products": "text", "expected_amount": "money", "amount_basis": "text",
         "window_last_day": "date", "days_left": "count", "last_day_today": "general",
         "times_chased": "count", "notes": "text"}
LAST_DAY_FILL = PatternFill("solid", fgColor="FCE4D6")
NOTES_WIDTH = 40


def sheet_frame(rows: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """One agent's rows of a chase plan as the sheet shows them (labelled columns, the amount
    basis in words, "last day today" as yes/no, an empty notes column)."""
    out = pd.DataFrame({
        "rank": pd.to_numeric(rows["rank"]).astype("int64"),
        "customer_id": rows["customer_id"].astype(object),
        "store": rows["store"].astype(object),
        "last_session_at": pd.to_datetime(rows["last_session_at"]),
        "products": rows["products"].astype(object),
        "expected_amount": pd.to_numeric(rows["expected_amount"]).astype("float64"),
        "amount_basis": rows["amount_basis"].map(
            lambda b: label(f"chase_basis_{b}", lang) if b in AMOUNT_BASES else None),
        "window_last_day": pd.to_datetime(rows["window_last_day"]),
        "days_left": pd.to_numeric(rows["days_left"]).astype("int64"),
        "last_day_today": pd.to_numeric(rows["days_left"]).astype("int64") == 1,
        "times_chased": pd.to_numeric(rows["times_chased"]).astype("int64"),
        "notes": pd.Series([None] * len(rows), dtype=object),
    }, index=rows.index)
    return out.reset_index(drop=True).rename(columns=lambda c: label(COLUMNS[c], lang))


def write_chase_sheet(data: ChaseData, path: str | os.PathLike, *, lang: str = "zh") -> Path:
    """Write the chase plan of ``data`` as one sheet per agent (in the plan's order), a title
    row saying how many of the agent's customers are on it and how they are ordered, text
    cells as text, the rows whose last day is today highlighted; atomically. A day without
    anybody to chase gives one sheet saying so."""
    label("chase_title", lang)  # validates lang
    plan = data.plan
    empty = sheet_frame(plan.iloc[0:0], lang) if plan.empty else None
    totals = data.chase.groupby("agent").size() if len(data.chase) else pd.Series(dtype=int)
    end = data.data_day + pd.Timedelta(days=1) - pd.Timedelta(seconds=1)  # data as of this
    cut = end if data.as_of is None or pd.isna(data.as_of) else min(end, data.as_of)
    as_of = f"{cut:%Y-%m-%d %H:%M}"
    groups = [(a, plan[plan["agent"] == a]) for a in dict.fromkeys(plan["agent"])]
    wb = Workbook()
    wb.remove(wb.active)
    kinds = {label(COLUMNS[c], lang): k for c, k in KINDS.items()}
    if not groups:
        ws = wb.create_sheet(excel.sheet_names([sentence("chase_title", lang,
                                                         date=f"{data.use_day:%Y-%m-%d}")])[0])
        excel.write_sheet(ws, empty, kinds=kinds, lang=lang,
                          title=label("chase_sheet_none", lang))
        return excel.save_atomic(wb, path)
    for name, (agent, rows) in zip(excel.sheet_names(str(g[0]) for g in groups), groups,
                                   strict=True):
        ws = wb.create_sheet(name)
        title = (f"{sentence('chase_title', lang, date=f'{data.use_day:%Y-%m-%d}')} · "
                 + sentence("chase_sheet_caption", lang, agent=agent, n=len(rows),
                            total=int(totals.get(agent, len(rows))), cap=data.per_agent,
                            as_of=as_of))
        frame = sheet_frame(rows, lang)
        layout = excel.write_sheet(ws, frame, kinds=kinds, lang=lang, title=title)
        last_today = rows["days_left"].to_numpy() == 1
        for i, flag in enumerate(last_today):
            if flag:
                for cell in ws[layout.first_data_row + i]:
                    cell.fill = LAST_DAY_FILL
        notes = layout.columns[label("chase_notes", lang)]
        ws.column_dimensions[notes].width = NOTES_WIDTH
        for row in range(layout.first_data_row, layout.last_row + 1):
            ws[f"{notes}{row}"].alignment = Alignment(wrap_text=True, vertical="top")
    return excel.save_atomic(wb, path)


def chase_sheet_path(day, lang: str = "zh", out_root: str | os.PathLike | None = None) -> Path:
    """``outputs/chase/<day>/追单_<day>.xlsx`` (``chase_<day>.xlsx`` in English; the outputs
    folder is :func:`~csops_lib.settings.paths.outputs_dir`); the folder is created."""
    day = pd.Timestamp(day)
    folder = Path(out_root or outputs_dir()) / "chase" / f"{day:%Y-%m-%d}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / sentence("chase_file", lang, date=f"{day:%Y-%m-%d}")


def make_chase_sheet(data_dir: str | os.PathLike, date=None, *, out_root=None,
                     lang: str = "zh", params: dict | None = None) -> tuple[Path, ChaseData]:
    """Load the chase sheets for ``date`` (the day of use, default today) from the store
    (:func:`~csops_lib.reports.daily.load_chase`) and write them to
    :func:`chase_sheet_path`; return (path, data)."""
    label("chase_title", lang)
    data = load_chase(data_dir, date, params=params)
    return write_chase_sheet(data, chase_sheet_path(data.use_day, lang, out_root),
                             lang=lang), data
