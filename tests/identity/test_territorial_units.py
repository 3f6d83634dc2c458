"""The data migration loads every division and branch with reception hours and three-language names."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from identity.models import TerritorialUnit

pytestmark = pytest.mark.django_db

T = dt.time


def _hours(code):
    unit = TerritorialUnit.objects.get(code=code)
    return [(h.weekday, h.opens, h.closes) for h in unit.reception_hours.all()]


def test_divisions_and_branches_are_loaded():
    divisions = TerritorialUnit.objects.filter(kind=TerritorialUnit.Kind.DIVISION)
    branches = TerritorialUnit.objects.filter(kind=TerritorialUnit.Kind.BRANCH)
    assert divisions.count() >= 29
    assert branches.exists()
    assert all(branch.parent is not None and branch.parent.kind == "division" for branch in branches)
    assert all(unit.reception_hours.exists() for unit in TerritorialUnit.objects.all())


def test_riga_first_division_receives_on_working_days_from_8_to_20():
    assert _hours("riga-1") == [(day, T(8), T(20)) for day in range(5)]


def test_other_divisions_monday_to_thursday_9_to_1630_friday_to_16():
    expected = [(day, T(9), T(16, 30)) for day in range(4)] + [(4, T(9), T(16))]
    for code in ("riga-2", "daugavpils", "liepaja", "valmiera"):
        assert _hours(code) == expected


def test_branches_receive_only_on_their_days():
    for branch in TerritorialUnit.objects.filter(kind="branch"):
        days = [weekday for weekday, _, _ in _hours(branch.code)]
        assert 1 <= len(days) < 5


def test_names_in_three_languages():
    unit = TerritorialUnit.objects.get(code="riga-1")
    assert (unit.name_lv, unit.name_en, unit.name_ru) == (
        "Rīgas 1. nodaļa",
        "Riga 1st Division",
        "1-е Рижское отделение",
    )
    assert not TerritorialUnit.objects.filter(name_en__isnull=True).exists()
    assert not TerritorialUnit.objects.filter(name_ru__isnull=True).exists()
    with translation.override("en"):
        assert str(TerritorialUnit.objects.get(code="jelgava")) == "Jelgava Division"


def test_only_residence_permit_units_are_marked():
    handling = set(
        TerritorialUnit.objects.filter(handles_residence_permits=True).values_list("code", flat=True)
    )
    assert "riga-1" in handling
    assert handling <= {
        "riga-1",
        "daugavpils",
        "jelgava",
        "jekabpils",
        "liepaja",
        "rezekne",
        "valmiera",
        "ventspils",
    }
    assert not TerritorialUnit.objects.filter(kind="branch", handles_residence_permits=True).exists()
