"""The free times of a unit for 30 working days cost the same few queries with 10 or 1,000 bookings."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from applications.appointments.selectors import list_free_slots
from applications.appointments.services import generate_visit_slots
from applications.models import Appointment, VisitSlot
from tests.applications.visits.conftest import MONDAY
from tests.factories import ApplicationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _book(unit, count: int) -> None:
    """``count`` bookings spread over the unit's slots (rows and counters written directly: setup, not the
    service under test)."""
    owner = UserFactory(applicant=True)
    slots = list(VisitSlot.objects.filter(unit=unit).order_by("starts_at"))
    applications = [
        ApplicationFactory.build(applicant=owner, awaiting_registration=True, unit=unit) for _ in range(count)
    ]
    for application in applications:
        application.kind_id, application.purpose_id = _kind_and_purpose()
    created = type(applications[0]).objects.bulk_create(applications)
    Appointment.objects.bulk_create(
        [
            Appointment(application=application, slot=slots[index % len(slots)], booked_by=owner)
            for index, application in enumerate(created)
        ]
    )
    for slot in slots:
        slot.booked = min(slot.capacity - 1, Appointment.objects.filter(slot=slot).count())
    VisitSlot.objects.bulk_update(slots, ["booked"])


def _kind_and_purpose():
    from applications.models import ApplicationKind, Purpose

    return ApplicationKind.objects.get(code="first_trp").pk, Purpose.objects.get(code="studies").pk


def _queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured)


def test_thirty_working_days_of_free_times_cost_constant_queries(
    riga, frozen, person, django_assert_num_queries
):
    riga.visit_settings.capacity = 50
    riga.visit_settings.save()
    generate_visit_slots(horizon=30)
    waiting = ApplicationFactory(applicant=person, awaiting_registration=True, unit=riga)
    page = Client()
    page.force_login(person)
    api = Client()
    slots_url = f"/api/v1/units/{riga.pk}/slots?from=2026-03-02&to=2026-04-14"
    visit_url = f"/applications/{waiting.pk}/visit/"

    _book(riga, 10)
    with django_assert_num_queries(1):
        small = list_free_slots(
            unit_id=riga.pk, start=MONDAY.date(), end=MONDAY.date() + dt.timedelta(days=42)
        )
    few = (_queries(api, slots_url), _queries(page, visit_url))

    _book(riga, 1_000)
    with django_assert_num_queries(1):
        large = list_free_slots(
            unit_id=riga.pk, start=MONDAY.date(), end=MONDAY.date() + dt.timedelta(days=42)
        )
    many = (_queries(api, slots_url), _queries(page, visit_url))

    assert (
        len(small) == len(large) > 600
    )  # about 30 working days (Easter inside) of 30-minute slots, all still free
    assert few == many
    assert few[0] == 2  # the unit exists; its free slots
