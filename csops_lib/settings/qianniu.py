"""How csops reads Qianniu (千牛) chat text (``.txt`` copied or exported from a chat window):
which messages are auto replies, which nicks are the shop's agents, who the customer is.
Defaults defined here ONCE; ``params/qianniu.yaml`` holds overrides."""
from __future__ import annotations

import re
from typing import ClassVar

from pydantic import Field, field_validator

from csops_lib.settings.base import Settings


class QianniuSettings(Settings):
    """The reading rules of :mod:`csops_lib.loaders.qianniu`."""

    FILE: ClassVar[str] = "qianniu.yaml"

    auto_markers: list[str] = Field(
        ["【自动回复】", "[自动回复]", "〔自动回复〕", "自动回复：", "自动回复:", "【机器人】",
         "[机器人]", "【店小蜜】", "[店小蜜]", "【阿里小蜜】", "[阿里小蜜]"],
        description="a message whose text contains one of these is an auto reply (sender auto)")
    bot_nicks: list[str] = Field(
        ["机器人", "阿里小蜜", "店小蜜", "服务助手"],
        description="sender nicks (or the part after 店铺: of a sub-account) that are bots: "
                    "their messages are auto replies")
    agents: list[str] = Field(
        [], description="extra agent nicks besides the 店铺:客服 sub-accounts (a main account "
                        "or plain nicks; the roster's names)")
    subaccount_prefixes: list[str] = Field(
        [], description="the shop's account names: a nick starting with one is an agent (the "
                        "main account itself included)")
    customer_pattern: str | None = Field(
        None, description="a regular expression: when set, a nick matching it is a customer and "
                          "any other unknown nick an agent; empty: every nick that is not an "
                          "agent is the customer")
    store: str | None = Field(
        None, description="the store of messages whose agent nick has no 店铺: prefix")
    system_prefixes: list[str] = Field(
        ["当前用户来自", "原因：【", "原因:【", "系统提示", "系统消息", "以上是历史消息",
         "以下为新消息", "以下是新消息", "查看更多消息"],
        description="a line starting with one of these is a system line: an event, not content")

    @field_validator("customer_pattern")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a regular expression ({exc})") from None
        return value or None


#: the built-in settings
DEFAULT = QianniuSettings()
