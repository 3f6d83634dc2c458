"""Test scaffolding: a two-page decision-like letter for a user, rendered by the pdf queue.

It proves fonts, the letterhead, page counters and the PDF worker end to end without any domain data. Not part of
the product: a worker process registers the task only when started with ``--include tests.workers.sample_letter``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import OperationalError
from django.template.backends.django import DjangoTemplates
from django.utils import formats, timezone, translation

from workers.models import GeneratedDocument
from workers.pdf import html_to_pdf, letterhead_context
from workers.selectors import get_generated_document
from workers.services import store_pdf

TEMPLATE_DIRS = [Path(__file__).parent / "templates", Path(settings.BASE_DIR) / "templates"]
KIND = "sample-letter"


def sample_letter_pdf(context: dict[str, str]) -> bytes:
    """The letter's PDF bytes, in the active language."""
    engine = DjangoTemplates(
        {"NAME": "sample-letter", "DIRS": TEMPLATE_DIRS, "APP_DIRS": True, "OPTIONS": {}}
    )
    html = engine.get_template("pdf/letter_sample.html").render({**letterhead_context(), **context})
    return html_to_pdf(html)


def render_sample_letter(*, user_id: int, kind: str = KIND) -> GeneratedDocument:
    """Render and store the sample letter of a user once (idempotent: a second call returns the first)."""
    user = get_user_model().objects.get(pk=user_id)
    existing = get_generated_document(owner=user, kind=kind)
    if existing is not None:
        return existing
    today = timezone.localdate()
    context = {
        "reference": f"PMLP-{today:%Y}-{user.pk:06d}",
        "issued_on": formats.date_format(today, "d.m.Y"),
        "valid_from": formats.date_format(today, "d.m.Y"),
        "valid_to": formats.date_format(today + dt.timedelta(days=365), "d.m.Y"),
        "recipient_name": user.get_full_name(),
        "unit_name": "Rīgas 1. nodaļa",
        "officer_name": "Jānis Ozoliņš",
        "officer_position": "Vecākais inspektors",
    }
    with translation.override(user.preferred_language):
        content = sample_letter_pdf(context)
    return store_pdf(owner=user, kind=kind, content=content, filename=f"{kind}-{user.pk}.pdf")


@shared_task(
    queue="pdf", acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5
)
def render_sample_letter_task(user_id: int, kind: str = KIND) -> int:
    return render_sample_letter(user_id=user_id, kind=kind).pk
