"""The officers' pages through real URLs and real sessions (second factor passed)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.models import Application
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
    assert (
        StaffAccessLog.objects.filter(object_type="application", object_id=str(submitted_case.pk)).count()
        == 1
    )
    shown = officer_client.get(
        reverse("decisions:backoffice-document", args=[submitted_case.pk, document.pk])
    )
    assert shown.status_code == 200 and shown["Content-Disposition"] == "inline"
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


def test_a_case_waiting_for_the_applicant_is_not_named_in_the_applicants_words(officer_client, unit, officer):
    """The model's label speaks to the applicant ("Waiting for your answer"); officers read "the applicant"."""
    case = ApplicationFactory(awaiting_applicant=True, unit=unit, assigned_officer=officer)

    queue = officer_client.get(reverse("decisions:backoffice-queue")).content.decode()
    page = officer_client.get(reverse("decisions:backoffice-case", args=[case.pk])).content.decode()

    for html in (queue, page):
        assert "Waiting for the applicant" in html and "Waiting for your answer" not in html
