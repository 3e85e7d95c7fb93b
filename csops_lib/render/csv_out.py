"""Writing a computed table as text (``csops kpis --out``, ``csops funnel --out``, the
quarantine of ``csops validate`` / ``csops funnel``): ``.csv`` (UTF-8 with BOM, so Excel shows
Chinese) or ``.parquet`` by extension, or CSV to a stream. Workbooks (``.xlsx``) are
:mod:`csops_lib.render.tables_out`'s, which adds them to these; this module does not import
openpyxl (0.1 s of every ``csops kpis`` start).

Every CSV written here follows the OWASP CSV-injection rule: a text cell (or header) starting
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'``, so a
spreadsheet shows it as text and never runs it as a formula; numbers (negative ones too) stay
numbers.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO

import pandas as pd

from csops_lib.reports.kpis import ExportError

#: the first characters that make a spreadsheet take text for a formula (OWASP)
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

#: what ``--out`` may end with (``.xlsx``: :mod:`csops_lib.render.tables_out`)
OUT_SUFFIXES = (".csv", ".xlsx", ".parquet")


def check_out_path(out: str | os.PathLike | None) -> None:
    """Fail early on an unsupported ``--out`` extension."""
    if out is not None and Path(out).suffix.lower() not in OUT_SUFFIXES:
        raise ExportError(f"--out {out}: unsupported extension (use {', '.join(OUT_SUFFIXES)})")


def looks_like_formula(value: object) -> bool:
    """Whether ``value`` is text a spreadsheet would take for a formula
    (it starts with one of :data:`FORMULA_TRIGGERS`)."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


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
    """Write by extension: ``.csv`` UTF-8 with BOM, ``.parquet``; ``out=None`` writes CSV
    (no BOM) to ``stream`` (default stdout)."""
    if out is None:
        _for_text(df).to_csv(stream or sys.stdout, index=False, lineterminator="\n")
        return
    check_out_path(out)
    path = Path(out)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        write_csv(df, path)
    elif suffix == ".xlsx":
        raise ExportError(f"--out {out}: workbooks are written by csops_lib.render.tables_out")
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        df.to_parquet(path, index=False)
