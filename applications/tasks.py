"""Celery tasks of the applications app: load by id, call one service. Each task names its queue."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from applications import services
from applications.appointments import services as appointments
from applications.services import counter, registration


@shared_task(
    queue="pdf", acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5
)
def render_application_summary(application_id: int) -> int | None:
    """Render a submitted application's summary PDF. Idempotent: a second run changes nothing."""
    document = services.render_application_summary(application_id=application_id)
    return document.pk if document is not None else None


@shared_task(queue="default", acks_late=True)
def expire_drafts() -> dict[str, int]:
    """Warn owners of drafts about to expire, then expire the drafts whose notice ran out (beat, daily)."""
    warned = services.send_draft_expiry_warnings()
    expired = services.expire_stale_drafts()
    return {"warned": len(warned), "expired": len(expired)}


@shared_task(queue="default", acks_late=True)
def generate_visit_slots() -> int:
    """Create the units' visit slots up to the horizon (beat, daily); a second run creates nothing."""
    return appointments.generate_visit_slots()


@shared_task(queue="default", acks_late=True)
def send_visit_reminders() -> int:
    """Remind each booking once, the working day before the visit (beat, daily)."""
    return len(appointments.send_visit_reminders())


@shared_task(queue="default", acks_late=True)
def send_registration_reminders() -> int:
    """Remind applicants once, REGISTRATION_REMINDER_DAYS before their registration deadline (beat, daily)."""
    return len(registration.send_registration_reminders())


@shared_task(
    queue="pdf", acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5
)
def render_counter_copy(submission_id: int) -> int | None:
    """Render the person's copy of an application made at a counter, with its claim code. Idempotent."""
    document = counter.render_counter_copy(submission_id=submission_id)
    return document.pk if document is not None else None
