"""Report periods: ISO weeks, months and days, resolved to [start, end] dates and a label."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Period:
    """An inclusive range of calendar days with a label used in titles and output paths."""

    kind: str  # "day" | "week" | "month"
    start: dt.date
    end: dt.date  # inclusive
    label: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def shift(self, n: int) -> Period:
        """The period `n` periods later (negative: earlier) of the same kind."""
        if self.kind == "day":
            return day(self.start + dt.timedelta(days=n))
        if self.kind == "week":
            return week(self.start + dt.timedelta(weeks=n))
        y, m = divmod(self.start.month - 1 + n, 12)
        return month(dt.date(self.start.year + y, m + 1, 1))


_EXAMPLES = {"day": "a date YYYY-MM-DD such as 2026-11-20",
             "week": "an ISO week such as 2026-W47, or a date YYYY-MM-DD inside it",
             "month": "a month YYYY-MM such as 2026-10, or a date YYYY-MM-DD inside it"}


def _why_not_a_date(text: str) -> str:
    """Why ``text`` is not a date, in words (one line)."""
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if m:
        year, mon, d = map(int, m.groups())
        if not 1 <= year <= 9998:
            return f"there is no year {year}"
        if not 1 <= mon <= 12:
            return f"there is no month {mon}"
        days = (dt.date(year + mon // 12, mon % 12 + 1, 1) - dt.date(year, mon, 1)).days
        if not 1 <= d <= days:
            return f"{dt.date(year, mon, 1):%B} {year} has {days} days"
    return ""


def _bad(kind: str, text: str, why: str = "") -> ValueError:
    """The one-line error for a period text that cannot be read."""
    noun = "date" if kind == "day" else kind
    return ValueError(f"{text!r} is not a {noun}: " + (f"{why}; expected " if why else "expected ")
                      + _EXAMPLES[kind])


def _as_date(value: str | dt.date | dt.datetime, kind: str = "day") -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", text):
        why = _why_not_a_date(text)
        if why:
            raise _bad(kind, text, why)
        return dt.date(*map(int, text.split("-")))
    try:
        d = dt.date.fromisoformat(text)
    except ValueError:
        raise _bad(kind, text) from None
    if d.year > 9998:
        raise _bad(kind, text, f"there is no year {d.year}")
    return d


def day(value: str | dt.date) -> Period:
    """One day given as `2026-11-20` (a ValueError with a one-line message otherwise)."""
    d = _as_date(value, "day")
    return Period("day", d, d, d.isoformat())


def weeks_in(year: int) -> int:
    """The number of ISO weeks of ``year`` (52 or 53): 28 December is always in the last one."""
    return dt.date(year, 12, 28).isocalendar()[1]


def week(value: str | dt.date) -> Period:
    """The Monday–Sunday ISO week given as `2026-W47` or any date inside it."""
    text = str(value).strip()
    m = re.fullmatch(r"(\d{4})-?W(\d{1,2})", text, flags=re.I)
    if m:
        year, number = int(m.group(1)), int(m.group(2))
        if not 1 <= year <= 9998:
            raise _bad("week", text, f"there is no year {year}")
        if not 1 <= number <= weeks_in(year):
            raise _bad("week", text, f"{year} has ISO weeks 1 to {weeks_in(year)}")
        start = dt.date.fromisocalendar(year, number, 1)
    else:
        d = _as_date(value, "week")
        start = d - dt.timedelta(days=d.weekday())
    y, w, _ = start.isocalendar()
    return Period("week", start, start + dt.timedelta(days=6), f"{y}-W{w:02d}")


def month(value: str | dt.date) -> Period:
    """A calendar month given as `2026-10` or any date inside it."""
    text = str(value).strip()
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
    if m:
        year, number = int(m.group(1)), int(m.group(2))
        if not 1 <= number <= 12:
            raise _bad("month", text, "months run 1 to 12")
        if not 1 <= year <= 9998:
            raise _bad("month", text, f"there is no year {year}")
        start = dt.date(year, number, 1)
    else:
        start = _as_date(value, "month").replace(day=1)
    nxt = dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return Period("month", start, nxt - dt.timedelta(days=1), f"{start.year}-{start.month:02d}")


def last_complete_week(today: dt.date | None = None, data_end: dt.date | None = None) -> Period:
    """The last Monday–Sunday week that ended before `today` and within the data.

    `data_end` (the last day with data) keeps a report on stale data from being empty: the
    week chosen is the last complete week on or before min(yesterday, data_end).
    """
    last = (today or dt.date.today()) - dt.timedelta(days=1)
    if data_end is not None:
        last = min(last, data_end)
    # Sunday on or before `last`
    sunday = last - dt.timedelta(days=(last.weekday() + 1) % 7)
    return week(sunday)


def resolve(kind: str, value: str | dt.date | None = None, *, today: dt.date | None = None,
            data_end: dt.date | None = None) -> Period:
    """Resolve a report period: an explicit value, or the default for the kind.

    A value that is not a period of the kind (``2026-W99``, ``2026-02-30``, ``2026-13``)
    raises a ValueError whose message is one readable line naming the value."""
    if kind == "week":
        return week(value) if value else last_complete_week(today, data_end)
    if kind == "month":
        if value:
            return month(value)
        last = min((today or dt.date.today()) - dt.timedelta(days=1), data_end or dt.date.max)
        this = month(last)
        return this if this.end == last else this.shift(-1)
    if kind == "day":
        if value:
            return day(value)
        last = (today or dt.date.today()) - dt.timedelta(days=1)
        return day(min(last, data_end) if data_end else last)
    raise ValueError(f"unknown period kind {kind!r}: use day, week or month")
