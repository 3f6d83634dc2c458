"""Serving a stored PDF (a workers.GeneratedDocument) to someone the calling view has already checked."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404

from workers.models import GeneratedDocument


def pdf_download(document: GeneratedDocument) -> FileResponse:
    """The PDF as an attachment, never cached on the way and never sniffed as anything else."""
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, OSError, ValidationError):
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=document.filename, content_type="application/pdf"
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
