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


def promo_notes(view) -> list[str]:
    """Which compared periods held a promo: this one, the previous one (its changes are not
    coloured), and the promo days the average leaves out."""
    d, notes, sep = view.data, [], view.t("list_separator")
    names = frames.promos_in(d, 0)
    if names:
        notes.append(sentence("weekly_promo_note", view.lang, period=view.tp("this"),
                              names=sep.join(names)))
    if prev_promo(view):
        notes.append(sentence("weekly_promo_prev", view.lang, period=view.tp("prev"),
                              names=sep.join(frames.promos_in(d, -1))))
    left_out = d.promo_periods()
    if left_out:
        items = [sentence("weekly_promo_days", view.lang, period=d.period.shift(i).label,
                          days=sep.join(f"{day:%m-%d}" for day in days),
                          names=sep.join(frames.promos_in(d, i)))
                 for i, days in left_out.items()]
        notes.append(sentence("weekly_avg_promo", view.lang, avg=view.tp("avg"),
                              items=sep.join(items)))
    return notes


def prev_promo(view) -> bool:
    """Whether the previous period held a promo (then changes against it are not coloured:
    they say more about the promo than about this period)."""
    return view.data.covered(-1) and bool(frames.promos_in(view.data, -1))


def headline_notes(view) -> list[str]:
    """Under the headline table: an incomplete period, a partial average, provisional
    conversion (the promos are in the highlights just above)."""
    d, notes = view.data, []
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
    neutral = prev_promo(view)
    name_col = view.t("metric")
    rows, colours = [], []
    for r in h.itertuples():
        kind = KINDS.get(r.key, "count")
        rows.append([metric_name(view, r.key), fmt(r.this, kind), fmt(r.prev, kind),
                     fmt(r.avg, kind), change_text(view, r.vs_prev, r.pp),
                     change_text(view, r.vs_avg, r.pp)])
        colours.append(["", "", "", "", "" if neutral else colour(r.vs_prev, r.better, r.pp),
                        colour(r.vs_avg, r.better, r.pp)])
    table = pd.DataFrame(rows, columns=[name_col, *cols])
    styles = pd.DataFrame(colours or np.empty((0, 6)), index=table.index,
                          columns=table.columns)
    notes = headline_notes(view)
    styler = html.table(table, {}, view.lang, relabel=False,
                        caption=" ".join(notes) if notes else None)
    styler = styler.apply(lambda _: styles, axis=None)
    styler = styler.set_properties(subset=cols, **{"text-align": "right"})
    # on a phone: metric, this period and the two changes (the prev / average values hide)
    return html.phone_table(styler, wide=(2, 3))


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
    notes = promo_notes(view)
    if notes:  # right after the sales: what the comparisons mean
        items.append(" ".join(notes))
    line = bridge_sentence(view)
    if line:
        items.append(line)
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


def signed_money(value) -> str:
    """Yuan with a sign and no cents (a change or a contribution): +¥691, −¥1,352."""
    return _signed_money(value)


def _signed_money(value) -> str:
    if pd.isna(value):
        return MISSING
    return ("+" if round(value) >= 0 else "−") + fmt(abs(value), "money0")


def bridge_sentence(view) -> str:
    """One sentence: the change of sales against the previous period and the part of each
    factor (visitors, store conversion, sales per buyer-day); empty without a bridge."""
    if not view.has("weekly_bridge"):
        return ""
    shop = frames.bridge_shop_frame(view.data)
    if shop.empty:
        return ""
    rows = shop.set_index("factor")
    rates = dict(frames.SHOP_FACTORS)

    def part(key):
        return (change_text(view, rows.at[key, "bridge_change"], rates.get(key, False)),
                _signed_money(rows.at[key, "contribution"]))

    (c_s, d_s), (c_u, p_u), (c_c, p_c), (c_v, p_v) = (
        part(k) for k in ("sales", "uv", "store_conversion", "bridge_buyer_value"))
    return sentence("weekly_hl_bridge", view.lang, vs_prev=view.tp("vs"), c_sales=c_s,
                    d_sales=d_s, c_uv=c_u, p_uv=p_u, c_conv=c_c, p_conv=p_c, c_val=c_v,
                    p_val=p_v)


def bridge_tables(view) -> list:
    """The shop's bridge (one row per factor: previous, this, change, contribution; each row
    formatted by its own kind) and each agent's, then the note on the method."""
    out = []
    shop = frames.bridge_shop_frame(view.data)
    if not shop.empty:
        rates = dict(frames.SHOP_FACTORS)
        kinds = {"uv": "count", "store_conversion": "rate", "bridge_buyer_value": "money",
                 "sales": "money"}
        rows = [[view.t(r.factor), fmt(r.before, kinds[r.factor]),
                 fmt(r.after, kinds[r.factor]),
                 change_text(view, r.bridge_change, rates.get(r.factor, False)),
                 _signed_money(r.contribution)] for r in shop.itertuples()]
        cols = [view.t("factor"), view.tp("prev"), view.tp("this"), view.tp("vs"),
                view.t("contribution")]
        table = pd.DataFrame(rows, columns=cols)
        styler = html.table(table, {}, view.lang, relabel=False)
        styler = styler.set_properties(subset=cols[1:], **{"text-align": "right"})
        out.append(html.phone_table(styler, wide=(1, 2)))  # phone: factor, change, part
    agents = frames.bridge_agent_frame(view.data)
    if not agents.empty:
        total = agents[agents["is_total"].astype(bool)].iloc[0]
        split = total["bridge_unsplit"] == 0
        caption = sentence("weekly_hl_bridge_agents_split" if split else
                           "weekly_hl_bridge_agents", view.lang, vs_prev=view.tp("vs"),
                           d=_signed_money(total["sales_delta"]),
                           p1=_signed_money(total["bridge_from_inquiries"]),
                           p2=_signed_money(total["bridge_from_conversion"]),
                           p3=_signed_money(total["bridge_from_value"]),
                           p4=_signed_money(total["bridge_unsplit"]))
        out.append(html.note(caption))
        out.append(view.table("weekly_bridge_agents", agents))
    out.append(html.note(view.t("weekly_bridge_note")))
    return out


def param_value(view, key: str, value) -> str:
    """A shop threshold's value with its unit (seconds, days, hours of the day); automatic
    when not set."""
    if value is None or value == "":
        return view.t("auto")
    if key.endswith("_s"):
        return sentence("weekly_unit_seconds", view.lang, n=value)
    if key.endswith("_days"):
        return sentence("weekly_unit_days", view.lang, n=value)
    if key.endswith("_hours") and isinstance(value, (list, tuple)) and len(value) == 2:
        return sentence("weekly_unit_hours", view.lang, a=value[0], b=value[1])
    return str(value)
