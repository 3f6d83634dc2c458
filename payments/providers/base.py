"""What a card payment provider offers the service: start a checkout, verify a webhook, refund.

A provider module defines one subclass of ``PaymentProvider`` and is enabled by naming it in the
``PAYMENT_PROVIDERS`` setting (see ``payments.providers.get_provider``).

Calls that make the provider act (``start_payment``, ``refund``) carry an idempotency key: an adapter must pass
it to the provider (for example Stripe's ``Idempotency-Key`` header) so that the same key sent again returns the
first answer instead of opening a second checkout or returning the money twice. The services call them only
through ``payments.services.provider_calls``, outside any database transaction, and record each call as a
``ProviderCall`` row.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from payments.models import Payment


class WebhookError(Exception):
    """The request is not a genuine, fresh, well-formed event of this provider. Nothing is recorded."""

    code = "invalid_webhook"

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class WebhookSignatureError(WebhookError):
    code = "invalid_signature"


class WebhookTimestampError(WebhookError):
    code = "stale_timestamp"


class WebhookPayloadError(WebhookError):
    code = "invalid_payload"


class ProviderError(Exception):
    """The provider did not do what was asked. ``message`` is safe to show staff (no card data)."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class ProviderUnavailableError(ProviderError, ConnectionError):
    """No answer, a timeout or a server error: the outcome is unknown, so the same call (same key) is retried.

    A ``ConnectionError`` so that tasks retrying on ``OSError`` retry it.
    """


class ProviderRefusedError(ProviderError):
    """The provider answered no (the card account is closed, the key was reused for something else): final."""


@dataclass(frozen=True)
class Checkout:
    """Where to send the payer, and the provider's id of this checkout (webhooks name the payment by it)."""

    provider_reference: str
    redirect_url: str


@dataclass(frozen=True)
class Refund:
    """The provider's answer to a refund: its id of the refund, and what it returned."""

    refund_id: str
    amount_cents: int
    currency: str


@dataclass(frozen=True)
class ProviderEvent:
    """A verified webhook, in the service's words."""

    SUCCEEDED = "payment.succeeded"
    FAILED = "payment.failed"

    event_id: str
    type: str
    provider_reference: str
    amount_cents: int
    currency: str
    occurred_at: dt.datetime
    reason: str = ""
    payload: Mapping | None = None


class PaymentProvider(ABC):
    name: str = ""

    @abstractmethod
    def start_payment(self, *, payment: Payment, return_url: str, idempotency_key: str) -> Checkout:
        """Open a checkout for ``payment`` (amount, currency) that sends the payer back to ``return_url``.

        The same ``idempotency_key`` again returns the same checkout. ``ProviderError`` when it failed.
        """

    @abstractmethod
    def verify_webhook(
        self, *, body: bytes, headers: Mapping[str, str], now: dt.datetime | None = None
    ) -> ProviderEvent:
        """Check the signature and freshness of a raw webhook request and parse it; ``WebhookError`` if not."""

    @abstractmethod
    def refund(self, *, payment: Payment, amount_cents: int, idempotency_key: str) -> Refund:
        """Give ``amount_cents`` of a paid payment back to the card.

        The same ``idempotency_key`` again returns the first refund and moves no more money.
        ``ProviderUnavailableError`` when the outcome is unknown (retry with the same key),
        ``ProviderRefusedError`` when the provider said no.
        """
