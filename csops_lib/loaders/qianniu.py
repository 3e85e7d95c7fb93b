"""Qianniu (千牛) chat text → rows of the ``chats`` table (one row per message).

A supervisor copies or exports an agent's chat window as a ``.txt`` file (UTF-8, UTF-8 with BOM
or GBK; ``\\r\\n`` or ``\\n``), one conversation or many. What is read:

* a message starts with a header line ``<nick> <YYYY-M-D H:MM:SS>`` (one-digit month, day and
  hour allowed; the nick may touch the time) or ``<from> --> <to> <time>``; its content is the
  following lines up to the next header (several lines, links and ``¥`` price cards kept);
* ``店铺名:客服名`` is a sub-account: the agent is the part after the colon, the store the part
  before; the customer is the nick that is not an agent (sub-accounts, the shop's account
  names, nicks listed in ``params/qianniu.yaml``; or a ``customer_pattern``);
* an auto reply carries a marker in its text (``【自动回复】`` …) or comes from a bot nick
  (店小蜜 …): ``sender = auto``;
* events, not messages (counted in the load report, never quarantined): delivery states
  (``已读`` / ``未读`` / ``发送中`` alone on a line), recalls (``<nick> 撤回了一条消息``), system
  lines (``当前用户来自 …``, ``原因：…``) and transfers (``由 A 转交给 B``): after a transfer
  the customer's messages belong to B, so the handover rule sees who had the customer;
* conversations are separated by a line of ``====`` / ``----``, a ``与 X 的聊天记录`` title,
  or a new customer nick. A customer message belongs to the conversation's current agent (the
  last agent who spoke or was handed the customer; else the next agent who speaks; else the
  file's only agent).

:func:`is_chat_text` tells such a file from a ``.txt`` CSV/TSV export by its header lines;
:func:`parse` returns the messages as text columns keyed by their header's line number, the
blocks that cannot be read (line, reason) and the events. The loader
(:mod:`csops_lib.loaders.core`) types, validates and de-duplicates the rows like any export.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field

import pandas as pd

from csops_lib.settings.qianniu import QianniuSettings

__all__ = ["ChatText", "is_chat_text", "parse", "split_lines"]

_TIME = r"(?P<ts>\d{4}[-/]\d{1,2}[-/]\d{1,2}\s+\d{1,2}:\d{1,2}(?::\d{1,2})?)"
_HEADER = re.compile(r"^(?P<nick>.*?)\s*" + _TIME + r"$")
_TS_PARTS = re.compile(r"(\d+)[-/](\d+)[-/](\d+)\s+(\d+):(\d+)(?::(\d+))?")
_ARROW = re.compile(r"^(?P<from>.+?)\s*-->\s*(?P<to>.+)$")
_RECALL = re.compile(r"^(?P<nick>.*?)\s*撤回了一条消息$")
_TRANSFER = re.compile(r"^由\s*(?P<from>.+?)\s*转交给\s*(?P<to>[^\s,，。;；]+)")
_SEPARATOR = re.compile(r"^[=\-—_*#~]{3,}$")
_TITLE = re.compile(r"^(?:与|和)\s*(?P<nick>.+?)\s*的聊天记录")
_STATES = frozenset({"已读", "未读", "发送中", "发送失败"})
_SPACES = " \t\u3000\ufeff"
#: lines looked at to decide whether a .txt file is chat text
SNIFF_LINES = 40
COLUMNS = ["sent_at", "agent", "customer_id", "sender", "store", "text"]


def split_lines(text: str) -> list[str]:
    """Lines of ``text`` whatever its line ends (``\\r\\n``, ``\\n``, ``\\r``)."""
    return re.split(r"\r\n|\r|\n", text)


def _header(line: str) -> re.Match | None:
    """The header match of a stripped line; a nick with a tab or a comma is a table row."""
    m = _HEADER.match(line)
    if m is None or "\t" in m["nick"] or "," in m["nick"] or m["nick"].endswith((":", "：")):
        return None
    return m


def is_chat_text(text: str) -> bool:
    """Whether ``text`` is a Qianniu chat record rather than a CSV/TSV table: among its first
    :data:`SNIFF_LINES` non-blank lines, header lines (``<nick> <time>``) come before any table
    (two consecutive lines split alike by tabs or by two or more commas): two of them, or one
    in a file with no table."""
    headers, tabular, previous = 0, False, None
    seen = 0
    for raw in split_lines(text):
        line = raw.strip(_SPACES)
        if not line:
            continue
        seen += 1
        if seen > SNIFF_LINES:
            break
        shape = (line.count("\t"), line.count(","))
        delimited = shape[0] >= 1 or shape[1] >= 2
        if _header(line) or _RECALL.match(line):
            headers += 1
            if headers >= 2:
                return True
        elif delimited and shape == previous:
            tabular = True
            break
        previous = shape if delimited else None
    return headers >= 1 and not tabular


@dataclass
class ChatText:
    """What :func:`parse` read: ``messages`` (text columns :data:`COLUMNS`, index = the line
    number of each message's header), ``problems`` (line, column, value, reason) of the
    blocks that are not messages we can load, ``events`` (kind → count) and ``transfers``
    (line, customer_id, from, to)."""

    messages: pd.DataFrame
    problems: list[tuple[int, str, str, str]] = field(default_factory=list)
    events: dict[str, int] = field(default_factory=dict)
    transfers: list[dict] = field(default_factory=list)


@dataclass
class _Msg:
    line: int
    header: str
    nick: str
    ts: str
    to: str | None = None
    content: list[str] = field(default_factory=list)
    role: str = ""  # agent | customer | bot
    customer: str | None = None
    agent: str | None = None
    store: str | None = None
    sender: str = ""
    text: str = ""


@dataclass
class _Conv:
    """One conversation: its items (messages and transfers) in file order."""

    customer: str | None = None
    items: list = field(default_factory=list)


class _Roles:
    """Who a nick is: agent, customer or bot (settings + the sub-account rule)."""

    def __init__(self, settings: QianniuSettings):
        self.s = settings
        self.agents = set(settings.agents)
        self.prefixes = tuple(p for p in settings.subaccount_prefixes if p)
        self.customer = re.compile(settings.customer_pattern) if settings.customer_pattern else None
        self.bots = set(settings.bot_nicks)
        self.cache: dict[str, str] = {}

    @staticmethod
    @functools.cache
    def split(nick: str) -> tuple[str | None, str]:
        """(store, agent) of a ``店铺:客服`` nick; (None, nick) otherwise."""
        store, colon, name = re.sub("：", ":", nick).partition(":")
        return (store.strip() or None, name.strip()) if colon else (None, nick)

    def role(self, nick: str) -> str:
        if (known := self.cache.get(nick)) is None:
            known = self.cache[nick] = self._role(nick)
        return known

    def _role(self, nick: str) -> str:
        store, name = self.split(nick)
        if nick in self.bots or name in self.bots:
            return "bot"
        if store is not None or nick in self.agents or name in self.agents:
            return "agent"
        if self.prefixes and nick.startswith(self.prefixes):
            return "agent"
        if self.customer is not None:
            return "customer" if self.customer.search(nick) else "agent"
        return "customer"

    def who(self, nick: str) -> tuple[str | None, str]:
        """(store, agent) of an agent nick: a main account (a nick starting with one of the
        ``subaccount_prefixes``) is its own store."""
        store, name = self.split(nick)
        if store is None and self.prefixes:
            store = next((p for p in self.prefixes if nick.startswith(p)), None)
        return store, name

    def is_auto(self, text: str) -> bool:
        return any(marker in text for marker in self.s.auto_markers)


def _timestamp(text: str) -> str:
    """``YYYY-MM-DD HH:MM:SS`` from a header time (one-digit parts padded); the text as given
    when it is not a real time (the loader then quarantines the message)."""
    m = _TS_PARTS.fullmatch(text)
    y, mo, d, h, mi, s = (int(g) if g else 0 for g in m.groups())
    try:
        dt.datetime(y, mo, d, h, mi, s)
    except ValueError:
        return text
    return f"{y:04d}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}:{s:02d}"


class _Reader:
    """Pass 1: lines → conversations of messages and transfers, events, orphan blocks."""

    def __init__(self, roles: _Roles, settings: QianniuSettings):
        self.roles, self.s = roles, settings
        self.convs: list[_Conv] = [_Conv()]
        self.events: dict[str, int] = {}
        self.problems: list[tuple[int, str, str, str]] = []
        self.current: _Msg | None = None
        self.orphan: tuple[int, str] | None = None  # first line of a block outside a message

    def event(self, kind: str) -> None:
        self.events[kind] = self.events.get(kind, 0) + 1

    def boundary(self, customer: str | None = None) -> None:
        self.close()
        self.current = None
        if self.convs[-1].items or self.convs[-1].customer:
            self.convs.append(_Conv())
        self.convs[-1].customer = customer

    def close(self) -> None:
        if self.orphan is not None:
            line, text = self.orphan
            self.problems.append((line, "text", text[:80], "text outside any message: no "
                                  "'<nick> <YYYY-M-D H:MM:SS>' header line above it"))
            self.orphan = None

    def read(self, lines: list[str]) -> None:
        for number, raw in enumerate(lines, start=1):
            line = raw.strip(_SPACES)
            if not line:
                if self.current is not None:
                    self.current.content.append("")
                continue
            self.line(number, line)
        self.close()

    def line(self, number: int, line: str) -> None:
        if _SEPARATOR.match(line):
            self.event("separator")
            self.boundary()
        elif (m := _TITLE.match(line)) is not None:
            self.event("title")
            nick = m["nick"]
            self.boundary(nick if self.roles.role(nick) == "customer" else None)
        elif (m := _header(line)) is not None:
            self.message(number, line, m)
        elif _RECALL.match(line):
            self.event("recalled")
        elif (m := _TRANSFER.match(line)) is not None:
            self.event("transfer")
            self.convs[-1].items.append(("transfer", number, m["from"], m["to"]))
        elif line in _STATES:
            self.event("delivery_state")
        elif line.startswith(tuple(self.s.system_prefixes)):
            self.event("system")
        elif self.current is not None:
            self.current.content.append(line)
        elif self.orphan is None:
            if "聊天记录" in line and not any(isinstance(i, _Msg) for c in self.convs
                                           for i in c.items):
                self.event("title")
            else:
                self.orphan = (number, line)

    def message(self, number: int, line: str, m: re.Match) -> None:
        self.close()
        nick, to = m["nick"].strip(_SPACES), None
        if (arrow := _ARROW.match(nick)) is not None:
            nick, to = arrow["from"].strip(), arrow["to"].strip()
        msg = _Msg(number, line, nick, _timestamp(m["ts"]), to)
        if not nick:
            self.problems.append((number, "agent", line, "header without a sender nick"))
            self.current = msg  # its content goes with it; never a row
            return
        msg.role = self.roles.role(nick)
        to_role = self.roles.role(to) if to is not None else None
        customer = nick if msg.role == "customer" else to if to_role == "customer" else None
        if msg.role == "customer" and to_role == "customer":
            msg.role, customer = "ambiguous", None
        if customer is not None and self.convs[-1].customer not in (None, customer):
            self.boundary(customer)
        if customer is not None:
            self.convs[-1].customer = customer
        self.current = msg
        conv = self.convs[-1]
        conv.items.append(msg)


def _resolve(conv: _Conv, roles: _Roles, file_agent: tuple[str | None, str] | None,
             settings: QianniuSettings, problems: list, transfers: list) -> list[_Msg]:
    """Pass 2: each message's agent, customer, store and sender within its conversation."""
    # the agent (store, name) in charge at each item: the last who spoke or was handed over
    charge: list[tuple[str | None, str] | None] = []
    current = None
    for item in conv.items:
        if isinstance(item, _Msg):
            if item.role == "agent":
                current = roles.who(item.nick)
            elif item.role == "customer" and item.to and roles.role(item.to) == "agent":
                current = roles.who(item.to)
        else:
            _, line, old, new = item
            transfers.append({"line": line, "customer_id": conv.customer,
                              "from": roles.who(old)[1], "to": roles.who(new)[1]})
            current = roles.who(new)
        charge.append(current)
    first = next((c for c in charge if c is not None), None) or file_agent
    out = []
    for item, in_charge in zip(conv.items, charge, strict=True):
        if not isinstance(item, _Msg) or not item.nick:
            continue
        text = "\n".join(item.content).strip("\n")
        if item.role == "ambiguous":
            problems.append((item.line, "sender", item.header,
                             f"cannot tell which of {item.nick!r} and {item.to!r} is the agent: "
                             "list the agent's nick under agents in params/qianniu.yaml"))
            continue
        if item.role == "agent":
            store, agent = roles.who(item.nick)
            sender = "auto" if roles.is_auto(text) else "agent"
        else:
            store, agent = in_charge or first or (None, None)
            sender = "customer" if item.role == "customer" else "auto"
        if agent is None:
            problems.append((item.line, "agent", item.header,
                             "no agent in this conversation (nobody answered, no transfer, "
                             "no '--> agent' header) and not one single agent in the file"))
            continue
        customer = conv.customer
        if customer is None:
            problems.append((item.line, "customer_id", item.header,
                             "no customer in this conversation: only agent messages and no "
                             "'与 X 的聊天记录' title"))
            continue
        item.agent, item.customer, item.sender = agent, customer, sender
        item.store, item.text = store or settings.store, text
        out.append(item)
    return out


def parse(text: str, settings: QianniuSettings | None = None) -> ChatText:
    """Read a Qianniu chat record (see the module docstring) into messages, problems and
    events."""
    settings = settings or QianniuSettings.load()
    roles = _Roles(settings)
    reader = _Reader(roles, settings)
    reader.read(split_lines(text))
    agents = {roles.who(i.nick) for c in reader.convs for i in c.items
              if isinstance(i, _Msg) and i.role == "agent"}
    file_agent = next(iter(agents)) if len(agents) == 1 else None
    problems, transfers, msgs = list(reader.problems), [], []
    for conv in reader.convs:
        msgs += _resolve(conv, roles, file_agent, settings, problems, transfers)
    frame = pd.DataFrame(
        [[m.ts, m.agent, m.customer, m.sender, m.store, m.text] for m in msgs],
        columns=COLUMNS, index=pd.Index([m.line for m in msgs], name="row"), dtype=object)
    events = {k: v for k, v in reader.events.items() if k not in ("separator", "title")}
    return ChatText(frame.sort_index(), sorted(problems), events, transfers)
