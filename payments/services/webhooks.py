"""Provider webhooks: verify, record once, then confirm or fail the payment.

Rules (DESIGN.md section 3; the order of events is not guaranteed):

- A request whose signature or timestamp does not verify, or whose body is not an event, is refused (400) and
  nothing is written.
- Each verified event is recorded once by (provider, event id); a replay or a retry of the same id is answered
  200 "duplicate" without effect. Two deliveries of one id at the same time: the second waits on the unique
  index and then finds the first.
- "succeeded" with another amount or currency than the payment's is not trusted: the payment stays pending
  and the event goes to the review list.
- "failed" after "paid" changes nothing (paid is final for a provider's checkout).
- "succeeded" after "failed" or "cancelled" for the same attempt: the card was charged after all, but the
  attempt was closed (possibly replaced by another); the money goes to the review list, where a person accepts
  it as the fee while the application still awaits payment (``accept_late_payment``) or returns it — it is
  never lost and never pays the fee twice.
- An event for a payment we do not know is recorded and answered 200 "unknown_payment" (a retry cannot help).

The heavy work (receipt PDF, e-mail) happens after commit in workers, so the answer is fast.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from payments.models import Payment, ReconciliationItem, WebhookEvent
from payments.providers import get_provider
from payments.providers.base import ProviderEvent
from payments.services.payments import Outcome, confirm_payment, fail_payment

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class WebhookResult:
    status: str
    event_id: str
    payment_id: int | None = None


def receive_webhook(
    *, provider_name: str, body: bytes, headers: Mapping[str, str], now: dt.datetime | None = None
) -> WebhookResult:
    """Verify and apply one webhook request. Raises ``UnknownProviderError`` or ``WebhookError`` (nothing written)."""
    provider = get_provider(provider_name)
    event = provider.verify_webhook(body=body, headers=headers, now=now)
    return apply_event(provider_name=provider_name, event=event)


@transaction.atomic
def apply_event(*, provider_name: str, event: ProviderEvent) -> WebhookResult:
    try:
        with transaction.atomic():
            record = WebhookEvent.objects.create(
                provider=provider_name,
                event_id=event.event_id,
                event_type=event.type[:60],
                outcome=WebhookEvent.Outcome.IGNORED,
                payload=dict(event.payload or {}),
            )
    except IntegrityError:
        logger.info("webhook.duplicate provider=%s event=%s", provider_name, event.event_id)
        return WebhookResult(status="duplicate", event_id=event.event_id)

    payment = Payment.objects.filter(
        provider=provider_name, provider_reference=event.provider_reference
    ).first()
    if payment is None:
        record.outcome = WebhookEvent.Outcome.UNKNOWN_PAYMENT
        record.save(update_fields=["outcome"])
        logger.warning("webhook.unknown_payment provider=%s event=%s", provider_name, event.event_id)
        return WebhookResult(status=record.outcome, event_id=event.event_id)
    record.payment = payment

    if event.type == ProviderEvent.SUCCEEDED:
        record.outcome = _apply_success(record=record, payment=payment, event=event)
    elif event.type == ProviderEvent.FAILED:
        outcome = fail_payment(payment_id=payment.pk, reason=event.reason or "declined")
        record.outcome = (
            WebhookEvent.Outcome.PROCESSED if outcome == Outcome.FAILED else WebhookEvent.Outcome.ALREADY_DONE
        )
    record.save(update_fields=["outcome", "payment"])
    logger.info(
        "webhook.applied provider=%s event=%s payment=%s outcome=%s",
        provider_name,
        event.event_id,
        payment.pk,
        record.outcome,
    )
    return WebhookResult(status=record.outcome, event_id=event.event_id, payment_id=payment.pk)


def _apply_success(*, record: WebhookEvent, payment: Payment, event: ProviderEvent) -> str:
    if event.amount_cents != payment.amount_cents or event.currency != payment.currency:
        record.save(update_fields=["payment"])
        ReconciliationItem.objects.create(
            kind=ReconciliationItem.Kind.PROVIDER_MISMATCH,
            webhook_event=record,
            payment=payment,
            amount_cents=event.amount_cents,
            currency=event.currency,
            expected_cents=payment.amount_cents,
            note=f"expected {payment.amount_cents} {payment.currency}",
        )
        logger.warning("webhook.mismatch payment=%s event=%s", payment.pk, event.event_id)
        return WebhookEvent.Outcome.MISMATCH
    outcome = confirm_payment(payment_id=payment.pk, paid_at=event.occurred_at)
    if outcome == Outcome.PAID:
        return WebhookEvent.Outcome.PROCESSED
    if outcome == Outcome.ALREADY_PAID:
        return WebhookEvent.Outcome.ALREADY_DONE
    record.save(update_fields=["payment"])
    ReconciliationItem.objects.create(
        kind=ReconciliationItem.Kind.LATE_CARD_PAYMENT,
        webhook_event=record,
        payment=payment,
        amount_cents=event.amount_cents,
        currency=event.currency,
        expected_cents=payment.amount_cents,
    )
    return WebhookEvent.Outcome.REVIEW
