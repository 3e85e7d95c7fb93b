"""The weekly review's headline: the table of this period against the previous one and the
average (changes coloured), its notes, and the highlight sentences (catalog templates)."""
from __future__ import annotations

import numpy as np
import pandas as pd
from IPython.display import HTML

from csops_lib.render import html
from csops_lib.render.formats import MISSING, fmt
from csops_lib.render.labels import sentence
from csops_lib.reports.weekly import KINDS, SECTIONS, frames

GOOD, BAD = "color: #1a7f37", "color: #c62828"


def change_text(view, value, pp: bool) -> str:
    """A change: percentage points for rates, else a signed percentage."""
    if pd.isna(value):
        return MISSING
    return sentence("weekly_pp", view.lang, pp=value) if pp else fmt(value, "change")


def colour(change, better: int, pp: bool = False) -> str:
    """Green when better, red when worse; none for changes that round to zero."""
    if pd.isna(change) or better == 0 or abs(change) < (0.05 if pp else 0.0005):
        return ""
    return GOOD if (change > 0) == (better > 0) else BAD


def metric_name(view, key: str) -> str:
    """A headline metric's name (the platform's own numbers marked as such)."""
    if key in ("sessions", "reply_rate", "slow_sessions") and view.data.source == "agent_stats":
        return sentence("weekly_mode_stats", view.lang, name=view.t(key))
    if key == "first_response_s":
        return view.t("weekly_platform_first_response")
    if key == "dsr_service":
        return sentence("weekly_dsr_name", view.lang, name=view.t(key))
    name = view.t(key)
    return name + " *" if key == "inquiry_conversion" and view.provisional else name


def headline_notes(view) -> list[str]:
    """Promos in the periods compared, an incomplete period, a partial average, provisional
    conversion."""
    d, notes = view.data, []
    for i, which in ((0, "this"), (-1, "prev")):
        names = frames.promos_in(d, i)
        if names:
            notes.append(sentence("weekly_promo_note", view.lang, period=view.tp(which),
                                  names=", ".join(names)))
    if d.data_end is not None and d.data_end < d.period.end:
        notes.append(sentence("weekly_partial_period", view.lang, end=f"{d.data_end:%Y-%m-%d}"))
    hist = d.covered_history
    if len(hist) < d.history:
        notes.append(sentence("weekly_avg_over", view.lang, n=len(hist), labels=", ".join(
            d.period.shift(i).label for i in hist)) if hist else view.t("weekly_avg_none"))
    if view.provisional:
        notes.append(view.provisional_note())
    return notes


def headline_table(view):
    """This period, the previous one, the average of the earlier ones, and the changes;
    changes coloured green when better, red when worse."""
    h = frames.headline_rows(view.data)
    cols = [view.tp("this"), view.tp("prev"), view.tp("avg"), view.tp("vs"),
            view.t("weekly_vs_avg")]
    name_col = view.t("metric")
    rows, colours = [], []
    for r in h.itertuples():
        kind = KINDS.get(r.key, "count")
        rows.append([metric_name(view, r.key), fmt(r.this, kind), fmt(r.prev, kind),
                     fmt(r.avg, kind), change_text(view, r.vs_prev, r.pp),
                     change_text(view, r.vs_avg, r.pp)])
        colours.append(["", "", "", "", colour(r.vs_prev, r.better, r.pp),
                        colour(r.vs_avg, r.better, r.pp)])
    table = pd.DataFrame(rows, columns=[name_col, *cols])
    styles = pd.DataFrame(colours or np.empty((0, 6)), index=table.index,
                          columns=table.columns)
    notes = headline_notes(view)
    styler = html.table(table, {}, view.lang, relabel=False,
                        caption=" ".join(notes) if notes else None)
    styler = styler.apply(lambda _: styles, axis=None)
    return styler.set_properties(subset=cols, **{"text-align": "right"})


def highlights(view) -> HTML:
    """Three to five sentences with the period's main numbers (headline first)."""
    h = frames.headline_rows(view.data).set_index("key")
    lang, items = view.lang, []

    def get(key, col="this"):
        return h.at[key, col] if key in h.index else np.nan

    if "sales" in h.index and pd.isna(get("sales", "vs_prev")) and pd.isna(get("sales",
                                                                               "vs_avg")):
        items.append(sentence("weekly_hl_sales_only", lang, sales=fmt(get("sales"), "money"),
                              orders=fmt(get("paid_orders"), "count")))
    elif "sales" in h.index:
        items.append(sentence(
            "weekly_hl_sales", lang, sales=fmt(get("sales"), "money"), vs_prev=view.tp("vs"),
            c_prev=change_text(view, get("sales", "vs_prev"), False),
            vs_avg=view.t("weekly_vs_avg"),
            c_avg=change_text(view, get("sales", "vs_avg"), False),
            orders=fmt(get("paid_orders"), "count")))
    if "silent_share" in h.index and pd.notna(get("silent_share")):
        items.append(sentence("weekly_hl_silent", lang, share=fmt(get("silent_share"), "rate"),
                              agent=fmt(frames.agent_served(view.data), "money")))
    if "inquiry_conversion" in h.index:
        change = get("inquiry_conversion", "vs_prev")
        items.append(sentence(
            "weekly_hl_conversion" if pd.notna(change) else "weekly_hl_conversion_only", lang,
            rate=fmt(get("inquiry_conversion"), "rate"),
            mark=" *" if view.provisional else "", vs_prev=view.tp("vs"),
            change=change_text(view, change, True)))
    if "first_response_p50_s" in h.index:
        items.append(sentence("weekly_hl_response", lang,
                              p50=fmt(get("first_response_p50_s"), "seconds"),
                              p90=fmt(get("first_response_p90_s"), "seconds"),
                              reply=fmt(get("reply_rate"), "rate")))
    agents = frames.agent_frame(view.data)
    if not agents.empty and pd.notna(agents["sales"].iloc[0]) and agents["sales"].iloc[0] > 0:
        items.append(sentence("weekly_hl_top", lang, agent=agents["agent"].iloc[0],
                              sales=fmt(agents["sales"].iloc[0], "money")))
    if SECTIONS.has("weekly_questions", view.data):
        q = frames.questions_frame(view.data)
        if not q.empty:
            items.append(sentence("weekly_hl_question", lang, q=q["question"].iloc[0],
                                  n=int(q["messages"].iloc[0])))
    return html.paragraphs(items, tag="li")
