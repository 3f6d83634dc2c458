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


class StatementError(DomainError):
    """A bank statement file was refused as a whole; nothing of it was imported."""

    code = "invalid_statement"
    default_message = _("The bank statement could not be read.")
