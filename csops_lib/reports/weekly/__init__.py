"""The weekly (and monthly) review: :func:`load` the period and the periods before it (4 weeks,
or 3 months), pure frame builders (``frames.py``) and the registry of its sections.

The view (:mod:`csops_lib.render.weekly`) turns each section's frame into a heading, a table,
a chart and sentences; the table of contents, the workbook's sheets and the appendix come
from :data:`SECTIONS`. Adding a section is one entry here plus its builder.
"""
from __future__ import annotations

from csops_lib.reports.sections import Registry, Section
from csops_lib.reports.weekly import frames
from csops_lib.reports.weekly.data import HISTORY, WeeklyData, load

__all__ = ["DEFINED_WITH", "HISTORY", "KINDS", "MESSAGE_SECTIONS", "NOT_METRICS", "REPORT_NEEDS", "SECTIONS", "SUB_TABLES",
           "Section", "WeeklyData", "frames", "load"]

#: the format kind (render/formats.py) of every column the report shows (text when absent)
KINDS: dict[str, str] = {
    **dict.fromkeys(["sales", "aov", "agent_sales", "silent_sales", "field_sales",
                     "session_sales", "refund_amount", "sales_before", "sales_delta",
                     "contribution", "bridge_from_inquiries", "bridge_from_conversion",
                     "bridge_from_value", "bridge_unsplit"], "money"),
    **dict.fromkeys(["orders", "paid_orders", "buyers", "sessions", "inquiries",
                     "inquiry_buyers", "slow_sessions", "long_sessions", "max_concurrent", "uv",
                     "rank", "agent_orders", "silent_orders", "refunds", "closed_refunds",
                     "planned", "called", "reached", "satisfied", "problems", "messages",
                     "customers", "count"], "count"),
    **dict.fromkeys(["reply_rate", "inquiry_conversion", "store_conversion", "silent_share",
                     "refund_self_resolved_rate", "refund_dispute_rate", "reach_rate",
                     "satisfaction_rate", "share", "orders_per_uv", "this_period",
                     "previous_period", "period_average"], "rate"),
    **dict.fromkeys(["first_response_p50_s", "first_response_p90_s", "first_response_s"],
                    "seconds"),
    **dict.fromkeys(["refund_processing_p50_h", "refund_processing_p90_h"], "hours"),
    **dict.fromkeys(["dsr_description", "dsr_service", "dsr_logistics"], "score"),
    **dict.fromkeys([f"{h:02d}" for h in range(24)], "count"),
    "sales_change": "change",
    "date": "date",
}

#: metric columns defined in the appendix under another key (a group's definition covers
#: them); :data:`NOT_METRICS` are columns that are not metrics (periods, ranks, hours)
DEFINED_WITH: dict[str, str] = {
    **dict.fromkeys(["field_sales", "session_sales", "silent_sales", "agent_orders",
                     "silent_orders"], "agent_sales"),
    **dict.fromkeys(["planned", "called", "reached", "satisfied", "problems", "count"],
                    "weekly_callbacks"),
    "reach_rate": "satisfaction_rate",
    **dict.fromkeys(["refunds", "closed_refunds", "refund_amount"], "weekly_refunds"),
    "refund_processing_p90_h": "refund_processing_p50_h",
    "first_response_p90_s": "first_response_p50_s",
    **dict.fromkeys(["dsr_description", "dsr_service", "dsr_logistics"], "weekly_dsr"),
    **dict.fromkeys(["messages", "customers"], "weekly_questions"),
    **dict.fromkeys(["sales_before", "sales_delta", "contribution", "bridge_from_inquiries",
                     "bridge_from_conversion", "bridge_from_value", "bridge_unsplit",
                     "bridge_buyer_value", "bridge_inquiry_value"], "weekly_bridge"),
    "first_response_s": "weekly_platform_first_response",
}
NOT_METRICS = frozenset({"date", "rank", "this_period", "previous_period",
                         *(f"{h:02d}" for h in range(24))})

#: sections that need message-level chat logs (besides NEEDS_MESSAGES' metrics)
MESSAGE_SECTIONS = ("weekly_attribution", "weekly_response", "weekly_questions")
#: NEEDS_MESSAGES keys this report shows: a metric (its own label) or a whole section
REPORT_NEEDS = {"long_sessions": "long_sessions", "max_concurrent": "max_concurrent",
                "response_distribution": "weekly_response",
                "frequent_questions": "weekly_questions"}

#: the sections in report order (the table of contents lists those the data allow)
SECTIONS = Registry([
    Section("headline", frames.headline_frame, kinds=KINDS,
            defines=("sales", "paid_orders", "buyers", "aov", "uv", "store_conversion",
                     "silent_share", "sessions", "reply_rate", "first_response_p50_s",
                     "inquiries", "inquiry_conversion", "slow_sessions", "long_sessions",
                     "weekly_refunds", "refund_processing_p50_h", "satisfaction_rate",
                     "weekly_dsr", "period_average")),
    Section("weekly_bridge", frames.bridge_shop_frame, needs=("bridge_ready",), kinds=KINDS,
            chart="bridge", defines=("weekly_bridge", "bridge_buyer_value",
                                     "bridge_inquiry_value")),
    Section("daily_sales", frames.daily_frame, kinds=KINDS, chart="daily_sales"),
    Section("weekly_conversion", frames.conversion_frame, needs=("this_inquiries",),
            kinds=KINDS, chart="conversion"),
    Section("weekly_attribution", frames.attribution_frame, needs=("chat_attributed",),
            kinds=KINDS, chart="attribution", defines=("agent_sales", "silent_share")),
    Section("weekly_heatmap", frames.heatmap_frame, needs=("this_paid",), kinds=KINDS,
            chart="heatmap"),
    Section("regions", frames.regions_frame, needs=("this_provinces",), kinds=KINDS,
            chart="regions", defines=("paid_orders", "uv", "orders_per_uv")),
    Section("weekly_callbacks", frames.callbacks_frame, needs=("this_callbacks",),
            kinds=KINDS, defines=("weekly_callbacks", "satisfaction_rate")),
    Section("weekly_refunds", frames.refunds_frame, needs=("this_refunds",), kinds=KINDS,
            defines=("weekly_refunds", "refund_processing_p50_h", "refund_self_resolved_rate",
                     "refund_dispute_rate", "share")),
    Section("weekly_dsr", frames.dsr_frame, needs=("dsr",), kinds=KINDS, chart="dsr",
            defines=("weekly_dsr",)),
    Section("weekly_response", frames.response_frame, needs=("chat_sessions",), kinds=KINDS,
            chart="response"),
    Section("weekly_questions", frames.questions_frame, needs=("chat_messages",), kinds=KINDS,
            defines=("weekly_questions", "share")),
    Section("agents", frames.agent_frame, needs=("this_kpis",), kinds=KINDS,
            defines=("sales", "sales_change", "orders", "aov", "inquiries",
                     "inquiry_conversion", "sessions", "reply_rate", "first_response_p50_s",
                     "slow_sessions", "long_sessions", "max_concurrent")),
    Section("weekly_team", frames.team_frame, needs=("month_kpis",), kinds=KINDS,
            defines=("sales", "orders", "inquiries", "inquiry_conversion", "reply_rate",
                     "first_response_p50_s", "slow_sessions", "long_sessions")),
    Section("appendix", None, sheet=False),
])

#: second tables of a section, shown (and written to the workbook) after its main one
SUB_TABLES: dict[str, tuple[Section, ...]] = {
    "weekly_callbacks": (Section("weekly_problem_notes", frames.callback_problems_frame,
                                 kinds=KINDS, sheet=False),),
    "weekly_refunds": (Section("weekly_refund_reasons", frames.refund_reasons_frame,
                               kinds=KINDS),),
    "weekly_bridge": (Section("weekly_bridge_agents", frames.bridge_agent_frame, kinds=KINDS),),
}
