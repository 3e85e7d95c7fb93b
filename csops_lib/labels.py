"""zh / en labels for every metric, column, title and section shown in reports."""
from __future__ import annotations

import pandas as pd

LANGS = ("zh", "en")

#: key → (zh, en)
LABELS: dict[str, tuple[str, str]] = {
    # columns and metrics
    "date": ("日期", "Date"),
    "week": ("周", "Week"),
    "weekday": ("星期", "Weekday"),
    "hour": ("小时", "Hour"),
    "agent": ("客服", "Agent"),
    "store": ("店铺", "Store"),
    "province": ("省份", "Province"),
    "product": ("商品", "Product"),
    "pay_slot": ("付款时间段", "Payment slot"),
    "sales": ("销售额(元)", "Sales (yuan)"),
    "orders": ("订单数", "Orders"),
    "paid_orders": ("付款订单数", "Paid orders"),
    "buyers": ("买家数", "Buyers"),
    "aov": ("客单价(元)", "AOV (yuan)"),
    "items": ("件数", "Items"),
    "unit_price": ("件单价(元)", "Unit price (yuan)"),
    "items_per_buyer": ("客件数", "Items per buyer"),
    "sessions": ("接待会话数", "Sessions"),
    "presale_sessions": ("售前会话数", "Pre-sale sessions"),
    "replied": ("已回复会话", "Replied sessions"),
    "unanswered": ("未回复会话", "Unanswered sessions"),
    "reply_rate": ("回复率", "Reply rate"),
    "first_response_s": ("首次响应(秒)", "First response (s)"),
    "avg_response_s": ("平均响应(秒)", "Avg response (s)"),
    "slow_sessions": ("慢响应会话", "Slow sessions"),
    "long_sessions": ("长接待会话", "Long sessions"),
    "max_concurrent": ("最大同时接待", "Max concurrent"),
    "inquiries": ("询单人数", "Inquiries"),
    "inquiry_buyers": ("询单付款人数", "Inquiry buyers"),
    "inquiry_conversion": ("询单转化率", "Inquiry conversion"),
    "silent_orders": ("静默订单", "Silent orders"),
    "agent_orders": ("客服订单", "Agent-served orders"),
    "silent_sales": ("静默销售额(元)", "Silent sales (yuan)"),
    "agent_sales": ("客服销售额(元)", "Agent-served sales (yuan)"),
    "uv": ("访客数", "Visitors (UV)"),
    "value": ("数值", "Value"),
    "metric": ("指标", "Metric"),
    "this_period": ("本期", "This period"),
    "previous_period": ("上期", "Previous period"),
    "avg_4": ("前四期均值", "4-period average"),
    "change": ("环比", "Change"),
    "share": ("占比", "Share"),
    # titles
    "weekly_title": ("客服周报", "Customer-service weekly review"),
    "headline": ("核心指标", "Headline numbers"),
    "daily_sales": ("每日销售", "Sales by day"),
    "regions": ("地区分布", "Regions"),
    "payment_hours": ("付款时段", "Payment hours"),
    "appendix": ("附录：指标定义与阈值", "Appendix: metric definitions and thresholds"),
    "data_source": ("数据来源", "Data source"),
    "generated_at": ("生成时间", "Generated at"),
    "agents": ("客服排名", "Agent ranking"),
    "rank": ("排名", "Rank"),
    "auto": ("自动（数据中的最新时间）", "automatic (the latest time in the data)"),
    "definition": ("定义 / 取值", "Definition / value"),
    "first_response_p50_s": ("首次响应中位数(秒)", "First response median (s)"),
    "first_response_p90_s": ("首次响应P90(秒)", "First response p90 (s)"),
    "provisional_note": ("* 暂定：部分询单仍在跟进窗口内，转化率可能继续上升。",
                         "* Provisional: some inquiries are still inside the follow-up window; "
                         "conversion may still rise."),
}

#: metric key → (zh, en) definition, printed in every report's appendix (METRICS.md);
#: `{name}` placeholders are filled with the thresholds the report used
DEFINITIONS: dict[str, tuple[str, str]] = {
    "sales": ("付款订单的实付金额之和（元），按付款时间计。",
              "Sum of the amount actually paid on paid orders (yuan), by payment time."),
    "buyers": ("付款的不同买家数。", "Distinct customers with a paid order."),
    "aov": ("客单价 = 销售额 / 买家数。", "AOV = sales / buyers."),
    "sessions": ("会话：同一客服与同一买家在同一天、且买家至少发过一条消息的全部消息。",
                 "Session: all messages between one agent and one customer on one day that "
                 "hold at least one customer message."),
    "reply_rate": ("回复率 = 有客服回复的会话 / 会话数（自动回复不算回复）。",
                   "Reply rate = sessions with an agent answer / sessions (auto replies never "
                   "count)."),
    "first_response_p50_s": ("会话首轮的响应时间（秒）的中位数；P90 为第90百分位。",
                             "Median response time of a session's first turn (s); p90 is the "
                             "90th percentile."),
    "inquiries": ("询单人数：当天与该客服有售前会话的不同买家（按客服·日累计）。",
                  "Inquiries: distinct customers with a pre-sale session with the agent that "
                  "day (summed over agent-days)."),
    "inquiry_conversion": ("询单转化率 = 跟进窗口内（会话开始至 D+{followup_days} 日结束）付款的询单买家 / 询单人数。",
                           "Inquiry conversion = inquiring customers who paid from the session "
                           "start to the end of day D+{followup_days} / inquiries."),
    "slow_sessions": ("慢响应会话：超过{slow_gap_s}秒的回复多于{slow_times}次。",
                      "Slow session: more than {slow_times} answers slower than {slow_gap_s} s."),
    "long_sessions": ("长接待会话：任一轮等待回复超过{long_wait_s}秒。",
                      "Long session: any turn waited more than {long_wait_s} s for its answer."),
    "max_concurrent": ("最大同时接待：任一时刻 ±{concurrency_window_s} 秒内有消息的不同买家数的最大值。",
                       "Max concurrent: the largest number of distinct customers with a message "
                       "within ±{concurrency_window_s} s of one instant."),
}


def register(labels: dict[str, tuple[str, str]] | None = None,
             definitions: dict[str, tuple[str, str]] | None = None) -> None:
    """Add a module's own labels / definitions (each module keeps its labels beside its code).

    A key already registered with different text is an error, so two modules cannot silently
    give one column two names.
    """
    for target, new in ((LABELS, labels or {}), (DEFINITIONS, definitions or {})):
        for key, pair in new.items():
            if key in target and target[key] != tuple(pair):
                raise ValueError(f"label {key!r} already registered as {target[key]}")
            target[key] = tuple(pair)


def label(key: str, lang: str = "zh") -> str:
    """The label of `key` in `lang`; an unknown key is returned unchanged."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    pair = LABELS.get(key)
    return key if pair is None else pair[LANGS.index(lang)]


def relabel(df: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """A copy of `df` with its columns (and index names) renamed to labels in `lang`."""
    out = df.rename(columns=lambda c: label(str(c), lang))
    out.index = out.index.set_names([label(str(n), lang) if n else n for n in out.index.names])
    return out
