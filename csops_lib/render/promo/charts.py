"""The promo retrospective's charts (matplotlib figures; labels from the catalog). Each
function takes the :class:`~csops_lib.render.promo.view.PromoView` (used as its method)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from csops_lib.render.promo.text import ratio_text


def _done(fig):
    for ax in fig.axes:
        sns.despine(ax=ax)
    plt.close(fig)
    return fig


def hourly_chart(view):
    """Mean sessions per hour: promo vs baseline."""
    prof = view.frame("promo_hourly")
    fig, ax = plt.subplots(figsize=(9, 3.6))
    ax.plot(prof["hour"], prof["promo"], marker="o", color="C3",
            label=view._t("promo_sessions_promo"))
    ax.plot(prof["hour"], prof["baseline"], marker="o", color="#8c9bb0",
            label=view._t("promo_sessions_baseline"))
    ax.set(title=view._t("promo_hourly"), xlabel=view._t("hour"),
           ylabel=view._t("sessions"), xticks=range(0, 24, 2))
    ax.legend()
    return _done(fig)


def capacity_chart(view):
    """Peak concurrent customers per promo hour (red: over capacity) and the capacity line."""
    cap = view.frame("promo_capacity")
    x = np.arange(len(cap))
    fig, ax = plt.subplots(figsize=(9, 3.8))
    over = cap["over_capacity"].fillna(False).astype(bool).to_numpy()
    ax.bar(x, cap["peak_concurrent"].astype("float64"),
           color=np.where(over, "C3", "C0"), label=view._t("peak_concurrent"))
    k = view.settings["concurrency"]
    ax.step(x, cap["capacity"], where="mid", color="black", linewidth=1.8,
            label=f"{view._t('capacity')} ({view._t('agents_on_shift')} × {k})")
    ax.step(x, cap["needed_online"].astype("float64") * k, where="mid", color="C2",
            linewidth=1.6, linestyle="--",
            label=f"{view._t('promo_capacity_planned')} ({view._t('needed_online')} × {k})")
    if view.data.n_days == 1:
        ticks = [(i, f"{int(h):02d}:00") for i, h in enumerate(cap["hour"]) if h % 2 == 0]
    else:
        ticks = [(i, f"{d:%m-%d} {h:02d}h") for i, (d, h) in
                 enumerate(zip(cap["date"], cap["hour"], strict=True)) if h % 6 == 0]
    ax.set_xticks([i for i, _ in ticks], [s for _, s in ticks], rotation=0, fontsize=8)
    ax.set(title=view._t("promo_capacity"), ylabel=view._t("promo_customers"))
    ax.set_ylim(0, ax.get_ylim()[1] * 1.3)  # room for the legend above the bars
    ax.legend(loc="upper left", fontsize=8, ncol=3)
    return _done(fig)


def wave_chart(view):
    """Pre-sale and after-sales sessions per day, with the pre-sale : after-sales ratio."""
    d = view.frame("promo_daily")
    x = np.arange(len(d))
    fig, ax = plt.subplots(figsize=(9, 3.8))
    ax.bar(x - 0.2, d["presale_sessions"], width=0.4, color="C0",
           label=view._t("presale_sessions"))
    ax.bar(x + 0.2, d["after_sales_sessions"], width=0.4, color="C1",
           label=view._t("after_sales_sessions"))
    for i, (share, ph) in enumerate(zip(d["presale_share"], d["phase"], strict=True)):
        if pd.notna(share):
            top = max(d["presale_sessions"].iloc[i], d["after_sales_sessions"].iloc[i])
            ax.annotate(ratio_text(share), (i, top), ha="center", va="bottom", fontsize=8,
                        color="C3" if ph in ("promo", "wave") else "#555")
    ax.set_xticks(x, [f"{dd:%m-%d}\n{view._phase(ph)}" for dd, ph in
                      zip(d["date"], d["phase"], strict=True)], fontsize=7)
    ax.set(title=view._t("promo_wave") + view._t("promo_wave_ratio_suffix"),
           ylabel=view._t("sessions"))
    ax.set_ylim(0, ax.get_ylim()[1] * 1.1)  # room for the ratio labels
    ax.legend(fontsize=8, loc="upper left")
    return _done(fig)


def staffing_chart(view):
    """Agents needed per hour (online and rostered) against those on shift this time."""
    plan = view.frame("promo_staffing")
    fig, ax = plt.subplots(figsize=(9, 3.8))
    ax.bar(plan["hour"], plan["needed_roster"].astype("float64"), color="#9ecae1",
           label=view._t("needed_roster"))
    ax.bar(plan["hour"], plan["needed_online"].astype("float64"), color="C0", width=0.5,
           label=view._t("needed_online"))
    ax.step(plan["hour"], plan["agents_on_shift"], where="mid", color="black", linewidth=1.8,
            label=view._t("agents_on_shift") + f" ({view._t('promo_window')})")
    ax.set(title=view._t("promo_staffing"), xlabel=view._t("hour"),
           ylabel=view._t("headcount"), xticks=range(0, 24, 2))
    ax.set_ylim(0, ax.get_ylim()[1] * 1.3)  # room for the legend above the bars
    ax.legend(fontsize=8, loc="upper left", ncol=3)
    return _done(fig)
