"""Writing a computed table (``csops kpis --out``, ``csops funnel --out``, the quarantine of
``csops validate`` / ``csops funnel``): ``.csv`` (UTF-8 with BOM, so Excel shows Chinese),
``.xlsx`` or ``.parquet`` by extension, or CSV to a stream.

Text and Parquet are :mod:`csops_lib.render.csv_out`'s (every CSV follows the OWASP
CSV-injection rule, see there); workbooks go through
:func:`csops_lib.render.excel.write_workbook` (text cells are text cells, never formulas).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import IO

import pandas as pd

from csops_lib.render import csv_out
from csops_lib.render.csv_out import (
    OUT_SUFFIXES,
    check_out_path,
    csv_safe,
    guard_text,
    write_csv,
)
from csops_lib.render.excel import write_workbook

__all__ = ["OUT_SUFFIXES", "SHEET_NAME", "check_out_path", "csv_safe", "guard_text",
           "write_csv", "write_table"]

#: the sheet of a table written as .xlsx
SHEET_NAME = "Sheet1"


def write_table(df: pd.DataFrame, out: str | os.PathLike | None,
                stream: IO[str] | None = None) -> None:
    """Write by extension: ``.csv`` UTF-8 with BOM, ``.xlsx``, ``.parquet``; ``out=None``
    writes CSV (no BOM) to ``stream`` (default stdout)."""
    if out is not None and Path(out).suffix.lower() == ".xlsx":
        write_workbook(Path(out), {SHEET_NAME: df})
        return
    csv_out.write_table(df, out, stream)
