"""A store of the old layout (`<table>/date=YYYY-MM-DD/part.parquet`, `_ingest_log.jsonl`) is
migrated, every row kept: by `csops migrate`, or by the next ingest. Readers refuse it."""
import json

import pandas as pd
import pytest

from csops_lib import store
from csops_lib.cli import main


def _old_store(root):
    """Written as the old code wrote it: one pandas `to_parquet` per `date=` folder (rows of
    a partition sorted on the key), `all/` for undated tables, one log line per file."""
    parts = {
        ("orders", "date=2026-11-01"): pd.DataFrame({
            "order_id": pd.array(["1001", "1002"], dtype="str"),
            "paid_at": pd.to_datetime(["2026-11-01 10:00:05", None]),
            "amount": [10.5, 20.0],
            "created_at": pd.to_datetime(["2026-11-01 10:00:00", "2026-11-01 11:00:00"]),
            "quantity": pd.array([1, None], dtype="Int64")}),
        # the old bug: order 1002 a second time, here without created_at
        ("orders", "date=2026-11-02"): pd.DataFrame({
            "order_id": pd.array(["1002", "1003"], dtype="str"),
            "paid_at": pd.to_datetime(["2026-11-02 08:00:00", "2026-11-02 09:01:00"]),
            "amount": [20.0, 30.0],
            "quantity": pd.array([1, 2], dtype="Int64")}),
        ("chats", "date=2026-11-01"): pd.DataFrame({
            "sent_at": pd.to_datetime(["2026-11-01 10:00:00", "2026-11-01 10:00:30"]),
            "agent": pd.array(["a1", "a1"], dtype="str"),
            "customer_id": pd.array(["c1", "c1"], dtype="str"),
            "sender": pd.array(["customer", "agent"], dtype="str"),
            "agreed_to_buy": pd.array([None, True], dtype="boolean"),
            "text": pd.array(["在吗", None], dtype="str")}),
        ("roster", "all"): pd.DataFrame({"agent": pd.array(["a1"], dtype="str"),
                                         "team": pd.array(["red"], dtype="str")}),
    }
    for (table, label), frame in parts.items():
        folder = root / table / label
        folder.mkdir(parents=True)
        frame.to_parquet(folder / "part.parquet", index=False)
    (root / "_ingest_log.jsonl").write_text(json.dumps({
        "at": "2026-11-03T09:00:00", "file": "orders.xlsx", "table": "orders", "rows_read": 4,
        "rows_loaded": 4, "rows_quarantined": 0}) + "\n")
    expected = {}
    for (table, _), frame in parts.items():  # what the old `store.read` returned
        expected[table] = pd.concat([expected[table], frame], ignore_index=True) \
            if table in expected else frame
    return expected


def _sorted(df):
    return df.sort_values(list(df.columns), kind="stable").reset_index(drop=True)


def test_readers_refuse_an_old_store_with_one_line(tmp_path):
    _old_store(tmp_path)
    with pytest.raises(store.StoreError, match=r"old layout .*csops migrate --store"):
        store.read(tmp_path, "orders")


def test_csops_migrate_keeps_every_row(tmp_path, capsys):
    expected = _old_store(tmp_path)
    assert main(["migrate", "--store", str(tmp_path)]) == 0
    assert "migrated 3 table(s), 7 rows" in capsys.readouterr().out
    assert store.tables(tmp_path) == ["chats", "orders", "roster"]
    for table, frame in expected.items():
        got = store.read(tmp_path, table)
        assert list(got.columns) == list(frame.columns)
        pd.testing.assert_frame_equal(_sorted(got), _sorted(frame))
    assert store.date_range(tmp_path, "orders") == (pd.Timestamp("2026-11-01").date(),
                                                    pd.Timestamp("2026-11-02").date())
    assert not list(tmp_path.glob("*/date=*")) and not (tmp_path / "_ingest_log.jsonl").exists()
    first = store.catalog.read_log(tmp_path)[0]
    assert first["kind"] == "migrate" and first["legacy_log"][0]["file"] == "orders.xlsx"
    assert main(["migrate", "--store", str(tmp_path)]) == 0  # a second time: nothing to do
    assert "already" in capsys.readouterr().out


def test_first_ingest_migrates_then_upserts(tmp_path, kit):
    root = tmp_path / "store"
    expected = _old_store(root)
    export = kit.write_orders(tmp_path / "o.csv", [
        ("1003", "tb_c", "30.00", "2026-11-02 09:00:00", "2026-11-02 09:01:00", 2),
        ("1004", "tb_d", "40.00", "2026-11-03 08:00:00", "2026-11-03 08:00:30", 1)])
    result = store.ingest([export], root)
    assert any("migrated 3 table(s)" in n for n in result.notes)
    assert result.rows_new == {"orders": 1} and result.rows_updated == {"orders": 1}
    orders = store.read(root, "orders")
    assert len(orders) == len(expected["orders"]) + 1  # the old duplicate kept, 1004 added
    assert len(store.read(root, "chats")) == len(expected["chats"])
    assert [r["kind"] for r in store.catalog.read_log(root)] == ["migrate", "ingest"]


def test_a_damaged_old_partition_is_named(tmp_path, capsys):
    _old_store(tmp_path)
    bad = tmp_path / "orders" / "date=2026-11-02" / "part.parquet"
    bad.write_bytes(b"PAR1 not really")
    assert main(["migrate", "--store", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert str(bad) in err and err.count("\n") == 1
    assert (tmp_path / "orders" / "date=2026-11-01" / "part.parquet").exists()  # nothing lost
