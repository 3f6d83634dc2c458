"""Unpaid bank transfers expire: the reference stops being offered and the applicant is told to pay again.

A bank transfer opened PAYMENT_BANK_TRANSFER_EXPIRY_DAYS ago whose money never arrived is closed as expired by a
daily beat job; the applicant gets an e-mail and a timeline line. Money that still arrives later for that
reference finds the payment closed and goes to the staff's review list (``confirm_payment`` answers
``NOT_OPEN``), where staff may accept it as the fee after all (``accept_late_payment``).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from applications.services import payment_events
from applications.services.lifecycle import application_url
from payments import references
from payments.models import Payment
from payments.services.payments import _save
from workers.services import absolute_url, notify

logger = logging.getLogger(__name__)


def expire_unpaid_bank_transfers(*, now: dt.datetime | None = None) -> list[int]:
    """Close every bank transfer pending longer than the setting; returns the ids expired. Safe to run twice."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.PAYMENT_BANK_TRANSFER_EXPIRY_DAYS)
    candidates = list(
        Payment.objects.filter(
            method=Payment.Method.BANK_TRANSFER, status=Payment.Status.PENDING, created_at__lt=cutoff
        ).values_list("pk", "application_id")
    )
    expired = []
    for payment_id, application_id in candidates:
        with transaction.atomic():
            # Lock order as everywhere in payments: the application, then its payment.
            application = payment_events.lock_application(application_id=application_id)
            payment = (
                Payment.objects.select_for_update()
                .filter(pk=payment_id, status=Payment.Status.PENDING, created_at__lt=cutoff)
                .first()
            )
            if payment is None:  # paid or replaced meanwhile
                continue
            payment.expire()
            _save(payment, ["status", "closed_at", "failure_reason"])
            payment_events.record_payment_event(
                application=application,
                kind=payment_events.PAYMENT_EXPIRED,
                data={"payment_id": payment.pk, "amount": payment.amount_display, "purpose": payment.purpose},
            )
            notify(
                recipient=application.applicant,
                event="bank_transfer_expired",
                context={
                    "reference": application.reference or "",
                    "url": application_url(application),
                    "pay_url": absolute_url(reverse("payments:pay", args=[application.pk]))
                    + (f"?purpose={payment.purpose}" if payment.purpose != Payment.Purpose.STATE_FEE else ""),
                    "payment_reference": references.display(payment.reference) if payment.reference else "",
                    "amount": payment.amount_display,
                    "purpose": payment.purpose,
                    "opened_on": timezone.localdate(payment.created_at).isoformat(),
                    "days": settings.PAYMENT_BANK_TRANSFER_EXPIRY_DAYS,
                },
            )
            expired.append(payment.pk)
    if expired:
        logger.info("payments.bank_transfers_expired count=%s", len(expired))
    return expired
