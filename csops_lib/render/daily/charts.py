"""The daily report's charts (matplotlib figures, closed so they are not drawn twice) and the
side-by-side layout of a chart beside its table. Built from the report's frames
(:mod:`csops_lib.reports.daily`); labels from the catalog."""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from IPython.display import HTML
from matplotlib.ticker import MaxNLocator

from csops_lib.metrics.daily_deals import OTHER, TOTAL
from csops_lib.render import charts, html
from csops_lib.render.labels import label

CHART_W = 6.2  # inches: a chart beside its table fits a laptop screen (about 600 px)


def png(fig) -> str:
    """A figure as an inline PNG <img> (for a chart placed beside its table)."""
    return html.figure_png(fig)


def side(*items) -> HTML:
    """Charts and tables (stylers, HTML) side by side, wrapping on narrow screens; plain
    text among them is escaped (:func:`csops_lib.render.html.side_by_side`)."""
    return html.side_by_side(*items)


def _done(fig):
    plt.close(fig)
    return fig


def top_bars(df: pd.DataFrame, by: str, y: str, key: str, lang: str, *, money: bool = False):
    """Horizontal bars of the top groups (the "other" row left out)."""
    df = df[df[by] != OTHER]
    if df.empty:
        return None
    what = "sales" if money else "paid_orders"
    ax = charts.bar(df, by, y, horizontal=True,
                    title=f"{label(what, lang)} · {label(key, lang)}", xlabel="",
                    ylabel=label(what, lang), fmt="¥{:,.0f}" if money else "{:,.0f}")
    ax.figure.set_size_inches(CHART_W, max(2.6, 0.3 * len(df) + 0.9))
    if money:
        ax.set_xlim(0, df[y].max() * 1.18)
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return _done(ax.figure)


def pay_slots(df: pd.DataFrame, lang: str, *, messages: bool):
    """Orders by hour paid, agent-served and silent stacked (all 24 hours shown)."""
    if df.empty:
        return None
    hours = df["pay_slot"].str.slice(0, 2).astype(int).to_numpy()
    agent, silent, total = (pd.Series(0.0, index=range(24)) for _ in range(3))
    agent[hours] = df["agent_orders"].to_numpy(dtype=float)
    total[hours] = df["orders"].to_numpy(dtype=float)
    fig, ax = plt.subplots(figsize=(CHART_W, 3.4))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    if messages:
        silent[hours] = df["silent_orders"].fillna(0).to_numpy(dtype=float)
        other = total - agent - silent
        ax.bar(range(24), agent, color="C0", label=label("agent_orders", lang))
        ax.bar(range(24), silent, bottom=agent, color="#b8c4d6",
               label=label("silent_orders", lang))
        if other.sum() > 0:
            ax.bar(range(24), other, bottom=agent + silent, color="#dddddd",
                   label=label("daily_attr_unknown", lang))
        ax.legend(frameon=False, loc="upper left")
    else:
        ax.bar(range(24), total, color="C0", label=label("paid_orders", lang))
    ax.set_xticks(range(0, 24, 2))
    ax.set_xlim(-0.6, 23.6)
    ax.set(title=f"{label('paid_orders', lang)} · {label('daily_pay_slots', lang)}",
           xlabel=label("daily_hour", lang), ylabel=label("paid_orders", lang))
    sns.despine(ax=ax)
    return _done(fig)


def funnel(agents: pd.DataFrame, lang: str):
    """Per agent: inquiries → inquiry buyers → orders credited (grouped bars)."""
    df = agents[agents["agent"] != TOTAL]
    df = df[pd.to_numeric(df["inquiries"], errors="coerce").fillna(0) > 0]
    if df.empty:
        return None
    cols = [c for c in ("inquiries", "inquiry_buyers", "orders")
            if c in df.columns and pd.to_numeric(df[c], errors="coerce").notna().any()]
    long = df.melt(id_vars="agent", value_vars=cols, var_name="what", value_name="n")
    long["n"] = pd.to_numeric(long["n"], errors="coerce").astype("float64")
    long["what"] = long["what"].map(lambda c: label("orders_credited" if c == "orders"
                                                    else c, lang))
    fig, ax = plt.subplots(figsize=(CHART_W, 3.4))
    sns.barplot(data=long, x="agent", y="n", hue="what", ax=ax,
                palette=["#b8c4d6", "C0", "C2"][:len(cols)])
    for container in ax.containers:
        ax.bar_label(container, fmt="%.0f", fontsize=7, padding=1)
    ax.set(title=label("daily_funnel", lang), xlabel="", ylabel="")
    ax.legend(title="", frameon=False, ncols=len(cols), loc="upper right")
    ax.set_ylim(0, long["n"].max() * 1.3)
    sns.despine(ax=ax)
    return _done(fig)


def response(sessions: pd.DataFrame, day, slow_gap_s: float, lang: str):
    """Distribution of the day's session first-response times per agent (box plot, agents
    ordered by their median), with the slow-answer line; values capped for legibility."""
    s = sessions[(sessions["date"] == day) & sessions["first_response_s"].notna()]
    if s.empty:
        return None
    order = s.groupby("agent")["first_response_s"].median().sort_values().index.tolist()
    cap = max(float(slow_gap_s) * 5, 600.0)
    data = s.assign(first_response_s=s["first_response_s"].clip(upper=cap))
    fig, ax = plt.subplots(figsize=(CHART_W, max(3.4, 0.3 * len(order) + 1.0)))
    sns.boxplot(data=data, y="agent", x="first_response_s", order=order, ax=ax,
                color="#b8c4d6", fliersize=2, width=0.6)
    ax.axvline(float(slow_gap_s), color="C3", lw=1, ls="--",
               label=f"{label('daily_slow_line', lang)} {slow_gap_s:.0f}s")
    ax.legend(loc="upper right", bbox_to_anchor=(1.0, -0.16), frameon=False, fontsize=8)
    ax.set(title=label("daily_response_distribution", lang), ylabel="",
           xlabel=f"{label('first_response_s', lang)} (≤ {cap:.0f})")
    sns.despine(ax=ax)
    return _done(fig)
