"""Application tasks: thin wrappers that load by id and call ``applications.services``."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


@shared_task(
    name="workers.tasks.pdf.render_application_summary",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def render_application_summary(application_id: int) -> int | None:
    """Render a submitted application's summary PDF (pdf queue). Idempotent: a second run changes nothing."""
    from applications.services import render_application_summary as render  # lazy: breaks the import cycle

    document = render(application_id=application_id)
    return document.pk if document is not None else None


@shared_task(name="workers.tasks.applications.expire_drafts", acks_late=True)
def expire_drafts() -> dict[str, int]:
    """Warn owners of drafts about to expire, then expire the drafts whose notice ran out."""
    from applications.services import expire_stale_drafts, send_draft_expiry_warnings

    warned = send_draft_expiry_warnings()
    expired = expire_stale_drafts()
    return {"warned": len(warned), "expired": len(expired)}
