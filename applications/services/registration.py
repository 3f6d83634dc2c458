"""Registration of a granted residence permit: start, card fee, biometrics, card produced, card handed over.

DESIGN.md: granted ──(kind needs registration)──▶ awaiting_registration ▶ card_in_production ▶
ready_for_collection ▶ collected. The applicant starts it from their granted application (choosing the unit and
the card's production speed), pays the card fee through the payments app (which calls ``mark_card_fee_paid``),
gives biometrics at the unit (``record_biometrics``, an officer of that unit: the visits part calls it when the
visit is marked), and collects the card (``mark_card_produced`` then ``hand_over_card``).

Each function locks the application row, checks who acts, calls the django-fsm transition, saves, writes the
registration row and the timeline line and puts the e-mails in the outbox, in one transaction: to the
application's recipients, and to whoever started the registration (a representative, as the timeline records it),
each once and in their own language.
Officers of another unit get "not found", as for any case outside their reach.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import ConcurrentTransition, can_proceed, has_transition_perm

from applications.models import Application, ApplicationEvent, CardFee, CardSpeed, Registration
from applications.models.application import may_act_on
from applications.services.lifecycle import (
    application_url,
    recipients_and_actor,
    record_event,
    represented_context,
)
from applications.surveys.services import invite_to_survey
from eservice.exceptions import ConflictError, DomainError, InvalidTransitionError, NotFoundError
from identity.models import ReceptionHours, TerritorialUnit, User
from workers.services import notify

logger = logging.getLogger(__name__)

Event = ApplicationEvent.Kind
State = Application.State

REGISTRATION_STATES = (
    State.AWAITING_REGISTRATION,
    State.CARD_IN_PRODUCTION,
    State.READY_FOR_COLLECTION,
)

# What the unit's officers may do in each registration state (the API's 409 answers list them).
_OFFICER_ACTIONS: dict[str, list[str]] = {
    State.AWAITING_REGISTRATION: ["record_biometrics"],
    State.CARD_IN_PRODUCTION: ["mark_card_produced"],
    State.READY_FOR_COLLECTION: ["hand_over_card"],
}


# Gettext-lazy: also used by the API views at import time.
CASE_NOT_FOUND = gettext_lazy("There is no such case.")


class RegistrationInputError(DomainError):
    code = "invalid_registration"


class CardFeeNotOfferedError(DomainError):
    code = "card_fee_not_offered"


class CardFeeUnpaidError(ConflictError):
    code = "card_fee_unpaid"


def officer_actions(application: Application) -> list[str]:
    return list(_OFFICER_ACTIONS.get(application.state, []))


def applicant_actions(application: Application, registration: Registration | None = None) -> list[str]:
    """What the applicant may do for the registration now (row-local, given the registration row)."""
    if application.state == State.GRANTED and application.kind.needs_registration:
        return ["start_registration"]
    if (
        registration is not None
        and application.state in REGISTRATION_STATES
        and not registration.card_fee_paid
    ):
        return ["pay_card_fee"]
    return []


def parse_card_speed(value: str) -> CardSpeed:
    try:
        return CardSpeed(str(value))
    except ValueError:
        raise RegistrationInputError(
            _("Some fields are not valid."),
            details={"card_speed": [_("Choose one of the card production speeds.")]},
        ) from None


def get_current_card_fee(*, speed: str, on: dt.date | None = None) -> CardFee:
    """The card fee for ``speed`` valid on ``on`` (today by default); 400 when none is set."""
    speed = parse_card_speed(speed)
    on = on or timezone.localdate()
    fee = (
        CardFee.objects.filter(speed=speed, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .order_by("-valid_from")
        .first()
    )
    if fee is None:
        raise CardFeeNotOfferedError(
            _("No card fee is set for “%(speed)s” on %(date)s.")
            % {"speed": speed.label, "date": on.isoformat()},
            details={"card_speed": speed.value, "date": on.isoformat()},
        )
    return fee


def _save(application: Application, fields: list[str]) -> None:
    try:
        application.save(update_fields=[*fields, "state", "updated_at"])
    except ConcurrentTransition:
        raise ConflictError(
            _("Someone else changed this case at the same moment. Reload it to see what they did.")
        ) from None


def _lock(application_id: int) -> Application | None:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("kind", "applicant", "representative", "unit")
        .filter(pk=application_id)
        .first()
    )


def _registration(application: Application) -> Registration | None:
    return (
        Registration.objects.select_for_update(of=("self",))
        .select_related("unit")
        .filter(application=application)
        .first()
    )


def _lock_for_officer(*, application_id: int, officer: User) -> tuple[Application, Registration | None]:
    """The case and its registration, locked, if ``officer`` is an officer of the registration's unit (or, before
    registration starts, of the case's unit); anyone else gets "not found"."""
    application = _lock(application_id) if officer.is_officer else None
    registration = _registration(application) if application is not None else None
    unit_id = registration.unit_id if registration is not None else getattr(application, "unit_id", None)
    if application is None or unit_id is None or unit_id != officer.unit_id:
        logger.warning("registration.access_refused application=%s staff=%s", application_id, officer.pk)
        raise NotFoundError(CASE_NOT_FOUND)
    return application, registration


def _refuse(application: Application, action: str) -> InvalidTransitionError:
    return InvalidTransitionError(
        _("You cannot %(action)s: the case is “%(state)s”.")
        % {"action": action, "state": application.get_state_display()},
        state=application.state,
        allowed_actions=officer_actions(application),
    )


def _signature_context(
    application: Application, registration: Registration, recipient: User, **extra: Any
) -> dict[str, Any]:
    unit = registration.unit
    return {
        "reference": application.reference or "",
        "url": application_url(application),
        "unit_name": unit.name_in(recipient.preferred_language),
        "unit_address": unit.address,
        **represented_context(application, recipient),
        **extra,
    }


def registration_starter(application: Application) -> User | None:
    """Who started the registration, as the timeline records it (the applicant, or their representative)."""
    started = (
        ApplicationEvent.objects.filter(application=application, kind=Event.REGISTRATION_STARTED)
        .select_related("actor")
        .order_by("-created_at", "-id")
        .first()
    )
    return started.actor if started is not None else None


def _notify_registration(
    *,
    application: Application,
    registration: Registration,
    event: str,
    started_by: User | None,
    officer: User | None = None,
    **extra: Any,
) -> None:
    """One e-mail about the registration's progress to each of the application's recipients and to whoever
    started the registration, each in their own language; ``officer`` signs it."""
    for recipient in recipients_and_actor(application, started_by):
        notify(
            recipient=recipient,
            event=event,
            actor=officer,
            context=_signature_context(application, registration, recipient, **extra),
        )


# Untranslated weekday names: the e-mail translates them at send time in the recipient's language (Django's own
# catalogue has them).
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def collection_hours(unit: TerritorialUnit) -> list[dict[str, str]]:
    """The unit's reception hours as {"day": "Monday", "hours": "09:00–16:30"} rows (JSON-safe, for e-mails)."""
    hours = ReceptionHours.objects.filter(unit=unit).order_by("weekday", "opens")
    return [
        {"day": WEEKDAY_NAMES[row.weekday], "hours": f"{row.opens:%H:%M}–{row.closes:%H:%M}"} for row in hours
    ]


@transaction.atomic
def start_registration(
    *, application_id: int, applicant: User, unit_id: int | None = None, card_speed: str = CardSpeed.STANDARD
) -> Registration:
    """The applicant (or their representative: ``applicant`` is who acts) registers a granted permit: the unit
    (default: the case's unit) and the card's production speed. The card fee due is fixed now. Someone else's
    application is "not found"; an application that is not granted, or of a kind that needs no registration, is
    a 409."""
    application = _lock(application_id)
    if application is None or not may_act_on(application, applicant):
        raise NotFoundError(_("There is no such application."))
    if not (
        can_proceed(application.start_registration)
        and has_transition_perm(application.start_registration, applicant)
    ):
        raise InvalidTransitionError(
            _(
                "Only a granted residence permit that needs registration can be registered; this application is “%(state)s”."
            )
            % {"state": application.get_state_display()},
            state=application.state,
            allowed_actions=applicant_actions(application),
        )
    speed = parse_card_speed(card_speed)
    unit_id = unit_id or application.unit_id
    unit = (
        TerritorialUnit.objects.filter(pk=unit_id, is_active=True, handles_residence_permits=True).first()
        if unit_id
        else None
    )
    if unit is None:
        raise RegistrationInputError(
            _("Some fields are not valid."),
            details={"unit": [_("Choose a territorial unit that registers residence permits.")]},
        )
    fee = get_current_card_fee(speed=speed)
    application.start_registration()
    _save(application, [])
    registration = Registration.objects.create(
        application=application,
        unit=unit,
        card_speed=speed.value,
        card_fee=fee,
        card_fee_cents=fee.amount_cents,
    )
    record_event(
        application=application,
        kind=Event.REGISTRATION_STARTED,
        actor=applicant,
        data={
            "unit": unit.pk,
            "unit_name": unit.name,
            "card_speed": speed.value,
            "amount": fee.amount_display,
        },
    )
    _notify_registration(
        application=application,
        registration=registration,
        event="registration_started",
        started_by=applicant,
        card_speed=str(speed.value),
        amount=fee.amount_display,
        registration_due_on=application.registration_due_on.isoformat()
        if application.registration_due_on
        else "",
    )
    logger.info("registration.started application=%s unit=%s speed=%s", application.pk, unit.pk, speed.value)
    return registration


def mark_card_fee_paid(
    *, application: Application, paid_at: dt.datetime, amount: str, payment_id: int, actor: User | None = None
) -> Registration:
    """The payments app confirmed the card fee: the registration's fee is paid (no state change). Called inside
    the payments service's transaction with the application already locked; safe to call twice."""
    registration = _registration(application)
    if registration is None:
        raise ConflictError(
            _("This application has no registration to pay a card fee for."),
            details={"state": application.state, "allowed_actions": applicant_actions(application)},
        )
    if registration.card_fee_paid_at is not None:
        return registration
    registration.card_fee_paid_at = paid_at
    registration.save(update_fields=["card_fee_paid_at"])
    record_event(
        application=application,
        kind=Event.CARD_FEE_PAID,
        actor=actor,
        data={"payment_id": payment_id, "amount": amount},
    )
    logger.info("registration.card_fee_paid application=%s payment=%s", application.pk, payment_id)
    return registration


@transaction.atomic
def record_biometrics(*, application: Application, actor: User) -> Application:
    """An officer of the registration's unit took the applicant's biometrics: the card goes into production.
    Refused (409 ``card_fee_unpaid``) until the card fee is paid."""
    application, registration = _lock_for_officer(application_id=application.pk, officer=actor)
    if registration is None or not can_proceed(application.take_biometrics):
        raise _refuse(application, _("record biometrics"))
    if not registration.card_fee_paid:
        raise CardFeeUnpaidError(
            _("The card fee is not paid yet: biometrics can be taken once it is."),
            details={
                "state": application.state,
                "allowed_actions": [],
                "card_fee": registration.card_fee_display,
            },
        )
    application.take_biometrics()
    _save(application, [])
    registration.biometrics_at = timezone.now()
    registration.biometrics_by = actor
    registration.save(update_fields=["biometrics_at", "biometrics_by"])
    record_event(
        application=application, kind=Event.BIOMETRICS_TAKEN, actor=actor, data={"unit": registration.unit_id}
    )
    speed = CardSpeed(registration.card_speed)
    _notify_registration(
        application=application,
        registration=registration,
        event="card_in_production",
        started_by=registration_starter(application),
        officer=actor,
        working_days=speed.working_days,
    )
    invite_to_survey(application=application, occasion="visit")  # the visit at the unit is over
    logger.info("registration.biometrics application=%s officer=%s", application.pk, actor.pk)
    return application


@transaction.atomic
def mark_card_produced(*, application: Application, actor: User) -> Application:
    """The card arrived at the unit: the applicant is told to collect it, with the unit's hours."""
    application, registration = _lock_for_officer(application_id=application.pk, officer=actor)
    if registration is None or not can_proceed(application.mark_card_produced):
        raise _refuse(application, _("mark the card produced"))
    application.mark_card_produced()
    _save(application, [])
    registration.card_produced_at = timezone.now()
    registration.card_produced_by = actor
    registration.save(update_fields=["card_produced_at", "card_produced_by"])
    record_event(
        application=application, kind=Event.CARD_PRODUCED, actor=actor, data={"unit": registration.unit_id}
    )
    _notify_registration(
        application=application,
        registration=registration,
        event="card_ready",
        started_by=registration_starter(application),
        officer=actor,
        hours=collection_hours(registration.unit),
    )
    logger.info("registration.card_produced application=%s officer=%s", application.pk, actor.pk)
    return application


@transaction.atomic
def hand_over_card(*, application: Application, actor: User) -> Application:
    """The applicant collected the card: the case is closed."""
    application, registration = _lock_for_officer(application_id=application.pk, officer=actor)
    if registration is None or not can_proceed(application.hand_over_card):
        raise _refuse(application, _("hand over the card"))
    application.hand_over_card()
    _save(application, ["closed_at"])
    registration.collected_at = application.closed_at
    registration.handed_over_by = actor
    registration.save(update_fields=["collected_at", "handed_over_by"])
    record_event(
        application=application, kind=Event.CARD_COLLECTED, actor=actor, data={"unit": registration.unit_id}
    )
    _notify_registration(
        application=application,
        registration=registration,
        event="card_collected",
        started_by=registration_starter(application),
        officer=actor,
    )
    logger.info("registration.collected application=%s officer=%s", application.pk, actor.pk)
    return application


def send_registration_reminders(*, today: dt.date | None = None) -> list[int]:
    """Remind once each applicant whose permit is granted but not yet registered (not started, or started but
    no biometrics yet) REGISTRATION_REMINDER_DAYS before the deadline (the daily beat job). Returns the ids."""
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=settings.REGISTRATION_REMINDER_DAYS)
    waiting = Q(state__in=[State.GRANTED, State.AWAITING_REGISTRATION])
    candidates = Application.objects.filter(
        waiting,
        registration_reminder_sent_at__isnull=True,
        registration_due_on__gte=today,
        registration_due_on__lte=horizon,
    ).values_list("pk", flat=True)
    reminded = []
    for application_id in candidates:
        with transaction.atomic():
            application = (
                Application.objects.select_for_update(of=("self",))
                .select_related("applicant", "representative")
                .filter(waiting, pk=application_id, registration_reminder_sent_at__isnull=True)
                .first()
            )
            if application is None:
                continue
            # Once the registration is started, whoever started it is reminded too: they book the visit.
            started_by = (
                registration_starter(application)
                if application.state == State.AWAITING_REGISTRATION
                else None
            )
            for recipient in recipients_and_actor(application, started_by):
                notify(
                    recipient=recipient,
                    event="registration_reminder",
                    context={
                        "reference": application.reference or "",
                        "url": application_url(application),
                        "registration_due_on": application.registration_due_on.isoformat(),
                        **represented_context(application, recipient),
                    },
                )
            application.registration_reminder_sent_at = timezone.now()
            application.save(update_fields=["registration_reminder_sent_at", "updated_at"])
            record_event(
                application=application,
                kind=Event.REGISTRATION_REMINDER,
                data={"registration_due_on": application.registration_due_on.isoformat()},
            )
            reminded.append(application.pk)
    logger.info("registration.reminders sent=%s", len(reminded))
    return reminded
