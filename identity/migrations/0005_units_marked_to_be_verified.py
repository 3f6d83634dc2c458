"""Mark the starting set of territorial units for an administrator to verify.

The seeds (0002) give each unit its name, city and reception hours, and one street address (Riga 1st Division,
the Office's own). No public source reachable here lists the other units' street addresses, phones, e-mails or
the accessibility of their premises, so none is made up: until an administrator fills them in, the pages show
the Office's central information phone and e-mail, and a map search for the Office in the unit's town.
"""

from django.db import migrations

NOTE = (
    "Starting set: check the street address, phone, e-mail, accessibility of the premises and the map position "
    "against the Office's current published list of units."
)
RIGA_1_NOTE = "Street address from the seeds; check phone, e-mail, accessibility and the map position."


def mark(apps, schema_editor):
    Unit = apps.get_model("identity", "TerritorialUnit")
    Unit.objects.exclude(code="riga-1").update(to_be_verified=True, verification_note=NOTE)
    Unit.objects.filter(code="riga-1").update(to_be_verified=True, verification_note=RIGA_1_NOTE)


class Migration(migrations.Migration):
    dependencies = [("identity", "0004_unit_contacts_accessibility_map")]

    operations = [migrations.RunPython(mark, migrations.RunPython.noop)]
