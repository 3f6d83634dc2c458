"""The e-mails of the Office's standard duties (issue 13), each sent through its real service and the outbox's real
sender to a real SMTP server (aiosmtpd on loopback), then read back as the recipient receives it: the greeting,
the signature lines (the acting officer's name, position, unit and phone, or the Office's), and the recipient's
language (Latvian, Russian or English) in the subject and the body."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from django.conf import settings
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from applications.appointments import services as visits
from applications.models import (
    ApplicationKind,
    CounterSubmission,
    FamilyInvitation,
    LegalGround,
    Purpose,
    VisitSettings,
    VisitSlot,
)
from applications.selectors import get_default_unit
from applications.services import counter, family, registration
from decisions import complaints
from decisions import services as decisions
from decisions.models import ComplaintLetter, Decision
from decisions.renewals import send_renewal_invitations
from identity.models import ReceptionHours, TerritorialUnit
from tests.factories import ApplicationFactory, RegistrationFactory, TerritorialUnitFactory, UserFactory
from tests.integration.mail import deliver, plain_text, signature_lines
from workers.templatetags.mail_tags import mail_date

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

TODAY = dt.date.today()


# --- reading a mail back ------------------------------------------------------------------------------------
def _in(language: str, msgid: str, **values: str) -> str:
    """``msgid`` as the recipient's language writes it; a Latvian or Russian mail must not fall back to
    English."""
    with translation.override(language):
        text = gettext(msgid)
    if language != "en":
        assert text != msgid, f"no {language} translation of {msgid!r}"
    return text % values if values else text


def _date(language: str, day: dt.date) -> str:
    with translation.override(language):
        return mail_date(day)


def _read(smtp, *, event: str, recipient, language: str, subject: str) -> tuple[str, str]:
    """Deliver the latest ``event`` mail, check its addressee, language, subject and greeting (in the plain text
    and the HTML part); return the plain text and its signature (what follows "Kind regards,")."""
    deliver(event)
    message = smtp.messages[-1]
    assert message["To"] == recipient.email
    assert message["Content-Language"] == language
    assert message["Subject"].strip() == subject  # a folded, encoded Subject decodes with a leading space
    greeting, regards, _phone = signature_lines(language, recipient.get_full_name())
    body = plain_text(message).replace("\r\n", "\n")  # SMTP lines end in CRLF
    assert body.startswith(greeting), body[:200]
    assert regards in body
    html = message.get_body(preferencelist=("html",)).get_content()
    assert f'<html lang="{language}">' in html
    assert escape(greeting) in html and escape(regards) in html
    return body, body.split(regards, 1)[1]


def _signed_by_officer(signature: str, language: str, officer) -> None:
    phone = signature_lines(language, "")[2]
    with translation.override(language):
        office = str(settings.OFFICE_NAME)
    lines = [line.strip() for line in signature.strip().splitlines()]
    assert lines[:4] == [
        officer.get_full_name(),
        officer.position,
        f"{officer.unit.name_in(language)}, {office}",
        f"{phone} {officer.work_phone}",
    ], lines[:4]


def _signed_by_the_office(signature: str, language: str) -> None:
    phone = signature_lines(language, "")[2]
    with translation.override(language):
        office = str(settings.OFFICE_NAME)
    lines = [line.strip() for line in signature.strip().splitlines()]
    assert lines[:2] == [office, f"{phone} {settings.OFFICE_INFO_PHONE}"], lines[:2]


def _calendar(smtp) -> icalendar.Event:
    (part,) = [part for part in smtp.messages[-1].iter_attachments() if part.get_filename() == "visit.ics"]
    assert part.get_content_type() == "text/calendar"
    calendar = icalendar.Calendar.from_ical(part.get_content())
    (event,) = calendar.walk("VEVENT")
    return calendar, event


# --- the people ---------------------------------------------------------------------------------------------
def _senior(unit, **names):
    return UserFactory(
        senior_officer=True, unit=unit, position="Vecākā referente", work_phone="+371 67219999", **names
    )


def _refusal(applicant, unit) -> tuple[Decision, object]:
    officer = UserFactory(case_officer=True, unit=unit, first_name="Jānis", last_name="Ozols")
    senior = _senior(unit, first_name="Ilze", last_name="Kalniņa")
    case = ApplicationFactory(applicant=applicant, in_review=True, unit=unit, assigned_officer=officer)
    decisions.draft_decision(
        application_id=case.pk,
        officer=officer,
        outcome="refuse",
        legal_ground_ids=[LegalGround.objects.get(code="il-34-false-information").pk],
        reasoning="Darba līgumu darba devējs nav parakstījis.",
    )
    return decisions.approve_decision(application_id=case.pk, senior=senior), senior


# --- complaints, errors -------------------------------------------------------------------------------------
def test_complaint_received_and_decided_mails_in_latvian(smtp, translated):
    unit = TerritorialUnitFactory(name="Rīgas 1. nodaļa")
    applicant = UserFactory(
        applicant=True, first_name="Olena", last_name="Shevchenko", preferred_language="lv"
    )
    refusal, senior = _refusal(applicant, unit)
    reference = refusal.application.reference

    complaint = complaints.file_complaint(
        decision_id=refusal.pk, applicant=applicant, text="Līgums ir parakstīts; pievienoju kopiju."
    )
    body, signature = _read(
        smtp,
        event="complaint_received",
        recipient=applicant,
        language="lv",
        subject=_in("lv", "Application %(reference)s: your complaint was received", reference=reference),
    )
    due = _date("lv", complaint.answer_due_on)
    assert due.endswith(".") and due in body  # "27.12.2026.": the Latvian way, not ISO
    assert _in("lv", "You can follow your complaint in the e-service:") in body
    _signed_by_the_office(signature, "lv")

    complaints.decide_complaint(
        complaint_id=complaint.pk, senior=senior, outcome="upheld", reasoning="Paraksts nav darba devēja."
    )
    complaints.render_complaint_letter(letter_id=ComplaintLetter.objects.get(complaint=complaint).pk)
    complaint.refresh_from_db()
    body, signature = _read(
        smtp,
        event="complaint_decided",
        recipient=applicant,
        language="lv",
        subject=_in("lv", "Application %(reference)s: the answer to your complaint", reference=reference),
    )
    assert (
        _in(
            "lv",
            "The head of the Office considered your complaint on application %(reference)s and leaves the "
            "decision unchanged.",
            reference=reference,
        )
        in body
    )
    assert "Paraksts nav darba devēja." in body
    court = _in(
        "lv",
        "This answer takes effect on %(effective_on)s. You may appeal it to the District Administrative Court "
        "until %(court_until)s.",
        effective_on=_date("lv", complaint.effective_on),
        court_until=_date("lv", complaint.court_until),
    )
    assert court in " ".join(body.split())
    assert complaint.court_until == complaints.outcome_dates(TODAY)[1]
    _signed_by_officer(signature, "lv", senior)


def test_error_apology_in_russian_names_the_error_gives_the_correction_and_is_signed_by_the_senior(
    smtp, translated
):
    unit = TerritorialUnitFactory(name="Daugavpils nodaļa")
    applicant = UserFactory(applicant=True, first_name="Iryna", last_name="Koval", preferred_language="ru")
    refusal, senior = _refusal(applicant, unit)
    reference = refusal.application.reference
    wrong, fix, done = (
        "В решении неверно указана дата рождения.",
        "Правильная дата рождения: 12.04.1995.",
        "Дата исправлена в деле.",
    )

    complaints.record_case_error(
        application_id=refusal.application_id,
        senior=senior,
        what_was_wrong=wrong,
        correction=fix,
        what_is_done=done,
    )
    body, signature = _read(
        smtp,
        event="error_apology",
        recipient=applicant,
        language="ru",
        subject=_in(
            "ru", "Application %(reference)s: we made an error, and we apologise", reference=reference
        ),
    )
    apology = _in(
        "ru",
        "We made an error in handling your application %(reference)s, and we apologise for it.",
        reference=reference,
    )
    assert apology in " ".join(body.split())
    for label, text in (
        ("What was wrong:", wrong),
        ("The correct information:", fix),
        ("What we are doing about it:", done),
    ):
        assert f"{_in('ru', label)}\n{text}" in body
    _signed_by_officer(signature, "ru", senior)


# --- the counter, the family ----------------------------------------------------------------------------------
def test_counter_application_claimed_mail_in_english(smtp):
    unit = get_default_unit()
    officer = UserFactory(case_officer=True, unit=unit)
    application = counter.start_counter_application(
        officer=officer,
        unit=unit,
        kind=ApplicationKind.objects.get(code="first_trp"),
        purpose=Purpose.objects.get(code="studies"),
        processing_speed="standard",
        first_name="Olena",
        last_name="Shevchenko",
        date_of_birth=dt.date(1995, 4, 12),
        nationality="UA",
        language="ru",
        document_type="passport",
        document_number="AB1234567",
        document_country="UA",
        document_valid_until=TODAY + dt.timedelta(days=2000),
    )
    # Submitted and paid at the counter (the counter's own tests walk those pages).
    type(application).objects.filter(pk=application.pk).update(
        state="submitted", reference=f"TRP-2026-8{application.pk:05d}", paid_at=timezone.now()
    )
    submission = counter.issue_counter_copy(application_id=application.pk, officer=officer)
    person = UserFactory(applicant=True, first_name="Olena", last_name="Shevchenko", preferred_language="en")

    counter.claim_counter_application(
        user=person, code=counter.claim_code_for(submission), document_number="ab 1234567"
    )
    application.refresh_from_db()
    assert CounterSubmission.objects.get(pk=submission.pk).claimed_by == person
    body, signature = _read(
        smtp,
        event="counter_application_claimed",
        recipient=person,
        language="en",
        subject=f"Application {application.reference} is now in your account",
    )
    assert "submitted at the Office's counter, is now in your online account" in " ".join(body.split())
    assert f"/applications/{application.pk}/" in body
    _signed_by_the_office(signature, "en")


def test_family_invitation_in_russian_and_its_acceptance_in_latvian(smtp, translated):
    representative = UserFactory(
        applicant=True, first_name="Andrii", last_name="Bondarenko", preferred_language="lv"
    )
    spouse = UserFactory(applicant=True, first_name="Oksana", last_name="Bondarenko", preferred_language="ru")
    application = family.create_draft_for_person(
        representative=representative,
        kind=ApplicationKind.objects.get(code="first_trp"),
        purpose=Purpose.objects.get(code="family"),
        processing_speed="standard",
        first_name="Oksana",
        last_name="Bondarenko",
        date_of_birth=dt.date(1990, 2, 3),
        nationality="UA",
        relationship="spouse",
    )
    reference = application.reference or ""

    invitation = family.invite_person(
        application_id=application.pk, representative=representative, email=spouse.email.upper()
    )
    body, signature = _read(
        smtp,
        event="family_invitation",
        recipient=spouse,
        language="ru",
        subject=" ".join(
            _in(
                "ru",
                "%(representative_name)s invites you to see application %(reference)s",
                representative_name="Andrii Bondarenko",
                reference=reference,
            ).split()
        ),
    )
    assert _in("ru", "See the invitation:") in body and "/applications/invitations/" in body
    _signed_by_the_office(signature, "ru")

    family.accept_invitation(invitation_id=invitation.pk, user=spouse)
    assert FamilyInvitation.objects.get(pk=invitation.pk).accepted_by == spouse
    body, signature = _read(
        smtp,
        event="family_invitation_accepted",
        recipient=representative,
        language="lv",
        subject=" ".join(
            _in(
                "lv",
                "%(person_name)s now follows application %(reference)s",
                person_name="Oksana Bondarenko",
                reference=reference,
            ).split()
        ),
    )
    assert _in("lv", "See the details in the e-service:") in body
    _signed_by_the_office(signature, "lv")


# --- the visit ----------------------------------------------------------------------------------------------
def test_visit_booked_with_its_calendar_entry_and_cancelled_by_the_office_in_latvian(smtp, translated):
    riga = TerritorialUnit.objects.get(code="riga-1")
    VisitSettings.objects.create(unit=riga, slot_minutes=30, capacity=2)
    visits.generate_visit_slots(horizon=14)
    person = UserFactory(applicant=True, first_name="Olena", last_name="Shevchenko", preferred_language="lv")
    waiting = RegistrationFactory(application__applicant=person, application__unit=riga).application
    slot = (
        VisitSlot.objects.filter(unit=riga, closed=False, starts_at__gt=timezone.now() + dt.timedelta(days=1))
        .order_by("starts_at")
        .first()
    )
    starts = timezone.localtime(slot.starts_at)
    date, time = f"{starts:%d.%m.%Y}", f"{starts:%H:%M}"

    visits.book_visit(application_id=waiting.pk, user=person, slot_id=slot.pk)
    body, signature = _read(
        smtp,
        event="visit_booked",
        recipient=person,
        language="lv",
        subject=_in(
            "lv",
            "Your visit to %(unit_name)s on %(date)s at %(time)s",
            unit_name=riga.name_in("lv"),
            date=date,
            time=time,
        ),
    )
    assert _in("lv", "Your visit to register the residence permit is booked.") in body
    assert riga.address in body
    _signed_by_the_office(signature, "lv")
    calendar, event = _calendar(smtp)
    assert calendar["METHOD"] == "REQUEST"
    assert event.decoded("DTSTART") == slot.starts_at and int(event["SEQUENCE"]) == 0
    assert event["DTSTART"].params["TZID"] == "Europe/Riga"
    summary = _in("lv", "Visit to %(unit)s: residence permit registration", unit=riga.name_in("lv"))
    assert str(event["SUMMARY"]) == summary
    uid = str(event["UID"])

    senior = _senior(riga, first_name="Ilze", last_name="Kalniņa")
    visits.close_visits(unit_id=riga.pk, date=starts.date(), reason="Plūdi ēkā", actor=senior)
    body, signature = _read(
        smtp,
        event="visit_cancelled_by_office",
        recipient=person,
        language="lv",
        subject=_in(
            "lv", "We are sorry: your visit on %(date)s at %(time)s cannot take place", date=date, time=time
        ),
    )
    flat = " ".join(body.split())
    apology = _in(
        "lv",
        "We apologise: the unit cannot receive you at the time you booked, so your visit is cancelled. We are "
        "sorry for the trouble this causes you.",
    )
    assert apology in flat and "Plūdi ēkā" in body
    rebook = _in(
        "lv",
        "Please choose a new time in the e-service; the attached entry removes the old one from your calendar:",
    )
    assert f"{rebook}\n{visits.visit_url(waiting.pk)}" in body
    _signed_by_officer(signature, "lv", senior)
    calendar, event = _calendar(smtp)
    assert calendar["METHOD"] == "CANCEL" and str(event["UID"]) == uid


# --- registration, renewal ----------------------------------------------------------------------------------
def test_card_in_production_and_card_ready_with_the_units_hours_in_russian(smtp, translated):
    unit = TerritorialUnitFactory(name="Rīgas 1. nodaļa", handles_residence_permits=True)
    ReceptionHours.objects.create(unit=unit, weekday=0, opens=dt.time(8), closes=dt.time(20))
    ReceptionHours.objects.create(unit=unit, weekday=4, opens=dt.time(9), closes=dt.time(16))
    officer = UserFactory(
        case_officer=True, unit=unit, first_name="Jānis", last_name="Ozols", position="Inspektors"
    )
    applicant = UserFactory(applicant=True, first_name="Iryna", last_name="Koval", preferred_language="ru")
    application = RegistrationFactory(
        application__applicant=applicant, application__unit=unit, paid=True
    ).application
    reference = application.reference

    registration.record_biometrics(application=application, actor=officer)
    body, signature = _read(
        smtp,
        event="card_in_production",
        recipient=applicant,
        language="ru",
        subject=_in(
            "ru", "Application %(reference)s: your residence permit card is being made", reference=reference
        ),
    )
    assert unit.name_in("ru") in body and _in("ru", "See the details in the e-service:") in body
    _signed_by_officer(signature, "ru", officer)

    registration.mark_card_produced(application=application, actor=officer)
    body, signature = _read(
        smtp,
        event="card_ready",
        recipient=applicant,
        language="ru",
        subject=_in(
            "ru", "Application %(reference)s: your residence permit card is ready", reference=reference
        ),
    )
    hours = f"{_in('ru', 'Collection hours:')}\n- {_in('ru', 'Monday')}: 08:00–20:00\n- {_in('ru', 'Friday')}: 09:00–16:00"
    assert hours in body
    assert _in("ru", "The unit is closed on public holidays.") in body
    _signed_by_officer(signature, "ru", officer)


def test_renewal_invitation_in_latvian(smtp, translated):
    holder = UserFactory(applicant=True, first_name="Olena", last_name="Shevchenko", preferred_language="lv")
    permit = ApplicationFactory(
        applicant=holder, granted=True, decided_at=timezone.now() - dt.timedelta(days=300)
    )
    valid_to = TODAY + dt.timedelta(days=settings.PERMIT_RENEWAL_INVITATION_DAYS - 1)
    Decision.objects.create(
        application=permit,
        outcome="grant",
        reasoning="Studijas.",
        valid_from=valid_to - dt.timedelta(days=365),
        valid_to=valid_to,
        state="issued",
        drafted_by=UserFactory(case_officer=True),
        issued_at=timezone.now() - dt.timedelta(days=300),
    )

    assert send_renewal_invitations(today=TODAY) == [permit.pk]
    until = _date("lv", valid_to)
    body, signature = _read(
        smtp,
        event="renewal_invitation",
        recipient=holder,
        language="lv",
        subject=_in(
            "lv",
            "Your residence permit is valid until %(valid_to_display)s: apply for a repeated permit",
            valid_to_display=until,
        ),
    )
    assert until.endswith(".")
    assert _in("lv", "Start your repeated permit application:") in body
    _signed_by_the_office(signature, "lv")
