"""Staffing what-if (METRICS.md §7): Erlang C queueing and the promo load view.

**Erlang C (M/M/N queue).** Customers (chat sessions) arrive as a Poisson stream at
``arrivals_per_hour``; each occupies one server for an exponentially distributed handling time
of mean ``aht_s`` seconds; ``N`` servers; an arriving customer who finds every server busy waits
in an unlimited FIFO queue and never abandons. With *concurrency* k (an online agent serves k
chat windows at once) an agent counts as k servers, each with the same mean handling time:
``N = agents × k``. This is the standard call-centre model; sources:

* G. Koole, *Call Center Optimization*, MG Books (2013), ch. 4 (the Erlang C formula, service
  level and ASA);
* N. Gans, G. Koole, A. Mandelbaum, "Telephone call centers: tutorial, review, and research
  prospects", *Manufacturing & Service Operations Management* 5(2), 79-141 (2003), §4.1;
* worked example reproduced in the tests: 100 calls / 30 min, AHT 180 s, 80 % in 20 s,
  max occupancy 85 %, shrinkage 30 % → 14 raw agents, 20 rostered (pyworkforce 0.1.0 README,
  https://pypi.org/project/pyworkforce/0.1.0/; CRAN ErlangC 0.1.0 README).

Formulas (λ per second = arrivals_per_hour / 3600, T = answer_within_s):

* traffic (offered load, erlangs)  A = λ · AHT
* wait probability  C(N, A) = [A^N/N! · N/(N−A)] / [Σ_{i<N} A^i/i! + A^N/N! · N/(N−A)]
* service level  SL = P(wait ≤ T) = 1 − C · exp(−(N − A) · T / AHT)
* average speed of answer  ASA = C · AHT / (N − A)   (seconds, mean over all customers)
* occupancy  A / N  (share of server time busy)

**Unstable queue.** When N ≤ A the servers cannot keep up and the queue grows without bound:
we return wait_probability 1, service_level 0, asa_s inf, occupancy 1 (no steady state exists;
these are the limits as N ↓ A).

**Numerics.** No factorials: the Erlang B recursion B(0) = 1, B(n) = A·B(n−1) / (n + A·B(n−1))
(each step a convex combination, so it never overflows and loses no precision), then
C = N·B / (N − A(1 − B)). One pass of the recursion gives every N up to the largest asked,
so a sweep over agents costs no more than the largest N (a few thousand float steps: well
under a millisecond per thousand servers).

**Promo load.** Sessions (METRICS.md §3) come from :func:`csops_lib.metrics.build_sessions`, so
the definition is implemented once: one agent × one customer × one calendar day holding at least
one customer message; a session starts at its first message (any sender). Category: the log's
``category`` (else, with ``orders`` given, the after-sales look-back rule; else ``presale``).
``after_sales`` sessions are after-sales, ``presale`` sessions (including uncategorised ones)
are pre-sale, and the other categories (ad, silent_check, followup, other) are counted apart in
``other`` so that the pre-sale : after-sales ratio compares like with like.
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from csops_lib.metrics._common import NS_PER_S, coverage_intervals, params_of, require
from csops_lib.metrics.sessions import _messages, build_sessions

__all__ = [
    "capacity_check", "erlang_c", "peak_concurrent_per_hour", "presale_aftersales_ratio",
    "required_agents", "sessions_per_hour", "staffing_plan",
]

HOURS = np.arange(24, dtype=np.int64)
#: float slack for "meets the target" / "within the cap" / the shrinkage gross-up, so that a value
#: equal to the target up to rounding (e.g. 14 / 0.7 = 20.000000000000004) is not pushed up a step
_EPS = 1e-9


# --- input validation --------------------------------------------------------------------------
def _number(value: Any, name: str, *, allow_zero: bool = False, upper: float | None = None,
            upper_inclusive: bool = True) -> float:
    """``value`` as a finite float, > 0 (≥ 0 when ``allow_zero``) and ≤ / < ``upper``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number, got {value!r}")
    x = float(value)
    if not math.isfinite(x):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if x < 0 or (x == 0 and not allow_zero):
        raise ValueError(f"{name} must be {'≥ 0' if allow_zero else '> 0'}, got {value!r}")
    if upper is not None and (x > upper or (x == upper and not upper_inclusive)):
        raise ValueError(f"{name} must be {'≤' if upper_inclusive else '<'} {upper}, got {value!r}")
    return x


def _whole(value: Any, name: str) -> int:
    """``value`` as a positive int (an integral float such as 10.0 is accepted)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a positive whole number, got {value!r}")
    x = float(value)
    if not math.isfinite(x) or x <= 0 or x != int(x):
        raise ValueError(f"{name} must be a positive whole number, got {value!r}")
    return int(x)


def _traffic(arrivals_per_hour: float, aht_s: float) -> float:
    return arrivals_per_hour / 3600.0 * aht_s


# --- Erlang B / C core -------------------------------------------------------------------------
def _erlang_b_upto(a: float, n_max: int) -> np.ndarray:
    """B(n, a) for n = 0 … n_max by the recursion B(n) = a·B(n−1) / (n + a·B(n−1))."""
    out = np.empty(n_max + 1, dtype=np.float64)
    b = 1.0
    out[0] = 1.0
    for n in range(1, n_max + 1):
        ab = a * b
        b = ab / (n + ab)
        out[n] = b
    return out


def _erlang_c_from(a: float, aht_s: float, t_s: float, n: np.ndarray, b: np.ndarray
                   ) -> dict[str, np.ndarray]:
    """Erlang C measures for server counts ``n`` (int array) with Erlang B values ``b``."""
    n = n.astype(np.float64)
    stable = n > a
    gap = np.where(stable, n - a, 1.0)  # dummy 1 where unstable, overwritten below
    c = np.where(stable, n * b / (n - a * (1.0 - b)), 1.0)
    c = np.clip(c, 0.0, 1.0)
    sl = np.where(stable, 1.0 - c * np.exp(-gap * t_s / aht_s), 0.0)
    asa = np.where(stable, c * aht_s / gap, np.inf)
    occ = np.where(stable, a / n, 1.0)
    return {"wait_probability": c, "service_level": sl, "asa_s": asa, "occupancy": occ}


def erlang_c(arrivals_per_hour: float, aht_s: float, agents, answer_within_s: float,
             concurrency: int = 1) -> dict[str, Any]:
    """Erlang C queue measures for ``agents`` agents (Koole 2013 ch. 4; Gans, Koole &
    Mandelbaum 2003 §4.1).

    Parameters: ``arrivals_per_hour`` (customers / sessions per hour, ≥ 0), ``aht_s`` (mean
    handling time of one customer, seconds, > 0), ``agents`` (a positive whole number, or a 1-D
    sequence / array of them for a sweep), ``answer_within_s`` (service-level threshold T,
    seconds, ≥ 0; T = 0 gives the share answered at once), ``concurrency`` (k customers an
    agent serves at once, ≥ 1). Servers N = agents × k.

    Returns a dict: ``traffic_erlangs`` A = λ·AHT (λ per second), ``wait_probability``
    C(N, A) (share of customers who must queue), ``service_level`` = 1 − C·exp(−(N−A)·T/AHT)
    (share answered within T), ``asa_s`` = C·AHT/(N−A) (mean wait in seconds over all
    customers), ``occupancy`` = A/N. Scalars for a scalar ``agents``, numpy arrays for a
    sequence (one pass of the Erlang B recursion serves the whole sweep).

    Unstable queue: when N ≤ A the queue grows without bound, so wait_probability = 1,
    service_level = 0, asa_s = inf, occupancy = 1. Zero arrivals: A = 0, nobody waits
    (wait_probability 0, service_level 1, asa_s 0, occupancy 0).

    Invalid input (negative, zero where not allowed, NaN / inf, non-whole agents or
    concurrency) raises ``ValueError`` naming the argument.
    """
    lam = _number(arrivals_per_hour, "arrivals_per_hour", allow_zero=True)
    aht = _number(aht_s, "aht_s")
    t_s = _number(answer_within_s, "answer_within_s", allow_zero=True)
    k = _whole(concurrency, "concurrency")
    scalar = np.ndim(agents) == 0
    if scalar:
        m = np.array([_whole(agents, "agents")], dtype=np.int64)
    else:
        seq = list(np.asarray(agents, dtype=object).ravel())
        if not seq:
            raise ValueError("agents must not be empty")
        m = np.array([_whole(x, "agents") for x in seq], dtype=np.int64)
    a = _traffic(lam, aht)
    n = m * k
    b = _erlang_b_upto(a, int(n.max()))[n]
    res = _erlang_c_from(a, aht, t_s, n, b)
    out: dict[str, Any] = {"traffic_erlangs": a}
    for key, val in res.items():
        out[key] = float(val[0]) if scalar else val
    return out


def required_agents(arrivals_per_hour: float, aht_s: float, target_service_level: float,
                    answer_within_s: float, max_occupancy: float = 1.0, shrinkage: float = 0.0,
                    concurrency: int = 1) -> dict[str, Any]:
    """The fewest agents meeting a service-level target and an occupancy cap (Erlang C;
    Koole 2013 ch. 4).

    ``raw_agents`` = the smallest whole m with, for N = m × ``concurrency`` servers,
    service_level(N) ≥ ``target_service_level`` (share answered within ``answer_within_s``
    seconds; 0 < target < 1) and occupancy A/N ≤ ``max_occupancy`` (0 < cap ≤ 1). A stable queue
    (N > A) is implied. ``agents`` = raw_agents grossed up for ``shrinkage`` (the share of paid
    time agents are not available: breaks, training, meetings; 0 ≤ shrinkage < 1):
    ``ceil(raw_agents / (1 − shrinkage))``. A relative slack of 1e-9 absorbs float rounding in
    these comparisons (14 / 0.7 is 20, not 21).

    Search: start at the smallest m with m·k > A and A/(m·k) ≤ cap, then step m up one agent at
    a time, extending the Erlang B recursion by k servers per step (service level increases
    with N, so the first m that passes is the answer). Cost O(N): thousands of servers take
    about a millisecond.

    Returns a dict: ``raw_agents``, ``agents``, ``traffic_erlangs``, and at raw_agents the
    achieved ``service_level``, ``asa_s``, ``occupancy``, ``wait_probability``, plus
    ``servers`` (= raw_agents × concurrency). Zero arrivals → 0 agents; the measures, being
    shares of no customers (or of no servers), are then NaN (METRICS.md: a rate with a zero
    denominator is missing).
    """
    lam = _number(arrivals_per_hour, "arrivals_per_hour", allow_zero=True)
    aht = _number(aht_s, "aht_s")
    target = _number(target_service_level, "target_service_level", upper=1.0,
                     upper_inclusive=False)
    t_s = _number(answer_within_s, "answer_within_s", allow_zero=True)
    cap = _number(max_occupancy, "max_occupancy", upper=1.0)
    shrink = _number(shrinkage, "shrinkage", allow_zero=True, upper=1.0, upper_inclusive=False)
    k = _whole(concurrency, "concurrency")
    a = _traffic(lam, aht)
    if a == 0:
        return {"raw_agents": 0, "agents": 0, "traffic_erlangs": 0.0, "servers": 0,
                "service_level": math.nan, "asa_s": math.nan, "occupancy": math.nan,
                "wait_probability": math.nan}
    # smallest m with m·k > A (stable) and A / (m·k) ≤ cap
    m = max(math.floor(a / k) + 1, math.ceil(a / (k * cap) * (1 - _EPS)), 1)
    n = m * k
    b = float(_erlang_b_upto(a, n)[-1])
    while True:
        res = _erlang_c_from(a, aht, t_s, np.array([n]), np.array([b]))
        sl = float(res["service_level"][0])
        if sl >= target - _EPS * target:
            break
        for step in range(n + 1, n + k + 1):  # extend the recursion by one agent (k servers)
            ab = a * b
            b = ab / (step + ab)
        n += k
        m += 1
    raw = m
    agents = math.ceil(raw / (1.0 - shrink) * (1 - _EPS))
    return {"raw_agents": int(raw), "agents": int(agents), "traffic_erlangs": a,
            "servers": int(n), "service_level": sl, "asa_s": float(res["asa_s"][0]),
            "occupancy": float(res["occupancy"][0]),
            "wait_probability": float(res["wait_probability"][0])}


# --- promo load view ---------------------------------------------------------------------------
def _session_starts(chats: pd.DataFrame, orders: pd.DataFrame | None) -> pd.DataFrame:
    sess = build_sessions(chats, orders)
    cat = sess["category"].astype(object)
    return pd.DataFrame({
        "date": sess["date"].astype("datetime64[ns]"),
        "hour": sess["start"].dt.hour.astype(np.int64),
        "presale": cat.eq("presale").to_numpy(),
        "after_sales": cat.eq("after_sales").to_numpy(),
    })


def _hour_grid(dates: pd.Series) -> pd.DataFrame:
    """Every (date, hour 0–23) for the distinct ``dates``."""
    d = pd.Series(pd.unique(dates.dropna())).sort_values().to_numpy(dtype="datetime64[ns]")
    return pd.DataFrame({"date": np.repeat(d, 24), "hour": np.tile(HOURS, len(d))})


def sessions_per_hour(chats: pd.DataFrame, orders: pd.DataFrame | None = None) -> pd.DataFrame:
    """Sessions started per date and hour (METRICS.md §7 "sessions per hour by hour").

    A session (METRICS.md §3) is one agent × one customer × one calendar day holding at least
    one customer message; it starts at its first message (any sender) and is counted in that
    message's clock hour. Columns: ``date`` (midnight), ``hour`` (0–23), ``sessions`` (all
    sessions started), ``presale`` (category ``presale``, which includes sessions without a
    category), ``after_sales`` (category ``after_sales``), ``other`` (ad, silent_check,
    followup, other), so sessions = presale + after_sales + other. Every date with a session
    gets all 24 hours (0 where none started), ready for :func:`staffing_plan`. Counts are
    ``Int64``. ``orders`` (optional) enables the after-sales look-back rule for uncategorised
    sessions (see :func:`csops_lib.metrics.build_sessions`).
    """
    s = _session_starts(chats, orders)
    counts = (s.assign(sessions=1)
               .groupby(["date", "hour"], sort=True)[["sessions", "presale", "after_sales"]]
               .sum())
    out = _hour_grid(s["date"]).merge(counts.reset_index(), on=["date", "hour"], how="left")
    for col in ("sessions", "presale", "after_sales"):
        out[col] = out[col].fillna(0).astype(np.int64)
    out["other"] = out["sessions"] - out["presale"] - out["after_sales"]
    for col in ("sessions", "presale", "after_sales", "other"):
        out[col] = out[col].astype("Int64")
    return out[["date", "hour", "sessions", "presale", "after_sales", "other"]]


def presale_aftersales_ratio(chats: pd.DataFrame, orders: pd.DataFrame | None = None
                             ) -> pd.DataFrame:
    """Pre-sale : after-sales session ratio per date (METRICS.md §7; normally about 7 : 3,
    reversed in the three days after a big promo).

    Columns: ``date``, ``presale``, ``after_sales``, ``other`` (sessions of other categories,
    not in the ratio), ``sessions`` (all), ``presale_share`` = presale / (presale + after_sales)
    (NaN when both are 0), ``presale_per_after_sales`` = presale / after_sales (NaN when no
    after-sales session). Session and category rules as in :func:`sessions_per_hour`.
    """
    s = _session_starts(chats, orders)
    g = s.assign(sessions=1).groupby("date", sort=True)
    out = g[["presale", "after_sales", "sessions"]].sum().reset_index()
    out = out.astype({"presale": np.int64, "after_sales": np.int64, "sessions": np.int64})
    out["other"] = out["sessions"] - out["presale"] - out["after_sales"]
    both = (out["presale"] + out["after_sales"]).astype(np.float64)
    out["presale_share"] = out["presale"] / both.where(both > 0)
    aft = out["after_sales"].astype(np.float64)
    out["presale_per_after_sales"] = out["presale"] / aft.where(aft > 0)
    for col in ("presale", "after_sales", "other", "sessions"):
        out[col] = out[col].astype("Int64")
    out["date"] = out["date"].astype("datetime64[ns]")
    return out[["date", "presale", "after_sales", "other", "sessions", "presale_share",
                "presale_per_after_sales"]]


def staffing_plan(load: pd.DataFrame, aht_s: float, target_service_level: float,
                  answer_within_s: float, concurrency: int = 1, max_occupancy: float = 1.0,
                  shrinkage: float = 0.0) -> pd.DataFrame:
    """Agents required per hour for an hourly load table (Erlang C, :func:`required_agents`).

    ``load`` has columns ``hour`` and ``sessions`` (sessions arriving in that hour, i.e. the
    arrival rate per hour; may be a float such as a mean over several days); other columns
    (e.g. ``date``) are kept. Added columns: ``traffic_erlangs`` (= sessions / 3600 × aht_s),
    ``raw_agents`` (fewest agents meeting the target service level within ``answer_within_s``
    seconds and occupancy ≤ ``max_occupancy``), ``agents`` (= ceil(raw_agents / (1 −
    shrinkage)), the head-count to roster), and the achieved ``service_level``, ``asa_s``,
    ``occupancy`` at raw_agents (NaN in hours with no sessions, which need 0 agents).
    One :func:`required_agents` call per distinct load value (≤ 24 × days rows).
    """
    require(load, ["hour", "sessions"], "load")
    sessions = pd.to_numeric(load["sessions"], errors="coerce").astype("float64")
    if sessions.isna().any():
        raise ValueError("load.sessions must be numbers, got a missing or non-numeric value")
    if (sessions < 0).any():
        raise ValueError("load.sessions must be ≥ 0")
    plans = {v: required_agents(v, aht_s, target_service_level, answer_within_s,
                                max_occupancy=max_occupancy, shrinkage=shrinkage,
                                concurrency=concurrency)
             for v in pd.unique(sessions.to_numpy())}
    out = load.copy()
    vals = sessions.to_numpy()
    out["traffic_erlangs"] = np.array([plans[v]["traffic_erlangs"] for v in vals], np.float64)
    for col in ("raw_agents", "agents"):
        out[col] = pd.array([plans[v][col] for v in vals], dtype="Int64")
    for col in ("service_level", "asa_s", "occupancy"):
        out[col] = np.array([plans[v][col] for v in vals], dtype=np.float64)
    return out


def peak_concurrent_per_hour(chats: pd.DataFrame, window_s: float | None = None,
                             params: dict[str, Any] | None = None, **overrides: Any
                             ) -> pd.DataFrame:
    """Shop-wide peak concurrent customers per date and hour (input to :func:`capacity_check`).

    The §3 ``max_concurrent`` rule applied to the whole shop instead of one agent: for a message
    at time t, D(t) = distinct customers with a message (any sender, any agent) in
    [t, t + 2 × ``concurrency_window_s``] (default 120 s, so ± 120 s of one instant) on the same
    day; ``peak_concurrent`` = max of D(t) over the messages t in that clock hour (0 when the
    hour has no message). Computed with the interval sweep proved in
    :func:`csops_lib.metrics.chat.max_concurrent` (no loop over messages). Columns: ``date``,
    ``hour`` (all 24 for every date with a message), ``peak_concurrent`` (``Int64``, customers).
    """
    p = params_of(params, overrides)
    window = p["concurrency_window_s"] if window_s is None else window_s
    w2 = int(round(2 * _number(window, "window_s", allow_zero=True) * NS_PER_S))
    m = _messages(chats).sort_values(["date", "customer_id", "sent_at"], kind="stable")
    grid = _hour_grid(m["date"])
    if m.empty:
        return grid.assign(peak_concurrent=pd.array([], dtype="Int64"))
    t = m["sent_at"].to_numpy(dtype="datetime64[ns]").view(np.int64)
    day = m.groupby("date", sort=True).ngroup().to_numpy()
    cust = m.groupby(["date", "customer_id"], sort=True).ngroup().to_numpy()
    lo, keep, _ = coverage_intervals(t, cust, w2)
    nk, n = int(keep.sum()), len(t)
    val = np.concatenate([lo[keep], t, t[keep]])
    grp = np.concatenate([day[keep], day, day[keep]])
    kind = np.concatenate([np.zeros(nk, np.int8), np.ones(n, np.int8), np.full(nk, 2, np.int8)])
    delta = np.concatenate([np.ones(nk, np.int64), np.zeros(n, np.int64),
                            -np.ones(nk, np.int64)])
    qrow = np.concatenate([np.full(nk, -1), np.arange(n), np.full(nk, -1)])
    order = np.lexsort((kind, val, grp))
    run = np.cumsum(delta[order])
    is_q = kind[order] == 1
    d_at = np.empty(n, dtype=np.int64)
    d_at[qrow[order][is_q]] = run[is_q]
    per = (pd.DataFrame({"date": m["date"].to_numpy(), "hour": m["sent_at"].dt.hour.to_numpy(),
                         "peak_concurrent": d_at})
           .groupby(["date", "hour"], sort=True)["peak_concurrent"].max().reset_index())
    per["hour"] = per["hour"].astype(np.int64)
    out = grid.merge(per, on=["date", "hour"], how="left")
    out["peak_concurrent"] = out["peak_concurrent"].fillna(0).astype("Int64")
    return out


def capacity_check(peak_concurrent, agents_on_shift, concurrency: int) -> pd.DataFrame:
    """Per hour: do the peak concurrent customers exceed what the agents on shift can hold?

    ``peak_concurrent``: a DataFrame with columns ``hour`` and ``peak_concurrent`` (other
    columns, e.g. ``date``, kept; e.g. from :func:`peak_concurrent_per_hour`), or a Series /
    mapping hour → peak. ``agents_on_shift``: one number for every hour, a Series / mapping
    hour → agents, or a DataFrame with ``agents_on_shift`` and key columns shared with the peak
    frame (``hour``, optionally ``date``); an hour missing from the roster has 0 agents.
    ``concurrency``: customers one agent can hold at once (≥ 1).

    Added columns: ``agents_on_shift``, ``capacity`` = agents_on_shift × concurrency
    (customers), ``over_capacity`` = peak_concurrent > capacity, ``shortfall`` =
    max(peak − capacity, 0) customers, ``extra_agents`` = ceil(shortfall / concurrency),
    ``load_ratio`` = peak / capacity (NaN when capacity is 0).
    """
    k = _whole(concurrency, "concurrency")
    if isinstance(peak_concurrent, pd.DataFrame):
        require(peak_concurrent, ["hour", "peak_concurrent"], "peak_concurrent")
        out = peak_concurrent.copy()
    else:
        s = pd.Series(peak_concurrent) if isinstance(peak_concurrent, Mapping) else peak_concurrent
        if not isinstance(s, pd.Series):
            raise ValueError("peak_concurrent must be a DataFrame, Series or mapping hour → peak")
        out = pd.DataFrame({"hour": s.index.to_numpy(), "peak_concurrent": s.to_numpy()})
    out = out.drop(columns=["agents_on_shift"], errors="ignore")
    if isinstance(agents_on_shift, pd.DataFrame):
        require(agents_on_shift, ["agents_on_shift"], "agents_on_shift")
        keys = [c for c in ("date", "hour") if c in agents_on_shift.columns and c in out.columns]
        if "hour" not in keys:
            raise ValueError("agents_on_shift needs an hour column")
        roster = agents_on_shift[[*keys, "agents_on_shift"]].drop_duplicates(keys, keep="last")
        out = out.merge(roster, on=keys, how="left")
        agents = out["agents_on_shift"]
    elif isinstance(agents_on_shift, (pd.Series, Mapping)):
        agents = out["hour"].map(pd.Series(agents_on_shift))
    else:
        agents = pd.Series(_number(agents_on_shift, "agents_on_shift", allow_zero=True),
                           index=out.index)
    agents = pd.to_numeric(agents, errors="coerce").astype("float64").fillna(0.0)
    if (agents < 0).any():
        raise ValueError("agents_on_shift must be ≥ 0")
    peak = pd.to_numeric(out["peak_concurrent"], errors="coerce").astype("float64")
    cap = agents * k
    short = (peak - cap).clip(lower=0)
    out["agents_on_shift"] = agents.to_numpy()
    out["capacity"] = cap.to_numpy()
    out["over_capacity"] = pd.array((peak > cap).to_numpy(), dtype="boolean")
    out.loc[peak.isna().to_numpy(), "over_capacity"] = pd.NA
    out["shortfall"] = short.to_numpy()
    out["extra_agents"] = pd.array(np.ceil(short / k).to_numpy(), dtype="Int64")
    out["load_ratio"] = (peak / cap.where(cap > 0)).to_numpy()
    return out


#: the handling time assumed when there are no sessions to measure it from (seconds)
DEFAULT_HANDLING_TIME_S = 600.0
#: each session's duration is capped here when measuring the handling time (seconds)
HANDLING_TIME_CAP_S = 1800.0


def handling_time_s(sessions: pd.DataFrame, fallback_s: float = DEFAULT_HANDLING_TIME_S, *,
                    cap_s: float = HANDLING_TIME_CAP_S, min_s: float = 1.0) -> float:
    """THE handling-time (AHT) estimate for Erlang C (METRICS.md §7), in seconds.

    AHT = the mean session duration, a session's duration being its last message minus its
    first (``end − start`` of :func:`csops_lib.metrics.build_sessions`), each clipped to
    [``min_s``, ``cap_s``] (default [1 s, 1800 s]: a one-message session still takes an agent
    a moment; a session left open all afternoon is not 4 hours of work). No sessions (the
    zero-denominator case) → ``fallback_s`` (default 600 s = 10 min, the shop's rule of thumb
    for one chat). Example: durations 0 s, 100 s, 4000 s → (1 + 100 + 1800) / 3 = 633.67 s.
    """
    if sessions is None or len(sessions) == 0:
        return float(fallback_s)
    dur = (pd.to_datetime(sessions["end"]) - pd.to_datetime(sessions["start"])).dt.total_seconds()
    dur = dur.clip(lower=float(min_s), upper=float(cap_s)).dropna()
    return float(dur.mean()) if len(dur) else float(fallback_s)
