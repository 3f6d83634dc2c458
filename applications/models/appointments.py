"""Visits at a territorial unit: each unit's slot settings, closures, the generated slots and the bookings.

A slot holds ``capacity`` people; ``booked`` counts the people booked into it and only ever moves by a
conditional UPDATE (``booked + n <= capacity``, applications/appointments/services.py), so two applicants can
never both take the last place. A CHECK constraint keeps it honest even against a mistaken write.

One booking (``booking_uid``) may bring several people of the same account (family members), one ``Appointment``
row each: capacity counts people, officers mark each person, the calendar entry is one per booking.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition


class VisitSettings(models.Model):
    """How a unit receives visitors: slot length and people per slot. Units without a row get no slots."""

    unit = models.OneToOneField(
        "identity.TerritorialUnit",
        verbose_name=_("territorial unit"),
        on_delete=models.CASCADE,
        related_name="visit_settings",
    )
    slot_minutes = models.PositiveSmallIntegerField(
        _("slot length (minutes)"), default=15, help_text=_("Visits start every this many minutes.")
    )
    capacity = models.PositiveSmallIntegerField(
        _("people per slot"), default=2, help_text=_("How many people the unit receives at the same time.")
    )
    what_to_bring = models.TextField(
        _("what to bring"),
        blank=True,
        help_text=_("Shown in the booking e-mail; empty: the standard list (passport, a photo is taken)."),
    )

    class Meta:
        verbose_name = _("visit settings")
        verbose_name_plural = _("visit settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(slot_minutes__gte=5, slot_minutes__lte=240),
                name="visit_slot_minutes_range",
            ),
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="visit_capacity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.unit}: {self.slot_minutes} min × {self.capacity}"


class VisitClosure(models.Model):
    """The unit receives nobody on ``date`` (whole day) or from ``starts`` to ``ends`` (illness, an outage)."""

    unit = models.ForeignKey(
        "identity.TerritorialUnit",
        verbose_name=_("territorial unit"),
        on_delete=models.CASCADE,
        related_name="visit_closures",
    )
    date = models.DateField(_("date"))
    starts = models.TimeField(_("from"), null=True, blank=True, help_text=_("Empty: the whole day."))
    ends = models.TimeField(_("until"), null=True, blank=True, help_text=_("Empty: the whole day."))
    reason = models.CharField(_("reason"), max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["date", "starts"]
        verbose_name = _("visit closure")
        verbose_name_plural = _("visit closures")
        indexes = [models.Index(fields=["unit", "date"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(starts__isnull=True, ends__isnull=True)
                | models.Q(starts__isnull=False, ends__isnull=False, ends__gt=models.F("starts")),
                name="visit_closure_range",
            )
        ]

    def __str__(self) -> str:
        if self.starts is None:
            return f"{self.unit}: {self.date}"
        return f"{self.unit}: {self.date} {self.starts:%H:%M}–{self.ends:%H:%M}"

    @property
    def whole_day(self) -> bool:
        return self.starts is None


class VisitSlot(models.Model):
    """A time at a unit, generated from its reception hours; ``booked`` of ``capacity`` places are taken."""

    unit = models.ForeignKey(
        "identity.TerritorialUnit",
        verbose_name=_("territorial unit"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    capacity = models.PositiveSmallIntegerField(_("places"))
    booked = models.PositiveSmallIntegerField(_("booked"), default=0)
    # Set when the unit cannot receive anyone at this time (a closure); a closed slot takes no booking.
    closed = models.BooleanField(_("closed"), default=False)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("visit slot")
        verbose_name_plural = _("visit slots")
        constraints = [
            models.UniqueConstraint(fields=["unit", "starts_at"], name="visit_slot_unique_start"),
            models.CheckConstraint(
                condition=models.Q(booked__lte=models.F("capacity")), name="visit_slot_capacity"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="visit_slot_range"
            ),
        ]
        indexes = [
            # The week view: one unit's open slots with a free place, in time order (an index range scan).
            models.Index(
                fields=["unit", "starts_at"],
                include=["booked", "capacity"],
                condition=models.Q(closed=False),
                name="visit_slot_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M} ({self.booked}/{self.capacity})"

    @property
    def places_left(self) -> int:
        return max(self.capacity - self.booked, 0)


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    ARRIVED = "arrived", _("Arrived")
    DONE = "done", _("Biometrics taken")
    NO_SHOW = "no_show", _("Did not come")
    CANCELLED = "cancelled", _("Cancelled")


# An application has at most one appointment in these states (a booked or current visit).
ACTIVE_STATUSES = (AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED)


class Appointment(models.Model):
    """One person's (one application's) place in a slot. People booked together share ``booking_uid``."""

    Status = AppointmentStatus

    application = models.ForeignKey(
        "applications.Application",
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="appointments",
    )
    slot = models.ForeignKey(
        VisitSlot, verbose_name=_("slot"), on_delete=models.PROTECT, related_name="appointments"
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("booked by"), on_delete=models.PROTECT, related_name="+"
    )
    # The calendar entry's UID: stable over reschedules, so calendar programs update the same entry.
    booking_uid = models.UUIDField(_("booking"), default=uuid.uuid4, db_index=True)
    # iCalendar SEQUENCE: raised by each reschedule and by the cancellation.
    sequence = models.PositiveSmallIntegerField(_("calendar revision"), default=0)
    reschedules = models.PositiveSmallIntegerField(_("times moved"), default=0)
    status = FSMField(_("status"), default=AppointmentStatus.BOOKED, choices=AppointmentStatus.choices)
    created_at = models.DateTimeField(_("booked"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    reminder_sent_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)
    cancelled_reason = models.CharField(_("cancellation reason"), max_length=255, blank=True)

    class Meta:
        ordering = ["slot__starts_at", "id"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=models.Q(status__in=ACTIVE_STATUSES),
                name="appointment_one_active_per_application",
            )
        ]
        indexes = [models.Index(fields=["slot", "status"])]

    def __str__(self) -> str:
        return f"{self.application_id} at slot {self.slot_id} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    # Row-local transitions; the services lock the rows, count the places and send the mail.
    @transition(field=status, source=AppointmentStatus.BOOKED, target=AppointmentStatus.BOOKED)
    def move(self, *, slot_id: int) -> None:
        self.slot_id = slot_id
        self.sequence += 1
        self.reschedules += 1
        self.reminder_sent_at = None

    @transition(field=status, source=AppointmentStatus.BOOKED, target=AppointmentStatus.CANCELLED)
    def cancel(self, *, reason: str = "") -> None:
        self.sequence += 1
        self.cancelled_reason = reason

    @transition(field=status, source=AppointmentStatus.BOOKED, target=AppointmentStatus.ARRIVED)
    def arrive(self) -> None:
        """The person came to the unit."""

    @transition(field=status, source=AppointmentStatus.BOOKED, target=AppointmentStatus.NO_SHOW)
    def miss(self) -> None:
        """The person did not come; they may book again."""

    @transition(
        field=status,
        source=[AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED],
        target=AppointmentStatus.DONE,
    )
    def complete(self) -> None:
        """Biometrics taken."""
