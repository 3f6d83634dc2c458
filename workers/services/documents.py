"""Rendered PDFs, stored once per owner and kind with their SHA-256."""

from __future__ import annotations

import hashlib
import io
import logging
import re
from functools import partial
from pathlib import PurePath
from typing import IO

from django.contrib.contenttypes.models import ContentType
from django.core.files import File
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
    if not content.startswith(b"%PDF-"):
        raise ValueError("store_pdf() takes PDF bytes")
    return store_file(
        owner=owner,
        kind=kind,
        file=io.BytesIO(content),
        filename=filename,
        mime_type="application/pdf",
        default_name=f"{kind}.pdf",
    )


def store_file(
    *,
    owner: models.Model,
    kind: str,
    file: IO[bytes],
    filename: str,
    mime_type: str,
    default_name: str | None = None,
) -> GeneratedDocument:
    """Attach any generated file (an archive, not only a PDF) to ``owner`` as its ``kind`` document, with its
    SHA-256 computed from the stream. If the owner has that kind already, return it unchanged; if another worker
    stores the same one meanwhile (a duplicate delivery), theirs is kept. ``default_name``: the file's name when
    ``filename`` has nothing usable (``kind`` otherwise)."""
    existing = get_generated_document(owner=owner, kind=kind)
    if existing is not None:
        return existing
    if not re.fullmatch(r"[-a-z0-9_]{1,50}", kind):
        raise ValueError(f"store_file() kind must be a slug, got {kind!r}")
    digest = hashlib.sha256()
    size = 0
    file.seek(0)
    for chunk in iter(lambda: file.read(1024 * 1024), b""):
        digest.update(chunk)
        size += len(chunk)
    file.seek(0)
    safe_name = _safe_filename(filename, default=default_name or kind)
    document = GeneratedDocument(
        owner_content_type=ContentType.objects.get_for_model(owner),
        owner_id=owner.pk,
        kind=kind,
        filename=safe_name,
        mime_type=mime_type,
        sha256=digest.hexdigest(),
        size=size,
    )
    document.file.save(safe_name, File(file), save=False)
    try:
        with transaction.atomic():
            document.save()
    except IntegrityError:
        document.file.delete(save=False)
        winner = get_generated_document(owner=owner, kind=kind)
        if winner is None:
            raise
        return winner
    logger.info("document.stored id=%s kind=%s size=%s", document.pk, kind, document.size)
    return document


def delete_generated_document(document: GeneratedDocument) -> None:
    """Delete a generated file and its row (an expired archive of personal data). The file goes after commit,
    so a rolled-back transaction never leaves a row without its file."""
    name, storage = document.file.name, document.file.storage
    document.delete()
    if name:
        transaction.on_commit(partial(storage.delete, name))
