"""The promo retrospective's sentences: catalog templates (``promo_*`` in labels.yaml) filled
from the frame builders; every value goes to HTML escaped (:mod:`csops_lib.render.html`).
Each function takes the :class:`~csops_lib.render.promo.view.PromoView` (used as its method)."""
from __future__ import annotations

import pandas as pd
from IPython.display import HTML

from csops_lib.render import html
from csops_lib.render.formats import MISSING, duration, fmt
from csops_lib.reports import promo as rp


def _hm(hour) -> str:
    return f"{int(hour):02d}:00"


def ratio_text(share) -> str:
    """A pre-sale share as a ratio out of 10: 0.7 → ``7:3`` (display only)."""
    return MISSING if pd.isna(share) else f"{share * 10:.0f}:{10 - share * 10:.0f}"


_ratio_text = ratio_text


_join = html.join


def _need(view, r) -> str:
    """THE staffing answer of one hour in the words the staffing plan uses."""
    return view._s("promo_need", online=f"{r.needed_online:.0f}", roster=f"{r.needed_roster:.0f}",
                   gap=f"{r.gap:.0f}")


def capacity_summary(view) -> HTML:
    """Hours over the capacity of the staff on shift, the three tightest listed with the
    hour's staffing answer (the same numbers as the staffing plan)."""
    cap = view.frame("promo_capacity")
    over = cap[cap["over_capacity"].fillna(False).astype(bool)]
    if over.empty:
        return _join(html.paragraphs([view._t("promo_capacity_ok")]), view.note("capacity"))
    one_day = view.data.n_days == 1
    items = []
    worst = over.sort_values(["gap", "peak_concurrent"], ascending=False).head(3)
    for r in worst.itertuples(index=False):
        when = _hm(r.hour) if one_day else f"{r.date:%m-%d} {_hm(r.hour)}"
        items.append(view._s("promo_capacity_item", when=when, peak=int(r.peak_concurrent),
                             agents=f"{r.agents_on_shift:.0f}", capacity=f"{r.capacity:.0f}",
                             need=_need(view, r)))
    when = view._ranges_text(over["hour"]) if one_day else view._t("list_separator").join(
        f"{d:%m-%d} {_hm(h)}" for d, h in zip(over["date"], over["hour"], strict=True))
    head = view._s("promo_capacity_head", n=len(cap), over=len(over),
                   concurrency=view.settings["concurrency"], when=when,
                   worst=view._t("promo_worst_hours"))
    return _join(html.paragraphs([head]), html.paragraphs(items, tag="li"),
                 view.note("capacity"))


def no_agent_hours(view) -> HTML:
    """The ranges of hours customers wrote with nobody on shift."""
    w = view.frame("promo_no_agent")
    if w is None or w.empty:
        return _join(html.paragraphs([view._t("promo_waiting_none")]), view.note("waiting"))
    items = []
    for r in w.itertuples(index=False):
        day = "" if view.data.n_days == 1 else f"{pd.Timestamp(r.date):%m-%d} "
        end = r.end_hour if r.end_hour <= 24 else r.end_hour - 24
        wait = r.first_response_p50_s
        extra = "" if pd.isna(wait) else view._s("promo_waiting_wait",
                                                 wait=duration(wait, view.lang))
        items.append(view._s("promo_waiting_item", span=f"{day}{_hm(r.start_hour)}–{_hm(end)}",
                             hours=r.hours, messages=f"{int(r.customer_messages):,}",
                             customers=f"{int(r.customers_max):,}", wait=extra))
    head = view._s("promo_waiting_head", total=f"{int(w['customer_messages'].sum()):,}")
    return _join(html.paragraphs([head]), html.paragraphs(items, tag="li"),
                 view.note("waiting"))


def pk_summary(view) -> HTML:
    """Who won the team PK (and the runner-up)."""
    teams = view.frame("team_pk")
    if teams is None or teams.empty:
        return html.paragraphs([MISSING])
    on_att = bool(teams.attrs.get("on_attainment"))
    by = view.settings["pk_by"]
    best = teams[teams["rank"] == 1]
    what = view._t(f"{by}_attainment") if on_att else view._t(by)
    kind = "rate" if on_att else ("money0" if by == "sales" else "count")
    col = f"{by}_attainment" if on_att else by
    text = view._s("promo_pk_tie" if len(best) > 1 else "promo_pk_win",
                   names=view._t("list_separator").join(view._team(x) for x in best["team"]),
                   what=what, score=fmt(best[col].iloc[0], kind))
    if len(teams) > 1 and len(best) == 1:
        second = teams.iloc[1]
        text += view._s("promo_pk_second", team=view._team(second["team"]),
                        score=fmt(second[col], kind))
    return html.paragraphs([text], style="font-size:1.15em")


def wave_summary(view) -> HTML:
    """The pre-sale : after-sales ratio in the baseline, promo and wave."""
    share = {k: _ratio_text(v) for k, v in rp.wave_shares(view.data).items()}
    text = view._s("promo_wave_line", baseline=share["baseline"],
                   promo=share["promo"], wave=share["wave"],
                   days=int(view.settings["wave_days"]))
    return _join(html.paragraphs([text]), view.note("refunds"))


def staffing_summary(view) -> HTML:
    """The busiest hour's need, the short hours and the agent-hours needed vs rostered."""
    plan = view.frame("promo_staffing")
    peak = plan.loc[plan["needed_roster"].astype("float64").idxmax()]
    short = plan[plan["gap"] > 0]
    lines = [view._s("promo_staffing_peak", hour=_hm(peak["hour"]),
                     on_shift=f"{peak['agents_on_shift']:.0f}",
                     need=_need(view, peak))]
    lines.append(view._s("promo_staffing_short", hours=view._ranges_text(short["hour"]))
                 if len(short) else view._t("promo_staffing_enough"))
    lines.append(view._s("promo_staffing_hours",
                         need=int(plan["needed_roster"].astype("float64").sum()),
                         have=int(round(plan["agents_on_shift"].sum()))))
    assumptions = view._s("promo_assumptions", text=view.note_text("staffing"))
    return _join(html.paragraphs([" ".join(lines)]), html.note(assumptions))
