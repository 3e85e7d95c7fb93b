"""The weekly review's charts: one function per section chart (``Section.chart`` names it),
each taking the view (a WeeklyView: its data and language) and returning a closed matplotlib figure."""
from __future__ import annotations

import re
import textwrap

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from csops_lib.render.charts import legend_outside
from csops_lib.render.formats import WEEKDAYS
from csops_lib.reports.weekly import frames

#: colours of the bridge's parts (volume, conversion, value, not split)
PART_COLOURS = ("#4c72b0", "#dd8452", "#55a868", "#b0b0b0")


def _done(fig):
    """Close a finished figure (so it is not drawn twice) and return it for `display`."""
    plt.close(fig)
    return fig


def _shade_period(view, ax) -> None:
    p = view.data.period
    ax.axvspan(pd.Timestamp(p.start), pd.Timestamp(p.end) + pd.Timedelta(hours=23),
               color="#eef3fa", zorder=0)


def daily_sales(view):
    """Sales per day: this week against last week by weekday (a month: by day of month)."""
    daily = frames.daily_sales_series(view.data)
    this, prev = view.tp("this"), view.tp("prev")
    daily["series"] = np.where(daily["pidx"] == 0, this, prev)
    fig, ax = plt.subplots(figsize=(9, 3.4))
    names = list(WEEKDAYS[view.lang])
    if view.data.kind == "week":
        daily["x"] = np.array(names)[daily["date"].dt.day_of_week]
        sns.barplot(data=daily, x="x", y="sales", hue="series", order=names,
                    hue_order=[prev, this], palette=["#b8c4d6", "C0"], ax=ax)
    else:
        daily["x"] = daily["date"].dt.day
        sns.lineplot(data=daily, x="x", y="sales", hue="series", hue_order=[prev, this],
                     palette=["#b8c4d6", "C0"], marker="o", ax=ax)
        ax.set_xticks(range(1, 32, 2))
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set(title=f"{view.t('daily_sales')} · {view.t('sales')}", xlabel="",
           ylabel=view.t("sales"))
    legend_outside(ax)
    sns.despine(ax=ax)
    return _done(fig)


def conversion(view):
    """Inquiry conversion by agent: this period against the previous and the average."""
    conv = frames.conversion_frame(view.data)
    names = {c: view.col(c) for c in ("this_period", "previous_period", "period_average")}
    long = conv.melt(id_vars="agent", value_vars=list(names), var_name="series",
                     value_name="rate")
    long["series"] = long["series"].map(names)
    fig, ax = plt.subplots(figsize=(9, max(2.8, 0.42 * len(conv) + 1.0)))
    sns.barplot(data=long, y="agent", x="rate", hue="series", orient="h",
                hue_order=[names["period_average"], names["previous_period"],
                           names["this_period"]],
                palette=["#d9dde4", "#b8c4d6", "C0"], ax=ax)
    this_bars = ax.containers[-1]
    ax.bar_label(this_bars, labels=[f"{v:.0%}" if pd.notna(v) else ""
                                    for v in this_bars.datavalues], fontsize=8, padding=2)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    title = view.t("inquiry_conversion") + (" *" if view.provisional else "")
    ax.set(title=title, xlabel="", ylabel="")
    handles, names_ = ax.get_legend_handles_labels()  # this period first, as in the bars
    legend_outside(ax, handles=handles[::-1], labels=names_[::-1])
    sns.despine(ax=ax)
    return _done(fig)


def attribution(view):
    """Stacked sales per period: credited by order field, by chat, and silent."""
    f = frames.attribution_frame(view.data)
    fig, ax = plt.subplots(figsize=(9, 3.4))
    x = np.arange(len(f))
    bottom = np.zeros(len(f))
    for key, colour in (("field_sales", "#4c72b0"), ("session_sales", "#8fb0de"),
                        ("silent_sales", "#dd8452")):
        vals = f[key].fillna(0.0).to_numpy()
        ax.bar(x, vals, bottom=bottom, color=colour, label=view.t(key), width=0.6)
        bottom += vals
    for xi, share, top in zip(x, f["silent_share"], bottom, strict=True):
        if pd.notna(share):
            ax.text(xi, top, f"{view.t('silent_share')} {share:.0%}", ha="center",
                    va="bottom", fontsize=8)
    ax.set_xticks(x, [view.data.period.shift(i).label for i in f["pidx"]])
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set(ylabel=view.t("sales"))
    ax.set_ylim(0, max(bottom.max(), 1) * 1.15)
    legend_outside(ax)
    sns.despine(ax=ax)
    return _done(fig)


def heatmap(view):
    """Heat map of paid orders by weekday × hour of payment (this period)."""
    grid = frames.heatmap_frame(view.data)
    grid.index = pd.Index(WEEKDAYS[view.lang], name=view.t("weekday"))
    grid.columns = pd.Index(range(24), name=view.t("hour"))
    fig, ax = plt.subplots(figsize=(9, 3.3))
    sns.heatmap(grid, annot=True, fmt="d", annot_kws={"fontsize": 6.5}, cmap="Blues",
                cbar=False, linewidths=0.3, linecolor="white", ax=ax)
    ax.set(title=view.t("paid_orders"), xlabel=view.t("hour"), ylabel="")
    ax.tick_params(axis="y", rotation=0)
    return _done(fig)


def regions(view):
    """Paid orders per province (top N) and, with traffic by province, orders per visitor."""
    by = frames.regions_frame(view.data).head(view.top_provinces)
    two = "orders_per_uv" in by and by["orders_per_uv"].notna().any()
    fig, axes = plt.subplots(1, 2 if two else 1, figsize=(9, 0.3 * len(by) + 1.2),
                             sharey=True, squeeze=False,
                             gridspec_kw={"width_ratios": [3, 2] if two else [1]})
    ax = axes[0][0]
    sns.barplot(data=by, y="province", x="paid_orders", color="C0", orient="h", ax=ax)
    ax.bar_label(ax.containers[0], fmt="{:,.0f}", fontsize=8, padding=2)
    ax.set(title=view.t("paid_orders"), xlabel="", ylabel="")
    if two:
        ax2 = axes[0][1]
        sns.barplot(data=by, y="province", x="orders_per_uv", color="C2", orient="h", ax=ax2)
        ax2.bar_label(ax2.containers[0], labels=[
            f"{v:.1%}" if pd.notna(v) else "" for v in ax2.containers[0].datavalues],
            fontsize=8, padding=2)
        ax2.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
        ax2.set(title=view.t("orders_per_uv"), xlabel="", ylabel="")
    for a in axes[0]:
        sns.despine(ax=a)
    fig.tight_layout()
    return _done(fig)


def dsr(view):
    """Daily DSR scores over the periods shown: one panel per dimension, a line per store."""
    d = view.data.dsr.copy()
    dims = [c for c in ("description", "service", "logistics") if c in d]
    fig, axes = plt.subplots(1, len(dims), figsize=(9, 2.8), sharey=True, squeeze=False)
    for ax, dim in zip(axes[0], dims, strict=True):
        sns.lineplot(data=d, x="date", y=dim, hue="store" if "store" in d else None, ax=ax,
                     legend=dim == dims[0], linewidth=1.2)
        ax.set(title=view.t(f"dsr_{dim}"), xlabel="", ylabel="")
        _shade_period(view, ax)
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
        ax.tick_params(axis="x", labelsize=7, rotation=30)
        sns.despine(ax=ax)
    first = axes[0][0]
    if first.get_legend() is not None:
        handles, names = first.get_legend_handles_labels()
        first.get_legend().remove()
        fig.legend(handles, names, loc="lower center", ncol=len(names), fontsize=8,
                   frameon=False)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return _done(fig)


def response(view):
    """Daily median and p90 of the first response over the periods shown."""
    f = frames.response_frame(view.data)
    fig, ax = plt.subplots(figsize=(9, 3.2))
    ax.plot(f["date"], f["first_response_p90_s"], color="#dd8452", marker=".",
            label=view.t("first_response_p90_s"))
    ax.plot(f["date"], f["first_response_p50_s"], color="C0", marker=".",
            label=view.t("first_response_p50_s"))
    _shade_period(view, ax)
    ax.set(xlabel="", ylabel=view.t("first_response_s"))
    ax.set_ylim(bottom=0)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
    legend_outside(ax)
    sns.despine(ax=ax)
    return _done(fig)


def _money(v: float) -> str:
    return f"{'+' if v >= 0 else '−'}¥{abs(v):,.0f}"


def _waterfall(view, ax, shop) -> None:
    """Previous sales → + each factor's part → this period's sales."""
    names = [view.tp("prev"), *[view.t(k) for k in shop["factor"].iloc[:3]], view.tp("this")]
    before, after = shop["before"].iloc[-1], shop["after"].iloc[-1]
    parts = shop["contribution"].iloc[:3].to_numpy(dtype=float)
    lows, heights, colours = [0.0], [before], ["#b8c4d6"]
    level = before
    for part in parts:
        lows.append(min(level, level + part))
        heights.append(abs(part))
        colours.append("#55a868" if part >= 0 else "#c44e52")
        level += part
    lows.append(0.0)
    heights.append(after)
    colours.append("C0")
    x = np.arange(len(names))
    ax.bar(x, heights, bottom=lows, color=colours, width=0.6)
    texts = [f"¥{before:,.0f}", *[_money(v) for v in parts], f"¥{after:,.0f}"]
    for xi, low, h, label in zip(x, lows, heights, texts, strict=True):
        ax.text(xi, low + h, label, ha="center", va="bottom", fontsize=7.5)
    short = [re.sub(r"\s*[(（][^()（）]*[)）]$", "", n) for n in names]  # no "(yuan)"
    # wide characters (CJK) need a narrower line than Latin words
    ax.set_xticks(x, [textwrap.fill(n, 8 if re.search("[\u3000-\u9fff]", n) else 16)
                      for n in short], fontsize=8)
    top = max(before, after, *(np.array(lows) + np.array(heights)))
    floor = min(lows[1:-1] + [before, after])
    ax.set_ylim(max(0.0, floor - (top - floor) * 0.6), top * 1.06)
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set(title=view.t("sales"), ylabel="")


def _agent_parts(view, ax, agents) -> None:
    """Each agent's change of agent-served sales: the parts stacked (rises right, falls
    left) and the change as a black mark."""
    rows = agents[~agents["is_total"].astype(bool)].iloc[::-1]
    y = np.arange(len(rows))
    right, left = np.zeros(len(rows)), np.zeros(len(rows))
    for key, colour in zip(frames.AGENT_PARTS, PART_COLOURS, strict=True):
        vals = rows[key].fillna(0.0).to_numpy(dtype=float)
        if key == "bridge_unsplit" and not vals.any():
            continue
        pos, neg = np.clip(vals, 0, None), np.clip(vals, None, 0)
        ax.barh(y, pos, left=right, color=colour, height=0.6, label=view.t(key))
        ax.barh(y, neg, left=left, color=colour, height=0.6)
        right += pos
        left += neg
    ax.scatter(rows["sales_delta"], y, marker="D", color="black", s=14, zorder=3,
               label=view.t("sales_delta"))
    ax.axvline(0, color="#555", linewidth=0.8)
    ax.set_yticks(y, rows["agent"].astype(str).tolist(), fontsize=8)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.tick_params(axis="x", labelsize=7.5)
    ax.set(title=view.t("weekly_bridge_agents"), xlabel="", ylabel="")


def bridge(view):
    """The sales bridge: the shop's sales from the previous period to this one through the
    visitors, conversion and value parts (top), and each agent's change of agent-served
    sales split into inquiries, conversion and value (below)."""
    shop = frames.bridge_shop_frame(view.data)
    agents = frames.bridge_agent_frame(view.data)
    panels = [p for p, f in (("shop", shop), ("agents", agents)) if not f.empty]
    heights = [3.0 if p == "shop" else 0.3 * len(agents) + 1.2 for p in panels]
    fig, axes = plt.subplots(len(panels), 1, figsize=(9, sum(heights) + 0.6 * len(panels)),
                             squeeze=False, gridspec_kw={"height_ratios": heights})
    for ax, panel in zip(axes[:, 0], panels, strict=True):
        if panel == "shop":
            _waterfall(view, ax, shop)
        else:
            _agent_parts(view, ax, agents)
            legend_outside(ax, where="below")
        sns.despine(ax=ax)
    fig.tight_layout()
    return _done(fig)
