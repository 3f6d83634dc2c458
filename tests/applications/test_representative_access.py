"""A representative reaches every applicant feature of the person they represent, through the real URLs (pages
and API): booking a visit, writing to the Office, contesting a decision, starting the registration. The one rule
is ``selectors.accessible_applications`` / ``models.application.may_act_on``; anyone else still gets 404.

The represented person here is an adult family member who accepted the representative's invitation: the
application is in their own account (``applicant``) and the representative keeps acting on it
(``representative``). A minor's application stays in the parent's account, so it never tested the rule.
"""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from applications.appointments.services import (
    SharedVisitError,
    book_visit,
    cancel_visit,
    generate_visit_slots,
)
from applications.case_messages import services as message_services
from applications.models import (
    Application,
    ApplicationEvent,
    Appointment,
    CaseMessage,
    LegalGround,
    Registration,
    VisitSettings,
    VisitSlot,
)
from applications.services.registration import send_registration_reminders, start_registration
from decisions import complaints, seal
from decisions import services as decision_services
from decisions.models import Complaint, ComplaintLetter
from identity.models import StaffAccessLog, TerritorialUnit
from payments.services import confirm_payment, start_payment
from payments.services.payments import Outcome
from tests.applications.helpers import pdf_bytes
from tests.factories import ApplicationFactory, RegistrationFactory, UserFactory
from workers.models import Notification
from workers.services.notifications import send_notification

pytestmark = pytest.mark.django_db

Event = ApplicationEvent.Kind
RIGA = ZoneInfo("Europe/Riga")
MONDAY = dt.datetime(2026, 3, 2, 10, 0, tzinfo=RIGA)  # a working week ahead with no holiday
TUESDAY_10 = dt.datetime(2026, 3, 3, 10, 0, tzinfo=RIGA)
WEDNESDAY_9 = dt.datetime(2026, 3, 4, 9, 0, tzinfo=RIGA)


@pytest.fixture
def riga(db):
    return TerritorialUnit.objects.get(code="riga-1")


@pytest.fixture
def representative(db):
    return UserFactory(applicant=True, first_name="Andrii", last_name="Bondarenko", preferred_language="en")


@pytest.fixture
def spouse(db):
    return UserFactory(applicant=True, first_name="Oksana", last_name="Bondarenko", preferred_language="en")


@pytest.fixture
def stranger(db):
    return UserFactory(applicant=True)


def represented(spouse, representative, **traits) -> Application:
    """The spouse's application, in the spouse's account since the invitation was accepted."""
    return ApplicationFactory(
        applicant=spouse,
        representative=representative,
        relationship_to_representative="spouse",
        first_name="Oksana",
        last_name="Bondarenko",
        **traits,
    )


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- visits ---------------------------------------------------------------------------------------------------
@pytest.fixture
def slots(riga):
    with time_machine.travel(MONDAY, tick=False):
        VisitSettings.objects.create(unit=riga, slot_minutes=30, capacity=3)
        generate_visit_slots(horizon=10)
        yield


@pytest.fixture
def waiting(spouse, representative, riga):
    registration = RegistrationFactory(
        application=represented(
            spouse,
            representative,
            granted=True,
            state="awaiting_registration",
            unit=riga,
            registration_due_on=timezone.localdate() + dt.timedelta(days=90),
        )
    )
    return registration.application


def _slot(riga, when) -> VisitSlot:
    return VisitSlot.objects.get(unit=riga, starts_at=when)


def test_a_representative_books_moves_and_cancels_the_visit_on_the_page(
    slots, waiting, representative, stranger, riga
):
    page = page_client(representative)
    assert page.get(f"/applications/{waiting.pk}/visit/").status_code == 200

    response = page.post(f"/applications/{waiting.pk}/visit/", {"slot": _slot(riga, TUESDAY_10).pk})
    assert response.status_code == 302
    appointment = Appointment.objects.get(application=waiting)
    assert appointment.booked_by == representative
    booked = waiting.events.get(kind=Event.VISIT_BOOKED)
    assert booked.actor == representative
    # The confirmation with the calendar file goes to whoever booked it: they come with the person.
    assert Notification.objects.get(event="visit_booked").recipient == representative

    assert (
        page.post(f"/applications/{waiting.pk}/visit/", {"slot": _slot(riga, WEDNESDAY_9).pk}).status_code
        == 302
    )
    assert page.post(f"/applications/{waiting.pk}/visit/cancel/").status_code == 302
    assert waiting.events.get(kind=Event.VISIT_CANCELLED).actor == representative

    outsider = page_client(stranger)
    assert outsider.get(f"/applications/{waiting.pk}/visit/").status_code == 404
    assert (
        outsider.post(f"/applications/{waiting.pk}/visit/", {"slot": _slot(riga, TUESDAY_10).pk}).status_code
        == 404
    )
    assert not Appointment.objects.filter(status="booked").exists()


def test_a_representative_books_the_visit_through_the_api_and_a_stranger_gets_404(
    slots, waiting, representative, stranger, riga, bearer_client
):
    url = f"/api/v1/applications/{waiting.pk}/appointment"
    slot = _slot(riga, TUESDAY_10)
    refused = bearer_client(stranger).post(url, {"slot": slot.pk}, format="json")
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "not_found"
    assert bearer_client(stranger).get(url).status_code == 404

    api = bearer_client(representative)
    created = api.post(url, {"slot": slot.pk}, format="json")
    assert created.status_code == 201, created.json()
    assert api.get(url).json()["slot"] == slot.pk
    slot.refresh_from_db()
    assert slot.booked == 1


def test_a_representative_brings_their_own_and_the_represented_application_to_one_visit(
    slots, waiting, representative, spouse, riga
):
    own = RegistrationFactory(application__applicant=representative, application__unit=riga).application
    page = page_client(representative)
    html = page.get(f"/applications/{own.pk}/visit/").content.decode()
    assert f'value="{waiting.pk}"' in html  # offered as a companion on the same visit

    response = page.post(
        f"/applications/{own.pk}/visit/",
        {"slot": _slot(riga, TUESDAY_10).pk, "with_applications": [waiting.pk]},
    )
    assert response.status_code == 302
    assert set(Appointment.objects.values_list("application_id", flat=True)) == {own.pk, waiting.pk}

    # The spouse sees their visit, but cannot cancel everyone's: it includes an application they cannot see.
    spouse_page = page_client(spouse)
    assert spouse_page.get(f"/applications/{waiting.pk}/visit/").status_code == 200
    with pytest.raises(SharedVisitError) as refused:
        cancel_visit(application_id=waiting.pk, user=spouse)
    assert refused.value.status_code == 409
    assert Appointment.objects.filter(status="booked").count() == 2


def test_the_holder_still_books_their_own_visit(slots, waiting, spouse, riga):
    book_visit(application_id=waiting.pk, user=spouse, slot_id=_slot(riga, TUESDAY_10).pk)
    assert Appointment.objects.get().booked_by == spouse


# --- case messages --------------------------------------------------------------------------------------------
@pytest.fixture
def officer(riga):
    return UserFactory(case_officer=True, unit=riga, first_name="Jānis", last_name="Ozols")


@pytest.fixture
def senior(riga):
    return UserFactory(senior_officer=True, unit=riga, first_name="Ilze", last_name="Kalniņa")


@pytest.fixture
def case(spouse, representative, riga, officer):
    return represented(spouse, representative, in_review=True, unit=riga, assigned_officer=officer)


def test_a_representative_writes_to_the_office_on_the_page_and_gets_the_answer(
    case, representative, spouse, officer, stranger
):
    page = page_client(representative)
    response = page.post(
        f"/applications/{case.pk}/messages/",
        {"body": "Which translation do you need?", "attachments": [SimpleUploadedFile("a.pdf", pdf_bytes())]},
    )
    assert response.status_code == 302 and response["Location"] == f"/applications/{case.pk}/"
    message = case.messages.get()
    assert message.author == representative and message.direction == CaseMessage.Direction.FROM_APPLICANT
    assert case.events.get(kind=Event.MESSAGE_SENT).actor == representative

    # Downloading their own attachment is not staff access: no access-log line about the person.
    attachment = message.attachments.get()
    download = page.get(f"/applications/{case.pk}/messages/attachments/{attachment.pk}/")
    assert download.status_code == 200
    assert not StaffAccessLog.objects.filter(applicant=spouse).exists()

    message_services.answer_messages(application_id=case.pk, officer=officer, body="A sworn translation.")
    answered_to = set(
        Notification.objects.filter(event="case_message_answered").values_list("recipient", flat=True)
    )
    assert answered_to == {spouse.pk, representative.pk}  # the holder, and who asked

    outsider = page_client(stranger)
    assert outsider.post(f"/applications/{case.pk}/messages/", {"body": "Hello"}).status_code == 404
    assert outsider.get(f"/applications/{case.pk}/messages/attachments/{attachment.pk}/").status_code == 404
    assert case.messages.count() == 2


def test_a_representative_reads_and_writes_messages_through_the_api(
    case, representative, stranger, bearer_client
):
    url = f"/api/v1/applications/{case.pk}/messages"
    api = bearer_client(representative)
    assert api.post(url, {"body": "Question"}, format="json").status_code == 201
    assert [m["body"] for m in api.get(url).json()] == ["Question"]

    outsider = bearer_client(stranger)
    assert outsider.get(url).status_code == 404
    assert outsider.post(url, {"body": "Hello"}, format="json").status_code == 404
    assert case.messages.count() == 1


# --- complaints -----------------------------------------------------------------------------------------------
@pytest.fixture
def refusal(case, officer, senior):
    decision_services.draft_decision(
        application_id=case.pk,
        officer=officer,
        outcome="refuse",
        legal_ground_ids=[LegalGround.objects.get(code="il-34-false-information").pk],
        reasoning="The marriage certificate was not legalised.",
    )
    return decision_services.approve_decision(application_id=case.pk, senior=senior)


def test_a_representative_contests_the_decision_on_the_page(refusal, representative, stranger):
    url = f"/decisions/{refusal.pk}/complaint/"
    outsider = page_client(stranger)
    assert outsider.get(url).status_code == 404
    assert outsider.post(url, {"text": "Not mine."}).status_code == 404
    assert not Complaint.objects.exists()

    page = page_client(representative)
    assert page.get(url).status_code == 200
    response = page.post(url, {"text": "The certificate was legalised; the apostille is attached."})
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.applicant == representative and complaint.application_id == refusal.application_id
    assert refusal.application.events.get(kind=Event.COMPLAINT_RECEIVED).actor == representative
    assert Notification.objects.get(event="complaint_received").recipient == representative


def test_a_representative_contests_the_decision_through_the_api(
    refusal, representative, stranger, bearer_client
):
    url = f"/api/v1/decisions/{refusal.pk}/complaint"
    outsider = bearer_client(stranger)
    assert outsider.get(url).status_code == 404
    assert outsider.post(url, {"text": "Not mine."}, format="multipart").status_code == 404

    api = bearer_client(representative)
    assert api.get(url).json()["may_file"] is True
    upload = io.BytesIO(pdf_bytes())
    upload.name = "apostille.pdf"
    created = api.post(url, {"text": "I contest it.", "files": [upload]}, format="multipart")
    assert created.status_code == 201, created.json()
    assert Complaint.objects.get().applicant == representative


def test_a_representative_reads_the_decision_of_the_represented_person(
    refusal, representative, stranger, bearer_client
):
    url = f"/api/v1/applications/{refusal.application_id}/decision"
    assert bearer_client(representative).get(url).status_code == 200
    assert bearer_client(stranger).get(url).status_code == 404


# --- registration ---------------------------------------------------------------------------------------------
@pytest.fixture
def granted(spouse, representative, riga):
    return represented(
        spouse,
        representative,
        granted=True,
        unit=riga,
        registration_due_on=timezone.localdate() + dt.timedelta(days=80),
    )


def test_a_representative_starts_the_registration_on_the_page(granted, representative, stranger, riga):
    outsider = page_client(stranger)
    assert f"/applications/{granted.pk}/registration/" not in outsider.get("/registration/").content.decode()
    assert (
        outsider.post(
            f"/applications/{granted.pk}/registration/", {"unit": riga.code, "card_speed": "standard"}
        ).status_code
        == 404
    )

    page = page_client(representative)
    assert f"/applications/{granted.pk}/registration/" in page.get("/registration/").content.decode()
    response = page.post(
        f"/applications/{granted.pk}/registration/", {"unit": riga.code, "card_speed": "standard"}
    )
    assert response.status_code == 302
    granted.refresh_from_db()
    assert granted.state == Application.State.AWAITING_REGISTRATION
    assert granted.events.get(kind=Event.REGISTRATION_STARTED).actor == representative


def test_a_representative_starts_the_registration_through_the_api(
    granted, representative, stranger, riga, bearer_client
):
    url = f"/api/v1/applications/{granted.pk}/registration"
    refused = bearer_client(stranger).post(url, {"unit": riga.pk}, format="json")
    assert refused.status_code == 404
    assert not Registration.objects.exists()

    api = bearer_client(representative)
    assert api.get(url).json()["allowed_actions"] == ["start_registration"]
    created = api.post(url, {"unit": riga.pk, "card_speed": "standard"}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["state"] == "awaiting_registration"
    assert Registration.objects.get().application_id == granted.pk


def test_the_answer_to_a_representatives_complaint_reaches_them_and_its_letter_opens_for_them(
    refusal, representative, spouse, senior, stranger
):
    complaint = complaints.file_complaint(
        decision_id=refusal.pk, applicant=representative, text="The certificate was legalised."
    )
    complaints.decide_complaint(
        complaint_id=complaint.pk, senior=senior, outcome="upheld", reasoning="No apostille was attached."
    )
    seal._signer.cache_clear()
    complaints.render_complaint_letter(letter_id=ComplaintLetter.objects.get().pk)
    answered = Notification.objects.filter(event="complaint_decided").values_list("recipient", flat=True)
    assert set(answered) == {spouse.pk, representative.pk}  # the holder, and who filed it

    url = f"/complaints/{complaint.pk}/letter/"
    assert page_client(representative).get(url).status_code == 200
    assert page_client(spouse).get(url).status_code == 200
    assert page_client(stranger).get(url).status_code == 404


# --- who gets the visit's and the registration's e-mails --------------------------------------------------------
# The holder always does; the representative who booked the visit or started the registration (the actor of its
# timeline line) does too, each once, in their own language. The holder who acted themselves gets one e-mail.
def _recipients(event: str) -> list[int]:
    return sorted(Notification.objects.filter(event=event).values_list("recipient_id", flat=True))


def _sent(event: str) -> dict[str, mail.EmailMessage]:
    """Send the event's outbox rows as the worker does; the messages by address."""
    mail.outbox.clear()
    for notification_id in Notification.objects.filter(event=event).values_list("pk", flat=True):
        send_notification(notification_id=notification_id)
    return {message.to[0]: message for message in mail.outbox}


def _done(response) -> None:
    """An officer's action on a back-office page went through: back to the page, not to the sign-in."""
    assert response.status_code == 302 and response["Location"].startswith("/backoffice/"), response


def _speak(user, language: str) -> None:
    user.preferred_language = language
    user.save(update_fields=["preferred_language"])


def test_a_missed_visit_the_representative_booked_is_mailed_to_them_and_the_holder_once_each(
    slots, waiting, representative, spouse, officer, riga, staff_client_for
):
    _speak(spouse, "lv")
    _speak(representative, "ru")
    booking = page_client(representative).post(
        f"/applications/{waiting.pk}/visit/", {"slot": _slot(riga, TUESDAY_10).pk}
    )
    assert booking.status_code == 302
    appointment = Appointment.objects.get(application=waiting)
    with time_machine.travel(TUESDAY_10 + dt.timedelta(hours=1), tick=False):
        _done(staff_client_for(officer).post(f"/backoffice/visits/{appointment.pk}/no-show/"))

    assert _recipients("visit_missed") == sorted([spouse.pk, representative.pk])
    rows = {row.recipient_id: row for row in Notification.objects.filter(event="visit_missed")}
    assert rows[spouse.pk].actor == rows[representative.pk].actor == officer  # the officer signs both
    assert "represented_name" not in rows[spouse.pk].context
    assert rows[representative.pk].context["represented_name"] == "Oksana Bondarenko"

    sent = _sent("visit_missed")
    assert set(sent) == {spouse.email, representative.email}
    to_spouse, to_representative = sent[spouse.email], sent[representative.email]
    assert to_spouse.extra_headers["Content-Language"] == "lv" and "Jūs neieradāties" in to_spouse.subject
    assert to_representative.extra_headers["Content-Language"] == "ru"
    assert "Вы пропустили визит" in to_representative.subject
    assert riga.name_in("lv") in to_spouse.body and riga.name_in("ru") in to_representative.body
    assert "Oksana Bondarenko" in to_representative.body


def test_a_missed_visit_the_holder_booked_is_mailed_to_the_holder_once(
    slots, waiting, representative, spouse, officer, riga, staff_client_for
):
    book_visit(application_id=waiting.pk, user=spouse, slot_id=_slot(riga, TUESDAY_10).pk)
    appointment = Appointment.objects.get(application=waiting)
    with time_machine.travel(TUESDAY_10 + dt.timedelta(hours=1), tick=False):
        _done(staff_client_for(officer).post(f"/backoffice/visits/{appointment.pk}/no-show/"))
    # The representative of an adult did not act here: the holder's mail alone, and only once.
    assert _recipients("visit_missed") == [spouse.pk]


def test_a_joint_visit_the_representative_booked_and_missed_tells_each_person_once(
    slots, waiting, representative, spouse, officer, riga, staff_client_for
):
    own = RegistrationFactory(application__applicant=representative, application__unit=riga).application
    book_visit(
        application_id=own.pk,
        user=representative,
        slot_id=_slot(riga, TUESDAY_10).pk,
        with_application_ids=[waiting.pk],
    )
    with time_machine.travel(TUESDAY_10 + dt.timedelta(hours=1), tick=False):
        office = staff_client_for(officer)
        for appointment in Appointment.objects.order_by("application_id"):
            _done(office.post(f"/backoffice/visits/{appointment.pk}/no-show/"))
    # One e-mail per missed application: the representative's own (they hold it and booked it: once), and the
    # spouse's (to the spouse, and to the representative who booked it).
    rows = list(Notification.objects.filter(event="visit_missed").values_list("recipient_id", "context"))
    assert sorted((recipient, context["references"][0]) for recipient, context in rows) == sorted(
        [
            (representative.pk, own.reference),
            (representative.pk, waiting.reference),
            (spouse.pk, waiting.reference),
        ]
    )


REGISTRATION_MAILS = ("registration_started", "card_in_production", "card_ready", "card_collected")


def _register_to_the_end(*, application, starter, officer, riga, staff_client_for) -> None:
    """Start (on the page, as ``starter``), pay the card fee, book the visit, biometrics at the visit, card made,
    card handed over: each step through its real page or service."""
    started = page_client(starter).post(
        f"/applications/{application.pk}/registration/", {"unit": riga.code, "card_speed": "standard"}
    )
    assert started.status_code == 302
    payment = start_payment(
        application_id=application.pk, user=starter, method="card", purpose="card_fee"
    ).payment
    assert confirm_payment(payment_id=payment.pk) == Outcome.PAID
    book_visit(application_id=application.pk, user=starter, slot_id=_slot(riga, TUESDAY_10).pk)
    with time_machine.travel(TUESDAY_10 + dt.timedelta(minutes=5), tick=False):
        office = staff_client_for(officer)
        appointment = Appointment.objects.get(application=application)
        _done(office.post(f"/backoffice/visits/{appointment.pk}/biometrics/"))
        for step in ("card-produced", "handed-over"):
            _done(office.post(f"/backoffice/registrations/{application.pk}/{step}/"))
    application.refresh_from_db()
    assert application.state == Application.State.COLLECTED


def test_the_representative_who_started_the_registration_is_told_of_each_step_with_the_holder(
    slots, granted, representative, spouse, officer, riga, staff_client_for
):
    _speak(spouse, "lv")
    _speak(representative, "ru")
    _register_to_the_end(
        application=granted,
        starter=representative,
        officer=officer,
        riga=riga,
        staff_client_for=staff_client_for,
    )
    assert granted.events.get(kind=Event.REGISTRATION_STARTED).actor == representative
    for event in REGISTRATION_MAILS:
        assert _recipients(event) == sorted([spouse.pk, representative.pk]), event
        rows = {row.recipient_id: row.context for row in Notification.objects.filter(event=event)}
        assert rows[spouse.pk]["unit_name"] == riga.name_in("lv")
        assert rows[representative.pk]["unit_name"] == riga.name_in("ru")
        assert rows[representative.pk]["represented_name"] == "Oksana Bondarenko"
        assert "represented_name" not in rows[spouse.pk]

    sent = _sent("card_ready")
    assert sent[spouse.email].extra_headers["Content-Language"] == "lv"
    assert "Pieprasījums" in sent[spouse.email].subject
    assert sent[representative.email].extra_headers["Content-Language"] == "ru"
    assert "Заявление" in sent[representative.email].subject
    assert "Oksana Bondarenko" in sent[representative.email].body
    assert "Oksana Bondarenko" not in sent[representative.email].subject


def test_the_holder_who_started_the_registration_gets_each_step_once(
    slots, granted, representative, spouse, officer, riga, staff_client_for
):
    _register_to_the_end(
        application=granted,
        starter=spouse,
        officer=officer,
        riga=riga,
        staff_client_for=staff_client_for,
    )
    for event in REGISTRATION_MAILS:
        assert _recipients(event) == [spouse.pk], event


def test_the_representative_who_started_the_registration_through_the_api_gets_its_mail(
    granted, representative, spouse, riga, bearer_client
):
    created = bearer_client(representative).post(
        f"/api/v1/applications/{granted.pk}/registration", {"unit": riga.pk}, format="json"
    )
    assert created.status_code == 201
    assert _recipients("registration_started") == sorted([spouse.pk, representative.pk])


def test_the_registration_reminder_reaches_who_started_it(granted, representative, spouse, riga, settings):
    settings.REGISTRATION_REMINDER_DAYS = 90
    not_started = represented(
        spouse,
        representative,
        granted=True,
        unit=riga,
        registration_due_on=timezone.localdate() + dt.timedelta(days=80),
    )
    start_registration(application_id=granted.pk, applicant=representative)

    assert sorted(send_registration_reminders()) == sorted([granted.pk, not_started.pk])
    reminded = Notification.objects.filter(event="registration_reminder")
    assert sorted(
        reminded.filter(context__reference=granted.reference).values_list("recipient", flat=True)
    ) == (sorted([spouse.pk, representative.pk]))
    # Nobody has acted on the other one yet: its holder alone is reminded.
    assert list(
        reminded.filter(context__reference=not_started.reference).values_list("recipient", flat=True)
    ) == [spouse.pk]
