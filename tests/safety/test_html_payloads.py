"""HTML payloads in every free-text column that reaches a report stay text in every report.

The hostile shop (conftest.py) carries ``<script>alert(1)</script>``, ``<img src=x
onerror=alert(1)>`` and ``"><b>xss</b>`` in customers' chat messages (frequent questions),
product titles, callback notes, refund reasons, store, agent, team and promo names, customer
ids, supervisor notes and training modules. Each report is rendered once from it; the HTML is
then parsed: no element and no attribute may come from data, and where a value is shown its
escaped form is there.
"""
import re
from html.parser import HTMLParser

import pytest

from csops_lib import runner

WEEK, DAY, MONTH = "2026-W47", "2026-11-20", "2026-11"


class Elements(HTMLParser):
    """Every start tag (name, attributes) and the text inside each <b> and <script>."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.tags, self.bold, self.scripts, self._open = [], [], [], []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._open.append(tag)

    def handle_endtag(self, tag):
        if self._open and self._open[-1] == tag:
            self._open.pop()

    def handle_data(self, data):
        if self._open and self._open[-1] == "b":
            self.bold.append(data)
        if self._open and self._open[-1] == "script":
            self.scripts.append(data)


@pytest.fixture(scope="module")
def pages(payload_store, hostile, tmp_path_factory):
    """report → (HTML path, text, out_root), each report rendered once from the hostile shop."""
    jobs = {
        "weekly": ("weekly", {"week": WEEK}),
        "monthly": ("weekly", {"month": MONTH}),
        "daily": ("daily", {"date": DAY}),
        "agent_script": ("agent", {"agent": hostile.AGENTS["小美"], "week": WEEK}),
        "agent_quote": ("agent", {"agent": hostile.AGENTS["小雨"], "week": WEEK}),
        "promo": ("promo", {"promo": hostile.PROMO}),
        "what_if": ("what_if", {}),
    }
    out = {}
    for name, (report, overrides) in jobs.items():
        root = tmp_path_factory.mktemp(name)
        html = runner.run(report, overrides, data_dir=payload_store["store"], out_root=root,
                          progress=False)
        out[name] = (html, html.read_text(encoding="utf-8"), root)
    return out


REPORTS = ["weekly", "monthly", "daily", "agent_script", "agent_quote", "promo", "what_if"]


@pytest.mark.parametrize("name", REPORTS)
def test_no_payload_is_live_markup(pages, hostile, name):
    _, page, _ = pages[name]
    for raw in hostile.RAW:
        assert raw not in page, f"{name}: {raw!r} reached the HTML unescaped"
    parsed = Elements(page)
    assert not parsed.scripts and not [t for t, _ in parsed.tags if t == "script"]
    for tag, attrs in parsed.tags:
        assert not [a for a in attrs if a.lower().startswith("on")], (tag, attrs)
        if tag == "img":
            assert attrs.get("src", "").startswith("data:image/png;base64,"), attrs
    assert "xss" not in "".join(parsed.bold)


def _shown(page: str, value: str) -> bool:
    """``value`` appears in ``page`` escaped (quotes may be left as they are in text)."""
    escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped in page or escaped.replace('"', "&quot;") in page \
        or escaped.replace('"', "&#34;") in page


def test_weekly_shows_every_payload_escaped(pages, hostile):
    _, page, _ = pages["weekly"]
    for text in hostile.CHAT_TEXTS:  # the frequent questions, from customers' messages
        assert _shown(page, text), text
    for value in [*hostile.AGENTS.values(), *hostile.STORES.values(), *hostile.TEAMS.values(),
                  *(p + "回访备注" for p in hostile.PAYLOADS), "质量问题" + hostile.IMG]:
        assert _shown(page, value), value


def test_daily_shows_product_titles_and_agents_escaped(pages, hostile):
    _, page, _ = pages["daily"]
    titles = [t for t in hostile.PRODUCTS if _shown(page, t)]
    assert titles, "no product title with a payload is shown in the daily report"
    assert any(_shown(page, a) for a in hostile.AGENTS.values())


@pytest.mark.parametrize("name, agent", [("agent_script", "小美"), ("agent_quote", "小雨")])
def test_agent_profile_title_and_heading_are_escaped(pages, hostile, name, agent):
    html, page, root = pages[name]
    value = hostile.AGENTS[agent]
    title = re.search(r"<title>(.*?)</title>", page).group(1)
    assert _shown(title, value) and "<" not in title
    heading = re.search(r"<h1>(.*?)</h1>", page).group(1)
    assert _shown(heading, value) and "<" not in heading
    # the folder is one safe name directly under <out_root>/agent, even for "../../小雨…"
    assert html.parent.parent == root / "agent"
    assert not re.search(r'[<>"/\\]', html.parent.name)


def _escape_text(value: str) -> str:
    from html import escape

    return escape(value)


def test_promo_names_are_escaped_in_title_headings_and_tables(pages, hostile):
    html, page, root = pages["promo"]
    title = re.search(r"<title>(.*?)</title>", page).group(1)
    assert _shown(title, hostile.PROMO)
    assert _shown(page, hostile.PROMO_DISPLAY)
    for team in hostile.TEAMS.values():
        assert _shown(page, team), team
    assert html.parent.parent == root / "promo" and "<" not in html.parent.name


def test_what_if_shows_agents_escaped(pages, hostile):
    _, page, _ = pages["what_if"]
    assert any(_shown(page, a) for a in hostile.AGENTS.values())


def test_customer_ids_never_appear_raw(pages, hostile):
    """Customer ids carry payloads too: whether a report shows them (masked) or not, never as
    markup (checked above) and never whole."""
    for name in REPORTS:
        _, page, _ = pages[name]
        for cid in hostile.CUSTOMER_IDS:
            assert cid not in page and _escape_text(cid) not in page, (name, cid)


def test_a_product_title_with_dollars_is_charted_as_text():
    """matplotlib reads ``$…$`` as a formula, and ``$\\frac{1}$`` as a broken one that
    aborts the figure: the charts' style draws text from data as written."""
    import io

    import matplotlib.pyplot as plt

    from csops_lib.render import charts

    charts.setup_style()
    fig, ax = plt.subplots()
    ax.bar(["套装$\\frac{1}$"], [3])
    ax.set_title("满$10减$2")
    fig.savefig(io.BytesIO(), format="png")  # raised ValueError before text.parse_math=False
    plt.close(fig)
