from __future__ import annotations

import smtplib
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.db import InterfaceError, OperationalError, transaction
from django.template import TemplateDoesNotExist
from django.utils import timezone

from tests.factories import UserFactory
from workers.models import Notification
from workers.schedule import BEAT_SCHEDULE
from workers.services import absolute_url, notify, send_notification, sweep_notification_outbox
from workers.services.notifications import CLAIM_TIMEOUT, MAX_ATTEMPTS, NOT_QUEUED_AFTER, STUCK_AFTER
from workers.tasks.email import send_notification as send_notification_task

# The language checks read freshly compiled catalogues, so they need no `make` step first.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("translated")]

VERIFY_URL = "https://eservice.example.lv/verify-email/?token=abc123"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://eservice.example.lv"


def _notify_and_send(recipient, event="verify_email", context=None, actor=None) -> Notification:
    notification = notify(
        recipient=recipient, event=event, context=context or {"verification_url": VERIFY_URL}, actor=actor
    )
    send_notification(notification_id=notification.pk)
    notification.refresh_from_db()
    return notification


def _html(message) -> str:
    return next(content for content, mimetype in message.alternatives if mimetype == "text/html")


# --- notify() and the outbox row ----------------------------------------------------------------------------


def test_notify_writes_a_pending_row_and_queues_the_send_after_commit(
    applicant, django_capture_on_commit_callbacks
):
    with (
        mock.patch.object(send_notification_task, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        notification = notify(
            recipient=applicant, event="verify_email", context={"verification_url": VERIFY_URL}
        )
        assert delay.call_count == 0  # nothing crosses the broker before commit
    assert len(callbacks) == 1
    delay.assert_called_once_with(notification.pk)
    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING
    assert notification.context == {"verification_url": VERIFY_URL}
    assert notification.attempts == 0


def test_notify_rolls_back_with_the_callers_transaction(applicant):
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(recipient=applicant, event="verify_email", context={"verification_url": VERIFY_URL})
        raise RuntimeError("the change it announces failed")
    assert not Notification.objects.exists()


def test_notify_refuses_an_unknown_event(applicant):
    with pytest.raises(TemplateDoesNotExist):
        notify(recipient=applicant, event="no_such_event", context={})
    assert not Notification.objects.exists()


@pytest.mark.parametrize("event", ["../base", "Verify_Email", "verify-email", ""])
def test_notify_refuses_an_event_that_is_not_a_template_name(applicant, event):
    with pytest.raises(ValueError, match="event"):
        notify(recipient=applicant, event=event, context={"verification_url": VERIFY_URL})
    assert not Notification.objects.exists()


def test_notify_refuses_a_context_missing_what_the_event_needs(applicant):
    with pytest.raises(ValueError, match="verification_url"):
        notify(recipient=applicant, event="verify_email", context={"url": VERIFY_URL})
    assert not Notification.objects.exists()


def test_notify_refuses_a_context_that_is_not_json(applicant):
    with pytest.raises(TypeError, match="JSON-serialisable"):
        notify(
            recipient=applicant,
            event="verify_email",
            context={"verification_url": VERIFY_URL, "when": timezone.now()},
        )
    assert not Notification.objects.exists()


def test_broker_down_at_commit_does_not_fail_the_caller_and_leaves_the_row_pending(
    applicant, django_capture_on_commit_callbacks
):
    with (
        mock.patch.object(send_notification_task, "delay", side_effect=ConnectionRefusedError("broker down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notification = notify(
            recipient=applicant, event="verify_email", context={"verification_url": VERIFY_URL}
        )
    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING
    assert mail.outbox == []


# --- rendering: language, greeting, signature, links --------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "subject", "greeting", "body"),
    [
        (
            "lv",
            "Apstipriniet savu e-pasta adresi",
            "Labdien, Anna Bērziņa!",
            "apstiprinātu savu e-pasta adresi",
        ),
        ("en", "Confirm your e-mail address", "Dear Anna Bērziņa,", "Please confirm your e-mail address"),
        ("ru", "Подтвердите адрес электронной почты", "Здравствуйте, Anna Bērziņa!", "подтвердите адрес"),
    ],
)
def test_email_is_written_in_the_recipients_language(language, subject, greeting, body):
    recipient = UserFactory(preferred_language=language)
    notification = _notify_and_send(recipient)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == subject
    assert message.body.startswith(greeting)
    assert body in message.body
    assert body in _html(message)
    assert f'lang="{language}"' in _html(message)
    assert message.extra_headers["Content-Language"] == language
    assert notification.language == language


def test_signature_names_the_acting_officer(applicant, case_officer):
    _notify_and_send(applicant, event="status_changed", context=_status_context(), actor=case_officer)

    message = mail.outbox[0]
    for text in (message.body, _html(message)):
        assert case_officer.get_full_name() in text
        assert case_officer.unit.name in text
        assert case_officer.position in text
        assert case_officer.work_phone in text


def test_signature_names_the_office_when_no_officer_acted(settings):
    recipient = UserFactory(preferred_language="lv")
    _notify_and_send(recipient)

    body = mail.outbox[0].body
    signature = body.split("Ar cieņu,")[1]
    assert "Pilsonības un migrācijas lietu pārvalde" in signature
    assert settings.OFFICE_INFO_PHONE in signature


def test_signature_ignores_an_actor_who_is_not_an_officer(applicant, settings):
    not_an_officer = UserFactory(first_name="Pēteris", last_name="Kalniņš")
    _notify_and_send(applicant, actor=not_an_officer)

    signature = mail.outbox[0].body.split("Ar cieņu,")[1]
    assert "Pēteris Kalniņš" not in signature
    assert "Pilsonības un migrācijas lietu pārvalde" in signature
    assert settings.OFFICE_INFO_PHONE in signature


def test_links_in_emails_are_absolute(applicant):
    _notify_and_send(applicant)

    message = mail.outbox[0]
    assert VERIFY_URL in message.body
    assert f'href="{VERIFY_URL}"' in _html(message)


def test_absolute_url_uses_the_site_url():
    assert absolute_url("/applications/7/") == "https://eservice.example.lv/applications/7/"


@pytest.mark.parametrize("path", ["applications/7/", "//evil.example/", "https://evil.example/"])
def test_absolute_url_refuses_what_is_not_a_site_path(path):
    with pytest.raises(ValueError):
        absolute_url(path)


def _status_context() -> dict:
    return {
        "reference": "PMLP-2026-000042",
        "status_label": "Sent",
        "url": absolute_url("/applications/42/"),
        "message": "We have received your answer.",
    }


def test_status_changed_email_carries_reference_status_and_link():
    recipient = UserFactory(preferred_language="lv")
    _notify_and_send(recipient, event="status_changed", context=_status_context())

    message = mail.outbox[0]
    assert message.subject == "Iesniegums PMLP-2026-000042: statuss mainīts"
    # The status label is translated at send time (here a label from this app's own catalogue).
    assert "Iesnieguma PMLP-2026-000042 statuss ir mainīts uz: Nosūtīts." in message.body
    assert "https://eservice.example.lv/applications/42/" in message.body
    assert 'href="https://eservice.example.lv/applications/42/"' in _html(message)


def test_html_email_escapes_context_values(applicant):
    context = {**_status_context(), "message": "<script>alert(1)</script>"}
    _notify_and_send(applicant, event="status_changed", context=context)

    assert "<script>" not in _html(mail.outbox[0])
    assert "&lt;script&gt;" in _html(mail.outbox[0])
    assert "<script>alert(1)</script>" in mail.outbox[0].body  # plain text is not HTML-escaped


def test_message_id_is_stable_per_row(applicant, flaky_mail):
    flaky_mail(1)
    notification = notify(recipient=applicant, event="verify_email", context={"verification_url": VERIFY_URL})
    send_notification_task.apply(args=[notification.pk])

    assert mail.outbox[0].extra_headers["Message-ID"] == notification.message_id
    assert notification.message_id.startswith(f"<notification-{notification.uuid}@")
    assert mail.outbox[0].message()["Message-ID"] == notification.message_id


# --- sending: idempotency, retries, final state -------------------------------------------------------------


def test_task_run_twice_sends_one_email(applicant):
    notification = notify(recipient=applicant, event="verify_email", context={"verification_url": VERIFY_URL})

    send_notification_task.apply(args=[notification.pk])
    send_notification_task.apply(args=[notification.pk])

    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert notification.attempts == 1
    assert notification.sent_to == applicant.email
    assert notification.sent_at is not None


def test_a_row_another_worker_is_sending_is_left_alone(applicant):
    notification = notify(recipient=applicant, event="verify_email", context={"verification_url": VERIFY_URL})
    Notification.objects.filter(pk=notification.pk).update(
        status=Notification.Status.SENDING, claimed_at=timezone.now(), attempts=1
    )

    assert send_notification(notification_id=notification.pk) is None
    assert mail.outbox == []


def test_smtp_failure_is_retried_then_delivered(applicant, flaky_mail):
    backend = flaky_mail(2)
    notification = notify(recipient=applicant, event="verify_email", context={"verification_url": VERIFY_URL})

    send_notification_task.apply(args=[notification.pk])  # eager: Celery runs the retries at once

    assert backend.calls == 3
    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert notification.attempts == 3
    assert notification.last_error == ""


def test_smtp_failure_leaves_the_row_pending_with_the_error(applicant, flaky_mail):
    flaky_mail(1)
    notification = notify(recipient=applicant, event="verify_email", context={"verification_url": VERIFY_URL})

    with pytest.raises(smtplib.SMTPServerDisconnected):
        send_notification(notification_id=notification.pk)

    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING
    assert notification.attempts == 1
    assert "SMTPServerDisconnected" in notification.last_error
    assert notification.last_enqueued_at is not None


def test_send_task_retries_smtp_and_database_errors_with_backoff_and_jitter():
    assert send_notification_task.autoretry_for == (
        smtplib.SMTPException,
        OSError,
        OperationalError,
        InterfaceError,
    )
    assert send_notification_task.retry_backoff is True
    assert send_notification_task.retry_jitter is True
    assert send_notification_task.max_retries == MAX_ATTEMPTS - 1


def test_last_attempt_failure_marks_the_row_failed(applicant, flaky_mail):
    flaky_mail(1)
    notification = notify(recipient=applicant, event="verify_email", context={"verification_url": VERIFY_URL})
    Notification.objects.filter(pk=notification.pk).update(attempts=MAX_ATTEMPTS - 1)

    result = send_notification(notification_id=notification.pk)

    assert result.status == Notification.Status.FAILED
    assert result.attempts == MAX_ATTEMPTS
    send_notification(notification_id=notification.pk)  # a failed row is not tried again by a late task
    assert mail.outbox == []


def test_permanent_smtp_refusal_fails_at_once_without_retry(applicant, flaky_mail):
    backend = flaky_mail(5, smtplib.SMTPRecipientsRefused({applicant.email: (550, b"No such user")}))
    notification = notify(recipient=applicant, event="verify_email", context={"verification_url": VERIFY_URL})

    send_notification_task.apply(args=[notification.pk])

    assert backend.calls == 1
    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert "SMTPRecipientsRefused" in notification.last_error


# --- the sweep -----------------------------------------------------------------------------------------------


def _pending(recipient, *, age: timedelta) -> Notification:
    notification = notify(recipient=recipient, event="verify_email", context={"verification_url": VERIFY_URL})
    Notification.objects.filter(pk=notification.pk).update(created_at=timezone.now() - age)
    return notification


def test_sweep_requeues_rows_stuck_in_pending(applicant):
    stuck = _pending(applicant, age=STUCK_AFTER + timedelta(minutes=1))
    fresh = _pending(applicant, age=timedelta(minutes=1))  # queued a minute ago: a worker has it in its queue
    Notification.objects.filter(pk=fresh.pk).update(last_enqueued_at=timezone.now() - timedelta(minutes=1))
    sent = _pending(applicant, age=STUCK_AFTER * 3)
    Notification.objects.filter(pk=sent.pk).update(status=Notification.Status.SENT)

    with mock.patch.object(send_notification_task, "delay") as delay:
        queued = sweep_notification_outbox()

    assert queued == [stuck.pk]
    delay.assert_called_once_with(stuck.pk)
    stuck.refresh_from_db()
    assert stuck.last_enqueued_at is not None
    assert fresh.pk not in queued


def test_sweep_does_not_requeue_a_row_it_just_queued(applicant):
    _pending(applicant, age=STUCK_AFTER * 2)
    with mock.patch.object(send_notification_task, "delay"):
        assert len(sweep_notification_outbox()) == 1
        assert sweep_notification_outbox() == []


def test_swept_row_is_delivered_by_the_task(applicant):
    stuck = _pending(applicant, age=STUCK_AFTER * 2)
    with mock.patch.object(
        send_notification_task, "delay", side_effect=lambda pk: send_notification_task.apply([pk])
    ):
        sweep_notification_outbox()

    assert len(mail.outbox) == 1
    stuck.refresh_from_db()
    assert stuck.status == Notification.Status.SENT


def test_sweep_releases_claims_of_dead_workers(applicant):
    notification = _pending(applicant, age=timedelta(minutes=1))
    Notification.objects.filter(pk=notification.pk).update(
        status=Notification.Status.SENDING, claimed_at=timezone.now() - CLAIM_TIMEOUT - timedelta(seconds=1)
    )

    with mock.patch.object(send_notification_task, "delay") as delay:
        assert sweep_notification_outbox() == [notification.pk]

    delay.assert_called_once_with(notification.pk)
    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING


def test_sweep_with_the_broker_still_down_keeps_rows_pending(applicant):
    stuck = _pending(applicant, age=STUCK_AFTER * 2)
    with mock.patch.object(send_notification_task, "delay", side_effect=ConnectionRefusedError("down")):
        assert sweep_notification_outbox() == []

    stuck.refresh_from_db()
    assert stuck.status == Notification.Status.PENDING
    assert stuck.last_enqueued_at is None  # the next sweep picks it up again


def test_a_row_the_broker_took_is_marked_queued(applicant, django_capture_on_commit_callbacks):
    with (
        mock.patch.object(send_notification_task, "delay"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notification = notify(
            recipient=applicant, event="verify_email", context={"verification_url": VERIFY_URL}
        )

    notification.refresh_from_db()
    assert notification.last_enqueued_at is not None


@pytest.mark.parametrize("first_sweep_after", [0, 1, 29, 31, 59])
def test_a_mail_the_broker_refused_at_commit_goes_out_within_two_minutes_of_its_return(
    applicant, django_capture_on_commit_callbacks, first_sweep_after
):
    """The broker is down at commit and back at once; beat runs the sweep on its schedule, the first one
    ``first_sweep_after`` seconds after the commit. The send task must be queued within 2 minutes."""
    interval = timedelta(seconds=BEAT_SCHEDULE["sweep-notification-outbox"]["schedule"])
    committed = timezone.now()
    with (
        time_machine.travel(committed, tick=False),
        mock.patch.object(send_notification_task, "delay", side_effect=ConnectionRefusedError("broker down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notification = notify(
            recipient=applicant, event="verify_email", context={"verification_url": VERIFY_URL}
        )
    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING
    assert notification.last_enqueued_at is None

    sweep_at = committed + timedelta(seconds=first_sweep_after)
    with mock.patch.object(send_notification_task, "delay") as delay:
        while not delay.called:
            assert sweep_at - committed <= timedelta(minutes=2), (
                "the mail is still not queued after 2 minutes"
            )
            with time_machine.travel(sweep_at, tick=False):
                sweep_notification_outbox()
            sweep_at += interval

    delay.assert_called_once_with(notification.pk)
    assert interval > NOT_QUEUED_AFTER  # a row is never older than the grace for more than one sweep
