"""Messages and the survey invitation, read from a real SMTP server (aiosmtpd on loopback): the greeting, the
signature lines and the language of each e-mail as the recipient receives it."""

from __future__ import annotations

import pytest

from applications.case_messages import services as message_services
from applications.surveys import services as survey_services
from tests.factories import ApplicationFactory, TerritorialUnitFactory, UserFactory
from tests.integration.mail import deliver, plain_text, signature_lines

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def test_message_answer_and_survey_mails_arrive_greeted_signed_and_in_the_recipients_language(
    smtp, translated
):
    unit = TerritorialUnitFactory(name="Daugavpils nodaļa")
    officer = UserFactory(
        case_officer=True, unit=unit, first_name="Anna", last_name="Bērziņa", preferred_language="en"
    )
    applicant = UserFactory(
        applicant=True, first_name="Olena", last_name="Shevchenko", preferred_language="lv"
    )
    case = ApplicationFactory(applicant=applicant, in_review=True, unit=unit, assigned_officer=officer)

    message_services.send_message(application_id=case.pk, user=applicant, body="Vai kaut kas trūkst?")
    deliver("case_message_received")
    to_officer = smtp.messages[-1]
    assert to_officer["To"] == officer.email and to_officer["Content-Language"] == "en"
    assert case.reference in to_officer["Subject"]
    assert plain_text(to_officer).startswith("Dear Anna Bērziņa,")
    assert f"/backoffice/cases/{case.pk}/" in plain_text(to_officer)

    message_services.answer_messages(application_id=case.pk, officer=officer, body="Nekas netrūkst.")
    deliver("case_message_answered")
    to_applicant = smtp.messages[-1]
    greeting, regards, phone = signature_lines("lv", "Olena Shevchenko")
    body = plain_text(to_applicant)
    assert to_applicant["To"] == applicant.email and to_applicant["Content-Language"] == "lv"
    assert body.startswith(greeting) and "Nekas netrūkst." in body
    signature = body.split(regards, 1)[1]
    for line in ("Anna Bērziņa", "Case officer", "Daugavpils nodaļa", f"{phone} +371 67000001"):
        assert line in signature

    applicant.preferred_language = "ru"
    applicant.save(update_fields=["preferred_language"])
    invitation = survey_services.invite_to_survey(application=case, occasion="visit")
    deliver("survey_invitation")
    survey_mail = smtp.messages[-1]
    greeting, regards, phone = signature_lines("ru", "Olena Shevchenko")
    body = plain_text(survey_mail)
    assert survey_mail["Content-Language"] == "ru"
    assert body.startswith(greeting) and f"/surveys/{invitation.token}/" in body
    assert f"{phone} +371 67209400" in body.split(regards, 1)[1]  # the Office signs: no officer acted
