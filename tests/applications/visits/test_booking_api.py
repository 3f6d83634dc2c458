"""Booking, moving and cancelling a visit through the real API; each bad input a clear 4xx that changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from applications.models import ApplicationEvent, Appointment, VisitSlot
from identity.models import TerritorialUnit
from tests.applications.visits.conftest import RIGA, slot_at
from tests.factories import ApplicationFactory, UserFactory
from workers.models import Notification

pytestmark = pytest.mark.django_db

URL = "/api/v1/applications/{}/appointment"
TUESDAY_10 = dt.datetime(2026, 3, 3, 10, 0, tzinfo=RIGA)
WEDNESDAY_9 = dt.datetime(2026, 3, 4, 9, 0, tzinfo=RIGA)


@pytest.fixture
def api(frozen, bearer_client, person):
    return bearer_client(person)


def _book(api, application, slot, **extra):
    return api.post(URL.format(application.pk), {"slot": slot.pk, **extra}, format="json")


def _unchanged(slot, booked=0):
    slot.refresh_from_db()
    assert slot.booked == booked


def test_booking_takes_a_place_writes_the_timeline_and_queues_the_confirmation(api, waiting, slots, riga):
    slot = slot_at(riga, TUESDAY_10)
    response = _book(api, waiting, slot)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body[0]["slot"] == slot.pk and body[0]["status"] == "booked"
    _unchanged(slot, booked=1)
    assert waiting.events.filter(kind=ApplicationEvent.Kind.VISIT_BOOKED).count() == 1
    notification = Notification.objects.get(event="visit_booked")
    assert notification.attachments[0]["kwargs"]["method"] == "REQUEST"
    assert api.get(URL.format(waiting.pk)).json()["slot"] == slot.pk


def test_family_members_share_one_visit_and_each_takes_a_place(api, person, waiting, slots, riga):
    child = ApplicationFactory(applicant=person, awaiting_registration=True, unit=riga)
    slot = slot_at(riga, TUESDAY_10)
    response = _book(api, waiting, slot, with_applications=[child.pk])
    assert response.status_code == 201
    assert len({row["booking"] for row in response.json()}) == 1
    _unchanged(slot, booked=2)
    assert Notification.objects.filter(event="visit_booked").count() == 1


def test_a_full_slot_is_409_this_time_was_just_taken(api, person, waiting, slots, riga):
    slot = slot_at(riga, TUESDAY_10)
    VisitSlot.objects.filter(pk=slot.pk).update(booked=2)
    response = _book(api, waiting, slot)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "slot_taken"
    assert response.json()["error"]["message"] == "This time was just taken. Please choose another one."
    assert not Appointment.objects.exists()


def test_a_family_of_three_does_not_fit_a_slot_with_two_places(api, person, waiting, slots, riga):
    others = [
        ApplicationFactory(applicant=person, awaiting_registration=True, unit=riga).pk for _ in range(2)
    ]
    slot = slot_at(riga, TUESDAY_10)
    response = _book(api, waiting, slot, with_applications=others)
    assert response.status_code == 409
    _unchanged(slot)
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    "case, reason",
    [
        ("past", "past"),
        ("closed", "closed"),
        ("holiday", "closed"),
        ("other_unit", "other_unit"),
        ("gone", "not_found"),
    ],
)
def test_unbookable_times_are_400_and_change_nothing(api, waiting, slots, riga, case, reason):
    if case == "past":
        slot = slot_at(riga, dt.datetime(2026, 3, 2, 9, 0, tzinfo=RIGA))  # this morning, before 10:00
    elif case == "closed":
        slot = slot_at(riga, TUESDAY_10)
        VisitSlot.objects.filter(pk=slot.pk).update(closed=True)
    elif case == "holiday":  # a slot someone created on a public holiday (4 May) is refused all the same
        slot = VisitSlot.objects.create(
            unit=riga,
            starts_at=dt.datetime(2026, 5, 4, 10, 0, tzinfo=RIGA),
            ends_at=dt.datetime(2026, 5, 4, 10, 30, tzinfo=RIGA),
            capacity=2,
        )
    elif case == "other_unit":
        other = TerritorialUnit.objects.get(code="jelgava")
        slot = VisitSlot.objects.create(
            unit=other, starts_at=TUESDAY_10, ends_at=TUESDAY_10 + dt.timedelta(minutes=30), capacity=2
        )
    else:
        slot = VisitSlot(pk=999999)
    response = _book(api, waiting, slot)
    assert response.status_code == 400, response.json()
    assert response.json()["error"]["code"] == "slot_unavailable"
    assert response.json()["error"]["details"]["slot"] == reason
    assert not Appointment.objects.exists()
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"with_applications": [2**80]},  # beyond any key: SQLite cannot even bind it
        {"with_applications": [-1]},
        {"slot": 2**63},
    ],
)
def test_ids_out_of_range_are_400_not_500(api, waiting, slots, riga, body):
    response = api.post(URL.format(waiting.pk), {"slot": slot_at(riga, TUESDAY_10).pk, **body}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert not Appointment.objects.exists()
    moved = api.patch(URL.format(waiting.pk), {"slot": 2**63}, format="json")
    assert moved.status_code == 400


def test_a_second_booking_for_the_same_application_is_409(api, waiting, slots, riga):
    assert _book(api, waiting, slot_at(riga, TUESDAY_10)).status_code == 201
    response = _book(api, waiting, slot_at(riga, WEDNESDAY_9))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_booked"
    _unchanged(slot_at(riga, WEDNESDAY_9))


def test_an_application_not_awaiting_registration_cannot_book(api, person, slots, riga):
    case = ApplicationFactory(applicant=person, in_review=True, unit=riga)
    response = _book(api, case, slot_at(riga, TUESDAY_10))
    assert response.status_code == 409
    assert response.json()["error"]["details"]["state"] == "in_review"


def test_someone_elses_application_is_404(frozen, bearer_client, waiting, slots, riga):
    stranger = bearer_client(UserFactory(applicant=True))
    slot = slot_at(riga, TUESDAY_10)
    assert _book(stranger, waiting, slot).status_code == 404
    _unchanged(slot)


def test_rescheduling_moves_the_place_and_raises_the_sequence(api, waiting, slots, riga):
    first, second = slot_at(riga, TUESDAY_10), slot_at(riga, WEDNESDAY_9)
    _book(api, waiting, first)
    response = api.patch(URL.format(waiting.pk), {"slot": second.pk}, format="json")
    assert response.status_code == 200, response.json()
    _unchanged(first, 0)
    _unchanged(second, 1)
    appointment = Appointment.objects.get()
    assert (appointment.slot_id, appointment.sequence, appointment.reschedules) == (second.pk, 1, 1)
    moved = Notification.objects.get(event="visit_rescheduled")
    assert moved.attachments[0]["kwargs"]["sequence"] == 1


def test_rescheduling_beyond_the_limit_is_409(api, waiting, slots, riga, settings):
    settings.VISIT_MAX_RESCHEDULES = 1
    _book(api, waiting, slot_at(riga, TUESDAY_10))
    assert (
        api.patch(URL.format(waiting.pk), {"slot": slot_at(riga, WEDNESDAY_9).pk}, format="json").status_code
        == 200
    )
    third = slot_at(riga, WEDNESDAY_9 + dt.timedelta(hours=1))
    response = api.patch(URL.format(waiting.pk), {"slot": third.pk}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "reschedule_limit"
    _unchanged(third)
    assert Appointment.objects.get().slot.starts_at == WEDNESDAY_9


def test_rescheduling_and_cancelling_after_the_cutoff_are_409(
    api, bearer_client, person, waiting, slots, riga
):
    slot = slot_at(riga, TUESDAY_10)
    _book(api, waiting, slot)
    with time_machine.travel(TUESDAY_10 - dt.timedelta(hours=23), tick=False):
        api = bearer_client(person)  # a fresh token at the later time
        moved = api.patch(URL.format(waiting.pk), {"slot": slot_at(riga, WEDNESDAY_9).pk}, format="json")
        cancelled = api.delete(URL.format(waiting.pk))
    assert moved.status_code == 409 and moved.json()["error"]["code"] == "too_late"
    assert cancelled.status_code == 409 and cancelled.json()["error"]["code"] == "too_late"
    _unchanged(slot, 1)
    assert Appointment.objects.get().status == "booked"


def test_cancelling_frees_the_place_and_the_application_may_book_again(api, waiting, slots, riga):
    slot = slot_at(riga, TUESDAY_10)
    _book(api, waiting, slot)
    assert api.delete(URL.format(waiting.pk)).status_code == 204
    _unchanged(slot, 0)
    assert Notification.objects.get(event="visit_cancelled").attachments[0]["kwargs"]["method"] == "CANCEL"
    assert _book(api, waiting, slot).status_code == 201


def test_cancelling_someone_elses_booking_is_404(frozen, bearer_client, api, waiting, slots, riga):
    slot = slot_at(riga, TUESDAY_10)
    _book(api, waiting, slot)
    stranger = bearer_client(UserFactory(applicant=True))
    assert stranger.delete(URL.format(waiting.pk)).status_code == 404
    assert Appointment.objects.get().status == "booked"
    _unchanged(slot, 1)


def test_free_slots_api_lists_only_free_future_times(api_client, slots, riga):
    full = slot_at(riga, TUESDAY_10)
    VisitSlot.objects.filter(pk=full.pk).update(booked=2)
    response = api_client.get(f"/api/v1/units/{riga.pk}/slots?from=2026-03-02&to=2026-03-03")
    assert response.status_code == 200
    starts = [row["starts_at"] for row in response.json()]
    assert full.starts_at.isoformat() not in starts
    assert all(row["places_left"] > 0 for row in response.json())
    assert min(starts) > "2026-03-02T10:00"  # nothing already past
    bad = api_client.get(f"/api/v1/units/{riga.pk}/slots?from=2026-03-09&to=2026-03-02")
    assert bad.status_code == 400 and bad.json()["error"]["details"] == {"parameter": "to"}
    assert api_client.get("/api/v1/units/999999/slots").status_code == 404


def test_units_api_lists_the_units_that_receive_visits(api_client, riga):
    rows = {row["code"]: row for row in api_client.get("/api/v1/units").json()}
    assert rows["riga-1"]["receives_visits"] is True and rows["riga-1"]["slot_minutes"] == 30
    assert rows["jelgava"]["receives_visits"] is False


def test_the_visit_is_at_the_unit_chosen_when_the_registration_started(api, person, slots, riga):
    from tests.factories import RegistrationFactory

    jelgava = TerritorialUnit.objects.get(code="jelgava")
    registration = RegistrationFactory(application__applicant=person, application__unit=jelgava, unit=riga)
    response = _book(api, registration.application, slot_at(riga, TUESDAY_10))
    assert response.status_code == 201, response.json()
    _unchanged(slot_at(riga, TUESDAY_10), 1)
