"""The working-day calendar of Latvia: the one place that says whether the Office works on a day.

A day is a working day when it is Monday to Friday and not a public holiday, or when the Cabinet moved a working
day onto a Saturday. Public holidays and the Cabinet's transfers come from the ``holidays`` package (its Latvian
rules include the Monday off when 4 May or 18 November falls on a weekend); an administrator adds any transfer the
package does not know yet as a ``CalendarException``, which wins over everything else.

Deadlines count whole working days starting the day after the event: a decision due "in 10 working days" from
a Friday submission is due on the tenth working day after that Friday.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

import holidays
from django.db import connections, router
from django.db.models import Expression, TextField
from django.utils import translation

from applications.models import CalendarException
from eservice.db import prepared_cursor

COUNTRY = "LV"
# The holidays package names its translations by locale; the site's language codes map onto them.
_HOLIDAY_LANGUAGES = {"lv": "lv", "en": "en_US", "ru": "ru"}


@dataclass(frozen=True)
class DayOff:
    date: dt.date
    name: str


@lru_cache(maxsize=64)
def _public_holidays(year: int, language: str = "lv") -> holidays.HolidayBase:
    return holidays.country_holidays(COUNTRY, years=year, language=language)


# Asked for every day a queue page spans; the package's answer for a day does not change while the process runs.
@lru_cache(maxsize=8192)
def _package_says_working(day: dt.date) -> bool:
    calendar = _public_holidays(day.year)
    if day in calendar:
        return False
    if day in calendar.weekend_workdays:
        return True
    return day.weekday() < 5


@dataclass(frozen=True)
class KnownExceptions:
    """The administrator's exceptions as a query read them beside its own rows (``ExceptionsNearToday``): every
    one from ``start`` to ``end``."""

    start: dt.date
    end: dt.date
    overrides: dict[dt.date, bool]

    @classmethod
    def from_text(cls, text: str | None) -> KnownExceptions | None:
        """``ExceptionsNearToday``'s value (``2025-10-23/2027-12-01|2026-11-18:0,2026-12-05:1``); None for none
        (a query with no row, so no value). The same text gives the same object (it changes once a day, or when
        an administrator edits the calendar), so what is worked out from it (``day_numbers``) is kept."""
        return _known_exceptions(text) if text else None

    @cached_property
    def day_numbers(self) -> dict[int, int]:
        """Each day from ``start`` to ``end`` (by its ordinal, ``date.toordinal()``) with the number of working
        days after ``start`` up to and including it: the working days between two days of the window are the
        difference of their numbers (a queue page asks for a hundred days; the days between them are walked
        once, not for every page)."""
        return _day_numbers(self.start, self.end, self.overrides)


def _day_numbers(start: dt.date, end: dt.date, overrides: dict[dt.date, bool]) -> dict[int, int]:
    """Each day from ``start`` to ``end`` (its ordinal) with the number of working days after ``start`` up to
    and including it (``overrides``: the administrator's exceptions in that span)."""
    numbers, count, day = {start.toordinal(): 0}, 0, start
    while day < end:
        day += dt.timedelta(days=1)
        override = overrides.get(day)
        count += _package_says_working(day) if override is None else override
        numbers[day.toordinal()] = count
    return numbers


@lru_cache(maxsize=8)
def _known_exceptions(text: str) -> KnownExceptions:
    window, _, listed = text.partition("|")
    start, _, end = window.partition("/")
    overrides = {}
    for item in filter(None, listed.split(",")):
        day, _, working = item.partition(":")
        overrides[dt.date.fromisoformat(day)] = working == "1"
    return KnownExceptions(dt.date.fromisoformat(start), dt.date.fromisoformat(end), overrides)


# How far from the database's today ExceptionsNearToday reads: further than any open case's deadline or pause.
NEAR_DAYS = 400


class ExceptionsNearToday(Expression):
    """The administrator's exceptions within ``NEAR_DAYS`` of the database's today, with the window they cover,
    as one text value (``KnownExceptions.from_text`` reads it): a scalar subquery, for a query that counts
    working days from its rows to be sent with the calendar it needs (the officers' queue beside its page:
    ``json_rows.PAGE_ASIDE``). Uncorrelated: the database runs it once per query. A date outside the window
    is asked for as usual (``working_days_left``)."""

    output_field = TextField()

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        table, date, working = _quoted_names(connection)
        if connection.vendor == "postgresql":
            start, end = f"CURRENT_DATE - {NEAR_DAYS}", f"CURRENT_DATE + {NEAR_DAYS}"
            window = f"to_char({start}, 'YYYY-MM-DD') || '/' || to_char({end}, 'YYYY-MM-DD')"
            day, joined = f"to_char({date}, 'YYYY-MM-DD')", "string_agg"
        else:  # SQLite keeps dates as ISO text
            start, end = f"date('now', '-{NEAR_DAYS} days')", f"date('now', '+{NEAR_DAYS} days')"
            window, day, joined = f"{start} || '/' || {end}", date, "group_concat"
        listed = f"{joined}({day} || CASE WHEN {working} THEN ':1' ELSE ':0' END, ',')"
        return (
            f"(SELECT {window} || '|' || coalesce({listed}, '') FROM {table} "  # noqa: S608 (model metadata)
            f"WHERE {date} >= {start} AND {date} <= {end})",
            [],
        )


def _exceptions_between(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    """The administrator's exceptions from ``start`` to ``end``: asked with every deadline, so a prepared
    statement written once, not an ORM query compiled each time."""
    connection = connections[router.db_for_read(CalendarException)]
    with prepared_cursor(connection) as cursor:
        cursor.execute(_exceptions_sql(connection.alias), [start, end])
        return {_as_date(day): bool(working) for day, working in cursor.fetchall()}


@lru_cache(maxsize=4)
def _exceptions_sql(alias: str) -> str:
    table, date, working = _quoted_names(connections[alias])
    return f"SELECT {date}, {working} FROM {table} WHERE {date} >= %s AND {date} <= %s"  # noqa: S608


def _quoted_names(connection: Any) -> tuple[str, str, str]:
    """The exceptions' table and its date and working-day columns, quoted for ``connection``."""
    quote = connection.ops.quote_name
    date, working = (
        quote(CalendarException._meta.get_field(name).column) for name in ("date", "is_working_day")
    )
    return quote(CalendarException._meta.db_table), date, working


def _as_date(value: dt.date | str) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def is_working_day(day: dt.date) -> bool:
    override = _exceptions_between(day, day).get(day)
    return _package_says_working(day) if override is None else override


def next_working_day(day: dt.date) -> dt.date:
    """``day`` itself when the Office works that day, else the first working day after it (a period whose last
    day is a day off ends on the next working day). One query for the usual case: a fortnight at a time."""
    while True:
        window_end = day + dt.timedelta(days=14)
        overrides = _exceptions_between(day, window_end)
        while day <= window_end:
            override = overrides.get(day)
            if _package_says_working(day) if override is None else override:
                return day
            day += dt.timedelta(days=1)


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date ``days`` working days after ``start`` (``start`` itself does not count)."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    counted = 0
    # Fetch the administrator's exceptions a window at a time: one query per window, never one per day.
    window_start = start
    window_end = start + dt.timedelta(days=days * 2 + 30)
    overrides = _exceptions_between(window_start, window_end)
    while counted < days:
        day += dt.timedelta(days=1)
        if day > window_end:
            window_start, window_end = day, day + dt.timedelta(days=(days - counted) * 2 + 30)
            overrides = _exceptions_between(window_start, window_end)
        override = overrides.get(day)
        if _package_says_working(day) if override is None else override:
            counted += 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """How many working days fall after ``start`` up to and including ``end`` (negative when ``end`` is earlier).

    The inverse of ``add_working_days``: ``working_days_between(d, add_working_days(d, n)) == n``.
    """
    if end < start:
        return -working_days_between(end, start)
    overrides = _exceptions_between(start + dt.timedelta(days=1), end)
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        override = overrides.get(day)
        if _package_says_working(day) if override is None else override:
            count += 1
    return count


def working_days_left(
    *, today: dt.date, dates: list[dt.date | None], exceptions: KnownExceptions | None = None
) -> list[int | None]:
    """``working_days_between(today, date)`` for many dates with one query (a queue page of 50 cases), or none
    when ``exceptions`` (read beside the dates) cover them all."""
    days = [None if date is None else date.toordinal() for date in dates]
    return working_days_to(today=today, days=days, exceptions=exceptions)


def working_days_to(
    *, today: dt.date, days: list[int | None], exceptions: KnownExceptions | None = None
) -> list[int | None]:
    """``working_days_left`` for days given by their ordinals (``date.toordinal()``), as a page of rows built
    by the database gives them."""
    known = [day for day in days if day is not None]
    if not known:
        return [None for _ in days]
    base = today.toordinal()
    low, high = min(base, min(known)), max(base, max(known))
    if exceptions is not None and exceptions.start.toordinal() <= low and high <= exceptions.end.toordinal():
        numbers = exceptions.day_numbers
    else:
        start, end = dt.date.fromordinal(low), dt.date.fromordinal(high)
        numbers = _day_numbers(start, end, _exceptions_between(start, end))
    at = numbers[base]
    return [None if day is None else numbers[day] - at for day in days]


def upcoming_days_off(*, after: dt.date, limit: int = 5, horizon_days: int = 400) -> list[DayOff]:
    """Public holidays and extra days off on weekdays after ``after``, named in the active language."""
    language = _HOLIDAY_LANGUAGES.get((translation.get_language() or "lv")[:2], "lv")
    end = after + dt.timedelta(days=horizon_days)
    exceptions = {
        exception.date: exception
        for exception in CalendarException.objects.filter(date__gt=after, date__lte=end)
    }
    found: list[DayOff] = []
    day = after
    while day < end and len(found) < limit:
        day += dt.timedelta(days=1)
        exception = exceptions.get(day)
        if exception is not None:
            if not exception.is_working_day and day.weekday() < 5:
                found.append(DayOff(day, exception.note or _public_holidays(day.year, language).get(day, "")))
            continue
        if day.weekday() >= 5:
            continue
        name = _public_holidays(day.year, language).get(day)
        if name is not None:
            found.append(DayOff(day, name))
    return found


def working_days_in(start: dt.date, end: dt.date) -> list[dt.date]:
    """Every working day from ``start`` to ``end`` (both included), with one query."""
    overrides = _exceptions_between(start, end)
    days = []
    day = start
    while day <= end:
        override = overrides.get(day)
        if _package_says_working(day) if override is None else override:
            days.append(day)
        day += dt.timedelta(days=1)
    return days
