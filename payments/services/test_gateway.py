"""The test gateway's side: take a test card on the hosted page and send the signed webhook later."""

from __future__ import annotations

import json
import logging
import re
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse

from payments.providers import test_gateway
from payments.providers.base import ProviderEvent
from payments.services.webhooks import receive_webhook
from workers.queueing import enqueue_on_commit
from workers.services import absolute_url

logger = logging.getLogger(__name__)


class UnknownTestCardError(ValueError):
    pass


@dataclass(frozen=True)
class CardResult:
    event_type: str
    delay_seconds: int
    reason: str = ""


def card_result(card_number: str) -> CardResult:
    digits = re.sub(r"[\s-]", "", card_number or "")
    if digits == test_gateway.CARD_SUCCEEDS:
        return CardResult(ProviderEvent.SUCCEEDED, 0)
    if digits == test_gateway.CARD_DECLINED:
        return CardResult(ProviderEvent.FAILED, 0, "card_declined")
    if digits == test_gateway.CARD_DELAYED:
        return CardResult(ProviderEvent.SUCCEEDED, settings.PAYMENT_TEST_GATEWAY_DELAY_SECONDS)
    raise UnknownTestCardError(digits)


def submit_test_card(*, session: test_gateway.GatewaySession, card_number: str) -> CardResult:
    """Decide the outcome for a test card and queue the webhook (after commit, with the card's delay)."""
    result = card_result(card_number)
    body = test_gateway.build_event_body(event_type=result.event_type, session=session, reason=result.reason)
    enqueue_on_commit(
        "payments.tasks.deliver_test_gateway_webhook", body.decode(), countdown=result.delay_seconds
    )
    logger.info("test_gateway.card session=%s outcome=%s", session.provider_reference, result.event_type)
    return result


def deliver_test_gateway_webhook(*, body: str) -> dict:
    """Sign ``body`` now and deliver it: to our webhook URL over HTTP, or to the same handler in-process.

    Both ways go through the same verification (signature, timestamp) as a real provider's request.
    """
    raw = body.encode()
    headers = test_gateway.signed_headers(raw)
    if settings.PAYMENT_TEST_GATEWAY_DELIVERY == "http":
        url = absolute_url(reverse("payment-webhook", args=["test_gateway"]))
        request = urllib.request.Request(url, data=raw, headers=headers, method="POST")  # noqa: S310
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (our own SITE_URL)
            return json.loads(response.read() or b"{}")
    result = receive_webhook(provider_name="test_gateway", body=raw, headers=headers)
    return {"status": result.status, "event_id": result.event_id}
