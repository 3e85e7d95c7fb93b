"""Masking of customer PII (names, phone numbers, addresses): columns of tables for reports
meant for the boss (:func:`mask_pii`), and free text such as chat messages (:func:`mask_text`,
with the known PII strings of an orders table from :func:`order_pii`)."""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

PII_COLUMNS = ("customer_name", "phone", "address")


def mask_phone(s: pd.Series) -> pd.Series:
    """`13812345678` → `138****5678`; anything that is not 7+ digits becomes `***`."""
    text = s.astype("string").str.replace(r"\D", "", regex=True)
    masked = text.str.slice(0, 3) + "****" + text.str.slice(-4)
    return masked.where(text.str.len() >= 7, "***").where(s.notna())


def mask_name(s: pd.Series) -> pd.Series:
    """Keep the first character: `张三丰` → `张**`, `tb_buyer01` → `t*********`."""
    text = s.astype("string")
    return (text.str.slice(0, 1) + text.str.slice(1).str.replace(r".", "*", regex=True)).where(
        s.notna()
    )


#: hex characters of the stable hash a masked buyer nick ends with (more when two collide)
MASK_HASH_CHARS = 3
_MASK_SEP = "\u00b7"  # "·"


def _nick_hash(text: str) -> str:
    """A stable hex digest of a buyer nick (the same in every process and report)."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16,
                           person=b"csops-mask").hexdigest()


def mask_customer_id(s: pd.Series) -> pd.Series:
    """Buyer nicks masked for the boss's reports, never two customers under one mask:
    first two and last character kept, then a short stable hash, ``tb_88123`` →
    ``tb***3·9c1``.

    The hash suffix is :data:`MASK_HASH_CHARS` hex characters of a BLAKE2b digest of the
    nick, so a customer has the same mask in every table and report; when two different
    nicks of ``s`` would still share a mask, their suffixes are lengthened until every
    distinct nick of ``s`` has its own (so a mask is unique within what is shown together).
    Missing values stay missing."""
    text = s.astype("string")
    nicks = [str(v) for v in pd.unique(text.dropna())]
    width = {n: MASK_HASH_CHARS for n in nicks}
    digest = {n: _nick_hash(n) for n in nicks}

    def shown(n: str) -> str:
        head, tail = (n[:2], n[-1:]) if len(n) > 3 else (n[:1], "")  # a short nick: less
        return f"{head}***{tail}{_MASK_SEP}{digest[n][:width[n]]}"

    while True:
        owners: dict[str, list[str]] = {}
        for n in nicks:
            owners.setdefault(shown(n), []).append(n)
        clashes = [ns for ns in owners.values() if len(ns) > 1]
        if not clashes or all(width[n] >= len(digest[n]) for ns in clashes for n in ns):
            break
        for ns in clashes:
            for n in ns:
                width[n] += 1
    masks = {n: shown(n) for n in nicks}
    return text.map(lambda v: masks.get(str(v)) if pd.notna(v) else pd.NA).astype("string")


def mask_pii(df: pd.DataFrame, *, keep_customer_id: bool = False) -> pd.DataFrame:
    """A copy of `df` safe for boss reports: address dropped, names/phones/customer ids masked."""
    out = df.drop(columns=[c for c in ("address",) if c in df.columns])
    if "phone" in out:
        out["phone"] = mask_phone(out["phone"])
    if "customer_name" in out:
        out["customer_name"] = mask_name(out["customer_name"])
    if "customer_id" in out and not keep_customer_id:
        out["customer_id"] = mask_customer_id(out["customer_id"])
    return out


# --------------------------------------------------------------------------- free text

_DIGITS = re.compile(r"\d[\d\s-]{5,}\d")  # 7+ digits, maybe spaced or dashed (phones, ids)
_CJK = "\u4e00-\u9fa5"
_STOP = "\\s，。,.!?！？；;：:、"
_UNIT = "(?:号楼|号|栋|幢|单元|室|楼|层|弄)"
_ADDRESS = re.compile(
    # 省/市/区 chains: 浙江省杭州市西湖区…, 杭州市西湖区…
    rf"[{_CJK}]{{1,12}}(?:省|自治区)?[{_CJK}]{{1,12}}(?:市|州|盟)[{_CJK}]{{1,12}}"
    rf"(?:区|县|旗)[^{_STOP}]*"
    # a town or district, then a street or village: 西湖区文三路, 城关镇王家村, 杭州市文一路
    rf"|[{_CJK}]{{1,8}}(?:市|区|县|镇|乡|街道)[{_CJK}]{{1,10}}"
    rf"(?:路|大街|街|巷|村|胡同|小区|花园|大厦|公寓)"
    # a number with a unit: 文三路88号, 3栋1201室, 5单元
    rf"|[{_CJK}A-Za-z0-9]{{0,12}}\d+\s*{_UNIT}(?:[\dA-Za-z-]+\s*{_UNIT}?)*")
#: a name introduced as one: 我叫张伟, 收货人：李娜, 姓名 王小明 (the words that follow)
_NAME = re.compile(
    rf"(我叫|我的名字是|我的名字叫|名字是|名字叫|本人|收货人|收件人|联系人|姓名)"
    rf"([:：\s]*(?:是|为|叫)?[:：\s]*)"
    rf"(?!改|换|写|填|错|不|要|能|可|的|信息|电话|手机|地址|名字|姓名)"
    rf"([{_CJK}]{{2,4}}?|[A-Za-z][A-Za-z. ]{{0,30}}[A-Za-z])"
    rf"(?=[{_STOP}]|电话|手机|号码|地址|住|在|$)")


class PiiSet(frozenset):
    """A set of PII strings already made by :func:`pii_set` (stripped, 2+ characters):
    :func:`pii_set` passes it through instead of cleaning a million strings again; the
    union of two is one."""

    def __or__(self, other):
        both = frozenset.__or__(self, other)
        return PiiSet(both) if isinstance(other, PiiSet) else both


def pii_set(pii: Iterable[str]) -> PiiSet:
    """The known PII strings worth masking: text of two or more characters, stripped."""
    if isinstance(pii, PiiSet):
        return pii
    if isinstance(pii, (pd.Series, pd.Index, np.ndarray, pd.api.extensions.ExtensionArray)):
        values = pd.Series(pii, copy=False).dropna()
        if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
            return _clean(pa.array(values.to_numpy(dtype=object), pa.large_string()))
    return PiiSet(s.strip() for s in pii if isinstance(s, str) and len(s.strip()) >= 2)


def _clean(texts: pa.Array | pa.ChunkedArray) -> PiiSet:
    """:func:`pii_set` of Arrow text: stripped of :data:`PY_WHITESPACE`, 2+ characters."""
    got = pc.utf8_trim(texts, PY_WHITESPACE)
    return PiiSet(pc.unique(got.filter(pc.greater_equal(pc.utf8_length(got), 2))).to_pylist())


#: the characters Python's ``str.split()`` / ``str.strip()`` take for whitespace (every
#: ``c`` with ``c.isspace()``; tests/test_privacy.py checks the list)
PY_WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003"
                 "\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
_WS_RUN = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in PY_WHITESPACE) + "]+"  # RE2 syntax


def order_pii(orders: pd.DataFrame) -> PiiSet:
    """The PII strings of an orders table to blank out of customers' texts (:func:`mask_text`):
    customer names, phones, whole addresses and their details (the words after province,
    city and district, and the street name before its number).

    Per distinct value, column-wise in Arrow with Python's rules: an address's words are
    split on runs of :data:`PY_WHITESPACE` (``str.split()``); the detail is words 4… joined
    by one space; its street the leading run of CJK characters; every string stripped of
    :data:`PY_WHITESPACE` and kept from 2 characters (:func:`pii_set`)."""
    parts: list[pa.Array] = []
    for col in ("customer_name", "phone"):
        if col in orders.columns:
            parts.append(_distinct_text(orders[col]))
    if "address" in orders.columns:
        a = _distinct_text(orders["address"])
        words = pc.split_pattern_regex(pc.utf8_trim(a, PY_WHITESPACE), _WS_RUN)
        many = pc.greater(pc.list_value_length(words), 3)
        detail = pc.binary_join(pc.list_slice(pc.filter(words, many), 3),
                                pa.scalar(" ", pa.large_string()))
        street = pc.struct_field(pc.extract_regex(
            detail, r"^(?P<street>[\x{4e00}-\x{9fa5}]{2,})"), [0])
        parts += [a, pc.replace_substring(a, " ", ""), detail, street.drop_null()]
    return _clean(pa.chunked_array(parts, pa.large_string())) if parts else PiiSet()


def _distinct_text(col: pd.Series) -> pa.Array:
    """The distinct non-missing values of a column as text (``astype(str)``), in Arrow."""
    values = pd.Series(col.dropna().astype(str).unique(), dtype=object)
    return pa.array(values.to_numpy(), pa.large_string())


@lru_cache(maxsize=8)
def _pii_index(pii: frozenset[str]) -> dict[str, tuple[int, ...]]:
    """First two characters of the PII strings → their lengths, longest first: a text is
    searched only where a PII string may start (fast for the thousands of names of a shop)."""
    s = pa.array(list(pii), pa.large_string())
    pairs = pa.table({"head": pc.utf8_slice_codeunits(s, 0, 2), "n": pc.utf8_length(s)})
    pairs = pairs.group_by(["head", "n"]).aggregate([])  # the distinct (head, length)
    pairs = pairs.sort_by([("head", "ascending"), ("n", "descending")])
    out: dict[str, list[int]] = {}
    for head, n in zip(pairs.column("head").to_pylist(), pairs.column("n").to_pylist(),
                       strict=True):
        out.setdefault(head, []).append(n)
    return {k: tuple(v) for k, v in out.items()}


def _known_spans(text: str, pii: frozenset[str]) -> list[tuple[int, int]]:
    """Where the known PII strings occur in ``text`` (longest match at each position)."""
    index = _pii_index(pii)
    spans, i = [], 0
    while i < len(text):
        for n in index.get(text[i:i + 2], ()):
            if text[i:i + n] in pii:
                spans.append((i, i + n))
                i += n
                break
        else:
            i += 1
    return spans


def _digits(m: re.Match) -> str:
    d = re.sub(r"\D", "", m.group(0))
    return d[:3] + "*" * (len(d) - 5) + d[-2:]


def mask_text(text: str, pii: Iterable[str] = ()) -> str:
    """``text`` safe to show and to mine: runs of 7+ digits masked (``13812345678`` →
    ``138******78``), then every known PII string, address-like run (省/市/区 chains,
    ``文三路88号``, ``3栋1201室``) and name after ``我叫`` / ``收货人`` / ``姓名`` … replaced by
    ``***`` (overlapping finds merged, so one hides no part of another)."""
    out = _DIGITS.sub(_digits, str(text))
    pii = pii if isinstance(pii, frozenset) else pii_set(pii)
    spans = _known_spans(out, pii) if pii else []
    spans += [m.span(3) for m in _NAME.finditer(out)]
    spans += [m.span() for m in _ADDRESS.finditer(out)]
    if not spans:
        return out
    parts, last = [], 0
    for start, end in sorted(spans):
        if start > last:
            parts.append(out[last:start])
            parts.append("***")
        elif not parts:
            parts.append("***")
        last = max(last, end)
    parts.append(out[last:])
    return "".join(parts)
