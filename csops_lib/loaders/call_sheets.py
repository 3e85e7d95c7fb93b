"""The agents' callback call sheet read back as the ``callbacks`` table (one sheet per agent)."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
from python_calamine import CalamineError, CalamineWorkbook

from csops_lib.loaders.core import LoadError, LoadReport, MissingColumnError, load
from csops_lib.schema import TABLES

#: the outcomes offered in the result drop-down; "已接通…" = reached
OUTCOMES = ("已接通-满意", "已接通-有问题", "未接通", "拒接", "空号")



REACHED_PREFIX = "已接通"



#: columns of a call plan, in order
PLAN_COLUMNS = ("date", "agent", "order_id", "customer_id", "customer_name", "phone", "product",
                "amount", "paid_at", "result", "notes")



#: call-sheet headers per language. The callbacks columns use aliases of the ``callbacks``
#: table; the other headers are chosen so that fewer of them are ``orders`` aliases than the
#: six callbacks columns matched: a loader guessing the table from the headers (``csops
#: ingest`` of a filled sheet) must take it for ``callbacks``, never for ``orders`` (whose
#: rows it would otherwise overwrite with the callers as the orders' agents).
SHEET_HEADERS: dict[str, dict[str, str]] = {
    "zh": {
        "date": "回访日期", "agent": "回访人", "order_id": "订单编号", "customer_id": "买家",
        "customer_name": "收货人姓名", "phone": "联系手机", "product": "商品",
        "amount": "实付金额", "paid_at": "付款时间", "result": "回访结果", "notes": "回访备注",
    },
    "en": {
        "date": "date", "agent": "agent", "order_id": "order_id", "customer_id": "customer_id",
        "customer_name": "Buyer name", "phone": "Phone number", "product": "Goods",
        "amount": "Paid (yuan)", "paid_at": "Paid on", "result": "result", "notes": "notes",
    },
}



def load_call_sheets(path: str | os.PathLike, *,
                     keep_extra: bool = False) -> tuple[pd.DataFrame, list[LoadReport]]:
    """Read a filled call sheet back as the ``callbacks`` table, one load report per sheet.

    Every sheet is loaded with ``csops_lib.loaders.core.load(path, "callbacks", sheet=name)`` and the
    frames are concatenated. Rows whose result is still empty are kept (a call not made
    yet: ``result`` is missing); an empty agent cell takes the sheet's name. A row repeating
    the date and order_id of a row on an earlier sheet is moved to its sheet's quarantine as a
    ``duplicate``, so for each report ``rows_read == rows_loaded + rows_quarantined`` and
    the rows returned are the sum of ``rows_loaded``. A sheet with no callbacks header (a note
    added by the supervisor) is skipped, with a report that says so.

    ``keep_extra``: also return the sheet's other columns (customer name, phone, product,
    amount, paid_at, as text, under the plan's column names); by default only the callbacks
    columns are returned, so that no phone number travels further than the sheet.
    """
    path = Path(path)
    if not path.exists():
        raise LoadError(f"{path}: no such file")
    spec = TABLES["callbacks"]
    extra_names = {h: c for lang in SHEET_HEADERS.values() for c, h in lang.items()
                   if c not in spec.names}
    frames: list[pd.DataFrame] = []
    reports: list[LoadReport] = []
    seen: set[tuple] = set()
    try:
        sheet_names = CalamineWorkbook.from_path(str(path)).sheet_names
    except (CalamineError, OSError, ValueError) as exc:
        detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise LoadError(f"{path.name}: cannot be read as an Excel workbook ({detail})") from None
    for name in sheet_names:
        try:
            frame, report = load(path, "callbacks", sheet=name)
        except MissingColumnError:
            raise
        except LoadError as exc:
            reports.append(LoadReport(file=str(path), table="callbacks", sheet=name,
                                      header_row=0, column_map={},
                                      warnings=[f"sheet skipped: {exc}"]))
            continue
        if "agent" in frame:
            frame["agent"] = frame["agent"].fillna(name)
        frame = _drop_repeated(frame, report, seen)
        frame = frame.rename(columns=extra_names)
        if not keep_extra:
            frame = frame[[c for c in spec.names if c in frame.columns]]
        frames.append(frame)
        reports.append(report)
    if not frames:
        return pd.DataFrame(columns=list(spec.names)), reports
    return pd.concat(frames, ignore_index=True), reports



def _drop_repeated(frame: pd.DataFrame, report: LoadReport, seen: set[tuple]) -> pd.DataFrame:
    """Rows whose (date, order_id) was loaded from an earlier sheet → the report's quarantine
    (their ``row`` counts data rows below the header, blank rows not included)."""
    keys = list(zip(frame["date"], frame["order_id"], strict=True))
    dup = np.array([k in seen for k in keys], dtype=bool)
    seen.update(keys)
    if not dup.any():
        return frame
    moved = pd.DataFrame({
        "file": Path(report.file).name,
        "row": report.header_row + 1 + np.flatnonzero(dup),
        "column": "order_id",
        "value": frame.loc[dup, "order_id"].astype(str).to_numpy(),
        "kind": "duplicate",
        "reason": "same date/order_id already loaded from an earlier sheet",
    })
    report.quarantine = pd.concat([report.quarantine, moved], ignore_index=True)
    report.rows_loaded -= int(dup.sum())
    report.rows_quarantined += int(dup.sum())
    return frame[~dup].reset_index(drop=True)

