"""Checks on an uploaded document's content, before anything is stored.

The file type is decided by the bytes (``filetype`` sniffs magic numbers), never by the name or the browser's
content type. Images are opened with a lowered pixel limit, verified and re-encoded, which drops EXIF data and
anything appended to or hidden in the original (polyglots). PDFs are rebuilt the same way
(``applications.pdf_rebuild``): only the pages are kept, active content is dropped, every stream is decoded
under caps, and encrypted, truncated, too long or bomb-like files are refused. What passes is returned as the
bytes to store, with their SHA-256.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import unicodedata
import warnings
from dataclasses import dataclass
from typing import IO

import filetype
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageOps, UnidentifiedImageError

from applications.models import DocumentType
from eservice.exceptions import DomainError

logger = logging.getLogger(__name__)

# The types the service can check in depth; a document type may accept a subset of these.
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
_PIL_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG"}


class UploadRejectedError(DomainError):
    """The file is not acceptable; nothing was stored."""

    code = "upload_rejected"
    default_message = gettext_lazy("This file cannot be accepted.")


@dataclass(frozen=True)
class CheckedFile:
    content: bytes
    content_type: str
    extension: str
    original_filename: str
    sha256: str

    @property
    def size(self) -> int:
        return len(self.content)


def sanitize_filename(name: str, *, extension: str) -> str:
    """A display name safe anywhere: no path, no control or shell characters, the detected extension."""
    base = unicodedata.normalize("NFKC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = "".join(ch for ch in stem if unicodedata.category(ch)[0] != "C")
    stem = re.sub(r"[^\w .()\-]+", "_", stem).strip(" ._") or "document"
    return f"{stem[:100]}.{extension}"


def read_limited(stream: IO[bytes], limit: int) -> bytes:
    """Read at most ``limit`` bytes; more means the file is too large (the upload's own size is not trusted)."""
    if hasattr(stream, "seek"):
        stream.seek(0)
    content = stream.read(limit + 1)
    if len(content) > limit:
        raise UploadRejectedError(
            _("The file is larger than %(limit)s MB, the limit for this document.")
            % {"limit": _megabytes(limit)},
            details={"reason": "too_large", "max_size_bytes": limit},
        )
    return content


def stream_size(stream: IO[bytes]) -> int:
    """The size of an upload's stream: Django's uploaded files know it; any other stream is measured (and left
    where it was). What the per-user quota counts before a file is checked."""
    size = getattr(stream, "size", None)
    if isinstance(size, int):
        return size
    position = stream.tell()
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(position)
    return size


def delete_stored(name: str) -> None:
    """Delete a stored upload that nothing will keep (a failed save, a replaced file). A storage outage must not
    fail the request or hide its own error: the orphan is logged instead."""
    try:
        default_storage.delete(name)
    except Exception:
        logger.warning("upload.delete_failed name=%s", name, exc_info=True)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".")


def inspect_upload(*, stream: IO[bytes], filename: str, document_type: DocumentType) -> CheckedFile:
    """Check an uploaded file against a document type; return the bytes to store or raise UploadRejectedError."""
    content = read_limited(stream, document_type.max_size_bytes)
    if not content:
        raise UploadRejectedError(_("The file is empty."), details={"reason": "empty"})

    kind = filetype.guess(content)
    detected = kind.mime if kind is not None else None
    accepted = [t for t in document_type.accepted_content_types if t in EXTENSIONS]
    if detected not in accepted:
        names = ", ".join(EXTENSIONS[t].upper() for t in accepted)
        raise UploadRejectedError(
            _("This file is not a %(types)s file (its content was checked, not its name).")
            % {"types": names},
            details={"reason": "wrong_type", "detected": detected or "unknown", "accepted": accepted},
        )

    if detected == "application/pdf":
        from applications.pdf_rebuild import rebuild_pdf  # imports this module

        clean = rebuild_pdf(content)
    else:
        clean = _reencode_image(content, detected)

    extension = EXTENSIONS[detected]
    return CheckedFile(
        content=clean,
        content_type=detected,
        extension=extension,
        original_filename=sanitize_filename(filename, extension=extension),
        sha256=hashlib.sha256(clean).hexdigest(),
    )


def _reject_image(reason: str) -> UploadRejectedError:
    return UploadRejectedError(
        _("The image could not be read or is too large in pixels. Please upload a normal photo or scan."),
        details={"reason": reason},
    )


def _reencode_image(content: bytes, content_type: str) -> bytes:
    max_pixels = settings.UPLOAD_MAX_IMAGE_PIXELS
    # Pillow raises DecompressionBombError above twice this limit and warns above it: both are refusals here.
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as probe:
                if probe.format != _PIL_FORMATS[content_type]:
                    raise _reject_image("format_mismatch")
                width, height = probe.size
                if width * height > max_pixels or width < 1 or height < 1:
                    raise _reject_image("too_many_pixels")
                probe.verify()
            with Image.open(io.BytesIO(content)) as image:
                image.load()
                image = ImageOps.exif_transpose(image)
                if image.mode not in ("RGB", "L") and content_type == "image/jpeg":
                    image = image.convert("RGB")
                elif image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
                    image = image.convert("RGBA")
                out = io.BytesIO()
                # A fresh encode keeps only pixels: no EXIF, no ICC tricks, nothing after the image data.
                if content_type == "image/jpeg":
                    image.save(out, format="JPEG", quality=90, optimize=True)
                else:
                    image.save(out, format="PNG", optimize=True)
                return out.getvalue()
    except UploadRejectedError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _reject_image("too_many_pixels") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        raise _reject_image("damaged") from None


class UploadTooLargeError(UploadRejectedError):
    status_code = 413


class RequestSizeLimitHandler(FileUploadHandler):
    """Stops reading a multipart body once any file passes ``limit`` bytes, so huge uploads never hit disk.

    The view checks ``exceeded`` afterwards and answers with a clear "too large" error.
    """

    def __init__(self, request: object = None, *, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.exceeded = False

    def new_file(self, *args: object, **kwargs: object) -> None:
        self.received = 0
        super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.exceeded = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def install_size_limit(request: object) -> RequestSizeLimitHandler:
    """Put the size guard first in the request's upload handlers; call before the body is parsed."""
    handler = RequestSizeLimitHandler(request, limit=settings.UPLOAD_MAX_FILE_BYTES)
    request.upload_handlers.insert(0, handler)  # type: ignore[attr-defined]
    return handler


def too_large_error() -> UploadTooLargeError:
    return UploadTooLargeError(
        _("The file is larger than %(limit)s MB.") % {"limit": _megabytes(settings.UPLOAD_MAX_FILE_BYTES)},
        details={"reason": "too_large", "max_size_bytes": settings.UPLOAD_MAX_FILE_BYTES},
    )
