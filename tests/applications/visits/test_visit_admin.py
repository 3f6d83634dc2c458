"""Administrators edit each unit's slot settings and add closures in the Django admin; a closure goes through
the service, so booked visits are cancelled and the applicants told, as when a senior officer closes a day."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from applications.appointments import services
from applications.models import Appointment, VisitClosure, VisitSettings, VisitSlot
from tests.applications.visits.conftest import RIGA, slot_at
from workers.models import Notification

pytestmark = pytest.mark.django_db


def test_an_administrator_edits_slot_length_and_places(admin_client, riga):
    settings_row = VisitSettings.objects.get(unit=riga)
    response = admin_client.post(
        f"/admin/applications/visitsettings/{settings_row.pk}/change/",
        {"unit": riga.pk, "slot_minutes": 20, "capacity": 4, "what_to_bring": ""},
    )
    assert response.status_code == 302
    settings_row.refresh_from_db()
    assert (settings_row.slot_minutes, settings_row.capacity) == (20, 4)


def test_a_closure_added_in_the_admin_cancels_booked_visits_with_an_apology(
    admin_client, person, waiting, slots, riga
):
    services.book_visit(
        application_id=waiting.pk,
        user=person,
        slot_id=slot_at(riga, dt.datetime(2026, 3, 3, 10, tzinfo=RIGA)).pk,
    )
    response = admin_client.post(
        "/admin/applications/visitclosure/add/",
        {"unit": riga.pk, "date": "2026-03-03", "starts": "09:00", "ends": "11:00", "reason": "Power outage"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert VisitClosure.objects.get().reason == "Power outage"
    assert Appointment.objects.get().status == "cancelled"
    assert Notification.objects.filter(event="visit_cancelled_by_office", recipient=person).exists()
    past = admin_client.post(
        "/admin/applications/visitclosure/add/",
        {"unit": riga.pk, "date": "2026-03-01", "starts": "", "ends": "", "reason": "Too late"},
    )
    assert past.status_code == 200 and VisitClosure.objects.count() == 1


def test_seed_demo_gives_the_units_visit_settings_and_slots(settings, frozen):
    settings.DEBUG = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert VisitSettings.objects.filter(unit__code="riga-1").exists()
    assert VisitSlot.objects.filter(unit__code="riga-1", closed=False).exists()
