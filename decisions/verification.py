"""Verification codes printed on the Office's letters, and the QR code that points to ``/verify/<code>``.

A code is 16 characters of Crockford's base32 (80 random bits) shown in groups of four, e.g.
``7K3M-Q9TD-2XHB-R4NW``. Reading is forgiving the way Crockford's alphabet intends: lower case, spaces and
dashes are accepted, and the letters people confuse with digits (O, I, L) are read as 0, 1, 1. Anything else is
malformed and never reaches the database.
"""

from __future__ import annotations

import base64
import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32: no I, L, O, U
CODE_LENGTH = 16
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SHAPE = re.compile(rf"[{ALPHABET}]{{{CODE_LENGTH}}}")


def new_code() -> str:
    """A fresh random code in its canonical form (no dashes): what the database stores."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def display(code: str) -> str:
    """The code as printed on a letter: groups of four joined by dashes."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalise(text: str) -> str | None:
    """The canonical code for what a person typed or a QR scanner read, or None when it cannot be one."""
    if not isinstance(text, str) or len(text) > 40:
        return None
    candidate = re.sub(r"[\s-]", "", text).upper().translate(_CONFUSABLE)
    return candidate if _SHAPE.fullmatch(candidate) else None


def qr_svg_data_uri(url: str) -> str:
    """A QR code for ``url`` as an SVG data: URI, which the restricted PDF fetcher accepts."""
    import segno

    svg = segno.make(url, error="m").svg_inline(scale=4, dark="#000", light="#fff", border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
