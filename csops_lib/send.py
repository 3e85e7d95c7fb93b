"""Push a report's headline, or the promo standings, to where the team reads them, through
Apprise (DingTalk ``dingtalk://``, WeCom bots ``wecombot://``, Feishu ``feishu://``, e-mail
``mailto://`` / ``mailtos://``, a JSON webhook ``json://`` / ``jsons://``, …).

- :func:`locate` finds the report's HTML (and workbook) under ``outputs/`` for the period, or
  runs the report (:func:`csops_lib.runner.run`) when it is missing;
- :func:`report_message` builds the message: the report's title and its headline sentences
  (the weekly review's from its data, :func:`csops_lib.render.weekly.text.highlights`; other
  reports' from the first list of sentences of their HTML) as markdown, every text passed
  through :func:`safe_text` (phones, names, addresses masked: a message leaves the shop);
- :func:`push` sends it to each URL, the HTML and workbook attached where the channel takes
  files (:attr:`SendSettings.attach_schemes`, e-mail by default).

Secrets: a URL may hold ``{env:NAME}`` / ``${NAME}`` / ``$NAME`` placeholders filled from the
environment at send time (:func:`expand`); a URL is only ever shown masked (:func:`mask_url`)
and every message from Apprise is scrubbed of the URL's credentials, tokens and the values of
the variables used (:func:`scrub`). A failed send is one line per destination
(:class:`SendError`); the report files are never touched by a send.
"""
from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

import apprise

from csops_lib import runner
from csops_lib.privacy import mask_text
from csops_lib.render.weekly import WeeklyView
from csops_lib.render.weekly import text as weekly_text
from csops_lib.reports import weekly
from csops_lib.settings.send import SendSettings
from csops_lib.settings.weekly import WeeklySettings

#: ``{env:NAME}``, ``${NAME}`` or ``$NAME`` in a URL: filled from the environment at send time
_ENV = re.compile(r"\{env:([A-Za-z_][A-Za-z0-9_]*)\}|\$\{([A-Za-z_][A-Za-z0-9_]*)\}"
                  r"|\$([A-Za-z_][A-Za-z0-9_]*)")
#: a host shown as is in a masked URL (anything else in the host position is a token)
_HOSTLIKE = re.compile(r"^(localhost|\[[0-9a-fA-F:.]+\]|[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+)$")
#: dates and times kept out of the phone masking (``2026-11-11``, ``11-11 10:00``)
_DATES = re.compile(r"(?<!\d)(?:(?:19|20)\d{2}-[01]?\d-[0-3]?\d|[01]\d-[0-3]\d(?= \d{1,2}:\d{2})"
                    r"|\d{1,2}:\d{2}(?::\d{2})?)(?!\d)")
MASK = "****"


class SendError(RuntimeError):
    """A message could not be sent; one line, the URL masked, no secret."""


# --------------------------------------------------------------------------- secrets
@dataclass(frozen=True)
class Target:
    """One destination: the URL with its placeholders filled (secret), how it is shown
    (masked) and the strings never to show."""

    url: str
    shown: str
    secrets: frozenset[str] = field(default_factory=frozenset)

    @property
    def scheme(self) -> str:
        return self.url.partition("://")[0].lower()


def mask_url(url: str) -> str:
    """``url`` safe to print: ``scheme://`` and a host that looks like one (with its port);
    credentials, tokens in the host position, the path and the query replaced by ``****`` /
    ``/…``. ``mailto://me:pw@smtp.qq.com:465?to=…`` → ``mailto://****@smtp.qq.com:465/…``."""
    scheme, sep, rest = str(url).partition("://")
    if not sep or not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme):
        return MASK
    netloc = re.split(r"[/?#]", rest, maxsplit=1)[0]
    tail = rest[len(netloc):]
    user = ""
    if "@" in netloc:
        user, netloc = f"{MASK}@", netloc.rpartition("@")[2]
    host, colon, port = netloc.rpartition(":") if not netloc.endswith("]") else (netloc, "", "")
    if not colon or not port.isdigit():
        host, colon, port = netloc, "", ""
    host = host if _HOSTLIKE.match(host) else MASK
    return f"{scheme}://{user}{host}{colon}{port}" + ("/…" if tail.strip("/") else "")


def url_secrets(url: str, extra: set[str] | frozenset[str] = frozenset()) -> frozenset[str]:
    """The parts of ``url`` never to print: the whole URL, its user and password, a host that
    is a token, every path segment and query value (also percent-decoded), and ``extra``."""
    out = {url, *extra}
    _, _, rest = url.partition("://")
    netloc = re.split(r"[/?#]", rest, maxsplit=1)[0]
    tail = rest[len(netloc):]
    if "@" in netloc:
        userinfo, _, netloc = netloc.rpartition("@")
        out.update(userinfo.split(":", 1))
    host = netloc.rsplit(":", 1)[0] if not netloc.endswith("]") else netloc
    if not _HOSTLIKE.match(host):
        out.add(host)
    path, _, query = tail.partition("?")
    out.update(s for s in path.split("/") if s)
    out.update(v for _, v in parse_qsl(query, keep_blank_values=True))
    out |= {unquote(s) for s in out}
    return frozenset(s for s in out if len(s) >= 3)


def scrub(text: str, secrets) -> str:
    """``text`` with every secret replaced by ``****`` (longest first)."""
    for s in sorted(secrets, key=len, reverse=True):
        text = text.replace(s, MASK)
    return text


def expand(url: str, environ: dict[str, str] | None = None) -> Target:
    """``url`` with its ``{env:NAME}`` / ``${NAME}`` / ``$NAME`` placeholders filled from the
    environment; an unset variable is a :class:`SendError` naming it (never its value)."""
    env = os.environ if environ is None else environ
    used: set[str] = set()

    def fill(m: re.Match) -> str:
        name = next(g for g in m.groups() if g)
        if not env.get(name):
            raise SendError(f"{mask_url(url)}: environment variable {name} is not set")
        used.add(env[name])
        return env[name]

    full = _ENV.sub(fill, str(url).strip())
    return Target(full, mask_url(full), url_secrets(full, used))


# --------------------------------------------------------------------------- masking
def safe_text(text: str) -> str:
    """``text`` as it may leave the shop: phones, names and addresses masked
    (:func:`csops_lib.privacy.mask_text`), dates and times kept as they are."""
    kept: list[str] = []

    def hold(m: re.Match) -> str:
        kept.append(m.group(0))
        return f"\x00{len(kept) - 1}\x00"

    out = mask_text(_DATES.sub(hold, str(text)))
    return re.sub(r"\x00(\d+)\x00", lambda m: kept[int(m.group(1))], out)


@dataclass
class Message:
    """What is pushed: a title, a markdown body, the files attached where the channel allows."""

    title: str
    body: str
    attachments: list[Path] = field(default_factory=list)


def markdown(title: str, sentences: list[str], notes: list[str] = ()) -> Message:
    """A message of ``title`` (bold), ``sentences`` as a bullet list and ``notes`` (what a
    ``*`` or a partial period means) in italics below, all masked."""
    lines = [f"**{safe_text(title)}**"]
    if sentences:
        lines += [""] + [f"- {safe_text(s)}" for s in sentences]
    notes = [n for n in notes if n not in sentences]  # a note the headline already says
    if notes:
        lines += [""] + [f"_{safe_text(n)}_" for n in notes]
    return Message(safe_text(title), "\n".join(lines))


# --------------------------------------------------------------------------- reports
class _Sentences(HTMLParser):
    """The title (``<h1>``) and the lists of sentences (``<li>`` without a link) of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.title, self.lists = "", []
        self._in, self._li, self._link, self._text = None, False, False, []

    def handle_starttag(self, tag, attrs):
        if tag == "h1" and not self.title:
            self._in, self._text = "h1", []
        elif tag in ("ul", "ol"):
            self.lists.append([])
        elif tag == "li":
            self._li, self._link, self._text = True, False, []
        elif tag == "a" and self._li:
            self._link = True

    def handle_endtag(self, tag):
        if tag == "h1" and self._in == "h1":
            self.title, self._in = " ".join("".join(self._text).split()), None
        elif tag == "li" and self._li:
            text = " ".join("".join(self._text).split())
            if text and not self._link and self.lists:
                self.lists[-1].append(text)
            self._li = False

    def handle_data(self, data):
        if self._in or self._li:
            self._text.append(data)


def page_sentences(page: str) -> tuple[str, list[str]]:
    """(the page's title, its first list of sentences: the headline or the alerts)."""
    parser = _Sentences()
    parser.feed(page)
    return parser.title, next((items for items in parser.lists if items), [])


def weekly_sentences(overrides: dict[str, Any], lang: str) -> tuple[list[str], list[str]]:
    """The weekly (monthly) review's highlight sentences and the headline's notes
    (provisional conversion, promos, a partial period), from its data (the view's
    :func:`~csops_lib.render.weekly.text.highlights` read as text, and
    :func:`~csops_lib.render.weekly.text.headline_notes`)."""
    settings = WeeklySettings.load()
    month = overrides.get("month") or None
    data = weekly.load(overrides["data_dir"], overrides.get("week") or None, month=month,
                       period="month" if month else "week",
                       top_questions=settings.top_questions)
    view = WeeklyView(data, lang, top_provinces=settings.top_provinces)
    return (page_sentences(weekly_text.highlights(view).data)[1],
            weekly_text.headline_notes(view))


def locate(report: str, overrides: dict[str, Any] | None = None, *, data_dir=None,
           rerun: bool = False, progress: bool = True) -> tuple[Path, dict[str, Any]]:
    """(the report's HTML for the period and language, the resolved parameters): the file
    already under ``outputs/`` (the period resolved as :func:`runner.run` does, the name from
    :func:`runner.output_files`), or a fresh run when it is missing or ``rerun``. A
    :class:`runner.ReportError` otherwise."""
    folder, params, label_ = runner.prepare(report, overrides, data_dir=data_dir,
                                           progress=progress)
    params["lang"] = runner.report_params(report, params).get("lang") or "zh"
    _, out_dir, name = runner.output_files(report, params,
                                           runner.output_label(report, params, label_))
    html = out_dir / f"{name}.html"
    if rerun or not html.exists():
        html = runner.run(report, params, data_dir=folder, progress=progress)
    return html, params


def report_message(report: str, html: Path, params: dict[str, Any], *,
                   settings: SendSettings | None = None) -> Message:
    """The message for a report: its title and headline sentences (masked), the HTML and
    the workbook beside it as attachments."""
    settings = settings or SendSettings.load()
    title, sentences = page_sentences(html.read_text(encoding="utf-8"))
    notes: list[str] = []
    if report == "weekly":
        sentences, notes = weekly_sentences(params, params.get("lang") or "zh")
    message = markdown(title or f"{report} {html.parent.name}",
                       sentences[:settings.max_sentences], notes)
    message.attachments = [p for p in (html, html.with_suffix(".xlsx")) if p.is_file()]
    return message


# --------------------------------------------------------------------------- pushing
class _Capture(logging.Handler):
    """Apprise's warnings and errors during one send (they say why it failed)."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(record.getMessage())


def _notify(target: Target, message: Message, attach: bool) -> str | None:
    """Send ``message`` to one target; ``None`` when delivered, else why (scrubbed)."""
    logger = logging.getLogger(apprise.LOGGER_NAME)
    capture, propagate = _Capture(), logger.propagate
    logger.addHandler(capture)
    logger.propagate = False  # Apprise's own lines are reported once, scrubbed, by us
    try:
        box = apprise.Apprise()
        if not box.add(target.url):
            return "not a notification URL Apprise knows (see `apprise --details`)"
        files = apprise.AppriseAttachment([str(p) for p in message.attachments]) \
            if attach and message.attachments else None
        ok = box.notify(body=message.body, title=message.title,
                        body_format=apprise.NotifyFormat.MARKDOWN, attach=files)
    except Exception as exc:  # noqa: BLE001 - any failure of a plugin is one line, scrubbed
        return scrub(f"{type(exc).__name__}: {exc}", target.secrets)
    finally:
        logger.removeHandler(capture)
        logger.propagate = propagate
    if ok:
        return None
    reason = capture.lines[-1] if capture.lines else "the service did not accept the message"
    return scrub(" ".join(reason.split()), target.secrets)


def push(urls: list[str], message: Message, *, settings: SendSettings | None = None,
         environ: dict[str, str] | None = None) -> list[str]:
    """Send ``message`` to every URL (attachments to the schemes of
    :attr:`SendSettings.attach_schemes`); return one line per destination that failed
    (masked, no secret; empty when all were delivered). No URL is a :class:`SendError`."""
    settings = settings or SendSettings.load()
    urls = [u for u in (urls or settings.to) if str(u).strip()]
    if not urls:
        raise SendError("no destination: give --to URL (Apprise URL) or `to:` in "
                        "params/send.yaml")
    failed = []
    schemes = {s.lower() for s in settings.attach_schemes}
    for url in urls:
        try:
            target = expand(url, environ)
        except SendError as exc:
            failed.append(str(exc))
            continue
        reason = _notify(target, message, target.scheme in schemes)
        if reason:
            failed.append(f"{target.shown}: {reason}")
    return failed


def shown(urls: list[str]) -> str:
    """The URLs as they may be printed."""
    return ", ".join(mask_url(u) for u in urls)
