"""PDF tasks (routed to the ``pdf`` queue, whose worker processes are recycled: WeasyPrint keeps memory)."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from workers.services import documents


@shared_task(
    name="workers.tasks.pdf.render_sample_letter",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def render_sample_letter(user_id: int, kind: str = "sample-letter") -> int:
    return documents.render_sample_letter(user_id=user_id, kind=kind).pk
