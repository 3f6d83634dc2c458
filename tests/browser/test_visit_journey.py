"""Booking and moving a visit in Chromium, on real parts: a live server, a Celery worker on Redis, an SMTP sink.

The applicant whose permit awaits registration opens the visit page, goes to next week, books a time with the
keyboard-reachable radios, then moves the visit; each time the worker sends the e-mail, whose .ics attachment is
read back from the SMTP sink: the same UID both times, SEQUENCE 0 then 1, the start in Europe/Riga.
"""

from __future__ import annotations

import icalendar
import pytest
from playwright.sync_api import expect

from applications.appointments.services import generate_visit_slots
from applications.models import Appointment, VisitSettings
from identity.models import TerritorialUnit
from tests.browser.a11y import check_page
from tests.browser.test_decision_loop_journey import flash, sign_in
from tests.factories import ApplicationFactory, UserFactory
from tests.integration.live_workers import wait_for

pytestmark = pytest.mark.integration

WORKER_TIMEOUT = 60


def _ics_of(message) -> icalendar.Calendar:
    for part in message.walk():
        if part.get_filename() == "visit.ics":
            return icalendar.Calendar.from_ical(part.get_payload(decode=True))
    raise AssertionError("no visit.ics attached")


def _mail(live_parts, address: str, starts_with: str):
    """The message to ``address`` the session's SMTP sink received with that subject, if any yet."""
    return next((m for m in live_parts.mail_to(address) if str(m["Subject"]).startswith(starts_with)), None)


def test_book_and_move_a_visit_and_read_both_calendar_entries(live_parts, browser_pages):
    unit = TerritorialUnit.objects.get(code="riga-1")
    VisitSettings.objects.create(unit=unit, slot_minutes=30, capacity=2)
    generate_visit_slots(horizon=15)
    person = UserFactory(applicant=True, preferred_language="en", first_name="Olena", last_name="Shevchenko")
    application = ApplicationFactory(applicant=person, awaiting_registration=True, unit=unit)

    page, screenshot = browser_pages("applicant")
    page.goto(f"/login/?next=/applications/{application.pk}/visit/")
    sign_in(page, person.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Book a visit")
    page.get_by_role("link", name="Next week").click()
    check_page(page)
    # The week's last free time: on a weekend the first of next week is under VISIT_CHANGE_CUTOFF_HOURS away,
    # and a visit that close can no longer be moved here (the second half of this journey).
    chosen = page.get_by_role("radio").last
    chosen.focus()
    page.keyboard.press("Space")  # keyboard-usable: a native radio
    expect(chosen).to_be_checked()
    screenshot("week")
    page.get_by_role("button", name="Book this time").click()
    expect(flash(page)).to_contain_text("Your visit is booked")
    booked = Appointment.objects.get(application=application)

    wait_for(
        lambda: _mail(live_parts, person.email, "Your visit to") is not None,
        timeout=WORKER_TIMEOUT,
        what="the booking e-mail",
    )
    calendar = _ics_of(_mail(live_parts, person.email, "Your visit to"))
    (event,) = calendar.walk("VEVENT")
    assert calendar["METHOD"] == "REQUEST" and int(event["SEQUENCE"]) == 0
    assert event["DTSTART"].params["TZID"] == "Europe/Riga"
    assert event.decoded("DTSTART") == booked.slot.starts_at
    uid = str(event["UID"])

    expect(page.get_by_role("heading", level=1)).to_have_text("Your visit to the unit")
    page.get_by_role("link", name="Next week").click()
    page.get_by_role("radio").nth(5).check()
    page.get_by_role("button", name="Move the visit to this time").click()
    expect(flash(page)).to_contain_text("Your visit is moved")
    screenshot("moved")
    booked.refresh_from_db()

    wait_for(
        lambda: _mail(live_parts, person.email, "Your visit is moved") is not None,
        timeout=WORKER_TIMEOUT,
        what="the move e-mail",
    )
    calendar = _ics_of(_mail(live_parts, person.email, "Your visit is moved"))
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == uid
    assert int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART") == booked.slot.starts_at
