"""csops metric library: every definition of ``shared/METRICS.md`` implemented once.

Modules: :mod:`~csops_lib.metrics.funnel` (§1 tally funnel), :mod:`~csops_lib.metrics.sessions`
(§3 sessions, turns, outreach), :mod:`~csops_lib.metrics.chat` (§3 per agent-day chat metrics),
:mod:`~csops_lib.metrics.attribution` (§4 attribution, §2 inquiry outcomes),
:mod:`~csops_lib.metrics.sales` (§4 sales), :mod:`~csops_lib.metrics.conversion` (§2 store
conversion), :mod:`~csops_lib.metrics.refunds` (§5), :mod:`~csops_lib.metrics.kpis` (daily
KPI tables per agent and per store). Thresholds: :func:`csops_lib.settings.shop.load_shop_params`.
"""
from csops_lib.metrics._common import MetricInputError
from csops_lib.metrics.attribution import attribute_orders, inquiry_outcomes
from csops_lib.metrics.chat import (
    agent_day_stats,
    answer_question_ratio,
    auto_first_share,
    max_concurrent,
    platform_avg_response_s,
    response_time_quantiles,
    shunt_evenness,
    within_3min_rate,
)
from csops_lib.metrics.conversion import store_conversion, traffic_uv
from csops_lib.metrics.funnel import inconsistent_tally_rows, tally_funnel
from csops_lib.metrics.kpis import agent_kpis, store_kpis
from csops_lib.metrics.refunds import refund_metrics
from csops_lib.metrics.sales import paid_orders, pay_slot, pay_slot_shares, sales_metrics
from csops_lib.metrics.sessions import build_sessions, build_turns, outreach

__all__ = [
    "MetricInputError", "agent_day_stats", "agent_kpis", "answer_question_ratio",
    "attribute_orders", "auto_first_share", "build_sessions", "build_turns",
    "inconsistent_tally_rows", "inquiry_outcomes", "max_concurrent", "outreach", "paid_orders",
    "pay_slot", "pay_slot_shares", "platform_avg_response_s", "refund_metrics",
    "response_time_quantiles", "sales_metrics", "shunt_evenness", "store_conversion",
    "store_kpis", "tally_funnel", "traffic_uv", "within_3min_rate",
]
