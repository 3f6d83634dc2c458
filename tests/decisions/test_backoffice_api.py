"""The back office API through real URLs and real tokens: queue, case file, actions, and the applicant's side."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from applications.models import Application
from decisions.models import Decision
from identity.models import StaffAccessLog
from tests.factories import ApplicationDocumentFactory, ApplicationFactory

pytestmark = pytest.mark.django_db
State = Application.State


@pytest.fixture
def officer_api(bearer_client, officer):
    return bearer_client(officer)


@pytest.fixture
def senior_api(bearer_client, senior):
    return bearer_client(senior)


def test_queue_lists_the_units_open_cases_by_deadline_with_days_left(officer_api, unit, applicant):
    today = timezone.localdate()
    late = ApplicationFactory(submitted=True, unit=unit, decision_due_on=today - dt.timedelta(days=3))
    soon = ApplicationFactory(in_review=True, unit=unit, decision_due_on=today + dt.timedelta(days=10))
    ApplicationFactory(submitted=True, decision_due_on=today)  # another unit
    ApplicationFactory(refused=True, unit=unit, decision_due_on=today)  # closed

    response = officer_api.get("/api/v1/backoffice/cases")

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [late.pk, soon.pk]
    assert rows[0]["working_days_left"] < 0 < rows[1]["working_days_left"]


def test_queue_rows_are_what_the_documented_serializer_writes(officer_api, officer, unit):
    """The queue's rows are built by the database (eservice.json_rows); they are exactly CaseRowOutput's."""
    from decisions import selectors
    from decisions.api.views import CaseRowOutput

    today = timezone.localdate()
    ApplicationFactory(submitted=True, unit=unit, decision_due_on=today - dt.timedelta(days=3))
    ApplicationFactory(submitted=True, unit=unit, decision_due_on=None, first_name="", last_name="Lee")
    paused = ApplicationFactory(
        awaiting_applicant=True,
        unit=unit,
        assigned_officer=officer,
        decision_due_on=today + dt.timedelta(days=20),
    )
    Application.objects.filter(pk=paused.pk).update(review_paused_on=today - dt.timedelta(days=7))
    answered = ApplicationFactory(in_review=True, unit=unit, decision_due_on=today + dt.timedelta(days=9))
    Application.objects.filter(pk=answered.pk).update(
        answered_at=timezone.now().replace(microsecond=0), submitted_at=timezone.now()
    )
    # A pause left behind on a case no longer waiting for the applicant stops nothing.
    resumed = ApplicationFactory(in_review=True, unit=unit, decision_due_on=today + dt.timedelta(days=30))
    Application.objects.filter(pk=resumed.pk).update(review_paused_on=today - dt.timedelta(days=7))

    response = officer_api.get("/api/v1/backoffice/cases?limit=3")
    second = officer_api.get("/api/v1/backoffice/cases?limit=3&offset=3").json()

    expected = CaseRowOutput(
        selectors.annotate_days_left(list(selectors.list_queue(officer=officer))), many=True
    )
    assert response.json()["results"] + second["results"] == expected.data
    assert response.json()["count"] == second["count"] == 5
    assert response.json()["next"].endswith("limit=3&offset=3") and second["previous"] is not None


def test_queue_filters_and_refuses_bad_filters(officer_api, officer, unit):
    mine = ApplicationFactory(in_review=True, unit=unit, assigned_officer=officer)
    ApplicationFactory(submitted=True, unit=unit)

    assert [r["id"] for r in officer_api.get("/api/v1/backoffice/cases?officer=me").json()["results"]] == [
        mine.pk
    ]
    assert [
        r["id"] for r in officer_api.get("/api/v1/backoffice/cases?state=in_review").json()["results"]
    ] == [mine.pk]
    bad = officer_api.get("/api/v1/backoffice/cases?state=granted")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "validation_error"


def test_queue_query_count_is_constant(officer_api, unit, django_assert_max_num_queries):
    for _ in range(3):
        ApplicationFactory(submitted=True, unit=unit, decision_due_on=timezone.localdate())
    with django_assert_max_num_queries(8) as few:
        officer_api.get("/api/v1/backoffice/cases")
    for _ in range(20):
        ApplicationFactory(submitted=True, unit=unit, decision_due_on=timezone.localdate())
    with django_assert_max_num_queries(len(few.captured_queries)):
        officer_api.get("/api/v1/backoffice/cases")


def test_applicants_and_anonymous_cannot_reach_the_back_office(applicant_api, api_client, submitted_case):
    for client in (applicant_api, api_client):
        assert client.get("/api/v1/backoffice/cases").status_code in (401, 403)
        assert client.post(f"/api/v1/backoffice/cases/{submitted_case.pk}/take").status_code in (401, 403)


def test_case_file_is_logged_and_another_unit_gets_404(
    officer_api, bearer_client, foreign_officer, submitted_case
):
    ApplicationDocumentFactory(application=submitted_case)

    response = officer_api.get(f"/api/v1/backoffice/cases/{submitted_case.pk}")

    assert response.status_code == 200
    body = response.json()
    assert body["allowed_actions"] == ["take", "assign"] and len(body["documents"]) == 1
    log = StaffAccessLog.objects.get(applicant=submitted_case.applicant)
    assert log.object_type == "application" and log.object_id == str(submitted_case.pk)

    outsider = bearer_client(foreign_officer)
    assert outsider.get(f"/api/v1/backoffice/cases/{submitted_case.pk}").status_code == 404
    assert outsider.post(f"/api/v1/backoffice/cases/{submitted_case.pk}/take").status_code == 404
    assert StaffAccessLog.objects.count() == 1


def test_take_then_second_take_is_409(officer_api, bearer_client, second_officer, submitted_case):
    assert (
        officer_api.post(f"/api/v1/backoffice/cases/{submitted_case.pk}/take").json()["state"] == "in_review"
    )

    second = bearer_client(second_officer).post(f"/api/v1/backoffice/cases/{submitted_case.pk}/take")

    assert second.status_code == 409
    assert second.json()["error"]["message"] == "Another officer has already taken this case."


def test_request_info_answer_and_refusal_with_approval(
    officer_api, senior_api, applicant_api, case_in_review, refusal_ground
):
    base = f"/api/v1/backoffice/cases/{case_in_review.pk}"
    created = officer_api.post(
        f"{base}/request-info", {"message": "Send the contract.", "other_items": "contract"}, format="json"
    )
    assert created.status_code == 201
    request_id = created.json()["id"]

    answered = applicant_api.post(
        f"/api/v1/applications/{case_in_review.pk}/information-requests/{request_id}/answer",
        {"answer_text": "Uploaded."},
        format="json",
    )
    assert answered.status_code == 200 and answered.json()["state"] == "answered"
    again = applicant_api.post(
        f"/api/v1/applications/{case_in_review.pk}/information-requests/{request_id}/answer",
        {},
        format="json",
    )
    assert again.status_code == 409

    no_ground = officer_api.post(f"{base}/decision", {"outcome": "refuse", "reasoning": "x"}, format="json")
    assert no_ground.status_code == 400 and "legal_ground_ids" in no_ground.json()["error"]["details"]
    drafted = officer_api.post(
        f"{base}/decision",
        {"outcome": "refuse", "legal_ground_ids": [refusal_ground.pk], "reasoning": "False documents."},
        format="json",
    )
    assert drafted.status_code == 201 and drafted.json()["state"] == "draft"
    assert officer_api.post(f"{base}/decision/approve").status_code == 403  # a case officer approves nothing
    assert applicant_api.get(f"/api/v1/applications/{case_in_review.pk}/decision").status_code == 404

    approved = senior_api.post(f"{base}/decision/approve")

    assert approved.status_code == 200 and approved.json()["state"] == "issued"
    decision = applicant_api.get(f"/api/v1/applications/{case_in_review.pk}/decision").json()
    assert decision["outcome"] == "refuse" and decision["contest_until"]
    assert decision["letter_url"] is None  # the worker has not rendered it yet


def test_validity_to_before_from_is_400(officer_api, case_in_review, grant_ground):
    response = officer_api.post(
        f"/api/v1/backoffice/cases/{case_in_review.pk}/decision",
        {
            "outcome": "grant",
            "legal_ground_ids": [grant_ground.pk],
            "reasoning": "ok",
            "valid_from": "2027-05-01",
            "valid_to": "2027-04-01",
        },
        format="json",
    )
    assert response.status_code == 400 and "valid_to" in response.json()["error"]["details"]
    case_in_review.refresh_from_db()
    assert case_in_review.state == State.IN_REVIEW and not Decision.objects.exists()


def test_return_needs_a_comment_and_sends_the_case_back(
    officer_api, senior_api, case_in_review, refusal_ground
):
    base = f"/api/v1/backoffice/cases/{case_in_review.pk}"
    officer_api.post(
        f"{base}/decision",
        {"outcome": "refuse", "legal_ground_ids": [refusal_ground.pk], "reasoning": "False documents."},
        format="json",
    )
    assert senior_api.post(f"{base}/decision/return", {}, format="json").status_code == 400
    returned = senior_api.post(
        f"{base}/decision/return", {"comment": "Hear the applicant first."}, format="json"
    )
    assert returned.status_code == 200 and returned.json()["state"] == "returned"
    assert senior_api.post(f"{base}/decision/approve").status_code == 409


def test_someone_elses_request_cannot_be_answered(officer_api, other_applicant_api, case_in_review):
    created = officer_api.post(
        f"/api/v1/backoffice/cases/{case_in_review.pk}/request-info",
        {"message": "Send the contract.", "other_items": "contract"},
        format="json",
    ).json()
    response = other_applicant_api.post(
        f"/api/v1/applications/{case_in_review.pk}/information-requests/{created['id']}/answer",
        {},
        format="json",
    )
    assert response.status_code == 404


def test_a_case_assigned_to_me_in_another_unit_is_under_mine_not_in_the_units_queue(
    officer_api, officer, unit
):
    ours = ApplicationFactory(submitted=True, unit=unit)
    elsewhere = ApplicationFactory(in_review=True, assigned_officer=officer)  # another unit's case

    queue = officer_api.get("/api/v1/backoffice/cases").json()["results"]
    mine = officer_api.get("/api/v1/backoffice/cases?officer=me").json()["results"]

    assert [row["id"] for row in queue] == [ours.pk]
    assert [row["id"] for row in mine] == [elsewhere.pk]
    assert officer_api.get(f"/api/v1/backoffice/cases/{elsewhere.pk}").status_code == 200
