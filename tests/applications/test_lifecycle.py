from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from applications import services
from applications.models import Application, ApplicationEvent, ApplicationKind, Purpose
from applications.services.lifecycle import ApplicationFieldsError, ApplicationIncompleteError
from eservice.exceptions import InvalidTransitionError, NotFoundError
from tests.factories import ApplicantProfileFactory, ApplicationFactory, TerritorialUnitFactory
from workers.models import Notification

pytestmark = pytest.mark.django_db
State = Application.State


def test_create_draft_copies_the_profile_and_gets_a_reference(applicant):
    ApplicantProfileFactory(user=applicant, passport_number="AB123456")
    application = services.create_draft(
        applicant=applicant,
        kind=ApplicationKind.objects.get(code="first_trp"),
        purpose=Purpose.objects.get(code="employment"),
    )
    assert application.state == State.DRAFT
    assert application.passport_number == "AB123456"
    assert application.reference == f"TRP-{application.created_at.year}-{application.pk:06d}"
    assert list(application.events.values_list("kind", flat=True)) == ["created"]


def test_create_draft_refuses_a_speed_the_kind_does_not_offer(applicant):
    kind = ApplicationKind.objects.get(code="eu_long_term")
    kind.speeds = ["standard"]
    kind.save()
    with pytest.raises(ApplicationFieldsError) as caught:
        services.create_draft(
            applicant=applicant, kind=kind, purpose=kind.purposes.first(), processing_speed="fastest"
        )
    assert "processing_speed" in caught.value.details
    assert not Application.objects.exists()


def test_submit_refuses_missing_documents_and_lists_them(draft):
    with pytest.raises(ApplicationIncompleteError) as caught:
        services.submit_application(application_id=draft.pk, user=draft.applicant, declaration=True)
    missing = caught.value.details["missing"]
    codes = {item.get("document_type") for item in missing if item["code"] == "missing_document"}
    assert {"passport_copy", "photo", "enrolment_certificate"} <= codes
    assert caught.value.details["state"] == "draft"
    draft.refresh_from_db()
    assert draft.state == State.DRAFT


def test_submit_refuses_a_stale_document(draft, attach_all):
    attach_all(draft)
    from applications.models import ApplicationDocument

    document = ApplicationDocument.objects.get(application=draft, document_type__code="criminal_record")
    ApplicationDocument.objects.filter(pk=document.pk).update(
        issued_on=timezone.localdate() - dt.timedelta(days=400)
    )
    with pytest.raises(ApplicationIncompleteError) as caught:
        services.submit_application(application_id=draft.pk, user=draft.applicant, declaration=True)
    assert [
        m["document_type"] for m in caught.value.details["missing"] if m["code"] == "document_too_old"
    ] == ["criminal_record"]


def test_submit_moves_to_awaiting_payment_with_event_mail_and_pdf_task(
    draft, attach_all, django_capture_on_commit_callbacks, monkeypatch, settings
):
    unit = TerritorialUnitFactory()
    settings.APPLICATIONS_DEFAULT_UNIT_CODE = ""
    services.update_application(application_id=draft.pk, user=draft.applicant, data={"unit": unit.code})
    attach_all(draft)
    queued = []
    monkeypatch.setattr("applications.tasks.render_application_summary.delay", lambda pk: queued.append(pk))
    monkeypatch.setattr("workers.services.notifications.enqueue_notification", lambda pk: True)
    with django_capture_on_commit_callbacks(execute=True):
        application = services.submit_application(
            application_id=draft.pk, user=draft.applicant, declaration=True
        )
    assert application.state == State.AWAITING_PAYMENT
    assert application.unit == unit  # the unit the applicant chose, not the default one
    assert application.decision_due_on > timezone.localdate()
    assert queued == [draft.pk]
    assert ApplicationEvent.objects.filter(application=draft, kind="submitted").count() == 1
    assert Notification.objects.filter(recipient=draft.applicant, event="application_submitted").count() == 1


def test_submit_of_someone_elses_application_is_not_found(draft, other_applicant):
    with pytest.raises(NotFoundError):
        services.submit_application(application_id=draft.pk, user=other_applicant, declaration=True)


@pytest.mark.parametrize("state", [s for s in State.values if s != "draft"])
def test_submit_from_any_other_state_is_an_invalid_transition(state, applicant):
    application = ApplicationFactory(applicant=applicant, complete=True, state=state)
    with pytest.raises(InvalidTransitionError) as caught:
        services.submit_application(application_id=application.pk, user=applicant, declaration=True)
    assert caught.value.details["state"] == state


WITHDRAWABLE = ["draft", "awaiting_payment", "submitted", "in_review", "awaiting_applicant"]


@pytest.mark.parametrize("state", State.values)
def test_withdraw_is_allowed_exactly_from_open_states(state, applicant):
    application = ApplicationFactory(applicant=applicant, complete=True, state=state)
    if state in WITHDRAWABLE:
        result = services.withdraw_application(application_id=application.pk, user=applicant, reason="moved")
        assert result.state == State.WITHDRAWN
        assert result.events.get(kind="withdrawn").data == {"from_state": state, "reason": "moved"}
        sent = Notification.objects.filter(event="application_withdrawn").count()
        assert sent == (0 if state == "draft" else 1)
    else:
        with pytest.raises(InvalidTransitionError) as caught:
            services.withdraw_application(application_id=application.pk, user=applicant)
        assert caught.value.details["state"] == state
        assert "withdraw" not in caught.value.details["allowed_actions"]


@pytest.mark.parametrize("state", State.values)
def test_model_transitions_follow_the_machine(state):
    legal = {
        "submit": {"draft"},
        "mark_paid": {"awaiting_payment"},
        "withdraw": set(WITHDRAWABLE),
        "expire": {"draft"},
    }
    for name, sources in legal.items():
        application = Application(state=state, kind_id=1, purpose_id=1)
        method = getattr(application, name)
        if state in sources:
            if name == "submit":
                continue  # conditions need a filled form: covered by the service tests
            method()
        else:
            with pytest.raises(TransitionNotAllowed):
                method()


def test_a_stale_copy_cannot_overwrite_a_transition(applicant):
    """The optimistic check: the second of two copies read before a transition fails to save."""
    application = ApplicationFactory(applicant=applicant, awaiting_payment=True)
    first = Application.objects.get(pk=application.pk)
    second = Application.objects.get(pk=application.pk)
    first.mark_paid()
    first.save(update_fields=["state", "paid_at"])
    second.withdraw()
    with pytest.raises(ConcurrentTransition), transaction.atomic():
        second.save(update_fields=["state", "closed_at"])
    assert Application.objects.get(pk=application.pk).state == State.SUBMITTED


def test_state_cannot_be_assigned_directly(applicant):
    application = ApplicationFactory(applicant=applicant)
    with pytest.raises(AttributeError):
        application.state = State.GRANTED


def test_update_checks_passport_validity_beyond_the_stay(draft):
    with pytest.raises(ApplicationFieldsError) as caught:
        services.update_application(
            application_id=draft.pk,
            user=draft.applicant,
            data={"passport_valid_until": draft.stay_to - dt.timedelta(days=1)},
        )
    assert "passport_valid_until" in caught.value.details


def test_update_refuses_after_submission(applicant):
    application = ApplicationFactory(applicant=applicant, awaiting_payment=True)
    with pytest.raises(InvalidTransitionError):
        services.update_application(application_id=application.pk, user=applicant, data={"first_name": "X"})


def test_draft_expiry_warns_then_expires(applicant, monkeypatch):
    monkeypatch.setattr("workers.services.notifications.enqueue_notification", lambda pk: True)
    old = timezone.now() - dt.timedelta(days=80)
    stale = ApplicationFactory(applicant=applicant, last_activity_at=old)
    fresh = ApplicationFactory(applicant=applicant)
    submitted = ApplicationFactory(applicant=applicant, awaiting_payment=True, last_activity_at=old)

    assert services.send_draft_expiry_warnings() == [stale.pk]
    assert services.send_draft_expiry_warnings() == []  # once per period of inactivity
    assert services.expire_stale_drafts() == []  # not yet 90 days

    later = timezone.now() + dt.timedelta(days=15)
    assert services.expire_stale_drafts(now=later) == [stale.pk]
    stale.refresh_from_db()
    fresh.refresh_from_db()
    submitted.refresh_from_db()
    assert (stale.state, fresh.state, submitted.state) == (State.EXPIRED, State.DRAFT, State.AWAITING_PAYMENT)
    assert list(stale.events.values_list("kind", flat=True)) == ["expiry_warning", "expired"]
    assert Notification.objects.filter(event="draft_expiry_warning").count() == 1
    assert Notification.objects.filter(event="draft_expired").count() == 1


def test_saving_a_draft_resets_the_expiry_clock(applicant):
    old = timezone.now() - dt.timedelta(days=80)
    stale = ApplicationFactory(applicant=applicant, last_activity_at=old)
    services.send_draft_expiry_warnings()
    services.update_application(application_id=stale.pk, user=applicant, data={"first_name": "Olga"})
    assert services.expire_stale_drafts(now=timezone.now() + dt.timedelta(days=30)) == []
