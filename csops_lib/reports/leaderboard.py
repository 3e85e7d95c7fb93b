"""`csops leaderboard`: read the latest data and compute the standings (metrics.leaderboard);
the text is :mod:`csops_lib.render.leaderboard`."""
from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from csops_lib import store
from csops_lib.loaders.core import load
from csops_lib.metrics._common import as_ns
from csops_lib.metrics.attribution import default_as_of
from csops_lib.metrics.leaderboard import (
    BY,
    CHAT_COLS,
    MIN_ORDER_LOOKBACK_DAYS,
    ORDER_COLS,
    _ts,
    standings,
)
from csops_lib.schema import TABLES
from csops_lib.settings.shop import resolve_params


# --------------------------------------------------------------------------- loading
def _read_window(store_dir: Path, table: str, lo, hi, columns: Sequence[str]) -> pd.DataFrame:
    """Store partitions [lo, hi] of ``table`` with the ``columns`` that exist."""
    return store.read(store_dir, table, lo, hi, columns=columns)  # absent columns left out



def load_latest(source: str | os.PathLike | Iterable[str | os.PathLike], since, until=None,
                params: dict[str, Any] | None = None) -> dict[str, Any]:
    """The tables the standings need: ``chats``, ``orders``, ``roster``, ``promos`` (the
    last three may be None) and ``as_of``.

    ``source``: a store folder (only the partitions and columns needed are read; see the
    module docstring) or an iterable of export files (loaded with :func:`csops_lib.loaders.core.load`,
    table guessed from the headers; several files of one table are combined, duplicates
    dropped; chats are kept from ``since − followup_days``, orders paid from ``since``).
    The ``promos`` rows kept are those of promos whose window contains ``since`` (their
    targets); none → None.
    """
    p = resolve_params(params)
    lo, hi = _ts(since), _ts(until)
    if lo is None:
        raise ValueError("since is required, e.g. '2026-11-11 00:00'")
    fd = pd.Timedelta(days=int(p["followup_days"]))
    chats_lo = lo.normalize() - fd
    tables: dict[str, pd.DataFrame | None] = {}
    if isinstance(source, (str, os.PathLike)) and Path(source).is_dir():
        folder = Path(source)
        back = pd.Timedelta(days=max(MIN_ORDER_LOOKBACK_DAYS,
                                     int(p["after_sales_lookback_days"])))
        tables["chats"] = _read_window(folder, "chats", chats_lo, hi, CHAT_COLS)
        tables["orders"] = _read_window(folder, "orders", chats_lo - back, hi, ORDER_COLS)
        for name in ("roster", "promos"):
            frame = _read_window(folder, name, None, None, [
                "agent", "team", "role", "shift_start", "shift_end", "hired_on", "name",
                "start", "end", "target_orders", "target_sales"])
            tables[name] = None if frame.columns.empty else frame
    else:
        paths = [Path(source)] if isinstance(source, (str, os.PathLike)) else list(map(Path, source))
        if not paths:
            raise ValueError("no export files given (or --store DIR)")
        parts: dict[str, list[pd.DataFrame]] = {}
        for path in paths:
            if not path.exists():
                raise FileNotFoundError(f"{path}: no such file")
            frame, rep = load(path)
            parts.setdefault(rep.table, []).append(frame)
        for name in ("chats", "orders", "roster", "promos"):
            frames = parts.get(name)
            if not frames:
                tables[name] = None
                continue
            df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
            key = [c for c in TABLES[name].key if c in df.columns]
            tables[name] = df.drop_duplicates(key, keep="last").reset_index(drop=True)
        if tables["chats"] is not None:
            c = tables["chats"]
            t = as_ns(c["sent_at"])
            keep = t >= chats_lo
            if hi is not None:
                keep &= t <= hi
            tables["chats"] = c[keep.to_numpy()].reset_index(drop=True)
    for name in ("chats", "orders"):
        if tables.get(name) is None or tables[name].columns.empty:
            what = "chat log" if name == "chats" else "order export"
            raise ValueError(f"no {what} among the inputs: give the latest {name} export "
                             f"file(s) or --store DIR")
    as_of = default_as_of((tables["chats"], "sent_at"), (tables["orders"], "paid_at"))
    if hi is not None and pd.notna(as_of):
        as_of = min(as_of, hi)
    tables["as_of"] = None if pd.isna(as_of) else as_of
    promos = tables.get("promos")
    if promos is not None and {"start", "end"} <= set(promos.columns):
        inside = (as_ns(promos["start"]) <= lo) & (lo <= as_ns(promos["end"]))
        if "name" in promos.columns and inside.any():
            names = set(promos.loc[inside, "name"])
            promos = promos[promos["name"].isin(names)]
        else:
            promos = promos[inside]
        tables["promos"] = promos if len(promos) else None
    return tables



def compute(*, since, files: Sequence[str | os.PathLike] | None = None,
            store_dir: str | os.PathLike | None = None, until=None, by: str = "sales",
            top: int = 5, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """``csops leaderboard``'s numbers: load the latest exports (or the store) and return
    :func:`csops_lib.metrics.leaderboard.standings` (the text is
    :func:`csops_lib.render.leaderboard.format_standings`)."""
    if (files and store_dir) or not (files or store_dir):
        raise ValueError("give either export FILES or --store DIR")
    if by not in BY:
        raise ValueError(f"--by must be one of {', '.join(BY)}, got {by!r}")
    p = resolve_params(params)
    tables = load_latest(store_dir if store_dir else list(files), since, until, p)
    return standings(tables["chats"], tables["orders"], tables["roster"], since, until,
                     by=by, top=top, promos=tables["promos"], params=p, as_of=tables["as_of"])
