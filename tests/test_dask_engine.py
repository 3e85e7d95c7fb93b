"""The Dask engine of `csops kpis --store --engine dask` equals the pandas engine (demo data)."""
import socket

import pandas as pd
import pytest

from csops_lib import store
from csops_lib.reports import kpis as kx

pytest.importorskip("dask")
engine = pytest.importorskip("csops_lib.dask_engine")


@pytest.mark.parametrize("by", ["date,agent", "store,date"])
def test_dask_equals_pandas_whole_store(demo_store, by):
    expected = kx.run_kpis(store_dir=demo_store["store"], by=by).table
    got = engine.kpis_dask(demo_store["store"], by=by, scheduler="synchronous")
    pd.testing.assert_frame_equal(got, expected)


def test_dask_equals_pandas_on_a_period_with_batches_and_threads(demo_store):
    # a period starting inside the store: sessions before it still credit its orders
    kw = {"date_from": "2026-11-06", "date_to": "2026-11-17"}
    expected = kx.run_kpis(store_dir=demo_store["store"], **kw).table
    for per_task in (1, 5):
        got = engine.agent_kpis_dask(demo_store["store"], kw["date_from"], kw["date_to"],
                                     scheduler="threads", days_per_task=per_task)
        pd.testing.assert_frame_equal(got, expected)


def test_run_kpis_engine_dask_and_parameters(demo_store):
    params = {"followup_days": 1, "slow_gap_s": 60}
    expected = kx.run_kpis(store_dir=demo_store["store"], params=params).table
    got = engine.kpis_dask(demo_store["store"], params=params, scheduler="synchronous")
    pd.testing.assert_frame_equal(got, expected)
    with pytest.raises(kx.ExportError, match="needs --store"):
        kx.run_kpis(chats=["x.csv"], orders=["y.csv"], engine="dask")
    with pytest.raises(kx.ExportError, match="--engine"):
        kx.run_kpis(store_dir=demo_store["store"], engine="spark")


def test_pruned_store_read_has_the_same_rows(demo_store):

    full = store.read(demo_store["store"], "chats", "2026-11-10", "2026-11-12")
    pruned = store.read_store_table(demo_store["store"], "chats", "2026-11-10", "2026-11-12")
    assert list(pruned.columns) == [c for c in store.STORE_COLUMNS["chats"] if c in full.columns]
    pd.testing.assert_frame_equal(pruned, full[list(pruned.columns)])


def test_bad_scheduler_and_missing_store(tmp_path, demo_store):
    with pytest.raises(engine.EngineError, match="expected an address"):
        engine.kpis_dask(demo_store["store"], "2026-11-20", "2026-11-20", scheduler="nowhere")
    with pytest.raises(engine.EngineError, match="no such store"):
        engine.kpis_dask(tmp_path / "none", scheduler="synchronous")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_dask_on_a_distributed_cluster(demo_store):
    """A real distributed scheduler, reached by its address as `--scheduler tcp://…` does."""
    distributed = pytest.importorskip("distributed")
    kw = {"date_from": "2026-11-16", "date_to": "2026-11-22"}
    expected = kx.run_kpis(store_dir=demo_store["store"], **kw).table
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  host="127.0.0.1", scheduler_port=_free_port(),
                                  dashboard_address=":0") as cluster:
        got = kx.run_kpis(store_dir=demo_store["store"], engine="dask",
                          scheduler=cluster.scheduler_address, **kw).table
    pd.testing.assert_frame_equal(got, expected)


def test_cli_engine_flags(demo_store, tmp_path, capsys):
    from csops_lib import cli

    out = tmp_path / "k.parquet"
    with pytest.raises(SystemExit):
        cli.main(["kpis", "--store", str(demo_store["store"]), "--scheduler", "tcp://x:1"])
    assert "--scheduler needs --engine dask" in capsys.readouterr().err
    # the CLI path with a local scheduler name (no cluster start: fast)
    assert cli.main(["kpis", "--store", str(demo_store["store"]), "--from", "2026-11-21",
                     "--engine", "dask", "--scheduler", "synchronous", "--out", str(out)]) == 0
    expected = kx.run_kpis(store_dir=demo_store["store"], date_from="2026-11-21").table
    pd.testing.assert_frame_equal(pd.read_parquet(out), expected)


def test_each_task_is_sent_only_the_orders_of_its_window():
    """Days [11-10, 11-16], followup 3 days, look-back 30 days: orders paid in
    [10-08 00:00, 11-20 00:00) (the look-back before the first day's window, to the end of
    the last day's follow-up), counted by hand."""
    from csops_lib.dask_engine import _orders_of

    paid = ["2026-10-07 23:59:59", "2026-10-08 00:00:00", "2026-11-12 10:00:00",
            "2026-11-19 23:59:59", "2026-11-20 00:00:00", None]
    orders = pd.DataFrame({"order_id": list("abcdef"), "paid_at": pd.to_datetime(paid)})
    p = {"followup_days": 3, "after_sales_lookback_days": 30}
    got = _orders_of(orders, pd.Timestamp("2026-11-10"), pd.Timestamp("2026-11-16"), p)
    assert got["order_id"].tolist() == ["b", "c", "d"]
