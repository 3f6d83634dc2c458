"""Demo data for visits (``manage.py seed_demo``): every unit that registers permits receives visitors, 15-minute
slots with 2 places, and the slots of the horizon are generated at once (the beat job keeps them going)."""

from __future__ import annotations

from applications.appointments.services import generate_visit_slots
from applications.models import VisitSettings
from identity.models import TerritorialUnit


def seed() -> None:
    for unit in TerritorialUnit.objects.filter(is_active=True, handles_residence_permits=True):
        VisitSettings.objects.get_or_create(unit=unit, defaults={"slot_minutes": 15, "capacity": 2})
    generate_visit_slots()
