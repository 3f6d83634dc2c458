"""Slots come from each unit's reception hours, skip public holidays and closures, and a second run adds none."""

from __future__ import annotations

import datetime as dt

import time_machine

from applications.appointments.services import close_visits, generate_visit_slots
from applications.models import VisitSettings, VisitSlot
from identity.models import TerritorialUnit
from tests.applications.visits.conftest import MONDAY, RIGA


def _local_starts(unit, day):
    return [
        slot.starts_at.astimezone(RIGA).time()
        for slot in VisitSlot.objects.filter(unit=unit, closed=False).order_by("starts_at")
        if slot.starts_at.astimezone(RIGA).date() == day
    ]


def test_riga_first_division_has_slots_from_eight_to_twenty(riga, frozen):
    generate_visit_slots(horizon=5)
    starts = _local_starts(riga, dt.date(2026, 3, 3))
    assert starts[0] == dt.time(8, 0)
    assert starts[-1] == dt.time(19, 30)  # the last whole 30-minute slot before 20:00
    assert len(starts) == 24
    assert VisitSlot.objects.filter(unit=riga).first().capacity == 2


def test_a_second_run_creates_nothing(riga, frozen):
    first = generate_visit_slots(horizon=5)
    count = VisitSlot.objects.count()
    assert first == count > 0
    assert generate_visit_slots(horizon=5) == 0
    assert VisitSlot.objects.count() == count


def test_no_slots_on_latvian_public_holidays_nor_weekends(riga):
    # 4 May 2026 is a Monday and Restoration of Independence Day (observed); 1 May a Friday, Labour Day.
    with time_machine.travel(dt.datetime(2026, 4, 29, 9, 0, tzinfo=RIGA), tick=False):
        generate_visit_slots(horizon=6)
    days = {slot.starts_at.astimezone(RIGA).date() for slot in VisitSlot.objects.filter(unit=riga)}
    assert dt.date(2026, 5, 1) not in days
    assert dt.date(2026, 5, 4) not in days
    assert dt.date(2026, 5, 2) not in days and dt.date(2026, 5, 3) not in days
    assert dt.date(2026, 4, 30) in days and dt.date(2026, 5, 5) in days


def test_a_branch_receives_on_its_single_day_and_a_division_closes_earlier_on_friday(db):
    branch = TerritorialUnit.objects.get(code="salaspils")  # Wednesdays 9:00-16:00
    branch.handles_residence_permits = True
    branch.save()
    VisitSettings.objects.create(unit=branch, slot_minutes=60, capacity=1)
    jelgava = TerritorialUnit.objects.get(code="jelgava")  # Mon-Thu 9:00-16:30, Fri 9:00-16:00
    VisitSettings.objects.create(unit=jelgava, slot_minutes=30, capacity=3)
    with time_machine.travel(MONDAY, tick=False):
        generate_visit_slots(horizon=5)
    branch_days = {slot.starts_at.astimezone(RIGA).date() for slot in VisitSlot.objects.filter(unit=branch)}
    assert branch_days == {dt.date(2026, 3, 4)}
    assert _local_starts(branch, dt.date(2026, 3, 4)) == [dt.time(hour, 0) for hour in range(9, 16)]
    assert _local_starts(jelgava, dt.date(2026, 3, 5))[-1] == dt.time(16, 0)  # Thursday: until 16:30
    assert _local_starts(jelgava, dt.date(2026, 3, 6))[-1] == dt.time(15, 30)  # Friday: until 16:00


def test_units_without_visit_settings_get_no_slots(db, frozen):
    generate_visit_slots(horizon=5)
    assert not VisitSlot.objects.exists()


def test_a_closure_added_later_closes_free_slots_and_the_next_run_does_not_reopen_them(riga, frozen):
    generate_visit_slots(horizon=5)
    close_visits(
        unit_id=riga.pk,
        date=dt.date(2026, 3, 4),
        starts=dt.time(12, 0),
        ends=dt.time(14, 0),
        reason="Power cut",
        actor=None,
    )
    open_times = _local_starts(riga, dt.date(2026, 3, 4))
    assert dt.time(12, 0) not in open_times and dt.time(13, 30) not in open_times
    assert dt.time(11, 30) in open_times and dt.time(14, 0) in open_times
    assert generate_visit_slots(horizon=5) == 0
    assert _local_starts(riga, dt.date(2026, 3, 4)) == open_times


def test_a_day_closed_before_generation_gets_no_slots(riga, frozen):
    close_visits(unit_id=riga.pk, date=dt.date(2026, 3, 5), reason="Staff training", actor=None)
    generate_visit_slots(horizon=5)
    assert _local_starts(riga, dt.date(2026, 3, 5)) == []
    assert _local_starts(riga, dt.date(2026, 3, 6))
