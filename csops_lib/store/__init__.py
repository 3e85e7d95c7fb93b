"""The history store: one Delta Lake table per canonical table (``deltalake``, delta-rs),
plus the store's log of changes.

Layout::

    <store>/<table>/_delta_log/…              the table's Delta transaction log
    <store>/<table>/day=YYYY-MM-DD/*.parquet  its data, partitioned by the row's day
                                              (``day=all`` for roster / promos)
    <store>/_csops/ingests.jsonl              one line per change of the store
    <store>/_csops/lock                       the writers' lock

Guarantees (tests in ``tests/store/``):

* **one ingest = one atomic change.** Every table is upserted with its own Delta commit,
  then one line appended to ``_csops/ingests.jsonl`` records the ingest with the Delta
  version of every table. Readers read each table *at the recorded version*, so an ingest
  killed at any point is invisible; the next writer rolls every table back to its recorded
  version (Delta RESTORE) and deletes the files no recorded version references.
* **writers are serialised, readers never wait.** A writer holds an exclusive
  ``fcntl.flock`` on ``_csops/lock``; a second one prints "waiting for another ingest to
  finish…" and waits. Readers take no lock and read the last recorded versions.
* **upsert on the natural key** (``schema.TABLES[t].key``), wherever the stored row is: a
  Delta MERGE matched on the key columns (not on the partition; a known row never moves
  to another partition), each column updated to ``coalesce(new, stored)``: a value missing
  in a newer export never erases a known one. Rows are counted new / updated / unchanged
  / quarantined per table and ingest.
* **every change recorded**: when, who, the files with their sha256, the counts, the
  versions; ``csops history`` lists them; ``csops history --restore N`` puts the store
  back to entry N (recorded as a new entry; nothing is deleted).
* **damage is one clear error** naming the file (a damaged data file, a damaged Delta log
  or ingest-log line) and the repair (``csops history --restore N``, or re-ingesting).
* **messages keep the export's order**: chats get a ``seq`` (ingest · file · row) and each
  day's chats are stored in (agent, customer, sent_at, seq) order, so two messages of one
  second keep the order the export gave them (:data:`delta.SEQ`).
* **tables derived from the chats** (per-day sessions, turns, agent-days) are kept up to date
  in the same recorded change when the caller hands in a deriver
  (:mod:`csops_lib.store.derived`; ``csops ingest`` does, see :mod:`csops_lib.engine`).
* **the old layout** (``<table>/date=YYYY-MM-DD/part.parquet``, ``_ingest_log.jsonl``) is
  converted by ``csops migrate`` or by the next ingest, every row kept; readers refuse an
  unconverted store with a one-line message (they never write).

The data stay plain Parquet: DuckDB, Dask, Spark read the tables (Delta readers) or the
files :func:`data_files` lists.
"""
from csops_lib.store.admin import create_store, history_rows, history_text, migrate, restore
from csops_lib.store.catalog import StoreError
from csops_lib.store.ingest import IngestResult, ingest
from csops_lib.store.read import (
    COMPACT_COLUMNS,
    MIN_ORDER_LOOKBACK_DAYS,
    STORE_COLUMNS,
    data_files,
    date_range,
    read,
    read_arrow,
    read_store_table,
    read_store_tables,
    snapshot,
    store_as_of,
    store_windows,
    tables,
)

__all__ = [
    "COMPACT_COLUMNS", "MIN_ORDER_LOOKBACK_DAYS", "STORE_COLUMNS", "IngestResult",
    "StoreError", "create_store", "data_files", "date_range", "history_rows", "history_text",
    "ingest", "migrate", "read", "read_arrow", "read_store_table", "read_store_tables", "restore",
    "snapshot", "store_as_of", "store_windows", "tables",
]
