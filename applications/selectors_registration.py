"""Reads of the registration of granted permits: what the applicant may register, the steps on their dashboard,
the card fees on offer, and the unit's registrations for its officers. Each runs a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Application, CardFee, CardSpeed, Registration
from applications.selectors import accessible_applications
from identity.models import User

State = Application.State
REGISTRATION_STATES = (State.AWAITING_REGISTRATION, State.CARD_IN_PRODUCTION, State.READY_FOR_COLLECTION)


def registration_of(application: Application) -> Registration | None:
    """The application's registration row (select_related by the dashboard selectors), or None."""
    try:
        return application.registration
    except ObjectDoesNotExist:
        return None


def list_registrable_applications(*, user: User) -> list[Application]:
    """The granted applications the caller may act on (theirs, and those of the people they represent) whose
    permit needs registration and is not registered yet: one query."""
    return list(
        accessible_applications(user)
        .filter(state=State.GRANTED, kind__needs_registration=True)
        .select_related("kind", "purpose", "unit")
        .order_by("-decided_at", "-id")
    )


def list_current_card_fees(*, on: dt.date | None = None) -> list[CardFee]:
    """The card fee valid on ``on`` for each production speed, slowest first: one query."""
    on = on or timezone.localdate()
    rows = CardFee.objects.filter(valid_from__lte=on).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
    by_speed: dict[str, CardFee] = {}
    for fee in rows.order_by("speed", "-valid_from"):
        by_speed.setdefault(fee.speed, fee)
    return [by_speed[speed.value] for speed in CardSpeed if speed.value in by_speed]


@dataclass
class RegistrationStep:
    label: str
    done: bool = False
    current: bool = False
    detail: str = ""
    url: str = ""
    url_label: str = ""


@dataclass
class RegistrationProgress:
    """What the applicant's card shows about registering the permit: each step, and what to do next."""

    steps: list[RegistrationStep] = field(default_factory=list)
    due_on: dt.date | None = None
    overdue: bool = False
    registration: Registration | None = None
    # Where the visits part plugs in its booking link (templates/applications/_registration_visit.html).
    needs_visit: bool = False


def registration_progress(
    application: Application, *, today: dt.date | None = None
) -> RegistrationProgress | None:
    """The registration steps of a granted application (row-local: reads only the select_related registration)."""
    state = application.state
    if (
        state not in (State.GRANTED, *REGISTRATION_STATES, State.COLLECTED)
        or not application.kind.needs_registration
    ):
        return None
    if state == State.COLLECTED and registration_of(application) is None:
        return None
    today = today or timezone.localdate()
    registration = registration_of(application)
    started = registration is not None
    paid = started and registration.card_fee_paid
    biometrics = state in (State.CARD_IN_PRODUCTION, State.READY_FOR_COLLECTION, State.COLLECTED)
    produced = state in (State.READY_FOR_COLLECTION, State.COLLECTED)
    collected = state == State.COLLECTED
    steps = [
        RegistrationStep(
            label=_("Choose the territorial unit and how fast the card is made"),
            done=started,
            current=not started,
            detail=registration.unit.name if started else "",
            url="" if started else reverse("applications:registration", args=[application.pk]),
            url_label="" if started else _("Register the permit"),
        ),
        RegistrationStep(
            label=_("Pay the card fee"),
            done=paid,
            current=started and not paid,
            detail=registration.card_fee_display if started else "",
            url=reverse("payments:pay", args=[application.pk]) + "?purpose=card_fee"
            if started and not paid and state == State.AWAITING_REGISTRATION
            else "",
            url_label=_("Pay the card fee"),
        ),
        RegistrationStep(
            label=_("Give your fingerprints and photo at the unit (book a visit; bring your passport)"),
            done=biometrics,
            current=paid and not biometrics,
        ),
        RegistrationStep(
            label=_("The card is made; we e-mail you when it is ready"),
            done=produced,
            current=biometrics and not produced,
        ),
        RegistrationStep(
            label=_("Collect the card at the unit"),
            done=collected,
            current=produced and not collected,
        ),
    ]
    due_on = application.registration_due_on if not biometrics else None
    return RegistrationProgress(
        steps=steps,
        due_on=due_on,
        overdue=bool(due_on and due_on < today),
        registration=registration,
        needs_visit=started and not biometrics,
    )


@dataclass(frozen=True)
class UnitRegistrations:
    """A unit's registrations in the back office: waiting for biometrics (overdue first), cards in production,
    cards ready for collection, and granted permits of the unit not registered by their deadline."""

    awaiting: list[Application]
    in_production: list[Application]
    ready: list[Application]
    not_started_overdue: list[Application]


def list_unit_registrations(*, unit_id: int, today: dt.date | None = None) -> UnitRegistrations:
    """Two queries whatever the number of cases: the registrations at the unit by state, and the unit's granted
    cases whose registration deadline passed before anyone started it."""
    today = today or timezone.localdate()
    rows = list(
        Application.objects.filter(registration__unit_id=unit_id, state__in=REGISTRATION_STATES)
        .select_related("registration", "registration__unit", "applicant", "kind")
        .order_by("registration_due_on", "registration__started_at", "id")
    )
    awaiting = [row for row in rows if row.state == State.AWAITING_REGISTRATION]
    # Overdue first, then by deadline (a case without a deadline last).
    awaiting.sort(key=lambda row: (row.registration_due_on or dt.date.max) >= today)
    not_started = list(
        Application.objects.filter(
            unit_id=unit_id, state=State.GRANTED, kind__needs_registration=True, registration_due_on__lt=today
        )
        .select_related("applicant", "kind")
        .order_by("registration_due_on", "id")
    )
    return UnitRegistrations(
        awaiting=awaiting,
        in_production=[row for row in rows if row.state == State.CARD_IN_PRODUCTION],
        ready=[row for row in rows if row.state == State.READY_FOR_COLLECTION],
        not_started_overdue=not_started,
    )
