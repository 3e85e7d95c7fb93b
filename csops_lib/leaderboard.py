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

import datetime as dt
import os
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from csops_lib.labels import label, register
from csops_lib.metrics._common import as_ns, key_text, ratio
from csops_lib.params import resolve_params

__all__ = ["BY", "credited_orders", "format_standings", "load_latest", "rank_teams",
           "run", "standings", "tally"]

BY = ("sales", "orders")
CHAT_COLS = ["sent_at", "agent", "customer_id", "sender", "store", "category", "agreed_to_buy"]
ORDER_COLS = ["order_id", "paid_at", "amount", "customer_id", "agent", "store", "created_at",
              "quantity", "status", "refund_amount"]
MIN_ORDER_LOOKBACK_DAYS = 7

register({
    "lb_title": ("大促战报", "Promo standings"),
    "lb_team": ("组别", "Team"),
    "lb_no_team": ("未分组", "no team"),
    "lb_headcount": ("人数", "Agents"),
    "lb_target_orders": ("目标单量", "Orders target"),
    "lb_target_sales": ("目标销售额(元)", "Sales target (yuan)"),
    "lb_orders_attainment": ("单量达成率", "Orders attainment"),
    "lb_sales_attainment": ("销售额达成率", "Sales attainment"),
    "lb_silent": ("静默下单（无客服）", "Silent orders (no agent)"),
    "lb_total": ("全店合计", "Shop total"),
    "lb_team_pk": ("团队PK", "Team PK"),
    "lb_top_agents": ("个人排行", "Top agents"),
    "lb_window": ("统计区间", "Window"),
    "lb_as_of": ("数据截至", "Data up to"),
    "lb_ranked_on": ("排名依据", "Ranked on"),
    "lb_by_attainment": ("目标达成率", "target attainment"),
    "lb_by_sales": ("销售额", "sales"),
    "lb_by_orders": ("单量", "orders"),
    "lb_leader": ("领先", "leading"),
})


# --------------------------------------------------------------------------- computing
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
    from csops_lib.metrics import attribute_orders, build_sessions

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
        from csops_lib.metrics.attribution import default_as_of

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


# --------------------------------------------------------------------------- loading
def _read_window(store_dir: Path, table: str, lo, hi, columns: Sequence[str]) -> pd.DataFrame:
    """Store partitions [lo, hi] of ``table`` with the ``columns`` that exist."""
    import pyarrow.parquet as pq

    from csops_lib import store

    folder = store_dir / table
    first = next(folder.glob("*/part.parquet"), None) if folder.exists() else None
    if first is None:
        return pd.DataFrame()
    have = set(pq.read_schema(first).names)
    return store.read(store_dir, table, lo, hi, columns=[c for c in columns if c in have])


def load_latest(source: str | os.PathLike | Iterable[str | os.PathLike], since, until=None,
                params: dict[str, Any] | None = None) -> dict[str, Any]:
    """The tables the standings need: ``chats``, ``orders``, ``roster``, ``promos`` (the
    last three may be None) and ``as_of``.

    ``source``: a store folder (only the partitions and columns needed are read; see the
    module docstring) or an iterable of export files (loaded with :func:`csops_lib.io.load`,
    table guessed from the headers; several files of one table are combined, duplicates
    dropped; chats are kept from ``since − followup_days``, orders paid from ``since``).
    The ``promos`` rows kept are those of promos whose window contains ``since`` (their
    targets); none → None.
    """
    p = resolve_params(params)
    lo, hi = _ts(since), _ts(until)
    if lo is None:
        raise ValueError("since is required, e.g. '2026-11-11 00:00'")
    fd = pd.Timedelta(days=int(p["followup_days"]))
    chats_lo = lo.normalize() - fd
    tables: dict[str, pd.DataFrame | None] = {}
    if isinstance(source, (str, os.PathLike)) and Path(source).is_dir():
        folder = Path(source)
        back = pd.Timedelta(days=max(MIN_ORDER_LOOKBACK_DAYS,
                                     int(p["after_sales_lookback_days"])))
        tables["chats"] = _read_window(folder, "chats", chats_lo, hi, CHAT_COLS)
        tables["orders"] = _read_window(folder, "orders", chats_lo - back, hi, ORDER_COLS)
        for name in ("roster", "promos"):
            frame = _read_window(folder, name, None, None, [
                "agent", "team", "role", "shift_start", "shift_end", "hired_on", "name",
                "start", "end", "target_orders", "target_sales"])
            tables[name] = None if frame.columns.empty else frame
    else:
        from csops_lib.io import load

        paths = [Path(source)] if isinstance(source, (str, os.PathLike)) else list(map(Path, source))
        if not paths:
            raise ValueError("no export files given (or --store DIR)")
        parts: dict[str, list[pd.DataFrame]] = {}
        for path in paths:
            if not path.exists():
                raise FileNotFoundError(f"{path}: no such file")
            frame, rep = load(path)
            parts.setdefault(rep.table, []).append(frame)
        for name in ("chats", "orders", "roster", "promos"):
            frames = parts.get(name)
            if not frames:
                tables[name] = None
                continue
            df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
            from csops_lib.schema import TABLES

            key = [c for c in TABLES[name].key if c in df.columns]
            tables[name] = df.drop_duplicates(key, keep="last").reset_index(drop=True)
        if tables["chats"] is not None:
            c = tables["chats"]
            t = as_ns(c["sent_at"])
            keep = t >= chats_lo
            if hi is not None:
                keep &= t <= hi
            tables["chats"] = c[keep.to_numpy()].reset_index(drop=True)
    for name in ("chats", "orders"):
        if tables.get(name) is None or tables[name].columns.empty:
            what = "chat log" if name == "chats" else "order export"
            raise ValueError(f"no {what} among the inputs: give the latest {name} export "
                             f"file(s) or --store DIR")
    from csops_lib.metrics.attribution import default_as_of

    as_of = default_as_of((tables["chats"], "sent_at"), (tables["orders"], "paid_at"))
    if hi is not None and pd.notna(as_of):
        as_of = min(as_of, hi)
    tables["as_of"] = None if pd.isna(as_of) else as_of
    promos = tables.get("promos")
    if promos is not None and {"start", "end"} <= set(promos.columns):
        inside = (as_ns(promos["start"]) <= lo) & (lo <= as_ns(promos["end"]))
        if "name" in promos.columns and inside.any():
            names = set(promos.loc[inside, "name"])
            promos = promos[promos["name"].isin(names)]
        else:
            promos = promos[inside]
        tables["promos"] = promos if len(promos) else None
    return tables


# --------------------------------------------------------------------------- text output
def _w(text: str) -> int:
    """Display width (CJK characters take two columns)."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def _table(rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(_w(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for n, r in enumerate(rows):
        cells = []
        for i, cell in enumerate(r):
            pad = " " * (widths[i] - _w(cell))
            cells.append(pad + cell if i in right else cell + pad)
        out.append("  ".join(cells).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return out


def _money(v) -> str:
    return "–" if v is None or pd.isna(v) else f"¥{v:,.0f}"


def _count(v) -> str:
    return "–" if v is None or pd.isna(v) else f"{int(v):,}"


def _pct(v) -> str:
    return "–" if v is None or pd.isna(v) else f"{v:.0%}"


def format_standings(result: dict[str, Any], lang: str = "zh") -> str:
    """A compact text table of :func:`standings` for the hourly announcement."""
    def t(key):
        return label(key, lang)

    by = result["by"]
    since = result["since"]
    until = result["until"] or result["as_of"]
    span = f"{since:%m-%d %H:%M} – {until:%m-%d %H:%M}" if until is not None \
        else f"{since:%m-%d %H:%M} –"
    ranked = (f"{t(f'lb_by_{by}')} {t('lb_by_attainment')}" if result["on_attainment"]
              else t(f"lb_by_{by}"))
    lines = [f"{t('lb_title')}  {t('lb_window')} {span}  ·  {t('lb_ranked_on')}: {ranked}"]
    if result["as_of"] is not None:
        lines[0] += f"  ·  {t('lb_as_of')} {result['as_of']:%m-%d %H:%M}"
    lines += ["", f"{t('lb_team_pk')}"]
    head = [t("rank"), t("lb_team"), t("lb_headcount"), t("orders"), t("sales")]
    teams = result["teams"]
    with_targets = bool(teams[f"target_{by}"].notna().any())
    if with_targets:
        head += [t(f"lb_target_{by}"), t(f"lb_{by}_attainment")]
    rows = [head]
    for r in teams.itertuples(index=False):
        team = t("lb_no_team") if r.team == "no team" else str(r.team)
        row = [str(r.rank), team, _count(r.headcount), _count(r.orders), _money(r.sales)]
        if with_targets:
            tgt = getattr(r, f"target_{by}")
            row += [_money(tgt) if by == "sales" else _count(tgt),
                    _pct(getattr(r, f"{by}_attainment"))]
        rows.append(row)
    rows.append(["", t("lb_silent"), "", _count(result["silent_orders"]),
                 _money(result["silent_sales"])] + (["", ""] if with_targets else []))
    rows.append(["", t("lb_total"), "", _count(result["orders"]), _money(result["sales"])]
                + (["", ""] if with_targets else []))
    lines += _table(rows, right={0, 2, 3, 4, 5, 6})
    lines += ["", t("lb_top_agents")]
    agents = result["agents"]
    a_targets = bool(agents[f"target_{by}"].notna().any()) if len(agents) else False
    head = [t("rank"), t("agent"), t("lb_team"), t("orders"), t("sales")]
    if a_targets:
        head += [t(f"lb_{by}_attainment")]
    rows = [head]
    for r in agents.itertuples(index=False):
        team = t("lb_no_team") if r.team == "no team" else str(r.team)
        row = [str(r.rank), str(r.agent), team, _count(r.orders), _money(r.sales)]
        if a_targets:
            row.append(_pct(getattr(r, f"{by}_attainment")))
        rows.append(row)
    lines += _table(rows, right={0, 3, 4, 5})
    return "\n".join(lines)


def run(*, since, files: Sequence[str | os.PathLike] | None = None,
        store_dir: str | os.PathLike | None = None, until=None, by: str = "sales",
        top: int = 5, lang: str = "zh", params: dict[str, Any] | None = None,
        timing: bool = True) -> str:
    """``csops leaderboard``: load the latest exports (or the store), compute the standings
    and return the text to print (with the elapsed time on the last line when ``timing``)."""
    started = time.monotonic()
    if (files and store_dir) or not (files or store_dir):
        raise ValueError("give either export FILES or --store DIR")
    if by not in BY:
        raise ValueError(f"--by must be one of {', '.join(BY)}, got {by!r}")
    p = resolve_params(params)
    tables = load_latest(store_dir if store_dir else list(files), since, until, p)
    result = standings(tables["chats"], tables["orders"], tables["roster"], since, until,
                       by=by, top=top, promos=tables["promos"], params=p,
                       as_of=tables["as_of"])
    text = format_standings(result, lang)
    if timing:
        text += f"\n\n({time.monotonic() - started:.1f} s, {dt.datetime.now():%H:%M:%S})"
    return text
