"""The webhook endpoint: only genuine, fresh events act, each once, in any order, for the right amount."""

from __future__ import annotations

import time
from unittest import mock

import pytest

from applications.models import Application, ApplicationEvent
from payments.models import Payment, ReconciliationItem, WebhookEvent
from payments.providers import test_gateway
from tests.payments.conftest import post_webhook
from workers.models import Notification

pytestmark = pytest.mark.django_db


def _state(payment: Payment) -> tuple[str, str]:
    payment.refresh_from_db()
    return payment.status, Application.objects.get(pk=payment.application_id).state


def _paid_events(payment: Payment) -> int:
    return ApplicationEvent.objects.filter(application_id=payment.application_id, kind="paid").count()


def test_genuine_success_pays_the_payment_and_submits_the_application(
    client, card_payment, gateway_event, django_capture_on_commit_callbacks
):
    body, headers = gateway_event(card_payment)
    with (
        mock.patch("payments.tasks.render_payment_receipt.delay") as render_receipt,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = post_webhook(client, body, headers)
    assert response.status_code == 200
    assert response.json()["status"] == "processed"
    assert _state(card_payment) == ("paid", "submitted")
    assert card_payment.paid_at is not None
    assert _paid_events(card_payment) == 1
    assert (
        Notification.objects.filter(
            event="application_paid", recipient=card_payment.application.applicant
        ).count()
        == 1
    )
    # The receipt is rendered after commit by the pdf worker, not in the request.
    render_receipt.assert_called_once_with(card_payment.pk)
    assert WebhookEvent.objects.get().outcome == "processed"


def test_forged_signature_is_refused_and_changes_nothing(client, card_payment, gateway_event):
    body, headers = gateway_event(card_payment)
    timestamp = headers[test_gateway.SIGNATURE_HEADER].split(",")[0]
    headers[test_gateway.SIGNATURE_HEADER] = f"{timestamp},v1={'0' * 64}"
    response = post_webhook(client, body, headers)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_signature"
    assert _state(card_payment) == ("pending", "awaiting_payment")
    assert not WebhookEvent.objects.exists()


def test_body_changed_after_signing_is_refused(client, card_payment, gateway_event):
    body, headers = gateway_event(card_payment)
    tampered = body.replace(str(card_payment.amount_cents).encode(), b"1")
    response = post_webhook(client, tampered, headers)
    assert response.status_code == 400
    assert _state(card_payment) == ("pending", "awaiting_payment")
    assert not WebhookEvent.objects.exists()


def test_wrong_secret_is_refused(client, card_payment, gateway_event, settings):
    body, headers = gateway_event(card_payment)
    settings.PAYMENT_TEST_GATEWAY_SECRET = "another-secret"
    response = post_webhook(client, body, headers)
    assert response.status_code == 400
    assert _state(card_payment) == ("pending", "awaiting_payment")


def test_missing_signature_header_is_refused(client, card_payment, gateway_event):
    body, _headers = gateway_event(card_payment)
    response = post_webhook(client, body, {})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_signature"
    assert not WebhookEvent.objects.exists()


@pytest.mark.parametrize("timestamp", ["9" * 5000, "\u00b2", "-5", "1e9", ""])
def test_malformed_timestamp_in_the_signature_header_is_refused(
    client, card_payment, gateway_event, timestamp
):
    body, _headers = gateway_event(card_payment)
    response = post_webhook(client, body, {test_gateway.SIGNATURE_HEADER: f"t={timestamp},v1=ab"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_signature"
    assert not WebhookEvent.objects.exists()


def test_stale_timestamp_is_refused_even_with_a_valid_signature(client, card_payment, gateway_event):
    body, headers = gateway_event(card_payment, timestamp=int(time.time()) - 301)
    response = post_webhook(client, body, headers)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "stale_timestamp"
    assert _state(card_payment) == ("pending", "awaiting_payment")
    assert not WebhookEvent.objects.exists()


def test_timestamp_from_the_future_is_refused(client, card_payment, gateway_event):
    body, headers = gateway_event(card_payment, timestamp=int(time.time()) + 600)
    assert post_webhook(client, body, headers).status_code == 400
    assert _state(card_payment) == ("pending", "awaiting_payment")


def test_signed_body_that_is_not_an_event_is_refused(client, card_payment):
    body = b'{"hello": "world"}'
    response = post_webhook(client, body, test_gateway.signed_headers(body))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_payload"
    assert not WebhookEvent.objects.exists()
    assert _state(card_payment) == ("pending", "awaiting_payment")


def test_signed_body_nested_too_deep_for_the_json_parser_is_refused(client, card_payment):
    body = b"[" * 100_000 + b"]" * 100_000
    response = post_webhook(client, body, test_gateway.signed_headers(body))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_payload"
    assert not WebhookEvent.objects.exists()
    assert _state(card_payment) == ("pending", "awaiting_payment")


def test_replayed_request_is_answered_once(client, card_payment, gateway_event):
    body, headers = gateway_event(card_payment)
    first = post_webhook(client, body, headers)
    replay = post_webhook(client, body, headers)
    assert first.status_code == 200 and first.json()["status"] == "processed"
    assert replay.status_code == 200 and replay.json()["status"] == "duplicate"
    assert WebhookEvent.objects.count() == 1
    assert _paid_events(card_payment) == 1
    assert Notification.objects.filter(event="application_paid").count() == 1


def test_duplicate_event_id_signed_again_later_has_no_effect(client, card_payment, gateway_event):
    body, headers = gateway_event(card_payment, event_id="evt_same")
    assert post_webhook(client, body, headers).json()["status"] == "processed"
    body2, headers2 = gateway_event(card_payment, event_id="evt_same", event_type="payment.failed")
    response = post_webhook(client, body2, headers2)
    assert response.status_code == 200
    assert response.json()["status"] == "duplicate"
    assert _state(card_payment) == ("paid", "submitted")
    assert WebhookEvent.objects.count() == 1


def test_failed_after_paid_does_not_undo_the_payment(client, card_payment, gateway_event):
    assert post_webhook(client, *gateway_event(card_payment)).json()["status"] == "processed"
    response = post_webhook(client, *gateway_event(card_payment, event_type="payment.failed"))
    assert response.status_code == 200
    assert response.json()["status"] == "already_done"
    assert _state(card_payment) == ("paid", "submitted")
    assert WebhookEvent.objects.count() == 2
    assert not ApplicationEvent.objects.filter(kind="payment_failed").exists()


def test_paid_after_failed_goes_to_review_and_does_not_pay_the_closed_attempt(
    client, card_payment, gateway_event
):
    assert (
        post_webhook(client, *gateway_event(card_payment, event_type="payment.failed")).json()["status"]
        == "processed"
    )
    assert _state(card_payment) == ("failed", "awaiting_payment")
    response = post_webhook(client, *gateway_event(card_payment))
    assert response.status_code == 200
    assert response.json()["status"] == "review"
    assert _state(card_payment) == ("failed", "awaiting_payment")
    item = ReconciliationItem.objects.get()
    assert item.kind == "late_card_payment"
    assert item.payment_id == card_payment.pk
    assert item.amount_cents == card_payment.amount_cents
    assert _paid_events(card_payment) == 0


@pytest.mark.parametrize(
    ("change", "expected"),
    [({"amount_cents": 100}, (100, "EUR")), ({"currency": "USD"}, (None, "USD"))],
    ids=["amount", "currency"],
)
def test_amount_or_currency_mismatch_is_not_trusted(client, card_payment, gateway_event, change, expected):
    response = post_webhook(client, *gateway_event(card_payment, **change))
    assert response.status_code == 200
    assert response.json()["status"] == "mismatch"
    assert _state(card_payment) == ("pending", "awaiting_payment")
    item = ReconciliationItem.objects.get()
    assert item.kind == "provider_mismatch"
    assert item.expected_cents == card_payment.amount_cents
    assert item.amount_cents == (expected[0] or card_payment.amount_cents)
    assert item.currency == expected[1]
    assert _paid_events(card_payment) == 0


def test_event_for_an_unknown_payment_is_recorded_and_changes_nothing(client, card_payment, gateway_event):
    response = post_webhook(client, *gateway_event(None, amount_cents=5000))
    assert response.status_code == 200
    assert response.json()["status"] == "unknown_payment"
    event = WebhookEvent.objects.get()
    assert event.payment is None and event.outcome == "unknown_payment"
    assert _state(card_payment) == ("pending", "awaiting_payment")
    assert not ReconciliationItem.objects.exists()


def test_unknown_or_disabled_provider_is_404(client, card_payment, gateway_event, settings):
    body, headers = gateway_event(card_payment)
    assert post_webhook(client, body, headers, provider="nosuch").status_code == 404
    settings.PAYMENT_PROVIDERS = []
    assert post_webhook(client, body, headers).status_code == 404
    assert _state(card_payment) == ("pending", "awaiting_payment")


def test_two_success_events_for_one_payment_make_one_transition(client, card_payment, gateway_event):
    """Unit-level check of the race: the second event finds the payment paid under the lock."""
    first = post_webhook(client, *gateway_event(card_payment, event_id="evt_a"))
    second = post_webhook(client, *gateway_event(card_payment, event_id="evt_b"))
    assert [first.json()["status"], second.json()["status"]] == ["processed", "already_done"]
    assert _state(card_payment) == ("paid", "submitted")
    assert _paid_events(card_payment) == 1
    assert Notification.objects.filter(event="application_paid").count() == 1


def test_webhook_needs_no_login_and_no_csrf_token(card_payment, gateway_event):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = post_webhook(client, *gateway_event(card_payment))
    assert response.status_code == 200
    assert _state(card_payment) == ("paid", "submitted")
