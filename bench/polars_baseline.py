"""A best-effort hand-written Polars version of ``agent_day_stats`` (METRICS.md §3, last
paragraph), for the bench (issue 13, item 4: "bench against the best, not a straw man").

Method (no Python loop over groups):

* agent and customer as ``Categorical`` → integer codes (a hash; only the distinct values are
  sorted, to rank the codes in text order as the library's are); sender as a
  small int; only the five needed columns are read (``pl.scan_parquet`` over the store's files
  in the store's order, so ties in ``sent_at`` keep the log's order);
* one stable sort by (agent, customer, day, sent_at) — a single packed int64 key when the
  log is in time order, as the store keeps it — a session is then a run of rows, its number
  ``gid`` a cumulative sum of key changes;
* turns vectorised: ``k`` = agent messages strictly before a message within its (agent,
  customer, day) group; the customer rows with one (gid, k) form a turn; its answer is the
  next agent message in the sorted order if that one is in the same group (a backward fill of
  agent times and group numbers — no join);
* ``max_concurrent`` by the library's exact interval sweep (see
  ``csops_lib.metrics.chat._max_concurrent_from``): message j of a customer covers the
  instants [max(s_j − W, s_{j−1} + 1), s_j]; D(t) = #opens ≤ t − #closes < t per agent-day;
  events sorted once by (agent-day, value·3 + kind), one running sum.

Exactness (the results equal the library's bit for bit; checked in the bench and in
``tests/bench/test_baselines.py``): waits are converted ns → s with numpy (Polars divides by a
scalar as a multiplication by its reciprocal, not correctly rounded: 120 s became
120.00000000000001 and counted as slow); customer codes are ranked in text order (sorting the
dictionary, not the rows) so sessions come in the library's order; the two agent-day means of
session values are pandas' grouped mean (Kahan-compensated, in that order) over the ~1 row per
session, as Polars' float sums round differently in the last bit.

The store's logs are clean (ids trimmed, senders lower case): this version, like the DuckDB
one, trims/lowers only the sender and drops rows without time, agent or customer.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from csops_lib.settings.shop import resolve_params
from csops_lib.store import data_files

COLUMNS = ["sent_at", "agent", "customer_id", "sender", "category"]
OUT_COLUMNS = ["date", "agent", "sessions", "presale_sessions", "replied", "unanswered",
               "reply_rate", "first_response_s", "avg_response_s", "slow_sessions",
               "long_sessions", "max_concurrent"]
DAY_NS = 86_400 * 1_000_000_000


def _lazy_from_store(store_dir):
    import polars as pl

    files = [str(f) for f in data_files(store_dir, "chats")]
    return pl.scan_parquet(files).select(COLUMNS)


def _lazy_from_frame(chats: pd.DataFrame):
    import polars as pl

    cols = {c: chats[c] for c in COLUMNS if c in chats.columns}
    df = pd.DataFrame({
        "sent_at": pd.to_datetime(cols["sent_at"]).astype("datetime64[ns]"),
        **{c: cols[c].astype(object).where(cols[c].notna(), None)
           if c in cols else pd.Series([None] * len(chats), dtype=object)
           for c in COLUMNS[1:]},
    })
    return pl.from_pandas(df, schema_overrides={c: pl.String for c in COLUMNS[1:]}).lazy()


def stats(source, params: dict[str, Any] | None = None) -> pd.DataFrame:
    """``agent_day_stats`` of a store directory or a chats DataFrame, computed with Polars;
    a pandas frame with the library's columns, dtypes and row order."""
    import polars as pl

    p = resolve_params(params)
    slow_gap, slow_times = float(p["slow_gap_s"]), int(p["slow_times"])
    long_wait = float(p["long_wait_s"])
    w2 = int(round(2 * float(p["concurrency_window_s"]) * 1_000_000_000))
    lf = (_lazy_from_frame(source) if isinstance(source, pd.DataFrame)
          else _lazy_from_store(source))

    t = pl.col("sent_at").cast(pl.Datetime("ns")).dt.epoch("ns")
    sender = pl.col("sender").cast(pl.String).str.strip_chars().str.to_lowercase()
    raw = (
        lf.select(
            t.alias("t"),
            pl.col("agent").cast(pl.String).cast(pl.Categorical).alias("agent"),
            pl.col("customer_id").cast(pl.String).cast(pl.Categorical).alias("cust"),
            pl.when(sender == "customer").then(0).when(sender == "agent").then(1)
            .when(sender == "auto").then(2).otherwise(None).cast(pl.Int8).alias("s"),
            pl.col("category").cast(pl.String).str.strip_chars().alias("category"),
        )
        .filter(pl.col("t").is_not_null() & pl.col("agent").is_not_null()
                & pl.col("cust").is_not_null() & pl.col("s").is_not_null())
        .collect()
    )
    # agent and customer codes in text order (sort the dictionaries, not the rows), dense
    # 0, 1, …: sessions of an agent-day then come in the library's order (and so do the
    # terms of its mean), and (day, agent) numbers stay small for the sweep's keys
    a_rank, agent_names = _text_rank(raw["agent"])
    c_rank, _ = _text_rank(raw["cust"])
    n_c = len(c_rank)
    t_min = int(raw["t"].min()) if raw.height else 0
    d0 = t_min - t_min % DAY_NS
    n_days = (int(raw["t"].max()) - d0) // DAY_NS + 1 if raw.height else 1
    # one stable sort on one packed int64 key (agent, customer, day); when the log is in time
    # order (the store keeps it so) the key alone, else (key, t)
    by = ["key"] if raw["t"].is_sorted() else ["key", "t"]
    m = (
        raw.lazy()
        .with_columns(pl.lit(a_rank).gather(pl.col("agent").to_physical()).alias("a"),
                      pl.lit(c_rank).gather(pl.col("cust").to_physical()).alias("c"),
                      (pl.col("t") - pl.col("t").mod(DAY_NS)).alias("day"))
        .drop("agent", "cust")
        .with_columns(key=(pl.col("a").cast(pl.Int64) * n_c + pl.col("c").cast(pl.Int64))
                      * n_days + (pl.col("day") - d0) // DAY_NS)
        .sort(by, maintain_order=True)
        .with_columns(
            (pl.col("key") != pl.col("key").shift()).fill_null(True).cum_sum()
            .cast(pl.Int64).alias("gid"))
        .drop("key")
        .with_columns(
            # agent messages up to and including this row (global); k per group below
            (pl.col("s") == 1).cast(pl.Int64).cum_sum().alias("acum"),
            pl.when(pl.col("s") == 1).then(pl.col("t")).backward_fill().alias("next_at"),
            pl.when(pl.col("s") == 1).then(pl.col("gid")).backward_fill().alias("next_gid"),
        )
        .collect()
    )
    del raw
    amap = pl.DataFrame({"a": pl.Series(np.arange(len(agent_names), dtype=np.uint32)),
                         "agent_name": agent_names})

    # turns: customer rows (all in sessions); a turn starts where (gid, k) changes
    c = (m.lazy().filter(pl.col("s") == 0)
         .select("gid", "a", "day", "t", "acum", "next_at", "next_gid")
         .with_columns(new_sess=(pl.col("gid") != pl.col("gid").shift()).fill_null(True))
         .filter(pl.col("new_sess") | (pl.col("acum") != pl.col("acum").shift()))
         .with_columns(wait=pl.when(pl.col("next_gid") == pl.col("gid"))
                       .then(pl.col("next_at") - pl.col("t"))
                       .map_batches(_ns_to_s, return_dtype=pl.Float64)))
    sess = (c.group_by("gid", maintain_order=True)
            .agg(pl.col("a").first(), pl.col("day").first(),
                 pl.col("wait").first().alias("first_response_s"),
                 (pl.col("wait").sum() / pl.col("wait").count()).alias("avg_response_s"),
                 pl.col("wait").is_not_null().any().alias("replied"),
                 (pl.col("wait") > slow_gap).sum().alias("n_slow"),
                 pl.col("wait").max().alias("max_wait")))
    # category: first non-missing of the session's messages (any sender)
    cat = (m.lazy().filter(pl.col("category").is_not_null() & (pl.col("category") != ""))
           .select("gid", "category")
           .filter((pl.col("gid") != pl.col("gid").shift()).fill_null(True)))
    sess = sess.join(cat, on="gid", how="left", maintain_order="left").collect()
    ad = (sess.lazy().group_by(["day", "a"])
          .agg(pl.len().cast(pl.Int64).alias("sessions"),
               (pl.col("category").is_null() | (pl.col("category") == "presale")).sum()
               .cast(pl.Int64).alias("presale_sessions"),
               pl.col("replied").sum().cast(pl.Int64).alias("replied"),
               (pl.col("n_slow") > slow_times).sum().cast(pl.Int64).alias("slow_sessions"),
               (pl.col("max_wait") > long_wait).fill_null(False).sum().cast(pl.Int64)
               .alias("long_sessions")))

    # max_concurrent: the exact interval sweep over all messages (outreach included)
    mc = _max_concurrent(m, w2).lazy()

    # the two means of session values: pandas' grouped mean (compensated summation, in
    # session order) so that they equal the library's bit for bit; 1 row per session
    means = (pd.DataFrame({"day": sess["day"].to_numpy(), "a": sess["a"].to_numpy(),
                           "first_response_s": sess["first_response_s"].to_numpy(),
                           "avg_response_s": sess["avg_response_s"].to_numpy()})
             .groupby(["day", "a"], sort=False).mean().reset_index())
    means = pl.from_pandas(means, schema_overrides={"day": pl.Int64, "a": pl.UInt32})
    out = (ad.join(mc, on=["day", "a"], how="left")
           .join(means.lazy(), on=["day", "a"], how="left")
           .join(amap.lazy(), on="a", how="left")
           .with_columns(unanswered=pl.col("sessions") - pl.col("replied"),
                         reply_rate=pl.col("replied") / pl.col("sessions"),
                         date=pl.col("day"), agent=pl.col("agent_name"))
           .sort(["date", "agent"])
           .select(OUT_COLUMNS)
           .collect())
    return _to_pandas(out)


def _text_rank(col):
    """(rank of each physical code of the Categorical ``col`` in text order, as a UInt32
    Series to gather from; the distinct texts in that order)."""
    import polars as pl

    uniq = col.unique()
    codes = uniq.to_physical().to_numpy()
    texts = uniq.cast(pl.String)
    order = texts.arg_sort().to_numpy()
    rank = np.zeros(int(codes.max()) + 1 if len(codes) else 1, dtype=np.uint32)
    rank[codes[order]] = np.arange(len(codes), dtype=np.uint32)
    return pl.Series(rank), texts.gather(order)


def _max_concurrent(m, w2: int):
    """(day, a, max_concurrent) from the sorted messages ``m`` by the exact sweep.

    Message j of a customer (times s_1 ≤ s_2 ≤ … in its group) covers the instants
    I_j = [max(s_j − W, s_{j−1} + 1), s_j] (none when s_j = s_{j−1}); D(t) = the customers
    with a message in [t, t + W] = #{lo_j ≤ t} − #{hi_j < t} within the agent-day. Values are
    keyed agent-day · span + offset, so three sorted int64 arrays and two ``search_sorted``
    do all agent-days at once (earlier agent-days hold as many opens as closes); when the
    keys would overflow, one sort of all events by (day, agent, value·3 + kind) and a running
    sum instead.
    """
    import polars as pl

    prev = pl.col("t").shift()
    same = (pl.col("gid") == pl.col("gid").shift()).fill_null(False)
    day_min = int(m["day"].min())
    n_a = int(m["a"].max()) + 1
    n_days = (int(m["day"].max()) - day_min) // DAY_NS + 1
    span = DAY_NS + w2 + 1
    ev = m.lazy().select(
        "a", "day", "t",
        pl.when(same).then(pl.max_horizontal(pl.col("t") - w2, prev + 1))
        .otherwise(pl.col("t") - w2).alias("lo"),
        (~same | (pl.col("t") != prev)).alias("keep"))
    if n_days * n_a * span < 2 ** 62:
        base = (((pl.col("day") - day_min) // DAY_NS) * n_a + pl.col("a").cast(pl.Int64)) \
            * span + w2 - pl.col("day")
        keys = ev.select((base + pl.col("t")).alias("q"),
                         pl.when("keep").then(base + pl.col("lo")).alias("lo"),
                         pl.when("keep").then(base + pl.col("t")).alias("hi")).collect()
        q = keys["q"].sort()
        lo = keys["lo"].drop_nulls().sort()
        hi = keys["hi"].drop_nulls().sort()
        run = (lo.search_sorted(q, side="right").cast(pl.Int64)
               - hi.search_sorted(q, side="left").cast(pl.Int64))
        g = q // span
        return (pl.DataFrame({"g": g, "run": run})
                .group_by("g").agg(pl.col("run").max().alias("max_concurrent"))
                .select(((pl.col("g") // n_a) * DAY_NS + day_min).alias("day"),
                        (pl.col("g") % n_a).cast(pl.UInt32).alias("a"),
                        "max_concurrent"))
    off = pl.col("day") - w2  # values relative to the agent-day: ≥ 0
    opens = ev.filter("keep").select("day", "a", ((pl.col("lo") - off) * 3).alias("v"),
                                     pl.lit(1, pl.Int8).alias("d"))
    queries = ev.select("day", "a", ((pl.col("t") - off) * 3 + 1).alias("v"),
                        pl.lit(0, pl.Int8).alias("d"))
    closes = ev.filter("keep").select("day", "a", ((pl.col("t") - off) * 3 + 2).alias("v"),
                                      pl.lit(-1, pl.Int8).alias("d"))
    return (pl.concat([opens, queries, closes])
            .sort(["day", "a", "v"])
            .with_columns(run=pl.col("d").cast(pl.Int64).cum_sum())
            .filter(pl.col("v") % 3 == 1)
            .group_by(["day", "a"]).agg(pl.col("run").max().alias("max_concurrent"))
            .collect())


def _ns_to_s(ns):
    """Integer ns → float s, correctly rounded (numpy). Polars turns a division by a scalar
    into a multiplication by its reciprocal, which is not: 120e9 ns would be 120.00000000000001
    s and count as slower than a 120 s limit."""
    import polars as pl

    arr = ns.cast(pl.Float64).to_numpy() / 1e9  # nulls → NaN → back to null
    return pl.Series(ns.name, arr, dtype=pl.Float64).fill_nan(None)


def _to_pandas(out) -> pd.DataFrame:
    frame = pd.DataFrame({
        "date": out["date"].to_numpy().astype(np.int64).view("datetime64[ns]"),
        "agent": pd.Series(out["agent"].to_list(), dtype="str"),
        **{c: out[c].to_numpy().astype(np.int64) for c in
           ("sessions", "presale_sessions", "replied", "unanswered")},
        "reply_rate": out["reply_rate"].to_numpy().astype(np.float64),
        **{c: out[c].fill_null(np.nan).to_numpy().astype(np.float64)
           for c in ("first_response_s", "avg_response_s")},
        **{c: out[c].to_numpy().astype(np.int64) for c in
           ("slow_sessions", "long_sessions", "max_concurrent")},
    })
    return frame[OUT_COLUMNS]
