"""The back office's services: taking and assigning cases, information requests, four-eyes decisions."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from applications.models import Application, ApplicationEvent, DocumentType
from applications.services import review
from decisions import services
from decisions.models import Decision, DecisionLetter, InformationRequest
from eservice.exceptions import ConflictError, DomainError, ForbiddenError, NotFoundError
from tests.factories import UserFactory
from workers.models import Notification

pytestmark = pytest.mark.django_db
State = Application.State


def events(application) -> list[str]:
    return list(application.events.order_by("id").values_list("kind", flat=True))


# --- taking and assigning -----------------------------------------------------------------------------------
def test_officer_takes_a_submitted_case(submitted_case, officer):
    review.take_case(application_id=submitted_case.pk, officer=officer)

    submitted_case.refresh_from_db()
    assert submitted_case.state == State.IN_REVIEW
    assert submitted_case.assigned_officer == officer
    assert events(submitted_case)[-1] == ApplicationEvent.Kind.TAKEN
    mail = Notification.objects.get(recipient=submitted_case.applicant, event="status_changed")
    assert mail.actor == officer


def test_second_officer_taking_the_same_case_gets_a_conflict(submitted_case, officer, second_officer):
    review.take_case(application_id=submitted_case.pk, officer=officer)

    with pytest.raises(ConflictError) as caught:
        review.take_case(application_id=submitted_case.pk, officer=second_officer)

    assert "already taken" in caught.value.message
    submitted_case.refresh_from_db()
    assert submitted_case.assigned_officer == officer


def test_officer_of_another_unit_cannot_see_the_case(submitted_case, foreign_officer, caplog):
    with pytest.raises(NotFoundError):
        review.take_case(application_id=submitted_case.pk, officer=foreign_officer)

    submitted_case.refresh_from_db()
    assert submitted_case.state == State.SUBMITTED
    assert f"case.access_refused application={submitted_case.pk}" in caplog.text


def test_applicant_is_no_officer(submitted_case):
    with pytest.raises(NotFoundError):
        review.take_case(application_id=submitted_case.pk, officer=submitted_case.applicant)


def test_senior_officer_assigns_within_the_unit(submitted_case, senior, officer, foreign_officer):
    review.assign_case(application_id=submitted_case.pk, senior=senior, officer_id=officer.pk)
    submitted_case.refresh_from_db()
    assert submitted_case.assigned_officer == officer
    assert submitted_case.state == State.SUBMITTED

    with pytest.raises(DomainError) as caught:
        review.assign_case(application_id=submitted_case.pk, senior=senior, officer_id=foreign_officer.pk)
    assert caught.value.code == "invalid_officer"


def test_case_officer_cannot_assign(submitted_case, officer, second_officer):
    with pytest.raises(NotFoundError):
        review.assign_case(application_id=submitted_case.pk, senior=officer, officer_id=second_officer.pk)


# --- information requests -----------------------------------------------------------------------------------
def passport_type():
    return DocumentType.objects.order_by("pk").first()


def test_request_pauses_the_case_and_mails_the_applicant(case_in_review, officer):
    request = services.request_information(
        application_id=case_in_review.pk,
        officer=officer,
        message="The bank statement is older than a month.",
        document_type_ids=[passport_type().pk],
    )

    case_in_review.refresh_from_db()
    assert case_in_review.state == State.AWAITING_APPLICANT
    assert case_in_review.review_paused_on == timezone.localdate()
    assert request.answer_by == services.default_answer_by()
    mail = Notification.objects.get(event="information_requested")
    assert mail.actor == officer
    assert mail.context["documents"] and mail.context["answer_by"] == request.answer_by.isoformat()


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"message": "", "other_items": "x"}, "message"),
        ({"message": "Please", "other_items": ""}, "document_type_ids"),
        ({"message": "Please", "other_items": "x", "answer_by": dt.date(2000, 1, 1)}, "answer_by"),
        ({"message": "Please", "document_type_ids": [999999]}, "document_type_ids"),
    ],
)
def test_bad_requests_change_nothing(case_in_review, officer, fields, error_field):
    with pytest.raises(DomainError) as caught:
        services.request_information(application_id=case_in_review.pk, officer=officer, **fields)

    assert error_field in caught.value.details
    case_in_review.refresh_from_db()
    assert case_in_review.state == State.IN_REVIEW
    assert not InformationRequest.objects.exists()


def test_answer_resumes_review_and_moves_the_deadline_by_the_paused_working_days(case_in_review, officer):
    with time_machine.travel(dt.datetime(2026, 12, 21, 10, 0, tzinfo=dt.UTC), tick=False):
        case_in_review.decision_due_on = dt.date(2027, 1, 15)
        case_in_review.save(update_fields=["decision_due_on"])
        request = services.request_information(
            application_id=case_in_review.pk, officer=officer, message="Send the contract.", other_items="x"
        )
    # Answered on 4 January: 22, 23, 28, 29, 30 December and 2 January... minus the holidays
    # (24-26 and 31 December, 1 January are days off): the working days after 21 Dec up to 4 Jan.
    with time_machine.travel(dt.datetime(2027, 1, 4, 9, 0, tzinfo=dt.UTC), tick=False):
        services.answer_information_request(
            application_id=case_in_review.pk, request_id=request.pk, applicant=case_in_review.applicant
        )

    case_in_review.refresh_from_db()
    request.refresh_from_db()
    assert request.state == InformationRequest.State.ANSWERED
    assert case_in_review.state == State.IN_REVIEW
    assert case_in_review.review_paused_on is None
    paused = case_in_review.events.get(kind=ApplicationEvent.Kind.INFORMATION_PROVIDED).data[
        "paused_working_days"
    ]
    from applications.calendar import add_working_days, working_days_between

    assert paused == working_days_between(dt.date(2026, 12, 21), dt.date(2027, 1, 4)) == 6
    assert case_in_review.decision_due_on == add_working_days(dt.date(2027, 1, 15), 6)


def test_answering_twice_or_someone_elses_request_is_refused(case_in_review, officer, other_applicant):
    request = services.request_information(
        application_id=case_in_review.pk, officer=officer, message="Send the contract.", other_items="x"
    )
    with pytest.raises(NotFoundError):
        services.answer_information_request(
            application_id=case_in_review.pk, request_id=request.pk, applicant=other_applicant
        )
    services.answer_information_request(
        application_id=case_in_review.pk, request_id=request.pk, applicant=case_in_review.applicant
    )
    with pytest.raises(ConflictError):
        services.answer_information_request(
            application_id=case_in_review.pk, request_id=request.pk, applicant=case_in_review.applicant
        )


# --- decisions ----------------------------------------------------------------------------------------------
def draft_refusal(case, officer, ground, **overrides):
    fields = {
        "application_id": case.pk,
        "officer": officer,
        "outcome": "refuse",
        "legal_ground_ids": [ground.pk],
        "reasoning": "The documents submitted contain false information.",
        **overrides,
    }
    return services.draft_decision(**fields)


def test_refusal_waits_for_a_senior_officer(
    case_in_review, officer, refusal_ground, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        decision = draft_refusal(case_in_review, officer, refusal_ground)

    case_in_review.refresh_from_db()
    assert decision.state == Decision.State.DRAFT
    assert case_in_review.state == State.DECISION_PENDING
    assert not DecisionLetter.objects.exists() and not callbacks


def test_senior_approval_issues_the_refusal_and_queues_the_letter(
    case_in_review, officer, senior, refusal_ground, django_capture_on_commit_callbacks
):
    draft_refusal(case_in_review, officer, refusal_ground)
    with django_capture_on_commit_callbacks() as callbacks:
        decision = services.approve_decision(application_id=case_in_review.pk, senior=senior)

    case_in_review.refresh_from_db()
    assert decision.state == Decision.State.ISSUED and decision.approved_by == senior
    assert case_in_review.state == State.REFUSED and case_in_review.closed_at is not None
    assert decision.effective_on > timezone.localdate()
    assert decision.contest_until >= decision.effective_on + dt.timedelta(days=30)
    letter = DecisionLetter.objects.get(decision=decision)
    assert len(letter.verification_code) == 16 and not letter.is_ready
    assert len(callbacks) == 1


def test_no_one_approves_their_own_draft_and_case_officers_approve_nothing(
    case_in_review, officer, second_officer, senior, refusal_ground
):
    case_in_review.assigned_officer = senior
    case_in_review.save(update_fields=["assigned_officer"])
    draft_refusal(case_in_review, senior, refusal_ground)

    with pytest.raises(ForbiddenError) as own:
        services.approve_decision(application_id=case_in_review.pk, senior=senior)
    with pytest.raises(ForbiddenError) as junior:
        services.approve_decision(application_id=case_in_review.pk, senior=second_officer)

    assert own.value.code == junior.value.code == "four_eyes"
    case_in_review.refresh_from_db()
    assert case_in_review.state == State.DECISION_PENDING


def test_grant_by_a_case_officer_is_issued_at_once(case_in_review, officer, grant_ground):
    start = timezone.localdate() + dt.timedelta(days=10)
    decision = services.draft_decision(
        application_id=case_in_review.pk,
        officer=officer,
        outcome="grant",
        legal_ground_ids=[grant_ground.pk],
        reasoning="All conditions are met.",
        valid_from=start,
        valid_to=start + dt.timedelta(days=365),
    )
    case_in_review.refresh_from_db()
    assert decision.state == Decision.State.ISSUED and decision.approved_by is None
    assert case_in_review.state == State.GRANTED
    kinds = events(case_in_review)
    assert kinds[-2:] == [ApplicationEvent.Kind.DECISION_DRAFTED, ApplicationEvent.Kind.GRANTED]


def test_grant_waits_where_the_unit_says_so(case_in_review, officer, grant_ground, unit):
    unit.grants_need_approval = True
    unit.save(update_fields=["grants_need_approval"])
    start = timezone.localdate()
    decision = services.draft_decision(
        application_id=case_in_review.pk,
        officer=officer,
        outcome="grant",
        legal_ground_ids=[grant_ground.pk],
        reasoning="All conditions are met.",
        valid_from=start,
        valid_to=start + dt.timedelta(days=365),
    )
    assert decision.state == Decision.State.DRAFT


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"legal_ground_ids": []}, "legal_ground_ids"),
        ({"reasoning": "  "}, "reasoning"),
        ({"outcome": "maybe"}, "outcome"),
        ({"legal_ground_ids": [999999]}, "legal_ground_ids"),
        ({"valid_from": dt.date(2027, 1, 1), "valid_to": dt.date(2028, 1, 1)}, "valid_from"),
    ],
)
def test_bad_decisions_change_nothing(case_in_review, officer, refusal_ground, overrides, field):
    with pytest.raises(DomainError) as caught:
        draft_refusal(case_in_review, officer, refusal_ground, **overrides)
    assert field in caught.value.details
    case_in_review.refresh_from_db()
    assert case_in_review.state == State.IN_REVIEW and not Decision.objects.exists()


def test_grant_validity_must_not_end_before_it_begins(case_in_review, officer, grant_ground, refusal_ground):
    with pytest.raises(DomainError) as caught:
        services.draft_decision(
            application_id=case_in_review.pk,
            officer=officer,
            outcome="grant",
            legal_ground_ids=[grant_ground.pk],
            reasoning="ok",
            valid_from=dt.date(2027, 5, 1),
            valid_to=dt.date(2027, 4, 1),
        )
    assert "valid_to" in caught.value.details
    with pytest.raises(DomainError) as wrong_ground:
        services.draft_decision(
            application_id=case_in_review.pk,
            officer=officer,
            outcome="grant",
            legal_ground_ids=[refusal_ground.pk],
            reasoning="ok",
            valid_from=dt.date(2027, 4, 1),
            valid_to=dt.date(2027, 5, 1),
        )
    assert "legal_ground_ids" in wrong_ground.value.details


def test_deciding_a_case_not_in_review_is_a_conflict(submitted_case, officer, refusal_ground):
    submitted_case.assigned_officer = officer
    submitted_case.save(update_fields=["assigned_officer"])
    with pytest.raises(ConflictError) as caught:
        draft_refusal(submitted_case, officer, refusal_ground)
    assert caught.value.details["state"] == State.SUBMITTED


def test_only_the_handling_officer_drafts(case_in_review, second_officer, refusal_ground):
    with pytest.raises(ForbiddenError):
        draft_refusal(case_in_review, second_officer, refusal_ground)


def test_return_sends_the_case_back_to_review(case_in_review, officer, senior, refusal_ground):
    draft_refusal(case_in_review, officer, refusal_ground)
    with pytest.raises(DomainError):
        services.return_decision(application_id=case_in_review.pk, senior=senior, comment=" ")

    decision = services.return_decision(
        application_id=case_in_review.pk, senior=senior, comment="Check art. 34."
    )

    case_in_review.refresh_from_db()
    assert decision.state == Decision.State.RETURNED and decision.return_comment == "Check art. 34."
    assert case_in_review.state == State.IN_REVIEW
    # A new draft may follow the returned one.
    draft_refusal(case_in_review, officer, refusal_ground)


def test_contest_deadline_moves_past_days_off():
    # Sent Friday 11 December 2026: notified Tuesday 15 December; 30 days later is Thursday 14 January.
    assert services.contest_dates(dt.date(2026, 12, 11)) == (dt.date(2026, 12, 15), dt.date(2027, 1, 14))
    # Sent 27 November 2026 (Friday): notified 1 December; 30 days later is 31 December, a day off in Latvia
    # (the holidays package lists it), so the last day is Monday 4 January 2027.
    effective, last = services.contest_dates(dt.date(2026, 11, 27))
    assert effective == dt.date(2026, 12, 1)
    assert last == dt.date(2027, 1, 4)


def test_officer_approval_cannot_be_reached_by_another_unit(case_in_review, officer, refusal_ground, db):
    draft_refusal(case_in_review, officer, refusal_ground)
    outsider = UserFactory(senior_officer=True)
    with pytest.raises(NotFoundError):
        services.approve_decision(application_id=case_in_review.pk, senior=outsider)
