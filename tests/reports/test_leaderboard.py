"""`csops leaderboard`: team PK and top agents, hand-computed, and on the demo shop."""
import time

import numpy as np
import pandas as pd
import pytest

from csops_lib import store
from csops_lib.metrics import attribute_orders, build_sessions
from csops_lib.metrics import leaderboard as mlb
from csops_lib.render import leaderboard as lbr
from csops_lib.reports import leaderboard as lb

D = "2026-11-11"


def _ts(hm, day=D):
    return pd.Timestamp(f"{day} {hm}")


@pytest.fixture()
def shop():
    """Three agents in two teams, six paid orders in the window, one before it, one unpaid.

    c1 talks to A, c2 to B, c3 to C; c4 talks to A at 09:00 and to C at 11:00 and pays at
    11:30 (the latest pre-sale session before payment: C); c5 never chats (silent); c6's
    order names B in its agent field.
    """
    rows = []
    for cust, agent, hm in [("c1", "A", "10:00"), ("c2", "B", "10:05"), ("c3", "C", "10:10"),
                            ("c4", "A", "09:00"), ("c4", "C", "11:00")]:
        t = _ts(hm)
        rows += [(t, agent, cust, "customer"), (t + pd.Timedelta(seconds=30), agent, cust,
                                                "agent")]
    chats = pd.DataFrame(rows, columns=["sent_at", "agent", "customer_id", "sender"])
    chats["category"] = "presale"
    orders = pd.DataFrame({
        "order_id": ["o1", "o2", "o3", "o4", "o5", "o6", "o7", "o8"],
        "customer_id": ["c1", "c2", "c3", "c4", "c5", "c1", "c6", "c2"],
        "paid_at": [_ts("10:30"), _ts("10:40"), _ts("10:50"), _ts("11:30"), _ts("12:00"),
                    _ts("23:00", "2026-11-10"), _ts("12:30"), pd.NaT],
        "amount": [100.0, 50.0, 30.0, 200.0, 80.0, 999.0, 20.0, 0.0],
        "agent": [np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, "B", np.nan],
    })
    roster = pd.DataFrame({"agent": ["A", "B", "C"], "team": ["T1", "T1", "T2"]})
    return chats, orders, roster


def test_credited_orders_follow_the_attribution_rule(shop):
    chats, orders, _ = shop
    c = mlb.credited_orders(chats, orders, f"{D} 00:00").set_index("order_id")
    assert sorted(c.index) == ["o1", "o2", "o3", "o4", "o5", "o7"]  # o6 before, o8 unpaid
    assert c["credited_agent"].drop("o5").to_dict() == {"o1": "A", "o2": "B", "o3": "C",
                                                        "o4": "C", "o7": "B"}
    assert pd.isna(c.loc["o5", "credited_agent"])
    assert c.loc["o5", "attribution"] == "silent" and c.loc["o7", "attribution"] == "field"


def test_standings_by_sales_hand_computed(shop):
    chats, orders, roster = shop
    r = mlb.standings(chats, orders, roster, f"{D} 00:00", by="sales", top=2)
    teams = r["teams"].set_index("team")
    # T1 = A 100 + B (50 + 20) = 170 in 3 orders; T2 = C 30 + 200 = 230 in 2 orders
    assert teams.loc["T1", ["orders", "sales"]].tolist() == [3, 170.0]
    assert teams.loc["T2", ["orders", "sales"]].tolist() == [2, 230.0]
    assert teams.loc["T2", "rank"] == 1 and teams.loc["T1", "rank"] == 2
    assert not r["on_attainment"]
    assert r["agents"][["rank", "agent", "sales"]].values.tolist() == [[1, "C", 230.0],
                                                                       [2, "A", 100.0]]
    assert (r["orders"], r["sales"]) == (6, 480.0)
    assert (r["silent_orders"], r["silent_sales"]) == (1, 80.0)
    assert r["attributed_orders"] == teams["orders"].sum() == 5


def test_standings_by_orders_keeps_ties(shop):
    chats, orders, roster = shop
    r = mlb.standings(chats, orders, roster, f"{D} 00:00", by="orders", top=2)
    assert r["teams"]["team"].iloc[0] == "T1"
    # B and C both have 2 orders: both rank 1, A (1 order) is cut
    assert r["agents"][["rank", "agent", "orders"]].values.tolist() == [[1, "B", 2],
                                                                        [1, "C", 2]]


def test_standings_until_and_targets(shop):
    chats, orders, roster = shop
    promos = pd.DataFrame({"name": "p", "team": ["T1", "T2", "T1"], "agent": [None, None, "A"],
                           "target_orders": [3, 4, 2], "target_sales": [170.0, 460.0, 50.0]})
    r = mlb.standings(chats, orders, roster, f"{D} 00:00", by="sales", promos=promos)
    teams = r["teams"].set_index("team")
    # on attainment: T1 170 / 170 = 100 % beats T2 230 / 460 = 50 %
    assert r["on_attainment"] and teams.loc["T1", "rank"] == 1
    assert teams.loc["T1", "sales_attainment"] == pytest.approx(1.0)
    assert teams.loc["T2", "sales_attainment"] == pytest.approx(0.5)
    agents = r["agents"].set_index("agent")
    assert agents.loc["A", "sales_attainment"] == pytest.approx(2.0)
    early = mlb.standings(chats, orders, roster, f"{D} 00:00", until=f"{D} 11:45")
    assert early["orders"] == 4 and early["silent_orders"] == 0  # o5, o7 are later
    assert early["teams"].set_index("team").loc["T1", "sales"] == 150.0


def test_team_target_defaults_to_the_sum_of_its_agents(shop):
    chats, orders, roster = shop
    promos = pd.DataFrame({"name": "p", "team": ["T1", "T1", "T2"], "agent": ["A", "B", "C"],
                           "target_orders": [1, 3, 2], "target_sales": [10.0, 20.0, 30.0]})
    cred = mlb.credited_orders(chats, orders, f"{D} 00:00")
    teams, _ = mlb.tally(cred, roster, promos)
    assert teams.set_index("team")["target_orders"].to_dict() == {"T1": 4, "T2": 2}


def test_unknown_agent_has_no_team_and_text_output(shop):
    chats, orders, _ = shop
    r = mlb.standings(chats, orders, pd.DataFrame({"agent": ["A"], "team": ["T1"]}),
                     f"{D} 00:00")
    assert set(r["teams"]["team"]) == {"T1", "no team"}
    text = lbr.format_standings(r, "zh")
    assert "未分组" in text and "静默下单" in text and "团队PK" in text and "¥480" in text
    en = lbr.format_standings(r, "en")
    assert "Team PK" in en and "no team" in en.lower() and "Silent orders" in en  # no_team: weekly section capitalises it


def test_bad_arguments(shop):
    chats, orders, roster = shop
    with pytest.raises(ValueError, match="by must be"):
        mlb.standings(chats, orders, roster, D, by="profit")
    with pytest.raises(ValueError, match="not a date"):
        mlb.standings(chats, orders, roster, "yesterday-ish")
    with pytest.raises(ValueError, match="either"):
        lbr.run(since=D)


def _independent(store_dir, since, until):
    chats = store.read(store_dir, "chats")
    orders = store.read(store_dir, "orders")
    att = attribute_orders(orders, build_sessions(chats, orders), chats=chats)
    paid = att[att["paid_at"].between(since, until)]
    return paid


def test_store_standings_on_the_demo_match_an_independent_attribution(demo_store):
    since, until = pd.Timestamp(f"{D} 00:00"), pd.Timestamp(f"{D} 23:59:59")
    t = lb.load_latest(demo_store["store"], since, until)
    assert t["chats"]["sent_at"].min() >= pd.Timestamp("2026-11-08")  # only the partitions needed
    r = mlb.standings(t["chats"], t["orders"], t["roster"], since, until, promos=t["promos"],
                     as_of=t["as_of"])
    paid = _independent(demo_store["store"], since, until)
    assert r["orders"] == len(paid)
    assert r["attributed_orders"] == int(paid["credited_agent"].notna().sum())
    assert r["teams"]["orders"].sum() == r["attributed_orders"]
    per_agent = paid.groupby("credited_agent")["amount"].sum()
    for row in r["agents"].itertuples():
        assert row.sales == pytest.approx(per_agent[row.agent])
    assert r["on_attainment"]  # the demo's promos table has team targets
    assert set(r["teams"]["team"]) == {"售前组", "售后组"}


def test_cli_function_on_export_files_is_fast(demo_store):
    ex = demo_store["exports"]
    files = [*sorted(ex.glob("chats_2026-W4[56].csv")), *sorted(ex.glob("orders_2026-W4[56].xlsx")),
             ex / "roster.xlsx", ex / "promos.xlsx"]
    started = time.monotonic()
    text = lbr.run(since=f"{D} 00:00", until=f"{D} 23:59:59", files=files, top=3, lang="en")
    elapsed = time.monotonic() - started
    assert "Team PK" in text and "售前组" in text and "Top agents" in text
    # the same standings as from the store (the files cover the window and the look-back)
    t = lb.load_latest(demo_store["store"], f"{D} 00:00", f"{D} 23:59:59")
    r = mlb.standings(t["chats"], t["orders"], t["roster"], f"{D} 00:00", f"{D} 23:59:59",
                     promos=t["promos"], top=3)
    for row in r["teams"].itertuples():
        assert f"¥{row.sales:,.0f}" in text
    assert elapsed < 15
