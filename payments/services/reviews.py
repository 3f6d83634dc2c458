"""The review list: staff decide what happens to money that did not match a payment exactly."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from identity.models import User
from payments.models import ReconciliationItem
from payments.services.payments import Outcome, confirm_payment


@transaction.atomic
def resolve_reconciliation_item(
    *, item_id: int, user: User, note: str = "", accept_payment: bool = False
) -> ReconciliationItem:
    """Close a review item. ``accept_payment``: the money covers the fee after all (e.g. an overpayment the
    Office will partly return): confirm the linked open payment, which moves the application on."""
    item = ReconciliationItem.objects.select_for_update().get(pk=item_id)
    if item.status == ReconciliationItem.Status.RESOLVED:
        return item
    if accept_payment and item.payment_id is None:
        # An unmatched credit names no payment: accepting it would close the item and pay nothing.
        raise ValueError("this credit is not linked to a payment; link it or resolve it without accepting")
    if accept_payment:
        outcome = confirm_payment(payment_id=item.payment_id)
        note = f"{note} [payment: {outcome}]".strip()
        if outcome not in (Outcome.PAID, Outcome.ALREADY_PAID):
            raise ValueError("the payment is not open any more")
    item.status = ReconciliationItem.Status.RESOLVED
    item.resolved_at = timezone.now()
    item.resolved_by = user
    item.note = f"{item.note}\n{note}".strip()
    item.save(update_fields=["status", "resolved_at", "resolved_by", "note"])
    return item
