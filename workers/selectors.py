"""Reads of the workers app shared with other apps."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from django.contrib.contenttypes.models import ContentType
from django.db import models

from workers.models import GeneratedDocument

MAIL_FILE_NAME = re.compile(r"[\w][\w.-]{0,200}")


def get_generated_document(*, owner: models.Model, kind: str) -> GeneratedDocument | None:
    """The ``kind`` PDF of ``owner`` (e.g. an application's receipt), or None if it is not rendered yet."""
    return GeneratedDocument.objects.filter(
        owner_content_type=ContentType.objects.get_for_model(owner), owner_id=owner.pk, kind=kind
    ).first()


def list_mail_files(folder: Path) -> list[dict]:
    """The files of the file e-mail backend, newest first (the dev mailbox)."""
    if not folder.is_dir():
        return []
    entries = [
        entry for entry in folder.iterdir() if entry.is_file() and MAIL_FILE_NAME.fullmatch(entry.name)
    ]
    entries.sort(key=lambda entry: (entry.stat().st_mtime, entry.name), reverse=True)
    return [
        {"name": entry.name, "size": entry.stat().st_size, "modified": _mtime(entry)}
        for entry in entries[:500]
    ]


def get_mail_file(folder: Path, name: str) -> Path | None:
    """One file of the mailbox folder by its bare name; None for anything else (no path tricks)."""
    if not MAIL_FILE_NAME.fullmatch(name):
        return None
    path = folder / name
    return path if path.is_file() else None


def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
