"""The state fee taken at a unit's counter: by the card terminal or in cash, recorded by the officer with the
number of the terminal slip or the cash receipt. The payment is its own row (method ``counter_card`` or
``counter_cash``), paid when recorded, and gets the same receipt PDF as any other payment.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.exceptions import FeeNotOfferedError
from applications.services import payment_events
from eservice.exceptions import DomainError, NotFoundError
from identity.models import User
from payments.exceptions import NothingToPayError, PaymentMethodUnavailableError
from payments.models import COUNTER_METHODS, Payment
from payments.selectors import get_fee_due
from payments.services.payments import _cancel_open, _save, _tell_application_and_queue_receipt

logger = logging.getLogger(__name__)


class CounterReceiptNumberError(DomainError):
    code = "validation_error"


@transaction.atomic
def record_counter_payment(
    *, application_id: int, officer: User, method: str, receipt_number: str
) -> Payment:
    """The officer took the fee at the counter of the unit where the application was made: a paid payment, the
    application moves on (``confirm_application_paid``), and the receipt is queued."""
    application = payment_events.lock_application(application_id=application_id)
    if not (
        officer.is_officer
        and application.counter_unit_id is not None
        and application.counter_unit_id == officer.unit_id
    ):
        raise NotFoundError(_("There is no such counter application at your unit."))
    if method not in COUNTER_METHODS:
        raise PaymentMethodUnavailableError(details={"method": method, "methods": list(COUNTER_METHODS)})
    receipt_number = (receipt_number or "").strip()
    if not receipt_number or len(receipt_number) > 40:
        raise CounterReceiptNumberError(
            _("Type the number of the card terminal slip or of the cash receipt."),
            details={
                "receipt_number": [_("Type the number of the card terminal slip or of the cash receipt.")]
            },
        )
    if not payment_events.is_awaiting_payment(application):
        raise NothingToPayError(details={"state": application.state})
    try:
        fee = get_fee_due(application=application)
    except FeeNotOfferedError as exc:
        raise PaymentMethodUnavailableError(exc.message, details=exc.details) from None
    _cancel_open(application.pk, reason="paid at the counter")
    payment = Payment.objects.create(
        application=application,
        purpose=Payment.Purpose.STATE_FEE,
        method=method,
        amount_cents=fee.amount_cents,
        currency=fee.currency,
        fee=fee,
        counter_receipt_number=receipt_number,
        recorded_by=officer,
    )
    payment_events.record_payment_event(
        application=application,
        kind=payment_events.PAYMENT_STARTED,
        actor=officer,
        data={"payment_id": payment.pk, "method": method, "amount": payment.amount_display},
    )
    payment.mark_paid(paid_at=timezone.now())
    _save(payment, ["status", "paid_at"])
    _tell_application_and_queue_receipt(payment, application)
    logger.info("payment.counter id=%s application=%s method=%s", payment.pk, application.pk, method)
    return payment
