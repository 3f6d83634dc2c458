"""The visit pages through the real URLs and sessions: the applicant's week view, the unit's day."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from applications.appointments import services
from applications.models import Application, Appointment, VisitSlot
from tests.applications.visits.conftest import RIGA, slot_at
from tests.factories import ApplicationFactory, RegistrationFactory, UserFactory
from workers.models import Notification

pytestmark = pytest.mark.django_db

TUESDAY_10 = dt.datetime(2026, 3, 3, 10, 0, tzinfo=RIGA)
WEDNESDAY_9 = dt.datetime(2026, 3, 4, 9, 0, tzinfo=RIGA)


@pytest.fixture
def page(person, frozen):
    client = Client()
    client.force_login(person)
    return client


def test_the_week_view_lists_free_times_as_labelled_radios_with_week_links(page, waiting, slots, riga):
    response = page.get(f"/applications/{waiting.pk}/visit/")
    assert response.status_code == 200
    html = response.content.decode()
    slot = slot_at(riga, TUESDAY_10)
    assert f'<input type="radio" name="slot" value="{slot.pk}" id="slot-{slot.pk}">' in html
    # The label says the time, the day (for screen readers) and the places left.
    assert f'<label for="slot-{slot.pk}">10:00<span class="visually-hidden">, Tuesday, 3 March</span>' in html
    assert "2 places left" in html
    assert "?week=2026-03-09" in html  # next week
    assert "Previous week" not in html  # nothing before this week
    assert page.get(f"/applications/{waiting.pk}/visit/?week=2026-03-09").status_code == 200


def test_booking_on_the_page_then_moving_then_cancelling(page, waiting, slots, riga):
    first, second = slot_at(riga, TUESDAY_10), slot_at(riga, WEDNESDAY_9)
    response = page.post(f"/applications/{waiting.pk}/visit/", {"slot": first.pk})
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.slot_id == first.pk
    html = page.get(f"/applications/{waiting.pk}/visit/").content.decode()
    assert "Tuesday, 3 March 2026, 10:00" in html and "Cancel the visit" in html
    assert page.post(f"/applications/{waiting.pk}/visit/", {"slot": second.pk}).status_code == 302
    appointment.refresh_from_db()
    assert appointment.slot_id == second.pk
    assert page.post(f"/applications/{waiting.pk}/visit/cancel/").status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"


def test_a_time_just_taken_is_a_form_error_with_409(page, waiting, slots, riga):
    slot = slot_at(riga, TUESDAY_10)
    VisitSlot.objects.filter(pk=slot.pk).update(booked=2)
    response = page.post(f"/applications/{waiting.pk}/visit/", {"slot": slot.pk})
    assert response.status_code == 409
    assert "This time was just taken" in response.content.decode()
    assert 'class="error-summary"' in response.content.decode()
    assert not Appointment.objects.exists()


def test_no_time_chosen_is_a_form_error(page, waiting, slots):
    response = page.post(f"/applications/{waiting.pk}/visit/", {})
    assert response.status_code == 400
    assert "Choose a time for the visit." in response.content.decode()


def test_family_members_awaiting_registration_are_offered_on_the_same_visit(
    page, person, waiting, slots, riga
):
    child = ApplicationFactory(applicant=person, awaiting_registration=True, unit=riga, first_name="Taras")
    html = page.get(f"/applications/{waiting.pk}/visit/").content.decode()
    assert "Taras" in html
    slot = slot_at(riga, TUESDAY_10)
    page.post(f"/applications/{waiting.pk}/visit/", {"slot": slot.pk, "with_applications": [child.pk]})
    assert set(Appointment.objects.values_list("application_id", flat=True)) == {waiting.pk, child.pk}


def test_the_page_is_404_for_someone_else_and_for_an_application_not_awaiting_registration(
    page, person, waiting, slots
):
    stranger = Client()
    stranger.force_login(UserFactory(applicant=True))
    assert stranger.get(f"/applications/{waiting.pk}/visit/").status_code == 404
    in_review = ApplicationFactory(applicant=person, in_review=True)
    assert page.get(f"/applications/{in_review.pk}/visit/").status_code == 404


# --- the unit's day ---------------------------------------------------------------------------------------
@pytest.fixture
def officer(riga):
    return UserFactory(case_officer=True, unit=riga, first_name="Jānis", last_name="Ozols")


@pytest.fixture
def senior(riga):
    return UserFactory(senior_officer=True, unit=riga)


@pytest.fixture
def booked(person, waiting, slots, riga):
    services.book_visit(application_id=waiting.pk, user=person, slot_id=slot_at(riga, TUESDAY_10).pk)
    return Appointment.objects.get()


def test_officers_see_the_days_visits_and_mark_arrival(staff_client_for, officer, booked, frozen):
    client = staff_client_for(officer)
    response = client.get("/backoffice/visits/?date=2026-03-03")
    assert response.status_code == 200
    assert (
        "Shevchenko" in response.content.decode() or booked.application.last_name in response.content.decode()
    )
    assert client.post(f"/backoffice/visits/{booked.pk}/arrived/").status_code == 302
    booked.refresh_from_db()
    assert booked.status == "arrived"
    assert client.get("/backoffice/visits/?date=nonsense").status_code == 400


def test_no_show_frees_the_applicant_to_book_again_and_tells_them(
    staff_client_for, officer, booked, person, riga
):
    import time_machine

    with time_machine.travel(TUESDAY_10 + dt.timedelta(hours=1), tick=False):
        client = staff_client_for(officer)
        assert client.post(f"/backoffice/visits/{booked.pk}/no-show/").status_code == 302
        booked.refresh_from_db()
        assert booked.status == "no_show"
        assert Notification.objects.filter(event="visit_missed", recipient=person).exists()
        services.book_visit(
            application_id=booked.application_id, user=person, slot_id=slot_at(riga, WEDNESDAY_9).pk
        )


def test_no_show_before_the_visit_starts_is_refused(staff_client_for, officer, booked):
    client = staff_client_for(officer)
    client.post(f"/backoffice/visits/{booked.pk}/no-show/")
    booked.refresh_from_db()
    assert booked.status == "booked"


def test_an_officer_of_another_unit_gets_404_and_changes_nothing(staff_client_for, booked, frozen):
    foreign = UserFactory(case_officer=True)
    client = staff_client_for(foreign)
    assert client.post(f"/backoffice/visits/{booked.pk}/arrived/").status_code == 404
    booked.refresh_from_db()
    assert booked.status == "booked"
    assert "Shevchenko" not in client.get("/backoffice/visits/?date=2026-03-03").content.decode()


def test_biometrics_taken_moves_the_registration_on(staff_client_for, officer, person, riga, slots):
    registration = RegistrationFactory(
        paid=True, application__applicant=person, application__unit=riga, unit=riga
    )
    application = registration.application
    services.book_visit(application_id=application.pk, user=person, slot_id=slot_at(riga, TUESDAY_10).pk)
    appointment = Appointment.objects.get(application=application)
    client = staff_client_for(officer)
    assert client.post(f"/backoffice/visits/{appointment.pk}/biometrics/").status_code == 302
    appointment.refresh_from_db()
    application.refresh_from_db()
    assert appointment.status == "done"
    assert application.state == Application.State.CARD_IN_PRODUCTION


def test_biometrics_with_the_card_fee_unpaid_changes_nothing(staff_client_for, officer, person, riga, slots):
    registration = RegistrationFactory(application__applicant=person, application__unit=riga, unit=riga)
    application = registration.application
    services.book_visit(application_id=application.pk, user=person, slot_id=slot_at(riga, TUESDAY_10).pk)
    appointment = Appointment.objects.get(application=application)
    client = staff_client_for(officer)
    response = client.post(f"/backoffice/visits/{appointment.pk}/biometrics/", follow=True)
    assert "card fee is not paid" in response.content.decode()
    appointment.refresh_from_db()
    application.refresh_from_db()
    assert appointment.status == "booked" and application.state == Application.State.AWAITING_REGISTRATION


def test_a_senior_officer_closes_a_day_and_the_booked_get_an_apology(
    staff_client_for, senior, booked, person, riga
):
    client = staff_client_for(senior)
    response = client.post(
        "/backoffice/visits/close/",
        {"date": "2026-03-03", "reason": "Power outage", "starts": "", "ends": ""},
    )
    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.status == "cancelled"
    slot = booked.slot
    slot.refresh_from_db()
    assert slot.closed and slot.booked == 0
    apology = Notification.objects.get(event="visit_cancelled_by_office")
    assert apology.recipient == person and apology.context["reason"] == "Power outage"
    assert apology.context["url"].endswith(f"/applications/{booked.application_id}/visit/")
    assert apology.attachments[0]["kwargs"]["method"] == "CANCEL"
    assert not VisitSlot.objects.filter(unit=riga, starts_at__date=dt.date(2026, 3, 3), closed=False).exists()


def test_a_case_officer_may_not_close_and_a_bad_range_is_a_form_error(
    staff_client_for, officer, senior, booked
):
    data = {"date": "2026-03-03", "reason": "x", "starts": "12:00", "ends": "11:00"}
    assert staff_client_for(officer).post("/backoffice/visits/close/", data).status_code == 403
    response = staff_client_for(senior).post("/backoffice/visits/close/", data)
    assert response.status_code == 400
    booked.refresh_from_db()
    assert booked.status == "booked"


def test_the_backoffice_api_lists_the_units_day_for_its_officers_only(
    bearer_client, officer, booked, riga, frozen
):
    response = bearer_client(officer).get(f"/api/v1/backoffice/units/{riga.pk}/visits?date=2026-03-03")
    assert response.status_code == 200
    assert [row["application"] for row in response.json()] == [booked.application_id]
    foreign = UserFactory(case_officer=True)
    assert bearer_client(foreign).get(f"/api/v1/backoffice/units/{riga.pk}/visits").status_code == 404


def test_the_dashboard_offers_to_book_then_shows_the_booked_visit(page, person, waiting, slots, riga):
    html = page.get("/applications/").content.decode()
    assert "Book a visit" in html and f"/applications/{waiting.pk}/visit/" in html
    services.book_visit(application_id=waiting.pk, user=person, slot_id=slot_at(riga, TUESDAY_10).pk)
    html = page.get("/applications/").content.decode()
    assert "is booked for Tuesday, 3 March 2026, 10:00" in html
    assert "Move or cancel the visit" in html
    detail = page.get(f"/applications/{waiting.pk}/").content.decode()
    assert "Move or cancel the visit" in detail
