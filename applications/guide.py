"""The procedure guide: from a few answers to the kind to apply for, its checklist, fees and decision dates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.calendar import add_working_days
from applications.models import (
    ApplicationKind,
    CardFee,
    CardSpeed,
    DocumentRequirement,
    Fee,
    ProcessingSpeed,
    Purpose,
)
from applications.selectors import list_current_fees, list_requirements
from applications.selectors_registration import list_current_card_fees

# The draft is created by the applications pages; the guide only links there (sign-in is asked on arrival).
START_APPLICATION_URL_NAME = "applications:new"


class Situation(models.TextChoices):
    """Where the person is now and on what basis: the first question of the guide."""

    ABROAD = "abroad", _("I am outside Latvia")
    VISA = "visa", _("I am in Latvia with a visa or visa-free")
    RESIDENCE_PERMIT = (
        "residence_permit",
        _("I am in Latvia with a temporary residence permit and want to stay for the same purpose"),
    )
    FIVE_YEARS = (
        "five_years",
        _("I have lived in Latvia with residence permits for the last five years without interruption"),
    )
    POSITIVE_DECISION = (
        "positive_decision",
        _("The Office has granted my residence permit and I need to register it (biometrics, card)"),
    )


KIND_FOR_SITUATION: dict[str, str] = {
    Situation.ABROAD: ApplicationKind.Code.FIRST_TRP,
    Situation.VISA: ApplicationKind.Code.FIRST_TRP,
    Situation.RESIDENCE_PERMIT: ApplicationKind.Code.REPEATED_TRP,
    Situation.FIVE_YEARS: ApplicationKind.Code.EU_LONG_TERM,
    Situation.POSITIVE_DECISION: ApplicationKind.Code.REGISTRATION,
}


class Age(models.TextChoices):
    ADULT = "adult", _("18 or older")
    MINOR = "minor", _("Under 18")


class GuideForm(forms.Form):
    situation = forms.ChoiceField(
        label=_("Where are you now, and on what basis?"), choices=Situation.choices, widget=forms.RadioSelect
    )
    purpose = forms.ModelChoiceField(
        label=_("Why do you want to live in Latvia?"),
        queryset=Purpose.objects.all(),
        to_field_name="code",
        widget=forms.RadioSelect,
        empty_label=None,
    )
    speed = forms.ChoiceField(
        label=_("How fast do you need the decision?"),
        choices=ProcessingSpeed.choices,
        initial=ProcessingSpeed.STANDARD,
        widget=forms.RadioSelect,
    )
    age = forms.ChoiceField(
        label=_("How old is the applicant?"),
        choices=[("", _("I would rather not say")), *Age.choices],
        required=False,
        widget=forms.RadioSelect,
    )

    @property
    def kind_code(self) -> str:
        return KIND_FOR_SITUATION[self.cleaned_data["situation"]]


@dataclass(frozen=True)
class SpeedOption:
    """A processing speed with its state fee, or (a kind started from a decision: registration) a card
    production speed with its card fee; ``decision_date``: when the decision, or the card, is ready."""

    speed: ProcessingSpeed | CardSpeed
    fee: Fee | CardFee | None
    decision_date: dt.date
    chosen: bool


@dataclass(frozen=True)
class GuideAnswer:
    kind: ApplicationKind
    purpose: Purpose
    speed: ProcessingSpeed
    is_minor: bool | None
    requirements: list[DocumentRequirement]
    speed_options: list[SpeedOption]
    start_url: str

    @property
    def needs_invitation(self) -> bool:
        return self.kind.needs_invitation(self.purpose)

    @property
    def chosen_option(self) -> SpeedOption | None:
        return next((option for option in self.speed_options if option.chosen), None)


def start_application_url(
    *, kind: ApplicationKind, purpose: Purpose, speed: str | None = None, is_minor: bool | None = None
) -> str:
    """The new-application page, carrying every answer of the guide (the age too, so it is not asked again)."""
    base = reverse(START_APPLICATION_URL_NAME)
    query = {"kind": kind.code, "purpose": purpose.code}
    if speed:
        query["speed"] = speed
    if is_minor is not None:
        query["age"] = Age.MINOR if is_minor else Age.ADULT
    return f"{base}?{urlencode(query)}"


def build_answer(
    *,
    kind: ApplicationKind,
    purpose: Purpose,
    speed: str | None,
    is_minor: bool | None,
    today: dt.date | None = None,
) -> GuideAnswer:
    """Everything the answer page shows. A speed the kind does not offer falls back to its slowest one."""
    today = today or timezone.localdate()
    offered: list = kind.offered_speeds
    if kind.starts_from_decision:
        # Registration costs the card fee, by the card's production speed (not a state fee for a decision).
        offered = list(CardSpeed)
        fees = {fee.speed: fee for fee in list_current_card_fees(on=today)}
    else:
        fees = {fee.speed: fee for fee in list_current_fees(kind=kind, on=today)}
    chosen = next((option for option in offered if option.value == speed), offered[0] if offered else None)
    options = [
        SpeedOption(
            speed=option,
            fee=fees.get(option.value),
            decision_date=add_working_days(today, option.working_days),
            chosen=option == chosen,
        )
        for option in offered
    ]
    return GuideAnswer(
        kind=kind,
        purpose=purpose,
        speed=ProcessingSpeed(chosen.value) if chosen else ProcessingSpeed.STANDARD,
        is_minor=is_minor,
        requirements=list_requirements(kind=kind, purpose=purpose, is_minor=is_minor),
        speed_options=options,
        start_url=start_application_url(
            kind=kind, purpose=purpose, speed=chosen.value if chosen else None, is_minor=is_minor
        ),
    )
