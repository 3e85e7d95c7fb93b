import numpy as np
import pandas as pd
import pytest

from csops_lib.metrics.agent_stats import kpis_from_agent_stats
from csops_lib.metrics.kpis import AGENT_KPI_COLUMNS


def test_kpis_from_agent_stats_by_hand():
    stats = pd.DataFrame({
        "date": pd.to_datetime(["2026-11-20", "2026-11-20", "2026-11-19"]),
        "agent": ["小美", "阿杰", "小美"],
        "served": [40, 25, 10], "consulted": [30, 20, 8],
        "inquiries": [20, 0, np.nan], "inquiry_paid": [9, 0, np.nan],
        "inquiry_conversion": [0.45, np.nan, 0.5],
        "sales": [1234.5, 0.0, 300.0], "aov": [137.1667, np.nan, 100.0],
        "reply_rate": [0.975, 1.0, np.nan],
        "avg_response_s": [18.0, 80.0, np.nan], "first_response_s": [12.0, 60.0, np.nan],
        "slow_responses": [1, 3, np.nan],
    })
    before = stats.copy()
    out = kpis_from_agent_stats(stats)
    pd.testing.assert_frame_equal(stats, before)  # input untouched
    assert list(out.columns[:len(AGENT_KPI_COLUMNS)]) == AGENT_KPI_COLUMNS
    assert list(out["agent"]) == ["小美", "小美", "阿杰"]  # sorted by date, agent
    mei = out.iloc[1]
    assert mei["sessions"] == 40 and mei["replied"] == 39 and mei["unanswered"] == 1  # 40 × .975
    assert mei["inquiry_conversion"] == pytest.approx(0.45)  # 9 / 20
    assert mei["buyers"] == 9  # 1234.5 / 137.1667
    jie = out.iloc[2]
    assert np.isnan(jie["inquiry_conversion"])  # 0 / 0 is missing, not 0
    assert np.isnan(jie["buyers"])               # aov missing
    earlier = out.iloc[0]
    assert earlier["inquiry_conversion"] == pytest.approx(0.5)  # no counts: exported rate
    assert np.isnan(earlier["replied"])                          # 延迟统计 stays missing
    assert out["long_sessions"].isna().all() and out["max_concurrent"].isna().all()
    assert (out["source"] == "agent_stats").all()


def test_agent_stats_of_the_demo_agree_with_the_chats(demo_store):
    """The demo's 赤兔-style export and the message-level KPIs give the same inquiries."""
    from csops_lib import store
    from csops_lib.metrics.kpis import agent_kpis

    s = demo_store["store"]
    day = "2026-11-18"
    stats = kpis_from_agent_stats(store.read(s, "agent_stats", day, day))
    chats = store.read(s, "chats", day, day)
    orders = store.read(s, "orders", "2026-11-01", "2026-11-22")
    k = agent_kpis(chats, orders, date_from=day, date_to=day)
    merged = stats.merge(k, on=["date", "agent"], suffixes=("_stats", "_chats"))
    assert len(merged) >= 8
    assert (merged["inquiries_stats"] == merged["inquiries_chats"]).all()
    assert (merged["sessions_stats"] == merged["sessions_chats"]).all()
