"""Tables derived from the chats at ingest, in the same recorded change (issue 13).

The store does not know the formulas: the caller hands :func:`csops_lib.store.ingest` a
*deriver* (:class:`Deriver`), e.g. :data:`csops_lib.engine.DERIVER`, which turns the messages
of whole days into per-day tables (sessions, turns, agent-days). Here they are kept up to
date: after the chats are upserted, the days whose messages changed are read back at the
new version, derived in batches of whole days (:data:`MESSAGES_PER_BATCH`), and written over those days'
partitions of each derived table (one Delta commit per table); the ingest's log line records
their versions with the others and ``derived`` = the deriver's :attr:`Deriver.info`. Readers
trust the derived tables only when that record equals the info of the code reading them
(otherwise they compute from the messages); the next ingest with a deriver whose info differs
re-derives every day.

Text columns named in :attr:`Deriver.keys` (agent, customer, store, category) are stored as
integer ids (``int32``, −1 = missing) into one lookup table, ``day_keys`` (kind = the column's
name, id, text), assigned here at ingest: a text keeps its id for good (new texts get the next
ids; a full re-derivation numbers them anew). Readers join numbers, not strings, and turn ids
back into text only for the rows they show (:func:`key_texts`).
"""
from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from csops_lib.store import delta
from csops_lib.store.catalog import StoreError
from csops_lib.store.read import _read, _to_pandas

CHATS = "chats"
#: the lookup table of the ids of :attr:`Deriver.keys` columns
KEYS = "day_keys"
#: messages derived at once: whole days up to about this many (memory ~ 1 GB; fewer, larger
#: batches cost less per message)
MESSAGES_PER_BATCH = 1_500_000


@dataclass
class Deriver:
    """What to derive from the chats: ``derive(messages of whole days) → {table: frame}``
    (each frame with a ``date`` column), the chat ``columns`` it reads, and ``info`` (its
    version and parameters), recorded with the tables and compared by readers."""

    derive: Callable[[pd.DataFrame], dict[str, pd.DataFrame]]
    tables: tuple[str, ...]
    columns: tuple[str, ...]
    info: dict[str, Any] = field(default_factory=dict)
    #: text columns of the derived tables stored as integer ids into :data:`KEYS`
    keys: tuple[str, ...] = ()

    @property
    def stored(self) -> tuple[str, ...]:
        """The tables this deriver keeps (the key table included when it has keys)."""
        return (*self.tables, KEYS) if self.keys else self.tables


class Keys:
    """The ids of the texts of each key column: loaded from :data:`KEYS`, extended as
    frames are encoded, written back when new texts came."""

    def __init__(self, known: dict[str, pd.Index] | None = None):
        self.known = dict(known or {})
        self.changed = False

    @classmethod
    def load(cls, store: Path, version: int) -> Keys:
        t = _key_table(store, version)
        kinds = pc.unique(t.column("kind")).to_pylist()
        return cls({k: pd.Index(_texts_of(t, k), dtype=object) for k in kinds})

    def encode(self, frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
        """``frame`` with its ``columns`` as int32 ids (missing → −1), new texts numbered."""
        out = {}
        for col in columns:
            if col not in frame.columns:
                continue
            codes, uniq = pd.factorize(frame[col], use_na_sentinel=True)
            uniq = pd.Index(np.asarray(uniq, dtype=object), dtype=object)
            have = self.known.get(col, pd.Index([], dtype=object))
            ids = have.get_indexer(uniq)
            new = ids < 0
            if new.any():
                ids[new] = len(have) + np.arange(int(new.sum()))
                self.known[col] = have.append(uniq[new])
                self.changed = True
            out[col] = np.r_[ids, -1][codes].astype(np.int32)  # code −1 → the last: −1
        return frame.assign(**out)

    def table(self) -> pa.Table:
        kinds = sorted(self.known)
        texts = [np.asarray(self.known[k], dtype=object) for k in kinds]
        return pa.table({
            "kind": pa.array(np.repeat(np.asarray(kinds, dtype=object),
                                       [len(t) for t in texts]), pa.large_string()),
            "id": pa.array(np.concatenate([np.arange(len(t), dtype=np.int32) for t in texts])
                           if texts else np.zeros(0, np.int32), pa.int32()),
            "text": pa.array(np.concatenate(texts) if texts else np.zeros(0, object),
                             pa.large_string()),
            delta.DAY: pa.array([delta.UNDATED] * sum(len(t) for t in texts), pa.string()),
        })


def key_texts(store: Path, version: int, wanted: dict[str, np.ndarray]
              ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """For each kind of ``wanted`` (kind → an int array of ids, −1 = missing), read from
    :data:`KEYS` at ``version``: ``(code, texts)``, the texts of the ids used (in id order)
    and, indexed by id, each id's position among them (−1: not used); so the values of
    ``ids`` are ``texts[code[ids]]`` (an id −1 is missing)."""
    t = _key_table(store, version)
    out = {}
    for name, ids in wanted.items():
        texts = _texts_of(t, name)
        ids = np.asarray(ids, dtype=np.int64)
        ids = ids[ids >= 0]
        if len(ids) and int(ids.max()) >= len(texts):
            raise StoreError(f"{store / KEYS}: id {int(ids.max())} of {name} is not in the "
                             f"key table (`csops ingest` of any export re-derives the tables)")
        seen = np.zeros(len(texts), dtype=bool)
        seen[ids] = True  # a flag per id: linear, no sort or hash of the ids
        used = np.flatnonzero(seen)
        code = np.full(len(texts), -1, dtype=np.int64)
        code[used] = np.arange(len(used))
        out[name] = (code, texts[used])
    return out


def _key_table(store: Path, version: int) -> pa.Table:
    parts = [_read(store, KEYS, p, ["kind", "id", "text"])
             for _, p in delta.files_at(store / KEYS, version, store)]
    return pa.concat_tables(parts) if parts else pa.table(
        {"kind": pa.array([], pa.large_string()), "id": pa.array([], pa.int32()),
         "text": pa.array([], pa.large_string())})


def _texts_of(t: pa.Table, kind: str) -> np.ndarray:
    """The texts of one kind, indexed by id (object array)."""
    part = t.filter(pc.equal(t.column("kind"), kind))
    texts = np.empty(part.num_rows, dtype=object)
    texts[part.column("id").to_numpy()] = part.column("text").to_numpy(zero_copy_only=False)
    return texts


def valid(state: dict[str, Any] | None, deriver: Deriver, store: Path | None = None) -> bool:
    """The derived tables of the recorded ``state`` are those ``deriver`` would write."""
    return bool(state) and state.get("derived") == deriver.info \
        and recorded(state, deriver.stored, store)


def recorded(state: dict[str, Any] | None, tables, store: Path | None = None) -> bool:
    """Every table of ``tables`` is in the recorded ``state`` (and its folder in ``store``)."""
    versions = (state or {}).get("versions", {})
    return all(t in versions and (store is None or (Path(store) / t).is_dir())
               for t in tables)


def _chat_days(store: Path, version: int) -> list[str]:
    return sorted({d for d, _ in delta.files_at(store / CHATS, version, store)
                   if d not in (delta.UNDATED, delta.UNKNOWN)})


def refresh(store: Path, versions: dict[str, int], dtypes: dict[str, dict[str, str]],
            state: dict[str, Any], changed_days: Iterable[str] | None,
            deriver: Deriver, notes: list[str] | None = None,
            progress: bool = False) -> dict[str, Any]:
    """Derive the days ``changed_days`` (all the chats' days when the recorded derivation is
    not ``deriver``'s, or ``changed_days`` is None) into the derived tables, updating
    ``versions`` and ``dtypes`` in place. Returns the ``derived`` entry of the log line;
    ``notes`` gets one line saying how many days were derived; ``progress`` prints the
    batches to stderr."""
    if CHATS not in versions:
        return deriver.info
    all_days = _chat_days(store, versions[CHATS])
    if changed_days is None or not valid(state, deriver, store):
        days = all_days
    else:
        days = sorted(set(changed_days) & set(all_days))
    if not days:
        return deriver.info
    if notes is not None:
        notes.append(f"sessions and turns derived for {len(days)} day(s) "
                     f"({days[0]}..{days[-1]})")
    files = {}
    for d, p in delta.files_at(store / CHATS, versions[CHATS], store):
        files.setdefault(d, []).append(p)
    out: dict[str, list[pa.Table]] = {t: [] for t in deriver.tables}
    # ids numbered anew when every day is derived again, else extended
    fresh_keys = days == all_days or KEYS not in versions
    keys = None if not deriver.keys else Keys() if fresh_keys \
        else Keys.load(store, versions[KEYS])
    batches = _batches(days, files)
    done = 0
    for batch in batches:
        if progress and len(batches) > 1:
            print(f"deriving sessions and turns: day {done + 1}-{done + len(batch)} of "
                  f"{len(days)}", file=sys.stderr, flush=True)
        done += len(batch)
        parts = [_read(store, CHATS, f, list(deriver.columns)) for d in batch
                 for f in files.get(d, [])]
        parts = [p for p in parts if p.num_rows]
        if not parts:
            continue
        chats = _to_pandas(parts, dtypes.get(CHATS, {}))
        for name, frame in deriver.derive(chats).items():
            if keys is not None:
                frame = keys.encode(frame, deriver.keys)
            dtypes[name] = delta.dtype_map(frame)
            frame = frame.assign(**{delta.DAY: delta.day_text(frame["date"])})
            out[name].append(delta.to_arrow(frame))
    for name in deriver.tables:
        data = pa.concat_tables(out[name], promote_options="permissive") if out[name] \
            else None
        path = store / name
        if data is None and delta.is_table(path):
            data = _empty_like(path, store)
        if data is None:  # no row ever (e.g. only outreach): no table, readers fall back
            continue
        if name in versions and delta.is_table(path) and days != all_days:
            versions[name] = delta.replace_days(path, data, days, store)
        else:  # first derivation, or every day again: the whole table
            delta.create(path, data, overwrite=delta.is_table(path))
            versions[name] = delta.latest_version(path, store)
    if keys is not None and (fresh_keys or keys.changed):
        path = store / KEYS
        delta.create(path, keys.table(), overwrite=delta.is_table(path))
        versions[KEYS] = delta.latest_version(path, store)
    return deriver.info


def _batches(days: list[str], files: dict[str, list[Path]]) -> list[list[str]]:
    """Consecutive whole days of about :data:`MESSAGES_PER_BATCH` messages each (the
    files' row counts from their Parquet footers)."""
    out: list[list[str]] = [[]]
    size = 0
    for d in days:
        rows = sum(_rows(f) for f in files.get(d, []))
        if out[-1] and size + rows > MESSAGES_PER_BATCH:
            out.append([])
            size = 0
        out[-1].append(d)
        size += rows
    return [b for b in out if b]


def _rows(path: Path) -> int:
    try:
        return pq.read_metadata(path).num_rows
    except (OSError, pa.ArrowException):  # damaged: the read names it (one-line error)
        return 0


def _empty_like(path: Path, store: Path) -> pa.Table:
    schema = pa.schema(delta.open_table(path, None, store).schema().to_arrow())
    return schema.empty_table()
