"""Celery tasks of the payments app: receipts and bank-transfer slips (pdf queue), the test gateway's webhook
delivery, card refunds and the sweep (default queue). Each loads by id and calls one service."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from payments.services import expiry, receipts, refunds, test_gateway


@shared_task(
    queue="pdf", acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5
)
def render_payment_receipt(payment_id: int) -> int | None:
    document = receipts.render_payment_receipt(payment_id=payment_id)
    return document.pk if document else None


@shared_task(
    queue="pdf", acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5
)
def render_bank_transfer_instructions(payment_id: int) -> int | None:
    document = receipts.render_bank_transfer_instructions(payment_id=payment_id)
    return document.pk if document else None


@shared_task(
    queue="default",
    acks_late=True,
    autoretry_for=(OSError, OperationalError),
    retry_backoff=True,
    max_retries=8,
)
def deliver_test_gateway_webhook(body: str) -> dict:
    """Like a provider: a delivery that fails (our web server down) is retried with back-off."""
    return test_gateway.deliver_test_gateway_webhook(body=body)


@shared_task(
    queue="default",
    acks_late=True,
    autoretry_for=(OSError, OperationalError),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=8,
)
def refund_card_payment(payment_id: int) -> str:
    return refunds.complete_card_refund(payment_id=payment_id).status


@shared_task(queue="default", acks_late=True)
def sweep_payments() -> dict[str, int]:
    """Queue again what a broker outage left undone: receipts of paid fees, card refunds."""
    return {
        "receipts": len(receipts.requeue_missing_receipts()),
        "card_refunds": len(refunds.requeue_pending_card_refunds()),
    }


@shared_task(queue="default", acks_late=True)
def expire_unpaid_bank_transfers() -> int:
    """Close bank transfers unpaid for PAYMENT_BANK_TRANSFER_EXPIRY_DAYS and tell the applicants."""
    return len(expiry.expire_unpaid_bank_transfers())
