"""Every ingest recorded and listed (`csops history`); `--restore N`; a damaged store file
is one clear error naming it and the repair, and that repair works."""
import hashlib
import json

import pytest

from csops_lib import store
from csops_lib.cli import main


@pytest.fixture
def two_ingests(tmp_path, kit):
    a = kit.write_orders(tmp_path / "a.csv", [
        ("1001", "tb_a", "10.50", "2026-11-01 10:00:00", "2026-11-01 10:00:05", 1),
        ("1002", "tb_b", "20.00", "2026-11-01 11:00:00", "", 1)])
    b = kit.write_orders(tmp_path / "b.csv", [
        ("1002", "tb_b", "20.00", "2026-11-01 11:00:00", "2026-11-01 12:00:00", 1),
        ("1003", "tb_c", "30.00", "2026-11-02 09:00:00", "2026-11-02 09:01:00", 2),
        ("1004", "tb_d", "bad", "2026-11-02 09:00:00", "2026-11-02 09:01:00", 2)])
    root = tmp_path / "store"
    store.ingest([a], root)
    after_a = kit.view(root)
    store.ingest([b], root)
    return root, a, b, after_a, kit.view(root)


def test_each_ingest_is_recorded_with_files_and_counts(two_ingests, capsys):
    root, a, b, *_ = two_ingests
    log = store.catalog.read_log(root)
    assert [r["n"] for r in log] == [1, 2]
    assert log[1]["files"][0]["file"] == str(b)
    assert log[1]["files"][0]["sha256"] == hashlib.sha256(b.read_bytes()).hexdigest()
    assert log[1]["tables"]["orders"] == {"new": 1, "updated": 1, "unchanged": 0,
                                          "quarantined": 1, "version": 1}
    assert main(["history", "--store", str(root)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:4] == ["#", "when", "what", "user"]
    first, second = lines[1].split(), lines[2].split()  # newest last
    assert first[0] == "1" and second[0] == "2"
    assert second[5:11] == ["orders", "1", "1", "0", "1", "1"]
    assert f"b.csv ({hashlib.sha256(b.read_bytes()).hexdigest()[:8]})" in lines[2]


def test_restore_goes_back_and_forth(two_ingests, kit, capsys):
    root, a, b, after_a, after_b = two_ingests
    assert main(["history", "--store", str(root), "--restore", "1"]) == 0
    assert kit.same(kit.view(root), after_a)
    assert "restored to entry #1" in capsys.readouterr().out
    assert main(["history", "--store", str(root), "--restore", "2"]) == 0
    assert kit.same(kit.view(root), after_b)
    assert main(["history", "--store", str(root), "--restore", "9"]) == 1
    assert "no such entry" in capsys.readouterr().err
    assert [r["kind"] for r in store.catalog.read_log(root)] == [
        "ingest", "ingest", "restore", "restore"]


def test_truncated_data_file_is_named_with_its_repair(two_ingests, kit, capsys):
    root, a, b, after_a, after_b = two_ingests
    new = {p for p in store.data_files(root, "orders")} - {
        p for _, p in store.delta.files_at(root / "orders", 0, root)}
    victim = sorted(new)[0]  # a file the second ingest wrote
    victim.write_bytes(victim.read_bytes()[:40])
    with pytest.raises(store.StoreError) as err:
        store.read(root, "orders")
    message = str(err.value)
    assert str(victim) in message and "--restore 1" in message and "\n" not in message
    assert main(["ingest", str(b), "--store", str(root)]) == 1  # one line, no traceback
    assert capsys.readouterr().err.count("\n") == 1
    # the repair named: back to entry 1, then the second ingest's file again
    assert main(["history", "--store", str(root), "--restore", "1"]) == 0
    assert kit.same(kit.view(root), after_a)
    store.ingest([b], root)
    assert kit.same(kit.view(root), after_b)


def test_broken_delta_log_is_named_and_restore_repairs_it(two_ingests, kit, capsys):
    root, a, b, after_a, after_b = two_ingests
    commit = root / "orders" / "_delta_log" / f"{1:020d}.json"
    commit.write_text('{"add": {"path": ')
    with pytest.raises(store.StoreError) as err:
        store.read(root, "orders")
    assert str(commit) in str(err.value) and "--restore N" in str(err.value)
    assert main(["ingest", str(b), "--store", str(root)]) == 1
    assert str(commit) in capsys.readouterr().err
    assert main(["history", "--store", str(root), "--restore", "1"]) == 0
    assert kit.same(kit.view(root), after_a)
    store.ingest([b], root)
    assert kit.same(kit.view(root), after_b)


def test_damaged_log_line_is_named(two_ingests):
    root, *_ = two_ingests
    log = store.catalog.log_path(root)
    lines = log.read_text().splitlines()
    log.write_text("\n".join([lines[0], "{oops", lines[1]]) + "\n")
    with pytest.raises(store.StoreError, match=r"ingests.jsonl, line 2: the ingest log"):
        store.read(root, "orders")


def test_torn_last_log_line_is_ignored_then_cut(two_ingests, kit):
    root, a, b, after_a, after_b = two_ingests
    log = store.catalog.log_path(root)
    text = log.read_text()
    log.write_text(text + json.dumps({"n": 3, "versions": {"orders": 99}})[:25])
    assert kit.same(kit.view(root), after_b)
    store.ingest([a], root)
    assert log.read_text().startswith(text) and len(store.catalog.read_log(root)) == 3
