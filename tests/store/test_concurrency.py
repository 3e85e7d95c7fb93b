"""Two `csops ingest` at once never lose or duplicate a row; a reader never waits and sees
the store as before or as after an ingest, never in between."""
import threading
import time

from csops_lib import store
from csops_lib.store import catalog


def _exports(tmp_path, kit, n):
    """Two exports per round that overlap (identical rows) and each add rows of their own,
    in chats (same days) and orders: the result does not depend on which goes first."""
    x = [kit.write_chats(tmp_path / f"x{n}.csv", "2026-11-01", [f"c{i}" for i in range(60)]),
         kit.write_orders(tmp_path / f"ox{n}.csv", [
             (f"{n}01", "tb_a", "1.00", "2026-11-01 10:00:00", "2026-11-01 10:01:00", 1),
             (f"{n}02", "tb_b", "2.00", "2026-11-02 10:00:00", "2026-11-02 10:01:00", 1)])]
    y = [kit.write_chats(tmp_path / f"y{n}.csv", "2026-11-01", [f"c{i}" for i in range(30, 90)]),
         kit.write_orders(tmp_path / f"oy{n}.csv", [
             (f"{n}02", "tb_b", "2.00", "2026-11-02 10:00:00", "2026-11-02 10:01:00", 1),
             (f"{n}03", "tb_c", "3.00", "2026-11-01 12:00:00", "2026-11-01 12:01:00", 1)])]
    return x, y


def test_two_ingests_at_once_equal_two_in_a_row(tmp_path, kit):
    for n in range(5):
        x, y = _exports(tmp_path, kit, n)
        sequential = tmp_path / f"seq{n}"
        store.ingest(x, sequential)
        store.ingest(y, sequential)
        both = tmp_path / f"both{n}"
        procs = [kit.popen_cli("ingest", *files, "--store", both) for files in (x, y)]
        outs = [p.communicate() for p in procs]
        assert [p.returncode for p in procs] == [0, 0], outs
        assert kit.same(kit.view(both), kit.view(sequential)), f"round {n}"
        assert len(store.read(both, "chats")) == 2 * 90 and len(store.read(both, "orders")) == 3
        assert [r["kind"] for r in catalog.read_log(both)] == ["ingest", "ingest"]
        log = catalog.read_log(both)  # every row counted new exactly once
        assert sum(r["tables"]["chats"]["new"] for r in log) == 180
        assert sum(r["tables"]["orders"]["new"] for r in log) == 3


def test_second_writer_says_it_waits_then_goes_on(tmp_path, kit):
    root = tmp_path / "store"
    files = [kit.write_chats(tmp_path / "c.csv", "2026-11-01", ["c1", "c2"])]
    with catalog.writer_lock(root):  # another ingest holds the store
        proc = kit.popen_cli("ingest", *files, "--store", root)
        line = proc.stderr.readline()
        assert line.strip() == catalog.WAITING
        assert proc.poll() is None and store.tables(root) == []  # it waits
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert len(store.read(root, "chats")) == 4 and "recorded as ingest #1" in out


def test_readers_never_see_an_ingest_half_done(tmp_path, kit):
    root = tmp_path / "store"
    first = [kit.write_chats(tmp_path / "a.csv", "2026-11-01", [f"c{i}" for i in range(50)])]
    store.ingest(first, root)
    before = kit.view(root)
    second = [kit.write_chats(tmp_path / "b.csv", "2026-11-01", [f"c{i}" for i in range(40, 99)]),
              kit.write_chats(tmp_path / "b2.csv", "2026-11-02", [f"d{i}" for i in range(80)]),
              kit.write_orders(tmp_path / "o.csv", [
                  ("1", "tb_a", "1.00", "2026-11-02 10:00:00", "2026-11-02 10:01:00", 1)])]
    reference = tmp_path / "reference"
    store.ingest(first + second, reference)
    after = kit.view(reference)
    seen, stop = [], threading.Event()

    def reader():
        while not stop.is_set():
            seen.append(kit.view(root))
            time.sleep(0.01)

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        proc = kit.popen_cli("ingest", *second, "--store", root)
        assert proc.wait(timeout=300) == 0
    finally:
        stop.set()
        thread.join()
    seen.append(kit.view(root))
    assert all(kit.same(v, before) or kit.same(v, after) for v in seen)
    assert kit.same(seen[0], before) and kit.same(seen[-1], after)
