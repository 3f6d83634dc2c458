"""ISO 11649 structured creditor references ("RF" + two check digits + up to 21 letters or digits).

The check digits are ISO 7064 MOD 97-10, as for IBANs: move "RF" and the digits to the end, turn letters into
numbers (A = 10 … Z = 35), and the remainder by 97 of a valid reference is 1.
"""

from __future__ import annotations

import re
import secrets

_BODY = re.compile(r"[A-Z0-9]{1,21}")
_REFERENCE = re.compile(r"RF\d{2}[A-Z0-9]{1,21}")
# Where a reference may hide in free text (a bank's unstructured remittance line, with or without spaces).
_IN_TEXT = re.compile(r"RF\d{2}(?:\s?[A-Z0-9]){1,21}", re.IGNORECASE)


def _numeric(text: str) -> int:
    return int("".join(str(int(ch, 36)) for ch in text))


def compact(reference: str) -> str:
    return "".join(reference.split()).upper()


def check_digits(body: str) -> str:
    body = compact(body)
    if not _BODY.fullmatch(body):
        raise ValueError("a creditor reference body is 1 to 21 letters or digits")
    return f"{98 - _numeric(body + 'RF00') % 97:02d}"


def make_reference(body: str) -> str:
    body = compact(body)
    return f"RF{check_digits(body)}{body}"


def is_valid(reference: str) -> bool:
    reference = compact(reference)
    if not _REFERENCE.fullmatch(reference):
        return False
    return _numeric(reference[4:] + reference[:4]) % 97 == 1


def new_reference() -> str:
    """A fresh reference with a random 12-digit body (leading digit not 0, so nobody strips it)."""
    body = str(secrets.randbelow(9 * 10**11) + 10**11)
    return make_reference(body)


def find_reference(text: str) -> str:
    """The first valid creditor reference in free text, compacted; "" when there is none."""
    for match in _IN_TEXT.finditer(text or ""):
        candidate = compact(match.group(0))
        # The pattern is greedy: try the longest prefix that is valid (a reference followed by other digits).
        for end in range(len(candidate), 4, -1):
            if is_valid(candidate[:end]):
                return candidate[:end]
    return ""


def display(reference: str) -> str:
    """Groups of four, as printed on payment slips: RF18 5390 0754 7034."""
    reference = compact(reference)
    return " ".join(reference[i : i + 4] for i in range(0, len(reference), 4))
