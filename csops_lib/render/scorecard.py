"""How scorecards are shown: metric labels, value formats, a scheme's dimensions and the
agent × scheme comparison table. The scoring itself is :mod:`csops_lib.metrics.scorecard`.
"""
from __future__ import annotations

from typing import Any

import pandas as pd

from csops_lib.metrics.scorecard import KpiConfig, Scheme
from csops_lib.render import formats
from csops_lib.render.html import TABLE_STYLES
from csops_lib.render.labels import LANGS, label

#: scorecard metric → format kind (render/formats.py); unknown metrics show as ``score``
METRIC_KINDS: dict[str, str] = {
    "sales": "money", "orders": "count", "buyers": "count", "inquiries": "count",
    "sessions": "count", "inquiry_conversion": "rate", "aov": "money", "reply_rate": "rate",
    "first_response_s": "seconds", "avg_response_s": "seconds", "within_3min_rate": "rate",
    "followup_conversion": "rate", "refund_self_resolved_rate": "rate", "satisfaction": "rate",
    "teamwork": "score1", "attitude": "score1", "discipline": "score1", "team_pk": "score",
    "unanswered": "count", "slow_sessions": "count", "long_sessions": "count",
    "inquiry_buyers": "count", "sessions_on_shift": "count", "queued_off_shift": "count",
    "reply_rate_on_shift": "rate", "first_response_on_shift_s": "seconds",
    "first_response_p90_on_shift_s": "seconds", "unanswered_on_shift": "count",
    "slow_on_shift": "count", "long_on_shift": "count",
}
#: metrics whose scorecard label is not their column's label (first_response_s is the
#: period's median in a scorecard)
LABEL_KEYS = {"first_response_s": "first_response_p50_s"}


def kind(metric: str) -> str:
    """The format kind of a scorecard metric."""
    return METRIC_KINDS.get(metric, "score")


def metric_label(metric: str, lang: str = "zh") -> str:
    """The display name of a scorecard metric."""
    return label(LABEL_KEYS.get(metric, metric), lang)


def fmt(metric: str, value: Any) -> str:
    """A metric value formatted for a report (``–`` when missing)."""
    return formats.fmt(None if formats.is_missing(value) else float(value), kind(metric))


def scheme_name(scheme: Scheme, lang: str = "zh") -> str:
    """The scheme's display name (its key when the yaml names none), marked in promo mode."""
    text = scheme.names[LANGS.index(lang)] or scheme.key
    return text + (label("sc_promo_suffix", lang) if scheme.promo else "")


def scheme_table(scheme: Scheme, lang: str = "zh", days: float | None = None) -> pd.DataFrame:
    """The scheme's dimensions for display (weights normalised, targets formatted); columns
    are label keys (relabel with :func:`csops_lib.render.html.table`)."""
    s = scheme.scaled(days) if days else scheme
    total = sum(d.weight for d in s.dimensions)
    sep = label("list_separator", lang)
    return pd.DataFrame([{
        "sc_dimension": metric_label(d.metric, lang),
        "sc_better": label(f"sc_{d.better}", lang),
        "sc_target": fmt(d.metric, d.target),
        "sc_weight": f"{d.weight / total:.0%}",
        "sc_roles": sep.join(label(f"sc_role_{r}", lang) for r in d.roles)
        or label("sc_all_roles", lang),
    } for d in s.dimensions])


def comparison_table(compare: pd.DataFrame, config: KpiConfig, lang: str = "zh"):
    """A styled agent × scheme table (score, rank, bonus per scheme) of
    :func:`csops_lib.metrics.scorecard.compare_schemes`, sorted by the shop's scheme's rank;
    every header and cell escaped."""
    levels = compare.columns.levels[0]
    shop = config.shop_scheme if config.shop_scheme in levels else levels[0]
    df = compare.sort_values([(shop, "rank"), (shop, "score")], ascending=[True, False])
    out = pd.DataFrame(index=df.index)
    shown = {}
    for key in dict.fromkeys(compare.columns.get_level_values(0)):
        name = scheme_name(config.schemes[key], lang) if key in config.schemes else key
        for fld, lab, k in (("score", "sc_score", "score1"), ("rank", "rank", "count"),
                            ("bonus", "sc_bonus", "money")):
            col = (name, label(lab, lang))
            out[col] = df[(key, fld)].astype("float64")
            shown[col] = formats.formatter(k)
    out.columns = pd.MultiIndex.from_tuples(out.columns)
    out.index.name = label("agent", lang)
    return (out.style.format(shown, na_rep=formats.MISSING, escape="html")
            .format_index(escape="html", axis=0).format_index(escape="html", axis=1)
            .set_table_styles(TABLE_STYLES))
