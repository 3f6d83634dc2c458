"""Hostile PDFs, uploaded through the real API endpoint and page: each is refused or defused.

Defused means: the upload is accepted, and the stored file (the one an officer opens) is a rebuilt PDF that keeps
the pages and their images and holds none of the hostile content, however it was encoded; its SHA-256 is the
stored file's.
"""

from __future__ import annotations

import hashlib
import io
import time
import zipfile

import pikepdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from applications.models import ApplicationDocument
from tests.applications import hostile_pdfs as hostile

pytestmark = pytest.mark.django_db
BASE = "/api/v1/applications"


def _upload(api, application, data: bytes, name: str = "passport.pdf"):
    return api.post(
        f"{BASE}/{application.pk}/documents",
        {
            "document_type": "passport_copy",
            "file": SimpleUploadedFile(name, data, content_type="application/pdf"),
        },
        format="multipart",
    )


def _stored(application) -> bytes:
    document = ApplicationDocument.objects.get(application=application)
    with document.file.open("rb") as handle:
        data = handle.read()
    assert hashlib.sha256(data).hexdigest() == document.sha256 and len(data) == document.size
    return data


def _assert_plain_pages(data: bytes, *, pages: int = 1) -> None:
    """Only pages, their text and their image: no catalog entry that acts, no annotation, no attached file."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert set(pdf.Root.keys()) == {"/Type", "/Pages"}
        assert len(pdf.pages) == pages
        for page in pdf.pages:
            assert "/Annots" not in page.obj and "/AA" not in page.obj
        image = pdf.pages[0].obj.Resources.XObject["/Im1"]
        assert (image.Width, image.Height) == (64, 48)
        assert pikepdf.PdfImage(image).as_pil_image().getpixel((5, 5)) == (200, 30, 40)
    text = hostile.expanded(data)
    assert hostile.PAGE_TEXT in text
    for needle in (
        b"/AcroForm", b"/XFA", b"/X#46A", b"/JavaScript", b"/JS", b"/OpenAction", b"/AA", b"/Launch",
        b"/EmbeddedFile", b"/EF", b"/Filespec", b"/FileAttachment", b"/RichMedia", b"/Names",
        b"<script", b"xdp:xdp", hostile.SCRIPT, hostile.EXE_MARKER, b"cmd.exe", b"FWS",
    ):  # fmt: skip
        assert needle not in text, needle


DEFUSED = {
    "xfa-js-in-object-stream": hostile.xfa_javascript_in_object_stream,
    "xfa-escaped-key": hostile.xfa_with_escaped_key,
    "document-javascript-open-action": hostile.document_javascript,
    "file-attachment-exe": hostile.file_attachment_exe,
    "catalog-reached-from-a-page": hostile.catalog_reached_from_a_page,
    "richmedia-launch-page-action": hostile.rich_media_and_actions,
    "pdf-html-polyglot": hostile.pdf_html_polyglot,
    "pdf-zip-polyglot": hostile.pdf_zip_polyglot,
}


@pytest.mark.parametrize("build", DEFUSED.values(), ids=DEFUSED.keys())
def test_active_content_is_dropped_and_the_pages_are_kept(build, applicant_api, draft):
    response = _upload(applicant_api, draft, build())
    assert response.status_code == 201, response.content
    stored = _stored(draft)
    assert response.json()["sha256"] == hashlib.sha256(stored).hexdigest()
    _assert_plain_pages(stored)
    assert stored.startswith(b"%PDF-") and stored.rstrip().endswith(b"%%EOF")
    assert not zipfile.is_zipfile(io.BytesIO(stored))


def test_the_hidden_forms_are_invisible_to_a_byte_search():
    """The corpus really hides what a byte regex looks for (so only parsing and rebuilding catch it)."""
    assert b"/AcroForm" not in hostile.xfa_javascript_in_object_stream()
    assert b"/XFA" not in hostile.xfa_javascript_in_object_stream()
    escaped = hostile.xfa_with_escaped_key()
    assert b"/XFA" not in escaped and b"/X#46A" in escaped
    with pikepdf.open(io.BytesIO(escaped)) as pdf:  # and it is still the XFA key for a reader
        assert "/XFA" in pdf.Root.AcroForm
    assert b"/EmbeddedFile" not in hostile.file_attachment_exe()


@pytest.mark.parametrize(
    ("build", "value"),
    [
        (hostile.filled_form, b"(Jane Filled Value) Tj"),
        (hostile.form_needing_appearances, b"Jane Drawn Value"),
    ],
    ids=["with-appearance", "needing-appearance"],
)
def test_a_filled_form_keeps_its_values_as_page_content(build, value, applicant_api, draft):
    response = _upload(applicant_api, draft, build())
    assert response.status_code == 201, response.content
    stored = _stored(draft)
    _assert_plain_pages(stored)
    assert value in hostile.expanded(stored)  # drawn into the page, no longer a field


def test_a_restricted_but_readable_pdf_is_stored_unencrypted(applicant_api, draft):
    response = _upload(applicant_api, draft, hostile.owner_password_only())
    assert response.status_code == 201, response.content
    stored = _stored(draft)
    with pikepdf.open(io.BytesIO(stored)) as pdf:
        assert not pdf.is_encrypted
    _assert_plain_pages(stored)


def _refused(api, application, data: bytes) -> dict:
    response = _upload(api, application, data)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "upload_rejected" and error["message"]
    assert not ApplicationDocument.objects.filter(application=application).exists()
    return error


def test_a_huge_image_is_refused_before_it_is_decoded(applicant_api, draft):
    data = hostile.image_bomb()  # 20000 x 20000 pixels, 400 MB decoded
    assert len(data) < 1_000_000
    started = time.monotonic()
    error = _refused(applicant_api, draft, data)
    assert time.monotonic() - started < 5
    assert error["details"]["reason"] == "image_too_large"
    assert "too large in pixels" in error["message"]


def test_a_huge_inline_image_is_refused(applicant_api, draft):
    assert (
        _refused(applicant_api, draft, hostile.inline_image_bomb())["details"]["reason"] == "image_too_large"
    )


def test_a_jpeg_larger_than_its_dictionary_says_is_refused(applicant_api, draft, settings):
    settings.UPLOAD_MAX_IMAGE_PIXELS = 1_000_000
    data = hostile.jpeg_header_larger_than_its_dictionary(1200)
    assert _refused(applicant_api, draft, data)["details"]["reason"] == "image_too_large"


def test_a_bomb_in_a_form_xobject_is_refused(applicant_api, draft, settings):
    settings.UPLOAD_MAX_PDF_DECOMPRESSED_BYTES = 2_000_000
    error = _refused(applicant_api, draft, hostile.form_xobject_bomb(5_000_000))
    assert error["details"]["reason"] == "decompression_bomb"


def test_an_lzw_bomb_is_refused_without_decoding_it(applicant_api, draft, settings):
    settings.UPLOAD_MAX_PDF_DECOMPRESSED_BYTES = 200_000
    error = _refused(applicant_api, draft, hostile.lzw_bomb(600_000))
    assert error["details"]["reason"] == "decompression_bomb"


def test_many_streams_under_the_stream_cap_still_meet_the_total_cap(applicant_api, draft, settings):
    settings.UPLOAD_MAX_PDF_DECOMPRESSED_BYTES = 2_000_000
    settings.UPLOAD_MAX_PDF_TOTAL_DECOMPRESSED_BYTES = 3_000_000
    error = _refused(applicant_api, draft, _three_forms())
    assert error["details"]["reason"] == "decompression_bomb"


def _three_forms() -> bytes:
    pdf = hostile.honest_pdf()
    for name in ("/Fm1", "/Fm2", "/Fm3"):
        form = pikepdf.Stream(pdf, b" " * 1_500_000)
        form.Type, form.Subtype, form.BBox = (
            pikepdf.Name.XObject,
            pikepdf.Name.Form,
            pikepdf.Array([0, 0, 1, 1]),
        )
        pdf.pages[0].obj.Resources.XObject[name] = form
    return hostile.save(pdf)


def test_a_password_protected_pdf_is_refused(applicant_api, draft):
    error = _refused(applicant_api, draft, hostile.user_password())
    assert error["details"]["reason"] == "encrypted"


def test_the_upload_page_refuses_a_bomb_and_stores_a_defused_form(client, draft):
    client.force_login(draft.applicant)
    url = f"/applications/{draft.pk}/documents/"
    refused = client.post(
        url,
        {"document_type": "passport_copy", "file": SimpleUploadedFile("p.pdf", hostile.image_bomb())},
        follow=True,
    )
    assert b"too large in pixels" in refused.content
    assert not draft.documents.exists()
    accepted = client.post(
        url,
        {
            "document_type": "passport_copy",
            "file": SimpleUploadedFile("p.pdf", hostile.xfa_with_escaped_key()),
        },
    )
    assert accepted.status_code == 302
    _assert_plain_pages(_stored(draft))
