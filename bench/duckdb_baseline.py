"""A careful hand-written DuckDB SQL version of ``agent_day_stats`` (METRICS.md §3, last
paragraph), for the bench (issue 13, item 4), beside the older ``bench.baselines.duck``.

Method:

* only the five needed columns; times as integer ns; sender as a small int; the log's order
  for ties kept by an integer key (``file_index`` · 2³² + ``file_row_number`` for a store, the
  row number for a frame);
* **one window** over (agent, customer, day) ordered by (t, order) gives everything per
  message: the sender of the last earlier non-auto message (a customer message starts a turn
  unless that was a customer), the customer messages before it (the first turn), the time of
  the next agent message (the answer), the previous message's time (for the sweep);
* turns → sessions → agent-days by plain GROUP BYs;
* ``max_concurrent`` by the library's exact interval sweep (see
  ``csops_lib.metrics.chat._max_concurrent_from``): message j of a customer covers the
  instants [max(s_j − W, s_{j−1} + 1), s_j]; D(t) = #opens ≤ t − #closes < t. D only rises at
  an open, and its max over all instants is its max over message times (moving t to the next
  message keeps every customer in the window), so it is read right after the opens: events
  keyed value·2 (open) / value·2 + 1 (close), one running sum per agent-day, its max at the
  opens — two events a message instead of three.

The sessions are materialised (a temp table); the agent-day stats are one GROUP BY over them,
except the mean of the session means (``avg_response_s``): pandas' grouped mean over the
session values fetched in (agent-day, customer) order, because pandas sums with Kahan
compensation in that order and DuckDB's ``avg``/``favg`` round differently in the last bit
(62 of 1,440 agent-days on the demo shop). So the results equal the library's bit for bit
(checked in the bench and in ``tests/bench/test_baselines.py``). Like the other baselines
it assumes the store's clean logs (ids trimmed; the sender is trimmed and lower-cased here).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from csops_lib.settings.shop import resolve_params
from csops_lib.store import data_files

DAY_NS = 86_400 * 1_000_000_000
OUT_COLUMNS = ["date", "agent", "sessions", "presale_sessions", "replied", "unanswered",
               "reply_rate", "first_response_s", "avg_response_s", "slow_sessions",
               "long_sessions", "max_concurrent"]

SESS_SQL = """
CREATE TEMP TABLE sess AS
WITH m AS (
  SELECT epoch_ns(sent_at) AS t, agent, customer_id AS cust,
         CASE lower(trim(sender)) WHEN 'customer' THEN 0 WHEN 'agent' THEN 1
              WHEN 'auto' THEN 2 END::TINYINT AS s,
         nullif(trim(category), '') AS category, ord
  FROM src
  WHERE sent_at IS NOT NULL AND agent IS NOT NULL AND customer_id IS NOT NULL
    AND lower(trim(sender)) IN ('customer', 'agent', 'auto')
),
d AS (SELECT *, t - t % {day} AS day FROM m),
w AS MATERIALIZED (
  SELECT agent, cust, day, t, s, category, ord,
         last_value(CASE WHEN s <> 2 THEN s END IGNORE NULLS) OVER (
           win ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_s,
         sum((s = 0)::INT) OVER (win ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
           AS c_before,
         min(CASE WHEN s = 1 THEN t END) OVER (win ROWS BETWEEN CURRENT ROW
                                               AND UNBOUNDED FOLLOWING) AS next_a,
         lag(t) OVER win AS prev_t
  FROM d
  WINDOW win AS (PARTITION BY agent, cust, day ORDER BY t, ord)
),
turns AS (
  SELECT agent, cust, day, coalesce(c_before, 0) = 0 AS first_turn,
         (next_a - t) / 1e9 AS wait
  FROM w WHERE s = 0 AND coalesce(prev_s, 1) = 1  -- no customer message since the last answer
),
s AS (
  SELECT agent, cust, day,
         max(wait) FILTER (WHERE first_turn) AS first_response_s,
         sum(wait) / count(wait) AS avg_response_s,
         count(wait) > 0 AS replied,
         count(*) FILTER (WHERE wait > {slow_gap}) > {slow_times} AS is_slow,
         coalesce(max(wait) > {long_wait}, false) AS is_long
  FROM turns GROUP BY ALL
),
cat AS (
  SELECT agent, cust, day, arg_min(category, ord) AS category
  FROM w WHERE category IS NOT NULL GROUP BY ALL
),
ev AS (
  SELECT agent, day,
         (CASE WHEN prev_t IS NULL THEN t - {w2} ELSE greatest(t - {w2}, prev_t + 1) END
          - day + {w2}) * 2 AS v, 1 AS dlt
  FROM w WHERE prev_t IS NULL OR t <> prev_t
  UNION ALL
  SELECT agent, day, (t - day + {w2}) * 2 + 1, -1 FROM w WHERE prev_t IS NULL OR t <> prev_t
),
conc AS (
  SELECT agent, day, max(run) FILTER (WHERE dlt = 1) AS max_concurrent FROM (
    SELECT agent, day, dlt, sum(dlt) OVER (PARTITION BY agent, day ORDER BY v
                                            ROWS UNBOUNDED PRECEDING) AS run
    FROM ev) GROUP BY ALL
)
SELECT s.*, c.category, x.max_concurrent
FROM s LEFT JOIN cat c USING (agent, cust, day) LEFT JOIN conc x USING (agent, day)
"""

SQL = """
SELECT day, agent, count(*) AS sessions,
       count(*) FILTER (WHERE coalesce(category, 'presale') = 'presale') AS presale_sessions,
       count(*) FILTER (WHERE replied) AS replied,
       count(*) FILTER (WHERE NOT replied) AS unanswered,
       count(*) FILTER (WHERE replied) / count(*) AS reply_rate,
       sum(first_response_s) / count(first_response_s) AS first_response_s,
       count(*) FILTER (WHERE is_slow) AS slow_sessions,
       count(*) FILTER (WHERE is_long) AS long_sessions,
       any_value(max_concurrent) AS max_concurrent
FROM sess GROUP BY day, agent ORDER BY day, agent
"""
# the session means in (agent-day, customer) order for pandas' compensated grouped mean
MEANS_SQL = "SELECT day, agent, avg_response_s FROM sess ORDER BY day, agent, cust"


def _source_sql(store_dir) -> str:
    files = ", ".join("'" + str(f).replace("'", "''") + "'"
                      for f in data_files(store_dir, "chats"))
    return ("SELECT sent_at, agent, customer_id, sender, category, "
            "(file_index::BIGINT << 32) + file_row_number AS ord "
            f"FROM read_parquet([{files}], file_row_number = true, hive_partitioning = false)")


def _group_numbers(day: np.ndarray, agent: np.ndarray) -> np.ndarray:
    """0, 1, … over runs of (day, agent) in rows sorted by them (as the result rows are)."""
    n = len(day)
    new = np.ones(n, dtype=bool)
    if n:
        a = np.asarray(agent, dtype=object)
        new[1:] = (np.asarray(day)[1:] != np.asarray(day)[:-1]) | (a[1:] != a[:-1])
    return np.cumsum(new) - 1


def stats(source, params: dict[str, Any] | None = None, threads: int | None = None
          ) -> pd.DataFrame:
    """``agent_day_stats`` of a store directory or a chats DataFrame, computed by DuckDB; a
    pandas frame with the library's columns, dtypes and row order."""
    import duckdb

    p = resolve_params(params)
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if isinstance(source, pd.DataFrame):
        cols = {}
        for c in ("agent", "customer_id", "sender", "category"):
            v = source[c] if c in source.columns else pd.Series([None] * len(source))
            cols[c] = v.astype(object).where(v.notna(), None).to_numpy()
        frame = pd.DataFrame({
            "sent_at": pd.to_datetime(source["sent_at"]).astype("datetime64[ns]").to_numpy(),
            **cols, "ord": np.arange(len(source), dtype=np.int64)})
        con.register("src_frame", frame)
        con.execute("CREATE TEMP VIEW src AS SELECT sent_at, agent::VARCHAR AS agent, "
                    "customer_id::VARCHAR AS customer_id, sender::VARCHAR AS sender, "
                    "category::VARCHAR AS category, ord FROM src_frame")
    else:
        con.execute(f"CREATE TEMP VIEW src AS {_source_sql(source)}")
    fmt = dict(day=DAY_NS, slow_gap=float(p["slow_gap_s"]),
                     slow_times=int(p["slow_times"]), long_wait=float(p["long_wait_s"]),
                w2=int(round(2 * float(p["concurrency_window_s"]) * 1e9)))
    con.execute(SESS_SQL.format(**fmt))
    res = con.execute(SQL).fetchnumpy()
    sm = con.execute(MEANS_SQL).fetchnumpy()
    con.close()
    avg = (pd.DataFrame({"g": _group_numbers(sm["day"], sm["agent"]),
                         "v": np.ma.filled(np.ma.asarray(sm["avg_response_s"],
                                                         dtype=np.float64), np.nan)})
           .groupby("g", sort=True)["v"].mean().to_numpy())
    res["avg_response_s"] = avg
    return pd.DataFrame({
        "date": np.asarray(res["day"], dtype=np.int64).view("datetime64[ns]"),
        "agent": pd.Series(list(res["agent"]), dtype="str"),
        **{c: np.asarray(res[c], dtype=np.int64)
           for c in ("sessions", "presale_sessions", "replied", "unanswered")},
        "reply_rate": np.asarray(res["reply_rate"], dtype=np.float64),
        **{c: np.ma.filled(np.ma.asarray(res[c], dtype=np.float64), np.nan)
           for c in ("first_response_s", "avg_response_s")},
        **{c: np.asarray(res[c], dtype=np.int64)
           for c in ("slow_sessions", "long_sessions", "max_concurrent")},
    })[OUT_COLUMNS]
