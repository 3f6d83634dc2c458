"""Errors of the payments app (the DRF handler turns them into 4xx JSON)."""

from django.utils.translation import gettext_lazy as _

from eservice.exceptions import ConflictError, DomainError, NotFoundError


class PaymentNotFoundError(NotFoundError):
    default_message = _("There is no such payment.")


class NothingToPayError(ConflictError):
    code = "nothing_to_pay"
    default_message = _("This application does not await a payment.")


class PaymentMethodUnavailableError(DomainError):
    code = "method_unavailable"
    default_message = _("This payment method is not available at the moment.")


class PaymentPurposeUnknownError(DomainError):
    code = "unknown_purpose"
    default_message = _("There is no such fee to pay.")


class StatementError(DomainError):
    """A bank statement file was refused as a whole; nothing of it was imported."""

    code = "invalid_statement"
    default_message = _("The bank statement could not be read.")


class CardProviderUnavailableError(PaymentMethodUnavailableError):
    """The card provider did not open a checkout; the attempt is closed and nothing was charged."""

    code = "card_provider_unavailable"
    default_message = _(
        "Card payments are not available at the moment. Please try again in a few minutes or pay by bank transfer."
    )


class PaymentAttemptReplacedError(ConflictError):
    code = "payment_replaced"
    default_message = _("This payment attempt was replaced by a newer one. Please reload the page.")


class NotAwaitingRefundError(ConflictError):
    code = "not_awaiting_refund"
    default_message = _("This payment does not await a refund.")


class CardRefundByProviderError(ConflictError):
    """Staff tried to close a card refund by hand: the card provider sends that money, not a person."""

    code = "card_refund_by_provider"
    default_message = _(
        "This payment was made by card: the money goes back to the card through the card provider, and the "
        "refund is recorded automatically. Only bank-transfer refunds are confirmed here."
    )


class ReviewItemNotLinkedError(ConflictError):
    code = "review_item_not_linked"
    default_message = _(
        "This money is not linked to a payment: it cannot be accepted as a fee. Return it to the payer and "
        "mark the item as resolved."
    )


class LatePaymentNotAcceptedError(ConflictError):
    """Money arrived for a closed attempt, but it can no longer pay the fee: a person returns it instead."""

    code = "late_payment_not_accepted"
