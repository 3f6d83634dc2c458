"""The built-in test gateway: a hosted payment page inside the project that behaves like a provider's test mode.

The page lives at ``/payments/test-gateway/<session>/``; the session is a signed, tamper-proof token carrying
what a real provider would keep on its side (checkout id, amount, currency, return address). After the payer
submits a test card, the gateway sends a webhook signed like Stripe's:

    Test-Gateway-Signature: t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>." + raw body)>

Test cards: 4242 4242 4242 4242 succeeds, 4000 0000 0000 0002 is declined, 4000 0000 0000 3220 succeeds after
``PAYMENT_TEST_GATEWAY_DELAY_SECONDS`` (as if the bank asked for 3-D Secure).

Like a real provider, the gateway honours idempotency keys: it keeps its checkouts and refunds in its own books
(``TestGatewayRecord``), one row per key, and answers a repeated key with the first checkout or refund (and
counts the request). A key sent again with another amount or checkout is refused, and so is a refund beyond
what the checkout took.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import signing
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from payments.providers.base import (
    Checkout,
    PaymentProvider,
    ProviderEvent,
    ProviderRefusedError,
    Refund,
    WebhookPayloadError,
    WebhookSignatureError,
    WebhookTimestampError,
)

if TYPE_CHECKING:
    from payments.models import Payment

SIGNATURE_HEADER = "Test-Gateway-Signature"
_SESSION_SALT = "payments.test_gateway.session"
_SESSION_MAX_AGE = 60 * 60  # a checkout page older than an hour is refused, like a provider's expired session

CARD_SUCCEEDS = "4242424242424242"
CARD_DECLINED = "4000000000000002"
CARD_DELAYED = "4000000000003220"


@dataclass(frozen=True)
class GatewaySession:
    provider_reference: str
    amount_cents: int
    currency: str
    return_url: str


def _secret() -> bytes:
    secret = settings.PAYMENT_TEST_GATEWAY_SECRET
    if not secret:
        raise RuntimeError("PAYMENT_TEST_GATEWAY_SECRET is not set")
    return secret.encode()


def sign(*, body: bytes, timestamp: int) -> str:
    digest = hmac.new(_secret(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def signed_headers(body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {SIGNATURE_HEADER: sign(body=body, timestamp=timestamp), "Content-Type": "application/json"}


def build_event_body(
    *, event_type: str, session: GatewaySession, reason: str = "", event_id: str | None = None
) -> bytes:
    payload = {
        "id": event_id or f"evt_{secrets.token_hex(12)}",
        "type": event_type,
        "created": int(time.time()),
        "data": {
            "session": session.provider_reference,
            "amount_cents": session.amount_cents,
            "currency": session.currency,
            "reason": reason,
        },
    }
    return json.dumps(payload, separators=(",", ":")).encode()


def open_session(token: str) -> GatewaySession:
    """The checkout behind a page address; ``signing.BadSignature`` when forged or expired."""
    data = signing.loads(token, salt=_SESSION_SALT, max_age=_SESSION_MAX_AGE)
    return GatewaySession(
        provider_reference=str(data["ref"]),
        amount_cents=int(data["amount"]),
        currency=str(data["currency"]),
        return_url=str(data["return"]),
    )


def _parse_signature_header(value: str) -> tuple[int, list[str]]:
    timestamp = None
    signatures = []
    for part in value.split(","):
        key, _sep, item = part.strip().partition("=")
        # ASCII digits only, and no more than a Unix time needs: int() refuses "²" and 5,000-digit strings.
        if key == "t" and item.isascii() and item.isdigit() and len(item) <= 12:
            timestamp = int(item)
        elif key == "v1" and item:
            signatures.append(item)
    if timestamp is None or not signatures:
        raise WebhookSignatureError("The signature header is missing or malformed.")
    return timestamp, signatures


def _header(headers: Mapping[str, str], name: str) -> str:
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value
    return ""


class TestGatewayProvider(PaymentProvider):
    __test__ = False  # not a pytest test class
    name = "test_gateway"

    def start_payment(self, *, payment: Payment, return_url: str, idempotency_key: str) -> Checkout:
        record = _book(
            operation="checkout",
            idempotency_key=idempotency_key,
            reference=f"tg_{secrets.token_urlsafe(18)}",
            amount_cents=payment.amount_cents,
            currency=payment.currency,
        )
        token = signing.dumps(
            {
                "ref": record.reference,
                "amount": record.amount_cents,
                "currency": record.currency,
                "return": return_url,
            },
            salt=_SESSION_SALT,
        )
        return Checkout(
            provider_reference=record.reference,
            redirect_url=reverse("payments:test-gateway", args=[token]),
        )

    def verify_webhook(
        self, *, body: bytes, headers: Mapping[str, str], now: dt.datetime | None = None
    ) -> ProviderEvent:
        timestamp, signatures = _parse_signature_header(_header(headers, SIGNATURE_HEADER))
        expected = sign(body=body, timestamp=timestamp).split("v1=", 1)[1]
        # Constant-time: a forger learns nothing from how long the comparison took.
        if not any(hmac.compare_digest(expected.encode(), given.encode()) for given in signatures):
            raise WebhookSignatureError("The signature does not match.")
        now_ts = (now or timezone.now()).timestamp()
        if abs(now_ts - timestamp) > settings.PAYMENT_WEBHOOK_TOLERANCE_SECONDS:
            raise WebhookTimestampError("The timestamp is outside the tolerance: a replay or a skewed clock.")
        return _parse_event(body)

    def refund(self, *, payment: Payment, amount_cents: int, idempotency_key: str) -> Refund:
        from payments.models import TestGatewayRecord

        checkout = payment.provider_reference or ""
        if not TestGatewayRecord.objects.filter(operation="checkout", reference=checkout).exists():
            raise ProviderRefusedError("The gateway has no checkout with this reference.")
        already = (
            TestGatewayRecord.objects.filter(operation="refund", checkout_reference=checkout)
            .exclude(idempotency_key=idempotency_key)
            .aggregate(total=models.Sum("amount_cents"))["total"]
            or 0
        )
        if already + amount_cents > payment.amount_cents:
            raise ProviderRefusedError("The refunds would exceed the amount the checkout took.")
        record = _book(
            operation="refund",
            idempotency_key=idempotency_key,
            reference=f"tgr_{secrets.token_hex(8)}",
            amount_cents=amount_cents,
            currency=payment.currency,
            checkout_reference=checkout,
        )
        return Refund(refund_id=record.reference, amount_cents=record.amount_cents, currency=record.currency)


def _book(
    *,
    operation: str,
    idempotency_key: str,
    reference: str,
    amount_cents: int,
    currency: str,
    checkout_reference: str = "",
):
    """The gateway's row for this key: created on the first request, returned (and counted) on a repeat."""
    from payments.models import TestGatewayRecord

    if not idempotency_key:
        raise ProviderRefusedError("An idempotency key is required.")
    with transaction.atomic():  # the gateway's own transaction, as on a provider's servers
        record, created = TestGatewayRecord.objects.get_or_create(
            operation=operation,
            idempotency_key=idempotency_key,
            defaults={
                "reference": reference,
                "amount_cents": amount_cents,
                "currency": currency,
                "checkout_reference": checkout_reference,
            },
        )
        if created:
            return record
        if (record.amount_cents, record.currency, record.checkout_reference) != (
            amount_cents,
            currency,
            checkout_reference,
        ):
            raise ProviderRefusedError("This idempotency key was used for another request.")
        TestGatewayRecord.objects.filter(pk=record.pk).update(requests=models.F("requests") + 1)
        record.refresh_from_db(fields=["requests"])
        return record


def _parse_event(body: bytes) -> ProviderEvent:
    try:
        payload: Any = json.loads(body)
        data = payload["data"]
        event_type = str(payload["type"])
        event_id = str(payload["id"])
        amount = data["amount_cents"]
        currency = str(data["currency"])
        reference = str(data["session"])
        created = int(payload["created"])
    except (ValueError, KeyError, TypeError, RecursionError) as exc:  # deeply nested JSON recurses
        raise WebhookPayloadError(f"The event body is not a valid event: {type(exc).__name__}.") from None
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
        raise WebhookPayloadError("amount_cents must be a non-negative integer.")
    if not (0 < len(event_id) <= 100 and 0 < len(reference) <= 100):
        raise WebhookPayloadError("The event id or session is missing or too long.")
    try:
        occurred_at = dt.datetime.fromtimestamp(created, tz=dt.UTC)
    except (OverflowError, OSError, ValueError):
        raise WebhookPayloadError("created is not a valid time.") from None
    return ProviderEvent(
        event_id=event_id,
        type=event_type,
        provider_reference=reference,
        amount_cents=amount,
        currency=currency[:3].upper(),
        occurred_at=occurred_at,
        reason=str(data.get("reason", ""))[:200],
        payload=payload,
    )
