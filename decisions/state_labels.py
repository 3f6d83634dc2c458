"""How the back office names an application's states where the applicant's wording would mislead an officer.

The model's labels speak to the applicant ("Waiting for your answer"); on an officer's page "your" would mean the
officer.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from applications.models import Application

StrOrPromise = str | Promise

_OFFICER_LABELS = {
    Application.State.AWAITING_APPLICANT: _("Waiting for the applicant"),
}


def officer_state_label(state: str) -> StrOrPromise:
    """The state's name as an officer reads it (lazy: safe in choices built at import)."""
    return _OFFICER_LABELS.get(state, Application.State(state).label)
