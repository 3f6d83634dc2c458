"""Reads of payments: the caller's own only (someone else's is "not found"), the payee account."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.exceptions import FeeNotOfferedError
from applications.models import Application, Fee
from applications.selectors import get_current_fee
from applications.selectors_dashboard import get_application
from applications.services import payment_events
from identity.models import User
from payments.exceptions import NothingToPayError, PaymentMethodUnavailableError, PaymentNotFoundError
from payments.models import Payment, format_cents


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


def get_fee_due(*, application: Application) -> Fee:
    """The state fee for the application's kind and speed on the day it was submitted (today for a draft).

    Raises ``FeeNotOfferedError`` when the catalogue has none.
    """
    on = timezone.localdate(application.submitted_at or timezone.now())
    return get_current_fee(kind=application.kind, speed=application.processing_speed, on=on)


@dataclass(frozen=True)
class AmountDue:
    """What one fee of an application costs now, and the catalogue row it comes from."""

    purpose: str
    amount_cents: int
    currency: str
    fee_id: int | None = None
    card_fee_id: int | None = None

    @property
    def amount_display(self) -> str:
        return format_cents(self.amount_cents, self.currency)


def get_amount_due(*, application: Application, purpose: str) -> AmountDue:
    """The fee of ``purpose`` the application owes now: the state fee while it awaits payment, the card fee
    while its registration has not paid it. ``NothingToPayError`` (409) when that fee is not due."""
    if purpose == Payment.Purpose.CARD_FEE:
        card_fee = payment_events.card_fee_due(application)
        if card_fee is None:
            raise NothingToPayError(
                _("This application has no card fee to pay."),
                details={"state": application.state, "purpose": purpose},
            )
        return AmountDue(purpose, card_fee.amount_cents, card_fee.currency, card_fee_id=card_fee.card_fee_id)
    if not payment_events.is_awaiting_payment(application):
        raise NothingToPayError(details={"state": application.state, "purpose": purpose})
    try:
        fee = get_fee_due(application=application)
    except FeeNotOfferedError as exc:
        raise PaymentMethodUnavailableError(exc.message, details=exc.details) from None
    return AmountDue(purpose, fee.amount_cents, fee.currency, fee_id=fee.pk)
