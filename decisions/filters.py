"""The officers' queue filters, shared by the page and the API (django-filter)."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.calendar import add_working_days
from applications.models import Application, ApplicationKind, Purpose
from applications.models.application import BACK_OFFICE_STATES
from decisions.state_labels import officer_state_label

NEAR_BREACH_WORKING_DAYS = 5  # "near" in the deadline filter (its label says 5)


def _kind_choices() -> list[tuple[str, str]]:
    return [(kind.code, kind.name) for kind in ApplicationKind.objects.order_by("pk")]


def _purpose_choices() -> list[tuple[str, str]]:
    return [(purpose.code, purpose.name) for purpose in Purpose.objects.order_by("pk")]


class CaseFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(
        label=_("State"), choices=[(state.value, officer_state_label(state)) for state in BACK_OFFICE_STATES]
    )
    kind = django_filters.ChoiceFilter(label=_("Kind"), field_name="kind__code", choices=_kind_choices)
    purpose = django_filters.ChoiceFilter(
        label=_("Purpose"), field_name="purpose__code", choices=_purpose_choices
    )
    officer = django_filters.ChoiceFilter(
        label=_("Officer"), method="filter_officer", choices=[("me", _("Mine")), ("none", _("Nobody yet"))]
    )
    deadline = django_filters.ChoiceFilter(
        label=_("Deadline"),
        method="filter_deadline",
        choices=[
            ("breached", _("Past the deadline")),
            ("near", _("Due within 5 working days")),
        ],
    )

    class Meta:
        model = Application
        fields = ["state", "kind", "purpose", "officer", "deadline"]

    def filter_officer(self, queryset: QuerySet[Application], name: str, value: str) -> QuerySet[Application]:
        if value == "me":
            return queryset.filter(assigned_officer=self.request.user)
        if value == "none":
            return queryset.filter(assigned_officer__isnull=True)
        return queryset

    def filter_deadline(
        self, queryset: QuerySet[Application], name: str, value: str
    ) -> QuerySet[Application]:
        today = timezone.localdate()
        if value == "breached":
            return queryset.filter(decision_due_on__lt=today)
        if value == "near":
            return queryset.filter(
                decision_due_on__gte=today,
                decision_due_on__lte=add_working_days(today, NEAR_BREACH_WORKING_DAYS),
            )
        return queryset
