"""Forms of the visit pages: they parse; the services decide."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class VisitForm(forms.Form):
    slot = forms.IntegerField(
        label=_("Time of the visit"), error_messages={"required": _("Choose a time for the visit.")}
    )
    # Check boxes: the page renders each one with its own label (a select's options cannot stand alone).
    with_applications = forms.TypedMultipleChoiceField(
        label=_("Also on this visit"),
        required=False,
        coerce=int,
        choices=(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, companions=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["with_applications"].choices = [
            (application.pk, f"{application.first_name} {application.last_name} ({application.reference})")
            for application in companions
        ]


class CloseVisitsForm(forms.Form):
    date = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    starts = forms.TimeField(label=_("From"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    ends = forms.TimeField(label=_("Until"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    reason = forms.CharField(label=_("Reason (sent to the applicants)"), max_length=255)

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts"), data.get("ends")
        if (starts is None) != (ends is None) or (starts and ends and ends <= starts):
            raise forms.ValidationError(
                _("Give both times, the second after the first, or neither for the whole day.")
            )
        day = data.get("date")
        if day is not None and day < timezone.localdate():
            self.add_error("date", _("A day in the past cannot be closed."))
        return data


def parse_day(value: str | None, default: dt.date) -> dt.date | None:
    """A ``YYYY-MM-DD`` query value; None when it is not a date (the page answers 400)."""
    if not value:
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None
