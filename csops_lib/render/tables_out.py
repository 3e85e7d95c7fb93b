"""Writing a computed table (``csops kpis --out``, ``csops funnel --out``, the quarantine of
``csops validate`` / ``csops funnel``): ``.csv`` (UTF-8 with BOM, so Excel shows Chinese),
``.xlsx`` or ``.parquet`` by extension, or CSV to a stream.

Every CSV written here follows the OWASP CSV-injection rule: a text cell (or header) starting
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'``, so a
spreadsheet shows it as text and never runs it as a formula; numbers (negative ones too) stay
numbers. Workbooks go through :func:`csops_lib.render.excel.write_workbook` (text cells are
text cells, never formulas).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO

import pandas as pd

from csops_lib.render.excel import looks_like_formula, write_workbook
from csops_lib.reports.kpis import ExportError

OUT_SUFFIXES = (".csv", ".xlsx", ".parquet")
#: the sheet of a table written as .xlsx
SHEET_NAME = "Sheet1"


def check_out_path(out: str | os.PathLike | None) -> None:
    """Fail early on an unsupported ``--out`` extension."""
    if out is not None and Path(out).suffix.lower() not in OUT_SUFFIXES:
        raise ExportError(f"--out {out}: unsupported extension (use {', '.join(OUT_SUFFIXES)})")


def guard_text(value: object) -> object:
    """``value`` safe for a CSV cell: text a spreadsheet would run as a formula gets a leading
    ``'``; anything else (numbers included) is returned as is."""
    return "'" + value if looks_like_formula(value) else value


def csv_safe(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with every formula-like text cell and header guarded (:func:`guard_text`);
    numeric, date and boolean columns are untouched."""
    out = df.copy()
    plain = (pd.api.types.is_numeric_dtype, pd.api.types.is_bool_dtype,
             pd.api.types.is_datetime64_any_dtype, pd.api.types.is_timedelta64_dtype)
    for i in range(out.shape[1]):
        values = out.iloc[:, i]
        if not any(test(values.dtype) for test in plain):  # text, object, categorical …
            out.isetitem(i, values.astype(object).map(guard_text))
    out.columns = [guard_text(c) if isinstance(c, str) else c for c in out.columns]
    return out


def _for_text(df: pd.DataFrame) -> pd.DataFrame:
    """Dates as YYYY-MM-DD text for CSV output, formula-like text guarded."""
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            values = out[col]
            midnight = values.dropna().eq(values.dropna().dt.normalize()).all()
            out[col] = values.dt.strftime("%Y-%m-%d" if midnight else "%Y-%m-%d %H:%M:%S")
    return csv_safe(out)


def write_csv(df: pd.DataFrame, path: str | os.PathLike) -> Path:
    """``df`` as a CSV file (UTF-8 with BOM; dates as text; formula-like text guarded)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _for_text(df).to_csv(path, index=False, encoding="utf-8-sig")
    return path


def write_table(df: pd.DataFrame, out: str | os.PathLike | None,
                stream: IO[str] | None = None) -> None:
    """Write by extension: ``.csv`` UTF-8 with BOM, ``.xlsx``, ``.parquet``; ``out=None``
    writes CSV (no BOM) to ``stream`` (default stdout)."""
    if out is None:
        _for_text(df).to_csv(stream or sys.stdout, index=False, lineterminator="\n")
        return
    check_out_path(out)
    path = Path(out)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        write_csv(df, path)
    elif suffix == ".xlsx":
        write_workbook(path, {SHEET_NAME: df})
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        df.to_parquet(path, index=False)
