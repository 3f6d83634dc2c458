"""Hypothesis drives random sequences of applicant actions; the machine never reaches an illegal state."""

from __future__ import annotations

import pytest
from django_fsm import TransitionNotAllowed
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from applications.models import Application

LEGAL = {
    ("draft", "submit"): "awaiting_payment",
    ("draft", "withdraw"): "withdrawn",
    ("draft", "expire"): "expired",
    ("awaiting_payment", "mark_paid"): "submitted",
    ("awaiting_payment", "withdraw"): "withdrawn",
    ("submitted", "withdraw"): "withdrawn",
}


class ApplicantMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.application = Application(state="draft", kind_id=1, purpose_id=1)
        self.expected = "draft"

    @rule(action=st.sampled_from(["submit", "withdraw", "expire", "mark_paid"]))
    def act(self, action: str) -> None:
        target = LEGAL.get((self.expected, action))
        method = getattr(self.application, action)
        if action == "submit":
            # Row-local conditions: make the form complete so only the state decides.
            self.application.__dict__.update(
                first_name="A",
                last_name="B",
                nationality="UA",
                passport_number="X1234",
                address_in_latvia="Riga",
                school_name="LU",
            )
            import datetime as dt

            self.application.date_of_birth = dt.date(1990, 1, 1)
            self.application.passport_valid_until = dt.date(2040, 1, 1)
            self.application.stay_from = dt.date(2030, 1, 1)
            self.application.stay_to = dt.date(2031, 1, 1)
        if target is None:
            with pytest.raises(TransitionNotAllowed):
                method()
        else:
            method()
            self.expected = target

    @invariant()
    def state_matches_the_model(self) -> None:
        assert self.application.state == self.expected


@pytest.mark.django_db
def test_applicant_side_of_the_machine(monkeypatch):
    from applications.models import Purpose

    studies = Purpose.objects.get(code="studies")
    monkeypatch.setattr(Application, "purpose", property(lambda self: studies))
    ApplicantMachine.TestCase.settings = settings(
        max_examples=60, stateful_step_count=12, deadline=None, suppress_health_check=list(HealthCheck)
    )
    ApplicantMachine.TestCase().runTest()
