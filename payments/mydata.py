"""Payments' part of "my data": every payment with its receipts in the archive.

No retention rule: payments and their receipts are accounting source documents the Office must keep (the
Accounting Law; the period is to be verified), so closing an account and the retention job leave them as they are.
The archive holds the payments of the account's own applications (not of those it sees as a representative).
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType

from identity.models import User
from identity.mydata.registry import ExportFile, ExportSection, SectionData
from payments.models import Payment
from workers.models import GeneratedDocument


def collect_payments(user: User) -> SectionData:
    payments = list(Payment.objects.filter(application__applicant=user).order_by("created_at", "id"))
    pdfs = GeneratedDocument.objects.filter(
        owner_content_type=ContentType.objects.get_for_model(Payment),
        owner_id__in=[payment.pk for payment in payments],
    ).order_by("id")
    records = [
        {
            "id": payment.pk,
            "application_id": payment.application_id,
            "purpose": payment.purpose,
            "method": payment.method,
            "status": payment.status,
            "amount_cents": payment.amount_cents,
            "currency": payment.currency,
            "reference": payment.reference,
            "created_at": payment.created_at,
            "paid_at": payment.paid_at,
            "closed_at": payment.closed_at,
            "refund_amount_cents": payment.refund_amount_cents,
        }
        for payment in payments
    ]
    files = [
        ExportFile(
            path=f"payments/{pdf.owner_id}-{pdf.kind}.pdf",
            file=pdf.file,
            sha256=pdf.sha256,
            section="payments",
            record_id=pdf.owner_id,
        )
        for pdf in pdfs
    ]
    return SectionData(records=records, files=files)


SECTIONS = (
    ExportSection("payments", collect_payments, "fees paid or started, amounts in euro cents; receipts"),
)
