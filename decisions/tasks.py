"""Decision tasks: thin wrappers that load by id and call ``decisions.services``."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from decisions import complaints, renewals, services


@shared_task(
    queue="pdf",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def render_decision_letter(letter_id: int) -> int:
    """Render, seal and store an issued decision's letter, then e-mail it (pdf queue). Idempotent."""
    return services.render_decision_letter(letter_id=letter_id).pk


@shared_task(queue="default", acks_late=True)
def send_information_request_reminders() -> int:
    """One reminder to each applicant whose answer is due in 3 working days (daily beat job)."""
    return len(services.send_information_request_reminders())


@shared_task(
    queue="pdf",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def render_complaint_letter(letter_id: int) -> int:
    """Render, seal and store the answer to a complaint, then e-mail it (pdf queue). Idempotent."""
    return complaints.render_complaint_letter(letter_id=letter_id).pk


@shared_task(queue="default", acks_late=True)
def send_renewal_invitations() -> int:
    """Invite holders of permits about to expire to apply for a repeated permit, once each (beat, daily)."""
    return len(renewals.send_renewal_invitations())
