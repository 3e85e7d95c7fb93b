"""The history store: idempotent ingest, dedupe on natural keys, atomic partition writes."""
import hashlib

import pandas as pd
import pytest

from csops_lib import store

HEADER = "订单编号,买家会员名,买家实际支付金额,订单创建时间,订单付款时间,宝贝总数量\n"


def write_orders(path, rows, encoding="utf-8-sig"):
    path.write_text(HEADER + "".join(",".join(map(str, r)) + "\n" for r in rows),
                    encoding=encoding)
    return path


def snapshot(folder):
    """{relative path: sha256} of every file under the store (the log excluded)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != "_ingest_log.jsonl"}


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
    assert set(before) == {"orders/date=2026-11-01/part.parquet",
                           "orders/date=2026-11-02/part.parquet"}
    second = store.ingest([a], root)
    assert not second.changed
    assert second.rows_new == {"orders": 0} and second.rows_updated == {"orders": 0}
    assert snapshot(root) == before


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


def test_interrupted_ingest_leaves_store_unchanged(tmp_path, two_exports, monkeypatch):
    a, b = two_exports
    root = tmp_path / "store"
    store.ingest([a], root)
    before = snapshot(root)

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(store.os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        store.ingest([b], root)
    assert snapshot(root) == before  # no partition replaced, no temp file left behind
