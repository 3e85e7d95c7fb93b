"""Where `csops send` and `csops leaderboard --send` push messages: defaults here, overrides
in params/send.yaml, then the command line (``--to URL``).

Destinations are Apprise URLs (``dingtalk://…``, ``wecombot://…``, ``feishu://…``,
``mailtos://…``, ``json://…``). A secret never needs to be written in a file: a URL may hold
``{env:NAME}`` (or ``$NAME`` / ``${NAME}``) placeholders, filled from the environment at send
time (:mod:`csops_lib.send`); every message csops prints shows a URL with its credentials and
tokens masked.
"""
from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from csops_lib.settings.base import Settings


class SendSettings(Settings):
    """Settings of `csops send` (no notebook: the report it sends has its own settings)."""

    FILE: ClassVar[str | None] = "send.yaml"

    to: list[str] = Field(default_factory=list,
                          description="Apprise URLs a report goes to when --to is not given; "
                                      "secrets as {env:NAME} placeholders")
    attach_schemes: list[str] = Field(["mailto", "mailtos"],
                                      description="URL schemes that receive the HTML and the "
                                                  "workbook as attachments (e-mail)")
    max_sentences: int = Field(10, gt=0, description="at most this many headline sentences "
                                                    "in a message")
