"""Messages on a case, the applicant's side: the service, the API and the application's page."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django.utils.translation import gettext

from applications.case_messages import selectors, services
from applications.models import Application, ApplicationEvent, CaseMessage, CaseMessageAttachment
from eservice.exceptions import NotFoundError
from identity.models import StaffAccessLog
from tests.applications.helpers import pdf_bytes, png_bytes, zip_bomb_bytes
from tests.factories import ApplicationFactory, TerritorialUnitFactory, UserFactory
from workers.models import Notification
from workers.services import send_notification

pytestmark = pytest.mark.django_db
State = Application.State


@pytest.fixture
def unit(db):
    return TerritorialUnitFactory(name="Rīgas 1. nodaļa")


@pytest.fixture
def officer(unit):
    return UserFactory(
        case_officer=True, unit=unit, first_name="Jānis", last_name="Ozols", preferred_language="en"
    )


@pytest.fixture
def senior(unit):
    return UserFactory(senior_officer=True, unit=unit, preferred_language="en")


@pytest.fixture
def case(applicant, unit, officer):
    return ApplicationFactory(applicant=applicant, in_review=True, unit=unit, assigned_officer=officer)


def upload(content: bytes, name: str) -> services.Upload:
    return services.Upload(stream=io.BytesIO(content), filename=name)


def delivered(notification: Notification):
    send_notification(notification_id=notification.pk)
    return mail.outbox[-1]


# --- the service --------------------------------------------------------------------------------------------
def test_message_with_attachments_is_stored_on_the_timeline_and_mailed_to_the_handling_officer(
    case, applicant, officer, senior
):
    message = services.send_message(
        application_id=case.pk,
        user=applicant,
        body="  When will my case be decided?  ",
        uploads=[upload(pdf_bytes(), "../../contract.pdf"), upload(png_bytes(), "photo.png")],
    )

    assert message.body == "When will my case be decided?"
    assert message.direction == CaseMessage.Direction.FROM_APPLICANT and message.answered_at is None
    files = list(message.attachments.order_by("id"))
    assert [(f.original_filename, f.content_type) for f in files] == [
        ("contract.pdf", "application/pdf"),
        ("photo.png", "image/png"),
    ]
    assert all(f.file.read()[:4] in (b"%PDF", b"\x89PNG") for f in files)
    event = case.events.get(kind=ApplicationEvent.Kind.MESSAGE_SENT)
    assert event.actor == applicant and event.data["attachments"] == ["contract.pdf", "photo.png"]
    # The handling officer is told, not the senior officer of the unit.
    notice = Notification.objects.get(event="case_message_received")
    assert notice.recipient == officer and notice.context["assigned"] is True
    sent = delivered(notice)
    assert sent.to == [officer.email]
    assert case.reference in sent.subject
    assert f"/backoffice/cases/{case.pk}/" in sent.body
    assert "Dear Jānis Ozols," in sent.body


def test_message_on_an_unassigned_case_goes_to_the_units_senior_officers(applicant, unit, officer, senior):
    case = ApplicationFactory(applicant=applicant, submitted=True, unit=unit)

    services.send_message(application_id=case.pk, user=applicant, body="Hello")

    notice = Notification.objects.get(event="case_message_received")
    assert notice.recipient == senior and notice.context["assigned"] is False
    assert "No officer handles the case yet" in delivered(notice).body


@pytest.mark.parametrize(
    "state",
    ["awaiting_payment", "submitted", "in_review", "awaiting_applicant", "decision_pending", "granted"],
)
def test_every_received_and_not_closed_case_takes_messages(applicant, unit, state):
    case = ApplicationFactory(applicant=applicant, unit=unit, **{state: True})
    services.send_message(application_id=case.pk, user=applicant, body="A question")
    assert case.messages.count() == 1


@pytest.mark.parametrize("state", ["refused", "withdrawn", "expired", "complete"])
def test_a_closed_or_not_yet_received_case_refuses_the_message_and_names_the_other_channels(
    applicant, unit, state, settings
):
    case = ApplicationFactory(applicant=applicant, unit=unit, **{state: True})

    with pytest.raises(services.CaseClosedError) as refused:
        services.send_message(
            application_id=case.pk,
            user=applicant,
            body="Please reopen",
            uploads=[upload(pdf_bytes(), "a.pdf")],
        )

    assert refused.value.status_code == 409
    assert "+371 67209400" in refused.value.message and settings.OFFICE_EMAIL in refused.value.message
    assert refused.value.details["channels"]["phone"] == "+371 67209400"
    assert refused.value.details["channels"]["complaint_url"] == "/complaints/"
    assert not CaseMessage.objects.exists() and not CaseMessageAttachment.objects.exists()
    assert not Notification.objects.exists()


def test_someone_elses_case_is_not_found(case, other_applicant):
    with pytest.raises(NotFoundError):
        services.send_message(application_id=case.pk, user=other_applicant, body="Hi")
    assert not CaseMessage.objects.exists()


@pytest.mark.parametrize("body", ["", "   \n "])
def test_an_empty_message_is_refused(case, applicant, body):
    with pytest.raises(services.MessageInvalidError) as refused:
        services.send_message(application_id=case.pk, user=applicant, body=body)
    assert "body" in refused.value.details
    assert not CaseMessage.objects.exists()


def test_a_too_long_message_is_refused(case, applicant, settings):
    settings.MESSAGE_MAX_LENGTH = 10
    with pytest.raises(services.MessageInvalidError):
        services.send_message(application_id=case.pk, user=applicant, body="x" * 11)


@pytest.mark.parametrize(
    "content, name, reason",
    [
        (b"MZ\x90\x00 not a document", "contract.pdf", "wrong_type"),
        (zip_bomb_bytes(), "archive.pdf", "wrong_type"),
        (b"", "empty.pdf", "empty"),
    ],
)
def test_a_bad_attachment_is_refused_like_a_bad_upload_and_nothing_is_kept(
    case, applicant, content, name, reason, settings, tmp_path
):
    from applications.uploads import UploadRejectedError

    with pytest.raises(UploadRejectedError) as refused:
        services.send_message(
            application_id=case.pk,
            user=applicant,
            body="See attached",
            uploads=[upload(pdf_bytes(), "good.pdf"), upload(content, name)],
        )
    assert refused.value.details["reason"] == reason
    assert not CaseMessage.objects.exists()
    assert not list((tmp_path).rglob("messages/*/*"))


def test_an_attachment_over_the_message_limit_is_refused(case, applicant, settings):
    from applications.uploads import UploadRejectedError

    settings.MESSAGE_ATTACHMENT_MAX_BYTES = 100
    with pytest.raises(UploadRejectedError) as refused:
        services.send_message(
            application_id=case.pk, user=applicant, body="Big", uploads=[upload(pdf_bytes(), "big.pdf")]
        )
    assert refused.value.details["reason"] == "too_large"


def test_too_many_attachments_are_refused(case, applicant, settings):
    settings.MESSAGE_MAX_ATTACHMENTS = 1
    with pytest.raises(services.MessageInvalidError):
        services.send_message(
            application_id=case.pk,
            user=applicant,
            body="Two",
            uploads=[upload(pdf_bytes(), "a.pdf"), upload(pdf_bytes(), "b.pdf")],
        )
    assert not CaseMessage.objects.exists()


def test_attachments_count_against_the_per_user_upload_rate(case, applicant, settings):
    from applications.services.limits import UploadLimitError

    settings.RATELIMIT_ENABLE = True
    settings.UPLOAD_RATE = "1/m"
    with pytest.raises(UploadLimitError):
        services.send_message(
            application_id=case.pk,
            user=applicant,
            body="Two",
            uploads=[upload(pdf_bytes(), "a.pdf"), upload(pdf_bytes(), "b.pdf")],
        )
    assert not CaseMessage.objects.exists()


# --- the officer's answer -----------------------------------------------------------------------------------
@pytest.mark.parametrize("language", ["en", "lv", "ru"])
def test_the_answer_marks_waiting_messages_answered_and_is_mailed_signed_by_the_officer(
    case, applicant, officer, language, translated
):
    applicant.preferred_language = language
    applicant.save(update_fields=["preferred_language"])
    first = services.send_message(application_id=case.pk, user=applicant, body="One")
    second = services.send_message(application_id=case.pk, user=applicant, body="Two")

    answer = services.answer_messages(application_id=case.pk, officer=officer, body="Your case is on track.")

    assert answer.direction == CaseMessage.Direction.FROM_OFFICE
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.answered_at == second.answered_at == answer.created_at
    assert case.events.filter(kind=ApplicationEvent.Kind.MESSAGE_ANSWERED, actor=officer).exists()
    sent = delivered(Notification.objects.get(event="case_message_answered"))
    assert sent.to == [applicant.email]
    assert sent.extra_headers["Content-Language"] == language
    assert "Your case is on track." in sent.body
    with translation.override(language):
        greeting = gettext("Dear %(name)s,") % {"name": applicant.get_full_name()}
        regards = gettext("Kind regards,")
        phone_label = gettext("Phone:")
    assert sent.body.startswith(greeting)
    signature = sent.body.split(regards, 1)[1]
    for line in ("Jānis Ozols", "Case officer", "Rīgas 1. nodaļa", f"{phone_label} +371 67000001"):
        assert line in signature


def test_an_officer_of_another_unit_cannot_answer(case, applicant):
    stranger = UserFactory(case_officer=True)
    with pytest.raises(NotFoundError):
        services.answer_messages(application_id=case.pk, officer=stranger, body="Hi")
    assert not CaseMessage.objects.exists()


# --- selectors ----------------------------------------------------------------------------------------------
def test_the_thread_reads_in_a_fixed_number_of_queries(case, applicant, officer, django_assert_num_queries):
    for n in range(3):
        services.send_message(
            application_id=case.pk, user=applicant, body=f"m{n}", uploads=[upload(pdf_bytes(), "a.pdf")]
        )
        services.answer_messages(application_id=case.pk, officer=officer, body=f"a{n}")
    with django_assert_num_queries(2):
        thread = selectors.list_thread(application=case)
        names = [
            (m.author.get_full_name(), [f.original_filename for f in m.attachments.all()]) for m in thread
        ]
    assert len(names) == 6


# --- the API ------------------------------------------------------------------------------------------------
def test_api_lists_and_writes_messages(case, applicant_api):
    url = f"/api/v1/applications/{case.pk}/messages"
    created = applicant_api.post(
        url,
        {"body": "Question", "attachments": [SimpleUploadedFile("scan.pdf", pdf_bytes())]},
        format="multipart",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["direction"] == "applicant" and body["body"] == "Question"
    assert body["attachments"][0]["original_filename"] == "scan.pdf"
    assert body["attachments"][0]["download_url"].startswith(f"/applications/{case.pk}/messages/attachments/")

    json_created = applicant_api.post(url, {"body": "Another"}, format="json")
    assert json_created.status_code == 201

    listed = applicant_api.get(url)
    assert [m["body"] for m in listed.json()] == ["Question", "Another"]


def test_api_refuses_a_message_on_a_closed_case_with_the_channels(applicant, applicant_api, unit):
    case = ApplicationFactory(applicant=applicant, refused=True, unit=unit)
    response = applicant_api.post(f"/api/v1/applications/{case.pk}/messages", {"body": "Why?"}, format="json")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "case_closed"
    assert error["details"]["state"] == "refused"
    assert error["details"]["channels"] == {
        "phone": "+371 67209400",
        "email": "pmlp@pmlp.gov.lv",
        "complaint_url": "/complaints/",
    }
    assert not CaseMessage.objects.exists()


def test_api_bad_input_gets_a_clear_4xx_and_changes_nothing(case, applicant_api, other_applicant_api):
    url = f"/api/v1/applications/{case.pk}/messages"
    empty = applicant_api.post(url, {"body": ""}, format="json")
    assert empty.status_code == 400 and empty.json()["error"]["code"] == "invalid_message"
    missing = applicant_api.post(url, {}, format="json")
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "validation_error"
    bad_file = applicant_api.post(
        url,
        {"body": "x", "attachments": [SimpleUploadedFile("a.pdf", b"not a pdf at all")]},
        format="multipart",
    )
    assert bad_file.status_code == 400 and bad_file.json()["error"]["code"] == "upload_rejected"
    assert other_applicant_api.get(url).status_code == 404
    assert other_applicant_api.post(url, {"body": "x"}, format="json").status_code == 404
    assert not CaseMessage.objects.exists()


# --- the application's page ---------------------------------------------------------------------------------
def test_the_page_shows_the_thread_and_sends_a_message(client, case, applicant, officer):
    services.answer_messages(application_id=case.pk, officer=officer, body="Welcome to the Office.")
    client.force_login(applicant)

    page = client.get(f"/applications/{case.pk}/")
    assert "Welcome to the Office." in page.content.decode()
    assert f'action="/applications/{case.pk}/messages/"' in page.content.decode()

    response = client.post(
        f"/applications/{case.pk}/messages/",
        {"body": "Thank you", "attachments": [SimpleUploadedFile("note.png", png_bytes())]},
    )
    assert response.status_code == 302 and response["Location"] == f"/applications/{case.pk}/"
    message = case.messages.get(direction="applicant")
    assert message.attachments.get().original_filename == "note.png"


def test_the_page_of_a_closed_case_offers_the_other_channels_and_refuses_a_post(client, applicant, unit):
    case = ApplicationFactory(applicant=applicant, withdrawn=True, unit=unit)
    client.force_login(applicant)

    page = client.get(f"/applications/{case.pk}/").content.decode()
    assert "+371 67209400" in page and 'href="/complaints/"' in page
    assert f'action="/applications/{case.pk}/messages/"' not in page

    response = client.post(f"/applications/{case.pk}/messages/", {"body": "Hello"}, follow=True)
    assert "+371 67209400" in response.content.decode()
    assert not CaseMessage.objects.exists()


def test_an_empty_message_on_the_page_is_a_form_error(client, case, applicant):
    client.force_login(applicant)
    response = client.post(f"/applications/{case.pk}/messages/", {"body": ""}, follow=True)
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not CaseMessage.objects.exists()


def test_attachments_download_for_the_owner_and_the_units_officer_with_an_access_log_line(
    client, case, applicant, officer, staff_client_for
):
    message = services.send_message(
        application_id=case.pk, user=applicant, body="Scan", uploads=[upload(pdf_bytes(), "scan.pdf")]
    )
    attachment = message.attachments.get()
    url = f"/applications/{case.pk}/messages/attachments/{attachment.pk}/"
    client.force_login(applicant)

    own = client.get(url)
    assert own.status_code == 200 and b"".join(own.streaming_content).startswith(b"%PDF")
    assert 'filename="scan.pdf"' in own["Content-Disposition"]
    assert not StaffAccessLog.objects.exists()

    assert staff_client_for(officer).get(url).status_code == 200
    line = StaffAccessLog.objects.get()
    assert line.staff == officer and line.object_type == "message_attachment"
    assert line.applicant_id == applicant.pk

    assert staff_client_for(UserFactory(case_officer=True)).get(url).status_code == 404
    other = UserFactory(applicant=True)
    client.force_login(other)
    assert client.get(url).status_code == 404
    # An attachment id under another application's URL is not found either.
    client.force_login(applicant)
    elsewhere = ApplicationFactory(applicant=applicant, submitted=True)
    assert (
        client.get(f"/applications/{elsewhere.pk}/messages/attachments/{attachment.pk}/").status_code == 404
    )
