"""Check the starting set of state fees against what the Office publishes, and record the source on each row.

Checked on 2026-11-27 against the stored copies of the Office's public pages (no live access from here):

- "Valsts nodeva par uzturēšanās atļaujas izsniegšanu" (pmlp.gov.lv): examining the documents for a temporary
  residence permit costs 100.00 EUR within 30 days, 200.00 EUR within 10 working days and 400.00 EUR within
  5 working days; for the spouse, minor child or ward of a Latvian citizen, non-citizen or permanent resident,
  and for a pupil or full-time student, 70.00 EUR within 30 days (200.00 / 400.00 faster).
- The Office's page on the EU long-term resident status: 160 EUR within 30 days, 280 EUR within 10 working days.

The fee table knows kind and speed, not purpose, so the standard TRP rows take the general rate and stay marked
for administrators (the reduced 70.00 EUR rate for family members and students is not modelled yet). The card
(registration) fees were not found in a public source here and stay marked. Only administrators see the mark.
"""

import datetime as dt

from django.db import migrations

CHECKED_ON = dt.date(2026, 11, 27)
TRP_SOURCE = "https://www.pmlp.gov.lv/lv/valsts-nodeva-par-uzturesanas-atlaujas-izsniegsanu"
EU_SOURCE = "https://www.pmlp.gov.lv/en/citizens-russian-federation-2-year-residence-permit"
BASIS = "Cabinet Regulation on the state fee for examining residence permit documents, as published by OCMA"
REDUCED_RATE = (
    "General rate. 70.00 EUR within 30 days for the spouse, minor child or ward of a Latvian citizen, "
    "non-citizen or permanent resident, and for pupils and full-time students: not modelled per purpose yet."
)

# kind: {speed: (cents, confirmed, source, note)}
CHECKED = {
    "first_trp": {
        "standard": (10000, False, TRP_SOURCE, REDUCED_RATE),
        "faster": (20000, True, TRP_SOURCE, ""),
        "fastest": (40000, True, TRP_SOURCE, ""),
    },
    "repeated_trp": {
        "standard": (10000, False, TRP_SOURCE, REDUCED_RATE),
        "faster": (20000, True, TRP_SOURCE, ""),
        "fastest": (40000, True, TRP_SOURCE, ""),
    },
    "eu_long_term": {
        "standard": (16000, True, EU_SOURCE, ""),
        "faster": (28000, True, EU_SOURCE, ""),
    },
    "registration": {
        "standard": (None, False, "", "Card fee not found in a public source checked here: verify the amount."),
        "faster": (None, False, "", "Card fee not found in a public source checked here: verify the amount."),
        "fastest": (None, False, "", "Card fee not found in a public source checked here: verify the amount."),
    },
}


def check(apps, schema_editor):
    Fee = apps.get_model("applications", "Fee")
    for kind_code, by_speed in CHECKED.items():
        for speed, (cents, confirmed, source, note) in by_speed.items():
            # The rows the starting catalogue loaded (an administrator's own later rows are left alone).
            rows = Fee.objects.filter(kind__code=kind_code, speed=speed, valid_from=dt.date(2025, 1, 1))
            for fee in rows:
                if cents is not None:
                    fee.amount_cents = cents
                fee.to_be_verified = not confirmed
                fee.source_url = source
                fee.source_checked_on = CHECKED_ON if source else None
                fee.source_note = note
                if source:
                    fee.legal_basis = BASIS
                fee.save()


class Migration(migrations.Migration):
    dependencies = [("applications", "0007_fee_source")]

    operations = [migrations.RunPython(check, migrations.RunPython.noop)]
