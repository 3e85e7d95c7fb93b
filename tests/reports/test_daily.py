"""The daily report on the demo shop: notebook → HTML + workbook, both languages, values that
match `csops kpis`, no PII, and the agent_stats-only mode."""
import re
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from IPython.display import HTML

from csops_lib import runner, store
from csops_lib.privacy import mask_customer_id
from csops_lib.render.daily import DailyView
from csops_lib.render.excel import NUMBER_FORMATS
from csops_lib.reports.daily import SECTIONS, TOTAL, chase_examples_frame
from csops_lib.reports.kpis import run_kpis

DATE = "2026-11-20"  # a Friday inside the demo fixture (3 weeks ending Sunday 2026-11-22)
SECTION_IDS = ("headline", "daily_anomalies", "daily_deals", "daily_agents", "daily_served",
               "daily_chase", "daily_reminders", "daily_callbacks", "appendix")


def _render(demo_store, out, **overrides):
    html = runner.run("daily", {"date": DATE, **overrides}, data_dir=demo_store["store"],
                      out_root=out, progress=False)
    return html, html.read_text(encoding="utf-8"), html.with_suffix(".xlsx")


@pytest.fixture(scope="module")
def zh(demo_store, tmp_path_factory):
    return _render(demo_store, tmp_path_factory.mktemp("daily_zh"))


@pytest.fixture(scope="module")
def en(demo_store, tmp_path_factory):
    return _render(demo_store, tmp_path_factory.mktemp("daily_en"), lang="en")


@pytest.fixture(scope="module")
def daily(demo_store):
    return DailyView.load(demo_store["store"], DATE)


@pytest.fixture(scope="module")
def kpis(demo_store):
    """`csops kpis --store … --from DATE --to DATE`, computed independently of the report."""
    table = run_kpis(store_dir=demo_store["store"], date_from=DATE, date_to=DATE).table
    assert len(table) > 3
    return table.set_index("agent")


def _cells(path):
    wb = openpyxl.load_workbook(path)
    return wb, [c.value for ws in wb for row in ws.iter_rows() for c in row
                if c.value is not None]


def test_paths_title_toc_sections_and_no_code(zh):
    html, text, xlsx = zh
    assert html.parent.name == DATE and xlsx.exists()
    assert f"<title>客服日报 {DATE}</title>" in text and f"客服日报 {DATE}" in text
    assert "(周五)" in text
    for key in SECTION_IDS:
        assert f'href="#{key}"' in text and f'id="{key}"' in text
    for words in ("异常提醒", "追单名单", "催付名单", "回访情况", "按省份", "按付款时间段", "按商品",
                  "附录：指标定义与阈值", "平均首次响应(秒)", "首次响应P90(秒)", "暂定", "同口径可比"):
        assert words in text
    assert len(re.findall(r"<img [^>]*src=\"data:image/png;base64", text)) >= 5
    for code in ("import ", "DailyView.load", "display(", "charts.setup_style"):
        assert code not in text
    for noise in ("Traceback", "Warning", 'data-mime-type="application/vnd.jupyter.stderr"'):
        assert noise not in text
    assert len(text.encode()) < 5_000_000


def test_english_report(en):
    _, text, xlsx = en
    assert f"<title>Customer-service daily report {DATE}</title>" in text
    for words in ("Headline numbers", "Anomalies", "Inquiries to chase", "Payment reminders",
                  "Agents", "(Friday)", "Provisional", "like for like"):
        assert words in text
    for zh_words in ("核心指标", "异常提醒", "客服表现", "追单名单"):
        assert zh_words not in text
    wb = openpyxl.load_workbook(xlsx)
    assert "Agents" in wb.sheetnames and "Headline numbers" in wb.sheetnames


def test_agent_numbers_match_csops_kpis(daily, kpis, zh):
    """The agents table (HTML, tables(), workbook) shows `csops kpis` for the day."""
    _, text, xlsx = zh
    table = daily.tables()["客服表现"].set_index("客服")
    columns = {"sessions": "接待会话数", "inquiries": "询单人数", "orders": "订单数",
               "sales": "销售额(元)", "reply_rate": "回复率",
               "first_response_s": "平均首次响应(秒)",  # csops kpis' first response is a mean
               "slow_sessions": "慢响应会话", "long_sessions": "长接待会话"}
    for agent, row in kpis.iterrows():
        for key, col in columns.items():
            assert table.loc[agent, col] == pytest.approx(float(row[key]), nan_ok=True), (agent, key)
        if row["sales"] > 0:
            assert f"¥{row['sales']:,.2f}" in text
    assert table.loc["合计", "销售额(元)"] == pytest.approx(kpis["sales"].sum())
    ws = openpyxl.load_workbook(xlsx)["客服表现"]
    head = [c.value for c in ws[2]]
    sheet = {r[0]: dict(zip(head, r, strict=True)) for r in ws.iter_rows(min_row=3,
                                                                          values_only=True)}
    for agent, row in kpis.iterrows():
        assert sheet[agent]["销售额(元)"] == pytest.approx(row["sales"])
        assert sheet[agent]["接待会话数"] == row["sessions"]
        assert sheet[agent]["回复率"] == pytest.approx(row["reply_rate"], nan_ok=True)


def test_headline_sales_is_the_sum_of_the_days_payments(demo_store, zh, daily):
    _, text, _ = zh
    orders = store.read(demo_store["store"], "orders")
    paid = orders[orders["paid_at"].between(DATE, f"{DATE} 23:59:59.999")]
    assert f"¥{paid['amount'].sum():,.2f}" in text
    served = daily.frame("daily_served").set_index("attribution")
    assert served.loc[TOTAL, "orders"] == len(paid)


def test_no_phone_address_or_unmasked_buyer_in_html_or_workbook(demo_store, zh, en, daily):
    orders = store.read(demo_store["store"], "orders")
    phones = set(orders["phone"].dropna())
    addresses = set(orders["address"].dropna())
    assert len(phones) > 100
    buyers = set(daily.data.chase["customer_id"]) | set(daily.data.due["customer_id"])
    assert buyers
    for _, text, xlsx in (zh, en):
        assert not phones.intersection(re.findall(r"1\d{10}", text))
        assert not any(a in text for a in addresses)
        assert not any(b in text for b in buyers)
        _, cells = _cells(xlsx)
        blob = "\n".join(str(v) for v in cells)
        assert not phones.intersection(re.findall(r"1\d{10}", blob))
        assert not any(a in blob for a in addresses)
        assert not any(b in blob for b in buyers)


def test_workbook_has_frozen_headers_and_number_formats(zh):
    _, _, xlsx = zh
    wb, _ = _cells(xlsx)
    assert {"核心指标", "客服表现", "追单名单", "催付名单", "按省份", "附录：指标定义与阈值"} <= set(
        wb.sheetnames)
    for ws in wb:
        assert ws.freeze_panes == "A3", ws.title  # title row, then the header row
        assert all(c.font.b for c in ws[2] if c.value is not None)
    agents = wb["客服表现"]
    fmt = {c.value: agents.cell(row=3, column=c.column).number_format for c in agents[2]}
    assert fmt["销售额(元)"] == NUMBER_FORMATS["money"]
    assert fmt["回复率"] == NUMBER_FORMATS["rate"]
    assert fmt["平均首次响应(秒)"] == NUMBER_FORMATS["seconds"]
    assert fmt["接待会话数"] == NUMBER_FORMATS["count"]
    head = wb["核心指标"]
    assert head["A3"].value == "销售额(元)" and head["B3"].number_format == NUMBER_FORMATS["money"]


def test_chase_list_is_counts_per_agent_and_masked_examples_for_the_boss(daily, zh):
    """Issue 11: the daily report (HTML and workbook) goes to the boss: the chase list is its
    counts per agent (and a few masked examples in the HTML); the buyers themselves are on
    the agents' chase sheets (`csops chase`, tests/render/test_chase_sheet.py). This replaces
    the former test that the workbook held the whole list."""
    _, text, xlsx = zh
    chase = daily.data.chase
    per_agent = chase.groupby("agent").size()
    cap = daily.data.params["chase_per_agent"]
    assert len(chase) > 30 and (per_agent > cap).any()
    ws = openpyxl.load_workbook(xlsx)["追单名单"]
    head = [c.value for c in ws[2]]
    assert head == ["客服", "待追人数", "列入追单表", "明天截止"]
    sheet = {r[0]: r[1:] for r in ws.iter_rows(min_row=3, values_only=True)}
    assert ws.max_row - 2 == len(per_agent) + 1                    # one row per agent + total
    for agent, n in per_agent.items():
        last = int((chase.loc[chase["agent"] == agent, "days_left"] == 1).sum())
        assert sheet[agent] == (n, min(n, cap), last)
    assert sheet["合计"][0] == len(chase)
    # a few masked examples in the HTML, the most worth chasing first, masks all distinct
    k = daily.data.settings["chase_examples"]
    examples = chase_examples_frame(daily.data)
    assert len(examples) == k and examples["priority"].tolist() == list(range(1, k + 1))
    assert examples["customer"].is_unique
    for masked in examples["customer"]:
        assert masked in text
    assert f"最值得先追的 {k} 位（买家已脱敏）" in text


def test_masked_buyers_never_collide(daily):
    """Two customers never share a mask (the old `tb***c` did on the demo day)."""
    ids = daily.data.chase["customer_id"].astype("string")
    assert (ids.str.slice(0, 2) + "***" + ids.str.slice(-1)).nunique() < ids.nunique()
    assert mask_customer_id(ids).nunique() == ids.nunique()


def test_reminder_list_on_the_last_day(demo_store):
    """On the fixture's last day some orders are still unpaid: each listed order follows the
    rule, checked against the store."""
    r = DailyView.load(demo_store["store"], "2026-11-22")
    rem = r.data.due
    assert len(rem) > 0
    orders = store.read(demo_store["store"], "orders").set_index("order_id")
    reminded = set(store.read(demo_store["store"], "reminders")["order_id"])
    end = pd.Timestamp("2026-11-23")
    for row in rem.itertuples():
        o = orders.loc[row.order_id]
        assert pd.isna(o["paid_at"]) and o["status"] == "unpaid"
        assert end - pd.Timedelta(days=3) <= o["created_at"] <= end - pd.Timedelta(hours=2)
        assert row.order_id not in reminded
    assert SECTIONS.frame("daily_reminders", r.data)["customer"].str.contains(r"\*\*\*").all()


def test_agent_stats_only_store(demo_store, tmp_path):
    """Without message logs the report runs from the platform export and says, in one line,
    which sections need message logs."""
    copy = tmp_path / "store"
    shutil.copytree(demo_store["store"], copy)
    shutil.rmtree(copy / "chats")
    r = DailyView.load(copy, DATE, lang="en")
    assert r.data.mode == "agent_stats"
    note = r.needs_messages_note()
    assert note.startswith("Only the platform's per-agent export") and "\n" not in note
    assert "Inquiries to chase" in note and "Long sessions" in note
    stats = store.read(copy, "agent_stats", DATE, DATE).set_index("agent")
    agents = r.frame("daily_agents").set_index("agent")
    for agent, row in stats.iterrows():
        assert agents.loc[agent, "sessions"] == row["served"]
        assert agents.loc[agent, "reply_rate"] == pytest.approx(row["reply_rate"])
    # the notebook's own cells, executed in-process (a third papermill run costs ~10 s)
    shown = _run_cells(copy, lang="en")
    html = "".join(o.data if isinstance(o, HTML) else o.to_html() for o in shown
                   if isinstance(o, HTML) or hasattr(o, "to_html"))
    assert note in html.replace("&#x27;", "'")
    assert "Inquiries to chase (追单) needs message logs." in html
    assert "Agent-served and silent orders needs message logs." in html


def _run_cells(data_dir, **params):
    """Execute notebooks/daily_report.py cell by cell with `params`, returning what each cell
    displayed (the parameters cell first, then the overrides, as papermill does)."""
    import jupytext

    nb = jupytext.read(Path(__file__).resolve().parents[2] / "notebooks" / "daily_report.py")
    shown = []
    ns = {"display": shown.append}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        source = cell.source.replace("from IPython.display import display  # noqa: E402", "")
        exec(compile(source, "daily_report", "exec"), ns)  # noqa: S102
        if "parameters" in cell.metadata.get("tags", []):
            ns.update(data_dir=str(data_dir), date=DATE, xlsx_path="", **params)
    return shown
