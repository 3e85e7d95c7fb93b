"""KPIs from a platform's per-agent export (`agent_stats`: 赤兔 售前明细表, 千牛 客服绩效).

Many shops have these daily aggregates and no message log. `kpis_from_agent_stats` maps them
onto the columns of `metrics.kpis.agent_kpis` so the daily and weekly reports can run from
them; what cannot be derived from aggregates is left missing (NaN) and listed in
`NEEDS_MESSAGES`, so a report can say in one line which sections need message logs.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from csops_lib.metrics._common import require
from csops_lib.metrics.kpis import AGENT_KPI_COLUMNS

#: report sections / metrics that need message-level chat logs
NEEDS_MESSAGES = ("long_sessions", "max_concurrent", "response_distribution",
                  "sessions_to_review", "frequent_questions", "within_3min_rate",
                  "unconverted_inquiries")


def kpis_from_agent_stats(agent_stats: pd.DataFrame) -> pd.DataFrame:
    """The agent-day KPI table (same leading columns as `agent_kpis`) from platform aggregates.

    Mapping (DATA.md `agent_stats`; units as in METRICS.md):

    * ``sessions`` = served (接待人数); ``presale_sessions`` = consulted (咨询人数);
    * ``replied`` = round(served × reply_rate); ``unanswered`` = served − replied;
    * ``reply_rate``, ``first_response_s``, ``avg_response_s``: as exported (the platform's
      own definitions, which may differ in detail from METRICS.md §3);
    * ``slow_sessions`` = slow_responses (慢响应人数: customers with a slow answer, the
      platform's count, not the ≥ 4-slow-answers rule);
    * ``inquiries`` (询单人数), ``inquiry_buyers`` = inquiry_paid (询单->最终付款人数);
      ``inquiry_conversion`` = inquiry_buyers / inquiries (NaN when inquiries is 0; the
      exported rate fills rows without counts);
    * ``sales`` (客服销售额), ``aov`` (客单价), ``buyers`` = round(sales / aov) (NaN when aov
      is 0 or missing); ``orders`` is not in the export (NaN);
    * ``long_sessions``, ``max_concurrent``: need messages (NaN).

    Missing values stay missing (a `延迟统计` cell is "not computed yet", never 0). One row per
    date and agent, sorted; the input is not modified. A ``source`` column says
    ``agent_stats``.
    """
    require(agent_stats, ["date", "agent"], "agent_stats")

    def col(name: str) -> pd.Series:
        if name in agent_stats.columns:
            return pd.to_numeric(agent_stats[name], errors="coerce").astype("float64")
        return pd.Series(np.nan, index=agent_stats.index)

    served, rate = col("served"), col("reply_rate")
    inquiries, paid = col("inquiries"), col("inquiry_paid")
    sales, aov = col("sales"), col("aov")
    replied = (served * rate).round()
    conversion = (paid / inquiries.where(inquiries > 0)).fillna(
        col("inquiry_conversion").where(inquiries.isna()))
    out = pd.DataFrame({
        "date": pd.to_datetime(agent_stats["date"]).dt.normalize(),
        "agent": agent_stats["agent"],
        "sessions": served,
        "presale_sessions": col("consulted"),
        "replied": replied,
        "unanswered": served - replied,
        "reply_rate": rate,
        "first_response_s": col("first_response_s"),
        "avg_response_s": col("avg_response_s"),
        "slow_sessions": col("slow_responses"),
        "long_sessions": np.nan,
        "max_concurrent": np.nan,
        "inquiries": inquiries,
        "inquiry_buyers": paid,
        "inquiry_conversion": conversion.round(4),
        "orders": np.nan,
        "sales": sales.round(2),
        "buyers": (sales / aov.where(aov > 0)).round(),
        "aov": aov.round(2),
        "next_day_buyers": col("next_day_paid"),
        "answer_question_ratio": col("answer_question_ratio"),
    })
    out["source"] = "agent_stats"
    out = out[AGENT_KPI_COLUMNS + ["next_day_buyers", "answer_question_ratio", "source"]]
    return out.sort_values(["date", "agent"], kind="stable").reset_index(drop=True)
