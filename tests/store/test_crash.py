"""SIGKILL during `csops ingest`: the store reads exactly as before (or, once the log line is
written, as after); the next ingest leaves no orphan or temporary file and applies itself."""
import random
import signal
import time

import pytest

from csops_lib import store


@pytest.fixture
def exports(tmp_path, kit):
    """Ingest A (chats of day 1, orders) and ingest B (overlapping chats, chats of day 2,
    updated and new orders, a roster: three tables), and the store after A then B."""
    a = [kit.write_chats(tmp_path / "chats_a.csv", "2026-11-01", [f"c{i}" for i in range(30)]),
         kit.write_orders(tmp_path / "orders_a.csv", [
             ("1001", "tb_a", "10.50", "2026-11-01 10:00:00", "2026-11-01 10:00:05", 1),
             ("1002", "tb_b", "20.00", "2026-11-01 11:00:00", "", 1)])]
    b = [kit.write_chats(tmp_path / "chats_b.csv", "2026-11-01",
                         [f"c{i}" for i in range(20, 50)]),
         kit.write_chats(tmp_path / "chats_b2.csv", "2026-11-02", [f"d{i}" for i in range(40)]),
         kit.write_orders(tmp_path / "orders_b.csv", [
             ("1002", "tb_b", "20.00", "2026-11-01 11:00:00", "2026-11-01 12:00:00", 1),
             ("1003", "tb_c", "30.00", "2026-11-02 09:00:00", "2026-11-02 09:01:00", 2)]),
         kit.write_csv(tmp_path / "roster.csv", "agent,team\n", [("a1", "red")], "utf-8")]
    reference = tmp_path / "reference"
    store.ingest(a, reference)
    before = kit.view(reference)
    store.ingest(b, reference)
    return a, b, before, kit.view(reference)


@pytest.mark.parametrize("point", ["after_load", "after_table:chats", "after_table:orders",
                                   "after_derive", "before_log", "during_log"])
def test_sigkill_at_a_point_leaves_the_store_as_before(tmp_path, kit, exports, point):
    a, b, before, after = exports
    root = tmp_path / "store"
    store.ingest(a, root)
    killed = kit.run_cli("ingest", *b, "--store", root, env={"CSOPS_FAULT": point})
    assert killed.returncode == -signal.SIGKILL
    assert kit.same(kit.view(root), before)  # nothing of B is visible
    # the next ingest repairs the store first, then applies itself, once
    result = store.ingest(b, root)
    assert kit.same(kit.view(root), after)
    assert result.rows_new["chats"] == 2 * (20 + 40) and result.rows_unchanged["chats"] == 20
    assert kit.leftovers(root) == []
    assert kit.files_on_disk(root) == kit.referenced(root)  # no orphan data file
    if point != "after_load":
        assert result.notes and "interrupted" in result.notes[0]
    assert [r["kind"] for r in store.catalog.read_log(root)] == ["ingest", "ingest"]


def test_sigkill_at_random_moments(tmp_path, kit, exports):
    """An outside `kill -9` at random moments of the ingest: each time the store reads
    exactly as before or exactly as after, and an ingest then completes it."""
    a, b, before, after = exports
    rng = random.Random(10)
    for round_ in range(4):
        root = tmp_path / f"store{round_}"
        store.ingest(a, root)
        proc = kit.popen_cli("ingest", *b, "--store", root)
        time.sleep(rng.uniform(0.3, 3.0))
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        seen = kit.view(root)
        assert kit.same(seen, before) or kit.same(seen, after), f"round {round_}"
        store.ingest(b, root)
        assert kit.same(kit.view(root), after)
        assert kit.leftovers(root) == [] and kit.files_on_disk(root) == kit.referenced(root)
