"""Property tests on small random chat logs (hypothesis)."""
import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csops_lib.metrics import agent_day_stats, agent_kpis, build_sessions, max_concurrent

D = pd.Timestamp("2026-11-02")

message = st.tuples(
    st.integers(0, 2 * 86400 - 1),          # second of a 2-day span (midnight crossings)
    st.sampled_from(["A", "B"]),
    st.sampled_from(["c1", "c2", "c3", "c4", "c5"]),
    st.sampled_from(["customer", "agent", "auto"]),
)
# clustered times make windows and ties frequent
clustered = st.tuples(st.integers(0, 900), st.sampled_from(["A", "B"]),
                      st.sampled_from(["c1", "c2", "c3", "c4"]),
                      st.sampled_from(["customer", "agent", "auto"]))
logs = st.one_of(st.lists(message, min_size=1, max_size=30),
                 st.lists(clustered, min_size=1, max_size=30))


def frame(rows):
    return pd.DataFrame({
        "sent_at": pd.Series([D + pd.Timedelta(seconds=r[0]) for r in rows],
                             dtype="datetime64[ns]"),
        "agent": pd.Series([r[1] for r in rows], dtype="str"),
        "customer_id": pd.Series([r[2] for r in rows], dtype="str"),
        "sender": pd.Series([r[3] for r in rows], dtype="str"),
    })


def brute_max_concurrent(df, window_s):
    """O(n²) reference: for each message m, distinct customers of the same agent and day with
    a message in [m, m + 2 × window]; the max per agent-day."""
    out = {}
    w2 = pd.Timedelta(seconds=2 * window_s)
    day = df["sent_at"].dt.normalize()
    for i in range(len(df)):
        a, d, t = df["agent"].iloc[i], day.iloc[i], df["sent_at"].iloc[i]
        sel = (df["agent"] == a) & (day == d) & (df["sent_at"] >= t) & (df["sent_at"] <= t + w2)
        n = df.loc[sel, "customer_id"].nunique()
        out[(d, a)] = max(out.get((d, a), 0), n)
    return out


# each metric call costs ~0.1 s of pandas overhead on any input: few examples for the slow ones
SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(rows=logs, window=st.sampled_from([0, 1, 60, 120, 300]))
def test_max_concurrent_equals_brute_force(rows, window):
    df = frame(rows)
    got = max_concurrent(df, window_s=window)
    assert {(r.date, r.agent): r.max_concurrent for r in got.itertuples()} == \
        brute_max_concurrent(df, window)
    # never more than the distinct customers of the agent-day
    distinct = df.groupby([df["sent_at"].dt.normalize(), "agent"])["customer_id"].nunique()
    for r in got.itertuples():
        assert 1 <= r.max_concurrent <= distinct[(r.date, r.agent)]


@FEW
@given(rows=logs)
def test_agent_day_invariants(rows):
    df = frame(rows)
    st_ = agent_day_stats(df)
    sess = build_sessions(df)
    assert (st_["replied"] <= st_["sessions"]).all()
    assert (st_["unanswered"] == st_["sessions"] - st_["replied"]).all()
    assert st_["reply_rate"].dropna().between(0, 1).all()
    assert st_["sessions"].sum() == len(sess)
    assert (sess["answered_turns"] <= sess["n_turns"]).all()
    assert (sess["n_turns"] <= sess["n_customer"]).all()
    assert (sess["slow_responses"] <= sess["answered_turns"]).all()
    assert (sess["first_response_s"].dropna() >= 0).all()
    # a session is replied exactly when it has an answered turn and then has a response time
    assert (sess["replied"] == sess["avg_response_s"].notna()).all()


@settings(FEW, max_examples=25)
@given(rows=logs, pays=st.lists(st.tuples(st.integers(0, 6 * 86400),
                                          st.sampled_from(["c1", "c2", "c3", "c9"])),
                                max_size=6))
def test_agent_kpis_invariants(rows, pays):
    df = frame(rows)
    orders = pd.DataFrame({
        "order_id": [str(i) for i in range(len(pays))],
        "customer_id": pd.Series([p[1] for p in pays], dtype="str"),
        "paid_at": pd.Series([D + pd.Timedelta(seconds=p[0]) for p in pays],
                             dtype="datetime64[ns]"),
        "amount": [10.0] * len(pays),
    })
    k = agent_kpis(df, orders)
    for col in ("reply_rate", "inquiry_conversion", "within_3min_rate", "auto_first_share"):
        assert k[col].dropna().between(0, 1).all(), col
    assert (k["replied"] <= k["sessions"]).all()
    assert (k["inquiry_buyers"] <= k["inquiries"]).all()
    assert (k["buyers"] <= k["orders"]).all()
    assert not k.duplicated(["date", "agent"]).any()
    # every credited order is in exactly one row; silent ones in none
    assert k["orders"].sum() <= len(orders)
    # rows without sessions have NaN rates
    none = k[k["sessions"] == 0]
    assert none["reply_rate"].isna().all() and none["first_response_s"].isna().all()
    assert np.all(k[["date", "agent"]].apply(tuple, axis=1).tolist()
                  == sorted(k[["date", "agent"]].apply(tuple, axis=1).tolist()))
