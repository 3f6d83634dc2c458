"""Refunds of the state fee when an application is withdrawn before review (``PAYMENTS_REFUND_ON_WITHDRAWAL``).

Registered in ``PaymentsConfig.ready()`` as an ``applications.hooks.on_withdrawn`` hook: it runs inside the
withdrawal's transaction with the application row already locked, so the payment rows are locked second, as
everywhere else.

- Open attempts (a card checkout, a bank transfer not yet received) are cancelled.
- Policy "full", withdrawn from awaiting_payment or submitted (not yet taken for review): the payment is marked
  refund_pending (paid → refund_pending). A card refund is then made by a worker after commit, through the
  provider (→ refunded); a bank transfer waits until staff confirm in the admin that the money was sent back.
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
from workers.queueing import enqueue, enqueue_on_commit

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
    """Mark a paid payment for a full refund (the caller holds the locks).

    The money moves later, outside this transaction: a card refund by a worker calling the provider after
    commit (so a rollback can never follow money already returned), a bank refund by staff.
    """
    payment.request_refund(amount_cents=payment.amount_cents)
    _save(payment, ["status", "refund_amount_cents"])
    payment_events.record_payment_event(
        application=application,
        kind=payment_events.PAYMENT_REFUND_PENDING,
        data={"payment_id": payment.pk, "amount": payment.amount_display},
    )
    if payment.method == Payment.Method.CARD:
        enqueue_on_commit("payments.tasks.refund_card_payment", payment.pk)
    logger.info("payment.refund_requested id=%s method=%s", payment.pk, payment.method)
    return payment


@transaction.atomic
def complete_card_refund(*, payment_id: int) -> Payment:
    """Worker: ask the card provider to give the money back, then refund_pending → refunded (idempotent).

    The row stays locked during the provider call, so a task delivered twice cannot refund twice.
    """
    application_id = Payment.objects.values_list("application_id", flat=True).get(pk=payment_id)
    application = payment_events.lock_application(application_id=application_id)
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    if payment.status != Payment.Status.REFUND_PENDING or payment.method != Payment.Method.CARD:
        return payment
    amount = payment.refund_amount_cents or payment.amount_cents
    refund_id = get_provider(payment.provider).refund(payment=payment, amount_cents=amount)
    payment.mark_refunded(amount_cents=amount)
    _save(payment, ["status", "refund_amount_cents", "closed_at"])
    payment_events.record_payment_event(
        application=application,
        kind=payment_events.PAYMENT_REFUNDED,
        data={"payment_id": payment.pk, "amount": payment.amount_display, "refund_id": refund_id},
    )
    logger.info("payment.refunded id=%s", payment.pk)
    return payment


def requeue_pending_card_refunds() -> list[int]:
    """Queue card refunds still pending (the broker was down at commit, or the provider kept failing)."""
    pending = list(
        Payment.objects.filter(status=Payment.Status.REFUND_PENDING, method=Payment.Method.CARD).values_list(
            "pk", flat=True
        )
    )
    for payment_id in pending:
        enqueue("payments.tasks.refund_card_payment", payment_id)
    return pending


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
