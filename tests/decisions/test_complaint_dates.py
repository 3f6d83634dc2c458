"""The dates of a complaint: the last day to contest a decision (30 days after it takes effect), the Office's
deadline for its answer (a month), and the last day to go to court (a month after the answer takes effect),
each moved off Latvian weekends and public holidays, across month ends."""

from __future__ import annotations

import datetime as dt

import pytest

from applications.models import CalendarException
from decisions import complaints, services

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.mark.parametrize(
    ("effective_on", "last_day", "why"),
    [
        (D(2026, 11, 20), D(2026, 12, 21), "20 December 2026 is a Sunday"),
        (D(2026, 10, 19), D(2026, 11, 19), "18 November is Proclamation Day"),
        (D(2026, 11, 24), D(2026, 12, 28), "Christmas Eve, Christmas, then a weekend"),
        (D(2026, 12, 1), D(2027, 1, 4), "New Year's Eve, New Year's Day, then a weekend"),
        (D(2026, 11, 5), D(2026, 12, 7), "5 December 2026 is a Saturday"),
        (D(2027, 1, 30), D(2027, 3, 1), "30 days cross a short February onto a Monday"),
        (D(2026, 11, 16), D(2026, 12, 16), "an ordinary Wednesday stays"),
    ],
)
def test_last_day_to_contest(effective_on, last_day, why):
    assert services.last_day_to_contest(effective_on) == last_day, why


def test_an_extra_day_off_set_by_the_administrator_moves_the_last_day():
    CalendarException.objects.create(date=D(2026, 12, 16), is_working_day=False, note="Test")
    assert services.last_day_to_contest(D(2026, 11, 16)) == D(2026, 12, 17)


def test_a_decision_sent_before_18_november_takes_effect_after_it():
    # Sent on Tuesday 17 November 2026: notified on the second working day after, skipping the holiday.
    effective_on, last_day = services.contest_dates(D(2026, 11, 17))
    assert effective_on == D(2026, 11, 20)
    assert last_day == D(2026, 12, 21)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2027, 1, 31), 1, D(2027, 2, 28)),
        (D(2028, 1, 31), 1, D(2028, 2, 29)),
        (D(2026, 12, 15), 1, D(2027, 1, 15)),
        (D(2026, 8, 31), 1, D(2026, 9, 30)),
    ],
)
def test_a_month_ends_on_the_same_day_or_the_last_day_of_a_shorter_month(start, months, expected):
    assert complaints.add_months(start, months) == expected


@pytest.mark.parametrize(
    ("received_on", "due"),
    [
        (D(2026, 11, 30), D(2026, 12, 30)),
        (D(2026, 11, 24), D(2026, 12, 28)),  # 24 December: Christmas, then a weekend
        (D(2027, 1, 31), D(2027, 3, 1)),  # 28 February 2027 is a Sunday
    ],
)
def test_the_office_answers_within_a_month(received_on, due, settings):
    settings.COMPLAINT_ANSWER_MONTHS = 1
    assert complaints.answer_due_on(received_on) == due


def test_the_answer_deadline_is_a_setting(settings):
    settings.COMPLAINT_ANSWER_MONTHS = 2
    assert complaints.answer_due_on(D(2026, 12, 31)) == D(2027, 3, 1)  # 28 Feb 2027 is a Sunday


def test_court_deadline_is_a_month_after_the_answer_takes_effect():
    # Answered on Friday 27 November 2026: takes effect Tuesday 1 December; a month later, 1 January, is a
    # holiday and 2-3 January a weekend.
    assert complaints.outcome_dates(D(2026, 11, 27)) == (D(2026, 12, 1), D(2027, 1, 4))
    # Answered on Thursday 28 January 2027: takes effect Monday 1 February; court until Monday 1 March.
    assert complaints.outcome_dates(D(2027, 1, 28)) == (D(2027, 2, 1), D(2027, 3, 1))
