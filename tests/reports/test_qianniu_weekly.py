"""A shop whose chat logs are ONLY Qianniu (千牛) chat text files: `csops ingest` takes them into
the store and the weekly review renders from it, with the same KPIs as the same messages
ingested from a table export (issue 12, item 1, "done when").

The demo shop's exports are used for everything else (orders, refunds, roster …); its chats
table is written as Qianniu text, one file per agent and week, by
:func:`csops_lib.demo.qianniu_export.write_qianniu` (UTF-8 / BOM / GBK, \\n / \\r\\n, padded and
one-digit times, nicks touching the time, `-->` headers, delivery states, auto-reply markers).
The table export it is compared with carries what a Qianniu window carries: time, agent,
customer, sender, store and text (no session id, category or agreed-to-buy flag).
"""
import datetime as dt

import pandas as pd
import pytest

from csops_lib import kpis, runner, store
from csops_lib.demo import generate
from csops_lib.demo.qianniu_export import write_qianniu

DEMO_END = dt.date(2026, 11, 22)  # as tests/conftest.py (the demo_store fixture's last day)
WEEK_FROM, WEEK_TO = "2026-11-16", "2026-11-22"
_TABLE_ZH = {"sent_at": "消息时间", "agent": "客服", "customer_id": "买家", "sender": "发送方角色",
             "store": "店铺", "text": "内容"}


@pytest.fixture(scope="module")
def shops(demo_store, tmp_path_factory):
    root = tmp_path_factory.mktemp("qianniu_shop")
    chats = generate(weeks=3, seed=7, end=DEMO_END)["chats"]  # the demo_store's chats
    others = sorted(p for p in demo_store["exports"].iterdir()
                    if p.is_file() and not p.name.startswith("chats_"))
    texts = write_qianniu(chats, root / "qianniu")
    table = chats[list(_TABLE_ZH)].assign(sent_at=chats["sent_at"].dt.strftime("%Y-%m-%d %H:%M:%S"))
    table_file = root / "chats_table.csv"
    table.rename(columns=_TABLE_ZH).to_csv(table_file, index=False, encoding="utf-8-sig")
    from_text = store.ingest([*others, *texts], root / "store_text")
    from_table = store.ingest([*others, table_file], root / "store_table")
    return {"root": root, "chats": chats, "texts": texts, "text": root / "store_text",
            "table": root / "store_table", "from_text": from_text, "from_table": from_table}


def test_every_message_of_the_text_files_is_loaded(shops):
    reports = [r for r in shops["from_text"].reports if r.source == "Qianniu chat text"]
    assert len(reports) == len(shops["texts"]) > 10
    assert sum(r.rows_loaded for r in reports) == len(shops["chats"])
    assert sum(r.rows_quarantined for r in reports) == 0
    encodings = {r.encoding for r in reports}
    assert encodings == {"utf-8", "utf-8-sig", "gb18030"}
    stored = store.read(shops["text"], "chats")
    assert len(stored) == len(shops["chats"])
    assert stored["sender"].value_counts().to_dict() == shops["chats"]["sender"].value_counts() \
        .to_dict()


@pytest.mark.parametrize("by", ["date,agent", "date,store"])
def test_same_kpis_as_the_table_export_of_the_same_messages(shops, by):
    from_text = kpis(shops["text"], WEEK_FROM, WEEK_TO, by=by)
    from_table = kpis(shops["table"], WEEK_FROM, WEEK_TO, by=by)
    assert len(from_text) > 5
    if by == "date,agent":  # message metrics are there (not only the order ones)
        for column in ("sessions", "first_response_s", "reply_rate", "answer_question_ratio",
                       "auto_first_share", "inquiry_conversion"):
            assert from_text[column].notna().any(), column
        assert from_text["sessions"].sum() > 100
    pd.testing.assert_frame_equal(from_text, from_table)


def test_the_weekly_review_renders_from_text_only_chats(shops, tmp_path):
    html = runner.run("weekly", {}, data_dir=shops["text"], out_root=tmp_path, progress=False)
    text = html.read_text(encoding="utf-8")
    for section in ("headline", "weekly_response", "weekly_attribution", "agents"):
        assert f'id="{section}"' in text, section
    assert html.with_suffix(".xlsx").exists()
