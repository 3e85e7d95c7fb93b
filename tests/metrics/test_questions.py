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
