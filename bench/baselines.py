"""The ways the bench computes the per agent-day chat stats (METRICS.md §3, last
paragraph) from a store's chat partitions, and the check that they agree.

* :func:`library` — ``csops_lib.metrics.chat.agent_day_stats`` on the chat columns it needs;
* :func:`loop` — a plain Python loop: messages as tuples, sorted, ``itertools.groupby`` per
  session, per-turn state machine, then a two-pointer window per agent-day for
  ``max_concurrent``;
* :func:`duck` — the same stats as one DuckDB SQL query over the same Parquet files;
* :func:`polars` and :func:`duck_best` — best-effort hand-written Polars and careful DuckDB
  versions (:mod:`bench.polars_baseline`, :mod:`bench.duckdb_baseline`: integer codes, one
  sort / one window, vectorised turns, the exact interval sweep), equal to the library bit
  for bit: the comparison the library has to win (issue 13).

Compared columns (:data:`COMPARED`): sessions, presale_sessions, replied, unanswered,
reply_rate, first_response_s, avg_response_s, slow_sessions, long_sessions, max_concurrent
(DuckDB computes it with a ``count(DISTINCT …) OVER (RANGE …)`` window). The store's logs are
clean (no blank ids, senders already lower case), so the loop and SQL only trim; the pandas
path does its full cleaning. Ties in ``sent_at`` keep the log's order in all three (DuckDB:
file name then row number in the file).
"""
from __future__ import annotations

import itertools
import math
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd

from csops_lib.settings.shop import resolve_params
from csops_lib.store import data_files, read_store_table

CHAT_COLUMNS = ["sent_at", "agent", "customer_id", "sender", "store", "category",
                "agreed_to_buy"]
LOOP_COLUMNS = ["sent_at", "agent", "customer_id", "sender", "category"]
COMPARED = ["sessions", "presale_sessions", "replied", "unanswered", "reply_rate",
            "first_response_s", "avg_response_s", "slow_sessions", "long_sessions",
            "max_concurrent"]
DAY_NS = 86_400 * 1_000_000_000


def read_chats(store_dir, columns=CHAT_COLUMNS, compact: bool = True) -> pd.DataFrame:
    """The store's chats, only the given columns (a pruned read); ``compact``: the low-
    cardinality text columns as categoricals, as ``csops kpis --store`` reads them."""
    return read_store_table(store_dir, "chats", columns=list(columns), compact=compact)


def library(store_dir, params: dict[str, Any] | None = None) -> pd.DataFrame:
    from csops_lib.metrics.chat import agent_day_stats

    return agent_day_stats(read_chats(store_dir), params=resolve_params(params))


def reference(store_dir, params: dict[str, Any] | None = None) -> pd.DataFrame:
    """The pre-optimisation implementation (``bench.reference``, from git), same input."""
    from bench import reference as ref

    return ref.load().chat.agent_day_stats(read_chats(store_dir, compact=False),
                                           params=resolve_params(params))


# --------------------------------------------------------------------------- plain Python


def loop(store_dir, params: dict[str, Any] | None = None) -> pd.DataFrame:
    """Per-session Python loop over sorted message tuples (the straightforward way)."""
    p = resolve_params(params)
    slow_gap, slow_times = float(p["slow_gap_s"]), int(p["slow_times"])
    long_wait = float(p["long_wait_s"])
    w2 = int(round(2 * float(p["concurrency_window_s"]) * 1_000_000_000))
    df = read_chats(store_dir, LOOP_COLUMNS, compact=False)
    times = df["sent_at"].to_numpy(dtype="datetime64[ns]").view(np.int64).tolist()
    rows = [
        (a.strip(), c.strip(), t // DAY_NS, t, s.strip().lower(), cat, i)
        for i, (t, a, c, s, cat) in enumerate(zip(
            times, df["agent"].tolist(), df["customer_id"].tolist(), df["sender"].tolist(),
            df["category"].tolist(), strict=True))
    ]
    del df, times
    rows.sort(key=lambda r: (r[0], r[1], r[2], r[3], r[6]))
    day_stats: dict[tuple[str, int], list] = {}
    day_msgs: dict[tuple[str, int], list] = {}
    for (agent, cust, day), msgs in itertools.groupby(rows, key=lambda r: (r[0], r[1], r[2])):
        msgs = list(msgs)
        day_msgs.setdefault((agent, day), []).extend((m[3], cust) for m in msgs)
        if not any(m[4] == "customer" for m in msgs):
            continue  # outreach, not a session
        open_at = None
        waits: list[float] = []
        first_turn_wait = math.nan
        n_turns = 0
        category = None
        for m in msgs:
            if category is None and isinstance(m[5], str):
                category = m[5].strip()
            if m[4] == "customer":
                if open_at is None:
                    open_at = m[3]
                    n_turns += 1
            elif m[4] == "agent" and open_at is not None:
                wait = (m[3] - open_at) / 1e9
                waits.append(wait)
                if n_turns == 1:
                    first_turn_wait = wait
                open_at = None
        st = day_stats.setdefault((agent, day), [0, 0, 0, [], [], 0, 0])
        st[0] += 1
        st[1] += category is None or category == "presale"
        st[2] += bool(waits)
        if not math.isnan(first_turn_wait):
            st[3].append(first_turn_wait)
        if waits:
            st[4].append(sum(waits) / len(waits))
        st[5] += sum(w > slow_gap for w in waits) > slow_times
        st[6] += bool(waits) and max(waits) > long_wait
    out = []
    for (agent, day), st in day_stats.items():
        msgs = sorted(day_msgs[(agent, day)])
        best, j, window = 0, 0, Counter()
        for i, (t, _) in enumerate(msgs):
            while j < len(msgs) and msgs[j][0] <= t + w2:
                window[msgs[j][1]] += 1
                j += 1
            best = max(best, len(window))
            window[msgs[i][1]] -= 1
            if not window[msgs[i][1]]:
                del window[msgs[i][1]]
        sessions, replied = st[0], st[2]
        out.append({
            "date": pd.Timestamp(day * DAY_NS), "agent": agent, "sessions": sessions,
            "presale_sessions": st[1], "replied": replied, "unanswered": sessions - replied,
            "reply_rate": replied / sessions,
            "first_response_s": sum(st[3]) / len(st[3]) if st[3] else math.nan,
            "avg_response_s": sum(st[4]) / len(st[4]) if st[4] else math.nan,
            "slow_sessions": st[5], "long_sessions": st[6], "max_concurrent": best})
    return pd.DataFrame(out).sort_values(["date", "agent"]).reset_index(drop=True)


# --------------------------------------------------------------------------- DuckDB

DUCK_SQL = """
WITH raw AS (
  SELECT sent_at, trim(agent) AS agent, trim(customer_id) AS cust,
         lower(trim(sender)) AS sender, trim(category) AS category,
         CAST(sent_at AS DATE) AS d, filename AS f, file_row_number AS r
  FROM read_parquet([{files}], filename = true, file_row_number = true)
  WHERE sent_at IS NOT NULL AND agent IS NOT NULL AND customer_id IS NOT NULL
    AND lower(trim(sender)) IN ('customer', 'agent', 'auto')
),
m AS (
  SELECT *, (sender = 'agent')::INT AS is_agent,
         sum((sender = 'agent')::INT) OVER w - (sender = 'agent')::INT AS k,
         bool_or(sender = 'customer') OVER (PARTITION BY agent, cust, d) AS is_session
  FROM raw
  WINDOW w AS (PARTITION BY agent, cust, d ORDER BY sent_at, f, r
               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
),
turns AS (
  SELECT agent, cust, d, k, min(sent_at) AS first_at
  FROM m WHERE sender = 'customer' GROUP BY ALL
),
answers AS (
  SELECT agent, cust, d, k, sent_at AS answered_at FROM m WHERE sender = 'agent'
),
tw AS (
  SELECT t.agent, t.cust, t.d, t.k,
         (epoch_ns(a.answered_at) - epoch_ns(t.first_at)) / 1e9 AS wait,
         row_number() OVER (PARTITION BY t.agent, t.cust, t.d ORDER BY t.k) AS turn_no
  FROM turns t LEFT JOIN answers a USING (agent, cust, d, k)
),
sess AS (
  SELECT agent, cust, d,
         max(wait) FILTER (WHERE turn_no = 1) AS first_response_s,
         avg(wait) AS avg_response_s,
         count(wait) > 0 AS replied,
         count(*) FILTER (WHERE wait > {slow_gap}) > {slow_times} AS is_slow,
         coalesce(max(wait) > {long_wait}, false) AS is_long
  FROM tw GROUP BY ALL
),
cat AS (
  SELECT agent, cust, d, arg_min(category, (sent_at, f, r)) AS category
  FROM m WHERE is_session AND category IS NOT NULL GROUP BY ALL
),
conc AS (
  SELECT agent, d, max(n) AS max_concurrent FROM (
    SELECT agent, d, count(DISTINCT cust) OVER (
      PARTITION BY agent, d ORDER BY sent_at
      RANGE BETWEEN CURRENT ROW AND INTERVAL {w2} MICROSECONDS FOLLOWING) AS n
    FROM raw) GROUP BY ALL
)
SELECT s.d AS date, s.agent, count(*) AS sessions,
       count(*) FILTER (WHERE coalesce(c.category, 'presale') = 'presale') AS presale_sessions,
       count(*) FILTER (WHERE s.replied) AS replied,
       count(*) FILTER (WHERE NOT s.replied) AS unanswered,
       count(*) FILTER (WHERE s.replied) / count(*) AS reply_rate,
       avg(s.first_response_s) AS first_response_s, avg(s.avg_response_s) AS avg_response_s,
       count(*) FILTER (WHERE s.is_slow) AS slow_sessions,
       count(*) FILTER (WHERE s.is_long) AS long_sessions,
       any_value(x.max_concurrent) AS max_concurrent
FROM sess s LEFT JOIN cat c USING (agent, cust, d) LEFT JOIN conc x USING (agent, d)
GROUP BY s.d, s.agent ORDER BY s.d, s.agent
"""


def duck_sql(store_dir, params: dict[str, Any] | None = None) -> str:
    p = resolve_params(params)
    files = ", ".join("'" + str(f).replace("'", "''") + "'"
                      for f in data_files(store_dir, "chats"))  # the store's current files
    return DUCK_SQL.format(files=files, slow_gap=float(p["slow_gap_s"]),
                           slow_times=int(p["slow_times"]), long_wait=float(p["long_wait_s"]),
                           w2=int(round(2 * float(p["concurrency_window_s"]) * 1e6)))


def duck(store_dir, params: dict[str, Any] | None = None, threads: int | None = None
         ) -> pd.DataFrame:
    import duckdb

    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    out = con.execute(duck_sql(store_dir, params)).df()
    con.close()
    out["date"] = pd.to_datetime(out["date"]).astype("datetime64[ns]")
    return out


# --------------------------------------------------------------------------- the best


def polars(store_dir, params: dict[str, Any] | None = None) -> pd.DataFrame:
    """A best-effort hand-written Polars version (:mod:`bench.polars_baseline`)."""
    from bench import polars_baseline

    return polars_baseline.stats(store_dir, params)


def duck_best(store_dir, params: dict[str, Any] | None = None, threads: int | None = None
              ) -> pd.DataFrame:
    """A careful hand-written DuckDB SQL version (:mod:`bench.duckdb_baseline`)."""
    from bench import duckdb_baseline

    return duckdb_baseline.stats(store_dir, params, threads=threads)


# --------------------------------------------------------------------------- agreement


def compare(expected: pd.DataFrame, got: pd.DataFrame, rtol: float = 1e-9) -> list[str]:
    """Differences between two agent-day tables on :data:`COMPARED` (empty list: agree).
    Rows are matched on (date, agent); counts must be equal, floats within ``rtol``."""
    key = ["date", "agent"]
    a = expected.assign(agent=expected["agent"].astype(object),
                        date=pd.to_datetime(expected["date"]).astype("datetime64[ns]"))
    b = got.assign(agent=got["agent"].astype(object),
                   date=pd.to_datetime(got["date"]).astype("datetime64[ns]"))
    j = a.merge(b, on=key, how="outer", suffixes=("", "_got"), indicator=True)
    problems = []
    missing = j[j["_merge"] != "both"]
    if len(missing):
        problems.append(f"{len(missing)} agent-days in only one table, e.g. "
                        f"{missing[key + ['_merge']].head(3).to_dict('records')}")
    j = j[j["_merge"] == "both"]
    for col in COMPARED:
        if col not in b.columns:
            continue
        x = pd.to_numeric(j[col], errors="coerce").astype("float64").to_numpy()
        y = pd.to_numeric(j[col + "_got"], errors="coerce").astype("float64").to_numpy()
        same = np.isclose(x, y, rtol=rtol, atol=1e-9) | (np.isnan(x) & np.isnan(y))
        if not same.all():
            bad = j.loc[~same, key + [col, col + "_got"]].head(3).to_dict("records")
            problems.append(f"{col}: {int((~same).sum())} differ, e.g. {bad}")
    return problems
