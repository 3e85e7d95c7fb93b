"""The customers' most frequent questions, from the text of their chat messages (quick replies).

Customer messages (``chats.sender == "customer"``, column ``text``) are segmented into words with
`jieba <https://github.com/fxsjy/jieba>`_ (its own tokenizer instance, with a few shop words
added, so the global ``jieba`` state is untouched). A message's **keywords** are its words of
two or more characters that are neither stop words (greetings, particles, pronouns, question
words such as 什么 / 怎么) nor punctuation or numbers. Then:

* :func:`frequent_questions` groups messages by their set of keywords (``什么时候发货？`` and
  ``什么时候发货`` share {发货}), ranks the groups by messages, and shows the most common
  wording as the question, the other wordings as examples: candidates for quick replies;
* :func:`top_keywords` ranks single keywords by the messages that contain them.

Placeholders such as ``[图片]`` are removed first; messages left without a keyword (``在吗``,
``？``, ``[图片]``) are not questions and are left out.

**PII is masked before anything else** (:func:`mask_text`), so a buyer's name, phone or
address can never become a keyword, a question or an example: the known PII strings given
(the shop's customer names, phones and addresses from the orders table, :func:`order_pii`,
and the buyers' nicks of the messages themselves) are blanked out; runs of 7+ digits (phone
numbers, order numbers) are masked; address-like runs (省/市/区/县/镇/路/街 chains, ``12号``,
``3栋1201室``) and the name after ``我叫`` / ``收货人`` / ``姓名`` … are replaced. Only then are
messages segmented. Everything is deterministic (ties break on text).
"""
from __future__ import annotations

import logging
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from csops_lib.loaders.values import on_distinct
from csops_lib.privacy import mask_text, order_pii, pii_set

__all__ = ["STOP_WORDS", "SHOP_WORDS", "frequent_questions", "keywords", "mask_text",
           "order_pii", "top_keywords"]

#: words that carry no topic: greetings, particles, pronouns, question words, fillers
STOP_WORDS = frozenset("""
这个 那个 这些 那些 这样 那样 这里 那里 这边 那边 什么 怎么 怎么样 怎样 为什么 为啥 多少 多久 几天
哪个 哪里 哪儿 时候 可以 可不可以 能不能 能否 是不是 有没有 有没 没有 还有 还是 还没 就是 就是说
然后 但是 因为 所以 如果 或者 而且 已经 一下 一个 一点 有点 有些 一些 现在 今天 明天 昨天 马上
我们 你们 他们 她们 自己 请问 您好 你好 亲亲 亲爱 在吗 在不在 有人 人呢 谢谢 感谢 好的 好吧 知道
知道了 嗯嗯 哦哦 对的 是的 不是 不要 不用 没事 没问题 麻烦 老板 客服 掌柜 店家 宝贝 东西 这单 那单
老规矩 看看 问问 问下 一下子 之前 之后 以后 以前 的话 还要 需要 想要 应该 可能 比较 非常 特别
真的 确实 怎么办 咋办 行吗 好吗 可以吗 我要 我想 想问 想要 吗 呢 吧 啊 呀 哈 哦 嗯 了 的 地 得 着 过 么
""".split())

#: shop words jieba's general dictionary would split: kept whole as keywords
SHOP_WORDS = ("侧睡", "掉毛", "开发票", "退货", "退款", "到账", "运费", "包邮", "优惠券", "现货",
              "少发", "漏发", "破损", "色差", "改地址", "换货", "发货", "快递", "尺寸", "尺码",
              "起球", "褪色", "味道", "七天无理由", "运费险", "赠品", "满减", "乡镇", "直播带货",
              "代运营", "直通车", "到哪")

#: words rarer than this in jieba's dictionary are left out of the tokenizer's dictionary
MIN_WORD_FREQ = 50
_LOG = logging.getLogger("jieba")
_TOKENIZER = None
_PLACEHOLDER = re.compile(r"\[[^\]]{1,6}\]")  # [图片] [表情] [语音] [商品链接] …
_TOKEN_OK = re.compile(r"^[\u4e00-\u9fa5A-Za-z][\u4e00-\u9fa5A-Za-z0-9]+$")


def _dictionary() -> str:
    """jieba's dictionary without its rare words (frequency < :data:`MIN_WORD_FREQ`), written
    once to the temp folder: loading it takes a fraction of the full dictionary's time, and
    chat questions use common words (jieba's HMM still finds unknown ones)."""
    import jieba

    src = Path(jieba.__file__).with_name("dict.txt")
    out = Path(tempfile.gettempdir()) / f"csops_jieba_{jieba.__version__}_{MIN_WORD_FREQ}.txt"
    if not out.exists():
        keep = [line for line in src.read_text(encoding="utf-8").splitlines()
                if len(parts := line.split(" ")) > 1 and parts[1].isdigit()
                and int(parts[1]) >= MIN_WORD_FREQ]
        tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
        tmp.write_text("\n".join(keep) + "\n", encoding="utf-8")
        os.replace(tmp, out)  # atomic: concurrent reports never read a partial file
    return str(out)


def _tokenizer():
    """A private jieba tokenizer with the shop words (built once; its logging silenced)."""
    global _TOKENIZER
    if _TOKENIZER is None:
        import jieba

        jieba.setLogLevel(logging.WARNING)  # no "Building prefix dict…" on stderr
        _LOG.setLevel(logging.WARNING)
        tok = jieba.Tokenizer(_dictionary())
        for word in SHOP_WORDS:
            tok.add_word(word, freq=20000)
        _TOKENIZER = tok
    return _TOKENIZER


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", str(text)).strip()


def keywords(text: str, stop_words: Iterable[str] = STOP_WORDS) -> tuple[str, ...]:
    """The message's keywords, sorted and unique: jieba words of 2+ characters that are not
    stop words, punctuation or numbers (see the module docstring)."""
    stop = stop_words if isinstance(stop_words, (set, frozenset)) else set(stop_words)
    words = _tokenizer().lcut(_PLACEHOLDER.sub(" ", _norm(text)))
    return tuple(sorted({w for w in words if len(w) >= 2 and w not in stop
                         and _TOKEN_OK.match(w)}))


def _customer_texts(messages: pd.DataFrame) -> pd.DataFrame:
    """Customer messages with a non-empty text: columns text, customer_id (maybe NaN)."""
    if messages is None or messages.empty or "text" not in messages.columns:
        return pd.DataFrame({"text": pd.Series(dtype=object),
                             "customer_id": pd.Series(dtype=object)})
    m = messages
    if "sender" in m.columns:
        is_customer = on_distinct(lambda u: u.astype("string").str.strip().str.lower()
                                  .eq("customer").fillna(False).astype(bool), m["sender"])
        m = m[is_customer.to_numpy(dtype=bool)]
    text = on_distinct(lambda u: u.astype("string").str.strip().astype(object),
                       m["text"], keep_dtype=True).to_numpy(dtype=object)
    keep = ~pd.isna(text)
    keep[keep] = text[keep] != ""
    if "customer_id" in m.columns:
        cust = on_distinct(lambda u: u.astype("string").astype(object),
                           m["customer_id"], keep_dtype=True).to_numpy(dtype=object)
    else:
        cust = np.full(len(m), pd.NA, dtype=object)
    return pd.DataFrame({"text": pd.Series(text[keep], dtype=object),  # kept as Python str
                         "customer_id": pd.Series(cust[keep], dtype=object)})


def _with_keywords(messages: pd.DataFrame, stop_words, pii: frozenset[str]) -> pd.DataFrame:
    """Customer texts masked (known ``pii`` plus the buyers' own nicks, then the patterns of
    :func:`mask_text`) and only then segmented: columns text (masked), customer_id,
    keywords; messages without a keyword left out."""
    m = _customer_texts(messages)
    pii = pii | pii_set(m["customer_id"].dropna().unique())  # clean sets: a clean union
    codes, uniq = pd.factorize(m["text"])  # mask and segment each distinct text once
    masked = np.empty(len(uniq), dtype=object)
    masked[:] = [mask_text(t, pii) for t in uniq]
    kw_of = {t: keywords(t, stop_words) for t in set(masked)}
    kw = np.empty(len(uniq), dtype=object)
    for i, t in enumerate(masked):  # tuples: one by one (numpy would unpack a list of them)
        kw[i] = kw_of[t]
    has = np.fromiter((len(k) > 0 for k in kw), dtype=bool, count=len(kw))[codes]
    m["text"] = pd.Series(masked[codes], index=m.index, dtype=object)
    m["keywords"] = kw[codes]
    return m[has].reset_index(drop=True)


def frequent_questions(messages: pd.DataFrame, top: int = 15, *, min_count: int = 2,
                       examples: int = 3, stop_words: Iterable[str] = STOP_WORDS,
                       pii: Iterable[str] = ()) -> pd.DataFrame:
    """The most frequent customer questions (see the module docstring).

    ``messages``: chat rows (``text``; ``sender`` to keep only customers' messages, and
    ``customer_id`` to count customers). One row per group of messages with the same keyword
    set, at least ``min_count`` messages, the ``top`` largest. Columns: rank, question (the
    group's most frequent wording, masked), keywords (``、``-joined), messages, customers
    (distinct; NaN without ``customer_id``), share (messages / customer messages with a
    keyword), examples (up to ``examples`` other wordings, most frequent first, ``" / "``
    joined, masked). Ties: more messages, then more customers, then the keywords' text.
    """
    m = _with_keywords(messages, stop_words, pii_set(pii))
    cols = ["rank", "question", "keywords", "messages", "customers", "share", "examples"]
    if m.empty:
        return pd.DataFrame(columns=cols)
    total = len(m)
    m["group"] = m["keywords"].map("、".join)
    has_cust = m["customer_id"].notna().any()
    by_group = m.groupby("group", sort=True)
    sizes = by_group.size()
    customers = by_group["customer_id"].nunique() if has_cust else None
    # each group's wordings and their counts, counted once for all groups
    wordings = m.groupby(["group", "text"], sort=True).size()
    rows = []
    for group, n in sizes[sizes >= min_count].items():
        counted = wordings.loc[group]
        ordered = sorted(zip(counted.index, counted.to_numpy(), strict=True),
                         key=lambda kv: (-kv[1], kv[0]))
        shown = [t for t, _ in ordered]  # texts were masked before segmenting
        rows.append({"question": shown[0], "keywords": group, "messages": int(n),
                     "customers": customers[group] if has_cust else float("nan"),
                     "share": int(n) / total,
                     "examples": " / ".join(shown[1:1 + examples])})
    if not rows:
        return pd.DataFrame(columns=cols)
    out = pd.DataFrame(rows)
    out = out.sort_values(["messages", "customers", "keywords"], ascending=[False, False, True],
                          kind="stable").head(top).reset_index(drop=True)
    out.insert(0, "rank", range(1, len(out) + 1))
    return out[cols]


def top_keywords(messages: pd.DataFrame, top: int = 20, *, stop_words=STOP_WORDS,
                 pii: Iterable[str] = ()) -> pd.DataFrame:
    """Single keywords ranked by the customer messages containing them.

    Columns: rank, keyword, messages, customers (distinct; NaN without ``customer_id``),
    share (of customer messages with a keyword), example (the most frequent message with the
    keyword, masked). Ties: the keyword's text.
    """
    m = _with_keywords(messages, stop_words, pii_set(pii))
    cols = ["rank", "keyword", "messages", "customers", "share", "example"]
    if m.empty:
        return pd.DataFrame(columns=cols)
    e = m.explode("keywords").rename(columns={"keywords": "keyword"})
    g = e.groupby("keyword", sort=True)
    out = pd.DataFrame({"messages": g.size(), "customers": g["customer_id"].nunique()})
    if not m["customer_id"].notna().any():
        out["customers"] = float("nan")
    out["share"] = out["messages"] / len(m)
    first = (e.groupby(["keyword", "text"]).size().rename("n").reset_index()
             .sort_values(["keyword", "n", "text"], ascending=[True, False, True], kind="stable")
             .drop_duplicates("keyword").set_index("keyword")["text"])
    out["example"] = first  # masked before segmenting
    out = out.reset_index().sort_values(["messages", "keyword"], ascending=[False, True],
                                        kind="stable").head(top).reset_index(drop=True)
    out.insert(0, "rank", range(1, len(out) + 1))
    return out[cols]
