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


def test_find_reference_in_free_text():
    assert references.find_reference("Payment RF18 5390 0754 7034, thanks") == "RF18539007547034"
    assert references.find_reference("no reference RF19539007547034 here") == ""
    assert references.display("RF18539007547034") == "RF18 5390 0754 7034"
