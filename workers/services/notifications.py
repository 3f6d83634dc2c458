"""The notification outbox: write a row with the change it announces, send it after commit, never twice.

A row moves ``pending`` → ``sending`` → ``sent``. Claiming it (``sending``) happens under a row lock and is
committed before the SMTP conversation, so a duplicate delivery of the task (``acks_late``, a sweep that queued it
again) finds the claim and leaves the row alone. A worker that dies mid-send leaves the claim behind; the sweep
gives such a row back to ``pending`` once the claim is older than any task may run, so mail is delayed but never
lost (at worst a message the server had already accepted goes out again, carrying the same Message-ID).
"""

from __future__ import annotations

import json
import logging
import re
import smtplib
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation
from django.utils.module_loading import import_string

from workers.models import Notification
from workers.queueing import enqueue, get_task

if TYPE_CHECKING:  # workers/ imports no domain app; the recipient is settings.AUTH_USER_MODEL
    from identity.models import User

logger = logging.getLogger(__name__)

# Attempts before a row is given up as failed; the task's max_retries is one less.
MAX_ATTEMPTS = 8
# A pending row the broker took but no worker finished for this long is stuck (a lost message).
STUCK_AFTER = timedelta(minutes=10)
# A pending row the broker never took (down at commit, or the process died before its on-commit hook ran) is
# picked up by the first sweep once it is this old: the grace only covers the on-commit hook recording itself.
# With the sweep every minute (workers/schedule.py), such a mail goes out within 2 minutes of the broker's return.
NOT_QUEUED_AFTER = timedelta(seconds=30)
# A claim older than this belongs to a worker that died: longer than the hard task time limit.
CLAIM_TIMEOUT = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT * 2)


# What each event's templates need in ``context`` (checked by notify()); add a line with every new event.
# ``status_label`` is an untranslated (English source) label, translated at send time in the recipient's language.
REQUIRED_CONTEXT: dict[str, frozenset[str]] = {
    "verify_email": frozenset({"verification_url"}),
    "password_reset": frozenset({"reset_url"}),
    "account_exists": frozenset({"sign_in_url", "reset_url"}),
    "status_changed": frozenset({"reference", "status_label", "url"}),  # optional: "message"
    "case_message_received": frozenset({"reference", "url", "assigned", "attachments"}),
    "case_message_answered": frozenset({"reference", "url", "message"}),
    "survey_invitation": frozenset({"reference", "occasion", "url"}),
    "complaint_received": frozenset({"reference", "url", "received_on", "answer_due_on"}),
    "complaint_decided": frozenset(
        {
            "reference",
            "url",
            "outcome",
            "reasoning",
            "effective_on",
            "court_until",
            "verification_code",
            "verify_url",
        }
    ),
    "error_apology": frozenset({"reference", "url", "what_was_wrong", "what_is_done", "correction"}),
    "data_export_ready": frozenset({"url", "expires_on", "expires_time"}),
    "renewal_invitation": frozenset({"reference", "valid_to", "url"}),
    "counter_application_claimed": frozenset({"reference", "url"}),
    "family_invitation": frozenset({"reference", "representative_name", "url"}),
    "family_invitation_accepted": frozenset({"reference", "person_name", "url"}),
    **dict.fromkeys(
        (
            "visit_booked",
            "visit_rescheduled",
            "visit_cancelled",
            "visit_cancelled_by_office",  # optional: "reason"
            "visit_missed",
            "visit_reminder",
        ),
        frozenset({"date", "time", "unit_name", "unit_address", "people", "references", "url"}),
    ),
}


def absolute_url(path: str) -> str:
    """An absolute link for e-mails and PDFs: ``/verify-email/?t=…`` → ``https://<site>/verify-email/?t=…``."""
    if not path.startswith("/") or path.startswith("//"):
        raise ValueError(f"absolute_url() takes a path starting with one '/', got {path!r}")
    return f"{settings.SITE_URL}{path}"


def template_names(event: str) -> tuple[str, str, str]:
    """The subject, plain-text and HTML templates of an event."""
    return (f"email/{event}.subject.txt", f"email/{event}.txt", f"email/{event}.html")


def is_deliverable(address: str) -> bool:
    """False for an address under the reserved ``.invalid`` domain (RFC 2606): placeholder accounts (an
    application made at a counter before its person claims it) carry one, and no mail may go there."""
    return not address.lower().rstrip(".").endswith(".invalid")


def notify(
    *,
    recipient: User,
    event: str,
    context: dict[str, Any],
    actor: User | None = None,
    attachments: list[dict[str, Any]] | None = None,
    send_here: bool = False,
) -> Notification | None:
    """Write an e-mail to the outbox in the caller's transaction; it is sent after commit.

    ``event`` names the templates ``templates/email/<event>.subject.txt|.txt|.html``; ``context`` holds
    JSON-serialisable values only (ids, strings, ISO dates, absolute URLs), rendered at send time in the
    recipient's preferred language. ``actor``: the officer who acted, named in the signature.
    ``attachments``: ``[{"builder": "<app>.<module>.<function>", "kwargs": {...}}]``, each builder listed in
    ``settings.NOTIFICATION_ATTACHMENT_BUILDERS`` and called at send time, returning (filename, bytes, mimetype).
    ``send_here``: the caller is a worker task; after commit, this process sends the row itself
    (``send_after_commit``) instead of queueing the send task, saving a broker round trip and a task.
    Returns None (and writes nothing) for a recipient whose address is undeliverable (``is_deliverable``).
    """
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,79}", event):
        raise ValueError(f"notify() event must be a template name like 'status_changed', got {event!r}")
    for name in template_names(event):
        get_template(name)  # fail in the caller, not in a worker hours later
    missing = REQUIRED_CONTEXT.get(event, frozenset()) - context.keys()
    if missing:
        raise ValueError(f"notify() event {event!r} needs context keys {sorted(missing)}")
    try:
        json.dumps(context)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"notify() context must be JSON-serialisable: {exc}") from exc
    for attachment in attachments or ():
        if attachment.get("builder") not in settings.NOTIFICATION_ATTACHMENT_BUILDERS:
            raise ValueError(f"notify() attachment builder must be listed in settings, got {attachment!r}")
    try:
        json.dumps(attachments or [])
    except (TypeError, ValueError) as exc:
        raise TypeError(f"notify() attachments must be JSON-serialisable: {exc}") from exc

    if not is_deliverable(recipient.email):
        logger.info("notification.undeliverable recipient=%s event=%s", recipient.pk, event)
        return None
    notification = Notification.objects.create(
        recipient=recipient, actor=actor, event=event, context=context, attachments=attachments or []
    )
    if send_here:
        transaction.on_commit(partial(send_after_commit, notification.pk), robust=True)
    else:
        transaction.on_commit(partial(enqueue_notification, notification.pk))
    logger.info("notification.queued id=%s event=%s", notification.pk, event)
    return notification


SEND_TASK = "workers.tasks.email.send_notification"
# A send made here (``send_after_commit``) that failed is retried by the send task after this long: the first
# step of the task's own retry backoff.
RETRY_AFTER_SECONDS = 1


def enqueue_notification(notification_id: int, *, countdown: int | None = None) -> bool:
    """Queue the send task. A broker outage must not fail the caller's (already committed) request: the row
    stays pending, marked as never queued, and the next sweep queues it. Returns whether the broker took it."""
    queued = enqueue(SEND_TASK, notification_id, countdown=countdown)
    Notification.objects.filter(pk=notification_id, status=Notification.Status.PENDING).update(
        last_enqueued_at=timezone.now() if queued else None
    )
    return queued


def _signature(actor: User | None) -> dict[str, str]:
    if actor is not None and actor.is_officer:
        return {
            "name": actor.get_full_name(),
            "unit": actor.unit.name if actor.unit_id else "",
            "position": actor.position,
            "phone": actor.work_phone,
        }
    return {
        "name": str(settings.OFFICE_NAME),
        "unit": "",
        "position": "",
        "phone": settings.OFFICE_INFO_PHONE,
    }


def build_message(notification: Notification) -> EmailMultiAlternatives:
    """Render a notification in its recipient's language: subject, plain text and HTML."""
    recipient = notification.recipient
    language = recipient.preferred_language or settings.LANGUAGE_CODE
    subject_name, text_name, html_name = template_names(notification.event)
    with translation.override(language):
        context = {
            **notification.context,
            # Names are self-declared: an address nobody has confirmed yet is greeted without one.
            "recipient_name": recipient.get_full_name() if recipient.email_verified else "",
            "signature": _signature(notification.actor),
            "site_url": settings.SITE_URL,
            "office_name": str(settings.OFFICE_NAME),
            "office_phone": settings.OFFICE_INFO_PHONE,
            "office_email": settings.OFFICE_EMAIL,
        }
        subject = " ".join(render_to_string(subject_name, context).split())
        text = render_to_string(text_name, context)
        html = render_to_string(html_name, context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        headers={"Message-ID": notification.message_id, "Content-Language": language},
    )
    message.attach_alternative(html, "text/html")
    for attachment in notification.attachments or ():
        # A domain app's builder, named by a string: workers/ imports no domain app itself.
        build = import_string(attachment["builder"])
        with translation.override(language):
            filename, content, mimetype = build(**attachment.get("kwargs", {}))
        message.attach(filename, content, mimetype)
    return message


def _claim(notification_id: int) -> Notification | None:
    """Lock the row and mark it ``sending``; None when it is sent, failed, or another worker holds it."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient", "actor__unit")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None:
            logger.warning("notification.missing id=%s", notification_id)
            return None
        if notification.status in (Notification.Status.SENT, Notification.Status.FAILED):
            logger.info("notification.skip id=%s status=%s", notification.pk, notification.status)
            return None
        now = timezone.now()
        if (
            notification.status == Notification.Status.SENDING
            and notification.claimed_at > now - CLAIM_TIMEOUT
        ):
            logger.info("notification.in_flight id=%s", notification.pk)
            return None
        notification.status = Notification.Status.SENDING
        notification.claimed_at = now
        notification.attempts += 1
        notification.save(update_fields=["status", "claimed_at", "attempts"])
        return notification


def _is_permanent(exc: Exception) -> bool:
    """A 5xx answer (or every recipient refused) will not change on a retry."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return True
    return isinstance(exc, smtplib.SMTPResponseException) and 500 <= exc.smtp_code < 600


# Context values that work as a key to someone's account (a verification or password-reset link) until used:
# the admin never shows them, and a sent row keeps no copy.
SECRET_CONTEXT_KEYS = frozenset({"verification_url", "reset_url"})


def without_secrets(context: dict[str, Any]) -> dict[str, Any]:
    return {key: ("•••" if key in SECRET_CONTEXT_KEYS else value) for key, value in context.items()}


def _record(notification_id: int, **fields: Any) -> None:
    with transaction.atomic():
        Notification.objects.select_for_update().filter(pk=notification_id).update(**fields)


def send_notification(*, notification_id: int) -> Notification | None:
    """Send one outbox row unless it was sent already. Re-raises transient SMTP errors for the task to retry.

    Returns the row as it ends up, or None when there was nothing to do (already sent, failed, or in flight).
    """
    notification = _claim(notification_id)
    if notification is None:
        return None
    try:
        message = build_message(notification)
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        final = _is_permanent(exc) or notification.attempts >= MAX_ATTEMPTS
        status = Notification.Status.FAILED if final else Notification.Status.PENDING
        # A queued retry counts as queued: the sweep leaves the row to it for a while.
        _record(notification.pk, status=status, last_error=error, last_enqueued_at=timezone.now())
        logger.warning(
            "notification.send_error id=%s attempt=%s final=%s error=%s",
            notification.pk,
            notification.attempts,
            final,
            type(exc).__name__,
        )
        if final:
            notification.refresh_from_db()
            return notification
        raise
    except Exception as exc:
        # A template or data error: retrying cannot help. Record it so it shows in the admin.
        _record(notification.pk, status=Notification.Status.FAILED, last_error=f"{type(exc).__name__}: {exc}")
        logger.exception("notification.render_error id=%s", notification.pk)
        raise
    _record(
        notification.pk,
        status=Notification.Status.SENT,
        sent_at=timezone.now(),
        sent_to=notification.recipient.email,
        language=notification.recipient.preferred_language,
        last_error="",
        context=without_secrets(notification.context or {}),
    )
    logger.info("notification.sent id=%s attempt=%s", notification.pk, notification.attempts)
    notification.refresh_from_db()
    return notification


def send_after_commit(notification_id: int) -> None:
    """Send a row from the worker that wrote it, right after its commit (``notify(send_here=True)``).

    The same ``send_notification`` as the send task, so the same claim under a row lock: a sweep or a duplicate
    delivery cannot send it twice. When it fails (SMTP or database trouble), the row is left to the outbox's
    usual path: the send task is queued to retry it with backoff, and if the broker is down as well, the sweep
    finds a row never queued. Never raises: the caller's work is already committed.
    """
    try:
        send_notification(notification_id=notification_id)
    except Exception as exc:
        logger.warning(
            "notification.send_here_failed id=%s error=%s; queued for retry",
            notification_id,
            type(exc).__name__,
        )
        enqueue_notification(notification_id, countdown=RETRY_AFTER_SECONDS)


def sweep_notification_outbox(*, now: Any = None) -> list[int]:
    """Queue again the rows stuck in pending, and the claims of workers that died. Returns the ids queued."""
    send_notification_task = get_task(SEND_TASK)
    now = now or timezone.now()
    with transaction.atomic():
        abandoned = Notification.objects.select_for_update(skip_locked=True).filter(
            status=Notification.Status.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT
        )
        abandoned_ids = list(abandoned.values_list("pk", flat=True))
        if abandoned_ids:
            Notification.objects.filter(pk__in=abandoned_ids).update(status=Notification.Status.PENDING)
            logger.warning("notification.claims_released ids=%s", abandoned_ids)
    stuck_ids = list(
        Notification.objects.annotate(queued=Coalesce("last_enqueued_at", "created_at"))
        .filter(
            Q(last_enqueued_at__isnull=True, created_at__lt=now - NOT_QUEUED_AFTER)
            | Q(queued__lt=now - STUCK_AFTER)
            | Q(pk__in=abandoned_ids),
            status=Notification.Status.PENDING,
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:1000]
    )
    queued = []
    for notification_id in stuck_ids:
        try:
            send_notification_task.delay(notification_id)
        except Exception:
            # The broker is still down: the row stays pending and the next sweep tries again.
            logger.warning("notification.requeue_failed id=%s", notification_id)
            break
        Notification.objects.filter(pk=notification_id).update(last_enqueued_at=timezone.now())
        queued.append(notification_id)
    if queued:
        logger.info("notification.requeued count=%s", len(queued))
    return queued


@transaction.atomic
def requeue_notification(*, notification_id: int) -> Notification:
    """Give a failed row another round of attempts (admin action), sent after commit."""

    notification = Notification.objects.select_for_update().get(pk=notification_id)
    if notification.status == Notification.Status.FAILED:
        notification.status = Notification.Status.PENDING
        notification.attempts = 0
        notification.last_enqueued_at = timezone.now()
        notification.save(update_fields=["status", "attempts", "last_enqueued_at"])
        transaction.on_commit(partial(enqueue_notification, notification.pk))
    return notification
