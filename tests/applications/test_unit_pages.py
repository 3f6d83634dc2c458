"""Each unit page says where it is (with a map link, no embedded third-party map), how to reach it, and how
accessible the premises are; what the administrator fills in shows, else the Office's central contacts."""

from __future__ import annotations

import re

import pytest

from identity.models import TerritorialUnit

pytestmark = pytest.mark.django_db


def _main(response) -> str:
    return re.search(r"<main .*?</main>", response.content.decode(), re.S).group(0)


def test_every_unit_on_the_list_has_address_phone_email_accessibility_and_a_map_link(client):
    main = _main(client.get("/units/"))
    units = TerritorialUnit.objects.filter(is_active=True, handles_residence_permits=True)
    assert units.count() == 8
    assert main.count("https://www.openstreetmap.org/search?query=") == 8
    assert main.count('href="tel:+37167209400"') >= 8  # central phone until a unit has its own
    assert main.count("mailto:pmlp@pmlp.gov.lv") >= 8
    assert main.count("Accessibility of the premises") == 8
    assert "<iframe" not in main and "<script" not in main
    assert "to be verified" not in main.lower()


def test_unit_page_shows_what_the_administrator_filled_in(client):
    unit = TerritorialUnit.objects.get(code="daugavpils")
    unit.address = "Example iela 1, Daugavpils, LV-5401"
    unit.phone = "+371 65400000"
    unit.email = "daugavpils@example.lv"
    unit.accessibility = "Step-free entrance from the courtyard; lift to the 2nd floor."
    unit.latitude, unit.longitude = 55.874736, 26.536179
    unit.save()
    main = _main(client.get("/units/daugavpils/"))
    assert "Example iela 1, Daugavpils, LV-5401" in main
    assert 'href="tel:+37165400000"' in main and "mailto:daugavpils@example.lv" in main
    assert "Step-free entrance from the courtyard" in main
    assert (
        "https://www.openstreetmap.org/?mlat=55.874736&amp;mlon=26.536179#map=18/55.874736/26.536179" in main
    )
    assert "Reception hours" in main


def test_starting_units_are_marked_for_administrators_to_verify():
    units = TerritorialUnit.objects.all()
    assert units.exists()
    assert all(unit.to_be_verified and unit.verification_note for unit in units)
