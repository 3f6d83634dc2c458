"""Rendered PDFs, stored once per owner and kind with their SHA-256."""

from __future__ import annotations

import hashlib
import logging
import re
from pathlib import PurePath

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import IntegrityError, models, transaction
from django.utils.text import get_valid_filename

from workers.models import GeneratedDocument
from workers.selectors import get_generated_document

logger = logging.getLogger(__name__)


def _safe_filename(filename: str, *, default: str) -> str:
    name = re.sub(r"[^\w.-]", "_", PurePath(filename.replace("\\", "/")).name).lstrip("._")[-100:]
    return get_valid_filename(name) if name else default


def store_pdf(*, owner: models.Model, kind: str, content: bytes, filename: str) -> GeneratedDocument:
    """Attach a PDF to ``owner`` as its ``kind`` document. If the owner has that kind already, return it unchanged."""
    existing = get_generated_document(owner=owner, kind=kind)
    if existing is not None:
        return existing
    if not re.fullmatch(r"[-a-z0-9_]{1,50}", kind):
        raise ValueError(f"store_pdf() kind must be a slug, got {kind!r}")
    if not content.startswith(b"%PDF-"):
        raise ValueError("store_pdf() takes PDF bytes")
    safe_name = _safe_filename(filename, default=f"{kind}.pdf")
    document = GeneratedDocument(
        owner_content_type=ContentType.objects.get_for_model(owner),
        owner_id=owner.pk,
        kind=kind,
        filename=safe_name,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
    )
    document.file.save(safe_name, ContentFile(content), save=False)
    try:
        with transaction.atomic():
            document.save()
    except IntegrityError:
        # Another worker stored the same document first (a duplicate delivery): keep theirs.
        document.file.delete(save=False)
        winner = get_generated_document(owner=owner, kind=kind)
        if winner is None:
            raise
        return winner
    logger.info("document.stored id=%s kind=%s size=%s", document.pk, kind, document.size)
    return document
