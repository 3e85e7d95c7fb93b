"""The export's order of messages in the same second survives the store (issue 13, item 3).

The store used to keep each day's messages sorted by its key (sent_at, agent, customer,
sender, text): an agent reply written in the same second as the question sorted *before* it
("agent" < "customer") and never answered it. The ``seq`` column keeps the export's order.
"""
import pandas as pd

from csops_lib import store
from csops_lib.metrics import agent_day_stats, build_turns

HEADER = "sent_at,agent,customer_id,sender,text\n"


def _kpi_row(root) -> pd.Series:
    chats = store.read(root, "chats")
    stats = agent_day_stats(chats)
    assert len(stats) == 1
    return stats.iloc[0]


def test_a_reply_in_the_same_second_answers_the_question(tmp_path, kit):
    # c1 asks at 10:00:00 and the agent answers in that same second (the export's order);
    # c2 asks at 11:00:00, the answer comes 30 s later (a normal turn, as a control)
    f = kit.write_csv(tmp_path / "chats.csv", HEADER, [
        ("2026-11-02 10:00:00", "a1", "c1", "customer", "在吗"),
        ("2026-11-02 10:00:00", "a1", "c1", "agent", "在的"),
        ("2026-11-02 11:00:00", "a1", "c2", "customer", "有货吗"),
        ("2026-11-02 11:00:30", "a1", "c2", "agent", "有"),
    ], "utf-8")
    root = tmp_path / "store"
    store.ingest([f], root)
    row = _kpi_row(root)
    # by hand: both sessions replied; first responses 0 s and 30 s → mean 15 s
    assert row["sessions"] == 2 and row["replied"] == 2
    assert row["first_response_s"] == 15.0
    turns = build_turns(store.read(root, "chats")).set_index("customer_id")
    assert turns.loc["c1", "answered"] and turns.loc["c1", "response_s"] == 0.0


def test_a_reply_listed_before_the_question_does_not_answer_it(tmp_path, kit):
    # the export lists the agent message first within the second: it came first, so the
    # customer's question (same second, after it) is unanswered
    f = kit.write_csv(tmp_path / "chats.csv", HEADER, [
        ("2026-11-02 10:00:00", "a1", "c1", "agent", "您好"),
        ("2026-11-02 10:00:00", "a1", "c1", "customer", "在吗"),
    ], "utf-8")
    root = tmp_path / "store"
    store.ingest([f], root)
    row = _kpi_row(root)
    assert row["sessions"] == 1 and row["replied"] == 0
    assert pd.isna(row["first_response_s"])


def test_seq_is_kept_when_a_later_export_repeats_the_messages(tmp_path, kit):
    rows = [("2026-11-02 10:00:00", "a1", "c1", "customer", "在吗"),
            ("2026-11-02 10:00:00", "a1", "c1", "agent", "在的")]
    first = kit.write_csv(tmp_path / "w1.csv", HEADER, rows, "utf-8")
    # the next export starts with other messages, then repeats the two, then adds a reply
    # written in the same second as the stored ones: it sorts after them (a later ingest)
    second = kit.write_csv(tmp_path / "w2.csv", HEADER, [
        ("2026-11-02 09:00:00", "a1", "c9", "customer", "早"),
        *rows,
        ("2026-11-02 10:00:00", "a1", "c1", "agent", "请问要什么"),
    ], "utf-8")
    root = tmp_path / "store"
    store.ingest([first], root)
    before = store.read(root, "chats").set_index("text")["seq"]
    result = store.ingest([second], root)
    assert result.rows_new["chats"] == 2 and result.rows_updated["chats"] == 0
    after = store.read(root, "chats").set_index("text")["seq"]
    assert after["在吗"] == before["在吗"] and after["在的"] == before["在的"]
    assert after["在吗"] < after["在的"] < after["请问要什么"]
    # each day's rows are stored in (agent, customer, sent_at, seq) order
    stored = store.read(root, "chats")
    keys = stored[["agent", "customer_id", "sent_at", "seq"]]
    assert keys.equals(keys.sort_values(list(keys.columns)))


def test_the_ingest_sort_is_pandas_stable_sort():
    """The batch is sorted by integer codes; the order is that of pandas' stable sort with
    missing values last (random frames with text, times, numbers and gaps)."""
    import importlib

    import numpy as np

    ingest = importlib.import_module("csops_lib.store.ingest")
    rng = np.random.default_rng(1)
    for _ in range(100):
        n = 40
        df = pd.DataFrame({
            "a": rng.choice(["x", "y", "Z", None, "é", "x "], n),
            "b": pd.to_datetime(rng.integers(0, 5, n), unit="s").where(rng.random(n) > .2),
            "c": np.where(rng.random(n) < .2, np.nan, rng.integers(0, 3, n).astype(float)),
            "d": rng.choice(["q", "w"], n)})
        want = df.sort_values(list("abcd"), kind="stable", na_position="last").index
        assert (ingest._sort_order(df, list("abcd")) == want.to_numpy()).all()
