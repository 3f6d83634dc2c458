"""The review list: staff decide what happens to money that did not match a payment exactly."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from identity.models import User
from payments.exceptions import ReviewItemNotLinkedError
from payments.models import ReconciliationItem
from payments.services.payments import accept_late_payment


@transaction.atomic
def resolve_reconciliation_item(
    *, item_id: int, user: User, note: str = "", accept_payment: bool = False
) -> ReconciliationItem:
    """Close a review item. ``accept_payment``: the money covers the fee after all, so the linked payment is
    marked paid and the application moves on (``accept_late_payment``).

    This covers an open payment (an overpayment the Office will partly return, an amount the provider reported
    differently) and a payment whose attempt was already closed when the money came (a card charged after the
    attempt failed or was replaced, a bank transfer for a cancelled reference). Refusals are domain errors with
    a message for staff (``ReviewItemNotLinkedError``, ``LatePaymentNotAcceptedError``); the item stays open.
    """
    item = (
        ReconciliationItem.objects.select_for_update(of=("self",))
        .select_related("webhook_event", "credit")
        .get(pk=item_id)
    )
    if item.status == ReconciliationItem.Status.RESOLVED:
        return item
    if accept_payment:
        if item.payment_id is None:
            # An unmatched credit names no payment: accepting it would close the item and pay nothing.
            raise ReviewItemNotLinkedError(details={"item_id": item.pk})
        outcome = accept_late_payment(payment_id=item.payment_id, paid_at=_money_arrived_at(item))
        note = f"{note} [payment: {outcome}]".strip()
    item.status = ReconciliationItem.Status.RESOLVED
    item.resolved_at = timezone.now()
    item.resolved_by = user
    item.note = f"{item.note}\n{note}".strip()
    item.save(update_fields=["status", "resolved_at", "resolved_by", "note"])
    return item


def _money_arrived_at(item: ReconciliationItem) -> dt.datetime:
    """When the money came: the provider's event, else the bank's booking day, else when the item was made."""
    if item.webhook_event is not None:
        return item.webhook_event.received_at
    if item.credit is not None and item.credit.booked_on:
        return timezone.make_aware(dt.datetime.combine(item.credit.booked_on, dt.time(12, 0)))
    return item.created_at
