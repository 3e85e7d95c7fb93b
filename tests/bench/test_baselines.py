"""The bench's hand-written Polars and DuckDB versions of ``agent_day_stats`` (issue 13, item 4)
equal the library EXACTLY (same columns, dtypes, rows and bits) on the demo shop and on a tiny
hand-made log with same-second messages, auto replies and unanswered turns."""
import sys
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from csops_lib import store
from csops_lib.metrics.chat import agent_day_stats

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # bench/ is not installed
from bench import duckdb_baseline, polars_baseline  # noqa: E402

pytest.importorskip("polars")
pytest.importorskip("duckdb")

ENGINES = {"polars": polars_baseline.stats,
           "duckdb": lambda src: duckdb_baseline.stats(src, threads=2)}


def _tiny_log() -> pd.DataFrame:
    rows = [  # (sent_at, agent, customer, sender, category), in the export's order
        # A/c1: a same-second answer (the log puts it after the question: it answers, 0 s),
        # then a same-second new question, an auto reply (never an answer), answered 180 s
        # later (slow, > 120 s)
        ("2026-03-02 10:00:00", "A", "c1", "customer", None),
        ("2026-03-02 10:00:00", "A", "c1", "agent", None),
        ("2026-03-02 10:00:00", "A", "c1", "customer", None),
        ("2026-03-02 10:00:01", "A", "c1", "auto", None),
        ("2026-03-02 10:03:00", "A", "c1", "agent", None),
        # A/c2: only an auto reply: unanswered session, after-sales
        ("2026-03-02 10:01:00", "A", "c2", "customer", "after_sales"),
        ("2026-03-02 10:01:05", "A", "c2", "auto", None),
        # A/c3: outreach (no customer message): no session, but counts for max_concurrent
        ("2026-03-02 10:02:00", "A", "c3", "agent", None),
        # A/c4: the same-second agent message comes BEFORE the question in the log: no answer;
        # the turn continues and is answered 3300 s later (long, > 1200 s)
        ("2026-03-02 10:02:00", "A", "c4", "agent", None),
        ("2026-03-02 10:02:00", "A", "c4", "customer", "presale"),
        ("2026-03-02 10:30:00", "A", "c4", "customer", None),
        ("2026-03-02 10:57:00", "A", "c4", "agent", None),
        # B/c1 across midnight: day 1 unanswered; day 2 only the agent (outreach: no row)
        ("2026-03-02 23:59:59", "B", "c1", "customer", None),
        ("2026-03-03 00:00:01", "B", "c1", "agent", None),
        # A/c5 on day 2: four turns slower than 120 s (> slow_times = 3: a slow session),
        # a fractional-second answer, the last turn unanswered
        ("2026-03-03 09:00:00", "A", "c5", "customer", None),
        ("2026-03-03 09:02:10", "A", "c5", "agent", None),
        ("2026-03-03 09:03:00", "A", "c5", "customer", None),
        ("2026-03-03 09:05:30", "A", "c5", "agent", None),
        ("2026-03-03 09:06:00", "A", "c5", "customer", None),
        ("2026-03-03 09:08:01", "A", "c5", "agent", None),
        ("2026-03-03 09:09:00.500", "A", "c5", "customer", None),
        ("2026-03-03 09:11:02.250", "A", "c5", "agent", None),
        ("2026-03-03 09:12:00", "A", "c5", "customer", None),
        ("2026-03-03 09:12:00", "A", "c5", "auto", None),
        # A/c6 on day 2, 241 s after c5's last message: not concurrent with it
        ("2026-03-03 09:16:01", "A", "c6", "customer", None),
        ("2026-03-03 09:16:01", "A", "c6", "agent", None),
    ]
    df = pd.DataFrame(rows, columns=["sent_at", "agent", "customer_id", "sender", "category"])
    df["sent_at"] = pd.to_datetime(df["sent_at"], format="ISO8601").astype("datetime64[ns]")
    return df


def test_tiny_log_is_what_it_claims():
    lib = agent_day_stats(_tiny_log())
    a1 = lib[(lib["agent"] == "A") & (lib["date"] == "2026-03-02")].iloc[0]
    assert (a1["sessions"], a1["replied"], a1["unanswered"]) == (3, 2, 1)
    assert a1["presale_sessions"] == 2 and a1["long_sessions"] == 1
    assert a1["first_response_s"] == (0 + 3300) / 2  # c1: same second = 0 s; c4: 55 min
    assert a1["max_concurrent"] == 4  # c1..c4 within 240 s
    a2 = lib[(lib["agent"] == "A") & (lib["date"] == "2026-03-03")].iloc[0]
    assert (a2["sessions"], a2["slow_sessions"], a2["max_concurrent"]) == (2, 1, 1)
    assert list(lib["agent"]) == ["A", "B", "A"]  # B has no session on day 2


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_equal_on_tiny_log(engine):
    chats = _tiny_log()
    assert_frame_equal(ENGINES[engine](chats), agent_day_stats(chats), check_exact=True)


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_equal_on_demo_store(demo_store, engine):
    chats = store.read(demo_store["store"], "chats")
    lib = agent_day_stats(chats)
    assert len(lib) > 50
    assert_frame_equal(ENGINES[engine](chats), lib, check_exact=True)  # from the frame
    assert_frame_equal(ENGINES[engine](demo_store["store"]), lib,  # from the store's files
                       check_exact=True)
