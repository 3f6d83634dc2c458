"""Contesting a decision (issue 13, section 1): the applicant files a complaint with documents before the last
day; senior officers of the unit take and answer it in their own queue; an overturned refusal reopens the case;
every answer is a sealed letter checkable at /verify/ that names the way to court, and e-mailed."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from applications.models import ApplicationEvent
from decisions import complaints, seal, services, verification
from decisions.models import Complaint, ComplaintDocument, ComplaintLetter, Decision
from tests.applications.helpers import pdf_bytes, png_bytes
from tests.factories import UserFactory
from workers.models import Notification
from workers.services.notifications import build_message, send_notification
from workers.templatetags.mail_tags import mail_date

pytestmark = pytest.mark.django_db


@pytest.fixture
def refusal(case_in_review, officer, senior, refusal_ground) -> Decision:
    applicant = case_in_review.applicant
    applicant.preferred_language = "en"
    applicant.save(update_fields=["preferred_language"])
    services.draft_decision(
        application_id=case_in_review.pk,
        officer=officer,
        outcome="refuse",
        legal_ground_ids=[refusal_ground.pk],
        reasoning="The employment contract submitted was not signed by the employer.",
    )
    return services.approve_decision(application_id=case_in_review.pk, senior=senior)


@pytest.fixture
def applicant_client(client, refusal):
    client.force_login(refusal.application.applicant)
    return client


@pytest.fixture
def senior_client(staff_client_for, senior):
    return staff_client_for(senior)


def complaint_url(decision: Decision) -> str:
    return reverse("decisions:complaint", args=[decision.pk])


def api_url(decision_id: int) -> str:
    return f"/api/v1/decisions/{decision_id}/complaint"


def _file(name: str, content: bytes) -> io.BytesIO:
    upload = io.BytesIO(content)
    upload.name = name
    return upload


def _filed(refusal: Decision, **kwargs) -> Complaint:
    return complaints.file_complaint(
        decision_id=refusal.pk,
        applicant=refusal.application.applicant,
        text=kwargs.pop("text", "The contract was signed; a signed copy is attached."),
        **kwargs,
    )


def _state(refusal: Decision) -> tuple:
    refusal.refresh_from_db()
    refusal.application.refresh_from_db()
    return (
        Complaint.objects.count(),
        ComplaintDocument.objects.count(),
        refusal.state,
        refusal.application.state,
        Notification.objects.filter(event__startswith="complaint").count(),
    )


# --- filing ---------------------------------------------------------------------------------------------------
def test_decision_page_shows_the_last_day_and_files_a_complaint_with_documents(applicant_client, refusal):
    page = applicant_client.get(reverse("applications:detail", args=[refusal.application_id]))
    assert page.status_code == 200
    assert complaint_url(refusal) in page.content.decode()

    form = applicant_client.get(complaint_url(refusal))
    assert form.status_code == 200
    assert "Last day to contest it" in form.content.decode()

    response = applicant_client.post(
        complaint_url(refusal),
        {
            "text": "The contract was signed; a signed copy is attached.",
            "files": [_file("signed contract.pdf", pdf_bytes()), _file("stamp.png", png_bytes())],
        },
    )

    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.state == Complaint.State.RECEIVED
    assert complaint.decision == refusal and complaint.application == refusal.application
    assert complaint.answer_due_on == complaints.answer_due_on(dt.date.today())
    documents = list(complaint.documents.order_by("id"))
    assert [d.content_type for d in documents] == ["application/pdf", "image/png"]
    assert documents[0].original_filename == "signed contract.pdf"
    assert documents[0].file.read().startswith(b"%PDF-")  # rebuilt, stored
    assert ApplicationEvent.objects.filter(
        application=refusal.application, kind=ApplicationEvent.Kind.COMPLAINT_RECEIVED
    ).exists()
    page = applicant_client.get(complaint_url(refusal)).content.decode()
    assert "Received" in page and "The Office answers by" in page


def test_a_file_that_is_not_what_it_claims_is_refused_and_nothing_is_stored(applicant_client, refusal):
    before = _state(refusal)
    response = applicant_client.post(
        complaint_url(refusal),
        {"text": "See the attachment.", "files": [_file("contract.pdf", b"MZ\x90\x00 not a pdf at all")]},
    )
    assert response.status_code == 400
    assert "its content was checked" in response.content.decode()
    assert _state(refusal) == before


def test_filing_mail_greets_and_signs_in_the_applicants_language(refusal):
    _filed(refusal)
    send_notification(notification_id=Notification.objects.get(event="complaint_received").pk)
    message = mail.outbox[-1]  # sent through the outbox's real sender

    assert "your complaint was received" in message.subject
    assert message.extra_headers["Content-Language"] == "en"
    applicant = refusal.application.applicant
    assert message.body.startswith(f"Dear {applicant.get_full_name()},")
    assert "The Office will answer by" in message.body
    signature = message.body.split("Kind regards,")[1]
    assert "Office of Citizenship and Migration Affairs" in signature and "Phone:" in signature


def test_filing_mail_in_latvian(refusal, translated):
    applicant = refusal.application.applicant
    applicant.preferred_language = "lv"
    applicant.save(update_fields=["preferred_language"])
    _filed(refusal)
    message = build_message(Notification.objects.get(event="complaint_received"))

    assert message.extra_headers["Content-Language"] == "lv"
    assert f"{applicant.get_full_name()}" in message.body.split("\n")[0]
    assert "Ar cieņu," in message.body
    signature = message.body.split("Ar cieņu,")[1]
    assert "Pilsonības un migrācijas lietu pārvalde" in signature and "Tālrunis" in signature


def test_api_reads_the_last_day_and_files_a_complaint(bearer_client, refusal):
    api = bearer_client(refusal.application.applicant)

    read = api.get(api_url(refusal.pk))
    assert read.status_code == 200
    assert read.json()["contest_until"] == refusal.contest_until.isoformat()
    assert read.json()["may_file"] is True and read.json()["complaints"] == []

    created = api.post(
        api_url(refusal.pk),
        {"text": "I contest it.", "files": [_file("letter.pdf", pdf_bytes())]},
        format="multipart",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["state"] == "received" and len(body["documents"]) == 1
    assert api.get(api_url(refusal.pk)).json()["may_file"] is False


# --- bad input: a clear 4xx, nothing changed --------------------------------------------------------------------
def test_a_complaint_after_the_last_day_is_refused(bearer_client, client, refusal):
    before = _state(refusal)
    day_after = dt.datetime.combine(refusal.contest_until + dt.timedelta(days=1), dt.time(10))
    with time_machine.travel(day_after.replace(tzinfo=dt.UTC), tick=False):
        response = bearer_client(refusal.application.applicant).post(
            api_url(refusal.pk), {"text": "Too late?"}, format="multipart"
        )
        client.force_login(refusal.application.applicant)  # a session of that day
        form = client.get(complaint_url(refusal)).content.decode()
        page = client.post(complaint_url(refusal), {"text": "Too late?"})
    assert "The time to contest this decision has passed." in form
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "complaint_deadline_passed"
    assert response.json()["error"]["details"]["last_day"] == refusal.contest_until.isoformat()
    assert page.status_code == 400
    assert _state(refusal) == before


def test_the_last_day_itself_is_still_in_time(refusal):
    on_the_day = dt.datetime.combine(refusal.contest_until, dt.time(20, 0))
    with time_machine.travel(on_the_day.replace(tzinfo=dt.UTC), tick=False):
        assert _filed(refusal).state == Complaint.State.RECEIVED


def test_someone_elses_decision_or_none_is_not_found(bearer_client, client, refusal, other_applicant):
    before = _state(refusal)
    api = bearer_client(other_applicant)
    assert api.get(api_url(refusal.pk)).status_code == 404
    response = api.post(api_url(refusal.pk), {"text": "Not mine."}, format="multipart")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    missing = bearer_client(refusal.application.applicant).post(
        api_url(999_999), {"text": "No such decision."}, format="multipart"
    )
    assert missing.status_code == 404
    client.force_login(other_applicant)
    assert client.post(complaint_url(refusal), {"text": "Not mine."}).status_code == 404
    assert _state(refusal) == before


def test_a_second_complaint_while_one_is_open_is_a_conflict(bearer_client, applicant_client, refusal):
    first = _filed(refusal)
    before = _state(refusal)
    response = bearer_client(refusal.application.applicant).post(
        api_url(refusal.pk), {"text": "Again."}, format="multipart"
    )
    assert response.status_code == 409
    assert response.json()["error"]["details"]["complaint"] == first.pk
    assert applicant_client.post(complaint_url(refusal), {"text": "Again."}).status_code == 409
    assert _state(refusal) == before


def test_an_empty_complaint_is_refused(bearer_client, refusal):
    response = bearer_client(refusal.application.applicant).post(
        api_url(refusal.pk), {"text": ""}, format="multipart"
    )
    assert response.status_code == 400 and "text" in response.json()["error"]["details"]
    assert not Complaint.objects.exists()


# --- the back office ------------------------------------------------------------------------------------------
def test_queue_lists_the_units_open_complaints_with_counts(
    senior_client, refusal, django_assert_max_num_queries
):
    complaint = _filed(refusal)
    with django_assert_max_num_queries(8):
        page = senior_client.get(reverse("decisions:backoffice-complaints"))
    html = page.content.decode()
    assert page.status_code == 200
    assert refusal.application.reference in html
    assert complaint.answer_due_on.strftime("%Y") in html
    assert reverse("decisions:backoffice-complaint", args=[complaint.pk]) in html


def test_queue_query_count_does_not_grow(senior_client, refusal, case_in_review, django_assert_num_queries):
    _filed(refusal)
    url = reverse("decisions:backoffice-complaints")
    senior_client.get(url)
    with django_assert_num_queries(6):  # session, user, second factor, unit; the counts; the queue
        senior_client.get(url)


def test_senior_takes_and_upholds_and_the_letter_names_the_court_and_verifies(
    senior_client, senior, refusal, client, translated
):
    complaint = _filed(refusal, files=[("copy.pdf", io.BytesIO(pdf_bytes()))])
    case_page = senior_client.get(reverse("decisions:backoffice-case", args=[refusal.application_id]))
    assert reverse("decisions:backoffice-complaint", args=[complaint.pk]) in case_page.content.decode()
    page = senior_client.get(reverse("decisions:backoffice-complaint", args=[complaint.pk]))
    assert page.status_code == 200 and "The contract was signed" in page.content.decode()
    document = complaint.documents.get()
    opened = senior_client.get(
        reverse("decisions:backoffice-complaint-document", args=[complaint.pk, document.pk])
    )
    assert opened.status_code == 200 and opened["Content-Type"] == "application/pdf"

    take = senior_client.post(reverse("decisions:backoffice-complaint-action", args=[complaint.pk, "take"]))
    assert take.status_code == 302
    complaint.refresh_from_db()
    assert complaint.state == Complaint.State.UNDER_CONSIDERATION and complaint.handled_by == senior

    decide = senior_client.post(
        reverse("decisions:backoffice-complaint-action", args=[complaint.pk, "decide"]),
        {"outcome": "upheld", "reasoning": "The signature is not the employer's."},
    )
    assert decide.status_code == 302
    complaint.refresh_from_db()
    refusal.refresh_from_db()
    assert complaint.state == Complaint.State.UPHELD
    assert refusal.state == Decision.State.ISSUED and refusal.application.state == "refused"
    effective_on, court_until = complaints.outcome_dates(dt.date.today())
    assert (complaint.effective_on, complaint.court_until) == (effective_on, court_until)

    seal._signer.cache_clear()
    letter = complaints.render_complaint_letter(letter_id=ComplaintLetter.objects.get().pk)
    with letter.document.file.open("rb") as handle:
        data = handle.read()
    assert seal.check_seal(data).ok
    text = " ".join(" ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages).split())
    assert "The head of the Office leaves the contested decision unchanged." in text
    assert "District Administrative Court" in text and "Administratīvā rajona tiesa" in text
    assert verification.display(letter.verification_code) in text

    verify = client.get(reverse("decisions:verify", args=[verification.display(letter.verification_code)]))
    html = verify.content.decode()
    assert verify.status_code == 200
    assert "This letter was issued by the Office" in html and "Answer of the head of the Office" in html
    assert letter.document.sha256 in html
    same = client.post(
        reverse("decisions:verify", args=[letter.verification_code]), {"file": io.BytesIO(data)}
    )
    assert "exactly the letter" in same.content.decode()

    message = build_message(Notification.objects.get(event="complaint_decided"))
    assert message.body.startswith(f"Dear {refusal.application.applicant.get_full_name()},")
    assert "leaves the decision unchanged" in message.body
    with translation.override("en"):
        court_until_shown = mail_date(
            court_until
        )  # "27 November 2026": dates in mails as the language writes them
    assert court_until_shown in message.body and "District Administrative Court" in message.body
    signature = message.body.split("Kind regards,")[1]
    for line in (senior.get_full_name(), senior.position, senior.unit.name, senior.work_phone):
        assert line in signature

    owner = client
    owner.force_login(refusal.application.applicant)
    pdf = owner.get(reverse("decisions:complaint-letter", args=[complaint.pk]))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content) == data
    timeline = owner.get(reverse("applications:detail", args=[refusal.application_id])).content.decode()
    assert reverse("decisions:complaint-letter", args=[complaint.pk]) in timeline


def test_an_overturned_refusal_reopens_the_case_and_says_why(senior, refusal, client):
    complaint = _filed(refusal)
    complaints.decide_complaint(
        complaint_id=complaint.pk,
        senior=senior,
        outcome="overturned",
        reasoning="The signed contract was in the file after all.",
    )
    refusal.refresh_from_db()
    application = refusal.application
    application.refresh_from_db()
    assert refusal.state == Decision.State.OVERTURNED and refusal.ended_at is not None
    assert application.state == "in_review" and application.closed_at is None
    assert application.decision_due_on is not None
    reopened = ApplicationEvent.objects.get(application=application, kind=ApplicationEvent.Kind.REOPENED)
    assert "The signed contract was in the file after all." in reopened.data["detail"]

    client.force_login(application.applicant)
    page = client.get(reverse("applications:detail", args=[application.pk])).content.decode()
    assert "The signed contract was in the file after all." in page  # on the timeline
    assert "Decision overturned" in page  # the complaint panel
    dashboard = client.get(reverse("applications:dashboard")).content.decode()
    assert "Your complaint against the decision was received" in dashboard
    assert "Complaint answered: the decision was overturned" in dashboard

    # The case can be decided again: one issued decision per case still holds.
    assert not Decision.objects.filter(application=application, state=Decision.State.ISSUED).exists()


def test_answering_twice_is_a_conflict(senior, refusal):
    complaint = _filed(refusal)
    complaints.decide_complaint(complaint_id=complaint.pk, senior=senior, outcome="upheld", reasoning="No.")
    with pytest.raises(complaints.ConflictError) as caught:
        complaints.decide_complaint(
            complaint_id=complaint.pk, senior=senior, outcome="overturned", reasoning="Yes."
        )
    assert caught.value.details["state"] == "upheld"


def test_a_case_officer_may_not_answer_a_complaint(staff_client_for, officer, refusal):
    complaint = _filed(refusal)
    client = staff_client_for(officer)
    url = reverse("decisions:backoffice-complaint-action", args=[complaint.pk, "decide"])
    response = client.post(url, {"outcome": "overturned", "reasoning": "I think so."})
    assert response.status_code == 403
    assert client.get(reverse("decisions:backoffice-complaints")).status_code == 403
    with pytest.raises(complaints.ForbiddenError):
        complaints.decide_complaint(
            complaint_id=complaint.pk, senior=officer, outcome="upheld", reasoning="x"
        )
    complaint.refresh_from_db()
    assert complaint.state == Complaint.State.RECEIVED and complaint.handled_by is None


def test_a_senior_officer_of_another_unit_gets_not_found(staff_client_for, refusal):
    complaint = _filed(refusal)
    stranger = UserFactory(senior_officer=True)
    client = staff_client_for(stranger)
    assert client.get(reverse("decisions:backoffice-complaint", args=[complaint.pk])).status_code == 404
    response = client.post(
        reverse("decisions:backoffice-complaint-action", args=[complaint.pk, "decide"]),
        {"outcome": "overturned", "reasoning": "Not my unit."},
    )
    assert response.status_code == 404
    assert (
        refusal.application.reference
        not in client.get(reverse("decisions:backoffice-complaints")).content.decode()
    )
    complaint.refresh_from_db()
    assert complaint.state == Complaint.State.RECEIVED


def test_a_grant_cannot_be_overturned_here(senior, case_in_review, officer, grant_ground):
    grant = services.draft_decision(
        application_id=case_in_review.pk,
        officer=officer,
        outcome="grant",
        legal_ground_ids=[grant_ground.pk],
        reasoning="All in order.",
        valid_from=dt.date.today(),
        valid_to=dt.date.today() + dt.timedelta(days=365),
    )
    assert grant.state == Decision.State.ISSUED
    complaint = complaints.file_complaint(
        decision_id=grant.pk, applicant=case_in_review.applicant, text="The permit is too short."
    )
    with pytest.raises(complaints.ComplaintInputError):
        complaints.decide_complaint(
            complaint_id=complaint.pk, senior=senior, outcome="overturned", reasoning="x"
        )
    complaint.refresh_from_db()
    assert complaint.state == Complaint.State.RECEIVED


def test_a_decision_replaced_meanwhile_cannot_be_overturned(senior, refusal):
    complaint = _filed(refusal)
    complaints.record_case_error(
        application_id=refusal.application_id,
        senior=senior,
        what_was_wrong="The reasons named the wrong contract.",
        what_is_done="A corrected decision is issued.",
        correction="The contract of 2 March was meant.",
        corrected_decision=complaints.DecisionCorrection(reasoning="The contract of 2 March was not signed."),
    )
    with pytest.raises(complaints.ConflictError):
        complaints.decide_complaint(
            complaint_id=complaint.pk, senior=senior, outcome="overturned", reasoning="It was signed."
        )
    complaint.refresh_from_db()
    refusal.refresh_from_db()
    assert complaint.state == Complaint.State.RECEIVED and refusal.state == Decision.State.REPLACED
    assert refusal.application.state == "refused"


def test_complaint_page_query_count_does_not_grow_with_documents(
    senior_client, refusal, django_assert_num_queries
):
    complaint = _filed(refusal, files=[("a.pdf", io.BytesIO(pdf_bytes()))])
    url = reverse("decisions:backoffice-complaint", args=[complaint.pk])
    senior_client.get(url)
    # The same number with one document or three: documents and grounds are prefetched.
    with django_assert_num_queries(9) as few:
        senior_client.get(url)
    for name in ("b.png", "c.png"):
        ComplaintDocument.objects.create(
            complaint=complaint,
            file=complaint.documents.first().file.name,
            original_filename=name,
            content_type="image/png",
            size=1,
            sha256="0" * 64,
        )
    with django_assert_num_queries(len(few.captured_queries)):
        senior_client.get(url)


def test_an_answer_without_reasons_is_a_form_error_and_changes_nothing(senior_client, refusal):
    complaint = _filed(refusal)
    before = _state(refusal)
    response = senior_client.post(
        reverse("decisions:backoffice-complaint-action", args=[complaint.pk, "decide"]),
        {"outcome": "overturned", "reasoning": ""},
    )
    assert response.status_code == 400 and "There is a problem" in response.content.decode()
    missing = senior_client.post(
        reverse("decisions:backoffice-complaint-action", args=[999_999, "decide"]),
        {"outcome": "upheld", "reasoning": "No such complaint."},
    )
    assert missing.status_code == 404
    complaint.refresh_from_db()
    assert complaint.state == Complaint.State.RECEIVED and _state(refusal) == before
    assert not ComplaintLetter.objects.exists()
