"""ISO 11649 creditor references."""

from __future__ import annotations

import pytest

from payments import references


@pytest.mark.parametrize(
    "reference",
    [
        "RF18539007547034",
        "RF18 5390 0754 7034",
        "RF18000000000539007547034",
        "RF712348231",
        "rf18539007547034",
    ],
)
def test_known_valid_references(reference):
    assert references.is_valid(reference)


@pytest.mark.parametrize(
    "reference",
    ["RF19539007547034", "RF18539007547035", "RF1", "XX18539007547034", "RF18" + "1" * 22, "", "RF18-5390"],
)
def test_invalid_references(reference):
    assert not references.is_valid(reference)


def test_check_digits_of_the_standard_example():
    assert references.check_digits("539007547034") == "18"
    assert references.make_reference("539007547034") == "RF18539007547034"


def test_new_references_are_valid_and_differ():
    made = {references.new_reference() for _ in range(50)}
    assert len(made) == 50
    assert all(references.is_valid(r) and len(r) == 16 for r in made)


def test_candidate_references_in_free_text():
    assert references.candidate_references("Payment RF18 5390 0754 7034, thanks") == ["RF18539007547034"]
    assert references.candidate_references("no reference RF19539007547034 here") == []


def _reference_that_also_passes_with(word: str) -> str:
    """A real reference R such that R followed by ``word`` also passes the mod-97 check (1 in 97 do)."""
    for body in range(100_000_000_000, 100_000_010_000):
        reference = references.make_reference(str(body))
        if references.is_valid(reference + word):
            return reference
    raise AssertionError("no such reference in the range")


def test_a_word_after_the_reference_that_happens_to_pass_the_check_is_only_a_second_candidate():
    reference = _reference_that_also_passes_with("PALDIES")
    text = f"valsts nodeva {references.display(reference)} paldies"
    assert references.candidate_references(text)[:2] == [reference + "PALDIES", reference]
    assert references.display("RF18539007547034") == "RF18 5390 0754 7034"
