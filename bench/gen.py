"""Synthetic chat logs and orders at scale, in the store layout, from the demo generator.

A bench store of N messages is ``copies`` independent demo shops (``csops_lib.demo.generate``
with seeds ``seed, seed + 1, ...``, all ending on the same day), so every message, session,
response time and order follows the demo's distributions; only the keys are renamed per copy
(agent ``小美#03``, customer ``c03-…``, store ``…#03``, order ``o03-…``) so that the copies do
not merge. A 10 M-message store is thus ~40 shops × 10 agents × 56 days (~180 k messages a
day), written as a real store (:func:`csops_lib.store.create_store`: one Delta table per
table, partitioned by the row's day, one ``create`` entry in the store's log), rows in the
store's (day, key) order.

Generated stores are cached: :func:`ensure_store` regenerates only when ``_bench_meta.json``
is missing or describes other parameters.
"""
from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from csops_lib import demo, engine
from csops_lib.metrics import day_tables

BENCH_DIR = Path(__file__).resolve().parent
DATA_DIR = BENCH_DIR / "data"
END = "2026-11-22"  # a fixed last day, so generated data never depend on today's date
META = "_bench_meta.json"
TABLES_WRITTEN = ("chats", "orders", "refunds")
GEN_VERSION = 3  # 2: the Delta Lake store; 3: seq + the per-day derived tables


def _rename(tables: dict[str, pd.DataFrame], i: int) -> dict[str, pd.DataFrame]:
    """The copy-``i`` tables with agent, customer, store and id keys made unique to the copy."""
    tag = f"{i:02d}"
    out = {}
    for name in TABLES_WRITTEN:
        df = tables[name].copy()
        for col, fmt in (("agent", "{v}#{tag}"), ("customer_id", "c{tag}-{v}"),
                         ("store", "{v}#{tag}"), ("order_id", "o{tag}-{v}"),
                         ("refund_id", "r{tag}-{v}"), ("session_id", "{v}-{tag}")):
            if col in df.columns:
                df[col] = _fast_affix(df[col], fmt, tag)
        out[name] = df
    return out


def _fast_affix(s: pd.Series, fmt: str, tag: str) -> pd.Series:
    """``fmt`` (``{v}`` the value, ``{tag}`` the copy tag) applied to each non-missing value,
    on the distinct values only (keys repeat a lot)."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    new = np.array([fmt.format(v=v, tag=tag) for v in uniques], dtype=object)
    vals = np.where(codes >= 0, new[np.clip(codes, 0, None)] if len(new) else None, None)
    return pd.Series(vals, index=s.index, dtype=s.dtype, name=s.name)


def generate_store(folder: Path, *, copies: int, weeks: int = 8, seed: int = 1,
                   end: str = END, progress: bool = True) -> dict:
    """Write a bench store of ``copies`` demo shops into ``folder`` (replaced); returns its
    meta (row counts, parameters)."""
    folder = Path(folder)
    tmp = folder.with_name(folder.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    started = time.monotonic()
    parts: dict[str, list[pa.Table]] = {t: [] for t in TABLES_WRITTEN}
    for i in range(copies):
        tables = _rename(demo.generate(weeks=weeks, seed=seed + i, end=end), i)
        for name in TABLES_WRITTEN:
            parts[name].append(pa.Table.from_pandas(tables[name], preserve_index=False))
        if progress and (i + 1) % 5 == 0:
            print(f"  generated {i + 1}/{copies} shops ({time.monotonic() - started:.0f} s)",
                  flush=True)
    tables = {name: pa.concat_tables(parts.pop(name), promote_options="default")
              for name in TABLES_WRITTEN}
    rows = {name: t.num_rows for name, t in tables.items()}
    engine.create_store(tmp, tables, note=f"bench: {copies} demo shop(s) x {weeks} weeks")
    del tables
    meta = {"version": GEN_VERSION, "derive": day_tables.DERIVE_VERSION, "copies": copies,
            "weeks": weeks, "seed": seed, "end": end, "rows": rows, "seconds": round(time.monotonic() - started, 1)}
    (tmp / META).write_text(json.dumps(meta, indent=1))
    if folder.exists():
        shutil.rmtree(folder)
    tmp.rename(folder)
    return meta


def read_meta(folder: Path) -> dict | None:
    path = Path(folder) / META
    return json.loads(path.read_text()) if path.exists() else None


def ensure_store(folder: Path, *, copies: int, weeks: int = 8, seed: int = 1, end: str = END,
                 progress: bool = True) -> dict:
    """The cached store's meta, generating it first when missing or made with other
    parameters."""
    meta = read_meta(folder)
    want = {"version": GEN_VERSION, "derive": day_tables.DERIVE_VERSION, "copies": copies,
            "weeks": weeks, "seed": seed, "end": end}
    if meta is not None and all(meta.get(k) == v for k, v in want.items()):
        return meta
    if progress:
        print(f"generating {folder} ({copies} shop(s) × {weeks} weeks) ...", flush=True)
    return generate_store(folder, copies=copies, weeks=weeks, seed=seed, end=end,
                          progress=progress)


#: messages of one 8-week demo shop (seed 1), to turn a message target into copies
MESSAGES_PER_8W_SHOP = 248_000


def copies_for(messages: float, weeks: int = 8) -> int:
    """Demo shops of ``weeks`` weeks needed for about ``messages`` chat messages."""
    per = MESSAGES_PER_8W_SHOP * weeks / 8
    return max(1, int(round(float(messages) / per)))
