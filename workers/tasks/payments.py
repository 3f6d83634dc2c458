"""Payment tasks: receipts and bank-transfer slips (pdf queue), the test gateway's webhook delivery."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


@shared_task(
    name="workers.tasks.pdf.render_payment_receipt",  # routed to the pdf queue by name
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def render_payment_receipt(payment_id: int) -> int | None:
    from payments.services import render_payment_receipt as render

    document = render(payment_id=payment_id)
    return document.pk if document else None


@shared_task(
    name="workers.tasks.pdf.render_bank_transfer_instructions",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def render_bank_transfer_instructions(payment_id: int) -> int | None:
    from payments.services import render_bank_transfer_instructions as render

    document = render(payment_id=payment_id)
    return document.pk if document else None


@shared_task(
    name="workers.tasks.payments.deliver_test_gateway_webhook",
    autoretry_for=(OSError, OperationalError),
    retry_backoff=True,
    max_retries=8,
)
def deliver_test_gateway_webhook(body: str) -> dict:
    """Like a provider: a delivery that fails (our web server down) is retried with back-off."""
    from payments.services.test_gateway import deliver_test_gateway_webhook as deliver

    return deliver(body=body)


@shared_task(
    name="workers.tasks.payments.refund_card_payment",
    autoretry_for=(OSError, OperationalError),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=8,
)
def refund_card_payment(payment_id: int) -> str:
    from payments.services.refunds import complete_card_refund

    return complete_card_refund(payment_id=payment_id).status


@shared_task(name="workers.tasks.payments.sweep_payments")
def sweep_payments() -> dict[str, int]:
    """Queue again what a broker outage left undone: receipts of paid fees, card refunds."""
    from payments.services.receipts import requeue_missing_receipts
    from payments.services.refunds import requeue_pending_card_refunds

    return {"receipts": len(requeue_missing_receipts()), "card_refunds": len(requeue_pending_card_refunds())}
