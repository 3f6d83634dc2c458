from __future__ import annotations

import hashlib
import io
import os
import random

import pikepdf
import pytest
from django.core.files.storage import default_storage
from PIL import Image

from applications.models import ApplicationDocument, DocumentType
from applications.services import attach_document
from applications.uploads import UploadRejectedError, inspect_upload, sanitize_filename
from tests.applications.helpers import jpeg_bytes, pdf_bytes, png_bytes, zip_bomb_bytes
from tests.applications.hostile_pdfs import expanded

pytestmark = pytest.mark.django_db


@pytest.fixture
def passport_type() -> DocumentType:
    return DocumentType.objects.get(code="passport_copy")


def _reason(data: bytes, document_type: DocumentType, name: str = "file.pdf") -> str:
    with pytest.raises(UploadRejectedError) as caught:
        inspect_upload(stream=io.BytesIO(data), filename=name, document_type=document_type)
    return caught.value.details["reason"]


def test_a_plain_pdf_is_stored_rebuilt_with_its_page(passport_type):
    data = pdf_bytes()
    checked = inspect_upload(
        stream=io.BytesIO(data), filename="../../etc/pass port.PDF", document_type=passport_type
    )
    assert checked.content != data  # never the bytes as sent: a new file made from the pages
    assert checked.sha256 == hashlib.sha256(checked.content).hexdigest()
    with pikepdf.open(io.BytesIO(checked.content)) as pdf:
        assert [list(page.mediabox) for page in pdf.pages] == [[0, 0, 595, 842]]
    assert checked.content_type == "application/pdf"
    assert checked.original_filename == "pass port.pdf"


def test_a_jpeg_is_reencoded_without_exif(passport_type):
    checked = inspect_upload(stream=io.BytesIO(jpeg_bytes()), filename="me.png", document_type=passport_type)
    assert checked.content_type == "image/jpeg"
    assert checked.original_filename == "me.jpg"
    assert b"SecretCam" not in checked.content
    assert not Image.open(io.BytesIO(checked.content)).getexif()


def test_a_png_with_a_payload_appended_is_cleaned(passport_type):
    checked = inspect_upload(
        stream=io.BytesIO(png_bytes() + b"<script>alert(1)</script>"),
        filename="x.png",
        document_type=passport_type,
    )
    assert b"<script>" not in checked.content


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\0" * 200, "wrong_type"),  # renamed .exe
        (b"\x7fELF\x02\x01\x01" + b"\0" * 200, "wrong_type"),
        (b"<html><body><script>alert(1)</script></body></html>", "wrong_type"),
        (
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "wrong_type",
        ),
        (b"", "empty"),
        (zip_bomb_bytes(), "wrong_type"),
    ],
    ids=["exe", "elf", "html", "svg", "empty", "zip-bomb"],
)
def test_refuses_by_content(data, reason, passport_type):
    assert _reason(data, passport_type) == reason


def test_refuses_a_file_over_the_type_limit_by_its_real_size(passport_type):
    passport_type.max_size_bytes = 2048
    assert _reason(pdf_bytes() + b"%" + b"x" * 4096, passport_type) == "too_large"


def test_refuses_a_pixel_bomb(settings, passport_type):
    settings.UPLOAD_MAX_IMAGE_PIXELS = 1_000_000
    out = io.BytesIO()
    Image.new("1", (5000, 5000)).save(out, format="PNG")  # tiny file, 25 megapixels
    assert _reason(out.getvalue(), passport_type, "x.png") == "too_many_pixels"


def test_refuses_a_truncated_pdf(passport_type):
    data = pdf_bytes()
    assert _reason(data[: len(data) // 2], passport_type) == "truncated"


@pytest.mark.parametrize(
    "extra",
    [
        b"1 0 obj << /Type /Action /S /JavaScript /JS (app.alert(1)) >> endobj",
        b"9 0 obj << /OpenAction 10 0 R >> endobj",
        b"9 0 obj << /S /Launch /F (cmd.exe) >> endobj",
        b"9 0 obj << /EmbeddedFiles 10 0 R >> endobj",
    ],
    ids=["javascript", "openaction", "launch", "embedded"],
)
def test_stray_active_objects_are_not_stored(extra, passport_type):
    checked = inspect_upload(
        stream=io.BytesIO(pdf_bytes(extra=extra)), filename="a.pdf", document_type=passport_type
    )
    assert extra not in checked.content
    text = expanded(checked.content)
    for name in (b"/JavaScript", b"/OpenAction", b"/Launch", b"/EmbeddedFiles"):
        assert name not in text


def test_damaged_pdfs_are_refused_or_rebuilt_never_an_error(passport_type):
    """Random byte damage anywhere in a PDF: the parser never crashes the upload, whatever it meets."""
    from tests.applications.hostile_pdfs import file_attachment_exe, xfa_with_escaped_key

    rng = random.Random(9)
    for original in (pdf_bytes(), xfa_with_escaped_key(), file_attachment_exe()):
        for _ in range(60):
            data = bytearray(original)
            for _ in range(rng.randint(1, 8)):
                position = rng.randrange(len(data))
                data[position : position + rng.randint(1, 4)] = rng.randbytes(rng.randint(0, 4))
            try:
                checked = inspect_upload(
                    stream=io.BytesIO(bytes(data)), filename="a.pdf", document_type=passport_type
                )
            except UploadRejectedError as error:
                assert error.details["reason"] in {
                    "truncated",
                    "damaged",
                    "no_pages",
                    "wrong_type",
                    "too_complex",
                }
            else:
                assert b"MZ\x90" not in expanded(checked.content)


def test_refuses_an_encrypted_pdf(passport_type):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=100, height=100)
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    assert _reason(out.getvalue(), passport_type) == "encrypted"


def test_refuses_a_pdf_decompression_bomb(settings, passport_type):
    from pypdf import PdfWriter
    from pypdf.generic import ContentStream

    settings.UPLOAD_MAX_PDF_DECOMPRESSED_BYTES = 1_000_000
    writer = PdfWriter()
    page = writer.add_blank_page(width=100, height=100)
    stream = ContentStream(None, writer)
    stream.set_data(b"0 0 m\n" * 1_000_000)
    page.replace_contents(stream)
    page.compress_content_streams()
    out = io.BytesIO()
    writer.write(out)
    assert len(out.getvalue()) < 200_000
    assert _reason(out.getvalue(), passport_type) == "decompression_bomb"


def test_refuses_too_many_pages(settings, passport_type):
    from pypdf import PdfWriter

    settings.UPLOAD_MAX_PDF_PAGES = 2
    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(width=100, height=100)
    out = io.BytesIO()
    writer.write(out)
    assert _reason(out.getvalue(), passport_type) == "too_many_pages"


def test_sanitize_filename_strips_paths_and_controls():
    assert sanitize_filename("C:\\Users\\x\\a\x00b<>.exe", extension="pdf") == "ab.pdf"
    assert sanitize_filename("", extension="png") == "document.png"


def _stored_files() -> list[str]:
    root = default_storage.location
    found = []
    for folder, _dirs, files in os.walk(root):
        found.extend(os.path.join(folder, name) for name in files)
    return found


def test_a_rejected_upload_leaves_nothing_behind(draft):
    with pytest.raises(UploadRejectedError):
        attach_document(
            application_id=draft.pk,
            user=draft.applicant,
            document_type_code="passport_copy",
            stream=io.BytesIO(b"<svg onload=alert(1)>"),
            filename="x.pdf",
        )
    assert not ApplicationDocument.objects.exists()
    assert _stored_files() == []
    assert not draft.events.filter(kind="document_added").exists()


def test_a_database_failure_deletes_the_stored_file(draft, monkeypatch):
    def fail(**kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr("applications.services.documents.record_event", fail)
    with pytest.raises(RuntimeError):
        attach_document(
            application_id=draft.pk,
            user=draft.applicant,
            document_type_code="passport_copy",
            stream=io.BytesIO(pdf_bytes()),
            filename="p.pdf",
        )
    assert not ApplicationDocument.objects.exists()
    assert _stored_files() == []


def test_an_application_submitted_while_the_file_was_checked_takes_no_document(draft, monkeypatch):
    from applications.models import Application
    from applications.services.lifecycle import ApplicationNotEditableError
    from applications.uploads import inspect_upload as real_inspect

    def inspect_while_the_application_moves_on(**kwargs):
        checked = real_inspect(**kwargs)
        # The slow checks hold no lock: another request moved the application on meanwhile.
        Application.objects.filter(pk=draft.pk).update(state="awaiting_payment")
        return checked

    monkeypatch.setattr(
        "applications.services.documents.inspect_upload", inspect_while_the_application_moves_on
    )
    with pytest.raises(ApplicationNotEditableError):
        attach_document(
            application_id=draft.pk,
            user=draft.applicant,
            document_type_code="passport_copy",
            stream=io.BytesIO(pdf_bytes()),
            filename="p.pdf",
        )
    assert not ApplicationDocument.objects.exists()
    assert _stored_files() == []


def test_replacing_a_document_keeps_one_per_type(draft, django_capture_on_commit_callbacks):
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            document = attach_document(
                application_id=draft.pk,
                user=draft.applicant,
                document_type_code="passport_copy",
                stream=io.BytesIO(pdf_bytes()),
                filename="p.pdf",
            )
    assert list(ApplicationDocument.objects.values_list("pk", flat=True)) == [document.pk]
    assert len(_stored_files()) == 1
    assert document.file.name.startswith("documents/") and "p.pdf" not in document.file.name


def test_a_dated_document_needs_its_issue_date(draft):
    from applications.services.lifecycle import ApplicationFieldsError

    with pytest.raises(ApplicationFieldsError) as caught:
        attach_document(
            application_id=draft.pk,
            user=draft.applicant,
            document_type_code="criminal_record",
            stream=io.BytesIO(pdf_bytes()),
            filename="c.pdf",
        )
    assert "issued_on" in caught.value.details
