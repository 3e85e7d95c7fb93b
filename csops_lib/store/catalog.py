"""The store's own bookkeeping under ``<store>/_csops/``: the ingest log, the writers' lock,
the interrupted-ingest marker, and the fault-injection points used by the tests.

The ingest log ``_csops/ingests.jsonl`` has one JSON object per line, one line per change of
the store (``kind``: ``ingest``, ``migrate``, ``restore``, ``create``), appended with a single
``write`` + ``fsync`` *after* every Delta commit of that change. Each line carries the Delta
version of every table (``versions``): readers read each table at the version of the last
complete line, so an ingest killed before its line is complete is invisible. A torn last
line (no newline) is ignored by readers and cut off by the next writer.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import getpass
import hashlib
import json
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from csops_lib.schema import TABLES

META_DIR = "_csops"
LOG_FILE = "ingests.jsonl"
LOCK_FILE = "lock"
RUNNING_FILE = "ingest.running"
LEGACY_LOG = "_ingest_log.jsonl"
LEGACY_PART = "part.parquet"
WAITING = "waiting for another ingest to finish…"


class StoreError(ValueError):
    """A store folder that cannot answer the question (missing, without the table, in the
    old layout, or with a damaged file): one line naming the file and how to repair."""


def meta_dir(store: Path) -> Path:
    return Path(store) / META_DIR


def log_path(store: Path) -> Path:
    return meta_dir(store) / LOG_FILE


def fault(point: str) -> None:
    """Test hook: ``CSOPS_FAULT=<point>`` (e.g. ``after_load``, ``after_table:chats``,
    ``before_log``) kills this process with SIGKILL when the ingest reaches ``point``, as a
    power cut or ``kill -9`` would. Unset (always, outside the tests), it does nothing."""
    if os.environ.get("CSOPS_FAULT") == point:
        sys.stdout.flush()
        os.kill(os.getpid(), signal.SIGKILL)


# --------------------------------------------------------------------------- the lock
@contextmanager
def writer_lock(store: Path, *, quiet: bool = False) -> Iterator[None]:
    """Exclusive lock of the store's writers (``fcntl.flock`` on ``_csops/lock``): a second
    writer prints one line and waits. The OS drops the lock when a holder dies."""
    folder = meta_dir(store)
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not quiet:
                print(WAITING, file=sys.stderr, flush=True)
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


# --------------------------------------------------------------------------- the log
_CACHE: dict[str, tuple[tuple[int, int], list[dict[str, Any]]]] = {}


def read_log(store: Path) -> list[dict[str, Any]]:
    """Every complete record of the ingest log, oldest first ([] without a log). A torn last
    line is skipped; any other unreadable line is a :class:`StoreError` naming it."""
    path = log_path(store)
    try:
        st = path.stat()
    except FileNotFoundError:
        return []
    stamp = (st.st_mtime_ns, st.st_size)
    cached = _CACHE.get(str(path))
    if cached is not None and cached[0] == stamp:
        return cached[1]
    data = path.read_bytes()
    records = []
    lines = data.split(b"\n")
    for i, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        torn = i == len(lines)  # the last piece has no newline: an interrupted append
        try:
            records.append(json.loads(line))
        except (json.JSONDecodeError, UnicodeDecodeError):
            if torn:
                continue
            raise StoreError(
                f"{path}, line {i}: the ingest log is damaged; move that line away (the "
                f"store then reads as of the line before it) or rebuild the store from the "
                f"exports") from None
    _CACHE[str(path)] = (stamp, records)
    return records


def cut_torn_tail(store: Path) -> bool:
    """Writers only: drop an incomplete last line of the log (True when there was one)."""
    path = log_path(store)
    if not path.exists():
        return False
    data = path.read_bytes()
    if not data or data.endswith(b"\n"):
        return False
    keep = data[: data.rfind(b"\n") + 1]
    with open(path, "r+b") as fh:
        fh.truncate(len(keep))
        os.fsync(fh.fileno())
    return True


def next_number(store: Path) -> int:
    """The number the next record of the log will have."""
    previous = read_log(store)
    return (previous[-1]["n"] + 1) if previous else 1


def append_record(store: Path, record: dict[str, Any]) -> dict[str, Any]:
    """Append ``record`` (numbered ``n``, stamped ``at`` and ``user``) as one line: one
    ``write`` then ``fsync``: the moment the change becomes visible to readers."""
    previous = read_log(store)
    record = {"n": (previous[-1]["n"] + 1) if previous else 1,
              "at": dt.datetime.now().isoformat(timespec="seconds"),
              "user": _user(), **record}
    line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
    meta_dir(store).mkdir(parents=True, exist_ok=True)
    fd = os.open(log_path(store), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        if os.environ.get("CSOPS_FAULT") == "during_log":  # test hook: a torn append
            os.write(fd, line[: len(line) // 2])
            fault("during_log")
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)
    return record


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in a container
        return str(os.getuid())


def last_state(store: Path) -> dict[str, Any] | None:
    """The last record (its ``versions`` and ``dtypes`` say what readers read), or None."""
    records = read_log(store)
    return records[-1] if records else None


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# --------------------------------------------------------------------------- the marker
def mark_running(store: Path, what: str) -> None:
    meta_dir(store).mkdir(parents=True, exist_ok=True)
    (meta_dir(store) / RUNNING_FILE).write_text(f"{what} pid {os.getpid()}\n")


def was_interrupted(store: Path) -> bool:
    return (meta_dir(store) / RUNNING_FILE).exists()


def clear_running(store: Path) -> None:
    (meta_dir(store) / RUNNING_FILE).unlink(missing_ok=True)


# --------------------------------------------------------------------------- old layout
def legacy_tables(store: Path) -> list[str]:
    """Tables still in the old layout (``<table>/date=YYYY-MM-DD/part.parquet``)."""
    store = Path(store)
    if not store.is_dir():
        return []
    out = []
    for folder in sorted(store.iterdir()):
        if folder.name in TABLES and folder.is_dir() and any(
                (p / LEGACY_PART).exists() for p in folder.iterdir()
                if p.is_dir() and (p.name.startswith("date=") or p.name == "all")):
            out.append(folder.name)
    return out


def refuse_legacy(store: Path) -> None:
    """Readers do not write: an old-layout store asks for ``csops migrate`` first."""
    old = legacy_tables(store)
    if old:
        raise StoreError(
            f"{store}: the store is in the old layout ({old[0]}/date=…/part.parquet); run "
            f"`csops migrate --store {store}` (or any `csops ingest` into it) once to convert "
            f"it, every row kept")
