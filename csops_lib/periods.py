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


def _as_date(value: str | dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value).strip())


def day(value: str | dt.date) -> Period:
    d = _as_date(value)
    return Period("day", d, d, d.isoformat())


def week(value: str | dt.date) -> Period:
    """The Monday–Sunday ISO week given as `2026-W47` or any date inside it."""
    text = str(value).strip()
    m = re.fullmatch(r"(\d{4})-?W(\d{1,2})", text, flags=re.I)
    if m:
        start = dt.date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
    else:
        d = _as_date(value)
        start = d - dt.timedelta(days=d.weekday())
    y, w, _ = start.isocalendar()
    return Period("week", start, start + dt.timedelta(days=6), f"{y}-W{w:02d}")


def month(value: str | dt.date) -> Period:
    """A calendar month given as `2026-10` or any date inside it."""
    text = str(value).strip()
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
    start = dt.date(int(m.group(1)), int(m.group(2)), 1) if m else _as_date(value).replace(day=1)
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
    """Resolve a report period: an explicit value, or the default for the kind."""
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
