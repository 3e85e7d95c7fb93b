"""Writing a computed table (``csops kpis --out``, ``csops funnel --out``): ``.csv`` (UTF-8 with
BOM, so Excel shows Chinese), ``.xlsx`` or ``.parquet`` by extension, or CSV to a stream."""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO

import pandas as pd

from csops_lib.reports.kpis import ExportError

OUT_SUFFIXES = (".csv", ".xlsx", ".parquet")


def check_out_path(out: str | os.PathLike | None) -> None:
    """Fail early on an unsupported ``--out`` extension."""
    if out is not None and Path(out).suffix.lower() not in OUT_SUFFIXES:
        raise ExportError(f"--out {out}: unsupported extension (use {', '.join(OUT_SUFFIXES)})")


def _for_text(df: pd.DataFrame) -> pd.DataFrame:
    """Dates as YYYY-MM-DD text for CSV output."""
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            values = out[col]
            midnight = values.dropna().eq(values.dropna().dt.normalize()).all()
            out[col] = values.dt.strftime("%Y-%m-%d" if midnight else "%Y-%m-%d %H:%M:%S")
    return out


def write_table(df: pd.DataFrame, out: str | os.PathLike | None,
                stream: IO[str] | None = None) -> None:
    """Write by extension: ``.csv`` UTF-8 with BOM, ``.xlsx``, ``.parquet``; ``out=None``
    writes CSV (no BOM) to ``stream`` (default stdout)."""
    if out is None:
        _for_text(df).to_csv(stream or sys.stdout, index=False, lineterminator="\n")
        return
    check_out_path(out)
    path = Path(out)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        _for_text(df).to_csv(path, index=False, encoding="utf-8-sig")
    elif suffix == ".xlsx":
        frame = df.copy()
        for col in frame.columns:  # Excel has no nullable ints / tz; plain values
            if isinstance(frame[col].dtype, pd.Int64Dtype):
                frame[col] = frame[col].astype("float64")
        frame.to_excel(path, index=False)
    else:
        df.to_parquet(path, index=False)
