"""The Office's sealed letters: one path for the decision letter and the answer to a complaint.

A worker renders the letter's template in the reader's language, seals the PDF (PAdES, ``decisions.seal``), stores
it with its SHA-256 (``workers.services.store_pdf``) and, in the same transaction, writes the timeline line and
the e-mail to the outbox. Each kind of letter says only what differs (``LetterKind``): its rows, template, file
name, seal reason, verification context and what announces it.

The letter's own e-mail is written with ``send_here``: once the transaction commits, the same worker sends it
(the outbox's claim, so never twice) rather than queueing a second task; a failed send goes back to the outbox's
send task and sweep like any other.

Safe to run twice (a retried or redelivered task): a letter already stored is returned unchanged before the slow
render, and again under the row lock, so a second delivery that rendered meanwhile stores and announces nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import translation

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LetterKind:
    """What differs between the Office's letters.

    ``context(letter)`` is the template's context; it holds the ``application`` and the ``verify_url``.
    ``announce(letter, context)`` runs inside the storing transaction, once the PDF is attached: the timeline
    line and the outbox e-mail(s).
    """

    model: type[models.Model]
    related: tuple[str, ...]  # select_related of the letter's first load
    template_name: str
    document_kind: str  # the GeneratedDocument kind, e.g. "decision_letter"
    filename_prefix: str  # "<prefix>-<reference>.pdf"
    seal_reason: str  # with {reference}
    log_event: str  # "<log_event> letter=… size=…"
    context: Callable[[Any], dict[str, Any]]
    announce: Callable[[Any, dict[str, Any]], None]


def render_letter(kind: LetterKind, *, letter_id: int) -> Any:
    """Render, seal and store the letter ``letter_id`` of ``kind``, then announce it. Safe to run twice: the
    second run finds the PDF stored and does nothing."""
    from decisions.seal import seal_pdf
    from workers.pdf import render_pdf
    from workers.services import store_pdf

    letter = kind.model.objects.select_related(*kind.related).get(pk=letter_id)
    if letter.is_ready:
        return letter
    context = kind.context(letter)
    application = context["application"]
    with translation.override(letter.language):
        pdf = render_pdf(template_name=kind.template_name, context=context)
    sealed = seal_pdf(pdf, reason=kind.seal_reason.format(reference=application.reference))
    with transaction.atomic():
        letter = kind.model.objects.select_for_update().get(pk=letter_id)
        if letter.is_ready:  # another delivery of the task finished first
            return letter
        document = store_pdf(
            owner=letter,
            kind=kind.document_kind,
            content=sealed,
            filename=f"{kind.filename_prefix}-{application.reference}.pdf",
        )
        letter.document = document
        letter.save(update_fields=["document"])
        kind.announce(letter, context)
    logger.info("%s letter=%s size=%s", kind.log_event, letter.pk, document.size)
    return letter
