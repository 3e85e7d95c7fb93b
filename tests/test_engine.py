"""The per-day tables derived at ingest (issue 13): the KPI tables computed from them equal
those computed from the messages, they follow every ingest, and the store falls back to the
messages whenever they cannot be trusted."""
import shutil

import numpy as np
import pandas as pd
import pytest

from csops_lib import engine, store
from csops_lib.metrics import day_tables, kpis
from csops_lib.reports.kpis import run_kpis
from csops_lib.settings.shop import resolve_params
from csops_lib.store import derived

HEADER = "sent_at,agent,customer_id,sender,text\n"
ORDERS = "订单编号,买家会员名,买家实际支付金额,订单创建时间,订单付款时间,宝贝总数量\n"


def _from_messages(monkeypatch, root, **kw) -> pd.DataFrame:
    """``csops kpis --store`` computed from the messages (the derived tables ignored)."""
    with monkeypatch.context() as m:
        m.setattr(engine, "_usable", lambda *a: False)
        return run_kpis(store_dir=root, **kw).table


@pytest.mark.parametrize("by", ["date,agent", "store,date"])
def test_kpis_from_the_day_tables_equal_kpis_from_the_messages(demo_store, monkeypatch, by):
    root = demo_store["store"]
    fast = engine.kpis_from_store(root, by=by)
    assert fast is not None and len(fast) > 20
    pd.testing.assert_frame_equal(fast, _from_messages(monkeypatch, root, by=by),
                                  check_exact=True)
    # and `csops kpis --store` takes the fast path
    pd.testing.assert_frame_equal(run_kpis(store_dir=root, by=by).table, fast,
                                  check_exact=True)


def test_a_period_and_other_parameters_equal_the_messages(demo_store, monkeypatch):
    root = demo_store["store"]
    # another window than the one derived with: max_concurrent recomputed from the messages
    params = {"slow_gap_s": 60, "long_wait_s": 600, "concurrency_window_s": 300,
              "followup_days": 2}
    kw = {"date_from": "2026-11-10", "date_to": "2026-11-16", "params": params}
    fast = engine.kpis_from_store(root, **{k: v for k, v in kw.items() if k != "params"},
                                  params=params)
    want = _from_messages(monkeypatch, root, **kw)
    pd.testing.assert_frame_equal(fast, want, check_exact=True)
    default = engine.kpis_from_store(root, "2026-11-10", "2026-11-16")
    assert not fast["max_concurrent"].equals(default["max_concurrent"])  # the window counts


def test_the_stored_turn_numbers_spare_the_turns_only_for_their_parameters(demo_store,
                                                                           monkeypatch):
    """With the ingest's turn parameters kpis reads no turn (the stored slow responses, 3-minute
    and platform rates); with another SLA the turns are read and the rates recomputed; both
    equal the messages."""
    root = demo_store["store"]
    p = resolve_params(None)
    at = store.snapshot(root)
    assert at["derived"]["turn_params"] == day_tables.turn_params(p)
    days = engine.read_days(root, None, None, p["concurrency_window_s"], params=p)
    assert days.turns is None and "slow_responses" in days.sessions.columns
    assert set(days.turn_stats.columns) == {"date", "agent", *day_tables.TURN_STAT_COLUMNS}
    assert engine.read_days(root, None, None, p["concurrency_window_s"]).turns is not None
    kw = {"date_from": "2026-11-09", "date_to": "2026-11-15"}
    for sla in ({}, {"sla_answer_s": 30, "platform_hours": [9, 22], "slow_gap_s": 45}):
        params = {**p, **sla}
        other = not day_tables.stored_turn_stats(at["derived"], params)
        assert other == bool(sla)
        fast = engine.kpis_from_store(root, params=params, **kw)
        pd.testing.assert_frame_equal(fast, _from_messages(monkeypatch, root, params=params,
                                                           **kw), check_exact=True)
        if other:
            default = engine.kpis_from_store(root, **kw)
            assert (fast["within_3min_rate"] <= default["within_3min_rate"]).all()
            assert not fast["within_3min_rate"].equals(default["within_3min_rate"])
            assert not fast["platform_avg_response_s"].equals(
                default["platform_avg_response_s"])


def test_the_stored_turn_numbers_are_the_public_functions_per_agent_day(demo_store):
    """day_agents' rates and day_sessions' slow responses equal the public metric functions
    on the same day's messages."""
    from csops_lib.metrics import build_sessions, platform_avg_response_s, within_3min_rate

    root = demo_store["store"]
    day = "2026-11-12"
    chats = store.read(root, "chats", day, day)
    got = _stored_days(root)
    agents = got["day_agents"]
    agents = agents[agents["date"] == pd.Timestamp(day)].set_index("agent").sort_index()
    w = within_3min_rate(chats).set_index("agent").sort_index()
    pa_ = platform_avg_response_s(chats).set_index("agent").sort_index()
    assert len(w) >= 5
    pd.testing.assert_series_equal(agents["within_3min_rate"].loc[w.index],
                                   w["within_3min_rate"], check_names=False)
    pd.testing.assert_series_equal(agents["platform_avg_response_s"].loc[pa_.index],
                                   pa_["platform_avg_response_s"], check_names=False)
    sess = got["day_sessions"]
    sess = sess[sess["date"] == pd.Timestamp(day)]
    want = build_sessions(chats).set_index(["agent", "customer_id"])["slow_responses"]
    have = sess.set_index(["agent", "customer_id"])["slow_responses"]
    pd.testing.assert_series_equal(have.sort_index(), want.sort_index(), check_dtype=False,
                                   check_names=False)
    assert have.sum() > 0


def _chats(path, rows):
    path.write_text(HEADER + "".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_a_payment_during_a_session_reads_that_sessions_messages(tmp_path, monkeypatch):
    # two pre-sale sessions of customer b1 on 11-02; the order (no agent field) is paid at
    # 10:05, while both sessions are open (their last messages are after it). Attribution:
    # the candidate with the latest message strictly before 10:05: a2 (10:04) over a1 (10:02)
    # (without reading the messages, the later-starting a1 would win)
    chats = _chats(tmp_path / "chats.csv", [
        ("2026-11-02 10:01:00", "a1", "b1", "customer", "q"),
        ("2026-11-02 10:02:00", "a1", "b1", "agent", "a"),
        ("2026-11-02 10:20:00", "a1", "b1", "agent", "later"),
        ("2026-11-02 10:00:00", "a2", "b1", "customer", "q"),
        ("2026-11-02 10:04:00", "a2", "b1", "agent", "a"),
        ("2026-11-02 10:30:00", "a2", "b1", "customer", "thanks"),
    ])
    orders = tmp_path / "orders.csv"
    orders.write_text(ORDERS + "9001,b1,99.00,2026-11-02 10:03:00,2026-11-02 10:05:00,1\n",
                      encoding="utf-8")
    root = tmp_path / "store"
    engine.ingest([chats, orders], root)
    fast = engine.kpis_from_store(root).set_index("agent")
    assert fast.loc["a2", "sales"] == 99.0 and fast.loc["a2", "orders"] == 1
    assert fast.loc["a1", "sales"] == 0.0
    pd.testing.assert_frame_equal(engine.kpis_from_store(root),
                                  _from_messages(monkeypatch, root), check_exact=True)


def _stored_days(root) -> dict[str, pd.DataFrame]:
    """The stored day tables with their ids turned back into texts by the key table."""
    got = {t: store.read(root, t).drop(columns="day", errors="ignore")
           .reset_index(drop=True) for t in day_tables.TABLES}
    keys = store.read(root, derived.KEYS)
    for frame in got.values():
        for col in day_tables.KEY_COLUMNS:
            if col in frame.columns:
                assert frame[col].dtype == np.int32  # ids, not text
                k = keys[keys["kind"] == col]
                text = dict(zip(k["id"], k["text"], strict=True))
                assert len(text) == len(set(text.values()))  # one id per text
                frame[col] = [text.get(i, np.nan) for i in frame[col]]
    return got


def test_each_ingest_re_derives_only_what_changed_and_equals_a_fresh_derivation(
        demo_store, tmp_path):
    exports = sorted((demo_store["exports"]).glob("*"))
    chats = [p for p in exports if "聊天" in p.name or "chat" in p.name.lower()]
    others = [p for p in exports if p not in chats]
    assert len(chats) >= 2
    root = tmp_path / "store"
    engine.ingest(others + chats[:1], root)
    days_before = set(store.read(root, "day_agents")["date"])
    later = engine.ingest(chats[1:], root)  # the later weeks: only their days are derived
    new_days = set(store.read(root, "chats")["sent_at"].dt.normalize()) - days_before
    assert later.derived == [f"sessions and turns derived for {len(new_days)} day(s) "
                             f"({min(new_days):%Y-%m-%d}..{max(new_days):%Y-%m-%d})"]
    assert f"store: {later.derived[0]}" in later.summary()
    again = engine.ingest(chats[:1], root)  # a repeat: nothing changes, nothing derived
    assert again.derived == [] and not again.changed
    got = _stored_days(root)
    fresh = day_tables.derive(store.read(root, "chats"),
                              resolve_params(None)["concurrency_window_s"])
    for name in day_tables.TABLES:
        want = fresh[name].reset_index(drop=True)
        have = got[name][list(want.columns)]
        pd.testing.assert_frame_equal(have, want, check_dtype=False, check_exact=True)
    assert days_before < set(got["day_agents"]["date"])


def test_an_ingest_without_the_deriver_marks_them_stale_until_the_next(demo_store, tmp_path,
                                                                         monkeypatch):
    root = tmp_path / "store"
    shutil.copytree(demo_store["store"], root)
    extra = _chats(tmp_path / "late.csv", [
        ("2026-11-30 09:00:00", "小美", "late1", "customer", "在吗"),
        ("2026-11-30 09:00:40", "小美", "late1", "agent", "在")])
    store.ingest([extra], root)  # the store alone: it does not know the formulas
    assert "derived" not in store.snapshot(root)
    assert engine.kpis_from_store(root) is None
    slow = run_kpis(store_dir=root).table  # computed from the messages
    assert pd.Timestamp("2026-11-30") in set(slow["date"])
    engine.ingest([extra], root)  # nothing new, but the deriver re-derives every day
    assert store.snapshot(root)["derived"]["version"] == day_tables.DERIVE_VERSION
    pd.testing.assert_frame_equal(engine.kpis_from_store(root), slow, check_exact=True)


def test_restore_brings_back_the_derived_tables_of_that_entry(demo_store, tmp_path):
    root = tmp_path / "store"
    shutil.copytree(demo_store["store"], root)
    before = engine.kpis_from_store(root)
    n = store.snapshot(root)["n"]
    extra = _chats(tmp_path / "late.csv", [
        ("2026-11-18 09:00:00", "小美", "late1", "customer", "在吗"),
        ("2026-11-18 09:00:40", "小美", "late1", "agent", "在")])
    engine.ingest([extra], root)
    assert not engine.kpis_from_store(root).equals(before)
    store.restore(root, n, quiet=True)
    pd.testing.assert_frame_equal(engine.kpis_from_store(root), before, check_exact=True)


def test_agent_kpis_from_days_is_agent_kpis(demo_store):
    """The library entry points agree on a hand-sliced day (no store involved)."""
    chats = store.read(demo_store["store"], "chats", "2026-11-12", "2026-11-12")
    orders = store.read(demo_store["store"], "orders", "2026-11-05", "2026-11-16")
    p = resolve_params(None)
    want = kpis.agent_kpis(chats, orders, params=p)
    days = day_tables.from_messages(chats, p["concurrency_window_s"])
    got = kpis.agent_kpis_from_days(days, orders, params=p)
    pd.testing.assert_frame_equal(got, want, check_exact=True)


@pytest.mark.parametrize("kw", [{}, {"month": "2026-11"}])
def test_the_weekly_review_reads_the_day_tables_with_the_same_result(demo_store, monkeypatch,
                                                                      kw):
    from csops_lib.reports.weekly import data as weekly

    fast = weekly.load(demo_store["store"], **kw)
    with monkeypatch.context() as m:
        m.setattr(engine, "_usable", lambda *a: False)
        slow = weekly.load(demo_store["store"], **kw)
    assert fast.source == slow.source == "chats"
    for name in ("kpis", "sessions", "attributed"):
        pd.testing.assert_frame_equal(getattr(fast, name), getattr(slow, name),
                                      check_exact=True)
    pd.testing.assert_frame_equal(fast.messages.reset_index(drop=True),
                                  slow.messages.reset_index(drop=True), check_exact=True)


def test_build_sessions_from_days_is_build_sessions(demo_store):
    from csops_lib.metrics import build_sessions

    root = demo_store["store"]
    p = resolve_params(None)
    chats, orders = store.read(root, "chats"), store.read(root, "orders")
    days = engine.read_days(root, None, None, p["concurrency_window_s"])
    pd.testing.assert_frame_equal(day_tables.build_sessions_from_days(days, orders, params=p),
                                  build_sessions(chats, orders, params=p), check_exact=True)


def test_the_daily_report_reads_the_day_tables_with_the_same_result(demo_store, monkeypatch):
    from csops_lib.reports import daily

    fast = daily.load(demo_store["store"], "2026-11-20")
    with monkeypatch.context() as m:
        m.setattr(engine, "_usable", lambda *a: False)
        slow = daily.load(demo_store["store"], "2026-11-20")
    assert fast.mode == slow.mode == "messages"
    for name in ("kpis", "sessions", "outreach", "chats_window"):
        pd.testing.assert_frame_equal(getattr(fast, name), getattr(slow, name),
                                      check_exact=True)


def test_the_agent_profile_reads_the_day_tables_with_the_same_result(demo_store, monkeypatch):
    from csops_lib.reports import agent_profile

    fast = agent_profile.load(demo_store["store"], "小美", "2026-W47")
    with monkeypatch.context() as m:
        m.setattr(engine, "_usable", lambda *a: False)
        slow = agent_profile.load(demo_store["store"], "小美", "2026-W47")
    for name in ("kpis", "sessions", "outcomes", "metrics"):
        pd.testing.assert_frame_equal(getattr(fast, name), getattr(slow, name),
                                      check_exact=True)


def test_a_damaged_day_table_file_is_one_line_naming_it(demo_store, tmp_path):
    root = tmp_path / "store"
    shutil.copytree(demo_store["store"], root)
    victim = sorted((root / "day_sessions").rglob("*.parquet"))[3]
    victim.write_bytes(b"not parquet at all")
    with pytest.raises(store.StoreError) as err:
        engine.kpis_from_store(root)
    message = str(err.value)
    assert str(victim) in message and "damaged" in message and "\n" not in message


def test_csops_kpis_from_a_store_imports_neither_pandera_nor_openpyxl(demo_store, tmp_path):
    """The store's readers never load nor validate a file nor write a workbook: their start
    skips the loaders, pandera (loaded on the first validation) and openpyxl (only for an
    .xlsx out)."""
    import subprocess
    import sys

    out = tmp_path / "k.csv"
    code = ("import sys; from csops_lib import cli; "
            f"rc = cli.main(['kpis', '--store', {str(demo_store['store'])!r}, '--out', "
            f"{str(out)!r}]); print(rc, 'pandera' in sys.modules, 'openpyxl' in sys.modules, "
            "'csops_lib.loaders.core' in sys.modules)")
    got = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert got == ["0", "False", "False", "False"]
    assert pd.read_csv(out, encoding="utf-8-sig")["sessions"].sum() > 0
    xlsx = tmp_path / "k.xlsx"  # a workbook still works (and then loads openpyxl)
    code = code.replace(repr(str(out)), repr(str(xlsx)))
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.split() == ["0", "False", "True", "False"]
    assert xlsx.stat().st_size > 0
