"""The bench code on a small sample (not timed): the library, the Python loop and DuckDB agree,
and the optimised metrics equal the pre-optimisation code taken from git history (``bench.reference``)."""
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from csops_lib import store
from csops_lib.metrics import chat, kpis, sessions
from csops_lib.reports import kpis as kx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # bench/ is not installed
from bench import baselines, gen, reference  # noqa: E402

try:
    _ref = reference.load()
    ref_chat, ref_kpis, ref_sessions = _ref.chat, _ref.kpis, _ref.sessions
    NO_REFERENCE = ""
except reference.ReferenceUnavailable as exc:  # a shallow clone: no history to compare with
    NO_REFERENCE = str(exc)
needs_reference = pytest.mark.skipif(bool(NO_REFERENCE), reason=NO_REFERENCE)


@pytest.fixture(scope="module")
def bench_store(tmp_path_factory):
    """Two 1-week demo shops (~40 k messages) in the bench's store layout."""
    folder = tmp_path_factory.mktemp("bench") / "store"
    meta = gen.generate_store(folder, copies=2, weeks=1, progress=False)
    assert meta["rows"]["chats"] > 20_000
    return folder


def test_generated_store_layout_and_keys(bench_store):
    chats = store.read(bench_store, "chats")
    assert store.date_range(bench_store, "chats") is not None
    assert chats["agent"].str.endswith(("#00", "#01")).all()
    # the copies do not share customers
    by_copy = chats.groupby(chats["agent"].str[-2:])["customer_id"].agg(set)
    assert not (by_copy.iloc[0] & by_copy.iloc[1])
    assert gen.ensure_store(bench_store, copies=2, weeks=1, progress=False)["copies"] == 2


def test_library_loop_and_duckdb_agree(bench_store):
    lib = baselines.library(bench_store)
    assert len(lib) > 20
    assert baselines.compare(lib, baselines.loop(bench_store)) == []
    pytest.importorskip("duckdb")
    assert baselines.compare(lib, baselines.duck(bench_store, threads=1)) == []


def test_compare_reports_differences(bench_store):
    lib = baselines.library(bench_store)
    worse = lib.copy()
    worse.loc[0, "sessions"] += 1
    worse.loc[1, "avg_response_s"] *= 1.01
    problems = baselines.compare(lib, worse.iloc[:-1])
    assert len(problems) == 3 and "only one" in problems[0]


@needs_reference
def test_optimised_metrics_equal_the_reference(demo_store):
    chats = store.read(demo_store["store"], "chats")
    orders = store.read(demo_store["store"], "orders")
    for old, new in [(ref_chat.agent_day_stats(chats), chat.agent_day_stats(chats)),
                     (ref_chat.agent_day_stats(chats, orders),
                      chat.agent_day_stats(chats, orders)),
                     (ref_chat.max_concurrent(chats), chat.max_concurrent(chats)),
                     (ref_chat.response_time_quantiles(chats, by=["store"]),
                      chat.response_time_quantiles(chats, by=["store"])),
                     (ref_sessions.build_turns(chats), sessions.build_turns(chats)),
                     (ref_sessions.build_sessions(chats, orders),
                      sessions.build_sessions(chats, orders)),
                     (ref_sessions.outreach(chats), sessions.outreach(chats)),
                     (ref_kpis.agent_kpis(chats, orders), kpis.agent_kpis(chats, orders)),
                     (ref_kpis.store_kpis(chats, orders), kpis.store_kpis(chats, orders))]:
        assert_frame_equal(new, old, check_exact=True)


@needs_reference
def test_optimised_metrics_on_messy_logs_equal_the_reference(demo_store):
    """Blank / padded ids, unknown senders, missing times, shuffled rows, categoricals."""
    chats = store.read(demo_store["store"], "chats", "2026-11-16", "2026-11-22")
    rng = np.random.default_rng(3)
    c = chats.astype({"agent": object, "sender": object, "store": object})
    idx = rng.choice(len(c), 400, replace=False)
    c.loc[idx[:60], "agent"] = " " + c.loc[idx[:60], "agent"].astype(str) + " "
    c.loc[idx[60:90], "agent"] = ""
    c.loc[idx[90:120], "sender"] = "Agent "
    c.loc[idx[120:140], "sender"] = "bot"
    c.loc[idx[140:160], "sent_at"] = pd.NaT
    c.loc[idx[160:260], "store"] = np.nan
    c = c.sample(frac=1.0, random_state=2)
    cat = chats.astype({"agent": "category", "customer_id": "category", "store": "category"})
    for frame in (c, cat, c.iloc[:0], c[c["sender"] != "customer"]):
        assert_frame_equal(chat.agent_day_stats(frame), ref_chat.agent_day_stats(frame),
                           check_exact=True)
        assert_frame_equal(sessions.build_sessions(frame), ref_sessions.build_sessions(frame),
                           check_exact=True)


@needs_reference
def test_store_kpis_path_equals_the_reference(demo_store):
    """`csops kpis --store` (pruned, categorical read) = the old code on a full read."""
    from csops_lib.settings.shop import resolve_params

    p = resolve_params(None)
    p["as_of"] = store.store_as_of(demo_store["store"])
    got = kx.run_kpis(store_dir=demo_store["store"]).table
    lo, hi = store.date_range(demo_store["store"], "chats")
    w = store.store_windows(pd.Timestamp(lo), pd.Timestamp(hi), p)
    chats = store.read(demo_store["store"], "chats", *w["chats"])
    orders = store.read(demo_store["store"], "orders", *w["orders"]).sort_values(
        "order_id", kind="stable")
    refunds = store.read(demo_store["store"], "refunds", *w["refunds"])
    want = ref_kpis.agent_kpis(chats, orders, refunds=refunds, params=p, date_from=lo,
                               date_to=hi)
    assert_frame_equal(got, want, check_exact=True)
