"""The calendar entry (.ics, RFC 5545) attached to the visit e-mails, built by the outbox when it sends the mail.

One booking is one entry: its UID is the booking's id, so a calendar program updates the same entry when the
visit moves (a higher SEQUENCE) and removes it on METHOD:CANCEL. Times are local Riga time with their TZID and
the VTIMEZONE that defines it.
"""

from __future__ import annotations

import uuid
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

ICS_BUILDER = "applications.appointments.ics.visit_ics_attachment"
RIGA = ZoneInfo("Europe/Riga")
METHODS = frozenset({"REQUEST", "CANCEL"})


def booking_ics_uid(booking_uid: str | uuid.UUID) -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> ") or "localhost"
    return f"visit-{booking_uid}@{domain}"


def build_visit_calendar(*, booking_uid: str, slot, sequence: int, method: str, people: list[str]) -> bytes:
    if method not in METHODS:
        raise ValueError(f"method must be one of {sorted(METHODS)}, got {method!r}")
    unit = slot.unit
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//OCMA//Residence permit e-service//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = icalendar.Event()
    event.add("uid", booking_ics_uid(booking_uid))
    event.add("sequence", sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", timezone.localtime(slot.starts_at, RIGA))
    event.add("dtend", timezone.localtime(slot.ends_at, RIGA))
    event.add("summary", _("Visit to %(unit)s: residence permit registration") % {"unit": unit.name})
    event.add("location", unit.address)
    lines = [_("Registration of the residence permit: biometrics (photo, fingerprints, signature).")]
    if people:
        lines.append(_("People: %(names)s") % {"names": ", ".join(people)})
    lines.append(_("Bring your passport."))
    event.add("description", "\n".join(lines))
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("organizer", f"mailto:{settings.OFFICE_EMAIL}")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def visit_ics_attachment(
    *, booking_uid: str, slot_id: int, sequence: int, method: str
) -> tuple[str, str, str]:
    """The outbox's attachment builder: the entry as the mail announces it (its slot and revision)."""
    from applications.models import Appointment, VisitSlot

    slot = VisitSlot.objects.select_related("unit").get(pk=slot_id)
    people = [
        f"{first} {last}".strip()
        for first, last in Appointment.objects.filter(booking_uid=booking_uid)
        .order_by("application_id")
        .values_list("application__first_name", "application__last_name")
    ]
    content = build_visit_calendar(
        booking_uid=booking_uid, slot=slot, sequence=sequence, method=method, people=people
    )
    return "visit.ics", content.decode(), "text/calendar"
