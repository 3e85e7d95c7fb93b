"""Scale-out stays real: the Dask engine against a `dask scheduler` and two `dask worker`
processes started here as separate OS processes (as on a deployment, not a LocalCluster object),
reached by address like `csops kpis --engine dask --scheduler tcp://…`; the tables equal the
pandas engine's, and the task stream shows the per-day batches ran on both workers.

The processes run in their own process groups and are killed when the module ends, when the
fixture fails half-way, and by a watchdog after WATCHDOG_S (a hung computation then fails
instead of blocking); the scheduler also stops itself when idle and the workers when they lose
it, so even a killed pytest leaves nothing behind for long.
"""
from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from csops_lib.render.tables_out import write_table
from csops_lib.reports import kpis as kx

distributed = pytest.importorskip("distributed")
engine = pytest.importorskip("csops_lib.dask_engine")
psutil = pytest.importorskip("psutil")

BIN = Path(sys.executable).parent
START_S = 30  # the scheduler file written and both workers registered within this
WATCHDOG_S = 120  # after this the cluster is killed, whatever the tests are doing
CLI_S = 60  # one `csops kpis` run


def _cmd(name: str) -> list[str]:
    """The console script next to this interpreter (the venv's), else ``python -m``."""
    script = BIN / name
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "dask" if name == "dask" else "csops_lib.cli"]


class DaskProcesses:
    """``dask scheduler`` + ``n`` × ``dask worker --nworkers 1 --nthreads 1`` as subprocesses
    (each in its own process group), a :class:`distributed.Client` connected to them."""

    def __init__(self, folder: Path, n_workers: int = 2):
        self.folder = folder
        self.n_workers = n_workers
        self.procs: list[subprocess.Popen] = []
        self.logs: list[Path] = []
        self.client = None
        self.address = ""
        self._watchdog = threading.Timer(WATCHDOG_S, self.kill)
        self._watchdog.daemon = True

    def _start(self, name: str, args: list[str]) -> subprocess.Popen:
        log = self.folder / f"{name}.log"
        self.logs.append(log)
        with open(log, "wb") as fh:
            proc = subprocess.Popen(_cmd("dask") + args, cwd=self.folder, stdout=fh,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    start_new_session=True)
        self.procs.append(proc)
        return proc

    def _check_alive(self) -> None:
        for proc, log in zip(self.procs, self.logs, strict=False):
            if proc.poll() is not None:
                raise RuntimeError(f"{' '.join(map(str, proc.args))} exited with "
                                   f"{proc.returncode}:\n{log.read_text()[-3000:]}")

    def _read_address(self, sched_file: Path) -> str:
        deadline = time.monotonic() + START_S
        while time.monotonic() < deadline:
            self._check_alive()
            try:
                return json.loads(sched_file.read_text())["address"]
            except (FileNotFoundError, json.JSONDecodeError, KeyError):
                time.sleep(0.1)  # not written yet, or half written
        raise TimeoutError(f"no scheduler file after {START_S} s:\n{self.logs[0].read_text()}")

    def __enter__(self) -> DaskProcesses:
        self._watchdog.start()
        try:
            sched_file = self.folder / "scheduler.json"
            self._start("scheduler", ["scheduler", "--host", "127.0.0.1", "--port", "0",
                                      "--no-dashboard", "--scheduler-file", str(sched_file),
                                      "--idle-timeout", f"{WATCHDOG_S}s"])
            self.address = self._read_address(sched_file)
            for i in range(self.n_workers):
                self._start(f"worker{i}", ["worker", self.address, "--nworkers", "1",
                                           "--nthreads", "1", "--no-dashboard",
                                           "--host", "127.0.0.1", "--name", f"w{i}",
                                           "--local-directory", str(self.folder / f"w{i}"),
                                           "--death-timeout", "30"])
            self.client = distributed.Client(self.address, timeout=f"{START_S}s")
            try:
                self.client.wait_for_workers(self.n_workers, timeout=START_S)
            except TimeoutError:
                self._check_alive()
                raise
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _tree(self) -> list:
        """Every process started here and its descendants (the workers' nannies spawn the
        worker processes)."""
        out = []
        for proc in self.procs:
            try:
                parent = psutil.Process(proc.pid)
                out += [parent, *parent.children(recursive=True)]
            except psutil.NoSuchProcess:
                pass
        return out

    def kill(self) -> None:
        """SIGTERM every process group, SIGKILL what is left after 5 s."""
        for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
            for proc in self.procs:
                try:
                    os.killpg(proc.pid, sig)
                except (ProcessLookupError, PermissionError):
                    pass
            for proc in self.procs:
                try:
                    proc.wait(timeout=wait)
                except subprocess.TimeoutExpired:
                    pass

    def close(self) -> None:
        self._watchdog.cancel()
        tree = self._tree()
        if self.client is not None:
            try:
                self.client.close(timeout=5)
            except Exception:  # the scheduler may be gone already; the kill below matters
                pass
        self.kill()
        _, alive = psutil.wait_procs(tree, timeout=5)
        for p in alive:  # a process that left its group: kill it by its id
            try:
                p.kill()
            except psutil.NoSuchProcess:
                pass
        assert not alive, f"processes left running after the cluster closed: {alive}"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, demo_store):  # demo_store first: off the watchdog clock
    with DaskProcesses(tmp_path_factory.mktemp("dask_cluster")) as procs:
        yield procs


def _batches(stream: list[dict]) -> dict[str, int]:
    """How many per-day batch tasks (``dask_engine._batch``) each worker ran."""
    out: dict[str, int] = {}
    for rec in stream:
        if str(rec["key"]).startswith("_batch-"):
            out[rec["worker"]] = out.get(rec["worker"], 0) + 1
    return out


def _n_tasks(table: pd.DataFrame, per_task: int) -> int:
    """The batches a whole-store run makes: the table's days, ``per_task`` days each."""
    days = pd.to_datetime(table["date"])
    return math.ceil(((days.max() - days.min()).days + 1) / per_task)


def test_two_separate_worker_processes(cluster):
    workers = cluster.client.scheduler_info(n_workers=-1)["workers"]
    assert len(workers) == 2
    assert sorted(w["name"] for w in workers.values()) == ["w0", "w1"]
    assert all(w["nthreads"] == 1 for w in workers.values())
    pids = cluster.client.run(os.getpid)
    assert set(pids) == set(workers)
    started = {p.pid for p in cluster._tree()}
    assert len(set(pids.values())) == 2 and set(pids.values()) <= started
    assert os.getpid() not in pids.values()


@pytest.mark.parametrize("by", ["date,agent", "store,date"])
def test_cluster_equals_pandas(cluster, demo_store, by):
    expected = kx.run_kpis(store_dir=demo_store["store"], by=by).table
    assert len(expected) > 0
    # the default batches (7 days) and 3 days per task: both equal, every batch on the
    # cluster; with 3 days per task (7 tasks) both workers take a share
    for per_task in (engine.DAYS_PER_TASK, 3):
        with distributed.get_task_stream(client=cluster.client) as ts:
            got = engine.kpis_dask(demo_store["store"], by=by, scheduler=cluster.address,
                                   days_per_task=per_task)
        pd.testing.assert_frame_equal(got, expected)
        ran = _batches(ts.data)
        assert sum(ran.values()) == _n_tasks(expected, per_task) > 1
        assert set(ran) <= set(cluster.client.scheduler_info(n_workers=-1)["workers"])
    assert len(ran) == 2, f"3 days per task should use both workers, got {ran}"


def _csops_kpis(cluster, store_dir, out: Path, *extra: str) -> dict[str, int]:
    """Run the real ``csops kpis --engine dask --scheduler ADDRESS`` command; the batches each
    worker ran during it."""
    with distributed.get_task_stream(client=cluster.client) as ts:
        run = subprocess.run(_cmd("csops") + ["kpis", "--store", str(store_dir), "--engine",
                                              "dask", "--scheduler", cluster.address,
                                              "--out", str(out), *extra],
                             capture_output=True, text=True, timeout=CLI_S)
    assert run.returncode == 0, run.stderr
    return _batches(ts.data)


def test_cli_on_the_cluster_writes_the_pandas_table(cluster, demo_store, tmp_path):
    store_dir = demo_store["store"]
    # CSV (the default view): byte for byte the pandas engine's table through the same writer
    expected = kx.run_kpis(store_dir=store_dir).table
    ran = _csops_kpis(cluster, store_dir, tmp_path / "dask.csv")
    assert sum(ran.values()) == _n_tasks(expected, engine.DAYS_PER_TASK)  # on this cluster
    write_table(expected, tmp_path / "pandas.csv")
    assert (tmp_path / "dask.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()
    back = pd.read_csv(tmp_path / "dask.csv", encoding="utf-8-sig")
    assert list(back.columns) == list(expected.columns) and len(back) == len(expected)
    # Parquet (the store view): the exact frame
    expected = kx.run_kpis(store_dir=store_dir, by="store,date").table
    ran = _csops_kpis(cluster, store_dir, tmp_path / "dask.parquet", "--by", "store,date")
    assert sum(ran.values()) == _n_tasks(expected, engine.DAYS_PER_TASK)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "dask.parquet"), expected)
