"""The weekly / monthly review on the demo shop: sections, numbers, workbook, privacy, modes.

Each report is rendered once (module fixtures): the week in zh and in en, the month 2026-11
(the fixture covers 2026-11-02 … 11-22) and a copy of the shop without message logs.
"""
import html as html_lib
import re
import shutil
import subprocess

import matplotlib
import numpy as np
import openpyxl
import pandas as pd
import pytest

from csops_lib import runner, store
from csops_lib.metrics import agent_kpis, attribute_orders, build_sessions
from csops_lib.render import charts as chart_style
from csops_lib.render.labels import has_definition
from csops_lib.render.weekly import WeeklyView
from csops_lib.render.weekly import charts as weekly_charts
from csops_lib.render.weekly import text as weekly_text
from csops_lib.reports import weekly
from csops_lib.reports.weekly import DEFINED_WITH, KINDS, NOT_METRICS, SUB_TABLES, frames
from csops_lib.settings.shop import load_shop_params

WEEK = "2026-W47"
START, END = pd.Timestamp("2026-11-16"), pd.Timestamp("2026-11-23")  # END exclusive
SECTIONS = ["headline", "weekly_bridge", "daily_sales", "weekly_conversion", "weekly_attribution",
            "weekly_heatmap", "regions", "weekly_callbacks", "weekly_refunds", "weekly_dsr",
            "weekly_response", "weekly_questions", "agents", "appendix"]
CJK = re.compile(r"[\u4e00-\u9fff]")


def _render(demo_store, out, overrides, data_dir=None):
    html = runner.run("weekly", overrides, data_dir=data_dir or demo_store["store"],
                      out_root=out, progress=False)
    return html, html.read_text(encoding="utf-8"), html.with_suffix(".xlsx")


@pytest.fixture(scope="module")
def zh(demo_store, tmp_path_factory):
    return _render(demo_store, tmp_path_factory.mktemp("zh"), {})


@pytest.fixture(scope="module")
def en(demo_store, tmp_path_factory):
    return _render(demo_store, tmp_path_factory.mktemp("en"), {"lang": "en"})


@pytest.fixture(scope="module")
def review(demo_store):
    return weekly.load(demo_store["store"], WEEK)


@pytest.fixture(scope="module")
def orders(demo_store):
    return store.read(demo_store["store"], "orders")


@pytest.fixture(scope="module")
def week_paid(orders):
    return orders[(orders["paid_at"] >= START) & (orders["paid_at"] < END)]


def _cells(xlsx):
    wb = openpyxl.load_workbook(xlsx)
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            for v in row:
                if v is not None:
                    yield ws.title, v


# --------------------------------------------------------------------------- HTML
@pytest.mark.parametrize("fixture", ["zh", "en"])
def test_sections_toc_charts_and_no_code(fixture, request):
    _, text, _ = request.getfixturevalue(fixture)
    for key in SECTIONS:
        assert f'id="{key}"' in text and f'href="#{key}"' in text, key
    assert 'id="weekly_team"' not in text  # the team table is the monthly report's
    # 7 section charts + the sales bridge (issue 11)
    assert len(re.findall(r"<img [^>]*src=\"data:image/png;base64", text)) == 8
    for code in ("import ", "WeeklyView", "display(", "write_workbook"):
        assert code not in text
    for noise in ("Traceback", "Warning", "Building prefix dict",
                  'data-mime-type="application/vnd.jupyter.stderr"'):
        assert noise not in text
    assert len(text.encode()) < 5_000_000


def test_titles_and_labels_in_both_languages(zh, en):
    _, t_zh, _ = zh
    _, t_en, _ = en
    assert f"客服周报 {WEEK}" in t_zh and "核心指标" in t_zh and "前4周均值" in t_zh
    assert f"Customer-service weekly review {WEEK}" in t_en
    for word in ("Headline numbers", "4-week average", "Most frequent questions",
                 "Agent-served vs silent sales", "Appendix"):
        assert word in t_en
    for word in ("核心指标", "前4周均值", "常见问题", "客服排名", "附录"):
        assert word not in t_en


def test_provisional_conversion_is_marked(zh, en):
    """The fixture ends on the last day of the week: the last days are inside the window."""
    assert "11-19 起的询单仍在跟进窗口（D+3）内" in zh[1]
    assert "询单转化率 *" in zh[1]
    assert "still inside the follow-up window (D+3)" in en[1]


def test_appendix_prints_definitions_and_thresholds(zh, en):
    _, text, _ = zh
    assert "静默销售占比 = 静默订单" in text and "跟进窗口内（会话开始至 D+3 日结束）" in text
    assert "slow_gap_s" in text and "回复慢于此秒数即为一次慢响应" in text
    # the parameter table is translated, with units, and only the report's own thresholds
    assert "慢响应阈值" in text and "120 秒" in text and "3 天" in text
    assert "Slow answer threshold" in en[1] and "120 s" in en[1] and "3 days" in en[1]
    assert "sla_hours" not in text and "amount_return_base" not in text


def test_the_appendix_defines_every_metric_the_report_shows(review):
    """Every metric column of every section (and the headline's rows) is defined in the
    appendix, by its own key or by the group definition that covers it."""
    view = WeeklyView(review, "zh")
    defined = set(weekly.SECTIONS.defined(review))
    shown = set(frames.headline_rows(review)["key"])
    for key in view.keys():
        frame = weekly.SECTIONS.frame(key, review)
        shown |= set(map(str, frame.columns)) if frame is not None else set()
        for sub in SUB_TABLES.get(key, ()):
            shown |= set(map(str, sub.build(review).columns))
    metrics = {c for c in shown if c in KINDS and c not in NOT_METRICS}
    assert {"sales", "bridge_from_value", "reach_rate", "dsr_service"} <= metrics
    missing = sorted(c for c in metrics
                     if c not in defined and DEFINED_WITH.get(c) not in defined)
    assert not missing
    for key in defined:
        assert has_definition(key), key
    names = set(view.definitions_frame()["metric"])
    assert "销售额变化拆解" in names and "均值" in names


# --------------------------------------------------------------------------- promos
def test_the_average_leaves_out_the_promo_day_and_the_headline_says_so(review, zh, orders):
    """W47 against W46, which held Double-11 (11-11): the average is over W45 and W46
    without 11-11 (sums scaled to 7 days); the previous week's changes are not coloured."""
    rows = frames.headline_rows(review).set_index("key")
    paid = orders[orders["paid_at"].notna()]
    day = paid["paid_at"].dt.normalize()
    w45 = paid.loc[day.between("2026-11-02", "2026-11-08"), "amount"].sum()
    w46 = paid.loc[day.between("2026-11-09", "2026-11-15") & (day != "2026-11-11"),
                   "amount"].sum()
    assert rows.at["sales", "avg"] == pytest.approx((w45 + w46 * 7 / 6) / 2)
    assert rows.at["sales", "prev"] == pytest.approx(
        paid.loc[day.between("2026-11-09", "2026-11-15"), "amount"].sum())
    text = zh[1]
    assert "上周含促销活动（双11大促）：与其比较的变化不标颜色。" in text
    assert "前4周均值不含促销日：2026-W46 的 11-11（双11大促）" in text
    styler = weekly_text.headline_table(WeeklyView(review, "zh"))
    styler._compute()
    vs_prev = [props for (_, col), props in styler.ctx.items() if col == 4]
    assert vs_prev and not any(p == "color" for props in vs_prev for p, _ in props)


# --------------------------------------------------------------------------- bridge
def test_the_sales_bridge_adds_up_to_the_change_of_sales(review, orders, zh, en):
    paid = orders[orders["paid_at"].notna()]
    day = paid["paid_at"].dt.normalize()
    s0 = paid.loc[day.between("2026-11-09", "2026-11-15"), "amount"].sum()
    s1 = paid.loc[day.between("2026-11-16", "2026-11-22"), "amount"].sum()
    shop = frames.bridge_shop_frame(review).set_index("factor")
    assert shop.at["sales", "before"] == pytest.approx(s0)
    assert shop.at["sales", "contribution"] == pytest.approx(s1 - s0)
    assert shop["contribution"].iloc[:3].sum() == pytest.approx(s1 - s0, abs=1e-6)
    agents = frames.bridge_agent_frame(review)
    per_agent = agents[~agents["is_total"].astype(bool)]
    parts = per_agent[list(frames.AGENT_PARTS)].sum(axis=1)
    assert parts.to_numpy() == pytest.approx(per_agent["sales_delta"].to_numpy(), abs=1e-6)
    assert "销售额较上周" in zh[1] and "每买家日销售额" in zh[1] and "LMDI" in zh[1]
    assert "Sales bridge" in en[1] and "sales per buyer-day" in en[1]


# --------------------------------------------------------------------------- phones, charts
def test_the_headline_table_is_marked_to_fit_a_phone(zh):
    text = zh[1]
    table = re.search(r'<table class="(csops-phone[^"]*)" id="(T_\w+)"', text)
    assert table, "the headline table is not marked for phones"
    hidden = re.findall(r"csops-hide-c(\d+)", table.group(1))
    header = text[table.end():text.index("</thead>", table.end())]
    columns = len(re.findall(r"<th ", header))
    assert columns == 6 and columns - len(hidden) <= 4
    assert "@media (max-width: 600px)" in text


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine")
def test_the_headline_fits_a_390px_phone_screen(zh, tmp_path):
    """Lay the report out in Chromium in a 390 px wide frame (a phone's viewport: the
    media queries see 390 px) and measure the headline table's right edge."""
    _, text, _ = zh
    page = tmp_path / "probe.html"
    page.write_text(
        f'<html><body><iframe id="f" style="width:390px;height:800px;border:0" '
        f'srcdoc="{html_lib.escape(text, quote=True)}"></iframe><script>'
        "document.getElementById('f').addEventListener('load', () => { "
        "const d = document.getElementById('f').contentDocument; "
        "const t = d.querySelector('table.csops-phone').getBoundingClientRect(); "
        "document.body.setAttribute('data-probe', Math.ceil(t.right) + ' ' + "
        "d.documentElement.clientWidth + ' ' + d.documentElement.scrollWidth); });"
        "</script></body></html>", encoding="utf-8")
    dom = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                          "--hide-scrollbars", f"--user-data-dir={tmp_path / 'p'}",
                          "--window-size=800,900", "--virtual-time-budget=10000",
                          "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120)
    found = re.search(r'data-probe="(\d+) (\d+) (\d+)"', dom.stdout)
    assert found, dom.stderr[-2000:]
    right, width, page_width = map(int, found.groups())
    assert 370 <= width <= 390 and right <= width, (right, width)
    assert page_width <= 390, "something widens the page beyond the phone's screen"


@pytest.mark.parametrize("chart", ["daily_sales", "conversion", "attribution", "bridge",
                                   "response", "dsr"])
def test_chart_legends_sit_outside_the_plotting_area(review, chart):
    chart_style.setup_style()
    fig = getattr(weekly_charts, chart)(WeeklyView(review, "zh"))
    fig.canvas.draw()
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend()] + list(fig.legends)
    assert legends
    for legend in legends:
        box = legend.get_window_extent()
        for ax in fig.axes:
            assert not box.overlaps(ax.get_window_extent()), (chart, ax.get_title())
    matplotlib.pyplot.close(fig)


def test_the_ranking_marks_agents_whose_slow_or_long_sessions_stand_out(review, zh):
    view = WeeklyView(review, "zh")
    flags = view.standouts()
    sums = frames.agent_sums(review)
    judged = sums[sums["sessions"] >= 20]
    for col in ("slow_sessions", "long_sessions"):
        # independently: the share above median + 2 · max(1.4826 · MAD, 1 point)
        share = judged[col] / judged["sessions"]
        med = np.median(share)
        limit = med + 2 * max(1.4826 * np.median(np.abs(share - med)), 0.01)
        assert sorted(flags.index[flags[col]]) == sorted(share.index[share > limit])
    if flags.to_numpy().any():
        assert "红底：慢响应会话或长接待会话占本人会话的比例明显高于团队" in zh[1]
        assert "background: #fde2e1" in zh[1]


def test_no_phone_numbers_or_addresses_in_html_and_workbooks(zh, en, orders):
    phones = set(orders["phone"].dropna())
    assert len(phones) > 100
    details = {a.split()[-1] for a in orders["address"].dropna()}
    for _, text, xlsx in (zh, en):
        assert not set(re.findall(r"1\d{10}", text)) & phones
        assert not any(d in text for d in details)
        for _, v in _cells(xlsx):
            s = str(v)
            assert not set(re.findall(r"1\d{10}", s)) & phones
            assert s not in details


# --------------------------------------------------------------------------- numbers
def test_headline_sales_and_orders_match_the_store(zh, week_paid):
    _, text, _ = zh
    assert f"¥{week_paid['amount'].sum():,.2f}" in text
    assert f">{len(week_paid):,}<" in text


def test_silent_and_agent_served_sales_match_attribution(demo_store, review, orders, week_paid,
                                                         zh):
    p = load_shop_params()
    chats = store.read(demo_store["store"], "chats", "2026-11-13", "2026-11-22")
    att = attribute_orders(week_paid, build_sessions(chats, orders, params=p), p)
    silent = att.loc[att["attribution"].eq("silent"), "amount"].sum()
    served = att.loc[att["attribution"].isin(["field", "session"]), "amount"].sum()
    row = frames.attribution_frame(review).iloc[-1]
    assert row["silent_sales"] == pytest.approx(silent)
    assert row["agent_sales"] == pytest.approx(served)
    assert served + silent == pytest.approx(week_paid["amount"].sum())
    assert f"¥{silent:,.2f}" in zh[1]


def test_agent_table_sales_equal_agent_kpis(demo_store, review, orders):
    chats = store.read(demo_store["store"], "chats")
    k = agent_kpis(chats, orders, params=load_shop_params(), date_from="2026-11-16",
                   date_to="2026-11-22")
    expected = k.groupby("agent")["sales"].sum()
    table = frames.agent_frame(review).set_index("agent")
    pd.testing.assert_series_equal(table["sales"].sort_index(), expected.astype(float)
                                   .sort_index(), check_names=False)
    assert table["rank"].tolist() == list(range(1, len(table) + 1))
    assert table["sales"].is_monotonic_decreasing


def test_heatmap_total_is_the_weeks_paid_orders(review, week_paid, zh):
    grid = frames.heatmap_frame(review)
    assert grid.shape == (7, 24)
    assert int(grid.to_numpy().sum()) == len(week_paid)
    # Monday 10:00-11:00, counted independently
    mon10 = ((week_paid["paid_at"].dt.day_of_week == 0) & (week_paid["paid_at"].dt.hour == 10)).sum()
    assert grid.iloc[0, 10] == mon10
    wb = openpyxl.load_workbook(zh[2])
    ws = wb["付款时段"]
    total = sum(v for row in ws.iter_rows(min_row=3, min_col=2, values_only=True) for v in row)
    assert total == len(week_paid)


def test_regions_orders_and_visitors(review, week_paid, demo_store):
    regions = frames.regions_frame(review).head(5)
    expected = week_paid.groupby("province").size().sort_values(ascending=False)
    top = regions.iloc[0]
    assert top["paid_orders"] == expected.iloc[0]
    traffic = store.read(demo_store["store"], "traffic", "2026-11-16", "2026-11-22")
    uv = traffic.loc[traffic["province"] == top["province"], "uv"].sum()
    assert top["uv"] == uv and top["orders_per_uv"] == pytest.approx(top["paid_orders"] / uv)


def test_callbacks_refunds_and_questions(review, demo_store):
    cb = store.read(demo_store["store"], "callbacks", "2026-11-16", "2026-11-22")
    total = frames.callbacks_frame(review).iloc[-1]
    assert total["planned"] == len(cb)
    assert total["reached"] == cb["result"].astype(str).str.startswith("已接通").sum()
    refunds = store.read(demo_store["store"], "refunds")
    week = refunds[(refunds["applied_at"] >= START) & (refunds["applied_at"] < END)]
    assert frames.refunds_frame(review).iloc[-1]["refunds"] == len(week)
    q = frames.questions_frame(review)
    assert len(q) > 5 and q["messages"].is_monotonic_decreasing
    chats = store.read(demo_store["store"], "chats", "2026-11-16", "2026-11-22")
    said = chats.loc[chats["sender"].eq("customer"), "text"]
    assert (said == q["question"].iloc[0]).sum() <= q["messages"].iloc[0]


# --------------------------------------------------------------------------- workbook
@pytest.mark.parametrize("fixture", ["zh", "en"])
def test_workbook_layout(fixture, request):
    _, _, xlsx = request.getfixturevalue(fixture)
    wb = openpyxl.load_workbook(xlsx)
    first = {"zh": "核心指标", "en": "Headline"}[fixture]
    assert wb.sheetnames[0] == first and len(wb.sheetnames) >= 12
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A3"  # title row, header row
        assert all(c.font.bold for c in ws[2] if c.value is not None)
        if fixture == "en":
            assert not any(CJK.search(str(c.value)) for c in ws[2] if c.value is not None)
    agents = wb[{"zh": "客服排名", "en": "Agents"}[fixture]]
    header = {c.value: c.column_letter for c in agents[2]}
    sales = header[{"zh": "销售额(元)", "en": "Sales (yuan)"}[fixture]]
    rate = header[{"zh": "回复率", "en": "Reply rate"}[fixture]]
    secs = header[{"zh": "首次响应中位数(秒)", "en": "First response median (s)"}[fixture]]
    assert agents[f"{sales}3"].number_format == "¥#,##0.00"
    assert agents[f"{rate}3"].number_format == "0.0%"
    assert agents[f"{secs}3"].number_format == "0.0"
    assert agents.column_dimensions[sales].width >= 8


# --------------------------------------------------------------------------- monthly
@pytest.fixture(scope="module")
def month(demo_store, tmp_path_factory):
    out = tmp_path_factory.mktemp("month")
    return out, *_render(demo_store, out, {"month": "2026-11"})


def test_monthly_report_has_the_team_table(month, orders):
    out, html, text, xlsx = month
    assert html == out / "monthly" / "2026-11" / "monthly_2026-11_zh.html"
    assert "客服月报 2026-11" in text and "本月" in text and "前3月均值" in text
    assert 'id="weekly_team"' in text and "本月团队绩效" in text
    assert "本期数据只到 2026-11-22" in text and "前期无完整数据" in text
    nov = orders[(orders["paid_at"] >= "2026-11-01") & (orders["paid_at"] < "2026-12-01")]
    assert f"¥{nov['amount'].sum():,.2f}" in text
    team = pd.read_excel(xlsx, sheet_name="团队绩效", header=1, engine="openpyxl")
    assert {"售前组", "售后组"} <= set(team["组别"])
    totals = team[team["客服"] == "合计"]
    agents = team[team["客服"] != "合计"]
    assert totals["销售额(元)"].sum() == pytest.approx(agents["销售额(元)"].sum())


# --------------------------------------------------------------------------- no message logs
@pytest.fixture(scope="module")
def stats_only(demo_store, tmp_path_factory):
    base = tmp_path_factory.mktemp("stats_only")
    shutil.copytree(demo_store["store"], base / "store")
    shutil.rmtree(base / "store" / "chats")
    return base, *_render(demo_store, base / "out", {"lang": "en"}, data_dir=base / "store")


def test_agent_stats_only_still_runs_and_says_what_needs_messages(stats_only):
    base, _, text, xlsx = stats_only
    notes = re.findall(r'class="csops-note"><b>([^<]*)</b>', text)
    assert len(notes) == 1
    assert "need message logs" in notes[0]
    for name in ("frequent questions", "Agent-served vs silent sales", "Response-time trend",
                 "Long sessions", "Max concurrent"):
        assert name in notes[0]
    for key in ("weekly_questions", "weekly_response", "weekly_attribution"):
        assert f'id="{key}"' not in text
    for key in ("headline", "agents", "weekly_conversion", "weekly_heatmap", "regions"):
        assert f'id="{key}"' in text
    stats = store.read(base / "store", "agent_stats", "2026-11-16", "2026-11-22")
    top = stats.groupby("agent")["sales"].sum().sort_values(ascending=False)
    agents = pd.read_excel(xlsx, sheet_name="Agents", header=1, engine="openpyxl")
    assert agents["Agent"].iloc[0] == top.index[0]
    assert agents["Sales (yuan)"].iloc[0] == pytest.approx(top.iloc[0])
    assert "Orders" not in agents.columns  # the export has no orders per agent
