"""Reads of payments: the caller's own only (someone else's is "not found"), the payee account."""

from __future__ import annotations

from django.db.models import QuerySet

from applications.selectors_dashboard import get_application
from identity.models import User
from payments.exceptions import PaymentNotFoundError
from payments.models import Payment


def get_payment(*, user: User, payment_id: int) -> Payment:
    """One payment of one of the caller's applications, with its application; else ``PaymentNotFoundError``."""
    payment = (
        Payment.objects.select_related("application__kind", "application__purpose")
        .filter(pk=payment_id, application__applicant_id=user.pk)
        .first()
        if user.is_authenticated
        else None
    )
    if payment is None:
        raise PaymentNotFoundError()
    return payment


def list_application_payments(*, user: User, application_id: int) -> list[Payment]:
    """The payments of one of the caller's applications, newest first (404 for someone else's application)."""
    application = get_application(user=user, application_id=application_id)
    return list(payments_of(application_ids=[application.pk]))


def payments_of(*, application_ids: list[int]) -> QuerySet[Payment]:
    return Payment.objects.filter(application_id__in=application_ids).order_by("-created_at", "-id")
