"""`csops leaderboard`: read the latest data, compute the standings (metrics.leaderboard) and print them."""
from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from csops_lib.metrics._common import as_ns
from csops_lib.metrics.leaderboard import (
    BY,
    CHAT_COLS,
    MIN_ORDER_LOOKBACK_DAYS,
    ORDER_COLS,
    _ts,
    standings,
)
from csops_lib.render.labels import label
from csops_lib.settings.shop import resolve_params

# --------------------------------------------------------------------------- computing

# --------------------------------------------------------------------------- loading
def _read_window(store_dir: Path, table: str, lo, hi, columns: Sequence[str]) -> pd.DataFrame:
    """Store partitions [lo, hi] of ``table`` with the ``columns`` that exist."""
    import pyarrow.parquet as pq

    from csops_lib import store

    folder = store_dir / table
    first = next(folder.glob("*/part.parquet"), None) if folder.exists() else None
    if first is None:
        return pd.DataFrame()
    have = set(pq.read_schema(first).names)
    return store.read(store_dir, table, lo, hi, columns=[c for c in columns if c in have])



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
        from csops_lib.loaders.core import load

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
            from csops_lib.schema import TABLES

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
    from csops_lib.metrics.attribution import default_as_of

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



# --------------------------------------------------------------------------- text output
def _w(text: str) -> int:
    """Display width (CJK characters take two columns)."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))



def _table(rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(_w(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for n, r in enumerate(rows):
        cells = []
        for i, cell in enumerate(r):
            pad = " " * (widths[i] - _w(cell))
            cells.append(pad + cell if i in right else cell + pad)
        out.append("  ".join(cells).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return out



def _money(v) -> str:
    return "–" if v is None or pd.isna(v) else f"¥{v:,.0f}"



def _count(v) -> str:
    return "–" if v is None or pd.isna(v) else f"{int(v):,}"



def _pct(v) -> str:
    return "–" if v is None or pd.isna(v) else f"{v:.0%}"



def format_standings(result: dict[str, Any], lang: str = "zh") -> str:
    """A compact text table of :func:`standings` for the hourly announcement."""
    def t(key):
        return label(key, lang)

    by = result["by"]
    since = result["since"]
    until = result["until"] or result["as_of"]
    span = f"{since:%m-%d %H:%M} – {until:%m-%d %H:%M}" if until is not None \
        else f"{since:%m-%d %H:%M} –"
    ranked = (f"{t(f'lb_by_{by}')} {t('lb_by_attainment')}" if result["on_attainment"]
              else t(f"lb_by_{by}"))
    lines = [f"{t('lb_title')}  {t('lb_window')} {span}  ·  {t('lb_ranked_on')}: {ranked}"]
    if result["as_of"] is not None:
        lines[0] += f"  ·  {t('lb_as_of')} {result['as_of']:%m-%d %H:%M}"
    lines += ["", f"{t('lb_team_pk')}"]
    head = [t("rank"), t("lb_team"), t("lb_headcount"), t("orders"), t("sales")]
    teams = result["teams"]
    with_targets = bool(teams[f"target_{by}"].notna().any())
    if with_targets:
        head += [t(f"lb_target_{by}"), t(f"lb_{by}_attainment")]
    rows = [head]
    for r in teams.itertuples(index=False):
        team = t("lb_no_team") if r.team == "no team" else str(r.team)
        row = [str(r.rank), team, _count(r.headcount), _count(r.orders), _money(r.sales)]
        if with_targets:
            tgt = getattr(r, f"target_{by}")
            row += [_money(tgt) if by == "sales" else _count(tgt),
                    _pct(getattr(r, f"{by}_attainment"))]
        rows.append(row)
    rows.append(["", t("lb_silent"), "", _count(result["silent_orders"]),
                 _money(result["silent_sales"])] + (["", ""] if with_targets else []))
    rows.append(["", t("lb_total"), "", _count(result["orders"]), _money(result["sales"])]
                + (["", ""] if with_targets else []))
    lines += _table(rows, right={0, 2, 3, 4, 5, 6})
    lines += ["", t("lb_top_agents")]
    agents = result["agents"]
    a_targets = bool(agents[f"target_{by}"].notna().any()) if len(agents) else False
    head = [t("rank"), t("agent"), t("lb_team"), t("orders"), t("sales")]
    if a_targets:
        head += [t(f"lb_{by}_attainment")]
    rows = [head]
    for r in agents.itertuples(index=False):
        team = t("lb_no_team") if r.team == "no team" else str(r.team)
        row = [str(r.rank), str(r.agent), team, _count(r.orders), _money(r.sales)]
        if a_targets:
            row.append(_pct(getattr(r, f"{by}_attainment")))
        rows.append(row)
    lines += _table(rows, right={0, 3, 4, 5})
    return "\n".join(lines)



def run(*, since, files: Sequence[str | os.PathLike] | None = None,
        store_dir: str | os.PathLike | None = None, until=None, by: str = "sales",
        top: int = 5, lang: str = "zh", params: dict[str, Any] | None = None,
        timing: bool = True) -> str:
    """``csops leaderboard``: load the latest exports (or the store), compute the standings
    and return the text to print (with the elapsed time on the last line when ``timing``)."""
    started = time.monotonic()
    if (files and store_dir) or not (files or store_dir):
        raise ValueError("give either export FILES or --store DIR")
    if by not in BY:
        raise ValueError(f"--by must be one of {', '.join(BY)}, got {by!r}")
    p = resolve_params(params)
    tables = load_latest(store_dir if store_dir else list(files), since, until, p)
    result = standings(tables["chats"], tables["orders"], tables["roster"], since, until,
                       by=by, top=top, promos=tables["promos"], params=p,
                       as_of=tables["as_of"])
    text = format_standings(result, lang)
    if timing:
        text += f"\n\n({time.monotonic() - started:.1f} s, {dt.datetime.now():%H:%M:%S})"
    return text

