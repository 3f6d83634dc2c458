"""What a person's name may contain: letters (any alphabet), spaces, hyphens and apostrophes.

Names are self-declared at registration and appear in pages and in e-mails sent from the Office's address;
restricting them keeps links, mail addresses and other text out ("Anna http://evil.example" is refused).
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

SEPARATORS = frozenset(" -'’")
NAME_MESSAGE = _("Use only letters, spaces, hyphens (-) and apostrophes (').")


def clean_person_name(value: str) -> str:
    """The name with spaces tidied, or ValidationError (code ``name_characters``)."""
    name = " ".join(unicodedata.normalize("NFC", value or "").split())
    if not name or not any(char.isalpha() for char in name):
        raise ValidationError(NAME_MESSAGE, code="name_characters")
    if any(not (char.isalpha() or char in SEPARATORS) for char in name):
        raise ValidationError(NAME_MESSAGE, code="name_characters")
    return name
