"""Registration through the real URLs: the applicant's pages and API, the unit's back-office page and API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from applications.models import Application, Registration
from applications.selectors_registration import list_unit_registrations
from tests.factories import ApplicationFactory, RegistrationFactory, TerritorialUnitFactory, UserFactory
from workers.models import Notification

pytestmark = pytest.mark.django_db
State = Application.State


@pytest.fixture
def unit():
    return TerritorialUnitFactory(name="Rīgas 1. nodaļa", handles_residence_permits=True)


@pytest.fixture
def granted(applicant, unit):
    return ApplicationFactory(
        applicant=applicant,
        granted=True,
        unit=unit,
        registration_due_on=timezone.localdate() + dt.timedelta(days=80),
    )


@pytest.fixture
def officer(unit):
    return UserFactory(case_officer=True, unit=unit)


# --- the applicant's pages ------------------------------------------------------------------------------


def test_the_dashboard_offers_registration_of_a_granted_permit(client, applicant, granted):
    client.force_login(applicant)
    html = client.get("/applications/").content.decode()
    assert "Registration of your residence permit" in html
    assert f'href="/applications/{granted.pk}/registration/"' in html
    assert "Register it to receive the residence permit card" in html


def test_the_catalogue_registration_kind_leads_to_the_granted_permits(client, applicant, granted):
    client.force_login(applicant)
    html = client.get("/applications/new/?kind=registration&purpose=studies").content.decode()
    assert 'href="/registration/"' in html
    listing = client.get("/registration/").content.decode()
    assert f"/applications/{granted.pk}/registration/" in listing
    refused = ApplicationFactory(applicant=applicant, refused=True)
    assert f"/applications/{refused.pk}/registration/" not in client.get("/registration/").content.decode()


def test_nobody_without_a_granted_decision_sees_one_to_register(client, other_applicant, granted):
    client.force_login(other_applicant)
    html = client.get("/registration/").content.decode()
    assert "You have no granted residence permit to register" in html
    assert f"/applications/{granted.pk}/" not in html


def test_start_registration_on_the_page(client, applicant, granted, unit):
    other_unit = TerritorialUnitFactory(handles_residence_permits=True, name="Daugavpils")
    client.force_login(applicant)
    page = client.get(f"/applications/{granted.pk}/registration/")
    html = page.content.decode()
    assert page.status_code == 200
    assert f'value="{unit.code}" required checked' in html  # the application's unit by default
    assert "Daugavpils" in html and "25.00 EUR" in html and "45.00 EUR" in html
    response = client.post(
        f"/applications/{granted.pk}/registration/", {"unit": other_unit.code, "card_speed": "fastest"}
    )
    assert response.status_code == 302 and response["Location"] == f"/applications/{granted.pk}/"
    registration = Registration.objects.get(application=granted)
    assert registration.unit == other_unit and registration.card_fee_cents == 4500
    detail = client.get(response["Location"]).content.decode()
    assert f"/applications/{granted.pk}/pay/?purpose=card_fee" in detail
    assert "Pay the card fee, then book a visit" in detail


def test_start_registration_page_refuses_bad_input_and_changes_nothing(client, applicant, granted):
    client.force_login(applicant)
    response = client.post(
        f"/applications/{granted.pk}/registration/", {"unit": "nowhere", "card_speed": "warp"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert (
        "Choose one of the listed units" in html and "Choose one of the listed card production speeds" in html
    )
    granted.refresh_from_db()
    assert granted.state == State.GRANTED and not Registration.objects.exists()


def test_someone_elses_decision_page_is_404(client, other_applicant, granted, unit):
    client.force_login(other_applicant)
    assert client.get(f"/applications/{granted.pk}/registration/").status_code == 404
    response = client.post(
        f"/applications/{granted.pk}/registration/", {"unit": unit.code, "card_speed": "standard"}
    )
    assert response.status_code == 404
    assert not Registration.objects.exists()


def test_a_refused_application_cannot_be_registered_on_the_page(client, applicant, unit):
    refused = ApplicationFactory(applicant=applicant, refused=True, unit=unit)
    client.force_login(applicant)
    assert (
        "cannot be registered now" in client.get(f"/applications/{refused.pk}/registration/").content.decode()
    )
    response = client.post(
        f"/applications/{refused.pk}/registration/", {"unit": unit.code, "card_speed": "standard"}
    )
    assert response.status_code == 409
    assert not Registration.objects.exists()


# --- the applicant's API --------------------------------------------------------------------------------


def test_api_start_registration(applicant_api, granted, unit):
    response = applicant_api.post(
        f"/api/v1/applications/{granted.pk}/registration",
        {"unit": unit.pk, "card_speed": "faster"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "awaiting_registration" and body["unit"]["code"] == unit.code
    assert body["card_fee_cents"] == 3000 and body["card_fee_paid"] is False
    assert body["allowed_actions"] == ["pay_card_fee"]
    again = applicant_api.post(f"/api/v1/applications/{granted.pk}/registration", {}, format="json")
    assert again.status_code == 409
    assert again.json()["error"]["details"]["state"] == "awaiting_registration"


def test_api_read_before_registration_names_the_next_action(applicant_api, granted):
    body = applicant_api.get(f"/api/v1/applications/{granted.pk}/registration").json()
    assert (
        body["state"] == "granted"
        and body["unit"] is None
        and body["allowed_actions"] == ["start_registration"]
    )


def test_api_refuses_someone_elses_a_refused_one_and_bad_input(
    applicant_api, other_applicant_api, granted, applicant
):
    url = f"/api/v1/applications/{granted.pk}/registration"
    assert other_applicant_api.post(url, {}, format="json").status_code == 404
    bad_speed = applicant_api.post(url, {"card_speed": "warp"}, format="json")
    assert bad_speed.status_code == 400 and "card_speed" in bad_speed.json()["error"]["details"]
    bad_unit = applicant_api.post(url, {"unit": 999999}, format="json")
    assert bad_unit.status_code == 400 and "unit" in bad_unit.json()["error"]["details"]
    refused = ApplicationFactory(applicant=applicant, refused=True)
    conflict = applicant_api.post(f"/api/v1/applications/{refused.pk}/registration", {}, format="json")
    assert conflict.status_code == 409
    assert conflict.json()["error"]["details"] == {"state": "refused", "allowed_actions": []}
    assert not Registration.objects.exists()


# --- officers: API --------------------------------------------------------------------------------------


def test_api_officer_transitions_in_order_and_409_out_of_order(bearer_client, officer, unit):
    registration = RegistrationFactory(application__unit=unit)
    api = bearer_client(officer)
    base = f"/api/v1/backoffice/cases/{registration.application_id}/registration"
    unpaid = api.post(f"{base}/biometrics")
    assert unpaid.status_code == 409 and unpaid.json()["error"]["code"] == "card_fee_unpaid"
    out_of_order = api.post(f"{base}/hand-over")
    assert out_of_order.status_code == 409
    assert out_of_order.json()["error"]["details"] == {
        "state": "awaiting_registration",
        "allowed_actions": ["record_biometrics"],
    }
    Registration.objects.filter(pk=registration.pk).update(card_fee_paid_at=timezone.now())
    assert api.post(f"{base}/biometrics").json()["state"] == "card_in_production"
    produced = api.post(f"{base}/card-produced").json()
    assert produced["state"] == "ready_for_collection" and produced["allowed_actions"] == ["hand_over_card"]
    assert api.post(f"{base}/hand-over").json()["state"] == "collected"


def test_api_officer_of_another_unit_gets_404_and_changes_nothing(bearer_client, unit):
    registration = RegistrationFactory(application__unit=unit, paid=True)
    stranger = bearer_client(UserFactory(case_officer=True, unit=TerritorialUnitFactory()))
    response = stranger.post(
        f"/api/v1/backoffice/cases/{registration.application_id}/registration/biometrics"
    )
    assert response.status_code == 404
    assert stranger.get(f"/api/v1/backoffice/units/{unit.pk}/registrations").status_code == 404
    registration.application.refresh_from_db()
    assert registration.application.state == State.AWAITING_REGISTRATION


def test_api_unit_registrations(bearer_client, officer, unit):
    registration = RegistrationFactory(application__unit=unit)
    body = bearer_client(officer).get(f"/api/v1/backoffice/units/{unit.pk}/registrations").json()
    assert [row["application_id"] for row in body["awaiting"]] == [registration.application_id]
    assert body["in_production"] == [] and body["ready"] == []


# --- officers: the back-office page ---------------------------------------------------------------------


def test_the_unit_page_lists_overdue_first_and_marks_cards(staff_client_for, officer, unit):
    today = timezone.localdate()
    later = RegistrationFactory(
        application__unit=unit, application__registration_due_on=today + dt.timedelta(days=30)
    )
    overdue = RegistrationFactory(
        application__unit=unit, application__registration_due_on=today - dt.timedelta(days=2)
    )
    producing = RegistrationFactory(
        application__unit=unit, application__state="card_in_production", paid=True
    )
    not_started = ApplicationFactory(
        granted=True, unit=unit, registration_due_on=today - dt.timedelta(days=1)
    )
    client = staff_client_for(officer)
    assert (
        client.get("/backoffice/registrations/")["Location"] == f"/backoffice/units/{unit.pk}/registrations/"
    )
    html = client.get(f"/backoffice/units/{unit.pk}/registrations/").content.decode()
    assert html.index(overdue.application.reference) < html.index(later.application.reference)
    assert "overdue" in html and not_started.reference in html
    response = client.post(f"/backoffice/registrations/{producing.application_id}/card-produced/")
    assert response.status_code == 302
    producing.application.refresh_from_db()
    assert producing.application.state == State.READY_FOR_COLLECTION
    assert Notification.objects.filter(event="card_ready").exists()
    client.post(f"/backoffice/registrations/{producing.application_id}/handed-over/")
    producing.application.refresh_from_db()
    assert producing.application.state == State.COLLECTED


def test_the_unit_page_refuses_an_out_of_order_step_with_a_message(staff_client_for, officer, unit):
    registration = RegistrationFactory(application__unit=unit, paid=True)
    client = staff_client_for(officer)
    response = client.post(
        f"/backoffice/registrations/{registration.application_id}/handed-over/", follow=True
    )
    assert response.status_code == 200
    assert "You cannot hand over the card" in response.content.decode()
    registration.application.refresh_from_db()
    assert registration.application.state == State.AWAITING_REGISTRATION


def test_another_units_page_and_marks_are_404(staff_client_for, unit):
    registration = RegistrationFactory(
        application__unit=unit, application__state="card_in_production", paid=True
    )
    stranger = staff_client_for(UserFactory(case_officer=True, unit=TerritorialUnitFactory()))
    assert stranger.get(f"/backoffice/units/{unit.pk}/registrations/").status_code == 404
    assert (
        stranger.post(f"/backoffice/registrations/{registration.application_id}/card-produced/").status_code
        == 404
    )
    registration.application.refresh_from_db()
    assert registration.application.state == State.CARD_IN_PRODUCTION


def test_the_unit_lists_take_two_queries_whatever_their_size(unit, django_assert_num_queries):
    for _ in range(3):
        RegistrationFactory(application__unit=unit)
        RegistrationFactory(application__unit=unit, application__state="ready_for_collection", paid=True)
    with django_assert_num_queries(2):
        lists = list_unit_registrations(unit_id=unit.pk)
        [a.registration.unit.name for a in lists.awaiting + lists.ready]
    assert len(lists.awaiting) == 3 and len(lists.ready) == 3


def test_the_dashboard_query_count_does_not_grow_with_registrations(
    client, applicant, unit, django_assert_num_queries
):
    RegistrationFactory(application__applicant=applicant, application__unit=unit)
    client.force_login(applicant)
    client.get("/applications/")  # warm caches (content types, session)
    from applications.selectors_dashboard import list_dashboard_applications

    # The applications (with registration and unit), then events, documents, payments and booked visits.
    with django_assert_num_queries(5):
        applications = list_dashboard_applications(user=applicant)
    RegistrationFactory(application__applicant=applicant, application__unit=unit)
    with django_assert_num_queries(5):
        applications = list_dashboard_applications(user=applicant)
    assert all(a.registration.unit_id == unit.pk for a in applications)


def test_the_guide_gives_the_card_fees_for_registration(client):
    html = client.get("/guide/registration/employment/").content.decode()
    assert "Card fee and when the card is ready" in html
    assert "Fastest card production (2 working days)" in html and "45.00" in html
    assert "Standard (30 working days)" not in html
