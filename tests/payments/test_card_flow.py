"""The whole card journey through the test gateway's hosted page, with the Django test client."""

from __future__ import annotations

import re

import pytest

from applications.models import Application
from payments.models import Payment, WebhookEvent
from workers.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager_celery():
    from eservice.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def _start_card(client, application) -> tuple[Payment, str]:
    response = client.post(f"/applications/{application.pk}/pay/", {"method": "card"})
    assert response.status_code == 302
    gateway_url = response["Location"]
    assert gateway_url.startswith("/payments/test-gateway/")
    return Payment.objects.get(application=application, status="pending"), gateway_url


def _path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def test_card_that_succeeds_pays_the_fee(
    client, applicant, awaiting, eager_celery, django_capture_on_commit_callbacks, monkeypatch
):
    rendered = []
    monkeypatch.setattr(
        "payments.services.receipts.render_payment_receipt", lambda payment_id: rendered.append(payment_id)
    )
    client.force_login(applicant)
    payment, gateway_url = _start_card(client, awaiting)
    page = client.get(gateway_url)
    assert page.status_code == 200
    assert payment.amount_display in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            gateway_url, {"card_number": "4242 4242 4242 4242", "expiry": "12/30", "cvc": "123"}
        )
    assert response.status_code == 302
    return_path = _path(response["Location"])
    assert return_path == f"/payments/{payment.pk}/"

    payment.refresh_from_db()
    assert payment.status == "paid"
    assert Application.objects.get(pk=awaiting.pk).state == "submitted"
    assert WebhookEvent.objects.get().outcome == "processed"  # delivered through the signed webhook path
    assert Notification.objects.filter(event="application_paid").count() == 1
    assert rendered == [payment.pk]
    status_page = client.get(return_path)
    assert 'data-status="paid"' in status_page.content.decode()


def test_declined_card_fails_the_attempt_and_the_application_still_awaits_payment(
    client, applicant, awaiting, eager_celery, django_capture_on_commit_callbacks
):
    client.force_login(applicant)
    payment, gateway_url = _start_card(client, awaiting)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(gateway_url, {"card_number": "4000000000000002"})
    payment.refresh_from_db()
    assert payment.status == "failed"
    assert Application.objects.get(pk=awaiting.pk).state == "awaiting_payment"
    page = client.get(_path(response["Location"]))
    assert 'data-status="failed"' in page.content.decode()
    assert f"/applications/{awaiting.pk}/pay/" in page.content.decode()


def test_delayed_card_is_pending_until_the_late_webhook(
    client, applicant, awaiting, django_capture_on_commit_callbacks, settings
):
    """The 3220 card: the webhook task is queued with a countdown; until it runs the return page says pending."""
    from unittest import mock

    settings.PAYMENT_TEST_GATEWAY_DELAY_SECONDS = 20
    client.force_login(applicant)
    payment, gateway_url = _start_card(client, awaiting)
    with (
        mock.patch("payments.tasks.deliver_test_gateway_webhook.apply_async") as queued,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(gateway_url, {"card_number": "4000 0000 0000 3220"})
    assert queued.call_args.kwargs["countdown"] == 20
    page = client.get(_path(response["Location"]))
    assert 'data-status="pending"' in page.content.decode()
    payment.refresh_from_db()
    assert payment.status == "pending"

    # The worker runs the task later: same signed path.
    from payments.tasks import deliver_test_gateway_webhook

    result = deliver_test_gateway_webhook.run(*queued.call_args.kwargs["args"])
    assert result["status"] == "processed"
    payment.refresh_from_db()
    assert payment.status == "paid"


def test_return_page_ignores_query_parameters(client, applicant, card_payment):
    client.force_login(applicant)
    page = client.get(f"/payments/{card_payment.pk}/?status=paid&paid=1")
    assert 'data-status="pending"' in page.content.decode()
    card_payment.refresh_from_db()
    assert card_payment.status == "pending"


def test_gateway_refuses_an_unknown_card_and_sends_nothing(
    client, applicant, awaiting, django_capture_on_commit_callbacks
):
    client.force_login(applicant)
    payment, gateway_url = _start_card(client, awaiting)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(gateway_url, {"card_number": "1234 5678"})
    assert response.status_code == 400
    assert callbacks == []
    payment.refresh_from_db()
    assert payment.status == "pending"


def test_gateway_page_with_a_forged_session_is_404(client):
    assert client.get("/payments/test-gateway/forged-session/").status_code == 404


def test_gateway_is_off_when_not_enabled(client, applicant, awaiting, settings):
    client.force_login(applicant)
    _payment, gateway_url = _start_card(client, awaiting)
    settings.PAYMENT_PROVIDERS = []
    assert client.get(gateway_url).status_code == 404


def test_http_delivery_posts_to_our_webhook_url(card_payment, settings, monkeypatch):
    """PAYMENT_TEST_GATEWAY_DELIVERY=http: the task POSTs the signed body to SITE_URL's webhook endpoint."""
    import io
    import json

    from payments.providers import test_gateway
    from payments.services.test_gateway import deliver_test_gateway_webhook

    settings.PAYMENT_TEST_GATEWAY_DELIVERY = "http"
    seen = {}

    def fake_urlopen(request, timeout):
        seen["url"] = request.full_url
        seen["headers"] = dict(request.header_items())
        seen["body"] = request.data
        return io.BytesIO(json.dumps({"status": "processed"}).encode())

    monkeypatch.setattr("urllib.request.urlopen", fake_urlopen)
    session = test_gateway.GatewaySession(
        card_payment.provider_reference, card_payment.amount_cents, "EUR", "/"
    )
    body = test_gateway.build_event_body(event_type="payment.succeeded", session=session)
    assert deliver_test_gateway_webhook(body=body.decode()) == {"status": "processed"}
    assert seen["url"] == "http://localhost:8000/api/v1/payments/webhooks/test_gateway"
    signature = seen["headers"]["Test-gateway-signature"]
    provider = test_gateway.TestGatewayProvider()
    event = provider.verify_webhook(body=seen["body"], headers={"Test-Gateway-Signature": signature})
    assert event.provider_reference == card_payment.provider_reference
