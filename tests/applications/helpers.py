"""Small real files for upload tests, made in memory."""

from __future__ import annotations

import io
import zipfile

from PIL import Image


def pdf_bytes(*, extra: bytes = b"") -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    data = out.getvalue()
    if extra:
        data = data.replace(b"%%EOF", extra + b"\n%%EOF")
    return data


def jpeg_bytes(size: tuple[int, int] = (60, 40)) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, (200, 30, 40))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def png_bytes(size: tuple[int, int] = (30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (0, 80, 0)).save(out, format="PNG")
    return out.getvalue()


def zip_bomb_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb.txt", b"\0" * 20_000_000)
    return out.getvalue()
