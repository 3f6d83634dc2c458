"""The letter's e-mail is sent by the worker that stored the letter, right after its commit (no second task), and
still exactly once: when the render task runs twice, and when the first send fails and the outbox retries it."""

from __future__ import annotations

import smtplib
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from decisions import seal, services
from decisions.models import DecisionLetter
from decisions.tasks import render_decision_letter as render_decision_letter_task
from tests.workers.backends import DEFAULT_ERROR, FlakyBackend
from workers.models import Notification
from workers.services import sweep_notification_outbox
from workers.services.notifications import NOT_QUEUED_AFTER, RETRY_AFTER_SECONDS
from workers.tasks.email import send_notification as send_notification_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def flaky_mail(settings):
    """``flaky_mail(1)``: the first send fails with an SMTP error, then mail is delivered (tests/workers)."""
    settings.EMAIL_BACKEND = "tests.workers.backends.FlakyBackend"

    def configure(failures: int, error: Exception | None = None) -> type[FlakyBackend]:
        FlakyBackend.failures, FlakyBackend.calls = failures, 0
        FlakyBackend.error = error or DEFAULT_ERROR
        return FlakyBackend

    yield configure
    FlakyBackend.failures, FlakyBackend.calls, FlakyBackend.error = 0, 0, DEFAULT_ERROR


@pytest.fixture
def issued_refusal(case_in_review, officer, senior, refusal_ground):
    services.draft_decision(
        application_id=case_in_review.pk,
        officer=officer,
        outcome="refuse",
        legal_ground_ids=[refusal_ground.pk],
        reasoning="The employment contract submitted was not signed by the employer.",
    )
    decision = services.approve_decision(application_id=case_in_review.pk, senior=senior)
    seal._signer.cache_clear()
    return DecisionLetter.objects.get(decision=decision)


def _letter_mail() -> Notification:
    return Notification.objects.get(event="decision_issued")


def test_the_render_task_sends_the_letter_mail_itself_after_commit(
    issued_refusal, django_capture_on_commit_callbacks
):
    with (
        mock.patch.object(send_notification_task, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        render_decision_letter_task.apply(args=[issued_refusal.pk])
        assert mail.outbox == []  # nothing leaves before the letter is committed

    notification = _letter_mail()
    assert notification.status == Notification.Status.SENT and notification.attempts == 1
    assert [message.extra_headers["Message-ID"] for message in mail.outbox] == [notification.message_id]
    # Only the survey invitation goes through the send task; the letter's mail took no second task.
    survey = Notification.objects.get(event="survey_invitation")
    delay.assert_called_once_with(survey.pk)


def test_the_render_task_run_twice_sends_the_letter_mail_once(
    issued_refusal, django_capture_on_commit_callbacks
):
    with mock.patch.object(send_notification_task, "delay"):
        for _ in range(2):  # a redelivered task (acks_late) or a retry
            with django_capture_on_commit_callbacks(execute=True):
                render_decision_letter_task.apply(args=[issued_refusal.pk])

    assert Notification.objects.filter(event="decision_issued").count() == 1
    assert len(mail.outbox) == 1
    assert _letter_mail().attempts == 1


def test_a_failed_send_is_left_to_the_outbox_which_sends_it_once(
    issued_refusal, django_capture_on_commit_callbacks, flaky_mail
):
    backend = flaky_mail(1)  # the SMTP server drops the first attempt
    with (
        mock.patch.object(send_notification_task, "delay"),
        mock.patch.object(send_notification_task, "apply_async") as apply_async,
        django_capture_on_commit_callbacks(execute=True),
    ):
        letter = services.render_decision_letter(letter_id=issued_refusal.pk)  # the failure does not raise

    assert letter.is_ready
    notification = _letter_mail()
    assert notification.status == Notification.Status.PENDING and notification.attempts == 1
    assert "SMTPServerDisconnected" in notification.last_error
    assert notification.last_enqueued_at is not None  # queued: the sweep leaves it to the send task for now
    apply_async.assert_called_once_with(args=(notification.pk,), countdown=RETRY_AFTER_SECONDS)
    assert mail.outbox == []

    send_notification_task.apply(args=[notification.pk])  # the queued retry
    send_notification_task.apply(args=[notification.pk])  # and a duplicate delivery of it

    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT and notification.attempts == 2
    assert backend.calls == 2
    assert len(mail.outbox) == 1


def test_a_failed_send_with_the_broker_down_too_is_found_by_the_sweep(
    issued_refusal, django_capture_on_commit_callbacks, flaky_mail
):
    flaky_mail(1, smtplib.SMTPConnectError(421, b"try again later"))
    with (
        mock.patch.object(send_notification_task, "delay", side_effect=OSError("broker down")),
        mock.patch.object(send_notification_task, "apply_async", side_effect=OSError("broker down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.render_decision_letter(letter_id=issued_refusal.pk)

    notification = _letter_mail()
    assert notification.status == Notification.Status.PENDING and notification.last_enqueued_at is None
    with mock.patch.object(send_notification_task, "delay") as delay:
        queued = sweep_notification_outbox(now=timezone.now() + NOT_QUEUED_AFTER * 2)
    assert notification.pk in queued
    assert mock.call(notification.pk) in delay.call_args_list

    send_notification_task.apply(args=[notification.pk])
    assert _letter_mail().status == Notification.Status.SENT
    assert len(mail.outbox) == 1
