"""Refunds of the state fee when an application is withdrawn before review (``PAYMENTS_REFUND_ON_WITHDRAWAL``).

Registered in ``PaymentsConfig.ready()`` as an ``applications.hooks.on_withdrawn`` hook: it runs inside the
withdrawal's transaction with the application row already locked, so the payment rows are locked second, as
everywhere else.

- Open attempts (a card checkout, a bank transfer not yet received) are cancelled.
- Policy "full", withdrawn from awaiting_payment or submitted (not yet taken for review): the payment is marked
  refund_pending (paid → refund_pending). A card refund is then made by a worker after commit, through the
  provider, outside any transaction and with an idempotency key (→ refunded, one ``ProviderCall`` ledger row);
  a bank transfer waits until staff confirm in the admin that the money was sent back by bank transfer.
- Policy "none", or withdrawn after review started: the fee stays paid; the timeline says so.
"""

from __future__ import annotations

import logging
from functools import partial

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from applications.models import Application
from applications.services import payment_events
from identity.models import User
from payments.exceptions import CardRefundByProviderError, NotAwaitingRefundError
from payments.models import Payment, ProviderCall
from payments.providers import get_provider
from payments.providers.base import ProviderRefusedError, ProviderUnavailableError, Refund
from payments.services import provider_calls
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


def complete_card_refund(*, payment_id: int) -> Payment:
    """Worker: give a card payment's money back through its provider, once, whatever the retries.

    1. A short transaction locks the payment and, if it still awaits a card refund, writes the ledger row
       (``ProviderCall``) with the key ``refund:<payment id>``; it commits.
    2. The provider is called with that key and no transaction open.
    3. A second short transaction records the answer and moves the payment refund_pending → refunded.

    If step 3 fails (a failed commit, a worker killed), the retry sends the same key and the provider answers
    with the refund it already made. A provider that does not answer raises ``ProviderUnavailableError`` (the
    task retries); one that refuses leaves the payment refund_pending with the refusal in the ledger, for staff.
    """
    call = _open_refund_call(payment_id=payment_id)
    if call is None:
        return Payment.objects.get(pk=payment_id)
    payment = call.payment
    provider = get_provider(call.provider)
    amount = int(call.request["amount_cents"])
    try:
        refund = provider_calls.call_provider(
            call,
            partial(provider.refund, payment=payment, amount_cents=amount),
        )
    except ProviderRefusedError as exc:
        provider_calls.record_failure(call_id=call.pk, error=exc.message, final=True)
        logger.error("payment.refund_refused id=%s call=%s", payment.pk, call.pk)
        return Payment.objects.get(pk=payment_id)
    except ProviderUnavailableError as exc:
        provider_calls.record_failure(call_id=call.pk, error=exc.message, final=False)
        raise
    return _finish_card_refund(payment_id=payment_id, call_id=call.pk, refund=refund)


@transaction.atomic
def _open_refund_call(*, payment_id: int) -> ProviderCall | None:
    application_id = Payment.objects.values_list("application_id", flat=True).get(pk=payment_id)
    payment_events.lock_application(application_id=application_id)
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    if payment.status != Payment.Status.REFUND_PENDING or payment.method != Payment.Method.CARD:
        return None
    if _card_refund_refused(payment):
        return None  # the provider said no: a person returns the money (see complete_bank_refund)
    amount = payment.refund_amount_cents or payment.amount_cents
    return provider_calls.open_call(
        payment=payment,
        operation=ProviderCall.Operation.REFUND,
        idempotency_key=refund_idempotency_key(payment),
        request={
            "amount_cents": amount,
            "currency": payment.currency,
            "checkout": payment.provider_reference or "",
        },
    )


def refund_idempotency_key(payment: Payment) -> str:
    """One full refund per payment: the key is the payment's, so every retry names the same refund."""
    return f"refund:{payment.pk}"


@transaction.atomic
def _finish_card_refund(*, payment_id: int, call_id: int, refund: Refund) -> Payment:
    application_id = Payment.objects.values_list("application_id", flat=True).get(pk=payment_id)
    application = payment_events.lock_application(application_id=application_id)
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    call = ProviderCall.objects.select_for_update().get(pk=call_id)
    provider_calls.record_success(
        call,
        response={
            "refund_id": refund.refund_id,
            "amount_cents": refund.amount_cents,
            "currency": refund.currency,
        },
        provider_reference=refund.refund_id,
    )
    if payment.status != Payment.Status.REFUND_PENDING:
        return payment  # a duplicate delivery finished first; the provider answered it with the same refund
    payment.mark_refunded(amount_cents=refund.amount_cents)
    _save(payment, ["status", "refund_amount_cents", "closed_at"])
    payment_events.record_payment_event(
        application=application,
        kind=payment_events.PAYMENT_REFUNDED,
        data={"payment_id": payment.pk, "amount": payment.amount_display, "refund_id": refund.refund_id},
    )
    logger.info("payment.refunded id=%s call=%s", payment.pk, call.pk)
    return payment


def _card_refund_refused(payment: Payment) -> bool:
    return ProviderCall.objects.filter(
        payment=payment, operation=ProviderCall.Operation.REFUND, status=ProviderCall.Status.FAILED
    ).exists()


def requeue_pending_card_refunds() -> list[int]:
    """Queue card refunds still pending (the broker was down at commit, or the provider kept failing)."""
    pending = list(
        Payment.objects.filter(status=Payment.Status.REFUND_PENDING, method=Payment.Method.CARD)
        .exclude(
            provider_calls__operation=ProviderCall.Operation.REFUND,
            provider_calls__status=ProviderCall.Status.FAILED,
        )
        .values_list("pk", flat=True)
    )
    for payment_id in pending:
        enqueue("payments.tasks.refund_card_payment", payment_id)
    return pending


@transaction.atomic
def complete_bank_refund(*, payment_id: int, user: User) -> Payment:
    """Staff sent the money back by bank transfer: refund_pending → refunded (idempotent).

    Only for bank-transfer payments, or a card payment whose refund the card provider refused (the card was
    closed): any other card refund is the provider's to make, and marking it here would record money as
    returned that nobody sent. Raises ``CardRefundByProviderError`` or ``NotAwaitingRefundError``.
    """
    application_id = Payment.objects.values_list("application_id", flat=True).get(pk=payment_id)
    application = payment_events.lock_application(application_id=application_id)
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    if payment.status == Payment.Status.REFUNDED:
        return payment
    if payment.status != Payment.Status.REFUND_PENDING:
        raise NotAwaitingRefundError(details={"payment_id": payment.pk, "status": payment.status})
    if payment.method == Payment.Method.CARD and not _card_refund_refused(payment):
        raise CardRefundByProviderError(details={"payment_id": payment.pk})
    payment.mark_refunded(amount_cents=payment.refund_amount_cents or payment.amount_cents)
    _save(payment, ["status", "refund_amount_cents", "closed_at"])
    payment_events.record_payment_event(
        application=application,
        kind=payment_events.PAYMENT_REFUNDED,
        actor=user,
        data={
            "payment_id": payment.pk,
            "amount": payment.amount_display,
            "method": Payment.Method.BANK_TRANSFER,
            "at": timezone.now().isoformat(),
        },
    )
    return payment
