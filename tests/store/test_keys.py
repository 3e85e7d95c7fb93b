"""Agent, customer, store and category of the derived day tables are integer ids into one
key table assigned at ingest (issue 13, item 3)."""
import numpy as np
import pandas as pd
import pytest

from csops_lib import engine, store
from csops_lib.store import derived
from csops_lib.store.catalog import StoreError

HEADER = "sent_at,agent,customer_id,sender,text\n"


def test_encode_numbers_new_texts_after_the_known_ones_and_keeps_missing_apart():
    keys = derived.Keys({"agent": pd.Index(["小美", "大伟"], dtype=object)})
    frame = pd.DataFrame({"agent": ["大伟", "婷婷", np.nan, "小美", "婷婷"],
                          "customer_id": ["c9", "c8", "c9", None, "c7"],
                          "other": [1, 2, 3, 4, 5]})
    out = keys.encode(frame, ("agent", "customer_id", "store"))
    # by hand: 大伟 keeps 1, 小美 keeps 0, 婷婷 is new → 2; customers numbered as they come
    assert out["agent"].tolist() == [1, 2, -1, 0, 2]
    assert out["customer_id"].tolist() == [0, 1, 0, -1, 2]
    assert out["agent"].dtype == np.int32 and out["other"].tolist() == [1, 2, 3, 4, 5]
    assert keys.changed
    t = keys.table().to_pandas()
    got = {(k, i): x for k, i, x in zip(t["kind"], t["id"], t["text"], strict=True)}
    assert got == {("agent", 0): "小美", ("agent", 1): "大伟", ("agent", 2): "婷婷",
                   ("customer_id", 0): "c9", ("customer_id", 1): "c8",
                   ("customer_id", 2): "c7"}
    assert set(t["day"]) == {"all"}  # one undated partition


def test_an_ingest_keeps_the_ids_it_gave_and_numbers_only_new_texts(tmp_path, kit):
    first = kit.write_csv(tmp_path / "a.csv", HEADER, [
        ("2026-11-02 10:00:00", "a1", "c1", "customer", "在吗"),
        ("2026-11-02 10:00:20", "a1", "c1", "agent", "在的"),
        ("2026-11-02 11:00:00", "a2", "c2", "customer", "有货吗"),
    ], "utf-8")
    later = kit.write_csv(tmp_path / "b.csv", HEADER, [
        ("2026-11-03 09:00:00", "a3", "c3", "customer", "发货了吗"),
        ("2026-11-03 09:01:00", "a1", "c2", "customer", "还在吗"),
    ], "utf-8")
    root = tmp_path / "store"
    engine.ingest([first], root)
    before = store.read(root, derived.KEYS)
    engine.ingest([later], root)
    after = store.read(root, derived.KEYS)

    def ids(frame):
        return {(k, x): i for k, i, x in zip(frame["kind"], frame["id"], frame["text"],
                                             strict=True)}
    old, new = ids(before), ids(after)
    assert all(new[k] == v for k, v in old.items())  # the ids given stay
    assert new[("agent", "a3")] == 2 and new[("customer_id", "c3")] == 2  # next ones
    sessions = store.read(root, "day_sessions")
    assert sessions["customer_id"].dtype == np.int32
    day2 = sessions[sessions["date"] == pd.Timestamp("2026-11-03")]
    # a1 (id 0) with c2 (id 1), a3 (id 2) with c3 (id 2): stored in (agent, customer) order
    assert list(zip(day2["agent"], day2["customer_id"], strict=True)) == [(0, 1), (2, 2)]
    days = engine.read_days(root, None, None, 120)
    assert sorted(zip(days.sessions["agent"], days.sessions["customer_id"].astype(object),
                      strict=True)) == [("a1", "c1"), ("a1", "c2"), ("a2", "c2"), ("a3", "c3")]


def test_an_id_the_key_table_lacks_is_a_one_line_store_error(tmp_path):
    keys = derived.Keys()
    keys.encode(pd.DataFrame({"agent": ["a1"]}), ("agent",))
    root = tmp_path / "store"
    root.mkdir()
    path = root / derived.KEYS
    derived.delta.create(path, keys.table())
    version = derived.delta.latest_version(path, root)
    code, texts = derived.key_texts(root, version, {"agent": np.array([0, -1, 0])})["agent"]
    assert texts.tolist() == ["a1"] and code.tolist() == [0]
    with pytest.raises(StoreError, match=r"id 3 of agent is not in the key table") as err:
        derived.key_texts(root, version, {"agent": np.array([0, 3])})
    assert "\n" not in str(err.value)
