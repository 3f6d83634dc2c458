from __future__ import annotations

import json
import time

import pytest

from payments.providers import test_gateway
from payments.services import start_payment
from tests.factories import ApplicationFactory


@pytest.fixture
def awaiting(applicant):
    """An application of the applicant awaiting its state fee."""
    return ApplicationFactory(applicant=applicant, awaiting_payment=True)


@pytest.fixture
def card_payment(awaiting):
    return start_payment(application_id=awaiting.pk, user=awaiting.applicant, method="card").payment


@pytest.fixture
def bank_payment(awaiting):
    return start_payment(application_id=awaiting.pk, user=awaiting.applicant, method="bank_transfer").payment


@pytest.fixture
def gateway_event():
    """Build a signed test-gateway webhook (body, headers) for a payment."""

    def build(
        payment,
        *,
        event_type="payment.succeeded",
        event_id=None,
        amount_cents=None,
        currency=None,
        timestamp=None,
        secret=None,
    ):
        session = test_gateway.GatewaySession(
            provider_reference=payment.provider_reference if payment is not None else "tg_unknown",
            amount_cents=payment.amount_cents if amount_cents is None else amount_cents,
            currency=currency or (payment.currency if payment is not None else "EUR"),
            return_url="/",
        )
        body = test_gateway.build_event_body(event_type=event_type, session=session, event_id=event_id)
        headers = test_gateway.signed_headers(body, timestamp=timestamp or int(time.time()))
        return body, headers

    return build


def post_webhook(client, body, headers, provider="test_gateway"):
    return client.post(
        f"/api/v1/payments/webhooks/{provider}",
        data=body,
        content_type="application/json",
        headers={k: v for k, v in headers.items() if k != "Content-Type"},
    )


def event_body(body: bytes) -> dict:
    return json.loads(body)
