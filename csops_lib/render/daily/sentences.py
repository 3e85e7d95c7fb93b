"""The daily report's anomaly sentences: a :class:`csops_lib.metrics.anomalies.Finding` (facts
only) worded from the catalog's templates (``daily_anom_*`` in labels.yaml), in either
language, with values formatted by :mod:`csops_lib.render.formats`."""
from __future__ import annotations

import math

from csops_lib.metrics.anomalies import Finding
from csops_lib.render.formats import fmt
from csops_lib.render.labels import label, sentence

#: metric → the catalog key of its name inside a sentence
NAME_KEYS = {
    "sales": "daily_anom_sales", "orders": "orders", "uv": "daily_anom_uv",
    "inquiry_conversion": "daily_same_day_conversion", "reply_rate": "daily_anom_reply_rate",
    "first_response_s": "daily_anom_first_response", "slow_sessions": "daily_anom_slow_sessions",
}
#: metric → format kind of its values (render/formats.py); others are counts
VALUE_KINDS = {"sales": "money0", "inquiry_conversion": "rate", "reply_rate": "rate"}


def value_text(metric: str, value: float, lang: str) -> str:
    """A metric's value as a sentence shows it (``¥6,000``, ``85.0%``, ``100 秒``, ``2.5``)."""
    if metric == "first_response_s":
        return sentence("daily_anom_seconds", lang, value=value)
    if metric == "slow_sessions" and value != round(value):
        return f"{value:,.1f}"  # a median of counts may be a half
    return fmt(value, VALUE_KINDS.get(metric, "count"))


def template_key(f: Finding) -> str:
    """The catalog key of the template that words ``f``."""
    if f.kind == "traffic":
        return f"daily_anom_traffic_{f.direction}"
    if f.kind == "volume":
        return f"daily_anom_volume_{f.direction}"
    if f.kind == "rate":
        who = "shop" if f.scope == "shop" else "agent"
        return f"daily_anom_{who}_rate_{f.direction}"
    if f.kind == "time":
        return f"daily_anom_time_{f.direction}"
    return "daily_anom_count"


def finding_text(f: Finding, lang: str = "zh") -> str:
    """The one plain sentence stating finding ``f`` in ``lang``."""
    change = f.change if not math.isnan(f.change) else f.value - f.baseline
    values = {
        "agent": label("daily_shop", lang) if f.scope == "shop" else f.scope,
        "basis": label(f"daily_basis_{f.basis}", lang),
        "value": value_text(f.metric, f.value, lang) if f.metric in NAME_KEYS else "",
        "base": value_text(f.metric, f.baseline, lang) if f.metric in NAME_KEYS else "",
        "name": label(NAME_KEYS[f.metric], lang) if f.metric in NAME_KEYS else "",
        "change": abs(change) if f.kind in ("volume", "traffic") else change,
        "points": change * 100,
        "orders_change": f.orders_change,
        "orders_fell": abs(f.orders_change),
    }
    return sentence(template_key(f), lang, **values)
