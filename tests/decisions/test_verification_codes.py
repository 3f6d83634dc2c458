"""Verification codes: random, printed in groups, read back forgivingly, and malformed input refused."""

from __future__ import annotations

import base64
import re

import pytest

from decisions import verification


def test_new_codes_are_canonical_and_distinct():
    codes = {verification.new_code() for _ in range(500)}
    assert len(codes) == 500
    assert all(verification.normalise(code) == code for code in codes)


def test_display_groups_by_four_and_reads_back():
    code = verification.new_code()
    shown = verification.display(code)
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", shown)
    assert verification.normalise(shown) == code
    assert verification.normalise(shown.lower().replace("-", " ")) == code


def test_confusable_letters_read_as_digits():
    assert verification.normalise("OIL0-0000-0000-0000") == "0110000000000000"


@pytest.mark.parametrize(
    "text",
    ["", "ABC", "U" * 16, "A" * 17, "A" * 15, "ÄBCD-EFGH-JKMN-PQRS", "A" * 100, "../../etc/passwd", None],
)
def test_malformed_codes_are_refused(text):
    assert verification.normalise(text) is None


def test_qr_code_is_an_svg_data_uri_for_the_url():
    uri = verification.qr_svg_data_uri("http://localhost:8000/verify/0123456789ABCDEF")
    assert uri.startswith("data:image/svg+xml;base64,")
    svg = base64.b64decode(uri.split(",", 1)[1]).decode()
    assert svg.startswith("<svg") and "path" in svg
