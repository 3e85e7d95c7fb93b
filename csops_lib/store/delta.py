"""One store table = one Delta Lake table (delta-rs) ``<store>/<table>/``, partitioned by a
string column ``day`` (``YYYY-MM-DD`` of the row's day, ``unknown`` when it has none, ``all``
for tables without a day column), stored beside the canonical columns.

This module converts canonical frames to Arrow and back (the pandas dtypes of each table are
kept in the ingest log: Delta keeps Arrow types only), lists a table's data files at a given
version, upserts rows with one MERGE, and puts a table back to a recorded version.
"""
from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from deltalake import DeltaTable, Field, write_deltalake
from deltalake.exceptions import DeltaError, TableNotFoundError

from csops_lib.schema import TABLES
from csops_lib.store.catalog import StoreError

DAY = "day"          # the partition column
UNDATED = "all"      # partition of tables without a day column (roster, promos)
UNKNOWN = "unknown"  # partition of rows whose day is missing
#: chats: the export's order of the messages (ties of one second keep it; METRICS.md §3
#: turns): ingest number · SEQ_INGEST + file number in the ingest · SEQ_FILE + row in the file.
#: A stored message keeps its first number when a later export repeats it.
SEQ = "seq"
SEQ_FILE = 2 ** 32
SEQ_INGEST = 2 ** 44
KEEP_STORED = (SEQ,)
#: each day's rows are stored in this order (chats: the order sessions are read in)
ROW_ORDER = {"chats": ("agent", "customer_id", "sent_at", SEQ)}
#: table properties: keep every commit of the log (``csops history --restore`` needs them)
CONFIG = {"delta.enableExpiredLogCleanup": "false"}
DELTA_LOG = "_delta_log"


def is_table(path: Path) -> bool:
    return (Path(path) / DELTA_LOG).is_dir()


def day_labels(table: str, df: pd.DataFrame) -> pd.Series:
    """The partition label of each row of a canonical frame."""
    spec = TABLES[table]
    if not any(c in df.columns for c in spec.day_columns):
        return pd.Series(UNDATED, index=df.index, dtype=object)
    return pd.Series(day_text(spec.row_day(df)), index=df.index, dtype=object)


def day_text(days: pd.Series) -> np.ndarray:
    """``YYYY-MM-DD`` of each timestamp (object array; missing → :data:`UNKNOWN`), each
    distinct day formatted once (strftime per row cost 0.4 s per million messages)."""
    codes, uniq = pd.factorize(days, use_na_sentinel=True)
    labels = np.append(np.asarray(pd.DatetimeIndex(uniq).strftime("%Y-%m-%d"), dtype=object),
                       UNKNOWN)
    return labels[codes]


def row_order(table: str) -> tuple[str, ...]:
    """The columns each day's rows are sorted by: :data:`ROW_ORDER`, else the key."""
    return ROW_ORDER.get(table, tuple(TABLES[table].key))


def day_in_key(table: str) -> bool:
    """True when a row's day follows from its key: a key's match is then in the row's own
    partition (the MERGE reads only those partitions)."""
    spec = TABLES[table]
    return not spec.day_columns or set(spec.day_columns) <= set(spec.key)


# --------------------------------------------------------------------------- types
def dtype_map(df: pd.DataFrame) -> dict[str, str]:
    return {c: str(t) for c, t in df.dtypes.items()}


def normalise(df: pd.DataFrame) -> pd.DataFrame:
    """Timestamps to microseconds (Delta's precision), so comparisons see what is stored."""
    out = df.copy()
    for c in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[c].dtype):
            out[c] = out[c].dt.floor("us")
    return out


def to_arrow(df: pd.DataFrame, schema: pa.Schema | None = None) -> pa.Table:
    """A frame as Arrow for Delta: all-missing object columns typed as strings (Delta has no
    null type) or as the table's type; every column of ``schema`` cast to it."""
    t = pa.Table.from_pandas(df, preserve_index=False)
    t = t.replace_schema_metadata(None)
    for i, f in enumerate(t.schema):
        want = schema.field(f.name).type if schema is not None and f.name in schema.names \
            else (pa.string() if pa.types.is_null(f.type) else None)
        if pa.types.is_timestamp(f.type) and (want is None or pa.types.is_timestamp(want)):
            want = pa.timestamp("us")
        if want is not None and want != f.type:
            t = t.set_column(i, f.name, t.column(i).cast(want, safe=False))
    return t


def apply_dtypes(df: pd.DataFrame, dtypes: dict[str, str]) -> pd.DataFrame:
    """The recorded pandas dtype of every column (categoricals kept as they are)."""
    for c in df.columns:
        want = dtypes.get(c)
        have = df[c].dtype
        if want is None or isinstance(have, pd.CategoricalDtype) or str(have) == want:
            continue
        try:
            df[c] = df[c].astype(want)
        except (TypeError, ValueError):  # keep the Arrow type rather than fail a read
            pass
    return df


def arrow_to_pandas(t: pa.Table, dtypes: dict[str, str]) -> pd.DataFrame:
    return apply_dtypes(t.to_pandas(coerce_temporal_nanoseconds=True), dtypes)


# --------------------------------------------------------------------------- files
_FILES: dict[tuple, list[tuple[str, Path]]] = {}


def _broken(path: Path, exc: Exception, store: Path) -> StoreError:
    """The one-line error for a table whose Delta log cannot be read."""
    log = Path(path) / DELTA_LOG
    bad = None
    for f in sorted(log.glob("*.json")):
        try:
            for line in f.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    json.loads(line)
        except (ValueError, UnicodeDecodeError):
            bad = f
            break
    where = bad if bad is not None else log
    return StoreError(
        f"{where}: the transaction log of table {Path(path).name} is damaged "
        f"({str(exc).splitlines()[0][:120]}); repair: `csops history --store {store}` lists the "
        f"ingests, `csops history --store {store} --restore N` goes back to ingest N (or "
        f"rebuild the store by re-ingesting the exports)")


def open_table(path: Path, version: int | None, store: Path) -> DeltaTable:
    try:
        return DeltaTable(str(path), version=version) if version is not None \
            else DeltaTable(str(path))
    except TableNotFoundError:
        raise StoreError(f"{path}: the table's Delta log is missing; repair with "
                         f"`csops history --store {store} --restore N`") from None
    except (DeltaError, OSError, ValueError) as exc:
        raise _broken(path, exc, store) from None


def files_at(path: Path, version: int, store: Path) -> list[tuple[str, Path]]:
    """(day, absolute file path) of every data file of the table at ``version``, by day."""
    commit = Path(path) / DELTA_LOG / f"{version:020d}.json"
    try:  # a version never changes: cached, unless its commit file was replaced or damaged
        st = commit.stat()
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
    except FileNotFoundError:
        stamp = None
    key = (str(Path(path).resolve()), version, stamp)
    got = _FILES.get(key) if stamp is not None else None
    if got is not None:
        return got
    actions = pa.table(open_table(path, version, store).get_add_actions(flatten=True))
    days = actions.column(f"partition.{DAY}").to_pylist() \
        if f"partition.{DAY}" in actions.column_names else [UNDATED] * actions.num_rows
    got = sorted((d, Path(path) / p) for d, p in zip(days, actions.column("path").to_pylist(),
                                                      strict=True))
    if len(_FILES) > 256:
        _FILES.clear()
    _FILES[key] = got
    return got


def corrupt_file(path: Path, exc: Exception, store: Path, hint: str) -> StoreError:
    return StoreError(f"{path}: this store data file is damaged ({str(exc).splitlines()[0][:100]}"
                      f"); repair: {hint}")


def read_file(path: Path, columns: Sequence[str] | None, store: Path, hint: str,
              dictionary: Sequence[str] = ()) -> pa.Table:
    """One data file (only ``columns`` it has; all when None)."""
    try:
        if columns is not None:
            have = set(pq.read_schema(path).names)
            columns = [c for c in columns if c in have]
        t = pq.read_table(path, columns=columns, read_dictionary=list(dictionary) or None)
    except (OSError, pa.ArrowException) as exc:
        raise corrupt_file(path, exc, store, hint) from None
    return _plain_strings(t)


def _plain_strings(t: pa.Table) -> pa.Table:
    """Files written by a MERGE hold ``string_view`` columns: read as ``large_string`` like
    the others (one schema to concatenate)."""
    for i, f in enumerate(t.schema):
        if pa.types.is_string_view(f.type) or pa.types.is_string(f.type):
            t = t.set_column(i, f.name, t.column(i).cast(pa.large_string()))
        elif pa.types.is_dictionary(f.type) and (pa.types.is_string_view(f.type.value_type)
                                                 or pa.types.is_string(f.type.value_type)):
            t = t.set_column(i, f.name, t.column(i).cast(
                pa.dictionary(f.type.index_type, pa.large_string())))
    return t


# --------------------------------------------------------------------------- writing
def create(path: Path, data: pa.Table, *, overwrite: bool = False) -> None:
    """A new Delta table from ``data`` (which has the ``day`` column); ``overwrite``: a new
    version of a table no longer in the store (its history stays restorable)."""
    write_deltalake(str(path), data, partition_by=[DAY], configuration=CONFIG,
                    mode="overwrite" if overwrite else "error",
                    schema_mode="overwrite" if overwrite else None)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def merge(path: Path, table: str, data: pa.Table, key: Sequence[str], store: Path) -> int:
    """Upsert ``data`` into the Delta table at ``path`` in one commit: rows are matched on
    ``key`` whatever partition they are in; a matched row keeps its partition and takes, per
    column, the new value when it has one, else keeps the stored one (``coalesce``); an
    unmatched row is inserted. Columns the table lacks are added first. Returns the version."""
    dt = open_table(path, None, store)
    have = set(pa.schema(dt.schema().to_arrow()).names)
    extra = [f for f in data.schema if f.name not in have]
    if extra:
        dt.alter.add_columns([Field(f.name, _delta_type(f.type), nullable=True)
                              for f in extra])
        dt = open_table(path, None, store)
    target = pa.schema(dt.schema().to_arrow())
    data = data.cast(pa.schema([target.field(n) for n in data.column_names]), safe=False)
    cond = [f"(t.{_q(k)} IS NOT DISTINCT FROM s.{_q(k)})" for k in key]
    if day_in_key(table):  # matches can only be in the rows' own partitions: read only those
        days = sorted(set(data.column(DAY).to_pylist()))
        cond.append(f"t.{_q(DAY)} IN ({', '.join(_lit(d) for d in days)})")
    updates = {_q(c): (f"coalesce(t.{_q(c)}, s.{_q(c)})" if c in KEEP_STORED
                       else f"coalesce(s.{_q(c)}, t.{_q(c)})")
               for c in data.column_names if c not in key and c != DAY}
    m = dt.merge(data, " AND ".join(cond), source_alias="s", target_alias="t")
    if updates:
        m = m.when_matched_update(updates)
    m.when_not_matched_insert_all().execute()
    return open_table(path, None, store).version()


def replace_days(path: Path, data: pa.Table, days: Sequence[str], store: Path) -> int:
    """Replace the partitions ``days`` of the table by ``data`` (their new rows, with the
    ``day`` column) in one commit; returns the new version."""
    dt = open_table(path, None, store)
    target = pa.schema(dt.schema().to_arrow())
    data = data.select([n for n in target.names if n in data.column_names])
    data = data.cast(pa.schema([target.field(n) for n in data.column_names]), safe=False)
    pred = f"{_q(DAY)} IN ({', '.join(_lit(d) for d in sorted(days))})"
    write_deltalake(dt, data, mode="overwrite", predicate=pred)
    return open_table(path, None, store).version()


def resort_days(path: Path, table: str, days: Sequence[str], store: Path) -> int | None:
    """Rewrite the partitions ``days`` in :func:`row_order` (a MERGE appends its inserts in
    new files; a day written by two ingests is no longer in order). None: nothing to do."""
    days = sorted(set(days))
    if not days:
        return None
    version = latest_version(path, store)
    parts = []
    for d, f in files_at(path, version, store):
        if d in days:
            t = read_file(f, None, store, "re-ingest the exports")
            parts.append(t.append_column(DAY, pa.array([d] * t.num_rows, pa.string())))
    data = pa.concat_tables([p for p in parts if p.num_rows], promote_options="permissive")
    order = [c for c in row_order(table) if c in data.column_names]
    data = data.sort_by([(DAY, "ascending")] + [(c, "ascending") for c in order])
    new_version = replace_days(path, data, days, store)
    # the files only the intermediate version (never recorded, never read) referenced
    keep = {p for _, p in files_at(path, new_version, store)}
    before = set() if version == 0 else {p for _, p in files_at(path, version - 1, store)}
    for _, p in files_at(path, version, store):
        if p not in keep and p not in before:
            p.unlink(missing_ok=True)
    return new_version


def _delta_type(t: pa.DataType) -> str:
    if pa.types.is_timestamp(t):
        return "timestamp_ntz" if t.tz is None else "timestamp"
    for test, name in ((pa.types.is_boolean, "boolean"), (pa.types.is_integer, "long"),
                       (pa.types.is_floating, "double"), (pa.types.is_date, "date")):
        if test(t):
            return name
    return "string"


# --------------------------------------------------------------------------- recovery
def roll_back(path: Path, version: int, store: Path) -> int:
    """Put the table back to ``version`` (a recorded one) with a Delta RESTORE commit; when
    the log past ``version`` cannot be read, cut it back to ``version``. Returns the latest
    version (whose content is that of ``version``)."""
    try:
        dt = DeltaTable(str(path))
        if dt.version() == version:
            return version
        dt.restore(version)
        return DeltaTable(str(path)).version()
    except (DeltaError, OSError, ValueError):
        log = Path(path) / DELTA_LOG
        for f in log.iterdir():
            stem = f.name.split(".")[0]
            if stem.isdigit() and int(stem) > version:
                f.unlink()
        (log / "_last_checkpoint").unlink(missing_ok=True)
        return open_table(path, None, store).version()


def sweep(path: Path, keep_versions: list[int]) -> list[str]:
    """Delete the table's files that no version in ``keep_versions`` (nor the latest)
    references: data files of a rolled-back or never-committed write, and stray commit
    temporaries. Returns the deleted paths."""
    log = Path(path) / DELTA_LOG
    gone = []
    for f in list(log.iterdir()) if log.is_dir() else []:
        if f.name.endswith(".tmp") or f.name.startswith("_commit_"):
            f.unlink()
            gone.append(str(f))
    dt = DeltaTable(str(path))
    kw = {"retention_hours": 0, "enforce_retention_duration": False, "full": True,
          "keep_versions": sorted(v for v in set(keep_versions) if v <= dt.version())}
    if dt.vacuum(dry_run=True, **kw):
        gone += dt.vacuum(dry_run=False, **kw)
    for folder in Path(path).iterdir():  # partition folders left empty
        if folder.is_dir() and folder.name != DELTA_LOG and not any(folder.iterdir()):
            folder.rmdir()
    return gone


def drop(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def latest_version(path: Path, store: Path) -> int:
    return open_table(path, None, store).version()


def table_rows(path: Path, version: int, store: Path) -> int:
    actions = pa.table(open_table(path, version, store).get_add_actions(flatten=True))
    return int(pc.sum(actions.column("num_records")).as_py() or 0)

