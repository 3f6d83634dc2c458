"""What the applicant sees of the back office: the open request with its answer form, the decision, reminders."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from applications.calendar import add_working_days
from applications.models import Application
from decisions import services
from decisions.models import InformationRequest
from workers.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_request(case_in_review, officer):
    return services.request_information(
        application_id=case_in_review.pk,
        officer=officer,
        message="Send the signed contract.",
        other_items="contract",
    )


def test_application_page_shows_the_request_and_takes_the_answer(client, case_in_review, open_request):
    client.force_login(case_in_review.applicant)
    detail = reverse("applications:detail", args=[case_in_review.pk])

    page = client.get(detail).content.decode()
    assert "Send the signed contract." in page and "Send my answer to the Office" in page

    response = client.post(
        reverse("decisions:answer-request", args=[case_in_review.pk, open_request.pk]),
        {"answer_text": "Uploaded the contract."},
        follow=True,
    )

    assert "Your answer was sent to the Office" in response.content.decode()
    open_request.refresh_from_db()
    case_in_review.refresh_from_db()
    assert open_request.state == InformationRequest.State.ANSWERED
    assert case_in_review.state == Application.State.IN_REVIEW and case_in_review.answered_at is not None


def test_someone_else_cannot_answer(client, other_applicant, case_in_review, open_request):
    client.force_login(other_applicant)
    response = client.post(reverse("decisions:answer-request", args=[case_in_review.pk, open_request.pk]))
    assert response.status_code == 404
    open_request.refresh_from_db()
    assert open_request.state == InformationRequest.State.OPEN


def test_answered_case_heads_the_officers_queue(staff_client_for, officer, case_in_review, open_request):
    services.answer_information_request(
        application_id=case_in_review.pk, request_id=open_request.pk, applicant=case_in_review.applicant
    )
    page = staff_client_for(officer).get(reverse("decisions:backoffice-queue")).content.decode()
    assert "Back from the applicant" in page and case_in_review.reference in page


def test_application_page_shows_the_decision_and_the_contest_date(
    client, case_in_review, officer, senior, refusal_ground
):
    services.draft_decision(
        application_id=case_in_review.pk,
        officer=officer,
        outcome="refuse",
        legal_ground_ids=[refusal_ground.pk],
        reasoning="False documents.",
    )
    services.approve_decision(application_id=case_in_review.pk, senior=senior)
    client.force_login(case_in_review.applicant)

    page = client.get(reverse("applications:detail", args=[case_in_review.pk])).content.decode()

    assert "The Office refused the application." in page
    assert "You may contest it until" in page
    assert "being prepared" in page
    assert "Expected decision by" not in page  # decided: no expected date any more


def test_one_reminder_three_working_days_before(case_in_review, officer):
    today = dt.date(2026, 12, 7)
    request = services.request_information(
        application_id=case_in_review.pk,
        officer=officer,
        message="Send the contract.",
        other_items="contract",
        answer_by=add_working_days(dt.date.today(), 20),
    )
    InformationRequest.objects.filter(pk=request.pk).update(answer_by=add_working_days(today, 3))

    assert services.send_information_request_reminders(today=today - dt.timedelta(days=1)) == []
    assert services.send_information_request_reminders(today=today) == [request.pk]
    assert services.send_information_request_reminders(today=today) == []
    reminder = Notification.objects.get(event="information_reminder")
    assert reminder.actor == officer


def test_overdue_answers_show_in_the_queue(staff_client_for, officer, case_in_review, open_request):
    InformationRequest.objects.filter(pk=open_request.pk).update(answer_by=dt.date(2020, 1, 6))
    page = staff_client_for(officer).get(reverse("decisions:backoffice-queue")).content.decode()
    assert "Answers overdue" in page and case_in_review.reference in page
