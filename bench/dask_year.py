"""A year on Dask: the worker memory and time of the Dask engine's per-batch work, measured on
a bench store as a function of the messages a task reads, and extrapolated to a year.

``kpis_dask`` runs on a ``dask scheduler`` and ``--workers`` ``dask worker --nthreads 1``
processes started here (each behind its nanny; no memory limit, so nothing is spilled or
paused), once per ``--per-task`` value (days per task). Before each run the workers are
restarted (fresh processes) and import the engine; afterwards each worker reports its peak RSS
(``VmHWM``, which, unlike ``ru_maxrss``, is not inherited through fork and exec) from inside its
own process. One thread per worker means one task at a time, so a worker's peak is its largest
task plus what it holds: the imports and the orders (the whole period's, which every task was
sent until 2026-12-02; since then each task gets its window's only, so the year's orders term
below is an upper bound). The task stream gives each batch's compute time.

The cost model fitted over the runs (least squares):

* peak RSS per worker ≈ A + D × days read + B × m, m = the messages of the largest task's
  read window (its days plus the ``followup_days`` before them, which a task reads too); A
  holds the imports and the whole period's orders, which every worker receives;
* compute s per task ≈ t0 + d × days read + c × m (m: the average task's).

Days and messages are proportional within one store, so D and d need a second, denser store
(``--also bench/data/store_10m``); with one store the fit is on m alone.

Extrapolation: ``--year-messages`` over 365 days, ``--year-days-per-task`` days per task; the
orders of a year scale with the store's orders per message (their in-memory size per order is
measured on the store).

Run: ``.venv/bin/python -m bench.dask_year`` (defaults: ``bench/data/store_1m``, generated if
missing; days per task 1,7,14,28,56; 2 workers; add ``--also bench/data/store_10m`` for the
second density); writes ``bench/data/results/dask_year.json``
and prints a Markdown summary. Rerun it after the engine changes: it only calls ``kpis_dask``.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bench import gen
from csops_lib import store
from csops_lib.settings.shop import resolve_params

DEFAULT_STORE = gen.DATA_DIR / "store_1m"
DEFAULT_OUT = gen.DATA_DIR / "results" / "dask_year.json"
MB = 1024 * 1024


def _status_mb(field: str) -> float:
    """``VmHWM`` (peak RSS) or ``VmRSS`` of the calling process from /proc, in MB. Unlike
    ``ru_maxrss``, the peak is not carried over from the parent through fork and exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _peak_mb() -> float:
    """Peak RSS of the calling process (run inside a worker by ``client.run``)."""
    return _status_mb("VmHWM")


def _import_engine() -> float:
    """Import what a batch needs, as a worker does on its first task; the RSS then."""
    import csops_lib.dask_engine  # noqa: F401  (run inside a worker: its baseline)

    return _status_mb("VmRSS")


class Cluster:
    """``dask scheduler`` and ``n`` × ``dask worker --nthreads 1`` as subprocesses (own process
    groups, killed on exit), so that the workers' memory is theirs alone."""

    def __init__(self, folder: Path, workers: int):
        self.folder, self.workers, self.procs = folder, workers, []

    def _start(self, *args: str) -> None:
        log = open(self.folder / f"{args[0]}{len(self.procs)}.log", "wb")
        self.procs.append(subprocess.Popen([str(Path(sys.executable).with_name("dask")), *args],
                                           cwd=self.folder, stdout=log, stderr=log,
                                           start_new_session=True))
        log.close()

    def __enter__(self) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        sched = self.folder / "scheduler.json"
        sched.unlink(missing_ok=True)
        self._start("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                    "--scheduler-file", str(sched), "--idle-timeout", "600s")
        for _ in range(300):
            try:
                address = json.loads(sched.read_text())["address"]
                break
            except (FileNotFoundError, ValueError, KeyError):
                time.sleep(0.1)
        else:
            self.__exit__()
            raise TimeoutError(f"no scheduler file in 30 s (logs in {self.folder})")
        for i in range(self.workers):
            self._start("worker", address, "--nworkers", "1", "--nthreads", "1",
                        "--memory-limit", "0", "--no-dashboard", "--host", "127.0.0.1",
                        "--local-directory", str(self.folder / f"w{i}"),
                        "--death-timeout", "60")
        return address

    def __exit__(self, *exc) -> None:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for proc in self.procs:
                try:
                    os.killpg(proc.pid, sig)
                except ProcessLookupError:
                    pass
            for proc in self.procs:
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    pass


def day_counts(store_dir: Path) -> pd.Series:
    """Messages per day (the partition day of ``sent_at``), every day of the store's range."""
    sent = store.read_store_table(store_dir, "chats", columns=["sent_at"])["sent_at"]
    counts = pd.to_datetime(sent).dt.normalize().value_counts().sort_index()
    days = pd.date_range(counts.index.min(), counts.index.max(), freq="D")
    return counts.reindex(days, fill_value=0)


def windows(counts: pd.Series, per_task: int, followup_days: int) -> list[int]:
    """Messages each task of ``per_task`` days reads: its days and the ``followup_days``
    before them (as :func:`csops_lib.dask_engine.kpis_dask` batches the store's days)."""
    cum = np.concatenate([[0], np.cumsum(counts.to_numpy())])
    out = []
    for i in range(0, len(counts), per_task):
        lo, hi = max(0, i - followup_days), min(i + per_task, len(counts))
        out.append(int(cum[hi] - cum[lo]))
    return out


def orders_size(store_dir: Path) -> dict:
    """The orders table as the engine ships it to every worker: rows, bytes in memory
    (``memory_usage(deep=True)``) and pickled, per order."""
    orders = store.read_store_table(store_dir, "orders")
    n = max(1, len(orders))
    return {"rows": len(orders), "bytes_per_order": orders.memory_usage(deep=True).sum() / n,
            "pickled_bytes_per_order": len(pickle.dumps(orders, protocol=5)) / n}


def measure(store_dir: Path, per_task: list[int], workers: int) -> list[dict]:
    """One ``kpis_dask`` run per days-per-task value, each on freshly restarted workers."""
    from distributed import Client, get_task_stream  # optional dependency: bench only

    from csops_lib.dask_engine import kpis_dask  # with distributed: same reason

    runs = []
    with tempfile.TemporaryDirectory() as tmp, Cluster(Path(tmp), workers) as address, \
            Client(address, timeout="30s") as client:
        client.wait_for_workers(workers, timeout=60)
        for k in per_task:
            client.restart(timeout=120)
            base = client.run(_import_engine)
            t0 = time.perf_counter()
            with get_task_stream(client=client) as ts:
                table = kpis_dask(store_dir, scheduler=client, days_per_task=k)
            wall = time.perf_counter() - t0
            peak = client.run(_peak_mb)
            batches = [sum(s["stop"] - s["start"] for s in rec["startstops"]
                           if s["action"] == "compute")
                       for rec in ts.data if str(rec["key"]).startswith("_batch-")]
            runs.append({"days_per_task": k, "tasks": len(batches), "rows": len(table),
                         "wall_s": round(wall, 2), "base_mb": round(max(base.values())),
                         "peak_mb": round(max(peak.values())),
                         "peak_mb_per_worker": sorted(round(v) for v in peak.values()),
                         "task_s_mean": round(float(np.mean(batches)), 3),
                         "task_s_max": round(float(np.max(batches)), 3)})
            print(f"{k:>3} days/task: {runs[-1]}", flush=True)
    return runs


def _fit(x: list[list[float]], y: list[float]) -> list[float]:
    """Least squares of y on [1, *x]."""
    design = np.c_[np.ones(len(y)), np.asarray(x, dtype=float)]
    return [float(v) for v in np.linalg.lstsq(design, np.asarray(y, dtype=float), rcond=None)[0]]


def model(stores: list[dict], fd: int, year_messages: float, year_days_per_task: int) -> dict:
    """Fit peak MB and task s on the messages a task reads (and, with two stores of different
    density, on the days it reads too: with one store the two are proportional); extrapolate
    to the year. The orders per message and the busiest-task factor are the first store's."""
    rows = []
    for st in stores:
        for run in st["runs"]:
            w = windows(st["counts"], run["days_per_task"], fd)
            run["max_task_messages"], run["mean_task_messages"] = max(w), round(float(np.mean(w)))
            run["days_read"] = min(run["days_per_task"] + fd, len(st["counts"]))
            rows.append(run)
    two = len(stores) > 1
    x_peak = [[r["days_read"], r["max_task_messages"] / 1e3] if two
              else [r["max_task_messages"] / 1e3] for r in rows]
    x_time = [[r["days_read"], r["mean_task_messages"] / 1e6] if two
              else [r["mean_task_messages"] / 1e6] for r in rows]
    pk = _fit(x_peak, [r["peak_mb"] for r in rows])
    tm = _fit(x_time, [r["task_s_mean"] for r in rows])
    if not two:
        pk, tm = [pk[0], 0.0, pk[1]], [tm[0], 0.0, tm[1]]
    main, days_year = stores[0], year_days_per_task + fd
    per_day = year_messages / 365
    m_year = per_day * days_year
    # the busiest task of the store over its average one (promo days), at the year's batch size
    w = windows(main["counts"], year_days_per_task, fd)
    busiest = max(w) / float(np.mean(w))
    orders = main["orders"]
    orders_year = year_messages * orders["rows"] / max(1, int(main["counts"].sum()))
    # every worker holds the year's orders once deserialised, and the pickled bytes while
    # receiving them: both counted, beyond what the measured store's orders already cost
    extra_orders_mb = ((orders_year - orders["rows"])
                       * (orders["bytes_per_order"] + orders["pickled_bytes_per_order"]) / MB)

    def peak(m: float) -> float:
        return pk[0] + pk[1] * days_year + pk[2] * m / 1e3

    tasks_year = math.ceil(365 / year_days_per_task)
    task_s = tm[0] + tm[1] * days_year + tm[2] * m_year / 1e6
    return {"peak_mb": {"A": round(pk[0], 1), "per_day_read": round(pk[1], 3),
                        "per_1k_messages": round(pk[2], 5)},
            "task_s": {"t0": round(tm[0], 3), "per_day_read": round(tm[1], 4),
                       "per_1M_messages": round(tm[2], 3)},
            "year": {"messages": year_messages, "messages_per_day": round(per_day),
                     "days_per_task": year_days_per_task, "task_messages": round(m_year),
                     "orders": round(orders_year),
                     "peak_mb_without_orders_growth": round(peak(m_year)),
                     "orders_growth_mb": round(extra_orders_mb),
                     "peak_mb": round(peak(m_year) + extra_orders_mb),
                     "busiest_task_factor": round(busiest, 2),
                     "busiest_task_peak_mb": round(peak(m_year * busiest) + extra_orders_mb),
                     "tasks": tasks_year, "task_s": round(task_s, 1),
                     "s_per_day": round(task_s / year_days_per_task, 2),
                     "cpu_s": round(tasks_year * task_s)}}


def markdown(result: dict) -> str:
    """The summary printed at the end (the numbers for bench/results.md)."""
    lines = []
    for st in result["stores"]:
        o = st["orders"]
        lines += [f"store `{st['store']}`: {st['messages']:,} messages over {st['days']} days "
                  f"({st['messages'] / st['days']:,.0f} a day); orders {o['rows']:,} "
                  f"({o['bytes_per_order']:.0f} B each in memory, "
                  f"{o['pickled_bytes_per_order']:.0f} B pickled); "
                  f"{result['workers']} workers × 1 thread", "",
                  "| days/task | tasks | max msgs/task | worker peak MB | after imports MB "
                  "| mean task s | wall s |", "|---:|---:|---:|---:|---:|---:|---:|"]
        for r in st["runs"]:
            lines.append(f"| {r['days_per_task']} | {r['tasks']} | {r['max_task_messages']:,} "
                         f"| {r['peak_mb']} | {r['base_mb']} | {r['task_s_mean']} "
                         f"| {r['wall_s']} |")
        lines.append("")
    m, y = result["model"], result["model"]["year"]
    pk, tm = m["peak_mb"], m["task_s"]
    lines += [f"peak MB ≈ {pk['A']} + {pk['per_day_read']} × days read + "
              f"{pk['per_1k_messages']} × (messages read/1000); task s ≈ {tm['t0']} + "
              f"{tm['per_day_read']} × days read + {tm['per_1M_messages']} × (messages read/1M)",
              f"year: {y['messages']:,.0f} messages, {y['messages_per_day']:,} a day, "
              f"{y['days_per_task']} days/task → {y['task_messages']:,} messages read per task: "
              f"peak ≈ {y['peak_mb_without_orders_growth']} MB + {y['orders_growth_mb']} MB "
              f"for {y['orders']:,} orders = {y['peak_mb']} MB per worker "
              f"({y['busiest_task_peak_mb']} MB for the busiest task, "
              f"{y['busiest_task_factor']}× the average as in the store); "
              f"{y['task_s']} s per task, {y['s_per_day']} s per day, "
              f"{y['tasks']} tasks = {y['cpu_s']} worker-s"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.dask_year", description=__doc__.split(
        "\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", type=Path, default=DEFAULT_STORE)
    ap.add_argument("--per-task", default="1,7,14,28,56", help="days per task, one run each")
    ap.add_argument("--also", type=Path, action="append", default=[], metavar="STORE",
                    help="a denser store, measured too (separates days from messages)")
    ap.add_argument("--also-per-task", default="7")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--year-messages", type=float, default=100e6)
    ap.add_argument("--year-days-per-task", type=int, default=7)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    if args.store == DEFAULT_STORE:
        gen.ensure_store(DEFAULT_STORE, copies=4)
    fd = int(resolve_params(None)["followup_days"])
    stores = []
    for path, per_task in [(args.store, args.per_task)] + [(p, args.also_per_task)
                                                           for p in args.also]:
        counts = day_counts(path)
        runs = measure(path, [int(x) for x in per_task.split(",")], args.workers)
        stores.append({"store": str(path), "messages": int(counts.sum()), "days": len(counts),
                       "orders": orders_size(path), "counts": counts, "runs": runs})
    result = {"followup_days": fd, "workers": args.workers, "stores": stores,
              "model": model(stores, fd, args.year_messages, args.year_days_per_task)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    saved = {**result, "stores": [{k: v for k, v in st.items() if k != "counts"}
                                  for st in stores]}
    args.out.write_text(json.dumps(saved, indent=1, ensure_ascii=False))
    print(markdown(result))
    print(f"(written {args.out})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
