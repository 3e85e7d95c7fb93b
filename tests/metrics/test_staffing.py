"""Staffing what-if (METRICS.md §7): Erlang C against published values and an exact reference.

Published values used (sources stated at each test):

* Worked example "100 calls per 30 minutes, AHT 3 min, 80 % answered within 20 s, max occupancy
  85 %, shrinkage 30 %" (the Call Centre Helper "Erlang C formula made simple" example), as
  published with full digits in two independent package READMEs:
  pyworkforce 0.1.0, https://pypi.org/project/pyworkforce/0.1.0/ ::
      raw_positions 14, positions 20, service_level 0.8883500191794669,
      occupancy 0.7142857142857143, waiting_probability 0.1741319335950498
  CRAN ErlangC 0.1.0 README (https://rdocumentation.org/packages/ErlangC/versions/0.1.0) ::
      traffic_intensity 10, wait_probability 0.1741319, service_level 0.88835,
      average_speed_of_answer 7.83593701177724 s, occupancy 0.7142857, agents 14,
      and in its search trace, 11 agents: wait_probability 0.6821182.
* Erlang B table values B(N=10, A=5) = 0.01838 and B(N=5, A=2) = 0.03670 (teletraffic tables);
  they are checked here against exact rational arithmetic, not trusted.

Independent references computed in this file (not by the library's recursion):
* exact: ``fractions.Fraction`` with ``math.factorial``, the textbook formula term by term;
* log space: lgamma terms and a max-shifted ``math.fsum`` (for N in the thousands).
"""
import math
import time
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from csops_lib.metrics.staffing import (
    capacity_check,
    erlang_c,
    peak_concurrent_per_hour,
    presale_aftersales_ratio,
    required_agents,
    sessions_per_hour,
    staffing_plan,
)


# --- independent references --------------------------------------------------------------------
def exact_erlang_b(n: int, a) -> Fraction:
    a = Fraction(a)
    return (a ** n / math.factorial(n)) / sum(a ** i / math.factorial(i) for i in range(n + 1))


def exact_erlang_c(n: int, a) -> Fraction:
    """C(N, A) = [A^N/N! · N/(N−A)] / [Σ_{i<N} A^i/i! + A^N/N! · N/(N−A)], exactly."""
    a = Fraction(a)
    top = a ** n / math.factorial(n) * Fraction(n) / (n - a)
    return top / (sum(a ** i / math.factorial(i) for i in range(n)) + top)


def logspace_erlang_c(n: int, a: float) -> float:
    """Same formula in log space (lgamma), for large N where factorials overflow floats."""
    log_a = math.log(a)
    terms = [i * log_a - math.lgamma(i + 1) for i in range(n)]
    top = n * log_a - math.lgamma(n + 1) + math.log(n / (n - a))
    mx = max(max(terms), top)
    den = math.fsum(math.exp(t - mx) for t in terms) + math.exp(top - mx)
    return math.exp(top - mx) / den


def sl_of(c: float, n: int, a: float, t_s: float, aht_s: float) -> float:
    return 1.0 - c * math.exp(-(n - a) * t_s / aht_s)


# --- published values --------------------------------------------------------------------------
def test_published_worked_example_14_agents():
    # pyworkforce 0.1.0 README and CRAN ErlangC 0.1.0 README: 100 calls / 30 min = 200 / hour,
    # AHT 180 s, T = 20 s, 14 agents
    r = erlang_c(200, 180, 14, 20)
    assert r["traffic_erlangs"] == pytest.approx(10.0, abs=1e-12)
    assert r["wait_probability"] == pytest.approx(0.1741319335950498, abs=1e-13)
    assert r["service_level"] == pytest.approx(0.8883500191794669, abs=1e-13)
    assert r["occupancy"] == pytest.approx(0.7142857142857143, abs=1e-15)
    assert r["asa_s"] == pytest.approx(7.83593701177724, abs=1e-10)  # CRAN ErlangC


def test_published_worked_example_11_agents():
    # CRAN ErlangC 0.1.0 README, calculate_agents() search trace: 11 agents → 0.6821182
    assert erlang_c(200, 180, 11, 20)["wait_probability"] == pytest.approx(0.6821182, abs=5e-8)


def test_published_required_agents_with_occupancy_and_shrinkage():
    # pyworkforce 0.1.0 README: ErlangC(transactions=100, asa=20/60, aht=3, interval=30,
    # max_occupancy=0.85, shrinkage=0.3).required_positions(service_level=0.8)
    r = required_agents(200, 180, 0.8, 20, max_occupancy=0.85, shrinkage=0.3)
    assert r["raw_agents"] == 14
    assert r["agents"] == 20  # ceil(14 / 0.7) = 20 exactly (no float push to 21)
    assert r["service_level"] == pytest.approx(0.8883500191794669, abs=1e-13)
    assert r["occupancy"] == pytest.approx(0.7142857142857143, abs=1e-15)
    assert r["wait_probability"] == pytest.approx(0.1741319335950498, abs=1e-13)


@pytest.mark.parametrize(("n", "a", "table_b"), [(10, 5, 0.01838), (5, 2, 0.03670)])
def test_erlang_b_table_values_and_c_derived_from_b(n, a, table_b):
    exact_b = exact_erlang_b(n, a)
    assert float(exact_b) == pytest.approx(table_b, abs=5e-6)  # the table value, to its digits
    # C from B (Koole 2013): C = N·B / (N − A(1 − B)); A = a erlangs with AHT 3600 s ⇒ λ = a / h
    c_from_b = n * exact_b / (n - a * (1 - exact_b))
    assert c_from_b == exact_erlang_c(n, a)  # the identity holds exactly
    got = erlang_c(a, 3600, n, 0)
    assert got["wait_probability"] == pytest.approx(float(c_from_b), rel=1e-13)
    assert got["service_level"] == pytest.approx(1 - float(c_from_b), rel=1e-13)  # T = 0


# --- exact reference, monotonicity, unstable queue ---------------------------------------------
def test_a24_matches_exact_fraction_and_is_monotone():
    # 360 arrivals / hour × 240 s = 24 erlangs
    agents = list(range(25, 36))
    sweep = erlang_c(360, 240, agents, 20)
    assert sweep["traffic_erlangs"] == pytest.approx(24.0, abs=1e-12)
    for i, n in enumerate(agents):
        c = float(exact_erlang_c(n, 24))
        assert sweep["wait_probability"][i] == pytest.approx(c, rel=1e-12)
        assert sweep["service_level"][i] == pytest.approx(sl_of(c, n, 24, 20, 240), rel=1e-12)
        assert sweep["asa_s"][i] == pytest.approx(c * 240 / (n - 24), rel=1e-12)
        assert sweep["occupancy"][i] == pytest.approx(24 / n, rel=1e-15)
        one = erlang_c(360, 240, n, 20)  # scalar call = the sweep's element
        assert one["wait_probability"] == pytest.approx(sweep["wait_probability"][i], rel=1e-15)
    assert np.all(np.diff(sweep["wait_probability"]) < 0)
    assert np.all(np.diff(sweep["service_level"]) > 0)
    assert np.all(np.diff(sweep["asa_s"]) < 0)


@pytest.mark.parametrize("agents", [1, 20, 24])
def test_unstable_queue(agents):
    r = erlang_c(360, 240, agents, 20)  # A = 24 ≥ N
    assert r["wait_probability"] == 1.0
    assert r["service_level"] == 0.0
    assert r["asa_s"] == math.inf
    assert r["occupancy"] == 1.0


def test_zero_arrivals_nobody_waits():
    r = erlang_c(0, 300, 3, 20)
    assert r == {"traffic_erlangs": 0.0, "wait_probability": 0.0, "service_level": 1.0,
                 "asa_s": 0.0, "occupancy": 0.0}
    z = required_agents(0, 300, 0.8, 20, shrinkage=0.3)
    assert z["raw_agents"] == 0 and z["agents"] == 0
    assert math.isnan(z["service_level"]) and math.isnan(z["occupancy"])


def test_concurrency_two_equals_twice_the_servers():
    a = erlang_c(500, 400, 10, 30, concurrency=2)
    b = erlang_c(500, 400, 20, 30, concurrency=1)
    for key in a:
        assert a[key] == pytest.approx(b[key], rel=1e-15)
    r2 = required_agents(500, 400, 0.8, 30, concurrency=2)
    r1 = required_agents(500, 400, 0.8, 30, concurrency=1)
    # service level rises with servers, so 2-window agents need ceil(servers / 2)
    assert r2["raw_agents"] == math.ceil(r1["raw_agents"] / 2)


# --- required_agents ---------------------------------------------------------------------------
@pytest.mark.parametrize(("lam", "aht", "target", "t_s", "k"), [
    (200, 180, 0.8, 20, 1), (360, 240, 0.9, 15, 1), (1000, 420, 0.8, 60, 3),
    (50, 600, 0.95, 30, 2), (7, 300, 0.8, 20, 1),
])
def test_required_agents_is_the_fewest(lam, aht, target, t_s, k):
    r = required_agents(lam, aht, target, t_s, concurrency=k)
    m = r["raw_agents"]
    assert erlang_c(lam, aht, m, t_s, concurrency=k)["service_level"] >= target
    assert r["service_level"] >= target
    if m > 1:
        assert erlang_c(lam, aht, m - 1, t_s, concurrency=k)["service_level"] < target
    assert r["servers"] == m * k


def test_occupancy_cap_binding():
    # A = 10; 50 % within 20 s needs 12 agents (11 give 0.3896, 12 over 0.5, see the exact
    # check), but occupancy ≤ 70 % needs ceil(10 / 0.7) = 15
    free = required_agents(200, 180, 0.5, 20)
    capped = required_agents(200, 180, 0.5, 20, max_occupancy=0.7)
    assert free["raw_agents"] == 12
    assert sl_of(float(exact_erlang_c(11, 10)), 11, 10, 20, 180) < 0.5
    assert sl_of(float(exact_erlang_c(12, 10)), 12, 10, 20, 180) >= 0.5
    assert capped["raw_agents"] == 15
    assert capped["occupancy"] == pytest.approx(10 / 15) and capped["occupancy"] <= 0.7
    assert erlang_c(200, 180, 14, 20)["occupancy"] > 0.7  # 14 would break the cap
    # a cap met exactly by A / N is met (no float push past it): 10 / 20 = 0.5
    assert required_agents(200, 180, 0.5, 20, max_occupancy=0.5)["raw_agents"] == 20


@pytest.mark.parametrize(("lam", "aht"), [(200, 180), (360, 240), (1234, 333), (90, 600)])
def test_shrinkage_gross_up(lam, aht):
    r = required_agents(lam, aht, 0.8, 20, shrinkage=0.3)
    raw = r["raw_agents"]
    assert r["agents"] == -(-raw * 10 // 7)  # ceil(raw / 0.7) in exact integers
    assert required_agents(lam, aht, 0.8, 20)["raw_agents"] == raw  # shrinkage leaves raw alone


def test_large_load_fast_finite_and_matches_logspace():
    # 20,000 sessions / hour, AHT 300 s → A = 1666.67 erlangs
    t0 = time.perf_counter()
    r = required_agents(20000, 300, 0.8, 20, max_occupancy=0.95, shrinkage=0.3)
    sweep = erlang_c(20000, 300, list(range(1600, 1800)), 20)
    elapsed = time.perf_counter() - t0
    assert elapsed < 0.5
    a = 20000 / 3600 * 300
    assert r["traffic_erlangs"] == pytest.approx(a)
    assert all(math.isfinite(r[k]) for k in ("service_level", "asa_s", "occupancy"))
    assert r["raw_agents"] >= math.ceil(a / 0.95)
    m = r["raw_agents"]
    ref = logspace_erlang_c(m, a)
    assert r["wait_probability"] == pytest.approx(ref, abs=1e-9, rel=1e-9)
    assert r["service_level"] == pytest.approx(sl_of(ref, m, a, 20, 300), abs=1e-9)
    for n in (1667, 1683, 1700, 1750):
        got = sweep["wait_probability"][n - 1600]
        assert got == pytest.approx(logspace_erlang_c(n, a), abs=1e-9, rel=1e-9)
    stable = np.arange(1600, 1800) > a
    assert np.all(np.isfinite(sweep["asa_s"][stable]))
    assert np.all(sweep["service_level"][~stable] == 0)


# --- invalid input -----------------------------------------------------------------------------
@pytest.mark.parametrize(("kwargs", "name"), [
    ({"arrivals_per_hour": -1}, "arrivals_per_hour"),
    ({"arrivals_per_hour": float("nan")}, "arrivals_per_hour"),
    ({"aht_s": 0}, "aht_s"),
    ({"aht_s": -5}, "aht_s"),
    ({"agents": 0}, "agents"),
    ({"agents": -3}, "agents"),
    ({"agents": 2.5}, "agents"),
    ({"agents": []}, "agents"),
    ({"answer_within_s": -1}, "answer_within_s"),
    ({"concurrency": 0}, "concurrency"),
    ({"concurrency": 1.5}, "concurrency"),
    ({"arrivals_per_hour": "100"}, "arrivals_per_hour"),
])
def test_erlang_c_invalid(kwargs, name):
    args = {"arrivals_per_hour": 100, "aht_s": 180, "agents": 5, "answer_within_s": 20}
    args.update(kwargs)
    with pytest.raises(ValueError, match=name):
        erlang_c(**args)


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"target_service_level": 0}, "target_service_level"),
    ({"target_service_level": 1.0}, "target_service_level"),
    ({"target_service_level": 1.2}, "target_service_level"),
    ({"max_occupancy": 0}, "max_occupancy"),
    ({"max_occupancy": 1.1}, "max_occupancy"),
    ({"shrinkage": -0.1}, "shrinkage"),
    ({"shrinkage": 1.0}, "shrinkage"),
    ({"aht_s": 0}, "aht_s"),
    ({"arrivals_per_hour": -10}, "arrivals_per_hour"),
    ({"concurrency": -2}, "concurrency"),
])
def test_required_agents_invalid(kwargs, name):
    args = {"arrivals_per_hour": 100, "aht_s": 180, "target_service_level": 0.8,
            "answer_within_s": 20}
    args.update(kwargs)
    with pytest.raises(ValueError, match=name):
        required_agents(**args)


# --- promo load view on a hand-made chat log ---------------------------------------------------
D1 = pd.Timestamp("2026-11-11")
D2 = pd.Timestamp("2026-11-12")


def chat_log(rows):
    """rows: (timestamp, agent, customer, sender, category or None)."""
    return pd.DataFrame({
        "sent_at": pd.Series([r[0] for r in rows], dtype="datetime64[ns]"),
        "agent": pd.Series([r[1] for r in rows], dtype="str"),
        "customer_id": pd.Series([r[2] for r in rows], dtype="str"),
        "sender": pd.Series([r[3] for r in rows], dtype="str"),
        "category": pd.Series([r[4] if r[4] is not None else np.nan for r in rows], dtype="str"),
    })


def t(day, hms):
    return day + pd.Timedelta(hms)


@pytest.fixture
def promo_chats():
    return chat_log([
        # D1 09:05 a1 × c1: customer first, no category → presale, starts hour 9
        (t(D1, "09:05:00"), "a1", "c1", "customer", None),
        (t(D1, "09:06:00"), "a1", "c1", "agent", None),
        # D1 a1 × c2: the agent wrote first at 09:50, customer replied 10:10 → a session that
        # starts at 09:50 (first message, any sender) → hour 9; after_sales
        (t(D1, "09:50:00"), "a1", "c2", "agent", None),
        (t(D1, "10:10:00"), "a1", "c2", "customer", "after_sales"),
        # D1 a2 × c1: the same customer with another agent is another session → hour 9, presale
        (t(D1, "09:30:00"), "a2", "c1", "customer", None),
        # D1 a2 × c3: agent only → outreach, not a session
        (t(D1, "11:00:00"), "a2", "c3", "agent", None),
        # D1 a1 × c4: an ad contact → other, hour 10
        (t(D1, "10:20:00"), "a1", "c4", "customer", "ad"),
        # D2 a1 × c1 at 00:10 → after_sales, hour 0; a1 × c5 at 23:59:30 → presale, hour 23
        (t(D2, "00:10:00"), "a1", "c1", "customer", "after_sales"),
        (t(D2, "23:59:30"), "a1", "c5", "customer", "presale"),
        (t(D2, "23:59:50"), "auto", "c5", "auto", None),
    ])


def test_sessions_per_hour(promo_chats):
    out = sessions_per_hour(promo_chats)
    assert list(out.columns) == ["date", "hour", "sessions", "presale", "after_sales", "other"]
    assert len(out) == 48  # 24 hours for each of the 2 dates
    assert str(out["sessions"].dtype) == "Int64" and out["hour"].tolist()[:3] == [0, 1, 2]
    got = {(r.date, r.hour): (r.sessions, r.presale, r.after_sales, r.other)
           for r in out.itertuples() if r.sessions > 0}
    assert got == {
        (D1, 9): (3, 2, 1, 0),
        (D1, 10): (1, 0, 0, 1),
        (D2, 0): (1, 0, 1, 0),
        (D2, 23): (1, 1, 0, 0),  # the auto message is another pair: outreach
    }
    assert int(out["sessions"].sum()) == 6


def test_presale_aftersales_ratio(promo_chats):
    out = presale_aftersales_ratio(promo_chats)
    assert out["date"].tolist() == [D1, D2]
    assert out["presale"].tolist() == [2, 1]
    assert out["after_sales"].tolist() == [1, 1]
    assert out["other"].tolist() == [1, 0]
    assert out["sessions"].tolist() == [4, 2]
    assert out["presale_share"].tolist() == pytest.approx([2 / 3, 1 / 2])
    assert out["presale_per_after_sales"].tolist() == pytest.approx([2.0, 1.0])


def test_presale_share_nan_without_sessions_of_either_kind():
    only_ad = chat_log([(t(D1, "12:00:00"), "a1", "c1", "customer", "ad")])
    out = presale_aftersales_ratio(only_ad)
    assert out["other"].tolist() == [1]
    assert math.isnan(out["presale_share"].iloc[0])
    assert math.isnan(out["presale_per_after_sales"].iloc[0])


def test_staffing_plan():
    load = pd.DataFrame({"date": [D1] * 3, "hour": [9, 10, 11], "sessions": [200, 0, 360]})
    plan = staffing_plan(load, aht_s=180, target_service_level=0.8, answer_within_s=20,
                         concurrency=1, max_occupancy=0.85, shrinkage=0.3)
    assert plan["date"].tolist() == [D1] * 3 and plan["hour"].tolist() == [9, 10, 11]
    assert plan["raw_agents"].tolist() == [14, 0, required_agents(360, 180, 0.8, 20, 0.85)[
        "raw_agents"]]
    assert plan["agents"].iloc[0] == 20 and plan["agents"].iloc[1] == 0
    assert plan["traffic_erlangs"].tolist() == pytest.approx([10.0, 0.0, 18.0])
    assert plan["service_level"].iloc[0] == pytest.approx(0.8883500191794669)
    assert math.isnan(plan["service_level"].iloc[1])
    assert load.columns.tolist() == ["date", "hour", "sessions"]  # input untouched


def test_staffing_plan_from_sessions_per_hour(promo_chats):
    load = sessions_per_hour(promo_chats)
    plan = staffing_plan(load, 300, 0.8, 20, concurrency=3)
    busy = plan[plan["sessions"] > 0]
    assert (busy["raw_agents"] >= 1).all()
    assert (plan.loc[plan["sessions"] == 0, "agents"] == 0).all()
    with pytest.raises(ValueError, match="sessions"):
        staffing_plan(pd.DataFrame({"hour": [1], "sessions": [-1]}), 300, 0.8, 20)


def test_capacity_check_scalar_and_roster():
    peaks = pd.DataFrame({"hour": [9, 10, 11], "peak_concurrent": [7, 3, 0]})
    out = capacity_check(peaks, 3, concurrency=2)  # capacity 6 every hour
    assert out["capacity"].tolist() == [6, 6, 6]
    assert out["over_capacity"].tolist() == [True, False, False]
    assert out["shortfall"].tolist() == [1, 0, 0]
    assert out["extra_agents"].tolist() == [1, 0, 0]
    assert out["load_ratio"].tolist() == pytest.approx([7 / 6, 0.5, 0.0])
    roster = capacity_check(peaks, {9: 4, 10: 1}, concurrency=2)  # hour 11: nobody on shift
    assert roster["agents_on_shift"].tolist() == [4, 1, 0]
    assert roster["over_capacity"].tolist() == [False, True, False]
    assert roster["extra_agents"].tolist() == [0, 1, 0]
    assert math.isnan(roster["load_ratio"].iloc[2])
    frame = capacity_check(peaks, pd.DataFrame({"hour": [9, 10, 11],
                                                "agents_on_shift": [3, 3, 0]}), 3)
    assert frame["over_capacity"].tolist() == [False, False, False]
    series = capacity_check(pd.Series({9: 10}), 3, 3)
    assert series["over_capacity"].tolist() == [True] and series["extra_agents"].tolist() == [1]
    with pytest.raises(ValueError, match="concurrency"):
        capacity_check(peaks, 3, 0)


def test_peak_concurrent_per_hour():
    log = chat_log([
        (t(D1, "09:00:00"), "a1", "c1", "customer", None),
        (t(D1, "09:01:00"), "a2", "c1", "agent", None),     # same customer, other agent: once
        (t(D1, "09:03:00"), "a2", "c2", "customer", None),
        (t(D1, "09:04:00"), "a1", "c3", "customer", None),  # exactly 240 s after 09:00: counts
        (t(D1, "09:10:00"), "a1", "c1", "customer", None),
        (t(D1, "10:59:00"), "a1", "c4", "customer", None),
        (t(D1, "11:01:00"), "a2", "c5", "customer", None),
    ])
    out = peak_concurrent_per_hour(log, window_s=120)  # [t, t + 240 s]
    assert len(out) == 24
    got = {r.hour: r.peak_concurrent for r in out.itertuples() if r.peak_concurrent > 0}
    # 09:00 → c1, c2, c3; 10:59 → c4 and c5 (11:01 within 240 s); 11:01 → c5 alone
    assert got == {9: 3, 10: 2, 11: 1}
    narrow = peak_concurrent_per_hour(log, window_s=60)  # [t, t + 120 s]
    got = {r.hour: r.peak_concurrent for r in narrow.itertuples() if r.peak_concurrent > 0}
    # 09:00 → c1 (09:01 c1 again); 09:03 → c2, c3; 10:59 → c4, c5 (exactly 120 s)
    assert got == {9: 2, 10: 2, 11: 1}
    chk = capacity_check(out, 1, concurrency=2)
    assert chk.loc[chk["hour"] == 9, "over_capacity"].tolist() == [True]
