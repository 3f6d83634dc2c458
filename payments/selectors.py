"""Reads of payments: the caller's own only (someone else's is "not found"), the payee account."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from applications.models import Application, Fee
from applications.selectors import accessible_applications, get_current_fee
from applications.selectors_dashboard import get_application
from identity.models import User
from payments.exceptions import PaymentNotFoundError
from payments.models import Payment


def get_payment(*, user: User, payment_id: int) -> Payment:
    """One payment of one of the caller's applications, with its application; else ``PaymentNotFoundError``."""
    payment = (
        Payment.objects.select_related("application__kind", "application__purpose")
        .filter(pk=payment_id, application__in=accessible_applications(user))
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


def get_fee_due(*, application: Application) -> Fee:
    """The state fee for the application's kind and speed on the day it was submitted (today for a draft).

    Raises ``FeeNotOfferedError`` when the catalogue has none.
    """
    on = timezone.localdate(application.submitted_at or timezone.now())
    return get_current_fee(kind=application.kind, speed=application.processing_speed, on=on)


def get_counter_payment(*, officer: User, application_id: int, payment_id: int) -> Payment | None:
    """A payment taken at the counter of the officer's unit (for its receipt), or None."""
    if not officer.is_officer or officer.unit_id is None:
        return None
    return Payment.objects.filter(
        pk=payment_id,
        application_id=application_id,
        application__counter_unit_id=officer.unit_id,
        recorded_by__isnull=False,
    ).first()
