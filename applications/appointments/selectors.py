"""Reads for the visit pages and API: free slots by week, the applicant's booking, the unit's day.

Each read is a fixed number of queries whatever the number of slots or bookings (tests pin the counts).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import F, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from applications.appointments.services import ACTIVE, RIGA, visit_filter_for_day
from applications.models import Application, Appointment, AppointmentStatus, VisitSlot
from applications.selectors import accessible_applications
from eservice.exceptions import NotFoundError
from identity.models import TerritorialUnit, User


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def list_free_slots(*, unit_id: int, start: dt.date, end: dt.date, people: int = 1) -> list[VisitSlot]:
    """The unit's open slots with at least ``people`` places from ``start`` to ``end`` (both included), in the
    future, in time order: one query (an index range scan of visit_slot_open)."""
    now = timezone.now()
    low = max(dt.datetime.combine(start, dt.time.min, tzinfo=RIGA), now)
    high = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=RIGA)
    return list(
        VisitSlot.objects.filter(
            unit_id=unit_id,
            closed=False,
            starts_at__gt=low,
            starts_at__lt=high,
            booked__lte=F("capacity") - people,
        )
        .only("pk", "unit_id", "starts_at", "ends_at", "capacity", "booked")
        .order_by("starts_at")
    )


@dataclass
class Day:
    date: dt.date
    slots: list[VisitSlot] = field(default_factory=list)


def group_by_day(*, start: dt.date, slots: list[VisitSlot], days: int = 7) -> list[Day]:
    week = [Day(start + dt.timedelta(days=offset)) for offset in range(days)]
    by_date = {day.date: day for day in week}
    for slot in slots:
        local = timezone.localtime(slot.starts_at, RIGA).date()
        if local in by_date:
            by_date[local].slots.append(slot)
    return [day for day in week if day.slots or day.date.weekday() < 5]


def get_active_appointment(*, application_id: int) -> Appointment | None:
    return (
        Appointment.objects.select_related("slot__unit")
        .filter(application_id=application_id, status__in=ACTIVE)
        .first()
    )


def get_own_application(*, user: User, application_id: int) -> Application:
    """An application ``user`` may act on (their own, or one they represent); anyone else's: 404."""
    application = (
        accessible_applications(user)
        .select_related("unit", "kind", "registration__unit")
        .filter(pk=application_id)
        .first()
    )
    if application is None:
        raise Http404
    registration = getattr(application, "registration", None)
    # Where the visit takes place: the unit chosen when the registration started, else the case's unit.
    application.visit_unit = registration.unit if registration is not None else application.unit
    return application


def list_companions(*, user: User, application: Application) -> list[Application]:
    """The other applications ``user`` may act on (their own, and those of the people they represent) that
    await registration at the same unit with no visit booked: they can come to one visit together."""
    return list(
        accessible_applications(user)
        .filter(
            Q(registration__unit_id=application.visit_unit.pk)
            | Q(registration__isnull=True, unit_id=application.visit_unit.pk),
            state=Application.State.AWAITING_REGISTRATION,
        )
        .exclude(pk=application.pk)
        .exclude(appointments__status__in=ACTIVE)
        .order_by("pk")
    )


def list_unit_day(*, unit_id: int, day: dt.date) -> list[Appointment]:
    """Every visit of a unit on a day (cancelled ones left out), in time order: one query."""
    return list(
        Appointment.objects.filter(visit_filter_for_day(unit_id=unit_id, day=day))
        .exclude(status=AppointmentStatus.CANCELLED)
        .select_related("slot", "application__applicant", "application__kind")
        .order_by("slot__starts_at", "application_id")
    )


def list_unit_day_slots(*, unit_id: int, day: dt.date) -> list[VisitSlot]:
    start = dt.datetime.combine(day, dt.time.min, tzinfo=RIGA)
    return list(
        VisitSlot.objects.filter(
            unit_id=unit_id, starts_at__gte=start, starts_at__lt=start + dt.timedelta(days=1)
        )
        .filter(booked__gt=0)
        .order_by("starts_at")
    )


def list_units() -> QuerySet[TerritorialUnit]:
    return (
        TerritorialUnit.objects.filter(is_active=True, handles_residence_permits=True)
        .select_related("visit_settings")
        .prefetch_related(Prefetch("reception_hours"))
        .order_by("kind", "name")
    )


def get_own_application_or_error(*, user: User, application_id: int) -> Application:
    """An application the caller may act on (``get_own_application``), or the API's 404 error body."""
    application = (
        accessible_applications(user).filter(pk=application_id).only("pk", "unit_id", "state").first()
    )
    if application is None:
        raise NotFoundError()
    return application
