"""The visit e-mails as sent by the outbox: the .ics parsed back, a stable UID, SEQUENCE, METHOD, Riga time."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from django.core import mail

from applications.appointments import services
from applications.models import Appointment
from tests.applications.visits.conftest import RIGA, slot_at
from workers.models import Notification
from workers.services.notifications import send_notification

pytestmark = pytest.mark.django_db

TUESDAY_10 = dt.datetime(2026, 3, 3, 10, 0, tzinfo=RIGA)
WEDNESDAY_9 = dt.datetime(2026, 3, 4, 9, 0, tzinfo=RIGA)


def _send(event: str):
    mail.outbox.clear()
    notification = Notification.objects.filter(event=event).latest("created_at")
    send_notification(notification_id=notification.pk)
    assert len(mail.outbox) == 1
    return mail.outbox[0]


def _event(message):
    (name, content, mimetype), *_ = message.attachments
    assert name == "visit.ics" and mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(content)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def test_booking_moving_and_cancelling_update_one_calendar_entry(person, waiting, slots, riga):
    services.book_visit(application_id=waiting.pk, user=person, slot_id=slot_at(riga, TUESDAY_10).pk)
    booked = _send("visit_booked")
    assert booked.to == [person.email]
    assert "03.03.2026 10:00" in booked.body and riga.address in booked.body
    assert "passport" in booked.body  # what to bring
    calendar, event = _event(booked)
    assert calendar["METHOD"] == "REQUEST"
    uid = str(event["UID"])
    assert event.decoded("DTSTART") == TUESDAY_10
    assert event["DTSTART"].params["TZID"] == "Europe/Riga"
    assert str(event.decoded("DTSTART").tzinfo) == "Europe/Riga"
    assert int(event["SEQUENCE"]) == 0
    assert calendar.walk("VTIMEZONE")  # the TZID is defined in the file

    services.reschedule_visit(application_id=waiting.pk, user=person, slot_id=slot_at(riga, WEDNESDAY_9).pk)
    moved = _send("visit_rescheduled")
    calendar, event = _event(moved)
    assert str(event["UID"]) == uid
    assert int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART") == WEDNESDAY_9

    services.cancel_visit(application_id=waiting.pk, user=person)
    cancelled = _send("visit_cancelled")
    calendar, event = _event(cancelled)
    assert calendar["METHOD"] == "CANCEL"
    assert str(event["UID"]) == uid and int(event["SEQUENCE"]) == 2
    assert event["STATUS"] == "CANCELLED"


def test_a_reminder_goes_out_once_on_the_working_day_before(person, waiting, slots, riga, frozen):
    # Booked for Tuesday 10:00; on Monday the reminder goes, and a second run sends nothing more.
    services.book_visit(application_id=waiting.pk, user=person, slot_id=slot_at(riga, TUESDAY_10).pk)
    assert len(services.send_visit_reminders()) == 1
    assert services.send_visit_reminders() == []
    reminder = _send("visit_reminder")
    assert "on 03.03.2026 at 10:00" in reminder.subject
    assert Appointment.objects.get().reminder_sent_at is not None


def test_a_visit_after_a_weekend_is_reminded_on_friday(person, waiting, riga):
    import time_machine

    from applications.appointments.services import generate_visit_slots

    with time_machine.travel(dt.datetime(2026, 3, 5, 12, 0, tzinfo=RIGA), tick=False):  # Thursday
        generate_visit_slots(horizon=5)
        monday = slot_at(riga, dt.datetime(2026, 3, 9, 9, 0, tzinfo=RIGA))
        services.book_visit(application_id=waiting.pk, user=person, slot_id=monday.pk)
        assert services.send_visit_reminders() == []  # Thursday: not yet
    with time_machine.travel(dt.datetime(2026, 3, 6, 10, 0, tzinfo=RIGA), tick=False):  # Friday
        assert len(services.send_visit_reminders()) == 1
