"""A seeded demo shop: canonical tables of a realistic Taobao/Tmall home-goods shop, and the
messy raw exports (Chinese headers, banner rows, totals rows …) that such a shop would have.

``generate(weeks, seed, end)`` builds the canonical DataFrames (``docs/CONVENTIONS.md``
dtypes) of every table of ``shared/DATA.md``; ``write_exports(tables, out_dir)`` writes them
the way the platform and the supervisor export them; ``build_demo`` does both.

The shop: two stores, ten agents in a pre-sale and an after-sales team working a morning
(08:00-16:00) and an evening shift (15:00-24:00) that overlap, so customers are handed over
between shifts. Two agents are hired during the period; a few answer slowly, a few fast.
One big promo (``double11``, 双11大促) has 5-8x the usual sessions and orders, and is
followed by three days of after-sales wave (pre-sale : after-sales about 3 : 7).

Everything is vectorised numpy/pandas (loops only over days or batches), deterministic for
a given ``seed`` and ``end``.
"""
from __future__ import annotations

import datetime as dt
import time

import numpy as np
import pandas as pd

from csops_lib.demo.chats import ChatSimulation, ChatTables
from csops_lib.demo.exports import write_exports, write_supervisor_scores
from csops_lib.demo.orders import OrderSimulation, OrderTables
from csops_lib.demo.tables import ShopTables, supervisor_scores
from csops_lib.settings.paths import DEMO_WEEKS


class DemoShop(ChatSimulation, OrderSimulation, ChatTables, OrderTables, ShopTables):
    """The whole generator: `run()` plays the simulation steps in order and returns the
    canonical tables (the order of the steps is the order of the random draws)."""

    def run(self) -> dict[str, pd.DataFrame]:
        self.calendar()
        self.presale()
        self.orders_from_threads()
        self.silent_orders()
        self.finish_orders()
        self.refunds()
        self.other_sessions()
        self.reminders_and_outreach()
        self.customer_ids()
        tables: dict[str, pd.DataFrame] = {}
        tables["orders"] = self.orders_table()
        tables["chats"] = self.chats_table()
        tables["refunds"] = self.refunds_table()
        tables["reminders"] = self.reminders_table()
        ad, st = self.agent_tables()
        tables["agent_daily"] = ad
        tables["agent_stats"] = st
        tables["traffic"] = self.traffic_table()
        tables["callbacks"] = self.callbacks_table()
        tables["dsr"] = self.dsr_table()
        tables["roster"] = self.roster_table()
        tables["training"] = self.training_table()
        tables["promos"] = self.promos_table()
        return {k: tables[k] for k in ("orders", "chats", "agent_daily", "agent_stats", "refunds",
                                       "traffic", "callbacks", "reminders", "dsr", "training",
                                       "roster", "promos")}


def _resolve_end(end) -> pd.Timestamp:
    if end is None:
        end = dt.date.today() - dt.timedelta(days=1)
    return pd.Timestamp(end).normalize()


def generate(weeks: int = DEMO_WEEKS, seed: int = 1, end=None) -> dict[str, pd.DataFrame]:
    """The demo shop's canonical tables for the ``weeks * 7`` days ending on ``end``.

    ``end``: the last day (date, string or Timestamp; default yesterday). Deterministic for a
    given ``seed`` and ``end``. Returns {table name: DataFrame} for orders, chats,
    agent_daily, agent_stats, refunds, traffic, callbacks, reminders, dsr, training, roster,
    promos, with the canonical columns and dtypes of ``docs/CONVENTIONS.md``.
    """
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    end_ts = _resolve_end(end)
    n_days = int(round(weeks * 7))
    start = end_ts - pd.Timedelta(days=n_days - 1)
    gen = DemoShop(np.random.default_rng(seed), start, n_days)
    return gen.run()


def build_demo(out_dir, weeks: int = DEMO_WEEKS, seed: int = 1, end=None, progress: bool = True) -> dict:
    """Generate the demo shop and write its raw exports to ``out_dir``.

    Returns ``{"tables": {name: DataFrame}, "files": [Path, ...]}``. Ingesting the files into
    a store is the caller's business (``csops_lib.demo.build``).
    """
    t = time.monotonic()
    tables = generate(weeks=weeks, seed=seed, end=end)
    if progress:
        print(f"demo: generated {weeks} weeks ({len(tables['chats']):,} chat messages, "
              f"{len(tables['orders']):,} orders) in {time.monotonic() - t:.1f} s", flush=True)
    t = time.monotonic()
    files = write_exports(tables, out_dir, seed=seed)
    scores = write_supervisor_scores(supervisor_scores(tables, seed=seed), out_dir)
    files.append(scores)
    if progress:
        print(f"demo: wrote {len(files)} export files to {out_dir} in "
              f"{time.monotonic() - t:.1f} s", flush=True)
    return {"tables": tables, "files": files, "supervisor_scores": scores}

