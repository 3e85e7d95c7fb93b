"""``csops ingest``: load exports and upsert their rows into the store as ONE recorded change.

Steps (see the package docstring for the guarantees):

1. load every file (slow; no lock held, the store untouched);
2. take the writers' lock (a second ingest prints one line and waits);
3. recover: migrate an old-layout store, cut a torn log line, put every table back to its
   recorded version, delete the files no recorded version references (see
   :func:`csops_lib.store.admin.recover`);
4. per table, one Delta MERGE on the natural key (:func:`csops_lib.store.delta.merge`) of
   the rows that are new or bring a value the store lacks or has otherwise;
5. append the ingest's record (files and their sha256, counts, the Delta version of every
   table) to the log: only now do readers see the change.

Fault injection for the tests: ``CSOPS_FAULT`` = ``after_load``, ``after_table:<table>``,
``before_log`` or ``during_log`` kills the process with SIGKILL at that point
(:func:`csops_lib.store.catalog.fault`).
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from csops_lib import loaders
from csops_lib.schema import TABLES
from csops_lib.store import admin, catalog, delta, derived
from csops_lib.store.read import _read, _to_pandas

#: export files loaded at once
LOAD_THREADS = 2


@dataclass
class IngestResult:
    """What one ingest did: the load reports, and rows new / updated / unchanged /
    quarantined per table, the Delta version of each table and the log record number."""

    reports: list[loaders.LoadReport] = field(default_factory=list)
    rows_new: dict[str, int] = field(default_factory=dict)
    rows_updated: dict[str, int] = field(default_factory=dict)
    rows_unchanged: dict[str, int] = field(default_factory=dict)
    rows_quarantined: dict[str, int] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)
    record: int | None = None
    notes: list[str] = field(default_factory=list)
    derived: list[str] = field(default_factory=list)  # the per-day tables derived

    @property
    def changed(self) -> bool:
        return any(self.rows_new.values()) or any(self.rows_updated.values())

    def summary(self) -> str:
        lines = [*self.notes, *(r.summary() for r in self.reports)]
        for table in sorted(self.rows_new):
            lines.append(
                f"store/{table}: {self.rows_new.get(table, 0)} new rows, "
                f"{self.rows_updated.get(table, 0)} updated rows, "
                f"{self.rows_unchanged.get(table, 0)} unchanged, "
                f"{self.rows_quarantined.get(table, 0)} quarantined")
        lines += [f"store: {d}" for d in self.derived]
        lines.append(f"recorded as ingest #{self.record} (`csops history` lists the ingests)"
                     + ("" if self.changed else ": store unchanged (everything was already "
                        "there)"))
        return "\n".join(lines)


def _load_file(path: Path, table: str | None, index: int = 0
               ) -> tuple[pd.DataFrame, list[loaders.LoadReport]]:
    """Load one export; a filled callback workbook (one sheet per agent) loads every sheet.
    Chat messages get their :data:`delta.SEQ` (the ``index``-th file of the ingest, row by
    row in the export's order; the ingest's number is added under the lock)."""
    df, report = loaders.load(path, table)
    if report.table == "callbacks" and path.suffix.lower() in (".xlsx", ".xlsm"):
        return loaders.load_call_sheets(path)
    if report.table == "chats":
        df = df.copy()
        df[delta.SEQ] = index * delta.SEQ_FILE + np.arange(len(df), dtype=np.int64)
    return df, [report]


def _dedupe(df: pd.DataFrame, key: Sequence[str]) -> pd.DataFrame:
    """One row per key; rows of one key are combined column by column, the last (newest)
    non-missing value winning: a later file without a value keeps an earlier one's."""
    if not key:
        return df.drop_duplicates()
    dup = df.duplicated(list(key), keep=False)
    if not dup.any():
        return df
    combined = df[dup].groupby(list(key), dropna=False, sort=False, as_index=False).last()
    combined = combined[list(df.columns)].astype(df.dtypes.to_dict(), errors="ignore")
    return pd.concat([df[~dup], combined], ignore_index=True)


def _keys(df: pd.DataFrame, key: Sequence[str]) -> pd.MultiIndex:
    return pd.MultiIndex.from_frame(df[list(key)].astype("string").fillna("\x00"))


def _same(s: pd.Series, t: pd.Series) -> pd.Series:
    """Row by row: the new value is missing, or equal to the stored one."""
    s_txt, t_txt = s.astype("string"), t.astype("string")
    return (s.isna().to_numpy() | (t.notna().to_numpy() & (s_txt == t_txt).fillna(False)
                                   .to_numpy()))


def _prepare(table: str, new: pd.DataFrame, dtypes: dict[str, str]) -> tuple[pd.DataFrame,
                                                                               list[str]]:
    """The batch with the table's dtypes, its key columns, one row per key and its day."""
    new = delta.normalise(new)
    for c, want in dtypes.items():
        if c in new.columns and str(new[c].dtype) != want:
            try:
                new[c] = new[c].astype(want)
            except (TypeError, ValueError):
                pass
    key = [k for k in TABLES[table].key if k in new.columns or k in dtypes]
    for k in key:
        if k not in new.columns:
            new[k] = pd.Series(pd.NA, index=new.index).astype(dtypes.get(k, "object"))
    new = _dedupe(new.reset_index(drop=True), key)
    new[delta.DAY] = delta.day_labels(table, new).to_numpy()
    order = [c for c in delta.row_order(table) if c in new.columns] or key
    return new.iloc[_sort_order(new, [delta.DAY, *order])].reset_index(drop=True), key


def _sort_order(df: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """The row order of ``df.sort_values(columns, kind="stable", na_position="last")``, by
    one ``lexsort`` of each column's sorted integer codes (text compared once per distinct
    value, not once per row)."""
    keys = []
    for c in reversed(list(columns)):  # lexsort: the last key is the primary one
        codes, uniques = pd.factorize(df[c], sort=True, use_na_sentinel=True)
        keys.append(np.where(codes < 0, len(uniques), codes))  # missing last
    return np.lexsort(keys) if keys else np.arange(len(df))


def _stored(store: Path, table: str, version: int, new: pd.DataFrame, key: list[str],
            dtypes: dict[str, str]) -> pd.DataFrame:
    """The stored rows that may match ``new`` (its days only when the day follows from the
    key), with the key and the batch's columns."""
    days = _days(new) if delta.day_in_key(table) else None
    files = [p for d, p in delta.files_at(store / table, version, store)
             if days is None or d in days]
    cols = [c for c in new.columns if c != delta.DAY]
    parts = [_read(store, table, f, cols) for f in files]
    parts = [p for p in parts if p.num_rows]
    if not parts:
        return pd.DataFrame(columns=cols)
    return _to_pandas(parts, dtypes)


def _days(frame: pd.DataFrame) -> set[str]:
    """The day partitions of ``frame``'s rows (distinct values first: a set of a million
    strings took 1.6 s)."""
    return set(frame[delta.DAY].unique().tolist())


def upsert(store: Path, table: str, new: pd.DataFrame, version: int | None,
           dtypes: dict[str, str]) -> tuple[dict[str, int], int, dict[str, str]]:
    """Upsert one table's batch: (counts new/updated/unchanged, new version, dtypes); the
    counts' ``days`` are the partitions it changed."""
    path = store / table
    new, key = _prepare(table, new, dtypes)
    data_cols = [c for c in new.columns if c != delta.DAY]
    merged_dtypes = {**dtypes, **{c: str(new[c].dtype) for c in data_cols if c not in dtypes}}
    if version is None:
        delta.create(path, delta.to_arrow(new), overwrite=delta.is_table(path))
        return ({"new": len(new), "updated": 0, "unchanged": 0,
                 "days": _days(new)}, delta.latest_version(path, store),
                merged_dtypes)
    old = _stored(store, table, version, new, key, dtypes)
    old = old.drop_duplicates(subset=key, keep="first") if len(old) else old
    if len(old):
        idx = _keys(old, key).get_indexer(_keys(new, key))
    else:
        idx = pd.Series(-1, index=new.index).to_numpy()
    matched = idx >= 0
    changed = ~matched
    for c in data_cols:
        if c in key or c in delta.KEEP_STORED:
            continue
        if c not in old.columns:
            changed |= matched & new[c].notna().to_numpy()
            continue
        stored = old[c].iloc[idx[matched]].reset_index(drop=True)
        differs = ~_same(new.loc[matched, c].reset_index(drop=True), stored)
        changed[matched] |= differs
    counts = {"new": int((~matched).sum()), "updated": int((matched & changed).sum()),
              "unchanged": int((matched & ~changed).sum())}
    rows = new[changed]
    counts["days"] = _days(rows)
    if len(rows):
        stored_days = {d for d, _ in delta.files_at(path, version, store)}
        version = delta.merge(path, table, delta.to_arrow(rows), key, store)
        if table in delta.ROW_ORDER:  # days that now hold rows of two writes: back in order
            mixed = set(rows.loc[~matched[changed], delta.DAY]) & stored_days
            version = delta.resort_days(path, table, mixed, store) or version
    return counts, version, merged_dtypes


def ingest(paths: Iterable[str | os.PathLike], store_dir: str | os.PathLike = "data/store",
           table: str | None = None, *, progress: bool = False,
           derive: derived.Deriver | None = None) -> IngestResult:
    """Load each file and upsert its rows into the store, as one recorded change; see the
    module docstring. ``derive``: keep the tables derived from the chats up to date in the
    same change (:mod:`csops_lib.store.derived`; ``csops ingest`` passes
    :data:`csops_lib.engine.DERIVER`); without it a change of the chats marks them stale
    (readers then compute from the messages)."""
    store = Path(store_dir)
    result = IngestResult()
    frames: dict[str, list[pd.DataFrame]] = {}
    files: list[dict[str, Any]] = []
    paths = [Path(p) for p in paths]

    def one(i: int) -> tuple[pd.DataFrame, list[loaders.LoadReport], str]:
        df, reports = _load_file(paths[i], table, i)
        return df, reports, catalog.sha256(paths[i])

    # files load two at a time (Arrow and pandas release the GIL for much of it); results
    # come back in the files' order, and the first file that fails stops the ingest
    with ThreadPoolExecutor(max_workers=LOAD_THREADS) as pool:
        loaded = pool.map(one, range(len(paths)))
        if progress and len(paths) > 1:
            from tqdm import tqdm  # a progress bar only for interactive multi-file ingests

            loaded = tqdm(loaded, total=len(paths), desc="loading exports", unit="file")
        loaded = list(loaded)
    for path, (df, reports, digest) in zip(paths, loaded, strict=True):
        result.reports.extend(reports)
        frames.setdefault(reports[0].table, []).append(df)
        files.extend({"file": str(path), "sha256": digest, "table": r.table,
                      "rows_read": r.rows_read, "rows_loaded": r.rows_loaded,
                      "rows_quarantined": r.rows_quarantined} for r in reports)
        for r in reports:
            result.rows_quarantined[r.table] = (result.rows_quarantined.get(r.table, 0)
                                                + r.rows_quarantined)
    catalog.fault("after_load")
    with catalog.writer_lock(store):
        result.notes = admin.recover(store)
        catalog.mark_running(store, "ingest")
        state = catalog.last_state(store) or {}
        # a table whose folder was deleted by hand is dropped: an ingest of it starts anew
        versions = {t: v for t, v in state.get("versions", {}).items() if (store / t).is_dir()}
        dtypes = {t: dict(d) for t, d in state.get("dtypes", {}).items() if t in versions}
        tables_rec: dict[str, dict[str, int]] = {}
        number = catalog.next_number(store)
        chat_days: set[str] = set()
        for name in sorted(frames):
            parts = frames[name]
            new = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
            if delta.SEQ in new.columns:  # later ingests' messages sort after earlier ones'
                new[delta.SEQ] = new[delta.SEQ] + number * delta.SEQ_INGEST
            counts, versions[name], dtypes[name] = upsert(
                store, name, new, versions.get(name), dtypes.get(name, {}))
            days = counts.pop("days")
            if name == derived.CHATS:
                chat_days |= days
            tables_rec[name] = {**counts, "quarantined": result.rows_quarantined.get(name, 0),
                                "version": versions[name]}
            result.rows_new[name] = counts["new"]
            result.rows_updated[name] = counts["updated"]
            result.rows_unchanged[name] = counts["unchanged"]
            catalog.fault(f"after_table:{name}")
        extra = {}
        if derive is not None:
            extra["derived"] = derived.refresh(store, versions, dtypes, state, chat_days,
                                               derive, result.derived, progress)
            catalog.fault("after_derive")
        elif state.get("derived") is not None and not chat_days:
            extra["derived"] = state["derived"]  # the chats did not change: still valid
        versions = admin.current_versions(store, versions)
        catalog.fault("before_log")
        record = catalog.append_record(store, {
            "kind": "ingest", "files": files, "tables": tables_rec, "versions": versions,
            "dtypes": dtypes, **extra})
        catalog.clear_running(store)
    result.versions = versions
    result.record = record["n"]
    return result
