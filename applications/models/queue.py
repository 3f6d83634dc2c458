"""How many open cases each unit's queue holds, by state: kept by the database itself, not by this code.

Triggers on the applications table (migration 0019) keep ``QueueCount`` exact in the same transaction as the
change that moves a case: every INSERT, UPDATE, DELETE and TRUNCATE, whether from a service, a queryset's
``update()``, ``bulk_create`` or COPY. On PostgreSQL they run once per statement over its transition tables (a
bulk insert of a million rows is one aggregate); on SQLite once per row. Only cases with a unit in one of the
``BACK_OFFICE_STATES`` are counted, so an applicant's draft never touches a shared row, and an update that moves
no case (form data, ``last_activity_at``) writes nothing here.

Nothing in Python writes these rows. The officers' queue reads its totals from them (``decisions.selectors``):
one small read, whatever the size of the table.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from applications.models.application import BACK_OFFICE_STATES


class QueueCount(models.Model):
    pk = models.CompositePrimaryKey("unit", "state")
    unit = models.ForeignKey(
        "identity.TerritorialUnit",
        verbose_name=_("territorial unit"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # the primary key (unit, state) serves
    )
    state = models.CharField(
        _("state"), max_length=50, choices=[(state.value, state.label) for state in BACK_OFFICE_STATES]
    )
    n = models.IntegerField(_("open cases"), default=0)

    class Meta:
        verbose_name = _("open cases of a unit in a state")
        verbose_name_plural = _("open cases of units by state")

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.state}: {self.n}"
