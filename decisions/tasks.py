"""Decision tasks: thin wrappers that load by id and call ``decisions.services``."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from decisions import services


@shared_task(
    name="decisions.tasks.render_decision_letter",
    queue="pdf",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def render_decision_letter(letter_id: int) -> int:
    """Render, seal and store an issued decision's letter, then e-mail it (pdf queue). Idempotent."""
    return services.render_decision_letter(letter_id=letter_id).pk
