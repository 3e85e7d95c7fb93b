"""Upsert on the natural key wherever the stored row is; a missing value never erases one."""
import pandas as pd

from csops_lib import store

NO_CREATED = "订单编号,买家会员名,买家实际支付金额,订单付款时间,宝贝总数量\n"


def test_order_export_without_creation_time_neither_duplicates_nor_erases(tmp_path, kit):
    """The bug of issue 10: a newer order export without 订单创建时间 put the orders a second
    time into other partitions (the day then comes from paid_at) and emptied created_at."""
    root = tmp_path / "store"
    first = kit.write_orders(tmp_path / "full.csv", [
        ("1001", "tb_a", "10.50", "2026-11-01 23:50:00", "2026-11-02 00:10:00", 1),
        ("1002", "tb_b", "20.00", "2026-11-01 11:00:00", "", 1),
        ("1003", "tb_c", "30.00", "2026-11-02 09:00:00", "2026-11-02 09:01:00", 2),
    ])
    store.ingest([first], root)
    # later: the same orders without the creation time; 1002 is now paid on 11-03
    later = kit.write_csv(tmp_path / "later.csv", NO_CREATED, [
        ("1001", "tb_a", "10.50", "2026-11-02 00:10:00", 1),
        ("1002", "tb_b", "20.00", "2026-11-03 08:00:00", 1),
        ("1003", "tb_c", "30.00", "2026-11-02 09:01:00", 2),
    ])
    result = store.ingest([later], root)
    assert result.rows_new == {"orders": 0}
    assert result.rows_updated == {"orders": 1}      # 1002 got its payment time
    assert result.rows_unchanged == {"orders": 2}
    orders = store.read(root, "orders").set_index("order_id").sort_index()
    assert list(orders.index) == ["1001", "1002", "1003"]  # no order twice
    assert orders["created_at"].tolist() == [pd.Timestamp("2026-11-01 23:50:00"),
                                             pd.Timestamp("2026-11-01 11:00:00"),
                                             pd.Timestamp("2026-11-02 09:00:00")]
    assert orders.loc["1002", "paid_at"] == pd.Timestamp("2026-11-03 08:00:00")
    # every order stays in the partition of its creation day
    assert store.read(root, "orders", "2026-11-01", "2026-11-01")["order_id"].sort_values() \
        .tolist() == ["1001", "1002"]
    assert store.read(root, "orders", "2026-11-03", "2026-11-03").empty
    days = {p.parent.name for p in store.data_files(root, "orders")}
    assert days == {"day=2026-11-01", "day=2026-11-02"}


def test_blank_values_keep_known_ones_and_new_values_win(tmp_path, kit):
    root = tmp_path / "store"
    store.ingest([kit.write_orders(tmp_path / "a.csv", [
        ("2001", "tb_a", "10.00", "2026-11-01 10:00:00", "2026-11-01 10:05:00", 1),
        ("2002", "tb_b", "20.00", "2026-11-01 11:00:00", "2026-11-01 11:05:00", 3),
    ])], root)
    # buyer blank for 2001 (kept), quantity changed for 2002 (updated), 2003 new
    result = store.ingest([kit.write_orders(tmp_path / "b.csv", [
        ("2001", "", "10.00", "2026-11-01 10:00:00", "2026-11-01 10:05:00", 1),
        ("2002", "tb_b", "20.00", "2026-11-01 11:00:00", "2026-11-01 11:05:00", 2),
        ("2003", "tb_c", "5.00", "2026-11-04 09:00:00", "2026-11-04 09:00:30", 1),
    ])], root)
    assert (result.rows_new, result.rows_updated, result.rows_unchanged) == (
        {"orders": 1}, {"orders": 1}, {"orders": 1})
    got = store.read(root, "orders").set_index("order_id").sort_index()
    assert got["customer_id"].tolist() == ["tb_a", "tb_b", "tb_c"]
    assert got["quantity"].tolist() == [1, 2, 1]


def test_two_files_of_one_ingest_combine_newest_value_wins(tmp_path, kit):
    root = tmp_path / "store"
    a = kit.write_orders(tmp_path / "a.csv", [
        ("3001", "tb_a", "10.00", "2026-11-01 10:00:00", "", 1)])
    b = kit.write_csv(tmp_path / "b.csv", NO_CREATED, [
        ("3001", "", "12.00", "2026-11-02 10:00:00", 1)])
    result = store.ingest([a, b], root)
    assert result.rows_new == {"orders": 1}
    row = store.read(root, "orders").iloc[0]
    assert (row["customer_id"], row["amount"]) == ("tb_a", 12.0)
    assert row["created_at"] == pd.Timestamp("2026-11-01 10:00:00")
    assert row["paid_at"] == pd.Timestamp("2026-11-02 10:00:00")


def test_new_columns_join_the_table_and_old_rows_read_missing(tmp_path, kit):
    root = tmp_path / "store"
    store.ingest([kit.write_csv(tmp_path / "a.csv", NO_CREATED, [
        ("4001", "tb_a", "10.00", "2026-11-01 10:00:00", 1)])], root)
    store.ingest([kit.write_orders(tmp_path / "b.csv", [
        ("4002", "tb_b", "20.00", "2026-11-02 10:00:00", "2026-11-02 10:01:00", 1)])], root)
    got = store.read(root, "orders").set_index("order_id").sort_index()
    assert pd.isna(got.loc["4001", "created_at"])
    assert got.loc["4002", "created_at"] == pd.Timestamp("2026-11-02 10:00:00")


def test_quarantined_rows_are_counted_per_table(tmp_path, kit):
    root = tmp_path / "store"
    result = store.ingest([kit.write_orders(tmp_path / "a.csv", [
        ("5001", "tb_a", "10.00", "2026-11-01 10:00:00", "2026-11-01 10:05:00", 1),
        ("5002", "tb_b", "abc", "2026-11-01 11:00:00", "2026-11-01 11:05:00", 1),
    ])], root)
    assert result.rows_quarantined == {"orders": 1} and result.rows_new == {"orders": 1}
    last = store.catalog.read_log(root)[-1]
    assert last["tables"]["orders"]["quarantined"] == 1
