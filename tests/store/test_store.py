"""The history store: idempotent ingest, dedupe on natural keys, pruned reads."""
import hashlib
import shutil
from pathlib import Path

import pandas as pd
import pytest

from csops_lib import store

HEADER = "订单编号,买家会员名,买家实际支付金额,订单创建时间,订单付款时间,宝贝总数量\n"


def write_orders(path, rows, encoding="utf-8-sig"):
    path.write_text(HEADER + "".join(",".join(map(str, r)) + "\n" for r in rows),
                    encoding=encoding)
    return path


def snapshot(folder):
    """{relative path: sha256} of every file under the store (its own log excluded)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and "_csops" not in p.parts}


@pytest.fixture
def two_exports(tmp_path):
    a = write_orders(tmp_path / "a.csv", [
        ("1001", "tb_a", "10.50", "2026-11-01 10:00:00", "2026-11-01 10:00:05", 1),
        ("1002", "tb_b", "20.00", "2026-11-01 11:00:00", "", 1),
        ("1003", "tb_c", "30.00", "2026-11-02 09:00:00", "2026-11-02 09:01:00", 2),
    ])
    # overlaps a.csv on 1003 (identical) and 1002 (now paid), adds 1004
    b = write_orders(tmp_path / "b.csv", [
        ("1002", "tb_b", "20.00", "2026-11-01 11:00:00", "2026-11-01 12:00:00", 1),
        ("1003", "tb_c", "30.00", "2026-11-02 09:00:00", "2026-11-02 09:01:00", 2),
        ("1004", "tb_d", "40.00", "2026-11-03 08:00:00", "2026-11-03 08:00:30", 1),
    ], encoding="gbk")
    return a, b


def test_ingest_same_file_twice_changes_nothing(tmp_path, two_exports):
    a, _ = two_exports
    root = tmp_path / "store"
    first = store.ingest([a], root)
    assert first.rows_new == {"orders": 3} and first.changed
    before = snapshot(root)
    # one Delta table, partitioned by day
    assert {str(Path(k).parent) for k in before} == {
        "orders/_delta_log", "orders/day=2026-11-01", "orders/day=2026-11-02"}
    second = store.ingest([a], root)
    assert not second.changed
    assert second.rows_new == {"orders": 0} and second.rows_updated == {"orders": 0}
    assert second.rows_unchanged == {"orders": 3}
    assert snapshot(root) == before  # no commit at all
    assert second.record == 2  # but the ingest is recorded


def test_overlapping_exports_are_deduplicated_newest_wins(tmp_path, two_exports):
    a, b = two_exports
    root = tmp_path / "store"
    store.ingest([a], root)
    result = store.ingest([b], root)
    assert result.rows_new == {"orders": 1}       # 1004
    assert result.rows_updated == {"orders": 1}   # 1002 got paid
    orders = store.read(root, "orders")
    assert sorted(orders["order_id"]) == ["1001", "1002", "1003", "1004"]
    paid_1002 = orders.loc[orders["order_id"] == "1002", "paid_at"].iloc[0]
    assert paid_1002 == pd.Timestamp("2026-11-01 12:00:00")
    assert orders["amount"].sum() == pytest.approx(100.5)
    # both again in one ingest: b's newer row for 1002 wins inside the batch, so nothing changes
    before = snapshot(root)
    assert not store.ingest([a, b], root).changed
    assert snapshot(root) == before


def test_read_filters_partitions_by_date(tmp_path, two_exports):
    a, b = two_exports
    root = tmp_path / "store"
    store.ingest([a, b], root)
    got = store.read(root, "orders", "2026-11-02", "2026-11-03")
    assert sorted(got["order_id"]) == ["1003", "1004"]
    assert store.date_range(root, "orders") == (pd.Timestamp("2026-11-01").date(),
                                                pd.Timestamp("2026-11-03").date())
    assert store.read(root, "chats").empty


def test_interrupted_ingest_is_invisible_and_cleaned_up(tmp_path, two_exports, monkeypatch,
                                                         kit):
    """Killed after its Delta commit but before its log line (in-process variant of
    test_crash.py): readers see the store as before; the next ingest rolls the table back,
    deletes the orphan files, then applies itself."""
    a, b = two_exports
    root = tmp_path / "store"
    store.ingest([a], root)
    before = kit.view(root)

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(store.catalog, "append_record", boom)
    with pytest.raises(KeyboardInterrupt):
        store.ingest([b], root)
    monkeypatch.undo()
    assert kit.same(kit.view(root), before)
    assert kit.files_on_disk(root) > kit.referenced(root)  # the killed commit's files
    result = store.ingest([b], root)
    assert result.notes and "interrupted" in result.notes[0]
    assert result.rows_new == {"orders": 1} and result.rows_updated == {"orders": 1}
    assert kit.files_on_disk(root) == kit.referenced(root)
    assert kit.leftovers(root) == []


def test_pruned_reads_open_only_the_days_asked(tmp_path, two_exports, monkeypatch):
    a, b = two_exports
    root = tmp_path / "store"
    store.ingest([a], root)
    store.ingest([b], root)
    opened = []
    real = store.delta.read_file

    def spy(path, *args, **kwargs):
        opened.append(path.parent.name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(store.delta, "read_file", spy)
    got = store.read_store_table(root, "orders", "2026-11-03", "2026-11-03",
                                 columns=["order_id", "amount", "nope"])
    assert set(opened) == {"day=2026-11-03"}
    assert list(got.columns) == ["order_id", "amount"] and got["order_id"].tolist() == ["1004"]
    full = store.read(root, "orders")
    assert full.dtypes["paid_at"] == "datetime64[ns]" and str(full.dtypes["quantity"]) == "Int64"


def test_compact_read_gives_categoricals(tmp_path, kit):
    root = tmp_path / "store"
    store.ingest([kit.write_chats(tmp_path / "c1.csv", "2026-11-01", ["c1", "c2"])], root)
    store.ingest([kit.write_chats(tmp_path / "c2.csv", "2026-11-02", ["c3"], agent="a2")], root)
    got = store.read_store_table(root, "chats", compact=True)
    plain = store.read_store_table(root, "chats")
    assert isinstance(got["agent"].dtype, pd.CategoricalDtype)
    assert sorted(got["agent"].cat.categories) == ["a1", "a2"]
    assert got["agent"].astype(str).tolist() == plain["agent"].tolist()
    assert len(plain) == 6 and store.date_range(root, "chats")[1].isoformat() == "2026-11-02"


def test_a_snapshot_keeps_reading_one_state(tmp_path, two_exports):
    """Several reads with one `snapshot()` (as the Dask engine's tasks do) see one state even
    when an ingest lands in between."""
    a, b = two_exports
    root = tmp_path / "store"
    store.ingest([a], root)
    at = store.snapshot(root)
    store.ingest([b], root)
    assert sorted(store.read(root, "orders", at=at)["order_id"]) == ["1001", "1002", "1003"]
    assert sorted(store.read(root, "orders")["order_id"]) == ["1001", "1002", "1003", "1004"]
    assert store.date_range(root, "orders", at=at)[1].isoformat() == "2026-11-02"


def test_deleting_a_table_folder_drops_the_table(tmp_path, two_exports, kit):
    a, _ = two_exports
    root = tmp_path / "store"
    store.ingest([a, kit.write_chats(tmp_path / "c.csv", "2026-11-01", ["c1"])], root)
    shutil.rmtree(root / "chats")
    assert store.tables(root) == ["orders"] and store.read(root, "chats").empty
    store.ingest([kit.write_chats(tmp_path / "c2.csv", "2026-11-02", ["c2"])], root)
    assert len(store.read(root, "chats")) == 2 and store.tables(root) == ["chats", "orders"]
