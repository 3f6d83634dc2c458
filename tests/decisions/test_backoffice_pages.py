"""The officers' pages through real URLs and real sessions (second factor passed)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from applications.models import Application, DocumentType
from decisions.models import Decision, InformationRequest
from identity.models import StaffAccessLog
from tests.factories import ApplicationDocumentFactory, ApplicationFactory

pytestmark = pytest.mark.django_db
State = Application.State


@pytest.fixture
def officer_client(staff_client_for, officer):
    return staff_client_for(officer)


@pytest.fixture
def senior_client(staff_client_for, senior):
    return staff_client_for(senior)


def action(case, name: str) -> str:
    return reverse("decisions:backoffice-action", args=[case.pk, name])


def test_queue_page_shows_the_units_cases_with_counts(officer_client, unit, django_assert_max_num_queries):
    late = ApplicationFactory(
        submitted=True, unit=unit, decision_due_on=timezone.localdate() - dt.timedelta(days=7)
    )
    ApplicationFactory(submitted=True)  # another unit

    response = officer_client.get(reverse("decisions:backoffice-queue"))

    page = response.content.decode()
    assert response.status_code == 200
    assert late.reference in page and "days late" in page
    assert page.count("backoffice/cases/") == 1


def test_queue_page_query_count_does_not_grow(officer_client, unit, django_assert_max_num_queries):
    ApplicationFactory(submitted=True, unit=unit, decision_due_on=timezone.localdate())
    url = reverse("decisions:backoffice-queue")
    officer_client.get(url)
    with django_assert_max_num_queries(30) as few:
        officer_client.get(url)
    for _ in range(15):
        ApplicationFactory(in_review=True, unit=unit, decision_due_on=timezone.localdate())
    with django_assert_max_num_queries(len(few.captured_queries)):
        officer_client.get(url)


def test_case_page_is_logged_and_closed_to_other_units(
    officer_client, staff_client_for, foreign_officer, submitted_case
):
    document = ApplicationDocumentFactory(application=submitted_case)
    url = reverse("decisions:backoffice-case", args=[submitted_case.pk])

    response = officer_client.get(url)

    assert response.status_code == 200 and submitted_case.passport_number in response.content.decode()
    assert "Ukraine" in response.content.decode()  # the nationality by its name, not its code
    assert (
        StaffAccessLog.objects.filter(object_type="application", object_id=str(submitted_case.pk)).count()
        == 1
    )
    shown = officer_client.get(
        reverse("decisions:backoffice-document", args=[submitted_case.pk, document.pk])
    )
    assert shown.status_code == 200 and shown["Content-Disposition"] == "inline"
    # Previewed in the case page itself: a PDF in a frame our pages alone may embed.
    assert (
        shown["X-Frame-Options"] == "SAMEORIGIN"
        and "frame-ancestors 'self'" in shown["Content-Security-Policy"]
    )
    assert (
        f'<iframe class="document-preview document-frame" src="/backoffice/cases/{submitted_case.pk}/documents/'
        in (response.content.decode())
    )
    assert StaffAccessLog.objects.filter(object_type="application_document").count() == 1

    outsider = staff_client_for(foreign_officer)
    assert outsider.get(url).status_code == 404
    assert (
        outsider.get(
            reverse("decisions:backoffice-document", args=[submitted_case.pk, document.pk])
        ).status_code
        == 404
    )
    assert outsider.post(action(submitted_case, "take")).status_code == 404
    assert StaffAccessLog.objects.count() == 2


def test_applicants_and_unverified_staff_are_kept_out(client, applicant, officer, submitted_case):
    url = reverse("decisions:backoffice-queue")
    client.force_login(applicant)
    assert client.get(url).status_code == 403
    client.force_login(officer)  # signed in without the second factor
    response = client.get(url)
    assert response.status_code == 302
    assert client.post(action(submitted_case, "take")).status_code == 302
    submitted_case.refresh_from_db()
    assert submitted_case.state == State.SUBMITTED


def test_take_request_information_and_form_errors(officer_client, submitted_case):
    response = officer_client.post(action(submitted_case, "take"), follow=True)
    assert "You took the case." in response.content.decode()

    bad = officer_client.post(action(submitted_case, "request-info"), {"message": "", "answer_by": ""})
    assert bad.status_code == 400 and "There is a problem" in bad.content.decode()

    past = officer_client.post(
        action(submitted_case, "request-info"),
        {"message": "Send the contract.", "other_items": "contract", "answer_by": "2020-01-01"},
    )
    assert past.status_code == 400 and "must be after today" in past.content.decode()

    sent = officer_client.post(
        action(submitted_case, "request-info"),
        {
            "message": "Send the contract.",
            "other_items": "contract",
            "answer_by": (timezone.localdate() + dt.timedelta(days=14)).isoformat(),
        },
        follow=True,
    )
    assert "deadline stands still" in sent.content.decode()
    submitted_case.refresh_from_db()
    assert submitted_case.state == State.AWAITING_APPLICANT
    assert InformationRequest.objects.get().message == "Send the contract."


def test_refusal_is_drafted_then_approved_on_the_pages(
    officer_client, senior_client, case_in_review, refusal_ground
):
    no_ground = officer_client.post(
        action(case_in_review, "decision"), {"outcome": "refuse", "reasoning": "x"}
    )
    assert no_ground.status_code == 400 and "legal basis" in no_ground.content.decode()

    officer_client.post(
        action(case_in_review, "decision"),
        {"outcome": "refuse", "legal_grounds": [refusal_ground.pk], "reasoning": "False documents."},
    )
    own_page = officer_client.get(
        reverse("decisions:backoffice-case", args=[case_in_review.pk])
    ).content.decode()
    assert "Approve and issue" not in own_page
    denied = officer_client.post(action(case_in_review, "approve"), follow=True)
    assert "Only a senior officer" in denied.content.decode()

    approved = senior_client.post(action(case_in_review, "approve"), follow=True)

    assert "approved and issued" in approved.content.decode()
    case_in_review.refresh_from_db()
    assert case_in_review.state == State.REFUSED
    assert Decision.objects.get().approved_by is not None


def test_another_units_officer_opening_a_case_is_logged_without_personal_data(
    staff_client_for, foreign_officer, submitted_case, caplog
):
    document = ApplicationDocumentFactory(application=submitted_case)
    outsider = staff_client_for(foreign_officer)

    with caplog.at_level("WARNING", logger="decisions.views_backoffice"):
        page = outsider.get(reverse("decisions:backoffice-case", args=[submitted_case.pk]))
        shown = outsider.get(reverse("decisions:backoffice-document", args=[submitted_case.pk, document.pk]))

    assert page.status_code == 404 and shown.status_code == 404
    lines = [record.getMessage() for record in caplog.records if record.name == "decisions.views_backoffice"]
    assert lines == [
        f"case.access_refused application={submitted_case.pk} staff={foreign_officer.pk} via=page",
        f"case.document_access_refused application={submitted_case.pk} document={document.pk} "
        f"staff={foreign_officer.pk}",
    ]
    applicant = submitted_case.applicant
    for line in lines:
        for personal in (applicant.email, submitted_case.last_name, submitted_case.passport_number):
            assert personal not in line
    assert not StaffAccessLog.objects.exists()  # nothing was opened: the applicant's log stays empty


def test_case_page_says_whether_each_document_is_recent_enough_by_the_catalogue(officer_client, unit):
    """The catalogue's limit counts on arrival: at submission (2 November), or on upload for a document sent
    later; the page also warns when a document that was recent enough has grown too old since."""
    submitted = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC)
    case = ApplicationFactory(in_review=True, unit=unit, submitted_at=submitted)

    def document(max_age_days, issued_on, name, uploaded_at=submitted):
        # One document of a type per application: each gets a type of its own with the catalogue's limit.
        document_type = DocumentType.objects.create(
            code=name.removesuffix(".pdf"), name=f"Type {name}", max_age_days=max_age_days
        )
        return ApplicationDocumentFactory(
            application=case,
            document_type=document_type,
            issued_on=issued_on,
            uploaded_at=uploaded_at,
            original_filename=name,
        )

    document(90, dt.date(2026, 9, 23), "fresh.pdf")  # 40 days on 2 November
    document(90, dt.date(2026, 7, 5), "old.pdf")  # 120 days on 2 November
    document(90, None, "undated.pdf")
    document(None, dt.date(2001, 6, 1), "diploma.pdf")
    # Sent on 20 November in answer to a request: 85 days old then, recent enough.
    document(90, dt.date(2026, 8, 27), "late.pdf", uploaded_at=dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC))

    with time_machine.travel(dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC), tick=False):
        page = officer_client.get(reverse("decisions:backoffice-case", args=[case.pk])).content.decode()

    rows = {
        name: re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", row))
        for row in re.findall(r'<li class="document-row">(.*?)</li>', page, re.S)
        for name in re.findall(r"\w+\.pdf", row)[:1]
    }
    assert "Recent enough: 40 days old on 2 November 2026; the catalogue allows 90 days." in rows["fresh.pdf"]
    assert "Today it is" not in rows["fresh.pdf"]
    assert "Too old: 120 days old on 2 November 2026; the catalogue allows 90 days." in rows["old.pdf"]
    assert "no issue date, and the catalogue asks for one issued within 90 days" in rows["undated.pdf"]
    assert "The catalogue sets no age limit for this document." in rows["diploma.pdf"]
    assert "Recent enough: 85 days old on 20 November 2026" in rows["late.pdf"]
    assert "Today it is 92 days old." in rows["late.pdf"]


def test_a_case_waiting_for_the_applicant_keeps_its_working_days_left(officer_client, unit):
    """Asked on Friday 20 November with the deadline on Tuesday 24 November: the deadline stands still while
    the applicant answers, so a week later the queue and the case page still say 2 working days, not late."""
    waiting = ApplicationFactory(
        awaiting_applicant=True,
        unit=unit,
        review_paused_on=dt.date(2026, 11, 20),
        decision_due_on=dt.date(2026, 11, 24),
    )
    running = ApplicationFactory(in_review=True, unit=unit, decision_due_on=dt.date(2026, 11, 24))

    with time_machine.travel(dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC), tick=False):
        queue = officer_client.get(reverse("decisions:backoffice-queue")).content.decode()
        case_page = officer_client.get(
            reverse("decisions:backoffice-case", args=[waiting.pk])
        ).content.decode()

    rows = {
        reference: re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
        for row in re.findall(r"<tr>(.*?)</tr>", queue, re.S)
        for reference in re.findall(r"TRP-\d{4}-\d+", row)[:1]
    }
    assert rows[waiting.reference].endswith("2") and "late" not in rows[waiting.reference]
    assert rows[running.reference].endswith("3 days late")  # 25, 26, 27 November
    assert "2 working days left" in case_page and "past the deadline" not in case_page


def test_queue_page_mine_shows_my_case_from_another_unit(officer_client, officer, unit):
    ours = ApplicationFactory(submitted=True, unit=unit)
    elsewhere = ApplicationFactory(in_review=True, assigned_officer=officer)  # another unit's case
    url = reverse("decisions:backoffice-queue")

    queue = officer_client.get(url).content.decode()
    mine = officer_client.get(url, {"officer": "me"}).content.decode()

    assert ours.reference in queue and elsewhere.reference not in queue
    assert elsewhere.reference in mine and ours.reference not in mine


def test_queue_page_pages_the_whole_queue_by_the_state_counts(officer_client, unit):
    from decisions import views_backoffice

    settings_page_size = views_backoffice.PAGE_SIZE
    views_backoffice.PAGE_SIZE = 2
    try:
        cases = [
            ApplicationFactory(
                in_review=True, unit=unit, decision_due_on=timezone.localdate() + dt.timedelta(n)
            )
            for n in range(5)
        ]
        url = reverse("decisions:backoffice-queue")
        last = officer_client.get(url, {"page": 3}).content.decode()
        filtered = officer_client.get(url, {"state": "submitted"}).content.decode()
    finally:
        views_backoffice.PAGE_SIZE = settings_page_size

    assert "Page 3 of 3" in last and cases[4].reference in last and cases[3].reference not in last
    assert "Page 1 of" not in filtered and cases[0].reference not in filtered


def test_queue_page_mine_with_a_bad_filter_pages_my_cases_not_the_units(officer_client, officer, unit):
    from decisions import views_backoffice

    page_size = views_backoffice.PAGE_SIZE
    views_backoffice.PAGE_SIZE = 1
    try:
        for _ in range(3):
            ApplicationFactory(submitted=True, unit=unit)  # the unit's, not mine
        mine = ApplicationFactory(in_review=True, unit=unit, assigned_officer=officer)
        url = reverse("decisions:backoffice-queue")
        response = officer_client.get(url, {"officer": "me", "deadline": "nonsense"})
    finally:
        views_backoffice.PAGE_SIZE = page_size

    page = response.content.decode()
    assert response.status_code == 200
    assert mine.reference in page and "Page 1 of" not in page  # one case of mine: one page, no pager


def test_a_case_waiting_for_the_applicant_is_not_named_in_the_applicants_words(officer_client, unit, officer):
    """The model's label speaks to the applicant ("Waiting for your answer"); officers read "the applicant"."""
    case = ApplicationFactory(awaiting_applicant=True, unit=unit, assigned_officer=officer)

    queue = officer_client.get(reverse("decisions:backoffice-queue")).content.decode()
    page = officer_client.get(reverse("decisions:backoffice-case", args=[case.pk])).content.decode()

    for html in (queue, page):
        assert "Waiting for the applicant" in html and "Waiting for your answer" not in html
