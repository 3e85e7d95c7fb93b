"""Helpers of the store tests: small exports written as files, a canonical view of a store
(every table, rows sorted) and the data files on disk vs those recorded versions use."""
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from csops_lib import store
from csops_lib.store import catalog, delta

ROOT = Path(__file__).resolve().parents[2]
ORDER_HEADER = "订单编号,买家会员名,买家实际支付金额,订单创建时间,订单付款时间,宝贝总数量\n"


def write_csv(path: Path, header: str, rows, encoding="utf-8-sig") -> Path:
    path.write_text(header + "".join(",".join(map(str, r)) + "\n" for r in rows),
                    encoding=encoding)
    return path


def write_orders(path, rows, encoding="utf-8-sig"):
    return write_csv(path, ORDER_HEADER, rows, encoding)


def write_chats(path: Path, day: str, customers, agent="a1", text="hi") -> Path:
    """Two messages (customer, agent) per customer on ``day``, at a time given by the digits
    of the customer's id (so two files name a customer's messages alike)."""
    rows = []
    for c in customers:
        i = int("".join(ch for ch in c if ch.isdigit()) or 0)
        minute = f"{10 + i // 60:02d}:{i % 60:02d}"
        rows.append((f"{day} {minute}:00", agent, c, "customer", f"{text} {c}"))
        rows.append((f"{day} {minute}:30", agent, c, "agent", "hello"))
    return write_csv(path, "sent_at,agent,customer_id,sender,text\n", rows, "utf-8")


def view(root) -> dict[str, pd.DataFrame]:
    """Every table of the store, rows sorted on all columns: equal views = equal stores.
    The chats' ``seq`` (which ingest came first) is left out: tests/store/test_sequence.py
    checks it."""
    out = {}
    for t in store.tables(root):
        df = store.read(root, t).drop(columns=["seq"], errors="ignore")
        out[t] = df.sort_values(list(df.columns), kind="stable").reset_index(drop=True)
    return out


def same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(a[t].equals(b[t]) for t in a)


def files_on_disk(root: Path) -> set[Path]:
    """Every file under the table folders (the derived ones too) except the Delta logs."""
    folders = [f for f in Path(root).iterdir() if delta.is_table(f)]
    return {p for f in folders for p in f.rglob("*")
            if p.is_file() and delta.DELTA_LOG not in p.parts}


def referenced(root: Path) -> set[Path]:
    """The data files of every version any log entry records."""
    out = set()
    for record in catalog.read_log(root):
        for t, v in record.get("versions", {}).items():
            out |= {p for _, p in delta.files_at(root / t, v, root)}
    return out


def leftovers(root: Path) -> list[Path]:
    """Temporary files or markers anywhere in the store."""
    return [p for p in root.rglob("*") if p.is_file() and (
        p.name.endswith(".tmp") or p.name.startswith("_commit_")
        or p.name == catalog.RUNNING_FILE)]


def run_cli(*args, env=None, **kw) -> subprocess.CompletedProcess:
    """`csops ARGS` in a new process (as a user runs it)."""
    full = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "csops_lib.cli", *map(str, args)], cwd=ROOT,
                          env=full, capture_output=True, text=True, **kw)


def popen_cli(*args, env=None) -> subprocess.Popen:
    full = {**os.environ, **(env or {})}
    return subprocess.Popen([sys.executable, "-m", "csops_lib.cli", *map(str, args)], cwd=ROOT,
                            env=full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture
def kit():
    return SimpleNamespace(write_csv=write_csv, write_orders=write_orders,
                           write_chats=write_chats, view=view, same=same,
                           files_on_disk=files_on_disk, referenced=referenced,
                           leftovers=leftovers, run_cli=run_cli, popen_cli=popen_cli)
