"""Frequent customer questions: jieba keywords, grouping, ranking and masking, by hand."""
import pandas as pd

from csops_lib.metrics import questions

MESSAGES = [  # (customer, sender, text)
    ("c1", "customer", "什么时候发货？"),
    ("c2", "customer", "什么时候发货？"),
    ("c3", "customer", "什么时候发货"),
    ("c3", "customer", "怎么还没发货？"),
    ("c4", "customer", "可以开发票吗？"),
    ("c5", "customer", "能开发票吗"),
    ("c6", "customer", "在吗"),            # no keyword: not a question
    ("c6", "customer", "[图片]"),          # a placeholder: not a question
    ("c7", "customer", "？"),
    ("c8", "customer", "退货运费谁出？13812345678"),
    ("c9", "customer", "退货运费谁出？"),
    ("c1", "agent", "亲，今天下午发货哦"),   # agents' messages are not counted
    ("c1", "auto", "欢迎光临"),
]


def frame():
    return pd.DataFrame(MESSAGES, columns=["customer_id", "sender", "text"])


def test_keywords_drop_stop_words_single_characters_and_placeholders():
    assert questions.keywords("什么时候发货？") == ("发货",)
    assert questions.keywords("怎么还没发货？") == ("发货",)
    assert questions.keywords("可以开发票吗？") == ("开发票",)
    assert questions.keywords("在吗") == ()
    assert questions.keywords("[图片]") == ()
    assert questions.keywords("退货运费谁出？") == ("运费", "退货")


def test_frequent_questions_groups_ranks_and_counts():
    q = questions.frequent_questions(frame(), top=10)
    assert list(q.columns) == ["rank", "question", "keywords", "messages", "customers", "share",
                               "examples"]
    assert q["keywords"].tolist() == ["发货", "开发票", "运费、退货"]
    assert q["rank"].tolist() == [1, 2, 3]
    assert q["messages"].tolist() == [4, 2, 2]
    assert q["customers"].tolist() == [3, 2, 2]
    assert q["question"].iloc[0] == "什么时候发货？"  # the most frequent wording
    assert q["examples"].iloc[0] == "什么时候发货 / 怎么还没发货？"  # then by count, then text
    assert abs(q["share"].sum() - 1.0) < 1e-12  # every message with a keyword is in a group
    # the phone number typed by a customer never comes out unmasked
    assert "13812345678" not in q.to_string()


def test_min_count_and_top():
    q = questions.frequent_questions(frame(), top=1)
    assert q["keywords"].tolist() == ["发货"]
    assert questions.frequent_questions(frame(), min_count=3)["keywords"].tolist() == ["发货"]


def test_empty_and_missing_text():
    assert questions.frequent_questions(pd.DataFrame()).empty
    no_text = frame().drop(columns="text")
    assert questions.frequent_questions(no_text).empty
    assert questions.top_keywords(no_text).empty


def test_top_keywords():
    k = questions.top_keywords(frame(), top=3)
    assert k["keyword"].tolist() == ["发货", "开发票", "运费"]
    assert k["messages"].tolist() == [4, 2, 2]
    assert k["example"].iloc[0] == "什么时候发货？"


def test_mask_text_numbers_addresses_and_known_pii():
    assert questions.mask_text("电话13812345678") == "电话138******78"
    masked = questions.mask_text("改到浙江省杭州市西湖区文三路88号3栋1201室 谢谢")
    assert "文三路" not in masked and "1201" not in masked and "谢谢" in masked
    assert questions.mask_text("我是彭娜，地址万科城", pii=["彭娜", "万科城"]) == "我是***，地址***"
    assert questions.mask_text("发货了吗") == "发货了吗"


# --------------------------------------------------------------------------- PII before mining

PII_CHATS = [  # (customer, text): a name, a phone and an address in each, asked twice
    ("b1", "我叫赵敏，电话13912345678，能寄到杭州市西湖区文三路88号吗"),
    ("b2", "我叫周芷若，电话13987654321，能寄到杭州市西湖区文三路88号吗"),
    ("b3", "收货人：宋青书 地址改成朝阳区建国路"),
    ("b4", "收货人：宋青书 地址改成朝阳区建国路"),
    ("b5", "殷离 139 8765 4321 能送到城关镇王家村吗"),   # a name only the orders table knows
    ("b6", "殷离 139 8765 4321 能送到城关镇王家村吗"),
    ("b7", "蛛儿在幸福小区5栋1201室，快递放门口"),
    ("b8", "蛛儿在幸福小区5栋1201室，快递放门口"),
    ("b9", "我是tb_buyer99，什么时候发货"),                 # the buyer's own nick
    ("tb_buyer99", "我是tb_buyer99，什么时候发货"),
]
PII_WORDS = ["赵敏", "周芷若", "宋青书", "殷离", "蛛儿", "13912345678", "13987654321",
             "1398765", "文三路", "西湖区", "建国路", "朝阳区", "王家村", "城关镇", "幸福小区",
             "1201", "88号", "tb_buyer99"]
ORDERS = pd.DataFrame({"customer_name": ["殷离", "蛛儿", None],
                       "phone": ["13900000000", None, None],
                       "address": ["浙江省 杭州市 西湖区 文三路88号", None, "北京市 北京市 朝阳区 建国路9号"]})


def chats_with_pii():
    return pd.DataFrame([(c, "customer", t) for c, t in PII_CHATS],
                        columns=["customer_id", "sender", "text"])


def test_pii_never_becomes_a_keyword_a_question_or_an_example():
    pii = questions.order_pii(ORDERS)
    q = questions.frequent_questions(chats_with_pii(), top=20, min_count=1, pii=pii)
    k = questions.top_keywords(chats_with_pii(), top=50, pii=pii)
    shown = " ".join([*q["question"], *q["keywords"], *q["examples"], *k["keyword"],
                      *k["example"]])
    assert len(k) > 3 and "发货" in set(k["keyword"])  # questions are still mined
    for word in PII_WORDS:
        assert word not in shown, word


def test_without_known_pii_the_patterns_still_mask_names_phones_and_addresses():
    k = questions.top_keywords(chats_with_pii().head(4), top=50)
    shown = " ".join([*k["keyword"], *k["example"]])
    for word in ["赵敏", "周芷若", "宋青书", "13912345678", "文三路", "建国路", "朝阳区"]:
        assert word not in shown, word


def test_known_pii_from_the_orders_table():
    pii = questions.order_pii(ORDERS)
    assert {"殷离", "蛛儿", "13900000000", "文三路88号", "文三路", "建国路"} <= pii
    assert "浙江省杭州市西湖区文三路88号" in pii  # also as typed without spaces
    assert questions.mask_text("殷离的快递", pii) == "***的快递"
    assert questions.mask_text("地址 文三路88号 对吗", pii) == "地址 *** 对吗"
    assert questions.mask_text("改到建国路吧", pii) == "改到***吧"  # the street alone
    # a known string inside an address the patterns find: one mask, no fragment left
    assert questions.mask_text("朝阳区建国路", pii) == "***"


def test_mask_text_names_after_an_introduction_only():
    assert questions.mask_text("我叫王小明") == "我叫***"
    assert questions.mask_text("收货人：李娜，电话多少") == "收货人：***，电话多少"
    assert questions.mask_text("联系人是刘洋电话多少") == "联系人是***电话多少"
    assert questions.mask_text("收货人写错了能改吗") == "收货人写错了能改吗"  # not a name
    assert questions.mask_text("上海市区当天能到吗") == "上海市区当天能到吗"  # not an address
    assert questions.mask_text("味道大吗") == "味道大吗"
