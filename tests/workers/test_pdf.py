from __future__ import annotations

import hashlib
import io
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pypdf
import pytest
from django.conf import settings as django_settings
from django.contrib.contenttypes.models import ContentType

from tests.factories import UserFactory
from tests.workers.sample_letter import render_sample_letter, render_sample_letter_task
from workers.models import GeneratedDocument
from workers.pdf import ResourceRefused, render_pdf, restricted_url_fetcher, static_file_uri
from workers.selectors import get_generated_document
from workers.services import store_pdf

STATIC = Path(django_settings.BASE_DIR) / "static"
TEST_TEMPLATES = Path(__file__).parent / "templates"


def _text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


# --- the URL fetcher ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file://localhost/etc/passwd",
        "file://fileserver/share/secret.txt",
        f"{STATIC.as_uri()}/../pyproject.toml",
        f"{STATIC.as_uri()}/fonts/no-such-font.ttf",
        "http://127.0.0.1:8000/admin/",
        "https://example.com/logo.png",
        "http://169.254.169.254/latest/meta-data/",
        "ftp://example.com/file",
        "javascript:alert(1)",
    ],
)
def test_fetcher_refuses_anything_but_data_and_static_files(url):
    with pytest.raises(ResourceRefused):
        restricted_url_fetcher(url)


def test_fetcher_refuses_a_symlink_out_of_the_static_folder(settings, tmp_path):
    static = tmp_path / "static"
    static.mkdir()
    (static / "passwd.css").symlink_to("/etc/passwd")
    settings.STATICFILES_DIRS = [static]

    with pytest.raises(ResourceRefused):
        restricted_url_fetcher((static / "passwd.css").as_uri())


def test_fetcher_reads_static_files_and_data_urls():
    font = restricted_url_fetcher(static_file_uri("fonts/DejaVuSans.ttf"))
    assert font["string"] == (STATIC / "fonts" / "DejaVuSans.ttf").read_bytes()

    data = restricted_url_fetcher("data:text/plain;base64,T0NNQQ==")
    content = data.get("string") or data["file_obj"].read()
    assert content == b"OCMA"


class _Recorder(BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):
        type(self).requests.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"body { color: red }")

    def log_message(self, *args):
        pass


def test_rendering_never_reaches_the_network_or_local_files(settings):
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], TEST_TEMPLATES]}]
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        pdf = render_pdf(
            template_name="pdf/fetch_probe.html",
            context={"probe_url": f"http://127.0.0.1:{server.server_port}"},
        )
    finally:
        server.shutdown()
        server.server_close()
    assert _Recorder.requests == []
    assert "Probe" in _text(pdf)
    assert "root:" not in _text(pdf)


# --- rendering the sample letter ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_sample_letter_carries_latvian_and_cyrillic_text():
    user = UserFactory(first_name="Олена", last_name="Шевченко", preferred_language="ru")

    document = render_sample_letter(user_id=user.pk)

    content = document.file.open("rb").read()
    reader = pypdf.PdfReader(io.BytesIO(content))
    assert len(reader.pages) == 2
    text = _text(content)
    assert "Pilsonības un migrācijas lietu pārvalde" in text
    assert "termiņuzturēšanās atļauju" in text
    assert "Олена Шевченко" in text
    assert "Краткое содержание" in text
    # The shipped font is embedded, so the letter does not depend on the server's fonts.
    fonts = {str(font.get_object()["/BaseFont"]) for font in reader.pages[0]["/Resources"]["/Font"].values()}
    assert any(re.search(r"\+Letter-Sans$", font) for font in fonts)


@pytest.mark.django_db
def test_sample_letter_is_stored_with_its_checksum_and_attached_to_its_owner():
    user = UserFactory()

    document = render_sample_letter(user_id=user.pk)

    content = document.file.open("rb").read()
    assert content.startswith(b"%PDF-")
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.size == len(content)
    assert document.owner == user
    assert document.owner_content_type == ContentType.objects.get_for_model(user)
    assert get_generated_document(owner=user, kind="sample-letter") == document


@pytest.mark.django_db
def test_pdf_task_is_idempotent():
    user = UserFactory()

    first = render_sample_letter_task.apply(args=[user.pk]).get()
    second = render_sample_letter_task.apply(args=[user.pk]).get()

    assert first == second
    assert GeneratedDocument.objects.count() == 1


# --- storing ------------------------------------------------------------------------------------------------

PDF = b"%PDF-1.7\n% a tiny stand-in document\n%%EOF\n"


@pytest.mark.django_db
def test_store_pdf_returns_the_existing_document_unchanged():
    owner = UserFactory()
    first = store_pdf(owner=owner, kind="receipt", content=PDF, filename="receipt.pdf")

    second = store_pdf(owner=owner, kind="receipt", content=PDF + b"changed", filename="other.pdf")

    assert second.pk == first.pk
    assert second.sha256 == hashlib.sha256(PDF).hexdigest()
    assert second.file.open("rb").read() == PDF
    assert GeneratedDocument.objects.count() == 1


@pytest.mark.django_db
def test_store_pdf_keeps_kinds_and_owners_apart():
    owner, other = UserFactory(), UserFactory()
    receipt = store_pdf(owner=owner, kind="receipt", content=PDF, filename="receipt.pdf")
    store_pdf(owner=owner, kind="decision", content=PDF, filename="decision.pdf")

    assert get_generated_document(owner=owner, kind="receipt") == receipt
    assert get_generated_document(owner=other, kind="receipt") is None
    assert GeneratedDocument.objects.count() == 2


@pytest.mark.django_db
def test_store_pdf_refuses_bytes_that_are_not_a_pdf():
    with pytest.raises(ValueError):
        store_pdf(owner=UserFactory(), kind="receipt", content=b"<html>", filename="receipt.pdf")
    assert not GeneratedDocument.objects.exists()


@pytest.mark.django_db
def test_store_pdf_sanitises_the_file_name():
    document = store_pdf(owner=UserFactory(), kind="receipt", content=PDF, filename="../../etc/evil name.pdf")
    assert "/" not in document.filename
    assert ".." not in document.file.name
    assert document.file.name.startswith("generated/receipt/")
