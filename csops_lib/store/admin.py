"""Keeping the store: recovery after an interrupted write, migration of the old layout,
``csops history`` (list, ``--restore N``), and creating a store from frames (the bench)."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from csops_lib.schema import TABLES
from csops_lib.store import catalog, delta, derived
from csops_lib.store.catalog import StoreError


# --------------------------------------------------------------------------- recovery
def _recorded_versions(records: list[dict[str, Any]]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for r in records:
        for t, v in r.get("versions", {}).items():
            out.setdefault(t, []).append(v)
    return out


def current_versions(store: Path, versions: dict[str, int]) -> dict[str, int]:
    """The latest Delta version of every recorded table (same content as recorded, or the
    commit just made): what the next record tells readers to read."""
    return {t: delta.latest_version(store / t, store) for t in sorted(versions)}


def recover(store: Path) -> list[str]:
    """Writers only, under the lock: make the store exactly its last recorded state.

    Migrates an old-layout store; cuts a torn log line; removes tables no record ever
    named (made by a killed ingest); rolls back (Delta RESTORE) tables whose latest commit is
    past the recorded one; after an interrupted write, deletes the files no recorded version
    references. Returns what it did, one line each (empty: nothing to do)."""
    notes = []
    if catalog.legacy_tables(store):
        notes.append(migrate_locked(store))
    dirty = catalog.cut_torn_tail(store) | catalog.was_interrupted(store)
    records = catalog.read_log(store)
    state = records[-1] if records else {}
    recorded = state.get("versions", {})
    known = _recorded_versions(records)
    for folder in sorted(store.iterdir()) if store.is_dir() else []:
        name = folder.name
        if not folder.is_dir() or (name not in TABLES and not delta.is_table(folder)):
            continue  # canonical tables and the derived ones (any Delta table here)
        if name not in known:
            delta.drop(folder)
            notes.append(f"removed table {name}, left unrecorded by an interrupted ingest")
            continue
        if name not in recorded:
            continue  # a table restored away: kept for `history --restore`
        if delta.latest_version(folder, store) != recorded[name]:
            delta.roll_back(folder, recorded[name], store)
            notes.append(f"rolled back table {name} to entry #{state['n']} of the log")
            dirty = True
    if dirty:
        for name in (t for t in recorded if delta.is_table(store / t)):
            gone = delta.sweep(store / name, known[name])
            if gone:
                notes.append(f"deleted {len(gone)} file(s) of table {name} left by an "
                             f"interrupted ingest")
    if notes:
        notes.insert(0, "the last ingest into this store was interrupted; repaired:")
    return notes


# --------------------------------------------------------------------------- migration
def _legacy_parts(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir()
                  if p.is_dir() and (p.name.startswith("date=") or p.name == "all")
                  and (p / catalog.LEGACY_PART).exists())


def _legacy_log(store: Path) -> list[dict[str, Any]]:
    path = store / catalog.LEGACY_LOG
    out = []
    if path.exists():
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
    return out


def migrate_locked(store: Path) -> str:
    """Convert the old-layout tables (``<table>/date=…/part.parquet``) into Delta tables,
    every row kept (counted, and checked against the Delta table), then record a
    ``migrate`` entry carrying the old log, then delete the old files. Under the lock."""
    records = catalog.read_log(store)
    migrated = {t for r in records if r.get("kind") == "migrate" for t in r.get("tables", {})}
    known = _recorded_versions(records)
    state = records[-1] if records else {}
    versions = dict(state.get("versions", {}))
    dtypes = {t: dict(d) for t, d in state.get("dtypes", {}).items()}
    done: dict[str, dict[str, int]] = {}
    for name in catalog.legacy_tables(store):
        folder = store / name
        if name in migrated:
            continue  # converted already; only the old files are left to delete
        if name in known:
            raise StoreError(f"{folder}: holds both old-layout partitions (date=…) and a "
                             f"Delta table; move the date=… folders away")
        for leftover in [folder / delta.DELTA_LOG, *folder.glob(f"{delta.DAY}=*")]:
            shutil.rmtree(leftover, ignore_errors=True)  # an interrupted earlier migration
        frames = []
        for part in _legacy_parts(folder):
            path = part / catalog.LEGACY_PART
            try:
                frame = pd.read_parquet(path)
            except (OSError, pa.ArrowException) as exc:
                raise StoreError(f"{path}: this old-layout partition is damaged "
                                 f"({str(exc).splitlines()[0][:100]}); move it away and "
                                 f"ingest the exports of those days again") from None
            label = part.name.removeprefix("date=")
            frames.append(frame.assign(**{delta.DAY: label}))
        frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        delta.create(folder, delta.to_arrow(delta.normalise(frame)))
        versions[name] = 0
        if delta.table_rows(folder, 0, store) != len(frame):
            raise StoreError(f"{folder}: migration wrote a different number of rows; the old "
                             f"files are kept, nothing was recorded")
        dtypes[name] = delta.dtype_map(frame.drop(columns=[delta.DAY]))
        done[name] = {"new": len(frame), "updated": 0, "unchanged": 0, "quarantined": 0,
                      "version": 0}
    if done:
        catalog.append_record(store, {"kind": "migrate", "files": [], "tables": done,
                                      "versions": versions, "dtypes": dtypes,
                                      "legacy_log": _legacy_log(store)})
    for name in catalog.legacy_tables(store):
        for part in _legacy_parts(store / name):
            shutil.rmtree(part)
    (store / catalog.LEGACY_LOG).unlink(missing_ok=True)
    rows = sum(d["new"] for d in done.values())
    return (f"migrated {len(done)} table(s), {rows:,} rows, from the old layout to Delta "
            f"tables" if done else "removed the old-layout files of an earlier migration")


def migrate(store_dir: str | os.PathLike, *, quiet: bool = False) -> list[str]:
    """``csops migrate``: convert an old-layout store (also done by the next ingest)."""
    store = Path(store_dir)
    if not store.is_dir():
        raise StoreError(f"{store}: no such store folder")
    with catalog.writer_lock(store, quiet=quiet):
        if not catalog.legacy_tables(store):
            return recover(store) or [f"{store}: already in the Delta layout, nothing to do"]
        return recover(store)


# --------------------------------------------------------------------------- restore
def restore(store_dir: str | os.PathLike, n: int, *, quiet: bool = False) -> dict[str, Any]:
    """``csops history --restore N``: the store as it was right after record ``n`` (Delta
    RESTORE of each table, or a cut of a damaged log), recorded as a new ``restore`` entry:
    nothing is deleted, so a later record can be restored in turn."""
    store = Path(store_dir)
    with catalog.writer_lock(store, quiet=quiet):
        records = catalog.read_log(store)
        target = next((r for r in records if r.get("n") == n), None)
        if target is None:
            last = records[-1]["n"] if records else 0
            raise StoreError(f"--restore {n}: no such entry in {catalog.log_path(store)} "
                             f"(entries 1..{last})")
        try:
            recover(store)
        except StoreError:
            pass  # a damaged table is what the restore repairs
        catalog.mark_running(store, "restore")
        versions = {}
        for name, v in sorted(target.get("versions", {}).items()):
            if not delta.is_table(store / name):
                raise StoreError(f"{store / name}: the table's folder is gone; restore a "
                                 f"later entry or rebuild the store from the exports")
            versions[name] = delta.roll_back(store / name, v, store)
        record = catalog.append_record(store, {
            "kind": "restore", "restored_to": n, "files": [], "tables": {},
            "versions": versions, "dtypes": target.get("dtypes", {}),
            **({"derived": target["derived"]} if "derived" in target else {})})
        catalog.clear_running(store)
    return record


# --------------------------------------------------------------------------- create
def _arrow_day(table: str, t: pa.Table) -> pa.Array:
    cols = [c for c in TABLES[table].day_columns if c in t.column_names]
    if not cols:
        return pa.array([delta.UNDATED] * t.num_rows, pa.string())
    day = pc.coalesce(*[t[c] for c in cols]) if len(cols) > 1 else t[cols[0]]
    return pc.fill_null(pc.strftime(day, format="%Y-%m-%d"), delta.UNKNOWN)


def create_store(store_dir: str | os.PathLike, tables: dict[str, pa.Table | pd.DataFrame],
                 note: str = "", *, derive: derived.Deriver | None = None) -> dict[str, Any]:
    """A new store holding ``tables`` (canonical frames or Arrow tables with pandas
    metadata), rows in (day, key) order (chats: :func:`delta.row_order`, ``seq`` the frame's
    order unless given), recorded as one ``create`` entry; ``derive``: with the tables
    derived from the chats, as an ingest makes them. The store folder must not hold a store
    yet."""
    store = Path(store_dir)
    with catalog.writer_lock(store, quiet=True):
        if catalog.read_log(store) or catalog.legacy_tables(store):
            raise StoreError(f"{store}: already holds a store")
        versions, dtypes, counts = {}, {}, {}
        for name, data in sorted(tables.items()):
            t = data if isinstance(data, pa.Table) else pa.Table.from_pandas(
                data, preserve_index=False)
            dtypes[name] = delta.dtype_map(t.slice(0, 0).to_pandas())
            if name == "chats" and delta.SEQ not in t.column_names:  # the frame's order
                t = t.append_column(delta.SEQ, pa.array(np.arange(t.num_rows, dtype=np.int64)))
            t = t.append_column(delta.DAY, _arrow_day(name, t))
            key = [c for c in delta.row_order(name) if c in t.column_names]
            t = t.sort_by([(delta.DAY, "ascending")] + [(c, "ascending") for c in key])
            delta.create(store / name, _arrow_for_delta(t))
            versions[name] = 0
            counts[name] = {"new": t.num_rows, "updated": 0, "unchanged": 0,
                            "quarantined": 0, "version": 0}
        extra = {}
        if derive is not None:
            extra["derived"] = derived.refresh(store, versions, dtypes, {}, None, derive)
        return catalog.append_record(store, {"kind": "create", "note": note, "files": [],
                                             "tables": counts, "versions": versions,
                                             "dtypes": dtypes, **extra})


def _arrow_for_delta(t: pa.Table) -> pa.Table:
    """Arrow types Delta keeps: timestamps in microseconds, no null type."""
    t = t.replace_schema_metadata(None)
    for i, f in enumerate(t.schema):
        want = pa.timestamp("us") if pa.types.is_timestamp(f.type) and f.type.unit != "us" \
            else pa.string() if pa.types.is_null(f.type) else None
        if want is not None:
            t = t.set_column(i, f.name, t.column(i).cast(want, safe=False))
    return t


# --------------------------------------------------------------------------- history
def _files_text(files: list[dict[str, Any]]) -> str:
    names = [f"{Path(f['file']).name} ({(f.get('sha256') or '')[:8]})" for f in files]
    if len(names) <= 2:
        return ", ".join(names)
    return f"{len(names)} files: {names[0]} … {names[-1]}"


def history_rows(store_dir: str | os.PathLike) -> pd.DataFrame:
    """One row per (entry, table) of the ingest log, oldest first."""
    store = Path(store_dir)
    if not store.is_dir():
        raise StoreError(f"{store}: no such store folder")
    if not catalog.read_log(store):
        catalog.refuse_legacy(store)
    rows = []
    for r in catalog.read_log(store):
        what = r.get("kind", "?") + (f" → #{r['restored_to']}" if "restored_to" in r else "")
        tables = r.get("tables") or {"": {}}
        for t, c in tables.items():
            rows.append({"#": r["n"], "when": r.get("at", "").replace("T", " "), "what": what,
                         "user": r.get("user", ""), "table": t, "new": c.get("new", ""),
                         "updated": c.get("updated", ""), "unchanged": c.get("unchanged", ""),
                         "quarantined": c.get("quarantined", ""),
                         "version": r.get("versions", {}).get(t, ""),
                         "files": _files_text([f for f in r.get("files", [])
                                               if f.get("table") == t])})
    return pd.DataFrame(rows)


def history_text(store_dir: str | os.PathLike, *, files: bool = False) -> str:
    """``csops history``: an aligned table, newest entry last (numbers right-aligned);
    ``files``: every file of every entry with its full sha256 instead."""
    if files:
        lines = [f"#{r['n']}  {f.get('sha256') or '-'}  {f['file']}  ({f.get('table')}: "
                 f"{f.get('rows_read')} read, {f.get('rows_loaded')} loaded, "
                 f"{f.get('rows_quarantined')} quarantined)"
                 for r in catalog.read_log(Path(store_dir)) for f in r.get("files", [])]
        return "\n".join(lines) or f"{store_dir}: no file ingested yet"
    frame = history_rows(store_dir)
    if frame.empty:
        return f"{store_dir}: no ingest recorded yet"
    text = frame.astype(str)
    numeric = {"#", "new", "updated", "unchanged", "quarantined", "version"}
    width = {c: max(len(c), text[c].str.len().max()) for c in text.columns}

    def fmt(values) -> str:
        return "  ".join(v.rjust(width[c]) if c in numeric else v.ljust(width[c])
                         for c, v in zip(text.columns, values, strict=True)).rstrip()

    return "\n".join([fmt(list(text.columns)), *(fmt(row) for row in text.to_numpy())])
