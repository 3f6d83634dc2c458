"""What a card payment provider offers the service: start a checkout, verify a webhook, refund.

A provider module defines one subclass of ``PaymentProvider`` and is enabled by naming it in the
``PAYMENT_PROVIDERS`` setting (see ``payments.providers.get_provider``).
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


@dataclass(frozen=True)
class Checkout:
    """Where to send the payer, and the provider's id of this checkout (webhooks name the payment by it)."""

    provider_reference: str
    redirect_url: str


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
    def start_payment(self, *, payment: Payment, return_url: str) -> Checkout:
        """Open a checkout for ``payment`` (amount, currency) that sends the payer back to ``return_url``."""

    @abstractmethod
    def verify_webhook(
        self, *, body: bytes, headers: Mapping[str, str], now: dt.datetime | None = None
    ) -> ProviderEvent:
        """Check the signature and freshness of a raw webhook request and parse it; ``WebhookError`` if not."""

    @abstractmethod
    def refund(self, *, payment: Payment, amount_cents: int) -> str:
        """Give ``amount_cents`` of a paid payment back to the card; returns the provider's refund id."""
