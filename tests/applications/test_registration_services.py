"""Registration of a granted permit: the state machine's last part, its services, mail and refusals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from applications.models import Application, ApplicationEvent, Registration
from applications.services import registration as services
from applications.services import review
from applications.surveys.models import SurveyInvitation
from eservice.exceptions import InvalidTransitionError, NotFoundError
from identity.models import ReceptionHours
from tests.factories import ApplicationFactory, RegistrationFactory, TerritorialUnitFactory, UserFactory
from workers.models import Notification
from workers.services.notifications import build_message

pytestmark = pytest.mark.django_db
State = Application.State
Event = ApplicationEvent.Kind


@pytest.fixture
def unit():
    unit = TerritorialUnitFactory(name="Rīgas 1. nodaļa", handles_residence_permits=True)
    ReceptionHours.objects.create(unit=unit, weekday=0, opens=dt.time(8), closes=dt.time(20))
    ReceptionHours.objects.create(unit=unit, weekday=4, opens=dt.time(9), closes=dt.time(16))
    return unit


@pytest.fixture
def officer(unit):
    return UserFactory(case_officer=True, unit=unit, first_name="Jānis", last_name="Ozols")


@pytest.fixture
def granted(applicant, unit):
    return ApplicationFactory(applicant=applicant, granted=True, unit=unit)


def _events(application) -> list[str]:
    return list(application.events.values_list("kind", flat=True))


def test_a_grant_of_a_kind_needing_registration_sets_the_deadline(applicant, unit, settings):
    settings.REGISTRATION_DEADLINE_DAYS = 90
    case = ApplicationFactory(applicant=applicant, decision_pending=True, unit=unit)
    with transaction.atomic():
        locked = Application.objects.select_related("kind").get(pk=case.pk)
        review.mark_decided(application=locked, granted=True, actor=UserFactory(case_officer=True), data={})
    case.refresh_from_db()
    assert case.state == State.GRANTED
    assert case.registration_due_on == timezone.localdate() + dt.timedelta(days=90)


def test_a_refusal_sets_no_registration_deadline(applicant, unit):
    case = ApplicationFactory(applicant=applicant, decision_pending=True, unit=unit)
    with transaction.atomic():
        locked = Application.objects.select_related("kind").get(pk=case.pk)
        review.mark_decided(application=locked, granted=False, actor=UserFactory(case_officer=True), data={})
    case.refresh_from_db()
    assert case.state == State.REFUSED and case.registration_due_on is None


def test_start_registration_moves_the_granted_case_and_fixes_the_card_fee(granted, applicant, unit):
    registration = services.start_registration(
        application_id=granted.pk, applicant=applicant, card_speed="faster"
    )
    granted.refresh_from_db()
    assert granted.state == State.AWAITING_REGISTRATION
    assert registration.unit == unit  # the case's unit by default
    assert registration.card_speed == "faster" and registration.card_fee_cents == 3000
    assert not registration.card_fee_paid
    assert _events(granted)[-1] == Event.REGISTRATION_STARTED
    mail = Notification.objects.get(event="registration_started")
    assert mail.recipient_id == applicant.pk and mail.context["amount"] == "30.00 EUR"


def test_start_registration_at_another_unit(granted, applicant):
    other = TerritorialUnitFactory(handles_residence_permits=True)
    registration = services.start_registration(
        application_id=granted.pk, applicant=applicant, unit_id=other.pk
    )
    assert registration.unit == other


def test_start_registration_of_someone_elses_decision_is_not_found(granted, other_applicant):
    with pytest.raises(NotFoundError):
        services.start_registration(application_id=granted.pk, applicant=other_applicant)
    granted.refresh_from_db()
    assert granted.state == State.GRANTED and not Registration.objects.exists()


def test_start_registration_of_a_refused_case_is_refused(applicant, unit):
    refused = ApplicationFactory(applicant=applicant, refused=True, unit=unit)
    with pytest.raises(InvalidTransitionError) as caught:
        services.start_registration(application_id=refused.pk, applicant=applicant)
    assert caught.value.details["state"] == State.REFUSED
    refused.refresh_from_db()
    assert refused.state == State.REFUSED and not Registration.objects.exists()


def test_start_registration_refuses_a_unit_that_does_not_register_permits(granted, applicant):
    closed = TerritorialUnitFactory(handles_residence_permits=True, is_active=False)
    with pytest.raises(services.RegistrationInputError) as caught:
        services.start_registration(application_id=granted.pk, applicant=applicant, unit_id=closed.pk)
    assert "unit" in caught.value.details
    granted.refresh_from_db()
    assert granted.state == State.GRANTED


def test_start_registration_refuses_an_unknown_card_speed(granted, applicant):
    with pytest.raises(services.RegistrationInputError) as caught:
        services.start_registration(application_id=granted.pk, applicant=applicant, card_speed="instant")
    assert "card_speed" in caught.value.details
    assert not Registration.objects.exists()


def test_biometrics_without_a_paid_card_fee_is_refused(unit, officer):
    registration = RegistrationFactory(application__unit=unit)
    with pytest.raises(services.CardFeeUnpaidError) as caught:
        services.record_biometrics(application=registration.application, actor=officer)
    assert caught.value.status_code == 409 and caught.value.code == "card_fee_unpaid"
    registration.application.refresh_from_db()
    assert registration.application.state == State.AWAITING_REGISTRATION
    assert not Notification.objects.filter(event="card_in_production").exists()


def test_the_whole_registration_to_collection(unit, officer):
    registration = RegistrationFactory(application__unit=unit, paid=True)
    application = registration.application

    services.record_biometrics(application=application, actor=officer)
    application.refresh_from_db()
    assert application.state == State.CARD_IN_PRODUCTION
    # The visit is over: the applicant is invited, once, to rate it.
    assert SurveyInvitation.objects.filter(application=application, occasion="visit").count() == 1
    assert (
        Notification.objects.filter(event="survey_invitation", recipient=application.applicant).count() == 1
    )

    services.mark_card_produced(application=application, actor=officer)
    application.refresh_from_db()
    assert application.state == State.READY_FOR_COLLECTION
    ready = Notification.objects.get(event="card_ready")
    assert ready.actor_id == officer.pk
    assert ready.context["hours"] == [
        {"day": "Monday", "hours": "08:00–20:00"},
        {"day": "Friday", "hours": "09:00–16:00"},
    ]

    services.hand_over_card(application=application, actor=officer)
    application.refresh_from_db()
    registration.refresh_from_db()
    assert application.state == State.COLLECTED and application.closed_at is not None
    assert registration.biometrics_by == officer and registration.handed_over_by == officer
    assert _events(application)[-3:] == [Event.BIOMETRICS_TAKEN, Event.CARD_PRODUCED, Event.CARD_COLLECTED]
    assert set(Notification.objects.values_list("event", flat=True)) >= {
        "card_in_production",
        "card_ready",
        "card_collected",
    }


def test_the_card_ready_mail_lists_the_collection_hours(unit, officer):
    registration = RegistrationFactory(
        application__unit=unit, application__state="card_in_production", paid=True
    )
    registration.application.applicant.preferred_language = "en"
    registration.application.applicant.save(update_fields=["preferred_language"])
    services.mark_card_produced(application=registration.application, actor=officer)
    message = build_message(Notification.objects.get(event="card_ready"))
    assert "is ready" in message.subject
    assert "Monday: 08:00–20:00" in message.body and "Jānis Ozols" in message.body


def test_a_transition_out_of_order_is_409_with_the_allowed_action(unit, officer):
    registration = RegistrationFactory(application__unit=unit, paid=True)
    with pytest.raises(InvalidTransitionError) as caught:
        services.hand_over_card(application=registration.application, actor=officer)
    assert caught.value.details == {
        "state": State.AWAITING_REGISTRATION,
        "allowed_actions": ["record_biometrics"],
    }
    registration.application.refresh_from_db()
    assert registration.application.state == State.AWAITING_REGISTRATION


def test_an_officer_of_another_unit_cannot_mark_anything(unit):
    registration = RegistrationFactory(application__unit=unit, paid=True)
    stranger = UserFactory(case_officer=True, unit=TerritorialUnitFactory())
    for action in (services.record_biometrics, services.mark_card_produced, services.hand_over_card):
        with pytest.raises(NotFoundError):
            action(application=registration.application, actor=stranger)
    registration.application.refresh_from_db()
    assert registration.application.state == State.AWAITING_REGISTRATION


def test_the_registration_unit_decides_who_acts_not_the_deciding_unit(unit, officer):
    elsewhere = TerritorialUnitFactory(handles_residence_permits=True)
    registration = RegistrationFactory(application__unit=unit, unit=elsewhere, paid=True)
    with pytest.raises(NotFoundError):
        services.record_biometrics(application=registration.application, actor=officer)
    local = UserFactory(case_officer=True, unit=elsewhere)
    services.record_biometrics(application=registration.application, actor=local)
    registration.application.refresh_from_db()
    assert registration.application.state == State.CARD_IN_PRODUCTION


def test_an_applicant_cannot_mark_a_step(unit):
    registration = RegistrationFactory(application__unit=unit, paid=True)
    with pytest.raises(NotFoundError):
        services.record_biometrics(
            application=registration.application, actor=registration.application.applicant
        )


def test_marking_the_card_fee_paid_is_recorded_once(unit):
    registration = RegistrationFactory(application__unit=unit)
    application = registration.application
    paid_at = timezone.now()
    for _attempt in range(2):
        with transaction.atomic():
            services.mark_card_fee_paid(
                application=application, paid_at=paid_at, amount="25.00 EUR", payment_id=7
            )
    registration.refresh_from_db()
    application.refresh_from_db()
    assert registration.card_fee_paid_at == paid_at
    assert application.state == State.AWAITING_REGISTRATION  # paying the card fee moves no state
    assert _events(application).count(Event.CARD_FEE_PAID) == 1


def test_registration_reminder_goes_once_before_the_deadline(applicant, unit, settings):
    settings.REGISTRATION_REMINDER_DAYS = 14
    today = timezone.localdate()
    due_soon = ApplicationFactory(
        applicant=applicant, granted=True, unit=unit, registration_due_on=today + dt.timedelta(days=10)
    )
    ApplicationFactory(
        applicant=applicant, granted=True, unit=unit, registration_due_on=today + dt.timedelta(days=40)
    )
    ApplicationFactory(
        applicant=applicant, refused=True, unit=unit, registration_due_on=today + dt.timedelta(days=5)
    )
    assert services.send_registration_reminders(today=today) == [due_soon.pk]
    assert services.send_registration_reminders(today=today) == []
    assert Notification.objects.filter(event="registration_reminder").count() == 1
    assert _events(due_soon)[-1] == Event.REGISTRATION_REMINDER
