import datetime as dt

import pytest
from django.utils import translation

from applications.calendar import (
    add_working_days,
    is_working_day,
    next_working_day,
    upcoming_days_off,
    working_days_between,
)
from tests.applications.factories import CalendarExceptionFactory

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.mark.parametrize(
    "day",
    [
        D(2025, 11, 18),  # Proclamation Day, a Tuesday
        D(2025, 11, 17),  # the Monday before it, transferred by the Cabinet (worked on Saturday 8 November)
        D(2028, 11, 20),  # 18 November 2028 is a Saturday: the next Monday is off
        D(2029, 11, 19),  # 18 November 2029 is a Sunday: the next Monday is off
        D(2024, 5, 6),  # 4 May 2024 is a Saturday: Monday 6 May is off
        D(2025, 5, 5),  # 4 May 2025 is a Sunday: Monday 5 May is off
        D(2026, 5, 4),  # 4 May 2026 is a Monday
        D(2025, 6, 23),  # Midsummer Eve (Līgo)
        D(2025, 6, 24),  # Midsummer Day (Jāņi)
        D(2025, 12, 24),  # Christmas Eve
        D(2025, 12, 25),
        D(2025, 12, 26),
        D(2025, 12, 31),  # New Year's Eve
        D(2026, 1, 1),
        D(2026, 1, 2),  # transferred day off (worked on Saturday 17 January)
        D(2025, 4, 18),  # Good Friday
        D(2025, 4, 21),  # Easter Monday
        D(2025, 5, 1),  # Labour Day / Constitutional Assembly
        D(2025, 11, 22),  # a plain Saturday
        D(2025, 11, 23),  # a plain Sunday
    ],
)
def test_latvian_days_off_are_not_working_days(day):
    assert is_working_day(day) is False


@pytest.mark.parametrize(
    "day",
    [
        D(2025, 11, 19),  # the Wednesday after Proclamation Day
        D(2025, 11, 8),  # Saturday worked in exchange for Monday 17 November 2025
        D(2025, 5, 10),  # Saturday worked in exchange for Friday 2 May 2025
        D(2025, 6, 25),
        D(2025, 12, 29),
        D(2025, 12, 30),
        D(2028, 11, 17),  # Friday before a Saturday 18 November
    ],
)
def test_ordinary_and_transferred_working_days(day):
    assert is_working_day(day) is True


def test_add_working_days_starts_counting_the_next_day_and_skips_christmas_and_new_year():
    # Mon 22 Dec 2025: 23 Dec (1), 29 Dec (2), 30 Dec (3), 5 Jan (4), 6 Jan (5):
    # 24–26 Dec, 31 Dec, 1 Jan and the transferred 2 Jan 2026 are off.
    assert add_working_days(D(2025, 12, 22), 5) == D(2026, 1, 6)
    # 10 working days: then 7, 8, 9, 12, 13 January.
    assert add_working_days(D(2025, 12, 22), 10) == D(2026, 1, 13)


def test_add_working_days_skips_midsummer():
    # Friday 20 June 2025: Monday 23 and Tuesday 24 June are off.
    assert add_working_days(D(2025, 6, 20), 1) == D(2025, 6, 25)


def test_add_working_days_skips_the_monday_after_a_weekend_18_november():
    # Friday 17 November 2028; 18 Nov is a Saturday, so Monday 20 Nov is off.
    assert add_working_days(D(2028, 11, 17), 1) == D(2028, 11, 21)


def test_add_working_days_skips_easter():
    # Thursday 17 April 2025: Good Friday and Easter Monday are off.
    assert add_working_days(D(2025, 4, 17), 1) == D(2025, 4, 22)


def test_add_working_days_counts_a_transferred_saturday():
    # Friday 7 November 2025: Saturday 8 November is a working day.
    assert add_working_days(D(2025, 11, 7), 1) == D(2025, 11, 8)


def test_add_zero_days_is_the_start_and_negative_is_refused():
    assert add_working_days(D(2025, 12, 24), 0) == D(2025, 12, 24)
    with pytest.raises(ValueError):
        add_working_days(D(2025, 12, 24), -1)


def test_working_days_between_counts_after_start_up_to_end():
    assert working_days_between(D(2025, 12, 22), D(2026, 1, 6)) == 5
    assert working_days_between(D(2026, 1, 6), D(2025, 12, 22)) == -5
    assert working_days_between(D(2025, 12, 24), D(2025, 12, 24)) == 0
    # A standard 30-day deadline from a whole year of start days round-trips.
    start = D(2025, 1, 1)
    for offset in range(0, 365, 7):
        day = start + dt.timedelta(days=offset)
        assert working_days_between(day, add_working_days(day, 30)) == 30


def test_administrator_exceptions_win_over_the_package():
    CalendarExceptionFactory(date=D(2030, 1, 7), is_working_day=False, note="Transferred")  # a Monday
    CalendarExceptionFactory(date=D(2030, 1, 12), is_working_day=True, note="Worked Saturday")
    assert is_working_day(D(2030, 1, 7)) is False
    assert is_working_day(D(2030, 1, 12)) is True
    # Friday 4 January 2030 + 1: Monday 7 is off; with 2 days: Tue 8 (1), Wed 9 (2).
    assert add_working_days(D(2030, 1, 4), 1) == D(2030, 1, 8)
    # Friday 11 January + 1: the Saturday is worked.
    assert add_working_days(D(2030, 1, 11), 1) == D(2030, 1, 12)
    assert working_days_between(D(2030, 1, 4), D(2030, 1, 14)) == 6


def test_a_long_deadline_needs_one_query_per_window(django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        add_working_days(D(2025, 1, 2), 30)
    with django_assert_max_num_queries(1):
        working_days_between(D(2025, 1, 2), D(2025, 12, 31))


def test_upcoming_days_off_lists_weekday_holidays_in_the_active_language():
    with translation.override("en"):
        days = upcoming_days_off(after=D(2025, 12, 20), limit=6)
    assert [day.date for day in days] == [
        D(2025, 12, 24),
        D(2025, 12, 25),
        D(2025, 12, 26),
        D(2025, 12, 31),
        D(2026, 1, 1),
        D(2026, 1, 2),
    ]
    assert days[0].name == "Christmas Eve"
    with translation.override("lv"):
        assert upcoming_days_off(after=D(2025, 12, 20), limit=1)[0].name == "Ziemassvētku vakars"


def test_upcoming_days_off_include_administrator_days_off():
    CalendarExceptionFactory(date=D(2030, 1, 7), is_working_day=False, note="Extra day off")
    days = upcoming_days_off(after=D(2030, 1, 2), limit=1)
    assert days[0].date == D(2030, 1, 7)
    assert days[0].name == "Extra day off"


@pytest.mark.django_db
def test_working_days_left_matches_the_one_by_one_count(django_assert_num_queries):
    from applications.calendar import working_days_between, working_days_left

    today = dt.date(2026, 12, 18)
    dates = [
        dt.date(2026, 12, 10),
        None,
        today,
        dt.date(2026, 12, 28),
        dt.date(2027, 1, 6),
        dt.date(2027, 5, 5),
    ]
    with django_assert_num_queries(1):
        left = working_days_left(today=today, dates=dates)
    assert left == [None if d is None else working_days_between(today, d) for d in dates]
    assert left[0] < 0 and left[2] == 0


def test_next_working_day_is_the_day_itself_or_the_first_working_day_after_it(django_assert_num_queries):
    assert next_working_day(D(2030, 1, 8)) == D(2030, 1, 8)  # a Tuesday
    with django_assert_num_queries(1):
        assert next_working_day(D(2029, 12, 22)) == D(2029, 12, 27)  # Saturday before Christmas
    CalendarExceptionFactory(date=D(2030, 1, 7), is_working_day=False, note="Transferred")  # a Monday
    assert next_working_day(D(2030, 1, 5)) == D(2030, 1, 8)
    CalendarExceptionFactory(date=D(2030, 1, 12), is_working_day=True, note="Worked Saturday")
    assert next_working_day(D(2030, 1, 12)) == D(2030, 1, 12)


def test_next_working_day_agrees_with_the_day_by_day_answer():
    day = D(2029, 12, 1)
    while day < D(2030, 2, 1):
        expected = day
        while not is_working_day(expected):
            expected += dt.timedelta(days=1)
        assert next_working_day(day) == expected, day
        day += dt.timedelta(days=1)


def test_exceptions_read_beside_a_query_spare_the_calendar_query(django_assert_num_queries):
    """ExceptionsNearToday: the administrator's exceptions around the database's today, read inside another
    query (the officers' queue beside its page); counting with them gives the same days and asks nothing more,
    and a date beyond their window is asked for as usual."""
    from django.utils import timezone

    from applications.calendar import NEAR_DAYS, ExceptionsNearToday, KnownExceptions, working_days_left
    from applications.models import CalendarException

    today = timezone.localdate()
    off = today + dt.timedelta(days=10 - today.weekday())  # a Thursday
    worked = today + dt.timedelta(days=12 - today.weekday())  # a Saturday
    far = today + dt.timedelta(days=NEAR_DAYS + 30)
    CalendarExceptionFactory(date=off, is_working_day=False)
    CalendarExceptionFactory(date=worked, is_working_day=True)
    CalendarExceptionFactory(date=far, is_working_day=False)
    with django_assert_num_queries(1):
        text = CalendarException.objects.annotate(near=ExceptionsNearToday()).values_list("near", flat=True)[
            0
        ]
    known = KnownExceptions.from_text(text)
    assert known.overrides == {off: False, worked: True}
    assert known.start <= today - dt.timedelta(days=NEAR_DAYS - 1) and known.end >= off + dt.timedelta(
        days=300
    )
    dates = [off, worked, today + dt.timedelta(days=30), today - dt.timedelta(days=90), None]
    with django_assert_num_queries(0):
        left = working_days_left(today=today, dates=dates, exceptions=known)
    assert left == working_days_left(today=today, dates=dates)
    # The Thursday off, the Friday (unless a holiday), the Saturday worked.
    assert left[1] - left[0] == 1 + is_working_day(off + dt.timedelta(days=1))
    with django_assert_num_queries(1):
        beyond = working_days_left(today=today, dates=[far], exceptions=known)
    assert beyond == [working_days_between(today, far)]


def test_known_exceptions_read_their_text():
    from applications.calendar import KnownExceptions

    assert KnownExceptions.from_text(None) is None
    assert KnownExceptions.from_text("2026-01-01/2026-12-31|") == KnownExceptions(
        D(2026, 1, 1), D(2026, 12, 31), {}
    )
    assert KnownExceptions.from_text("2026-01-01/2026-12-31|2026-11-16:0,2026-11-21:1").overrides == {
        D(2026, 11, 16): False,
        D(2026, 11, 21): True,
    }


def test_known_exceptions_number_the_working_days_of_their_window():
    """The day numbers a queue page counts with: the difference of two days' numbers is the working days
    between them as counted day by day, the administrator's exceptions included, whichever comes first; the same
    text gives the same object, so the numbers are worked out once."""
    from applications.calendar import KnownExceptions, working_days_left

    text = "2025-10-01/2027-03-31|2025-11-17:1,2026-03-04:0,2026-12-19:1"
    known = KnownExceptions.from_text(text)
    assert KnownExceptions.from_text(text) is known
    numbers = known.day_numbers
    assert numbers is known.day_numbers and len(numbers) == (known.end - known.start).days + 1
    for day, working in known.overrides.items():  # the day-by-day count reads them from the table
        CalendarExceptionFactory(date=day, is_working_day=working)
    pairs = [
        (D(2025, 10, 1), D(2027, 3, 31)),
        (D(2025, 11, 14), D(2025, 11, 19)),  # across the holiday and the transferred Monday
        (D(2026, 3, 1), D(2026, 3, 8)),
        (D(2026, 12, 31), D(2026, 12, 17)),  # backwards
        (D(2026, 6, 22), D(2026, 6, 22)),
    ]
    for start, end in pairs:
        assert numbers[end.toordinal()] - numbers[start.toordinal()] == working_days_between(start, end)
    today, dates = D(2026, 3, 2), [D(2026, 3, 9), None, D(2025, 11, 20), D(2026, 12, 21)]
    assert working_days_left(today=today, dates=dates, exceptions=known) == [
        None if day is None else working_days_between(today, day) for day in dates
    ]
