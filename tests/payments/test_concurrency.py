"""Two deliveries for one payment at the same moment, on real PostgreSQL: exactly one transition."""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from applications.models import Application, ApplicationEvent
from payments.models import Payment, WebhookEvent
from payments.providers import test_gateway
from payments.services import receive_webhook
from tests.services import require_postgres

# Threads need committed rows and real row locks: a transactional test on PostgreSQL. On SQLite the database
# mark is left off, so the test reaches require_postgres() (skip, or fail under REQUIRE_SERVICES=1).
ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
pytestmark = [pytest.mark.integration]
if ON_POSTGRES:
    pytestmark.append(pytest.mark.django_db(transaction=True, serialized_rollback=True))


def _deliver_at_once(payment: Payment, event_ids: list[str]) -> list[str]:
    barrier = threading.Barrier(len(event_ids))
    session = test_gateway.GatewaySession(
        payment.provider_reference, payment.amount_cents, payment.currency, "/"
    )

    def deliver(event_id: str) -> str:
        try:
            body = test_gateway.build_event_body(
                event_type="payment.succeeded", session=session, event_id=event_id
            )
            headers = test_gateway.signed_headers(body, timestamp=int(time.time()))
            barrier.wait(timeout=10)
            return receive_webhook(provider_name="test_gateway", body=body, headers=headers).status
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(event_ids)) as pool:
        return sorted(pool.map(deliver, event_ids))


def _assert_paid_once(payment: Payment) -> None:
    payment.refresh_from_db()
    assert payment.status == "paid"
    assert Application.objects.get(pk=payment.application_id).state == "submitted"
    assert ApplicationEvent.objects.filter(application_id=payment.application_id, kind="paid").count() == 1


def test_two_different_events_at_once_make_one_transition(request):
    require_postgres()
    card_payment = request.getfixturevalue("card_payment")
    assert _deliver_at_once(card_payment, ["evt_one", "evt_two"]) == ["already_done", "processed"]
    _assert_paid_once(card_payment)
    assert WebhookEvent.objects.count() == 2


def test_the_same_event_twice_at_once_is_recorded_once(request):
    require_postgres()
    card_payment = request.getfixturevalue("card_payment")
    assert _deliver_at_once(card_payment, ["evt_same", "evt_same"]) == ["duplicate", "processed"]
    _assert_paid_once(card_payment)
    assert WebhookEvent.objects.count() == 1


def test_two_refund_workers_at_once_refund_once(request):
    """A refund task delivered twice at the same moment: both may reach the provider, with the same key, and
    the gateway makes one refund; the payment is refunded once, with one timeline line."""
    require_postgres()
    from applications.services import withdraw_application
    from payments.models import ProviderCall, TestGatewayRecord
    from payments.services import confirm_payment
    from payments.services.refunds import complete_card_refund

    card_payment = request.getfixturevalue("card_payment")
    confirm_payment(payment_id=card_payment.pk)
    withdraw_application(application_id=card_payment.application_id, user=card_payment.application.applicant)
    barrier = threading.Barrier(2)

    def refund(_index: int) -> str:
        try:
            barrier.wait(timeout=10)
            return complete_card_refund(payment_id=card_payment.pk).status
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        assert list(pool.map(refund, range(2))) == ["refunded", "refunded"]
    card_payment.refresh_from_db()
    assert card_payment.status == "refunded"
    assert TestGatewayRecord.objects.filter(operation="refund").count() == 1
    assert ProviderCall.objects.filter(operation="refund", status="succeeded").count() == 1
    assert (
        ApplicationEvent.objects.filter(
            application_id=card_payment.application_id, kind="payment_refunded"
        ).count()
        == 1
    )
