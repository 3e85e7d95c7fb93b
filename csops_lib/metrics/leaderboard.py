"""Live promo standings (`csops leaderboard`): team PK and the top agents so far.

During a promo the supervisor announces the standings every hour (METRICS.md §6: during a
promo, team PK — team against team on orders or sales — replaces the response-time metrics).
:func:`standings` computes them from a chat log, an order table and the roster:

* the paid orders with ``paid_at`` in [``since``, ``until``] are credited to agents by the
  attribution rule of METRICS.md §4 (:func:`csops_lib.metrics.attribute_orders`: the order's
  own ``agent`` field, else the handover / latest pre-sale session within the follow-up
  window); orders with no candidate session are *silent* (静默下单) and belong to no team;
* an agent's team is the roster's ``team`` (agents missing from the roster: "no team");
* teams are ranked on ``by`` (``sales`` or ``orders``): on target attainment (actual /
  target) when every team has a target for it (from the promos table), else on the raw
  value; agents likewise, on the raw value (ties share a rank).

:func:`load_latest` reads only what the standings need: from the history store the chat and
order partitions of the window (chats from ``since − followup_days`` so that sessions shortly
before the window still credit orders in it; orders from the creation day
``since − followup_days − max(7, after_sales_lookback_days)``), with only the needed columns;
or, from export files, the latest exports the supervisor just downloaded (each file's table
is guessed from its headers). :func:`run` is the whole command.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from csops_lib.metrics._common import as_ns, key_text, ratio
from csops_lib.metrics.attribution import attribute_orders, default_as_of
from csops_lib.metrics.sessions import build_sessions
from csops_lib.settings.shop import resolve_params

BY = ("sales", "orders")



CHAT_COLS = ["sent_at", "agent", "customer_id", "sender", "store", "category", "agreed_to_buy"]



ORDER_COLS = ["order_id", "paid_at", "amount", "customer_id", "agent", "store", "created_at",
              "quantity", "status", "refund_amount"]



MIN_ORDER_LOOKBACK_DAYS = 7






def _ts(value) -> pd.Timestamp | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"not a date/time: {value!r} (use e.g. '2026-11-11 00:00')") from exc


def credited_orders(chats: pd.DataFrame, orders: pd.DataFrame, since=None, until=None,
                    params: dict[str, Any] | None = None) -> pd.DataFrame:
    """Paid orders with ``paid_at`` in [since, until] (inclusive; None = open), credited to
    agents by METRICS.md §4 attribution.

    Sessions are built from the whole ``chats`` given (pass the chats from ``since −
    followup_days`` on). Columns: order_id, paid_at, amount, customer_id (when present),
    credited_agent (NaN for silent orders), attribution (field / session / silent).
    """
    p = resolve_params(params)
    o = orders.copy()
    o["paid_at"] = as_ns(o["paid_at"])
    lo, hi = _ts(since), _ts(until)
    keep = o["paid_at"].notna()
    if lo is not None:
        keep &= o["paid_at"] >= lo
    if hi is not None:
        keep &= o["paid_at"] <= hi
    window = o[keep.to_numpy()]
    if chats is None or chats.empty:
        sessions = pd.DataFrame(columns=["agent", "customer_id", "date", "start", "end",
                                         "category", "agreed_to_buy"])
        att = attribute_orders(window, sessions, p)
    else:
        sessions = build_sessions(chats, orders, params=p)
        att = attribute_orders(window, sessions, p, chats=chats)
    cols = [c for c in ("order_id", "paid_at", "amount", "customer_id", "store") if c in att]
    out = att[cols + ["credited_agent", "attribution"]].reset_index(drop=True)
    out["amount"] = pd.to_numeric(out["amount"], errors="coerce").astype("float64").fillna(0.0)
    return out



def _team_of(roster: pd.DataFrame | None) -> pd.Series:
    if roster is None or roster.empty or "agent" not in roster.columns:
        return pd.Series(dtype=object)
    team = (key_text(roster["team"]) if "team" in roster.columns
            else pd.Series(np.nan, index=roster.index))
    return pd.Series(team.to_numpy(), index=key_text(roster["agent"]).to_numpy()).groupby(
        level=0).last()



def _targets(promos: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(team targets indexed by team, agent targets indexed by agent) from promo rows.

    A row without an agent is the team's target; a team without such a row gets the sum of
    its agents' targets."""
    empty = pd.DataFrame(columns=["target_orders", "target_sales"], dtype="float64")
    if promos is None or promos.empty:
        return empty, empty
    t = pd.DataFrame({
        "team": key_text(promos["team"]) if "team" in promos.columns else np.nan,
        "agent": key_text(promos["agent"]) if "agent" in promos.columns else np.nan,
        "target_orders": pd.to_numeric(promos.get("target_orders"), errors="coerce")
        .astype("float64") if "target_orders" in promos.columns else np.nan,
        "target_sales": pd.to_numeric(promos.get("target_sales"), errors="coerce")
        .astype("float64") if "target_sales" in promos.columns else np.nan,
    })
    cols = ["target_orders", "target_sales"]
    agents = t[t["agent"].notna()].groupby("agent")[cols].sum(min_count=1)
    teams = t[t["agent"].isna() & t["team"].notna()].groupby("team")[cols].sum(min_count=1)
    by_agents = t[t["agent"].notna() & t["team"].notna()].groupby("team")[cols].sum(min_count=1)
    teams = teams.combine_first(by_agents)
    return teams, agents



def tally(credited: pd.DataFrame, roster: pd.DataFrame | None = None,
          promos: pd.DataFrame | None = None, *, no_team: str = "no team"
          ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Team and agent totals of credited orders (not ranked).

    Returns (teams, agents). ``agents``: agent, team, orders, sales, and when targets exist
    target_orders, target_sales, orders_attainment, sales_attainment; every roster agent with
    a target appears (0 orders if none). ``teams``: team, headcount (agents with orders or on
    the roster), orders, sales, targets and attainments. Silent orders are left out of both
    (the team totals sum to the attributed orders). Attainment = actual / target (NaN
    without a target).
    """
    c = credited[credited["credited_agent"].notna()]
    ag = (c.assign(agent=key_text(c["credited_agent"]))
          .groupby("agent").agg(orders=("amount", "size"), sales=("amount", "sum")))
    team_targets, agent_targets = _targets(promos)
    team_of = _team_of(roster)
    names = ag.index.union(agent_targets.index)
    agents = ag.reindex(names)
    agents["orders"] = agents["orders"].fillna(0).astype("int64")
    agents["sales"] = agents["sales"].fillna(0.0)
    agents = agents.join(agent_targets, how="left")
    agents.index.name = "agent"
    agents = agents.reset_index()
    agents.insert(1, "team", agents["agent"].map(team_of).astype(object))
    if promos is not None and not promos.empty and "agent" in promos.columns:
        # an agent's team in the promo's targets wins over a missing roster entry
        pt = pd.Series(key_text(promos["team"]).to_numpy() if "team" in promos.columns
                       else np.nan, index=key_text(promos["agent"]).to_numpy()).dropna()
        pt = pt[~pt.index.isna()].groupby(level=0).last()
        agents["team"] = agents["team"].fillna(agents["agent"].map(pt))
    agents["team"] = agents["team"].fillna(no_team)
    for col in ("target_orders", "target_sales"):
        if col not in agents.columns:
            agents[col] = np.nan
    agents["orders_attainment"] = ratio(agents["orders"], agents["target_orders"])
    agents["sales_attainment"] = ratio(agents["sales"], agents["target_sales"])

    g = agents.groupby("team", sort=True)
    teams = pd.DataFrame({"orders": g["orders"].sum(), "sales": g["sales"].sum()})
    roster_teams = team_of.dropna()
    heads = pd.Series(roster_teams.index, index=roster_teams.to_numpy()).groupby(level=0).nunique()
    active = g["agent"].nunique()
    teams["headcount"] = heads.reindex(teams.index).fillna(active).astype("int64")
    all_teams = teams.index.union(team_targets.index)
    teams = teams.reindex(all_teams)
    teams["orders"] = teams["orders"].fillna(0).astype("int64")
    teams["sales"] = teams["sales"].fillna(0.0)
    teams["headcount"] = teams["headcount"].fillna(0).astype("int64")
    teams = teams.join(team_targets, how="left")
    for col in ("target_orders", "target_sales"):
        if col not in teams.columns:
            teams[col] = np.nan
    teams["orders_attainment"] = ratio(teams["orders"], teams["target_orders"])
    teams["sales_attainment"] = ratio(teams["sales"], teams["target_sales"])
    teams.index.name = "team"
    teams = teams.reset_index()[["team", "headcount", "orders", "target_orders",
                                 "orders_attainment", "sales", "target_sales",
                                 "sales_attainment"]]
    agents = agents[["agent", "team", "orders", "target_orders", "orders_attainment", "sales",
                     "target_sales", "sales_attainment"]]
    return teams, agents



def _rank(values: pd.Series) -> pd.Series:
    """1 = best; ties share the rank (competition ranking, 1 2 2 4); NaN ranks last."""
    return values.rank(method="min", ascending=False, na_option="bottom").astype("int64")



def rank_teams(teams: pd.DataFrame, by: str = "sales") -> tuple[pd.DataFrame, bool]:
    """Teams sorted by the PK score with a ``rank`` column; returns (table, on_attainment).

    The score is ``{by}_attainment`` when every team has a target for ``by`` (teams of
    different sizes then compete fairly), else the raw ``by``."""
    if by not in BY:
        raise ValueError(f"by must be one of {BY}, got {by!r}")
    target = teams[f"target_{by}"]
    on_att = bool(len(teams)) and bool((target > 0).all())
    score = teams[f"{by}_attainment"] if on_att else teams[by]
    out = teams.assign(rank=_rank(score.astype("float64")), _s=score.astype("float64"))
    out = out.sort_values(["rank", by], ascending=[True, False], kind="stable")
    return out.drop(columns="_s").reset_index(drop=True), on_att



def standings(chats: pd.DataFrame, orders: pd.DataFrame, roster: pd.DataFrame | None,
              since, until=None, by: str = "sales", top: int = 5,
              promos: pd.DataFrame | None = None, params: dict[str, Any] | None = None,
              as_of=None) -> dict[str, Any]:
    """The team PK table and the top agents for orders paid in [since, until].

    Returns a dict: ``teams`` (every team ranked, see :func:`rank_teams`; columns rank, team,
    headcount, orders, target_orders, orders_attainment, sales, target_sales,
    sales_attainment), ``agents`` (the ``top`` agents by ``by``, ties at the cut kept; columns
    rank, agent, team, orders, sales, targets and attainments), ``on_attainment``, ``by``,
    ``since``, ``until``, ``as_of`` (the latest payment or message in the data, i.e. how
    fresh the standings are), ``orders`` / ``sales`` (all paid orders in the window),
    ``attributed_orders`` / ``attributed_sales``, ``silent_orders`` / ``silent_sales``.
    ``promos``: the promo's rows of the promos table (targets), optional.
    """
    if by not in BY:
        raise ValueError(f"by must be one of {BY}, got {by!r}")
    if int(top) < 1:
        raise ValueError(f"top must be ≥ 1, got {top!r}")
    lo = _ts(since)
    if lo is None:
        raise ValueError("since is required, e.g. '2026-11-11 00:00'")
    hi = _ts(until)
    cred = credited_orders(chats, orders, lo, hi, params)
    teams, agents = tally(cred, roster, promos)
    teams, on_att = rank_teams(teams, by)
    agents = agents.assign(rank=_rank(agents[by].astype("float64")))
    agents = agents.sort_values(["rank", "agent"], kind="stable")
    agents = agents[agents["rank"] <= int(top)].reset_index(drop=True)
    attributed = cred["credited_agent"].notna()
    if as_of is None:
        as_of = default_as_of((chats, "sent_at"), (orders, "paid_at"))
    return {
        "teams": teams[["rank", *[c for c in teams.columns if c != "rank"]]],
        "agents": agents[["rank", *[c for c in agents.columns if c != "rank"]]],
        "on_attainment": on_att, "by": by, "since": lo, "until": hi,
        "as_of": None if as_of is None or pd.isna(as_of) else pd.Timestamp(as_of),
        "orders": int(len(cred)), "sales": float(cred["amount"].sum()),
        "attributed_orders": int(attributed.sum()),
        "attributed_sales": float(cred.loc[attributed, "amount"].sum()),
        "silent_orders": int((~attributed).sum()),
        "silent_sales": float(cred.loc[~attributed, "amount"].sum()),
    }

