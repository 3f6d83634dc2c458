"""Starting, confirming and failing payments. Every function here is safe to run twice.

Lock order everywhere: the application (``payment_events.lock_application``), then its payment rows.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from functools import partial

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition

from applications.services import payment_events
from eservice.exceptions import ConflictError, NotFoundError
from identity.models import User
from payments import references
from payments.exceptions import (
    CardProviderUnavailableError,
    LatePaymentNotAcceptedError,
    PaymentAttemptReplacedError,
    PaymentMethodUnavailableError,
    PaymentPurposeUnknownError,
)
from payments.models import Payment, ProviderCall, ReconciliationItem
from payments.providers import UnknownProviderError, get_card_provider, get_provider
from payments.providers.base import Checkout, ProviderError
from payments.selectors import get_amount_due
from payments.services import provider_calls
from workers.queueing import enqueue_on_commit
from workers.services import absolute_url

logger = logging.getLogger(__name__)


class Outcome(enum.StrEnum):
    PAID = "paid"
    ALREADY_PAID = "already_paid"
    NOT_OPEN = "not_open"
    FAILED = "failed"
    ALREADY_CLOSED = "already_closed"


@dataclass(frozen=True)
class StartedPayment:
    payment: Payment
    redirect_url: str = ""


def _save(payment: Payment, fields: list[str]) -> None:
    try:
        payment.save(update_fields=fields)
    except ConcurrentTransition:
        raise ConflictError(_("The payment was changed at the same time. Please reload.")) from None


def _cancel_open(
    application_id: int, *, reason: str, keep: Payment | None = None, purpose: str | None = None
) -> list[Payment]:
    """Cancel the open attempts of the application (of one fee when ``purpose`` is given)."""
    cancelled = []
    open_payments = Payment.objects.select_for_update().filter(
        application_id=application_id, status=Payment.Status.PENDING
    )
    if purpose is not None:
        open_payments = open_payments.filter(purpose=purpose)
    for payment in open_payments:
        if keep is not None and payment.pk == keep.pk:
            continue
        payment.cancel(reason=reason)
        _save(payment, ["status", "closed_at", "failure_reason"])
        cancelled.append(payment)
    return cancelled


def start_payment(
    *, application_id: int, user: User, method: str, purpose: str = Payment.Purpose.STATE_FEE
) -> StartedPayment:
    """Open a payment of one fee of the caller's application: the state fee of an application awaiting payment,
    or (``purpose="card_fee"``) the card fee of a registration that has not paid it.

    The state fee is the catalogue fee for the application's kind and speed valid on the day it was submitted;
    the card fee is the amount fixed when the registration started.
    A card payment replaces any open attempt and returns the provider's checkout address; a bank transfer
    reuses an open bank transfer (same reference) or opens one with a new ISO 11649 reference.

    The card provider is called between two transactions, never inside one, with the idempotency key
    ``checkout:<payment id>`` recorded in the ``ProviderCall`` ledger: the payment and the ledger row commit
    first, then the provider opens the checkout, then its reference is saved. ``CardProviderUnavailableError``
    when the provider does not open it (the attempt is closed as failed, nothing was charged).
    """
    payment, call = _open_payment(application_id=application_id, user=user, method=method, purpose=purpose)
    if call is None:
        return StartedPayment(payment=payment)
    provider = get_provider(call.provider)
    try:
        checkout = provider_calls.call_provider(
            call, partial(provider.start_payment, payment=payment, return_url=call.request["return_url"])
        )
    except ProviderError as exc:
        _checkout_failed(payment_id=payment.pk, call_id=call.pk, error=exc.message)
        raise CardProviderUnavailableError(details={"payment_id": payment.pk}) from None
    payment = _record_checkout(payment_id=payment.pk, call_id=call.pk, checkout=checkout)
    if payment.status != Payment.Status.PENDING:
        # A newer attempt (a second click) cancelled this one while the provider was working.
        raise PaymentAttemptReplacedError(details={"payment_id": payment.pk})
    return StartedPayment(payment=payment, redirect_url=checkout.redirect_url)


@transaction.atomic
def _open_payment(
    *, application_id: int, user: User, method: str, purpose: str
) -> tuple[Payment, ProviderCall | None]:
    """The first transaction of ``start_payment``: the payment row, and for a card the ledger row to send."""
    application = payment_events.lock_application(application_id=application_id)
    if application.applicant_id != user.pk:
        raise NotFoundError(_("There is no such application."))
    if purpose not in Payment.Purpose.values:
        raise PaymentPurposeUnknownError(
            details={"purpose": purpose, "purposes": list(Payment.Purpose.values)}
        )
    due = get_amount_due(application=application, purpose=purpose)
    if method not in Payment.Method.values:
        raise PaymentMethodUnavailableError(
            details={"method": method, "methods": list(Payment.Method.values)}
        )

    open_payment = (
        Payment.objects.select_for_update()
        .filter(application=application, purpose=purpose, status=Payment.Status.PENDING)
        .first()
    )
    if (
        method == Payment.Method.BANK_TRANSFER
        and open_payment is not None
        and open_payment.method == Payment.Method.BANK_TRANSFER
        and open_payment.amount_cents == due.amount_cents
    ):
        return open_payment, None

    provider = None
    if method == Payment.Method.CARD:
        try:
            provider = get_card_provider()
        except UnknownProviderError:
            raise PaymentMethodUnavailableError(details={"method": method}) from None
    _cancel_open(application.pk, reason="replaced by a new payment attempt", purpose=purpose)

    payment = Payment(
        application=application,
        purpose=purpose,
        method=method,
        amount_cents=due.amount_cents,
        currency=due.currency,
        fee_id=due.fee_id,
        card_fee_id=due.card_fee_id,
        provider=provider.name if provider else "",
    )
    call = None
    if provider is None:
        _save_with_new_reference(payment)
        enqueue_on_commit("payments.tasks.render_bank_transfer_instructions", payment.pk)
    else:
        payment.save()

        call = provider_calls.open_call(
            payment=payment,
            operation=ProviderCall.Operation.CHECKOUT,
            idempotency_key=f"checkout:{payment.pk}",
            request={
                "amount_cents": payment.amount_cents,
                "currency": payment.currency,
                "return_url": absolute_url(reverse("payments:return", args=[payment.pk])),
            },
        )
    payment_events.record_payment_event(
        application=application,
        kind=payment_events.PAYMENT_STARTED,
        actor=user,
        data={
            "payment_id": payment.pk,
            "method": method,
            "amount": payment.amount_display,
            "purpose": purpose,
        },
    )
    logger.info(
        "payment.started id=%s application=%s method=%s purpose=%s",
        payment.pk,
        application.pk,
        method,
        purpose,
    )
    return payment, call


@transaction.atomic
def _record_checkout(*, payment_id: int, call_id: int, checkout: Checkout) -> Payment:
    """The second transaction: the provider's checkout reference on the payment (webhooks find it by it)."""
    payment, _application = _lock(payment_id)
    call = ProviderCall.objects.select_for_update().get(pk=call_id)
    provider_calls.record_success(
        call,
        response={"provider_reference": checkout.provider_reference, "redirect_url": checkout.redirect_url},
        provider_reference=checkout.provider_reference,
    )
    # Saved even on an attempt cancelled meanwhile: a payment made on it is then recognised and reviewed.
    payment.provider_reference = checkout.provider_reference
    payment.save(update_fields=["provider_reference"])
    return payment


@transaction.atomic
def _checkout_failed(*, payment_id: int, call_id: int, error: str) -> None:
    provider_calls.record_failure(call_id=call_id, error=error, final=True)
    payment, application = _lock(payment_id)
    if payment.status != Payment.Status.PENDING:
        return
    payment.fail(reason="the card provider did not open a checkout")
    _save(payment, ["status", "closed_at", "failure_reason"])
    payment_events.record_payment_event(
        application=application,
        kind=payment_events.PAYMENT_FAILED,
        data={"payment_id": payment.pk, "reason": payment.failure_reason},
    )
    logger.warning("payment.checkout_failed id=%s call=%s", payment.pk, call_id)


def _save_with_new_reference(payment: Payment) -> None:
    for _attempt in range(5):
        payment.reference = references.new_reference()
        try:
            with transaction.atomic():
                payment.save()
            return
        except IntegrityError:
            if Payment.objects.filter(reference=payment.reference).exists():
                payment.pk = None
                continue
            raise
    raise RuntimeError("could not draw a unique creditor reference")


def _lock(payment_id: int) -> tuple[Payment, object]:
    application_id = Payment.objects.filter(pk=payment_id).values_list("application_id", flat=True).first()
    if application_id is None:
        raise NotFoundError(_("There is no such payment."))
    application = payment_events.lock_application(application_id=application_id)
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    return payment, application


@transaction.atomic
def confirm_payment(*, payment_id: int, paid_at: timezone.datetime | None = None) -> Outcome:
    """The money arrived for this payment: pending → paid, the application moves on, a receipt is queued.

    Safe to run twice and against concurrent calls: the second finds the payment paid (``ALREADY_PAID``).
    ``NOT_OPEN`` means the attempt was failed or cancelled before: the caller sends the money to review.
    """
    payment, application = _lock(payment_id)
    if payment.status in (Payment.Status.PAID, Payment.Status.REFUND_PENDING, Payment.Status.REFUNDED):
        return Outcome.ALREADY_PAID
    if payment.status != Payment.Status.PENDING:
        return Outcome.NOT_OPEN
    if _paid_by(payment) is not None:
        payment.cancel(reason="the fee was paid by another payment")
        _save(payment, ["status", "closed_at", "failure_reason"])
        return Outcome.NOT_OPEN
    payment.mark_paid(paid_at=paid_at or timezone.now())
    _save(payment, ["status", "paid_at"])
    _tell_application_and_queue_receipt(payment, application)
    return Outcome.PAID


def _tell_application_and_queue_receipt(payment: Payment, application) -> None:
    if payment.purpose == Payment.Purpose.STATE_FEE:
        if payment_events.is_awaiting_payment(application):
            payment_events.confirm_application_paid(
                application_id=application.pk,
                paid_at=payment.paid_at,
                payment_reference=payment.reference or payment.provider_reference or str(payment.pk),
                amount_display=payment.amount_display,
                payment_id=payment.pk,
            )
        else:
            # Withdrawn (or expired) while the money was on its way: it is ours to give back, by a person.
            ReconciliationItem.objects.create(
                kind=ReconciliationItem.Kind.APPLICATION_CLOSED,
                payment=payment,
                amount_cents=payment.amount_cents,
                currency=payment.currency,
                expected_cents=payment.amount_cents,
                note=f"application state: {application.state}",
            )
    elif payment.purpose == Payment.Purpose.CARD_FEE:
        if payment_events.card_fee_due(application) is not None:
            # The registration's fee is paid; the application's state stays (biometrics at the unit move it).
            payment_events.confirm_card_fee_paid(
                application=application,
                paid_at=payment.paid_at,
                amount_display=payment.amount_display,
                payment_id=payment.pk,
            )
        else:
            ReconciliationItem.objects.create(
                kind=ReconciliationItem.Kind.APPLICATION_CLOSED,
                payment=payment,
                amount_cents=payment.amount_cents,
                currency=payment.currency,
                expected_cents=payment.amount_cents,
                note=f"card fee not due; application state: {application.state}",
            )
    enqueue_on_commit("payments.tasks.render_payment_receipt", payment.pk)
    logger.info("payment.paid id=%s application=%s", payment.pk, payment.application_id)


def _paid_by(payment: Payment) -> Payment | None:
    """Another payment of the same fee that is paid (or paid and being refunded)."""
    return (
        Payment.objects.filter(application_id=payment.application_id, purpose=payment.purpose)
        .filter(status__in=[Payment.Status.PAID, Payment.Status.REFUND_PENDING, Payment.Status.REFUNDED])
        .exclude(pk=payment.pk)
        .first()
    )


@transaction.atomic
def accept_late_payment(*, payment_id: int, paid_at: timezone.datetime) -> Outcome:
    """Staff accept money that arrived for a closed attempt (failed or cancelled) as the fee after all.

    What the Office does with a card charged after its attempt was closed: the payer meant to pay this fee, so
    while the application still awaits payment and no other payment paid it, the attempt becomes paid, any
    newer open attempt is cancelled (so the fee cannot be paid twice), and the application moves on through
    ``payment_events.confirm_application_paid`` with its receipt, as for any payment. Otherwise the money is
    the payer's: ``LatePaymentNotAcceptedError`` says why, and staff return it.
    """
    payment, application = _lock(payment_id)
    if payment.status in (Payment.Status.PAID, Payment.Status.REFUND_PENDING, Payment.Status.REFUNDED):
        return Outcome.ALREADY_PAID
    if payment.status == Payment.Status.PENDING:
        return confirm_payment(payment_id=payment.pk, paid_at=paid_at)
    other = _paid_by(payment)
    if other is not None:
        raise LatePaymentNotAcceptedError(
            _(
                "The fee of this application was already paid by payment %(payment)s, so this money cannot pay "
                "it again. Return it to the payer and mark the item as resolved."
            )
            % {"payment": other.pk},
            details={"payment_id": payment.pk, "paid_by": other.pk},
        )
    if payment.purpose == Payment.Purpose.CARD_FEE and payment_events.card_fee_due(application) is None:
        raise LatePaymentNotAcceptedError(
            _(
                "Application %(reference)s owes no card fee now (its state is “%(state)s”), so this money cannot "
                "pay it. Return it to the payer and mark the item as resolved."
            )
            % {
                "reference": application.reference or application.pk,
                "state": application.get_state_display(),
            },
            details={"payment_id": payment.pk, "state": application.state},
        )
    if payment.purpose == Payment.Purpose.STATE_FEE and not payment_events.is_awaiting_payment(application):
        raise LatePaymentNotAcceptedError(
            _(
                "Application %(reference)s no longer awaits payment (its state is “%(state)s”), so this money "
                "cannot pay its fee. Return it to the payer and mark the item as resolved."
            )
            % {
                "reference": application.reference or application.pk,
                "state": application.get_state_display(),
            },
            details={"payment_id": payment.pk, "state": application.state},
        )
    _cancel_open(
        application.pk, reason="the fee was paid by a late payment accepted by staff", purpose=payment.purpose
    )
    payment.accept_late(paid_at=paid_at)
    _save(payment, ["status", "paid_at", "closed_at", "failure_reason"])
    _tell_application_and_queue_receipt(payment, application)
    return Outcome.PAID


@transaction.atomic
def fail_payment(*, payment_id: int, reason: str = "") -> Outcome:
    """The provider declined this attempt. A failure reported after the payment was paid changes nothing."""
    payment, application = _lock(payment_id)
    if payment.status != Payment.Status.PENDING:
        return Outcome.ALREADY_CLOSED
    payment.fail(reason=reason)
    _save(payment, ["status", "closed_at", "failure_reason"])
    payment_events.record_payment_event(
        application=application,
        kind=payment_events.PAYMENT_FAILED,
        data={"payment_id": payment.pk, "reason": payment.failure_reason},
    )
    logger.info("payment.failed id=%s application=%s", payment.pk, payment.application_id)
    return Outcome.FAILED
