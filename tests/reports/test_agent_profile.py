"""The agent profile on the demo shop: rendered in zh and en, values equal to independent
computations from the store, every agent profiled, unknown agents refused with the list."""
import dataclasses
import re

import pandas as pd
import pytest

from csops_lib import runner, store
from csops_lib.metrics.attribution import inquiry_outcomes
from csops_lib.metrics.kpis import agent_kpis
from csops_lib.render.agent_profile import AgentProfile
from csops_lib.reports import agent_profile as report
from csops_lib.reports.agent_profile import UnknownAgentError
from csops_lib.settings.shop import load_shop_params

WEEK = "2026-W47"
START, END = "2026-11-16", "2026-11-22"


@pytest.fixture(scope="module")
def week_kpis(demo_store):
    s = demo_store["store"]
    p = load_shop_params()
    orders = store.read(s, "orders", "2026-10-01", "2026-11-30")
    chats = store.read(s, "chats", "2026-11-01", END)
    return agent_kpis(chats, orders, params=p, date_from=START, date_to=END)


@pytest.fixture(scope="module")
def xiaomei_zh(demo_store, tmp_path_factory):
    out = tmp_path_factory.mktemp("agent")
    html = runner.run("agent", {"agent": "小美"}, data_dir=demo_store["store"], out_root=out,
                      progress=False)
    return html, html.read_text(encoding="utf-8")


def test_profile_html_path_sections_and_no_code(xiaomei_zh):
    html, text = xiaomei_zh
    assert html.parent.name == f"小美_{WEEK}" and html.name == f"agent_小美_{WEEK}_zh.html"
    assert f"<title>客服个人档案 小美 {WEEK}</title>" in text
    for key in ("ap_overview", "ap_trend", "ap_funnel", "ap_response", "ap_review", "ap_lost",
                "ap_training", "ap_scorecard", "ap_appendix"):
        assert f'id="{key}"' in text and f'href="#{key}"' in text
    assert "优势" in text and "团队中位数" in text and "标准方案" in text
    assert len(re.findall(r"<img [^>]*src=\"data:image/png;base64", text)) == 3
    for code in ("import ", "AgentProfile.load", "display(", "Traceback", "Warning"):
        assert code not in text


def test_profile_numbers_equal_independent_sums(xiaomei_zh, week_kpis, demo_store):
    _, text = xiaomei_zh
    mine = week_kpis[week_kpis["agent"] == "小美"]
    sessions = int(mine["sessions"].sum())
    sales = float(mine["sales"].sum())
    conv = mine["inquiry_buyers"].sum() / mine["inquiries"].sum()
    row = re.search(r"接待会话数</td>\s*<td[^>]*>([\d,]+)</td>", text)
    assert row and int(row.group(1).replace(",", "")) == sessions
    assert f"¥{sales:,.2f}" in text and f"{conv:.1%}" in text
    phones = store.read(demo_store["store"], "orders")["phone"].dropna().unique()
    assert not set(re.findall(r"1\d{10}", text)).intersection(phones)
    customers = store.read(demo_store["store"], "chats", START, END)["customer_id"].unique()
    assert not any(f">{c}<" in text for c in customers[:500])  # customers are masked


def test_night_sessions_are_queued_off_shift_not_the_agents_gaps(xiaomei_zh, demo_store):
    """小美 works 08:00–16:00: sessions that started outside it are a group apart, her
    strengths / gaps and review list count only her own (on-shift) sessions, and the coaching
    document shows no colleague's score or bonus (issue 11)."""
    html, text = xiaomei_zh
    period = re.search(r"(\d{4}-\d\d-\d\d) – (\d{4}-\d\d-\d\d)", text).groups()
    p = load_shop_params()
    chats = store.read(demo_store["store"], "chats", period[0], period[1])
    from csops_lib.metrics.sessions import build_sessions

    s = build_sessions(chats, None, params=p)
    mine = s[s["agent"] == "小美"]
    night = mine[(mine["start"].dt.hour < 8) | (mine["start"].dt.hour >= 16)]
    assert len(night) > 0
    assert f"{len(night)} 个会话在本人班次（08:00–16:00）以外开始" in text
    review = text[text.index('id="ap_review"'):text.index('id="ap_off_shift"')]
    times = re.findall(r">\d\d-\d\d (\d\d):\d\d<", review)
    assert times and all(8 <= int(h) < 16 for h in times)  # only her own shift hours
    gaps = text[text.index("待改进"):text.index("提醒")] if "待改进" in text else ""
    assert "未回复" not in gaps
    # waits over an hour in hours and minutes, never a raw number of seconds
    assert not re.search(r">\d{1,3},\d{3}<", review)
    # the scorecard section: her own score, rank and the team median; no colleague named
    score = text[text.index('id="ap_scorecard"'):text.index('id="ap_appendix"')]
    others = set(store.read(demo_store["store"], "roster")["agent"]) - {"小美"}
    assert "团队中位数" in score and not any(o in score for o in others)
    # lost inquiries newest first
    lost = text[text.index('id="ap_lost"'):text.index('id="ap_training"')]
    starts = re.findall(r">(\d\d-\d\d \d\d:\d\d)<", lost)
    assert starts == sorted(starts, reverse=True)


def test_after_sales_agent_in_english(demo_store, tmp_path):
    html = runner.run("agent", {"agent": "阿芳", "lang": "en"}, data_dir=demo_store["store"],
                      out_root=tmp_path, progress=False)
    text = html.read_text(encoding="utf-8")
    assert "Agent profile · 阿芳" in text and "概览" not in text
    assert "after-sales role" in text  # the pre-sale funnel does not apply
    assert "Scorecard and bonus" in text and "Strengths" in text or "Gaps" in text


@pytest.fixture(scope="module")
def base(demo_store):
    from csops_lib.render import charts

    charts.setup_style()
    return AgentProfile.load(demo_store["store"], "小美", WEEK)


_ORDERS = {}


def _profile_of(base, agent, demo_store):
    """The same loaded data seen from another agent (loading once keeps the test fast)."""
    p = load_shop_params()
    if "o" not in _ORDERS:
        _ORDERS["o"] = store.read(demo_store["store"], "orders", "2026-10-01", "2026-11-30")
    orders = _ORDERS["o"]
    sessions = base.data.sessions
    own = sessions[(sessions["agent"] == agent) & sessions["date"].between(START, END)]
    data = dataclasses.replace(base.data, agent=agent,
                               outcomes=inquiry_outcomes(own, orders, params=p))
    return AgentProfile(data, base.lang)


def test_every_demo_agent_can_be_profiled(demo_store, week_kpis, base):
    agents = sorted(store.read(demo_store["store"], "roster")["agent"])
    assert len(agents) == 10
    for agent in agents:
        prof = _profile_of(base, agent, demo_store)
        weekly = report.weekly(prof.data)
        last = weekly[(weekly["agent"] == agent) & (weekly["week"] == pd.Timestamp(START))]
        expected = week_kpis.loc[week_kpis["agent"] == agent, "sessions"].sum()
        assert int(last["sessions"].sum()) == expected, agent
        for piece in (prof.title(), prof.overview_table(), prof.strengths_html(),
                      prof.funnel_table(), prof.response_table(), prof.review_table(),
                      prof.lost_table(), prof.training_table(), prof.score_line(),
                      prof.scorecard_table(), prof.ranking_table()):
            assert piece is not None
        if agent in ("阿芳", "小林"):  # charts (slower) for an after-sales and a new agent
            assert prof.trend_chart() and prof.funnel_chart() and prof.response_chart()
        assert set(prof.tables()) >= {"overview", "funnel", "scorecard"}


def test_new_agent_below_80_in_week_two_is_flagged(demo_store, base):
    prof = _profile_of(base, "小林", demo_store)
    t = report.training(prof.data)
    training = store.read(demo_store["store"], "training")
    hired = store.read(demo_store["store"], "roster").set_index("agent").loc["小林", "hired_on"]
    mine = training[training["agent"] == "小林"]
    week2 = mine[((mine["date"] - hired).dt.days // 7 + 1) == 2]
    assert len(t) == len(mine) and len(week2) > 0
    assert t["flag"].sum() == (week2["score"] < 80).sum() > 0
    assert any("80" in f for f in prof.strengths_and_gaps()["flags"])


def test_promo_day_is_scored_in_promo_mode(demo_store):
    prof = AgentProfile.load(demo_store["store"], "小美", date_from="2026-11-11",
                             date_to="2026-11-11")
    d = prof.data
    assert d.promo_mode and d.period.days == 1
    metrics = d.evaluation.scheme.metrics
    assert "team_pk" in metrics and "first_response_s" not in metrics
    assert d.evaluation.teams["winner"].sum() == 1


def test_unknown_agent_lists_the_known_agents(demo_store, tmp_path):
    with pytest.raises(UnknownAgentError, match="known agents: .*小美"):
        AgentProfile.load(demo_store["store"], "nobody", WEEK)
    with pytest.raises(runner.ReportError, match="unknown agent 'nobody'.*阿芳"):
        runner.run("agent", {"agent": "nobody"}, data_dir=demo_store["store"],
                   out_root=tmp_path, progress=False)
