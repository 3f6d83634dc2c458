"""Reads for the renewal pages and the dashboard's invitation panel."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q

from applications.models import Application, RenewalInvitation
from identity.models import User


def list_open_invitations(*, user: User, today: dt.date) -> list[RenewalInvitation]:
    """Invitations whose permit is still valid and whose draft is not yet submitted (or not started): one query."""
    return list(
        # Addressed to the permit's holder, not to whoever may act on the permit's application.
        RenewalInvitation.objects.filter(applicant=user, valid_to__gte=today)
        .filter(Q(draft__isnull=True) | Q(draft__state=Application.State.DRAFT))
        .select_related("permit", "draft")
        .order_by("valid_to", "id")
    )


def get_renewal_of_draft(*, application: Application) -> RenewalInvitation | None:
    """The invitation that started this draft (its "carried over" summary), if any: one query, drafts only."""
    if application.state != Application.State.DRAFT:
        return None
    return RenewalInvitation.objects.filter(draft=application).select_related("permit").first()


def describe_carried_over(carried_over: dict[str, Any]) -> dict[str, Any]:
    """The carried-over record with field names as the form labels them, for the summary partial."""
    labels = []
    for name in carried_over.get("fields", []):
        try:
            labels.append(str(Application._meta.get_field(name).verbose_name))
        except FieldDoesNotExist:
            continue
    return {**carried_over, "field_labels": labels}
