from __future__ import annotations

import pytest

from applications.models import LegalGround
from tests.factories import ApplicationFactory, TerritorialUnitFactory, UserFactory


@pytest.fixture
def unit(db):
    return TerritorialUnitFactory(name="Rīgas 1. nodaļa")


@pytest.fixture
def officer(unit):
    return UserFactory(case_officer=True, unit=unit, first_name="Jānis", last_name="Ozols")


@pytest.fixture
def second_officer(unit):
    return UserFactory(case_officer=True, unit=unit)


@pytest.fixture
def senior(unit):
    return UserFactory(senior_officer=True, unit=unit, first_name="Ilze", last_name="Kalniņa")


@pytest.fixture
def other_senior(unit):
    return UserFactory(senior_officer=True, unit=unit)


@pytest.fixture
def foreign_officer(db):
    return UserFactory(case_officer=True)


@pytest.fixture
def submitted_case(applicant, unit):
    return ApplicationFactory(applicant=applicant, submitted=True, unit=unit, decision_due_on=None)


@pytest.fixture
def case_in_review(applicant, unit, officer):
    return ApplicationFactory(applicant=applicant, in_review=True, unit=unit, assigned_officer=officer)


@pytest.fixture
def refusal_ground(db):
    return LegalGround.objects.get(code="il-34-false-information")


@pytest.fixture
def grant_ground(db):
    return LegalGround.objects.get(code="il-23-1-studies")
