"""What the payments app may do to an application: lock it, confirm its state fee, write payment timeline lines.

Payments never sets ``Application`` fields nor calls its transitions itself; it calls these. Lock order is
always the application first, then its payments, in every path (webhooks, statement import, withdrawal), so
two of them running at once wait for each other instead of deadlocking.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed

from applications.models import Application, ApplicationEvent, Registration
from applications.services.lifecycle import application_url, decision_due_date, record_event
from applications.services.registration import mark_card_fee_paid
from eservice.exceptions import ConflictError, InvalidTransitionError, NotFoundError
from identity.models import User
from workers.services import absolute_url, notify

logger = logging.getLogger(__name__)

# Timeline kinds payments writes besides ApplicationEvent.Kind.PAID.
PAYMENT_STARTED = ApplicationEvent.Kind.PAYMENT_STARTED
PAYMENT_FAILED = ApplicationEvent.Kind.PAYMENT_FAILED
PAYMENT_EXPIRED = ApplicationEvent.Kind.PAYMENT_EXPIRED
PAYMENT_REFUNDED = ApplicationEvent.Kind.PAYMENT_REFUNDED
PAYMENT_REFUND_PENDING = ApplicationEvent.Kind.PAYMENT_REFUND_PENDING
PAYMENT_NOT_REFUNDED = ApplicationEvent.Kind.PAYMENT_NOT_REFUNDED
RECEIPT_READY = ApplicationEvent.Kind.RECEIPT_READY


def lock_application(*, application_id: int) -> Application:
    """The application row locked for the caller's transaction (payments lock it before their own rows)."""
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("applicant", "kind")
        .filter(pk=application_id)
        .first()
    )
    if application is None:
        raise NotFoundError(_("There is no such application."))
    return application


def is_awaiting_payment(application: Application) -> bool:
    return application.state == Application.State.AWAITING_PAYMENT


@dataclass(frozen=True)
class CardFeeDue:
    """The residence permit card fee a registration still owes (fixed when the registration started)."""

    amount_cents: int
    currency: str
    card_fee_id: int


def card_fee_due(application: Application) -> CardFeeDue | None:
    """The card fee due for the application's registration, or None (no registration, or already paid)."""
    if application.state != Application.State.AWAITING_REGISTRATION:
        return None
    registration = Registration.objects.filter(application=application).first()
    if registration is None or registration.card_fee_paid:
        return None
    return CardFeeDue(
        amount_cents=registration.card_fee_cents, currency="EUR", card_fee_id=registration.card_fee_id
    )


def confirm_card_fee_paid(
    *, application: Application, paid_at: dt.datetime, amount_display: str, payment_id: int
) -> None:
    """The card fee arrived: the registration's fee is paid and a timeline line written; the application's
    state does not move (biometrics at the unit move it). ``application`` is locked by the caller."""
    mark_card_fee_paid(application=application, paid_at=paid_at, amount=amount_display, payment_id=payment_id)


@transaction.atomic
def confirm_application_paid(
    *,
    application_id: int,
    paid_at: dt.datetime,
    payment_reference: str,
    amount_display: str = "",
    payment_id: int | None = None,
) -> Application:
    """The state fee arrived: awaiting_payment → submitted, a timeline line, an e-mail through the outbox.

    Raises ``InvalidTransitionError`` (409) when the application does not await payment (withdrawn meanwhile,
    already paid); the caller decides what happens to the money.
    """
    application = lock_application(application_id=application_id)
    if not can_proceed(application.mark_paid):
        raise InvalidTransitionError(
            _("The application does not await payment."),
            state=application.state,
            allowed_actions=[],
        )
    application.mark_paid(paid_at=paid_at)
    # Processing starts when the fee arrives: the deadline counts from here, not from the form's submission.
    application.decision_due_on = decision_due_date(
        speed=application.processing_speed, start=timezone.localdate(application.paid_at)
    )
    try:
        application.save(update_fields=["state", "paid_at", "decision_due_on", "updated_at"])
    except ConcurrentTransition:
        raise ConflictError(_("The application was changed at the same time.")) from None
    record_event(
        application=application,
        kind=ApplicationEvent.Kind.PAID,
        data={"payment_reference": payment_reference, "amount": amount_display},
    )
    notify(
        recipient=application.applicant,
        event="application_paid",
        context={
            "reference": application.reference or "",
            "application_id": application.pk,
            "url": application_url(application),
            "payment_reference": payment_reference,
            "amount": amount_display,
            # ISO dates: the e-mail writes them out in the recipient's language (mail_tags.mail_date).
            "paid_on": timezone.localdate(paid_at).isoformat(),
            "decision_due_on": application.decision_due_on.isoformat() if application.decision_due_on else "",
            # The receipt the e-mail announces (rendered by the pdf worker by the time the mail is read).
            "receipt_url": absolute_url(reverse("payments:receipt-pdf", args=[payment_id]))
            if payment_id
            else "",
        },
    )
    logger.info("application.paid id=%s", application.pk)
    return application


def record_payment_event(
    *, application: Application, kind: str, data: dict[str, Any] | None = None, actor: User | None = None
) -> ApplicationEvent:
    """One payment line on the application's timeline (started, failed, refunded, receipt ready).

    A completed refund (card by the worker, bank transfer by staff) is also told to the applicant by e-mail.
    """
    event = record_event(application=application, kind=kind, actor=actor, data=data)
    if kind == PAYMENT_REFUNDED:
        from workers.services import notify

        notify(
            recipient=application.applicant,
            event="fee_refunded",
            context={
                "reference": application.reference or "",
                "application_id": application.pk,
                "url": application_url(application),
                "amount": str((data or {}).get("amount", "")),
            },
        )
    return event
