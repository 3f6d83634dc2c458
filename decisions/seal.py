"""The Office's electronic seal: PAdES signatures on the letters the Office issues (pyHanko).

The seal is a PKCS#12 file (private key + certificate) named by ``SEAL_PKCS12_FILE``. Local and test settings
generate a self-signed test seal the first time it is needed (like the JWT key); production never does, so a
missing file there is a configuration error, not a silently unsigned letter. This is the only module that
imports pyHanko, and it imports it inside the functions so web processes that never sign do not load it.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import io
import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

log = logging.getLogger(__name__)

SIGNATURE_FIELD = "OfficeSeal"
T = TypeVar("T")


@dataclass(frozen=True)
class SealCheck:
    """What validating a sealed PDF found: intact (the bytes are the signed ones), valid (the cryptography
    holds), trusted (the certificate chains to the seal we trust) and whether the signature covers the whole
    file (nothing appended after sealing)."""

    intact: bool
    valid: bool
    trusted: bool
    covers_whole_file: bool
    signer: str

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted and self.covers_whole_file


def _generate_test_seal(path: Path, password: bytes) -> None:
    """A self-signed seal certificate for local and test use only (never in production settings)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    # An EC P-256 key: as strong as RSA-3072, and pyHanko loads it for each signature in microseconds, where a
    # 3072-bit RSA key took about a second to load and check every time.
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "LV"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "OCMA e-service (TEST SEAL, not valid)"),
            x509.NameAttribute(NameOID.COMMON_NAME, "OCMA e-service local test seal"),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    encryption = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    blob = pkcs12.serialize_key_and_certificates(b"ocma-seal", key, certificate, None, encryption)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(blob)
    log.info("seal.test_seal_generated path=%s", path)


def _password() -> bytes:
    return settings.SEAL_PKCS12_PASSWORD.encode() if settings.SEAL_PKCS12_PASSWORD else b""


def _seal_path() -> Path:
    if not settings.SEAL_PKCS12_FILE:
        raise ImproperlyConfigured("Set SEAL_PKCS12_FILE to the Office's seal (a PKCS#12 file).")
    path = Path(settings.SEAL_PKCS12_FILE)
    if not path.exists():
        if not getattr(settings, "SEAL_GENERATE_MISSING", False):
            raise ImproperlyConfigured(f"The seal file {path} does not exist.")
        with contextlib.suppress(FileExistsError):  # another process generated it a moment ago
            _generate_test_seal(path, _password())
    return path


@lru_cache(maxsize=1)
def _signer() -> Any:
    from pyhanko.sign import signers

    signer = signers.SimpleSigner.load_pkcs12(str(_seal_path()), passphrase=_password() or None)
    if signer is None:
        raise ImproperlyConfigured("The seal file could not be read (wrong SEAL_PKCS12_PASSWORD?).")
    return signer


def seal_certificate_der() -> bytes:
    """The seal's certificate (DER), the trust anchor that validation checks letters against."""
    return _signer().signing_cert.dump()


def _outside_event_loop(function: Callable[..., T], *args: Any) -> T:
    """pyHanko's synchronous API calls ``asyncio.run``, which refuses to run inside a running event loop
    (Playwright's sync API in the same process, an ASGI server). There, run it in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args)
    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(function, *args).result()


def seal_pdf(pdf: bytes, *, reason: str, location: str = "Rīga") -> bytes:
    """Return ``pdf`` with the Office's PAdES seal applied (an incremental update covering the whole file)."""
    return _outside_event_loop(_seal_pdf, pdf, reason, location)


def _seal_pdf(pdf: bytes, reason: str, location: str) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
        name=str(settings.OFFICE_NAME),
    )
    return signers.sign_pdf(writer, metadata, signer=_signer()).getvalue()


def check_seal(pdf: bytes) -> SealCheck | None:
    """Validate the Office's seal on ``pdf`` against our own certificate; None when it carries no signature
    or is not a readable PDF."""
    return _outside_event_loop(_check_seal, pdf)


def _check_seal(pdf: bytes) -> SealCheck | None:
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        signatures = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
    except (PdfReadError, ValueError, KeyError):
        return None
    if not signatures:
        return None
    trust = asn1_x509.Certificate.load(seal_certificate_der())
    status = validate_pdf_signature(signatures[-1], ValidationContext(trust_roots=[trust]))
    return SealCheck(
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        covers_whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        signer=status.signing_cert.subject.human_friendly,
    )
