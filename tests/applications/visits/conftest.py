"""Shared starting points of the visit tests: Riga 1st Division with visit settings, slots, applicants."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from applications.appointments.services import generate_visit_slots
from applications.models import VisitSettings, VisitSlot
from identity.models import TerritorialUnit
from tests.factories import RegistrationFactory, UserFactory

RIGA = ZoneInfo("Europe/Riga")
# A Monday in term time, 10:00 in Riga: the working week ahead has no holiday.
MONDAY = dt.datetime(2026, 3, 2, 10, 0, tzinfo=RIGA)


@pytest.fixture
def frozen():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def riga(db):
    unit = TerritorialUnit.objects.get(code="riga-1")
    VisitSettings.objects.create(unit=unit, slot_minutes=30, capacity=2)
    return unit


@pytest.fixture
def slots(riga, frozen):
    generate_visit_slots(horizon=10)
    return VisitSlot.objects.filter(unit=riga)


def slot_at(unit, when: dt.datetime) -> VisitSlot:
    return VisitSlot.objects.get(unit=unit, starts_at=when)


@pytest.fixture
def person(db):
    return UserFactory(applicant=True, preferred_language="en", first_name="Olena", last_name="Shevchenko")


@pytest.fixture
def waiting(person, riga):
    # As in life: registration started at the unit (the card fee not paid yet), so no visit booked.
    return RegistrationFactory(application__applicant=person, application__unit=riga).application
