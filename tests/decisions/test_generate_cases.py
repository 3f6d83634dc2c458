"""``manage.py generate_cases``: made-up applications for the benchmark, refused outside DEBUG."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from applications.models import Application
from applications.models.application import BACK_OFFICE_STATES
from identity.models import User

pytestmark = pytest.mark.django_db


def test_refuses_to_run_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("generate_cases", 10)
    assert not Application.objects.exists()


def test_fills_units_and_states_with_deadlines_for_open_cases(settings):
    settings.DEBUG = False
    call_command("generate_cases", 600, force=True, seed=3)

    applications = Application.objects.all()
    assert applications.count() == 600
    assert User.objects.filter(email__startswith="generated-").count() == 300
    assert applications.values("unit").distinct().count() >= 5
    states = dict(applications.values_list("state").annotate(n=Count("id")))
    assert set(states) >= {"collected", "draft", *BACK_OFFICE_STATES}
    open_cases = applications.filter(state__in=BACK_OFFICE_STATES)
    assert not open_cases.filter(decision_due_on__isnull=True).exists()
    assert not open_cases.filter(unit__isnull=True).exists()
    assert not applications.filter(state="draft", reference__isnull=False).exists()


def test_runs_again_without_clashing(settings):
    settings.DEBUG = True
    call_command("generate_cases", 20)
    call_command("generate_cases", 20)
    assert Application.objects.count() == 40


def test_refuses_a_count_below_one(settings):
    settings.DEBUG = True
    with pytest.raises(CommandError):
        call_command("generate_cases", 0)
