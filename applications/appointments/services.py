"""Visits at the units: generating slots, booking, moving and cancelling a visit, the unit's day and closures.

Capacity lives in the database: a place is taken by one conditional UPDATE (``booked + n <= capacity`` and not
closed), so of two applicants taking the last place at once the second UPDATE matches no row and gets
``SlotTakenError`` (409); the CHECK constraint on the slot stops any other write from overfilling it.
Every service locks the application rows it changes first (always in id order), then the slot.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.appointments.ics import ICS_BUILDER
from applications.calendar import add_working_days, is_working_day, working_days_in
from applications.models import (
    Application,
    ApplicationEvent,
    Appointment,
    AppointmentStatus,
    VisitClosure,
    VisitSettings,
    VisitSlot,
)
from applications.selectors import accessible_applications
from applications.services import registration
from applications.services.lifecycle import recipients_and_actor, record_event, represented_context
from eservice.exceptions import (
    ConflictError,
    DomainError,
    ForbiddenError,
    InvalidTransitionError,
    NotFoundError,
)
from identity.models import TerritorialUnit, User
from workers.services import absolute_url, notify

logger = logging.getLogger(__name__)

Event = ApplicationEvent.Kind
RIGA = ZoneInfo("Europe/Riga")


# --- errors -------------------------------------------------------------------------------------------------
class SlotUnavailableError(DomainError):
    """The chosen time cannot be booked (past, closed, a holiday, another unit, no such slot): 400."""

    code = "slot_unavailable"
    default_message = gettext_lazy("This time cannot be booked. Please choose another one.")


class SlotTakenError(ConflictError):
    code = "slot_taken"
    default_message = gettext_lazy("This time was just taken. Please choose another one.")


class AlreadyBookedError(ConflictError):
    code = "already_booked"
    default_message = gettext_lazy("A visit is already booked for this application.")


class NoVisitError(NotFoundError):
    code = "no_visit"
    default_message = gettext_lazy("There is no booked visit for this application.")


class SharedVisitError(ConflictError):
    code = "shared_visit"
    default_message = gettext_lazy(
        "This visit was booked together with other people's applications. The person who booked it can move or "
        "cancel it; or call the unit."
    )


class TooLateToChangeError(ConflictError):
    code = "too_late"


class RescheduleLimitError(ConflictError):
    code = "reschedule_limit"


class NotAwaitingRegistrationError(InvalidTransitionError):
    code = "not_awaiting_registration"


# --- slot generation ----------------------------------------------------------------------------------------
def _local(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=RIGA)


def _closure_covers(closure: VisitClosure, starts_at: dt.datetime, ends_at: dt.datetime) -> bool:
    if closure.whole_day:
        return True
    return _local(closure.date, closure.starts) < ends_at and starts_at < _local(closure.date, closure.ends)


def slot_times(*, day: dt.date, hours: Iterable, minutes: int) -> list[tuple[dt.datetime, dt.datetime]]:
    """The slots of one day: from each opening to its closing, every ``minutes``, whole slots only."""
    step = dt.timedelta(minutes=minutes)
    times = []
    for opening in hours:
        start, close = _local(day, opening.opens), _local(day, opening.closes)
        while start + step <= close:
            times.append((start, start + step))
            start += step
    return times


def generate_visit_slots(*, today: dt.date | None = None, horizon: int | None = None) -> int:
    """Create the missing slots of every unit with visit settings, from today to ``horizon`` working days ahead.

    Idempotent: a slot that exists is left alone (unique unit + start), so a second run creates nothing. Public
    holidays have no slots; closures get none, and free slots a later closure covers are closed.
    Returns how many slots were created.
    """
    today = today or timezone.localdate()
    horizon = settings.VISIT_SLOT_HORIZON_WORKING_DAYS if horizon is None else horizon
    last = add_working_days(today, horizon)
    days = working_days_in(today, last)
    window = (_local(today, dt.time.min), _local(last + dt.timedelta(days=1), dt.time.min))
    created = 0
    for visit_settings in (
        VisitSettings.objects.filter(unit__is_active=True, unit__handles_residence_permits=True)
        .select_related("unit")
        .prefetch_related("unit__reception_hours")
    ):
        unit = visit_settings.unit
        hours_by_weekday: dict[int, list] = {}
        for hours in sorted(unit.reception_hours.all(), key=lambda row: row.opens):
            hours_by_weekday.setdefault(hours.weekday, []).append(hours)
        closures = list(VisitClosure.objects.filter(unit=unit, date__gte=today, date__lte=last))
        existing = set(
            VisitSlot.objects.filter(
                unit=unit, starts_at__gte=window[0], starts_at__lt=window[1]
            ).values_list("starts_at", flat=True)
        )
        new = []
        for day in days:
            day_closures = [closure for closure in closures if closure.date == day]
            for starts_at, ends_at in slot_times(
                day=day, hours=hours_by_weekday.get(day.weekday(), ()), minutes=visit_settings.slot_minutes
            ):
                if starts_at in existing:
                    continue
                if any(_closure_covers(closure, starts_at, ends_at) for closure in day_closures):
                    continue
                new.append(
                    VisitSlot(
                        unit=unit, starts_at=starts_at, ends_at=ends_at, capacity=visit_settings.capacity
                    )
                )
        # ignore_conflicts: a concurrent run that created the same slot wins; nothing is created twice.
        VisitSlot.objects.bulk_create(new, ignore_conflicts=True, batch_size=1000)
        created += len(new)
        for closure in closures:
            _slots_in(closure).filter(booked=0, closed=False).update(closed=True)
    logger.info("visits.slots_generated created=%s days=%s", created, len(days))
    return created


def _slots_in(closure: VisitClosure):
    slots = VisitSlot.objects.filter(unit_id=closure.unit_id)
    if closure.whole_day:
        return slots.filter(
            starts_at__gte=_local(closure.date, dt.time.min),
            starts_at__lt=_local(closure.date + dt.timedelta(days=1), dt.time.min),
        )
    return slots.filter(
        starts_at__lt=_local(closure.date, closure.ends), ends_at__gt=_local(closure.date, closure.starts)
    )


# --- booking ------------------------------------------------------------------------------------------------
def _lock_applications(*, user: User, ids: Iterable[int]) -> list[Application]:
    """The applications ``user`` may act on (their own, or those they represent), locked in id order; any other
    id is "not found"."""
    ids = sorted(set(ids))
    applications = list(
        accessible_applications(user)
        .select_for_update(of=("self",))
        .select_related("unit")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    if len(applications) != len(ids):
        raise NotFoundError(_("There is no such application."))
    return applications


def visit_unit_ids(applications: list[Application]) -> dict[int, int | None]:
    """Where each application's visit takes place: the unit chosen when its registration started, else the
    case's unit. One query."""
    from applications.models import Registration

    chosen = dict(
        Registration.objects.filter(application_id__in=[a.pk for a in applications]).values_list(
            "application_id", "unit_id"
        )
    )
    return {application.pk: chosen.get(application.pk, application.unit_id) for application in applications}


def _check_awaiting(application: Application) -> None:
    if application.state != Application.State.AWAITING_REGISTRATION:
        raise NotAwaitingRegistrationError(
            _("A visit can be booked only when the residence permit awaits registration."),
            state=application.state,
            allowed_actions=[],
        )


def _bookable_slot(*, slot_id: int, unit_id: int | None) -> VisitSlot:
    slot = VisitSlot.objects.filter(pk=slot_id).first()
    if slot is None:
        raise SlotUnavailableError(_("There is no such time."), details={"slot": "not_found"})
    if slot.unit_id != unit_id:
        raise SlotUnavailableError(
            _("This time is at another unit. Choose a time at your unit."), details={"slot": "other_unit"}
        )
    if slot.starts_at <= timezone.now():
        raise SlotUnavailableError(_("This time has already passed."), details={"slot": "past"})
    if slot.closed or not is_working_day(timezone.localtime(slot.starts_at).date()):
        raise SlotUnavailableError(
            _("The unit does not receive visitors at this time."), details={"slot": "closed"}
        )
    return slot


def _take_places(slot: VisitSlot, people: int) -> None:
    """Take ``people`` places in one UPDATE that matches only while they are free: the database decides."""
    taken = VisitSlot.objects.filter(
        pk=slot.pk, closed=False, booked__lte=F("capacity") - people, starts_at__gt=timezone.now()
    ).update(booked=F("booked") + people)
    if not taken:
        raise SlotTakenError(details={"slot": slot.pk, "people": people})


def _release_places(slot_id: int, people: int) -> None:
    VisitSlot.objects.filter(pk=slot_id).update(booked=F("booked") - people)


def _active_appointments(application_ids: Iterable[int]):
    return Appointment.objects.filter(application_id__in=list(application_ids), status__in=ACTIVE)


ACTIVE = (AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED)


def visit_url(application_id: int) -> str:
    return absolute_url(reverse("applications:visit", args=[application_id]))


def _mail_context(*, slot: VisitSlot, applications: list[Application], recipient: User) -> dict:
    unit = slot.unit
    starts = timezone.localtime(slot.starts_at)
    visit_settings = VisitSettings.objects.filter(unit=unit).only("what_to_bring").first()
    return {
        "references": [application.reference or "" for application in applications],
        "people": [
            f"{application.first_name} {application.last_name}".strip() for application in applications
        ],
        "unit_name": unit.name_in(recipient.preferred_language),
        "unit_address": unit.address,
        "unit_phone": unit.phone,
        "date": f"{starts:%d.%m.%Y}",
        "time": f"{starts:%H:%M}",
        "what_to_bring": visit_settings.what_to_bring if visit_settings else "",
        "url": visit_url(applications[0].pk),
    }


def _ics(*, booking_uid: uuid.UUID, slot_id: int, sequence: int, method: str) -> list[dict]:
    return [
        {
            "builder": ICS_BUILDER,
            "kwargs": {
                "booking_uid": str(booking_uid),
                "slot_id": slot_id,
                "sequence": sequence,
                "method": method,
            },
        }
    ]


@transaction.atomic
def book_visit(
    *, application_id: int, user: User, slot_id: int, with_application_ids: Iterable[int] = ()
) -> list[Appointment]:
    """Book one visit for an application awaiting registration, and for the account's other applications that
    await registration at the same unit if asked (one visit, one place each)."""
    others = [pk for pk in with_application_ids if pk != application_id]
    applications = _lock_applications(user=user, ids=[application_id, *others])
    main = next(application for application in applications if application.pk == application_id)
    units = visit_unit_ids(applications)
    for application in applications:
        _check_awaiting(application)
        if units[application.pk] != units[main.pk]:
            raise SlotUnavailableError(
                _("Everyone booked together must be registered at the same unit."),
                details={"with_applications": "other_unit"},
            )
    if _active_appointments(application.pk for application in applications).exists():
        raise AlreadyBookedError()
    slot = _bookable_slot(slot_id=slot_id, unit_id=units[main.pk])
    _take_places(slot, len(applications))
    booking_uid = uuid.uuid4()
    appointments = Appointment.objects.bulk_create(
        [
            Appointment(application=application, slot=slot, booked_by=user, booking_uid=booking_uid)
            for application in applications
        ]
    )
    for application in applications:
        record_event(
            application=application,
            kind=Event.VISIT_BOOKED,
            actor=user,
            data={"slot": slot.pk, "starts_at": slot.starts_at.isoformat(), "booking": str(booking_uid)},
        )
    slot.unit = TerritorialUnit.objects.get(pk=slot.unit_id)
    notify(
        recipient=user,
        event="visit_booked",
        context=_mail_context(slot=slot, applications=applications, recipient=user),
        attachments=_ics(booking_uid=booking_uid, slot_id=slot.pk, sequence=0, method="REQUEST"),
    )
    logger.info("visit.booked booking=%s slot=%s people=%s", booking_uid, slot.pk, len(applications))
    return appointments


def _lock_booking(*, application_id: int, user: User) -> tuple[list[Appointment], list[Application]]:
    """The booked (not yet started) visit of the caller's application and everyone booked with it, locked."""
    owned = accessible_applications(user).filter(pk=application_id).exists()
    current = (
        Appointment.objects.filter(
            application_id=application_id,
            application__in=accessible_applications(user),
            status__in=ACTIVE,
        )
        .only("booking_uid")
        .first()
    )
    if not owned:
        raise NotFoundError(_("There is no such application."))
    if current is None:
        raise NoVisitError()
    appointments = list(
        Appointment.objects.select_for_update(of=("self",))
        .select_related("slot__unit", "application")
        .filter(booking_uid=current.booking_uid, status=AppointmentStatus.BOOKED)
        .order_by("application_id")
    )
    if not appointments:
        raise ConflictError(_("The visit has already started."))
    ids = [appointment.application_id for appointment in appointments]
    try:
        applications = _lock_applications(user=user, ids=ids)
    except NotFoundError:
        # A representative booked this visit together with applications this account cannot see: moving or
        # cancelling it would change their visits too, so only someone who may act on all of them can.
        raise SharedVisitError(details={"people": len(ids)}) from None
    return appointments, applications


def _check_may_change(appointment: Appointment) -> None:
    cutoff = dt.timedelta(hours=settings.VISIT_CHANGE_CUTOFF_HOURS)
    if appointment.slot.starts_at - timezone.now() < cutoff:
        raise TooLateToChangeError(
            _(
                "A visit can be moved or cancelled until %(hours)s hours before it starts. Please call the unit."
            )
            % {"hours": settings.VISIT_CHANGE_CUTOFF_HOURS},
            details={"cutoff_hours": settings.VISIT_CHANGE_CUTOFF_HOURS},
        )


@transaction.atomic
def reschedule_visit(*, application_id: int, user: User, slot_id: int) -> list[Appointment]:
    """Move the booked visit (everyone on it) to another time at the same unit."""
    appointments, applications = _lock_booking(application_id=application_id, user=user)
    first = appointments[0]
    _check_may_change(first)
    if first.reschedules >= settings.VISIT_MAX_RESCHEDULES:
        raise RescheduleLimitError(
            _(
                "This visit has already been moved %(count)s times, the most allowed. You may cancel it and book again."
            )
            % {"count": first.reschedules},
            details={"max_reschedules": settings.VISIT_MAX_RESCHEDULES},
        )
    if first.slot_id == slot_id:
        raise SlotUnavailableError(_("The visit is already booked at this time."), details={"slot": "same"})
    old_slot_id = first.slot_id
    slot = _bookable_slot(slot_id=slot_id, unit_id=first.slot.unit_id)
    _take_places(slot, len(appointments))
    _release_places(old_slot_id, len(appointments))
    for appointment in appointments:
        appointment.move(slot_id=slot.pk)
        appointment.save(update_fields=["slot", "sequence", "reschedules", "reminder_sent_at", "updated_at"])
        record_event(
            application=appointment.application,
            kind=Event.VISIT_RESCHEDULED,
            actor=user,
            data={"slot": slot.pk, "starts_at": slot.starts_at.isoformat(), "from_slot": old_slot_id},
        )
    slot.unit = first.slot.unit
    notify(
        recipient=user,
        event="visit_rescheduled",
        context=_mail_context(slot=slot, applications=applications, recipient=user),
        attachments=_ics(
            booking_uid=first.booking_uid,
            slot_id=slot.pk,
            sequence=appointments[0].sequence,
            method="REQUEST",
        ),
    )
    logger.info("visit.rescheduled booking=%s slot=%s", first.booking_uid, slot.pk)
    return appointments


def _cancel(appointments: list[Appointment], *, reason: str, actor: User | None) -> None:
    for appointment in appointments:
        appointment.cancel(reason=reason)
        appointment.save(update_fields=["status", "sequence", "cancelled_reason", "updated_at"])
        record_event(
            application=appointment.application,
            kind=Event.VISIT_CANCELLED,
            actor=actor,
            data={"slot": appointment.slot_id, "reason": reason},
        )
    by_slot: dict[int, int] = {}
    for appointment in appointments:
        by_slot[appointment.slot_id] = by_slot.get(appointment.slot_id, 0) + 1
    for slot_id, people in by_slot.items():
        _release_places(slot_id, people)


@transaction.atomic
def cancel_visit(*, application_id: int, user: User) -> list[Appointment]:
    """The applicant cancels the booked visit (everyone on it) up to the cut-off; the place is free again."""
    appointments, applications = _lock_booking(application_id=application_id, user=user)
    first = appointments[0]
    _check_may_change(first)
    _cancel(appointments, reason="", actor=user)
    notify(
        recipient=user,
        event="visit_cancelled",
        context=_mail_context(slot=first.slot, applications=applications, recipient=user),
        attachments=_ics(
            booking_uid=first.booking_uid, slot_id=first.slot_id, sequence=first.sequence, method="CANCEL"
        ),
    )
    logger.info("visit.cancelled booking=%s", first.booking_uid)
    return appointments


# --- the unit's day -----------------------------------------------------------------------------------------
def _lock_unit_appointment(*, appointment_id: int, officer: User) -> Appointment:
    if not officer.is_officer:
        raise ForbiddenError()
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("slot__unit", "application__applicant", "application__representative", "booked_by")
        .filter(pk=appointment_id, slot__unit_id=officer.unit_id)
        .first()
    )
    if appointment is None or officer.unit_id is None:
        raise NotFoundError(_("There is no such visit at your unit."))
    return appointment


def _illegal(appointment: Appointment, action: str) -> InvalidTransitionError:
    return InvalidTransitionError(
        _("You cannot %(action)s a visit that is “%(state)s”.")
        % {"action": action, "state": appointment.get_status_display()},
        state=appointment.status,
        allowed_actions=[name for name in ("arrive", "no_show", "biometrics") if _allowed(appointment, name)],
    )


def _allowed(appointment: Appointment, action: str) -> bool:
    return {
        "arrive": appointment.status == AppointmentStatus.BOOKED,
        "no_show": appointment.status == AppointmentStatus.BOOKED,
        "biometrics": appointment.status in ACTIVE,
    }[action]


@transaction.atomic
def mark_visit_arrived(*, appointment_id: int, officer: User) -> Appointment:
    appointment = _lock_unit_appointment(appointment_id=appointment_id, officer=officer)
    if not _allowed(appointment, "arrive"):
        raise _illegal(appointment, _("mark as arrived"))
    appointment.arrive()
    appointment.save(update_fields=["status", "updated_at"])
    record_event(application=appointment.application, kind=Event.VISIT_ARRIVED, actor=officer)
    return appointment


@transaction.atomic
def mark_visit_missed(*, appointment_id: int, officer: User) -> Appointment:
    """The person did not come: the application may book again, and the applicant is told so, as is the
    representative who booked the visit (``booked_by``, the actor of its timeline line): they come with the
    person and book the next one."""
    appointment = _lock_unit_appointment(appointment_id=appointment_id, officer=officer)
    if not _allowed(appointment, "no_show"):
        raise _illegal(appointment, _("mark as not come"))
    if appointment.slot.starts_at > timezone.now():
        raise ConflictError(_("The visit has not started yet."), details={"state": appointment.status})
    appointment.miss()
    appointment.save(update_fields=["status", "updated_at"])
    application = appointment.application
    record_event(application=application, kind=Event.VISIT_MISSED, actor=officer)
    for recipient in recipients_and_actor(application, appointment.booked_by):
        notify(
            recipient=recipient,
            event="visit_missed",
            context={
                **_mail_context(slot=appointment.slot, applications=[application], recipient=recipient),
                **represented_context(application, recipient),
            },
            actor=officer,
        )
    return appointment


@transaction.atomic
def record_visit_biometrics(*, appointment_id: int, officer: User) -> Appointment:
    """Biometrics taken at the visit: the registration moves on (card in production) and the visit is done.
    The registration's own rules apply (its unit, the card fee paid): a refusal changes nothing here either."""
    appointment = _lock_unit_appointment(appointment_id=appointment_id, officer=officer)
    if not _allowed(appointment, "biometrics"):
        raise _illegal(appointment, _("record biometrics for"))
    registration.record_biometrics(application=appointment.application, actor=officer)
    appointment.complete()
    appointment.save(update_fields=["status", "updated_at"])
    return appointment


@transaction.atomic
def close_visits(
    *,
    unit_id: int,
    date: dt.date,
    starts: dt.time | None = None,
    ends: dt.time | None = None,
    reason: str,
    actor: User | None,
) -> tuple[VisitClosure, int]:
    """Close a unit's day or part of it: no new bookings, booked visits cancelled, each account apologised to.

    Returns the closure and how many people's visits were cancelled. Officers must be senior and of the unit
    (administrators close any unit through the admin)."""
    if actor is not None and actor.is_officer and (not actor.is_senior_officer or actor.unit_id != unit_id):
        raise NotFoundError(_("There is no such unit within your reach."))
    if (starts is None) != (ends is None) or (starts is not None and ends <= starts):
        raise DomainError(_("Give both times, the second after the first, or neither for the whole day."))
    if date < timezone.localdate():
        raise DomainError(_("A day in the past cannot be closed."), details={"date": "past"})
    unit = TerritorialUnit.objects.get(pk=unit_id)
    closure = VisitClosure.objects.create(
        unit=unit, date=date, starts=starts, ends=ends, reason=reason.strip()[:255], created_by=actor
    )
    slot_ids = list(_slots_in(closure).values_list("pk", flat=True))
    VisitSlot.objects.filter(pk__in=slot_ids).update(closed=True)
    appointments = list(
        Appointment.objects.select_for_update(of=("self",))
        .select_related("slot__unit", "application", "booked_by")
        .filter(slot_id__in=slot_ids, status=AppointmentStatus.BOOKED)
        .order_by("booking_uid", "application_id")
    )
    _cancel(appointments, reason=closure.reason, actor=actor)
    bookings: dict[uuid.UUID, list[Appointment]] = {}
    for appointment in appointments:
        bookings.setdefault(appointment.booking_uid, []).append(appointment)
    for booking_uid, group in bookings.items():
        first = group[0]
        notify(
            recipient=first.booked_by,
            event="visit_cancelled_by_office",
            context={
                **_mail_context(
                    slot=first.slot,
                    applications=[appointment.application for appointment in group],
                    recipient=first.booked_by,
                ),
                "reason": closure.reason,
            },
            actor=actor if actor is not None and actor.is_officer else None,
            attachments=_ics(
                booking_uid=booking_uid, slot_id=first.slot_id, sequence=first.sequence, method="CANCEL"
            ),
        )
    logger.info("visit.closed unit=%s date=%s cancelled=%s", unit_id, date, len(appointments))
    return closure, len(appointments)


def send_visit_reminders(*, now: dt.datetime | None = None) -> list[str]:
    """Remind each booking once, on the working day before its visit. Returns the bookings reminded."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    next_day = add_working_days(today, 1)
    window = (
        _local(today + dt.timedelta(days=1), dt.time.min),
        _local(next_day + dt.timedelta(days=1), dt.time.min),
    )
    reminded = []
    with transaction.atomic():
        appointments = list(
            Appointment.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("slot__unit", "application", "booked_by")
            .filter(
                status=AppointmentStatus.BOOKED,
                reminder_sent_at__isnull=True,
                slot__starts_at__gte=window[0],
                slot__starts_at__lt=window[1],
            )
            .order_by("booking_uid", "application_id")
        )
        bookings: dict[uuid.UUID, list[Appointment]] = {}
        for appointment in appointments:
            bookings.setdefault(appointment.booking_uid, []).append(appointment)
        for booking_uid, group in bookings.items():
            first = group[0]
            notify(
                recipient=first.booked_by,
                event="visit_reminder",
                context=_mail_context(
                    slot=first.slot,
                    applications=[appointment.application for appointment in group],
                    recipient=first.booked_by,
                ),
            )
            reminded.append(str(booking_uid))
        Appointment.objects.filter(pk__in=[appointment.pk for appointment in appointments]).update(
            reminder_sent_at=now
        )
    logger.info("visit.reminders_sent count=%s", len(reminded))
    return reminded


def visit_filter_for_day(*, unit_id: int, day: dt.date) -> Q:
    return Q(
        slot__unit_id=unit_id,
        slot__starts_at__gte=_local(day, dt.time.min),
        slot__starts_at__lt=_local(day + dt.timedelta(days=1), dt.time.min),
    )
