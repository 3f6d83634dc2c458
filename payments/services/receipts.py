"""PDFs of payments, rendered by the pdf worker and stored once: the receipt and the bank-transfer slip."""

from __future__ import annotations

import datetime as dt
import logging

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import formats, timezone, translation

from applications.selectors import get_current_payee_account
from applications.services import payment_events
from payments import references
from payments.models import Payment
from workers.models import GeneratedDocument
from workers.pdf import render_pdf
from workers.queueing import enqueue
from workers.selectors import get_generated_document
from workers.services import store_pdf

logger = logging.getLogger(__name__)

RECEIPT = "payment-receipt"
INSTRUCTIONS = "bank-transfer-instructions"


def _payment(payment_id: int) -> Payment:
    return Payment.objects.select_related("application__applicant", "application__kind").get(pk=payment_id)


def payee_context(payment: Payment) -> dict:
    account = get_current_payee_account(on=timezone.localdate(payment.created_at))
    return {
        "payee": account,
        "reference_display": references.display(payment.reference) if payment.reference else "",
    }


def render_payment_receipt(*, payment_id: int) -> GeneratedDocument | None:
    """The receipt of a paid fee (None while it is not paid). Idempotent: a second run returns the stored one."""
    payment = _payment(payment_id)
    if payment.paid_at is None:
        return None
    existing = get_generated_document(owner=payment, kind=RECEIPT)
    if existing is not None:
        return existing
    application = payment.application
    with translation.override(application.applicant.preferred_language):
        content = render_pdf(
            template_name="pdf/payment_receipt.html",
            # An official document: in Latvian, and again in the applicant's language when that is another.
            languages=["lv", application.applicant.preferred_language],
            context={
                "payment": payment,
                "application": application,
                "payer_name": f"{application.first_name} {application.last_name}".strip()
                or application.applicant.get_full_name(),
                "paid_on": formats.date_format(timezone.localtime(payment.paid_at), "d.m.Y H:i"),
                "issued_on": formats.date_format(timezone.localdate(), "d.m.Y"),
                "receipt_number": f"PMLP-K-{payment.pk:08d}",
                "payment_reference": payment.reference
                or payment.provider_reference
                or payment.counter_receipt_number
                or "",
                **payee_context(payment),
            },
        )
    with transaction.atomic():
        stored = store_pdf(owner=payment, kind=RECEIPT, content=content, filename=f"receipt-{payment.pk}.pdf")
        if not application.events.filter(
            kind=payment_events.RECEIPT_READY, data__payment_id=payment.pk
        ).exists():
            payment_events.record_payment_event(
                application=application,
                kind=payment_events.RECEIPT_READY,
                data={"payment_id": payment.pk, "document_id": stored.pk},
            )
    return stored


def render_bank_transfer_instructions(*, payment_id: int) -> GeneratedDocument | None:
    """The printable slip of a bank transfer: payee account, amount, creditor reference. Idempotent."""
    payment = _payment(payment_id)
    if payment.method != Payment.Method.BANK_TRANSFER or not payment.reference:
        return None
    existing = get_generated_document(owner=payment, kind=INSTRUCTIONS)
    if existing is not None:
        return existing
    application = payment.application
    with translation.override(application.applicant.preferred_language):
        content = render_pdf(
            template_name="pdf/bank_transfer_instructions.html",
            # Shown to the bank teller as much as to the applicant: in Latvian and in the applicant's language.
            languages=["lv", application.applicant.preferred_language],
            context={
                "payment": payment,
                "application": application,
                "issued_on": formats.date_format(timezone.localdate(), "d.m.Y"),
                **payee_context(payment),
            },
        )
    return store_pdf(
        owner=payment, kind=INSTRUCTIONS, content=content, filename=f"bank-transfer-{payment.pk}.pdf"
    )


def requeue_missing_receipts(*, within: dt.timedelta = dt.timedelta(days=7)) -> list[int]:
    """Queue the receipt of every fee paid recently that has none yet (the broker was down when it was paid).

    Rendering is idempotent, so a receipt queued twice is stored once.
    """
    paid_recently = Payment.objects.filter(paid_at__gte=timezone.now() - within).values_list("pk", flat=True)
    with_receipt = GeneratedDocument.objects.filter(
        owner_content_type=ContentType.objects.get_for_model(Payment), kind=RECEIPT
    ).values_list("owner_id", flat=True)
    missing = list(paid_recently.exclude(pk__in=with_receipt))
    for payment_id in missing:
        enqueue("payments.tasks.render_payment_receipt", payment_id)
    if missing:
        logger.info("receipts.requeued count=%s", len(missing))
    return missing
