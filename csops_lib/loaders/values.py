"""Value parsing for the loaders: the spellings of Chinese CS exports read into typed columns.

Every parser takes a Series of cleaned text (``NaN`` for blanks) and returns the typed Series,
``NaN``/``NaT``/``<NA>`` where a value cannot be read: amounts (``¥1,234.00``, ``1.2万``),
rates (``45.23%``), durations (``1分20秒``), dates and times (``2024年5月1日``, Excel serials),
yes/no words, ids and phones, provinces (``上海`` → ``上海市``) and table-specific enumerations
(order status, chat sender and category, roster role, platform intervention).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from csops_lib.schema import TABLES

PLACEHOLDERS = frozenset(
    {"-", "--", "—", "——", "#NULL!", "#N/A", "N/A", "n/a", "NULL", "null", "延迟统计"}
)
ID_COLUMNS = frozenset({"order_id", "refund_id", "customer_id", "phone", "session_id"})

PROVINCES = (
    "北京市", "天津市", "上海市", "重庆市",
    "河北省", "山西省", "辽宁省", "吉林省", "黑龙江省", "江苏省", "浙江省", "安徽省",
    "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省", "广东省", "海南省",
    "四川省", "贵州省", "云南省", "陕西省", "甘肃省", "青海省", "台湾省",
    "内蒙古自治区", "广西壮族自治区", "西藏自治区", "宁夏回族自治区", "新疆维吾尔自治区",
    "香港特别行政区", "澳门特别行政区",
)
# The first two characters name every provincial division unambiguously (上海, 内蒙, 黑龙 ...).
_PROVINCE_BY_PREFIX = {name[:2]: name for name in PROVINCES}

PAY_SLOTS = {hour: f"{hour:02d}:00-{hour + 1:02d}:00" for hour in range(24)}
_BOOLS = {
    **dict.fromkeys(("是", "y", "yes", "true", "t", "1", "√", "✓", "对", "有"), True),
    **dict.fromkeys(("否", "n", "no", "false", "f", "0", "×", "✗", "无", "没有"), False),
}
KIND_WORDS = {
    "datetime": "a date/time", "date": "a date", "int": "a whole number",
    "float": "a number", "rate": "a rate", "duration": "a duration", "money": "an amount",
    "bool": "yes/no", "enum": "a known value",
}
_PANDAS3 = int(pd.__version__.split(".")[0]) >= 3
#: control characters removed from every cell before anything else: C0 but tab and newline,
#: DEL and C1 (a NUL must never reach a store, folder or file name)
CONTROL_CHARS = r"[\x00-\x08\x0b-\x1f\x7f-\x9f]"
_CONTROL_RE = re.compile(CONTROL_CHARS)
#: the same but carriage returns, for a CSV text before it is split (old Mac line ends)
_CONTROL_BUT_CR_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: whole numbers beyond this lose digits as floats: not read as counts
MAX_EXACT_INT = 2**53


def strip_controls(value: object, *, keep_cr: bool = False) -> object:
    """``value`` without control characters (:data:`CONTROL_CHARS`; carriage returns kept
    with ``keep_cr``) when it is text."""
    if not isinstance(value, str):
        return value
    return (_CONTROL_BUT_CR_RE if keep_cr else _CONTROL_RE).sub("", value)


def on_distinct(func: Callable[[pd.Series], pd.Series], values: pd.Series, *,
                keep_dtype: bool = False) -> pd.Series:
    """``func(values)``, computed once per distinct value when values repeat (agents, roles,
    yes/no …: at most half of them distinct) and spread back. ``func`` must be elementwise
    (each output from its own input alone), as every parser here is. ``keep_dtype``: the
    result keeps ``func``'s dtype (e.g. object text stays object instead of being converted
    to pandas' string dtype: millions of texts)."""
    if len(values) < 64 or 2 * values.iloc[:1000].nunique(dropna=False) > min(len(values), 1000):
        return func(values)  # few rows, or mostly distinct (times, texts) by the first rows
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    if 2 * len(uniques) > len(values):
        return func(values)
    done = func(pd.Series(uniques, dtype=values.dtype))
    return pd.Series(done.array.take(codes), index=values.index, name=values.name,
                     dtype=done.dtype if keep_dtype else None)


def clean_text(col: pd.Series) -> pd.Series:
    """Remove control characters, strip spaces, Excel text guards (``="…"``, leading ``'``)
    and placeholders → NaN."""
    return on_distinct(_clean_text, col)


def _clean_text(col: pd.Series) -> pd.Series:
    text = col.astype(str)
    control = text.str.contains(CONTROL_CHARS, regex=True)  # rare: replace only those cells
    if control.any():
        text = text.where(~control, text[control].str.replace(CONTROL_CHARS, "", regex=True))
    text = text.str.strip()
    guarded = text.str.startswith(("=", "'"), na=False)  # rare too
    if guarded.any():
        unguarded = (text[guarded].str.replace(r'^="(.*)"$', r"\1", regex=True)
                     .str.replace(r"^'", "", regex=True).str.strip())
        text = text.where(~guarded, unguarded)
    return text.mask(text.eq("") | text.isin(PLACEHOLDERS))


def _numbers(text: pd.Series) -> pd.Series:
    """Numbers from money/count text: ``¥1,234.00``, ``148.90元``, ``1.2万``, ``30人``."""
    t = text.str.replace(r"[¥￥,，\s]|^(?:RMB|CNY)|[元人个次件单]$", "", regex=True)
    wan = t.str.endswith("万", na=False)
    value = pd.to_numeric(t.str.removesuffix("万"), errors="coerce")
    return value.where(~wan, value * 10_000).astype("float64")


def _to_int(text: pd.Series) -> pd.Series:
    """Whole numbers (``30人``, ``1,200``); fractions and numbers beyond
    :data:`MAX_EXACT_INT` (not exact as floats) are unreadable."""
    value = _numbers(text)
    return value.where((value % 1 == 0) & (value.abs() <= MAX_EXACT_INT)).astype("Int64")


def _to_rate(text: pd.Series) -> pd.Series:
    """``45.23%`` → 0.4523; ``0.4523`` as is."""
    percent = text.str.endswith("%", na=False)
    value = _numbers(text.str.removesuffix("%"))
    return value.where(~percent, value / 100)


def _to_duration(text: pd.Series) -> pd.Series:
    """Seconds from ``80``, ``00:01:20`` / ``01:20``, ``1分20秒``, ``2分``, ``12.5小时``."""
    t = text.str.lower().str.replace(r"\s+", "", regex=True)
    plain = pd.to_numeric(t, errors="coerce")
    clock = t.str.extract(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$").apply(pd.to_numeric)
    clock_s = clock[0].fillna(0) * 3600 + clock[1] * 60 + clock[2]
    units = t.str.extract(
        r"^(?=.*\d)(?:([\d.]+)天)?(?:([\d.]+)(?:小时|时|h))?"
        r"(?:([\d.]+)(?:分钟|分|min|m))?(?:([\d.]+)(?:秒|s))?$"
    ).apply(pd.to_numeric, errors="coerce")
    units_s = units.mul([86400, 3600, 60, 1], axis=1).sum(axis=1, min_count=1)
    return plain.fillna(clock_s).fillna(units_s).astype("float64")


_DATE_TEXT = (
    r"^(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"
    r"(?: (?P<hour>\d{1,2}):(?P<minute>\d{1,2})(?::(?P<second>\d{1,2})(?P<frac>\.\d+)?)?)?$"
)


def _as_ns(stamps: pd.Series) -> pd.Series:
    """``datetime64[ns]``; times beyond its range (years before 1677 or after 2262, which
    pandas 3 parses at a coarser unit) become NaT instead of an overflow error."""
    inside = stamps.between(pd.Timestamp.min, pd.Timestamp.max)
    return stamps.where(inside).astype("datetime64[ns]")


_ISO_TEXT = r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"


def _to_datetime(text: pd.Series) -> pd.Series:
    """Timestamps from the date spellings of Chinese exports.

    ``2024/5/1 13:05``, ``2024-05-01``, ``2024年5月1日``, ISO ``T``, ``20240501`` (also
    ``20240501.0`` and ``20240501130500``), Excel serial day numbers (``45231.5``) and the
    ISO text of Excel datetime cells. Anything else → NaT. Zero-padded ISO text (the usual
    case) takes a fast path; only the other spellings go through the regex rewrites.
    """
    iso = text.str.fullmatch(_ISO_TEXT, na=False)
    result = _as_ns(pd.to_datetime(text.where(iso), format="ISO8601", errors="coerce"))
    other = text.notna() & ~iso
    if other.any():
        result[other] = _other_datetimes(text[other])
    return result


def _other_datetimes(text: pd.Series) -> pd.Series:
    """:func:`_to_datetime` for text that is not zero-padded ISO."""
    t = (
        text.str.replace(
            r"^(\d{4})\s*[年/.\-]\s*(\d{1,2})\s*[月/.\-]\s*(\d{1,2})\s*日?\s*T?\s*",
            r"\1-\2-\3 ", regex=True,
        )
        .str.replace(r"(?<=\d)\s*[时点分]\s*(?=\d)", ":", regex=True)
        .str.replace(r"\s*[分秒]$", "", regex=True)
        .str.strip()
    )
    parts = t.str.extract(_DATE_TEXT).apply(pd.to_numeric)
    clock = parts[["hour", "minute", "second"]].fillna(0)
    stamp = pd.to_datetime(
        pd.concat([parts[["year", "month", "day"]], clock], axis=1), errors="coerce"
    ) + pd.to_timedelta(parts["frac"].fillna(0), unit="s")

    number = pd.to_numeric(text.where(text.str.fullmatch(r"\d+(?:\.\d+)?", na=False)),
                           errors="coerce")
    whole = number.where(number % 1 == 0)
    ymd = whole.where(whole.between(19000101, 21001231))
    long_form = whole.where(whole.between(19000101000000, 21001231235959))
    day, clock_part = long_form // 1_000_000, long_form % 1_000_000
    compact = pd.to_datetime(
        pd.DataFrame({"year": ymd // 10000, "month": ymd // 100 % 100, "day": ymd % 100}),
        errors="coerce",
    )
    long_compact = pd.to_datetime(
        pd.DataFrame({
            "year": day // 10000, "month": day // 100 % 100, "day": day % 100,
            "hour": clock_part // 10000, "minute": clock_part // 100 % 100,
            "second": clock_part % 100,
        }),
        errors="coerce",
    )
    serial = number.where(number.between(20000, 80000))
    from_serial = (pd.Timestamp("1899-12-30") + pd.to_timedelta(serial, unit="D")).dt.round("s")
    result = stamp.fillna(compact).fillna(long_compact).fillna(from_serial)
    return _as_ns(result)


_MONTH_TEXT = r"^\s*(?P<year>\d{4})\s*[年/.\-]\s*(?P<month>\d{1,2})\s*月?\s*$"


def _to_date(text: pd.Series) -> pd.Series:
    """Days from every spelling :func:`_to_datetime` reads, plus a month alone (``2026-10``,
    ``2026/9``, ``2026年11月``: the month's first day), as supervisors type monthly sheets."""
    result = _to_datetime(text).dt.normalize()
    month_only = result.isna() & text.str.fullmatch(_MONTH_TEXT, na=False)
    if month_only.any():
        parts = text[month_only].str.extract(_MONTH_TEXT).apply(pd.to_numeric)
        result[month_only] = _as_ns(pd.to_datetime(parts.assign(day=1), errors="coerce"))
    return result


def _to_bool(text: pd.Series) -> pd.Series:
    """是/否, true/false, 1/0 (also ``1.0``), Y/N → nullable boolean."""
    key = text.str.lower().str.replace(r"^(\d)\.0+$", r"\1", regex=True)
    return key.map(_BOOLS).astype("boolean")


def _to_text(text: pd.Series) -> pd.Series:
    return text


def _to_id(text: pd.Series) -> pd.Series:
    """IDs and phones: ``1234.0`` → ``1234`` (leading zeros and letters untouched)."""
    return text.str.replace(r"^(\d+)\.0+$", r"\1", regex=True)


_PARSERS = {
    "text": _to_text, "datetime": _to_datetime, "date": _to_date, "int": _to_int,
    "float": _numbers, "money": _numbers, "rate": _to_rate, "duration": _to_duration,
    "bool": _to_bool,
}


def _contains_map(text: pd.Series, rules: list[tuple[str, str]]) -> pd.Series:
    """First rule whose regex is found in ``text`` gives the value; NaN when none does."""
    out = pd.Series(np.nan, index=text.index, dtype=object)
    for pattern, value in reversed(rules):
        out = out.mask(text.str.contains(pattern, case=False, regex=True, na=False), value)
    return out


def _order_status(text: pd.Series) -> pd.Series:
    return _contains_map(text, [
        (r"退款|^refunded$", "refunded"),
        (r"等待买家付款|未付款|^unpaid$", "unpaid"),
        (r"交易关闭|已关闭|取消|^closed$", "closed"),
        (r"交易成功|已付款|已发货|等待买家确认收货|等待卖家发货|已完成|^paid$", "paid"),
    ])


def _chat_sender(text: pd.Series) -> pd.Series:
    return _contains_map(text, [
        (r"自动回复|机器人|系统|^(?:auto|bot|robot|system)$", "auto"),
        (r"买家|顾客|客户|^(?:customer|buyer)$", "customer"),
        (r"客服|卖家|商家|^(?:agent|seller)$", "agent"),
    ])


def _chat_category(text: pd.Series) -> pd.Series:
    known = text.str.lower().where(
        text.str.lower().isin(TABLES["chats"].column("category").choices)
    )
    mapped = _contains_map(text, [
        ("售前", "presale"), ("售后", "after_sales"), ("广告", "ad"),
        ("静默", "silent_check"), ("追单", "followup"),
    ])
    return known.fillna(mapped).fillna("other").where(text.notna())


def _roster_role(text: pd.Series) -> pd.Series:
    return _contains_map(text, [
        (r"售前.*售后|售后.*售前|全部|都|^both$", "both"),
        (r"售前|^presale$", "presale"),
        (r"售后|^after_sales$", "after_sales"),
    ])


def _intervened(text: pd.Series) -> pd.Series:
    """客服介入状态: 小二/客服已经介入 → True, 未介入 → False, else yes/no words."""
    involved = text.str.contains("介入", na=False)
    negated = text.str.contains(r"^(?:未|无|没有|不|非)", na=False)
    worded = pd.Series(pd.NA, index=text.index, dtype="boolean").mask(involved, ~negated)
    return worded.fillna(_to_bool(text)).astype("boolean")


_SPECIAL_PARSERS = {
    ("orders", "status"): _order_status,
    ("chats", "sender"): _chat_sender,
    ("chats", "category"): _chat_category,
    ("roster", "role"): _roster_role,
    ("refunds", "platform_intervened"): _intervened,
}


def parser_for(table: str, column: str, kind: str) -> Callable[[pd.Series], pd.Series]:
    """The parser of one canonical column: a table-specific one (order status, chat sender ...),
    else the id parser for id columns, else the parser of the column's kind (text as is)."""
    special = _SPECIAL_PARSERS.get((table, column))
    if special is not None:
        return special
    return _to_id if column in ID_COLUMNS else _PARSERS.get(kind, _to_text)


def as_text(values: pd.Series) -> pd.Series:
    """The project's text dtype (pandas 3 ``str``; object of str under pandas 2)."""
    return values.astype("str") if _PANDAS3 else values.astype(object).where(values.notna())


def normalize_province(text: pd.Series) -> pd.Series:
    """上海 → 上海市, 内蒙古 → 内蒙古自治区, 广东 → 广东省 ...; unknown names kept as given."""
    return text.str[:2].map(_PROVINCE_BY_PREFIX).fillna(text)


_SLOT_TEXT = r"^\s*(\d{1,2})(?:[:：]00)?\s*[点时]?\s*[-~～—至到]\s*(\d{1,2})(?:[:：]00)?\s*[点时]?\s*$"


def slot_start_hour(text: pd.Series) -> pd.Series:
    """The first hour (0-23) of a one-hour payment slot as a register writes it: ``14:00-15:00``
    (the canonical :data:`PAY_SLOTS` text), ``14-15``, ``14点-15点``, ``9:00~10:00``,
    ``23:00-24:00``; anything else (a two-hour span, ``下午``) → ``<NA>``."""
    parts = text.astype(object).where(text.notna()).astype("string").str.extract(_SLOT_TEXT)
    start, end = (pd.to_numeric(parts[i], errors="coerce") for i in (0, 1))
    ok = start.between(0, 23) & end.eq(start + 1)
    return start.where(ok).astype("Int64")


def file_date(path: Path) -> pd.Timestamp | None:
    """A report date in the file name: ``2026-11-20``, ``2026_11_20``, ``2026年11月20日``, ``20261120``."""
    for pattern in (r"(?<!\d)(20\d\d)[-_.年](\d{1,2})[-_.月](\d{1,2})(?!\d)",
                    r"(?<!\d)(20\d\d)(\d\d)(\d\d)(?!\d)"):
        for match in re.finditer(pattern, path.stem):
            try:
                return pd.Timestamp(*map(int, match.groups()))
            except ValueError:
                continue
    return None

