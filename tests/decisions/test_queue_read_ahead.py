"""The officers' queue is read beside the token's user once the process knows the officer's unit (read_ahead in
decisions.api.views): the same answer in one query less, and never another unit's page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from applications.calendar import is_working_day, working_days_between
from decisions.api import views
from tests.applications.factories import CalendarExceptionFactory
from tests.factories import ApplicationFactory, TerritorialUnitFactory
from tests.services import require_postgres

pytestmark = pytest.mark.django_db
QUEUE = "/api/v1/backoffice/cases"


@pytest.fixture(autouse=True)
def _no_units_seen(monkeypatch):
    monkeypatch.setattr(views, "_units_seen", {})


def _get(client, path=QUEUE):
    with CaptureQueriesContext(connection) as read:
        response = client.get(path)
    assert response.status_code == 200
    return response.json(), read


def test_the_second_page_read_comes_with_the_user(bearer_client, officer, unit):
    require_postgres()
    due = timezone.localdate() + dt.timedelta(days=5)
    ApplicationFactory.create_batch(3, submitted=True, unit=unit, decision_due_on=due)
    client = bearer_client(officer)
    first, first_read = _get(client)
    second, second_read = _get(client)
    assert second == first and len(first["results"]) == 3
    assert len(second_read) == len(first_read) - 1 == 1  # the user, the page and the calendar: one query
    assert "identity_user" in second_read[0]["sql"] and "applications_application" in second_read[0]["sql"]
    assert "applications_calendarexception" in second_read[0]["sql"]


def test_a_calendar_exception_counts_at_once(bearer_client, officer, unit):
    """The administrator's exceptions are read with the page each time, never kept: a day off added between
    two reads is one working day less on the next."""
    require_postgres()
    today = timezone.localdate()
    due = today + dt.timedelta(days=14)
    ApplicationFactory(submitted=True, unit=unit, decision_due_on=due)
    client = bearer_client(officer)
    before = _get(client)[0]["results"][0]["working_days_left"]
    assert before == working_days_between(today, due)
    day_off = next(
        today + dt.timedelta(days=offset)
        for offset in range(1, 14)
        if is_working_day(today + dt.timedelta(days=offset))
    )
    CalendarExceptionFactory(date=day_off, is_working_day=False)
    body, read = _get(client)
    assert body["results"][0]["working_days_left"] == before - 1 and len(read) == 1


def test_an_officer_moved_to_another_unit_sees_that_units_queue(bearer_client, officer, unit):
    require_postgres()
    mine = ApplicationFactory(submitted=True, unit=unit, decision_due_on=timezone.localdate())
    client = bearer_client(officer)
    assert [row["id"] for row in _get(client)[0]["results"]] == [mine.pk]
    other = TerritorialUnitFactory()
    theirs = ApplicationFactory(submitted=True, unit=other, decision_due_on=timezone.localdate())
    officer.unit = other
    officer.save()
    body, read = _get(client)  # the old unit's page was read beside the user, and dropped
    assert [row["id"] for row in body["results"]] == [theirs.pk]
    assert "applications_application" in read[0]["sql"]
    assert _get(client)[0] == body


def test_a_filtered_queue_reads_nothing_ahead(bearer_client, officer, unit):
    require_postgres()
    ApplicationFactory(submitted=True, unit=unit, decision_due_on=timezone.localdate())
    client = bearer_client(officer)
    _get(client)
    body, read = _get(client, f"{QUEUE}?state=submitted")
    assert len(body["results"]) == 1
    assert "applications_application" not in read[0]["sql"]


def test_the_units_kept_are_bounded(monkeypatch):
    monkeypatch.setattr(views, "_UNITS_KEPT", 3)
    for user_id in range(5):
        views._remember_unit(user_id, 7)
    assert len(views._units_seen) <= 3 and views._units_seen[4] == 7
