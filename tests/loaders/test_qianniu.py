"""Qianniu (千牛) chat text → the chats table: hand-written files in every variant of the format
(issue 12 item 1), with the expected rows written out by hand."""
import pandas as pd
import pytest

from csops_lib import cli
from csops_lib.loaders import LoadError, load, qianniu
from csops_lib.settings.qianniu import QianniuSettings

SHOP = "星河家居旗舰店"

ONE = """\
tb_buyer1 2026-11-20 10:00:05
在吗？这款沙发有优惠吗
https://item.taobao.com/item.htm?id=123456
¥1299.00
星河家居旗舰店:小雨 2026-11-20 10:00:20
【自动回复】亲，欢迎光临，客服马上就来~
星河家居旗舰店:小雨 2026-11-20 10:01:10
您好，在的
现在下单立减100
已读
tb_buyer1 2026-11-20 10:02:00
好的
未读
tb_buyer1 撤回了一条消息
星河家居旗舰店:小雨 2026-11-20 10:03:00
优惠券链接：
https://shop.taobao.com/coupon?x=1
发送中
"""


def _write(tmp_path, name, text, encoding="utf-8", newline="\n"):
    path = tmp_path / name
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


def _rows(frame):
    """(sent_at, agent, customer_id, sender, store) of each loaded message."""
    out = frame[["sent_at", "agent", "customer_id", "sender", "store"]].astype(object)
    return [(str(r[0]), *r[1:]) for r in out.itertuples(index=False)]


def test_one_conversation_messages_content_states_recall_and_auto(tmp_path):
    df, report = load(_write(tmp_path, "one.txt", ONE))
    assert report.table == "chats" and report.source == "Qianniu chat text"
    assert _rows(df) == [
        ("2026-11-20 10:00:05", "小雨", "tb_buyer1", "customer", SHOP),
        ("2026-11-20 10:00:20", "小雨", "tb_buyer1", "auto", SHOP),
        ("2026-11-20 10:01:10", "小雨", "tb_buyer1", "agent", SHOP),
        ("2026-11-20 10:02:00", "小雨", "tb_buyer1", "customer", SHOP),
        ("2026-11-20 10:03:00", "小雨", "tb_buyer1", "agent", SHOP),
    ]
    # multi-line content with the link and the ¥ price card kept; states and recalls are not
    assert df["text"].tolist() == [
        "在吗？这款沙发有优惠吗\nhttps://item.taobao.com/item.htm?id=123456\n¥1299.00",
        "【自动回复】亲，欢迎光临，客服马上就来~",
        "您好，在的\n现在下单立减100",
        "好的",
        "优惠券链接：\nhttps://shop.taobao.com/coupon?x=1",
    ]
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (5, 5, 0)
    assert report.events == {"delivery_state": 3, "recalled": 1}
    assert str(df["sent_at"].dtype) == "datetime64[ns]"


@pytest.mark.parametrize("encoding,newline", [
    ("utf-8", "\n"), ("utf-8-sig", "\r\n"), ("gbk", "\r\n"), ("gbk", "\n"), ("utf-8", "\r\n")])
def test_encodings_and_line_ends_read_the_same(tmp_path, encoding, newline):
    text = ONE.replace("¥", "￥") if encoding == "gbk" else ONE  # GBK has the full-width ￥
    df, report = load(_write(tmp_path, "enc.txt", text, encoding, newline))
    reference, _ = load(_write(tmp_path, "ref.txt", text))
    pd.testing.assert_frame_equal(df, reference)
    assert report.encoding == {"utf-8": "utf-8", "utf-8-sig": "utf-8-sig",
                               "gbk": "gb18030"}[encoding]
    assert "\r" not in "".join(df["text"])


def test_nick_touching_the_time_and_one_digit_month_day_hour(tmp_path):
    text = ("tb_2026x2026-3-5 9:07:08\n你好\n"
            "星河家居旗舰店:阿芳2026-3-5 9:08:00\n在的\n"
            "tb_2026x 2026-12-25 23:59:59\n谢谢\n")
    df, _ = load(_write(tmp_path, "digits.txt", text))
    assert _rows(df) == [
        ("2026-03-05 09:07:08", "阿芳", "tb_2026x", "customer", SHOP),
        ("2026-03-05 09:08:00", "阿芳", "tb_2026x", "agent", SHOP),
        ("2026-12-25 23:59:59", "阿芳", "tb_2026x", "customer", SHOP),
    ]


def test_sub_account_gives_agent_and_store_full_width_colon_too(tmp_path):
    text = ("星河家居专营店：大伟 2026-11-20 10:00:00\n您好\n"
            "tb_c 2026-11-20 10:00:30\n有货吗\n")
    df, _ = load(_write(tmp_path, "sub.txt", text))
    assert df["agent"].tolist() == ["大伟", "大伟"]
    assert df["store"].tolist() == ["星河家居专营店", "星河家居专营店"]
    assert df["sender"].tolist() == ["agent", "customer"]


MANY = """\
星河家居旗舰店:小雨的千牛聊天记录
tb_a 2026-11-20 9:00:00
在吗
星河家居旗舰店:小雨 2026-11-20 9:00:30
在的
========================
星河家居旗舰店:小雨 2026-11-20 9:30:00
亲，您的订单已发货
tb_b 2026-11-20 9:31:00
好的谢谢
tb_c 2026-11-20 9:40:00
能便宜点吗
星河家居旗舰店:小雨 2026-11-20 9:41:00
已经是最低价了
------------------------
与 tb_d 的聊天记录
星河家居旗舰店:小雨 2026-11-20 10:00:00
亲，还在考虑吗？
"""


def test_many_conversations_by_separator_new_customer_and_title(tmp_path):
    df, report = load(_write(tmp_path, "many.txt", MANY))
    assert _rows(df) == [
        ("2026-11-20 09:00:00", "小雨", "tb_a", "customer", SHOP),
        ("2026-11-20 09:00:30", "小雨", "tb_a", "agent", SHOP),
        # after the separator the agent speaks first: the customer is the one who answers
        ("2026-11-20 09:30:00", "小雨", "tb_b", "agent", SHOP),
        ("2026-11-20 09:31:00", "小雨", "tb_b", "customer", SHOP),
        # a new customer nick starts a new conversation (no separator needed)
        ("2026-11-20 09:40:00", "小雨", "tb_c", "customer", SHOP),
        ("2026-11-20 09:41:00", "小雨", "tb_c", "agent", SHOP),
        # only the agent spoke: the title names the customer
        ("2026-11-20 10:00:00", "小雨", "tb_d", "agent", SHOP),
    ]
    assert report.rows_read == report.rows_loaded == 7 and report.rows_quarantined == 0


TRANSFER = """\
当前用户来自 手机淘宝 商品详情页
tb_e 2026-11-20 22:50:00
这个有现货吗
由 服务助手 转交给 星河家居旗舰店:小美
原因：【离线留言自动分配】
tb_e 2026-11-21 8:00:00
在吗
星河家居旗舰店:小美 2026-11-21 8:30:00
在的，有现货
原因：仓库刚到货
由 星河家居旗舰店:小美 转交给 星河家居旗舰店:老陈
tb_e 2026-11-21 8:40:00
退货怎么弄
星河家居旗舰店:老陈 2026-11-21 8:45:00
我来帮您处理
"""


def test_transfers_give_the_customer_to_the_new_agent_and_are_events(tmp_path):
    df, report = load(_write(tmp_path, "transfer.txt", TRANSFER))
    assert _rows(df) == [
        # before anyone answered: the agent the customer was handed to
        ("2026-11-20 22:50:00", "小美", "tb_e", "customer", SHOP),
        ("2026-11-21 08:00:00", "小美", "tb_e", "customer", SHOP),
        ("2026-11-21 08:30:00", "小美", "tb_e", "agent", SHOP),  # "原因：…" here is text
        # after 小美 handed over, the customer's messages are 老陈's
        ("2026-11-21 08:40:00", "老陈", "tb_e", "customer", SHOP),
        ("2026-11-21 08:45:00", "老陈", "tb_e", "agent", SHOP),
    ]
    assert df["text"].tolist()[2] == "在的，有现货\n原因：仓库刚到货"
    assert report.events == {"system": 2, "transfer": 2}
    assert report.rows_quarantined == 0
    read = qianniu.parse(TRANSFER, QianniuSettings())
    assert read.transfers == [
        {"line": 4, "customer_id": "tb_e", "from": "服务助手", "to": "小美"},
        {"line": 11, "customer_id": "tb_e", "from": "小美", "to": "老陈"},
    ]


ARROWS = """\
tb_f --> 星河家居旗舰店:小林 2026-11-22 14:00:00
你好，包邮吗
tb_f --> 星河家居旗舰店:小林 2026-11-22 14:00:10
在吗
星河家居旗舰店:小林 --> tb_f 2026-11-22 14:02:00
包邮的亲
"""


def test_arrow_headers_name_sender_and_receiver(tmp_path):
    df, _ = load(_write(tmp_path, "arrows.txt", ARROWS))
    assert _rows(df) == [
        ("2026-11-22 14:00:00", "小林", "tb_f", "customer", SHOP),
        ("2026-11-22 14:00:10", "小林", "tb_f", "customer", SHOP),
        ("2026-11-22 14:02:00", "小林", "tb_f", "agent", SHOP),
    ]
    # an unanswered window: the arrow still names the agent
    df, report = load(_write(tmp_path, "unanswered.txt", ARROWS.split("星河家居旗舰店:小林 -->")[0]))
    assert df["agent"].tolist() == ["小林", "小林"] and report.rows_quarantined == 0


def test_auto_replies_by_marker_or_bot_nick(tmp_path):
    text = ("tb_g 2026-11-20 10:00:00\n在吗\n"
            "店小蜜 2026-11-20 10:00:01\n亲，请问有什么可以帮您\n"
            "星河家居旗舰店:小雨 2026-11-20 10:00:02\n[自动回复]您好，稍等\n"
            "星河家居旗舰店:小雨 2026-11-20 10:00:03\n自动回复：晚上好\n"
            "星河家居旗舰店:小雨 2026-11-20 10:01:00\n这款扫地机器人很好用\n")
    df, _ = load(_write(tmp_path, "auto.txt", text))
    assert df["sender"].tolist() == ["customer", "auto", "auto", "auto", "agent"]
    # the bot's message belongs to the agent in charge of the window
    assert df["agent"].tolist() == ["小雨"] * 5


def test_auto_markers_and_agents_are_shop_settings(tmp_path, monkeypatch):
    params = tmp_path / "qianniu.yaml"
    params.write_text("auto_markers: ['#AUTO#']\nagents: ['客服小王']\nstore: 小店\n",
                      encoding="utf-8")
    monkeypatch.setattr(QianniuSettings, "file_path", classmethod(lambda cls: params))
    text = ("tb_h 2026-11-20 10:00:00\n在吗\n"
            "客服小王 2026-11-20 10:00:01\n#AUTO# 稍等\n"
            "客服小王 2026-11-20 10:00:30\n【自动回复】这不是本店的标记\n")
    df, _ = load(_write(tmp_path, "settings.txt", text))
    assert df["sender"].tolist() == ["customer", "auto", "agent"]
    assert df["agent"].tolist() == ["客服小王"] * 3 and df["store"].tolist() == ["小店"] * 3


def test_main_account_by_prefix_is_an_agent_and_its_own_store():
    text = ("tb_p 2026-11-20 10:00:00\n在吗\n星河家居旗舰店 2026-11-20 10:00:20\n在的\n")
    read = qianniu.parse(text, QianniuSettings(subaccount_prefixes=[SHOP]))
    assert read.messages[["agent", "customer_id", "sender", "store"]].values.tolist() == [
        [SHOP, "tb_p", "customer", SHOP], [SHOP, "tb_p", "agent", SHOP]]


def test_customer_pattern_tells_the_customer_when_agents_use_plain_nicks():
    text = ("小王 2026-11-20 10:00:00\n您好\nbuyer_9 2026-11-20 10:00:20\n你好\n")
    read = qianniu.parse(text, QianniuSettings(customer_pattern=r"^buyer_"))
    assert read.messages[["agent", "customer_id", "sender"]].values.tolist() == [
        ["小王", "buyer_9", "agent"], ["小王", "buyer_9", "customer"]]


def test_a_bad_settings_file_is_one_load_error(tmp_path, monkeypatch):
    params = tmp_path / "qianniu.yaml"
    params.write_text("customer_pattern: '('\n", encoding="utf-8")
    monkeypatch.setattr(QianniuSettings, "file_path", classmethod(lambda cls: params))
    with pytest.raises(LoadError, match=r"bad\.txt: .*customer_pattern: not a regular expression"):
        load(_write(tmp_path, "bad.txt", ONE))


BROKEN = """\
以下内容是从别处粘贴的
第二行
tb_i 2026-11-20 10:00:00
在吗
2026-11-20 10:00:05
没有昵称的消息
tb_i 2026-13-40 10:00:10
日期不对
tb_j --> tb_k 2026-11-20 10:01:00
谁是客服？
========
星河家居专营店:大伟 2026-11-20 11:00:00
亲，在吗
星河家居专营店:大伟 2026-11-20 11:00:00
亲，在吗
"""


def test_unparseable_blocks_are_quarantined_with_line_and_reason(tmp_path):
    df, report = load(_write(tmp_path, "broken.txt", BROKEN))
    # nobody answered tb_i: the message goes to the file's only agent
    assert _rows(df) == [("2026-11-20 10:00:00", "大伟", "tb_i", "customer", "星河家居专营店")]
    q = report.quarantine
    assert q["row"].tolist() == [1, 5, 7, 9, 12, 14]
    assert (q["file"] == "broken.txt").all()
    reasons = dict(zip(q["row"], q["reason"], strict=True))
    assert "outside any message" in reasons[1]
    assert "without a sender nick" in reasons[5]
    assert "2026-13-40 10:00:10" in reasons[7]
    assert "cannot tell which of 'tb_j' and 'tb_k' is the agent" in reasons[9]
    assert "no customer in this conversation" in reasons[12]
    assert "no customer in this conversation" in reasons[14]
    # rows in = loaded + quarantined, counting messages (and unreadable blocks)
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (7, 1, 6)


def test_duplicate_messages_are_quarantined_like_any_export(tmp_path):
    text = "tb_l 2026-11-20 10:00:00\n在吗\ntb_l 2026-11-20 10:00:00\n在吗\n" \
           "星河家居旗舰店:小雨 2026-11-20 10:00:30\n在的\n"
    df, report = load(_write(tmp_path, "dup.txt", text))
    assert len(df) == 2 and report.quarantine["kind"].tolist() == ["duplicate"]
    assert report.quarantine["row"].tolist() == [3]


def test_txt_tables_are_still_tables(tmp_path):
    tsv = "消息时间\t客服\t买家\t发送方角色\t内容\n2026-11-20 10:00:00\t小雨\ttb_m\t买家\t在吗\n"
    df, report = load(_write(tmp_path, "chats.txt", tsv))
    assert report.source is None and report.header_row == 1 and len(df) == 1
    csv = ("聊天记录导出 2026-11-20 10:00:00\n消息时间,客服,买家,发送方角色,内容\n"
           "2026-11-20 10:00:00,小雨,tb_m,买家,在吗\n2026-11-20 10:00:09,小雨,tb_m,客服,在的\n")
    df, report = load(_write(tmp_path, "banner.txt", csv))
    assert report.source is None and report.header_row == 2 and len(df) == 2


def test_detection_by_header_lines():
    assert qianniu.is_chat_text(ONE)
    assert qianniu.is_chat_text("tb_a 2026-1-2 3:04:05\n你好\n")
    assert not qianniu.is_chat_text("消息时间,客服,买家\n2026-11-20 10:00:00,小雨,tb\n")
    assert not qianniu.is_chat_text("just some notes\nno headers at all\n")
    # commas in a message are content, not a table
    assert qianniu.is_chat_text("tb_z 2026-11-20 10:00:00\nhi, is this, in stock?\n")
    assert not qianniu.is_chat_text("导出 2026-11-20 10:00:00\na\tb\n1\t2\n")


def test_a_txt_without_messages_is_one_load_error(tmp_path):
    with pytest.raises(LoadError, match="empty.txt"):
        load(_write(tmp_path, "empty.txt", "\n\n"))


def test_csops_validate_prints_the_load_report(tmp_path, capsys):
    path = _write(tmp_path, "broken.txt", BROKEN, "gbk", "\r\n")
    assert cli.main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "broken.txt → table 'chats' (Qianniu chat text, encoding gb18030)" in out
    assert "messages read 7 = loaded 1 + quarantined 6" in out
    assert "broken.txt:line 9 sender: cannot tell which" in out


def test_shipped_params_file_holds_every_setting_with_its_default():
    import yaml  # only this test reads the YAML itself

    shipped = QianniuSettings.file_path()
    assert yaml.safe_load(shipped.read_text(encoding="utf-8")) == QianniuSettings().model_dump()
