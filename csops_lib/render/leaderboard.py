"""`csops leaderboard`'s text: the standings of :mod:`csops_lib.reports.leaderboard` as a
compact table with catalog labels (for the hourly announcement in the team chat)."""
from __future__ import annotations

import datetime as dt
import os
import time
import unicodedata
from collections.abc import Sequence
from typing import Any

from csops_lib.render.formats import fmt
from csops_lib.render.labels import label
from csops_lib.reports.leaderboard import compute


def _w(text: str) -> int:
    """Display width (CJK characters take two columns)."""
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
    return fmt(v, "money0")


def _count(v) -> str:
    return fmt(v, "count")


def _pct(v) -> str:
    return fmt(v, "rate0")


def format_standings(result: dict[str, Any], lang: str = "zh") -> str:
    """A compact text table of :func:`csops_lib.metrics.leaderboard.standings`."""
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
        lines[0] += f"  ·  {t('as_of')} {result['as_of']:%m-%d %H:%M}"
    lines += ["", f"{t('team_pk')}"]
    head = [t("rank"), t("team"), t("headcount"), t("orders"), t("sales")]
    teams = result["teams"]
    with_targets = bool(teams[f"target_{by}"].notna().any())
    if with_targets:
        head += [t(f"target_{by}"), t(f"{by}_attainment")]
    rows = [head]
    for r in teams.itertuples(index=False):
        team = t("no_team") if r.team == "no team" else str(r.team)
        row = [str(r.rank), team, _count(r.headcount), _count(r.orders), _money(r.sales)]
        if with_targets:
            tgt = getattr(r, f"target_{by}")
            row += [_money(tgt) if by == "sales" else _count(tgt),
                    _pct(getattr(r, f"{by}_attainment"))]
        rows.append(row)
    rows.append(["", t("silent_orders_no_agent"), "", _count(result["silent_orders"]),
                 _money(result["silent_sales"])] + (["", ""] if with_targets else []))
    rows.append(["", t("lb_total"), "", _count(result["orders"]), _money(result["sales"])]
                + (["", ""] if with_targets else []))
    lines += _table(rows, right={0, 2, 3, 4, 5, 6})
    lines += ["", t("lb_top_agents")]
    agents = result["agents"]
    a_targets = bool(agents[f"target_{by}"].notna().any()) if len(agents) else False
    head = [t("rank"), t("agent"), t("team"), t("orders"), t("sales")]
    if a_targets:
        head += [t(f"{by}_attainment")]
    rows = [head]
    for r in agents.itertuples(index=False):
        team = t("no_team") if r.team == "no team" else str(r.team)
        row = [str(r.rank), str(r.agent), team, _count(r.orders), _money(r.sales)]
        if a_targets:
            row.append(_pct(getattr(r, f"{by}_attainment")))
        rows.append(row)
    lines += _table(rows, right={0, 3, 4, 5})
    return "\n".join(lines)


def format_markdown(result: dict[str, Any], lang: str = "zh") -> tuple[str, str]:
    """(title, markdown body) of the standings for the team chat (``--send``): the window,
    the team PK and the top agents as numbered lists (chat apps render lists, not tables).
    Names are shown as they are; the sender masks phones, names and addresses."""
    def t(key):
        return label(key, lang)

    by = result["by"]
    since, until = result["since"], result["until"] or result["as_of"]
    span = f"{since:%m-%d %H:%M} – " + (f"{until:%m-%d %H:%M}" if until is not None else "")
    ranked = (f"{t(f'lb_by_{by}')} {t('lb_by_attainment')}" if result["on_attainment"]
              else t(f"lb_by_{by}"))
    title = f"{t('lb_title')} {span}".strip()
    lines = [f"**{title}**", "", f"{t('lb_ranked_on')}: {ranked}"]
    if result["as_of"] is not None:
        lines[-1] += f" · {t('as_of')} {result['as_of']:%m-%d %H:%M}"

    def numbers(r, attainment: bool) -> str:
        out = f"{t('orders')} {_count(r.orders)} · {t('sales')} {_money(r.sales)}"
        return out + (f" · {t(f'{by}_attainment')} {_pct(getattr(r, f'{by}_attainment'))}"
                      if attainment else "")

    teams = result["teams"]
    with_targets = bool(teams[f"target_{by}"].notna().any())
    lines += ["", f"**{t('team_pk')}**", ""]
    for r in teams.itertuples(index=False):
        team = t("no_team") if r.team == "no team" else str(r.team)
        lines.append(f"{r.rank}. {team}: {numbers(r, with_targets)}")
    lines.append(f"- {t('silent_orders_no_agent')}: {t('orders')} "
                 f"{_count(result['silent_orders'])} · {t('sales')} "
                 f"{_money(result['silent_sales'])}")
    lines.append(f"- {t('lb_total')}: {t('orders')} {_count(result['orders'])} · "
                 f"{t('sales')} {_money(result['sales'])}")
    agents = result["agents"]
    a_targets = bool(agents[f"target_{by}"].notna().any()) if len(agents) else False
    lines += ["", f"**{t('lb_top_agents')}**", ""]
    for r in agents.itertuples(index=False):
        team = t("no_team") if r.team == "no team" else str(r.team)
        lines.append(f"{r.rank}. {r.agent} ({team}): {numbers(r, a_targets)}")
    return title, "\n".join(lines)


def run_message(*, since, files: Sequence[str | os.PathLike] | None = None,
                store_dir: str | os.PathLike | None = None, until=None, by: str = "sales",
                top: int = 5, lang: str = "zh", params: dict[str, Any] | None = None,
                timing: bool = True) -> tuple[str, str, str]:
    """``csops leaderboard [--send]``: compute the standings once and return (the text to
    print, the message title, the markdown message)."""
    started = time.monotonic()
    result = compute(since=since, files=files, store_dir=store_dir, until=until, by=by,
                     top=top, params=params)
    text = format_standings(result, lang)
    if timing:
        text += f"\n\n({time.monotonic() - started:.1f} s, {dt.datetime.now():%H:%M:%S})"
    return (text, *format_markdown(result, lang))


def run(*, since, files: Sequence[str | os.PathLike] | None = None,
        store_dir: str | os.PathLike | None = None, until=None, by: str = "sales",
        top: int = 5, lang: str = "zh", params: dict[str, Any] | None = None,
        timing: bool = True) -> str:
    """``csops leaderboard``: compute the standings (:func:`csops_lib.reports.leaderboard.compute`)
    and return the text to print (with the elapsed time on the last line when ``timing``)."""
    return run_message(since=since, files=files, store_dir=store_dir, until=until, by=by,
                       top=top, lang=lang, params=params, timing=timing)[0]
