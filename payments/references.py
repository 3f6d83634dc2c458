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


def candidate_references(text: str) -> list[str]:
    """Every valid creditor reference free text may carry, compacted, the likeliest first.

    The pattern is greedy, so a match may run on into the words after the reference ("RF18 5390 0754 7034
    paldies") or into digits typed right after it. A prefix ending where the payer put a space comes first
    (longest first), then any other prefix. More than one prefix can pass the mod-97 check by chance (1 in 97),
    so the caller picks the first one that names a real payment.
    """
    found: list[str] = []
    for match in _IN_TEXT.finditer(text or ""):
        raw = match.group(0)
        compacted = compact(raw)
        at_spaces = sorted(
            {len(compact(raw[: space.start()])) for space in re.finditer(r"\s", raw)}, reverse=True
        )
        ends = [len(compacted), *at_spaces]
        ends += [end for end in range(len(compacted), 4, -1) if end not in ends]
        for end in ends:
            candidate = compacted[:end]
            if candidate not in found and is_valid(candidate):
                found.append(candidate)
    return found


def display(reference: str) -> str:
    """Groups of four, as printed on payment slips: RF18 5390 0754 7034."""
    reference = compact(reference)
    return " ".join(reference[i : i + 4] for i in range(0, len(reference), 4))
