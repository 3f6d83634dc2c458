"""The Office's seal: letters are PAdES-signed with the PKCS#12 seal, and any change to the bytes shows."""

from __future__ import annotations

import io

import pikepdf
import pytest
from django.core.exceptions import ImproperlyConfigured
from pypdf import PdfReader

from decisions import seal


@pytest.fixture
def fresh_seal(settings, tmp_path):
    """A seal generated for this test alone (and the cached signer dropped before and after)."""
    settings.SEAL_PKCS12_FILE = str(tmp_path / "seal" / "test-seal.p12")
    settings.SEAL_PKCS12_PASSWORD = "correct horse"
    settings.SEAL_GENERATE_MISSING = True
    seal._signer.cache_clear()
    yield tmp_path / "seal" / "test-seal.p12"
    seal._signer.cache_clear()


def one_page_pdf(text: str = "Decision") -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.docinfo["/Title"] = text
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_sealed_pdf_validates_against_the_seal_certificate(fresh_seal):
    sealed = seal.seal_pdf(one_page_pdf(), reason="Decision letter")

    check = seal.check_seal(sealed)

    assert check is not None and check.ok
    assert "OCMA e-service local test seal" in check.signer
    assert fresh_seal.exists() and (fresh_seal.stat().st_mode & 0o777) == 0o600
    fields = PdfReader(io.BytesIO(sealed)).get_fields()
    assert fields[seal.SIGNATURE_FIELD]["/V"]["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES


def test_a_changed_byte_breaks_the_seal(fresh_seal):
    sealed = bytearray(seal.seal_pdf(one_page_pdf("Grant"), reason="Decision letter"))
    at = sealed.index(b"Grant")
    sealed[at : at + 5] = b"Refus"

    check = seal.check_seal(bytes(sealed))

    assert check is not None and not check.intact and not check.ok


def test_bytes_appended_after_sealing_are_not_covered(fresh_seal):
    sealed = seal.seal_pdf(one_page_pdf(), reason="Decision letter")

    check = seal.check_seal(sealed + b"\n% appended later\n")

    assert check is not None and not check.covers_whole_file and not check.ok


def test_a_letter_sealed_by_another_key_is_not_trusted(fresh_seal, settings, tmp_path):
    foreign = seal.seal_pdf(one_page_pdf(), reason="Forgery")
    settings.SEAL_PKCS12_FILE = str(tmp_path / "other" / "seal.p12")
    seal._signer.cache_clear()

    check = seal.check_seal(foreign)

    assert check is not None and check.intact and not check.trusted and not check.ok


@pytest.mark.parametrize("data", [b"", b"not a pdf", one_page_pdf()])
def test_unsigned_or_unreadable_files_have_no_seal(fresh_seal, data):
    assert seal.check_seal(data) is None


def test_production_never_generates_a_seal(settings, tmp_path):
    settings.SEAL_PKCS12_FILE = str(tmp_path / "missing.p12")
    settings.SEAL_GENERATE_MISSING = False
    seal._signer.cache_clear()
    try:
        with pytest.raises(ImproperlyConfigured):
            seal.seal_pdf(one_page_pdf(), reason="Decision letter")
        assert not (tmp_path / "missing.p12").exists()
    finally:
        seal._signer.cache_clear()


def test_sealing_works_inside_a_running_event_loop(fresh_seal):
    """Playwright's sync API (or an ASGI server) leaves a loop running in the thread; pyHanko's sync API
    would refuse with "asyncio.run() cannot be called from a running event loop"."""
    import asyncio
    import threading

    async def inside_loop() -> bool:
        sealed = seal.seal_pdf(one_page_pdf(), reason="Decision letter")
        check = seal.check_seal(sealed)
        return check is not None and check.ok

    # In a thread of its own: the test run itself may already have a loop running here (browser tests).
    results: list[bool] = []
    worker = threading.Thread(target=lambda: results.append(asyncio.run(inside_loop())))
    worker.start()
    worker.join()
    assert results == [True]
