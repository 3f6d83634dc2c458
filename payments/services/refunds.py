"""Refunds of the state fee when an application is withdrawn before review (``PAYMENTS_REFUND_ON_WITHDRAWAL``).

Registered in ``PaymentsConfig.ready()`` as an ``applications.hooks.on_withdrawn`` hook: it runs inside the
withdrawal's transaction with the application row already locked, so the payment rows are locked second, as
everywhere else.

- Open attempts (a card checkout, a bank transfer not yet received) are cancelled.
- Policy "full", withdrawn from awaiting_payment or submitted (not yet taken for review): a card payment is
  refunded through its provider (paid → refunded); a bank transfer is marked refund_pending (paid →
  refund_pending) until staff confirm in the admin that the money was sent back (→ refunded).
- Policy "none", or withdrawn after review started: the fee stays paid; the timeline says so.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from applications.models import Application
from applications.services import payment_events
from identity.models import User
from payments.models import Payment
from payments.providers import get_provider
from payments.services.payments import _cancel_open, _save

logger = logging.getLogger(__name__)

REFUND_POLICIES = ("full", "none")
# "Before review": the states from which a withdrawal gets the fee back under the "full" policy.
REFUNDABLE_FROM = (Application.State.AWAITING_PAYMENT, Application.State.SUBMITTED)


def refund_policy() -> str:
    policy = settings.PAYMENTS_REFUND_ON_WITHDRAWAL
    if policy not in REFUND_POLICIES:
        raise ImproperlyConfigured(f"PAYMENTS_REFUND_ON_WITHDRAWAL must be one of {REFUND_POLICIES}")
    return policy


def _refundable(*, policy: str, previous_state: str) -> bool:
    return policy == "full" and previous_state in REFUNDABLE_FROM


def refund_due_on_withdrawal(application: Application) -> bool:
    """The ``refund_checks`` hook: withdrawing now would refund a paid state fee."""
    return (
        _refundable(policy=refund_policy(), previous_state=application.state)
        and Payment.objects.filter(
            application_id=application.pk, status=Payment.Status.PAID, purpose=Payment.Purpose.STATE_FEE
        ).exists()
    )


def refund_on_withdrawal(application: Application, *, previous_state: str) -> None:
    """The ``on_withdrawn`` hook: cancel open attempts and refund a paid state fee per the policy."""
    _cancel_open(application.pk, reason="application withdrawn")
    paid = list(
        Payment.objects.select_for_update()
        .filter(application_id=application.pk, status=Payment.Status.PAID, purpose=Payment.Purpose.STATE_FEE)
        .order_by("id")
    )
    if not paid:
        return
    policy = refund_policy()
    for payment in paid:
        if not _refundable(policy=policy, previous_state=previous_state):
            payment_events.record_payment_event(
                application=application,
                kind=payment_events.PAYMENT_NOT_REFUNDED,
                data={"payment_id": payment.pk, "policy": policy, "from_state": previous_state},
            )
            continue
        refund_payment(payment=payment, application=application)


def refund_payment(*, payment: Payment, application: Application) -> Payment:
    """Give a paid payment back in full (the caller holds the locks)."""
    amount = payment.amount_cents
    if payment.method == Payment.Method.CARD:
        refund_id = get_provider(payment.provider).refund(payment=payment, amount_cents=amount)
        payment.mark_refunded(amount_cents=amount)
        _save(payment, ["status", "refund_amount_cents", "closed_at"])
        kind = payment_events.PAYMENT_REFUNDED
        data = {"payment_id": payment.pk, "amount": payment.amount_display, "refund_id": refund_id}
    else:
        payment.request_refund(amount_cents=amount)
        _save(payment, ["status", "refund_amount_cents"])
        kind = payment_events.PAYMENT_REFUND_PENDING
        data = {"payment_id": payment.pk, "amount": payment.amount_display}
    payment_events.record_payment_event(application=application, kind=kind, data=data)
    logger.info("payment.refund id=%s status=%s", payment.pk, payment.status)
    return payment


@transaction.atomic
def complete_bank_refund(*, payment_id: int, user: User) -> Payment:
    """Staff sent a bank-transfer refund back: refund_pending → refunded (idempotent)."""
    application_id = Payment.objects.values_list("application_id", flat=True).get(pk=payment_id)
    application = payment_events.lock_application(application_id=application_id)
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    if payment.status != Payment.Status.REFUND_PENDING:
        return payment
    payment.mark_refunded(amount_cents=payment.refund_amount_cents or payment.amount_cents)
    _save(payment, ["status", "refund_amount_cents", "closed_at"])
    payment_events.record_payment_event(
        application=application,
        kind=payment_events.PAYMENT_REFUNDED,
        actor=user,
        data={"payment_id": payment.pk, "amount": payment.amount_display, "at": timezone.now().isoformat()},
    )
    return payment
