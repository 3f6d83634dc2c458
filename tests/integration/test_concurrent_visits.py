"""Two applicants taking the last place of a slot at the same moment, through the real API on PostgreSQL.

Each request runs in its own thread with its own database connection; a barrier releases them together. The
place is taken by one conditional UPDATE, so exactly one booking is made and the other caller gets 409
"This time was just taken"; the slot never holds more people than its capacity.
"""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import connections
from django.utils import timezone

from applications.calendar import add_working_days
from applications.models import Appointment, VisitSettings, VisitSlot
from tests.factories import ApplicationFactory, TerritorialUnitFactory, UserFactory
from tests.services import require_postgres

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    """The outbox e-mails are written, not queued: nothing leaves for Redis."""
    monkeypatch.setattr("workers.services.notifications.enqueue_notification", lambda pk: True)


def post_at_once(requests: list[tuple]) -> list:
    barrier = threading.Barrier(len(requests))
    responses: list = [None] * len(requests)

    def run(index: int, client, url: str, data: dict) -> None:
        try:
            barrier.wait(timeout=10)
            responses[index] = client.post(url, data, format="json")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index, *request)) for index, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert all(response is not None for response in responses), "a request did not finish"
    return responses


@pytest.fixture
def last_place():
    unit = TerritorialUnitFactory()
    VisitSettings.objects.create(unit=unit, slot_minutes=30, capacity=2)
    starts = dt.datetime.combine(
        add_working_days(timezone.localdate(), 3), dt.time(10, 0), tzinfo=ZoneInfo("Europe/Riga")
    )
    slot = VisitSlot.objects.create(
        unit=unit, starts_at=starts, ends_at=starts + dt.timedelta(minutes=30), capacity=2, booked=1
    )
    return unit, slot


@pytest.mark.parametrize("contenders", [2, 4])
def test_applicants_taking_the_last_place_at_once_one_wins_the_others_get_409(
    bearer_client, last_place, contenders
):
    require_postgres()
    unit, slot = last_place
    requests = []
    for _ in range(contenders):
        person = UserFactory(applicant=True, preferred_language="en")
        application = ApplicationFactory(applicant=person, awaiting_registration=True, unit=unit)
        requests.append(
            (bearer_client(person), f"/api/v1/applications/{application.pk}/appointment", {"slot": slot.pk})
        )

    responses = post_at_once(requests)

    assert sorted(response.status_code for response in responses) == [201] + [409] * (contenders - 1)
    for loser in (response for response in responses if response.status_code == 409):
        assert loser.json()["error"]["code"] == "slot_taken"
        assert loser.json()["error"]["message"] == "This time was just taken. Please choose another one."
    slot.refresh_from_db()
    assert slot.booked == slot.capacity == 2
    assert Appointment.objects.filter(slot=slot).count() == 1
