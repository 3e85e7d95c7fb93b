"""Canonical tables of csops (see ``shared/DATA.md``): columns, header aliases, keys, schemas.

Each table is declared once as a :class:`TableSpec` in :data:`TABLES`. The loader
(:mod:`csops_lib.loaders.core`) maps export headers onto the canonical columns with
:meth:`TableSpec.alias_lookup`, converts values according to each column's ``kind`` and then
validates the cleaned frame with the pandera schema returned by :func:`schema_for`
(:func:`failure_cases`). pandera is imported on the first validation, not with this module:
the store's readers (``csops kpis``, the reports) never validate, and its import is 0.2 s of
their start.

Column kinds and the dtype the loader produces for them (``docs/CONVENTIONS.md``):

============  =========================================  ===============================
kind          values                                     dtype
============  =========================================  ===============================
text          names, ids, free text                      pandas default string dtype
enum          text restricted to ``Column.choices``      pandas default string dtype
datetime      timestamp, shop local time                 ``datetime64[ns]``
date          day (timestamp at midnight)                ``datetime64[ns]``
int           counts                                     ``Int64``
float         plain numbers                              ``float64``
rate          fraction in [0, 1]                         ``float64``
duration      seconds                                    ``float64``
money         yuan                                       ``float64``
bool          yes / no                                   ``boolean``
============  =========================================  ===============================
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import pandera.pandas as pa

# --------------------------------------------------------------------------- plausible values
#: the largest amount (yuan) one order line, order or refund may carry; above it a value is
#: a typo or an attack (``1e309``), and the row is quarantined rather than summed
MAX_ORDER_AMOUNT_YUAN = 10_000_000
#: the largest aggregated amount (an agent's or a store's sales, a promo's target, yuan)
MAX_TOTAL_AMOUNT_YUAN = 10_000_000_000
#: the earliest plausible day of any date or time in an export
MIN_PLAUSIBLE_DATE = dt.date(2000, 1, 1)
#: how far after today a date may lie (a promo planned ahead, a shift roster)
MAX_DAYS_AHEAD = 366


def latest_plausible_date(today: dt.date | None = None) -> dt.date:
    """The last plausible day of a date in an export: today + :data:`MAX_DAYS_AHEAD`."""
    return (today or dt.date.today()) + dt.timedelta(days=MAX_DAYS_AHEAD)


KINDS = ("text", "enum", "datetime", "date", "int", "float", "rate", "duration", "money", "bool")
NUMERIC_KINDS = ("int", "float", "rate", "duration", "money")

_DTYPES = {
    "datetime": "datetime64[ns]",
    "date": "datetime64[ns]",
    "int": "Int64",
    "float": "float64",
    "rate": "float64",
    "duration": "float64",
    "money": "float64",
    "bool": "boolean",
}


@dataclass(frozen=True)
class Column:
    """One canonical column.

    ``required``: the column must be present in an export (else ``MissingColumnError``).
    ``nullable``: a row may leave it empty; defaults to ``not required``.
    ``aliases``: export headers that mean this column, besides the canonical name itself
    (matched after :func:`normalize_header`).
    ``min_value`` / ``max_value``: inclusive bounds checked by the pandera schema; numeric
    kinds other than ``float`` are never negative unless ``min_value`` says otherwise, and
    money is at most :data:`MAX_ORDER_AMOUNT_YUAN` unless ``max_value`` says otherwise.
    Every numeric value must be finite; every date lies between :data:`MIN_PLAUSIBLE_DATE`
    and :func:`latest_plausible_date`.
    ``helper``: an input used only to derive another column, dropped from the result.
    """

    name: str
    kind: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    nullable: bool | None = None
    choices: tuple[str, ...] = ()
    min_value: float | None = None
    max_value: float | None = None
    helper: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column {self.name!r}: unknown kind {self.kind!r}")
        if self.nullable is None:
            object.__setattr__(self, "nullable", not self.required)
        if self.min_value is None and self.kind in ("int", "rate", "duration", "money"):
            object.__setattr__(self, "min_value", 0)
        if self.max_value is None and self.kind == "rate":
            object.__setattr__(self, "max_value", 1)
        if self.max_value is None and self.kind == "money":
            object.__setattr__(self, "max_value", MAX_ORDER_AMOUNT_YUAN)

    @property
    def headers(self) -> tuple[str, ...]:
        """Every header this column answers to: the canonical name first, then the aliases."""
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class TableSpec:
    """A canonical table: ordered columns, natural key and the column giving a row's day.

    ``key``: columns that identify a row (dedupe); only those present in a frame are used.
    ``day_columns``: the row's day for partitioning, first non-missing of these columns
    (empty for tables that are not per-day, such as ``roster``).
    """

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    day_columns: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """Canonical column names in declaration order."""
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        """Names of the columns an export must have."""
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        """The :class:`Column` called ``name`` (``KeyError`` if none)."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"table {self.name!r} has no column {name!r}")

    @cached_property
    def alias_lookup(self) -> dict[str, tuple[str, int]]:
        """Normalised header → (canonical column, alias rank; 0 = best match)."""
        lookup: dict[str, tuple[str, int]] = {}
        for col in self.columns:
            for rank, header in enumerate(col.headers):
                lookup.setdefault(normalize_header(header), (col.name, rank))
        return lookup

    def row_day(self, df: pd.DataFrame) -> pd.Series:
        """Each row's day (midnight timestamps) from ``day_columns``, first non-missing wins."""
        if not self.day_columns:
            raise ValueError(f"table {self.name!r} is not partitioned by day")
        day = pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns]")
        for name in self.day_columns:
            if name in df.columns:
                day = day.fillna(df[name])
        return day.dt.normalize()


_SPACES = re.compile(r"[\s_]+")


def normalize_header(header: object) -> str:
    """Fold a header for alias matching.

    NFKC folds full-width brackets, colons, spaces, letters and digits to ASCII; then 帐号 →
    账号, English is lower-cased, and spaces and underscores are removed
    (``首次响应时长（秒)`` = ``首次响应时长(秒)``, ``Order ID`` = ``order_id``).
    """
    text = unicodedata.normalize("NFKC", str(header)).replace("帐号", "账号").lower()
    return _SPACES.sub("", text)


def _c(name: str, kind: str, *aliases: str, **options) -> Column:
    return Column(name, kind, tuple(aliases), **options)


_PII = (
    _c("customer_name", "text", "收货人姓名", "客户姓名", "收货人", "name", "receiver"),
    _c("phone", "text", "联系手机", "联系电话", "电话", "手机", "手机号", "mobile", "tel"),
    _c("address", "text", "收货地址", "客户地址", "地址", "shipping address"),
)

ORDERS = TableSpec(
    name="orders",
    description="daily deal register (成交登记) or a platform order export",
    columns=(
        _c("order_id", "text", "订单编号", "订单号", "主订单编号", "order no", "order number",
           "order", required=True),
        _c("paid_at", "datetime", "订单付款时间", "买家付款时间", "付款时间", "付款确认时间",
           "成交时间", "成交日期", "paid time", "payment time", "pay time", "deal date",
           required=True, nullable=True),
        _c("amount", "money", "买家实际支付金额", "买家实付金额", "实付金额", "付款金额",
           "应付金额", "paid amount", "payment amount", required=True),
        _c("customer_id", "text", "买家会员名", "买家昵称", "下单帐号", "客户ID", "旺旺",
           "buyer", "buyer id", "customer"),
        _c("store", "text", "店铺名称", "成交店铺", "店铺", "shop", "store name", "selling store"),
        _c("agent", "text", "对应负责人", "客服", "负责人", "agent name", "agent in charge"),
        _c("product", "text", "宝贝标题", "商品名称", "商品标题", "销售产品", "item", "title",
           "product sold"),
        _c("quantity", "int", "宝贝总数量", "购买数量", "订购数量", "订单数量", "数量", "qty",
           min_value=1),
        _c("status", "enum", "订单状态", "交易状态", "order status",
           choices=("paid", "unpaid", "closed", "refunded")),
        _c("refund_amount", "money", "退款金额", "refund"),
        _c("order_total", "money", "总金额", "订单金额", "total", "total amount"),
        _c("created_at", "datetime", "订单创建时间", "买家下单时间", "下单时间", "created",
           "create time", "order time"),
        *_PII,
        _c("province", "text", "省份", "省", "state"),
        _c("city", "text", "城市", "市"),
        _c("gender", "text", "性别", "sex"),
        _c("note", "text", "订单备注", "备注", "商家备注", "remark", "notes"),
        _c("pay_slot", "text", "付款时间段", "时间段", "pay hour", "payment slot"),
    ),
    key=("order_id",),
    day_columns=("created_at", "paid_at"),
)

AGENT_DAILY = TableSpec(
    name="agent_daily",
    description="the supervisor's per-agent daily tally (METRICS.md §1)",
    columns=(
        _c("date", "date", "日期", "day", required=True),
        _c("agent", "text", "负责人", "客服", "客服昵称", "姓名", required=True),
        _c("total_received", "int", "总接待人数", "total received", required=True),
        _c("silent_checks", "int", "静默下单", "静默下单人数", "silent"),
        _c("after_sales", "int", "售后咨询", "售后咨询人数", "售后"),
        _c("ad_contacts", "int", "广告接待", "广告接待人数", "广告", "ads"),
        _c("brushing_contacts", "int", "刷单接待", "刷单接待人数", "刷单", "brushing"),
        _c("followups", "int", "追单人数", "追单", "follow ups"),
        _c("account_switch", "int", "换号拍", "换号拍人数", "换号"),
        _c("followup_failed", "int", "追单未成交人数", "追单未成交"),
        _c("inquiry_failed", "int", "询单未成交人数", "询单未成交"),
    ),
    key=("date", "agent"),
    day_columns=("date",),
)

AGENT_STATS = TableSpec(
    name="agent_stats",
    description="a platform's per-agent performance export (赤兔 售前明细表, 千牛 客服绩效)",
    columns=(
        _c("date", "date", "日期", "统计日期", "day", required=True),
        _c("agent", "text", "客服", "旺旺昵称", "客服昵称", "客服旺旺", "旺旺", required=True),
        _c("served", "int", "接待人数", "接待客户数"),
        _c("consulted", "int", "咨询人数"),
        _c("inquiries", "int", "询单人数"),
        _c("inquiry_paid", "int", "询单->最终付款人数", "询单最终付款人数", "询单付款人数"),
        _c("inquiry_conversion", "rate", "询单->最终付款成功率", "询单->最终付款转化率",
           "询单转化率", "询单最终付款成功率"),
        _c("next_day_paid", "int", "询单->次日付款人数", "询单次日付款人数"),
        _c("sales", "money", "销售额", "客服销售额", max_value=MAX_TOTAL_AMOUNT_YUAN),
        _c("aov", "money", "客单价"),
        _c("items_per_buyer", "float", "客件数", min_value=0),
        _c("reply_rate", "rate", "客服回复率", "回复率"),
        _c("avg_response_s", "duration", "平均响应时间", "平均响应时长", "平均响应(秒)",
           "平均响应时间(秒)"),
        _c("first_response_s", "duration", "首次响应时间", "首次响应时长", "首次响应时长(秒)",
           "首次响应(秒)", "首次响应时间(秒)"),
        _c("slow_responses", "int", "慢响应人数", "慢响应"),
        _c("answer_question_ratio", "float", "客服答问比", "答问比", min_value=0),
        _c("refund_rate", "rate", "退款率"),
        _c("transferred_out", "int", "转出人数"),
    ),
    key=("date", "agent"),
    day_columns=("date",),
)

CHATS = TableSpec(
    name="chats",
    description="one row per chat message (聊天记录)",
    columns=(
        _c("sent_at", "datetime", "消息时间", "时间", "发送时间", "time", "timestamp",
           required=True),
        _c("agent", "text", "客服", "客服账号", "子账号", "客服昵称", required=True),
        _c("customer_id", "text", "买家", "买家昵称", "客户", "旺旺", "buyer", "customer",
           required=True),
        _c("sender", "enum", "发送方角色", "发送方", "角色", "role", "sender role",
           required=True, choices=("customer", "agent", "auto")),
        _c("session_id", "text", "会话ID", "会话编号", "session"),
        _c("store", "text", "店铺", "店铺名称", "shop"),
        _c("category", "enum", "类型", "会话类型", "咨询类型", "type",
           choices=("presale", "after_sales", "ad", "silent_check", "followup", "other")),
        _c("agreed_to_buy", "bool", "约定下单", "agreed"),
        _c("text", "text", "内容", "消息内容", "聊天内容", "message", "content"),
        _c("sender_nick", "text", "发送人", "发送人昵称", "sender name", helper=True),
        _c("is_auto", "bool", "是否自动回复", "自动回复", "auto reply", helper=True),
    ),
    key=("sent_at", "agent", "customer_id", "sender", "text"),
    day_columns=("sent_at",),
)

REFUNDS = TableSpec(
    name="refunds",
    description="refund requests (退款单)",
    columns=(
        _c("refund_id", "text", "退款编号", "退款单号", "refund no", required=True),
        _c("order_id", "text", "订单编号", "订单号", "order no", required=True),
        _c("agent", "text", "客服", "负责人", "处理人"),
        _c("amount", "money", "买家退款金额", "退款金额", "退款总额", "refund amount",
           required=True),
        _c("reason", "text", "买家退款原因", "退款原因"),
        _c("status", "text", "退款状态", "refund status"),
        _c("applied_at", "datetime", "退款的申请时间", "退款申请时间", "申请时间", "applied",
           required=True),
        _c("closed_at", "datetime", "退款完结时间", "完结时间", "closed"),
        _c("platform_intervened", "bool", "客服介入状态", "小二介入", "intervened"),
        _c("responsible_party", "text", "责任方"),
        _c("phase", "text", "售中或售后"),
        _c("type", "text", "售后类型", "退款类型"),
    ),
    key=("refund_id",),
    day_columns=("applied_at",),
)

TRAFFIC = TableSpec(
    name="traffic",
    description="生意参谋 traffic: per store per day, optional province or hour breakdown",
    columns=(
        _c("date", "date", "日期", "统计日期", "day", required=True),
        _c("store", "text", "店铺", "店铺名称", "shop"),
        _c("province", "text", "省份", "地域", "省"),
        _c("hour", "int", "小时", "时段", max_value=23),
        _c("uv", "int", "访客数", "visitors", required=True),
        _c("pv", "int", "浏览量", "page views"),
        _c("bounce_rate", "rate", "跳失率"),
        _c("avg_stay_s", "duration", "平均停留时长", "人均停留时长(秒)", "人均停留时长",
           "平均停留时长(秒)"),
        _c("paying_buyers", "int", "支付买家数"),
        _c("pay_conversion", "rate", "支付转化率"),
    ),
    key=("date", "store", "province", "hour"),
    day_columns=("date",),
)

CALLBACKS = TableSpec(
    name="callbacks",
    description="callbacks to customers (回访)",
    columns=(
        _c("date", "date", "日期", "回访日期", "回访时间", "day", required=True),
        _c("agent", "text", "客服", "负责人", "回访人"),
        _c("order_id", "text", "订单编号", "订单号", "order no", required=True),
        _c("customer_id", "text", "买家", "买家昵称", "旺旺", "客户", "customer"),
        _c("result", "text", "回访结果", "结果"),
        _c("notes", "text", "备注", "回访备注", "note"),
    ),
    key=("date", "order_id"),
    day_columns=("date",),
)

REMINDERS = TableSpec(
    name="reminders",
    description="payment reminders already sent (催付)",
    columns=(
        _c("sent_at", "datetime", "催付时间", "发送时间", "时间", "time", required=True),
        _c("agent", "text", "客服", "负责人", "催付人"),
        _c("order_id", "text", "订单编号", "订单号", "order no", required=True),
        _c("customer_id", "text", "买家", "买家昵称", "旺旺", "客户", "customer"),
    ),
    key=("order_id", "sent_at"),
    day_columns=("sent_at",),
)

_DSR_SCORE = {"min_value": 0, "max_value": 5}

DSR = TableSpec(
    name="dsr",
    description="store DSR ratings (店铺DSR)",
    columns=(
        _c("date", "date", "日期", "day", required=True),
        _c("store", "text", "店铺", "店铺名称", "shop"),
        _c("description", "float", "描述相符", required=True, **_DSR_SCORE),
        _c("service", "float", "服务态度", required=True, **_DSR_SCORE),
        _c("logistics", "float", "物流服务", required=True, **_DSR_SCORE),
    ),
    key=("date", "store"),
    day_columns=("date",),
)

TRAINING = TableSpec(
    name="training",
    description="new agents' assessments",
    columns=(
        _c("agent", "text", "客服", "姓名", "学员", required=True),
        _c("date", "date", "日期", "考核日期", "day", required=True),
        _c("module", "text", "模块", "考核模块", "课程", required=True),
        _c("score", "float", "分数", "成绩", "得分", required=True, min_value=0, max_value=100),
    ),
    key=("agent", "date", "module"),
    day_columns=("date",),
)

ROSTER = TableSpec(
    name="roster",
    description="the team: agents, teams, roles and shifts",
    columns=(
        _c("agent", "text", "客服", "姓名", "客服昵称", "旺旺", required=True),
        _c("team", "text", "组别", "小组", "团队", "组"),
        _c("role", "enum", "岗位", "角色", "职责", choices=("presale", "after_sales", "both")),
        _c("shift_start", "text", "上班时间", "班次开始", "shift start"),
        _c("shift_end", "text", "下班时间", "班次结束", "shift end"),
        _c("hired_on", "date", "入职日期", "入职时间", "hired"),
        _c("shunt_weight", "float", "分流权重", "分流比例", "weight", min_value=0),
    ),
    key=("agent",),
)

PROMOS = TableSpec(
    name="promos",
    description="promotions with team and agent targets",
    columns=(
        _c("name", "text", "活动名称", "活动", "promo", required=True),
        _c("start", "datetime", "开始时间", "开始日期", "start time", required=True),
        _c("end", "datetime", "结束时间", "结束日期", "end time", required=True),
        _c("team", "text", "组别", "小组", "团队"),
        _c("agent", "text", "客服", "姓名"),
        _c("target_orders", "int", "目标单量", "目标订单数", "订单目标", "orders target"),
        _c("target_sales", "money", "目标销售额", "销售额目标", "sales target",
           max_value=MAX_TOTAL_AMOUNT_YUAN),
    ),
    key=("name", "team", "agent"),
)

_SUPERVISOR_SCORE = {"min_value": 0, "max_value": 100}

#: the supervisor's monthly scores of each agent (主管评分): the dimensions no export carries
#: (teamwork, attitude … of the `full` KPI scheme); scores 0-100, satisfaction a fraction.
SUPERVISOR_SCORES = TableSpec(
    name="supervisor_scores",
    description="the supervisor's scores per agent and month (主管评分)",
    columns=(
        _c("month", "date", "月份", "考核月份", "月度", "日期", required=True),
        _c("agent", "text", "客服", "姓名", "客服昵称", required=True),
        _c("teamwork", "float", "团队协作", "团队合作", **_SUPERVISOR_SCORE),
        _c("attitude", "float", "服务态度", "工作态度", **_SUPERVISOR_SCORE),
        _c("discipline", "float", "工作纪律", "纪律", **_SUPERVISOR_SCORE),
        _c("satisfaction", "rate", "客户满意度", "满意度", "满意率"),
        _c("notes", "text", "备注", "评语"),
    ),
    key=("month", "agent"),
    day_columns=("month",),
)

TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (ORDERS, AGENT_DAILY, AGENT_STATS, CHATS, REFUNDS, TRAFFIC, CALLBACKS,
                 REMINDERS, DSR, TRAINING, ROSTER, PROMOS, SUPERVISOR_SCORES)
}


def get_spec(table: str) -> TableSpec:
    """The spec of ``table``; ``KeyError`` naming the known tables otherwise."""
    try:
        return TABLES[table]
    except KeyError:
        raise KeyError(f"unknown table {table!r}; known: {', '.join(TABLES)}") from None


def _finite(values: pd.Series) -> pd.Series:
    return pd.Series(np.isfinite(values.to_numpy(dtype="float64", na_value=np.nan)),
                     index=values.index)


def _pandera():
    """``pandera.pandas``, imported on first use (see the module's docstring)."""
    import pandera.pandas as pandera  # a third-party module: not loaded by the store's readers

    return pandera


def _checks(col: Column, last: dt.date) -> list[pa.Check]:
    pa = _pandera()
    checks = []
    if col.kind in NUMERIC_KINDS:
        checks.append(pa.Check(_finite, error="must be a finite number"))
    if col.kind in ("date", "datetime"):
        first = MIN_PLAUSIBLE_DATE
        checks.append(pa.Check.in_range(
            pd.Timestamp(first), pd.Timestamp(last) + pd.Timedelta(days=1),
            include_max=False, error=f"must be a date between {first} and {last}"))
    if col.min_value is not None:
        checks.append(pa.Check.ge(col.min_value,
                                  error=f"must be at least {col.min_value:,.15g}"))
    if col.max_value is not None:
        checks.append(pa.Check.le(col.max_value,
                                  error=f"must be at most {col.max_value:,.15g}"))
    if col.choices:
        checks.append(pa.Check.isin(col.choices, error=f"must be one of {', '.join(col.choices)}"))
    return checks


def schema_for(table: str) -> pa.DataFrameSchema:
    """The pandera schema of a cleaned ``table`` frame.

    Columns are optional (an export may lack optional columns) and extra columns are
    allowed; dtypes, nullability, bounds (counts ≥ 0, quantity ≥ 1, rates in [0, 1], money
    and durations ≥ 0, money ≤ its cap, numbers finite, dates in the plausible range) and
    allowed values are checked. Helper columns are not part of it. Built once per table and
    day (the latest plausible date moves with today): ~10 ms each, once per file before.
    """
    return _schema(get_spec(table).name, latest_plausible_date())


@lru_cache(maxsize=64)
def _schema(table: str, last: dt.date) -> pa.DataFrameSchema:
    spec = get_spec(table)
    pa = _pandera()
    return pa.DataFrameSchema(
        {
            col.name: pa.Column(
                _DTYPES.get(col.kind),
                _checks(col, last),
                nullable=bool(col.nullable),
                required=False,
            )
            for col in spec.columns
            if not col.helper
        },
        name=table,
        strict=False,
    )


def failure_cases(frame: pd.DataFrame, table: str) -> pd.DataFrame | None:
    """The failure cases (pandera's frame: index, column, check, failure_case, …) of
    ``frame`` against :func:`schema_for` ``(table)``, every check run; None when it passes."""
    try:
        schema_for(table).validate(frame, lazy=True)
    except _pandera().errors.SchemaErrors as err:
        return err.failure_cases
    return None
