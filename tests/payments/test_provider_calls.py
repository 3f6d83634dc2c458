"""Card providers are called outside transactions, with idempotency keys, and every call is a ledger row.

A refund is made once whatever fails around it (a failed commit, a duplicate delivery), a checkout likewise;
the bank-refund admin action never closes a card refund; a provider that is down or refuses is told clearly.
"""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import OperationalError, connection, transaction
from django.test import Client

from applications.models import Application, ApplicationEvent
from applications.services import payment_events, withdraw_application
from payments.models import Payment, ProviderCall, TestGatewayRecord
from payments.providers.base import ProviderRefusedError, ProviderUnavailableError
from payments.providers.test_gateway import TestGatewayProvider
from payments.services import complete_bank_refund, confirm_payment
from payments.services.provider_calls import TransactionOpenError, call_provider
from payments.services.refunds import complete_card_refund, requeue_pending_card_refunds
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


def _page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _refund_pending(payment: Payment) -> Payment:
    """A paid card fee whose application was withdrawn; the worker that refunds it has not run yet."""
    confirm_payment(payment_id=payment.pk)
    withdraw_application(application_id=payment.application_id, user=payment.application.applicant)
    payment.refresh_from_db()
    assert payment.status == "refund_pending"
    return payment


def _refunded_events(payment: Payment) -> int:
    return ApplicationEvent.objects.filter(
        application_id=payment.application_id, kind="payment_refunded"
    ).count()


# --- Checkout -------------------------------------------------------------------------------------------------


def test_card_checkout_is_a_ledger_row_with_its_idempotency_key(applicant_api, awaiting):
    response = applicant_api.post(
        f"/api/v1/applications/{awaiting.pk}/payments", {"method": "card"}, format="json"
    )
    assert response.status_code == 201
    payment = Payment.objects.get()
    call = ProviderCall.objects.get()
    assert (call.payment, call.operation, call.status) == (payment, "checkout", "succeeded")
    assert call.idempotency_key == f"checkout:{payment.pk}"
    assert call.request["amount_cents"] == payment.amount_cents
    assert call.request["return_url"].endswith(f"/payments/{payment.pk}/")
    assert call.provider_reference == payment.provider_reference == call.response["provider_reference"]
    assert call.finished_at is not None and call.attempts == 1
    gateway = TestGatewayRecord.objects.get()
    assert (gateway.operation, gateway.idempotency_key, gateway.reference) == (
        "checkout",
        call.idempotency_key,
        payment.provider_reference,
    )


def test_the_gateway_answers_the_same_checkout_for_the_same_key(card_payment):
    provider = TestGatewayProvider()
    again = provider.start_payment(
        payment=card_payment, return_url="/", idempotency_key=f"checkout:{card_payment.pk}"
    )
    assert again.provider_reference == card_payment.provider_reference
    record = TestGatewayRecord.objects.get(operation="checkout")
    assert record.requests == 2


def test_a_provider_that_is_down_fails_the_attempt_with_a_clear_answer(applicant_api, awaiting):
    with mock.patch.object(
        TestGatewayProvider, "start_payment", side_effect=ProviderUnavailableError("timeout after 10 s")
    ):
        response = applicant_api.post(
            f"/api/v1/applications/{awaiting.pk}/payments", {"method": "card"}, format="json"
        )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "card_provider_unavailable"
    assert "bank transfer" in error["message"]
    payment = Payment.objects.get()
    assert payment.status == "failed" and payment.provider_reference is None
    call = ProviderCall.objects.get()
    assert (call.status, call.error) == ("failed", "timeout after 10 s")
    assert Application.objects.get(pk=awaiting.pk).state == "awaiting_payment"
    # The page says the same in words, and the applicant can pay by bank transfer at once.
    page = _page_client(awaiting.applicant)
    with mock.patch.object(
        TestGatewayProvider, "start_payment", side_effect=ProviderUnavailableError("down")
    ):
        answer = page.post(f"/applications/{awaiting.pk}/pay/", {"method": "card"})
    assert answer.status_code == 400
    assert "Card payments are not available at the moment" in answer.content.decode()
    assert page.post(f"/applications/{awaiting.pk}/pay/", {"method": "bank_transfer"}).status_code == 302


# --- No transaction is open while a provider works ----------------------------------------------------------


def test_a_provider_call_inside_a_transaction_is_refused(card_payment):
    call = ProviderCall.objects.get(payment=card_payment)
    perform = mock.Mock()
    with pytest.raises(TransactionOpenError), transaction.atomic():
        call_provider(call, perform)
    perform.assert_not_called()


@pytest.mark.django_db(transaction=True)
def test_checkout_and_refund_reach_the_provider_with_no_transaction_open(applicant, celery_eager):
    """A real commit-per-transaction run (no test wrapper): the adapter sees ``in_atomic_block`` False."""
    seen: dict[str, bool] = {}
    real_start, real_refund = TestGatewayProvider.start_payment, TestGatewayProvider.refund

    def start(self, **kwargs):
        seen["checkout"] = connection.in_atomic_block
        return real_start(self, **kwargs)

    def refund(self, **kwargs):
        seen["refund"] = connection.in_atomic_block
        return real_refund(self, **kwargs)

    application = ApplicationFactory(applicant=applicant, awaiting_payment=True)
    page = _page_client(applicant)
    with mock.patch.object(TestGatewayProvider, "start_payment", start):
        response = page.post(f"/applications/{application.pk}/pay/", {"method": "card"})
    assert response.status_code == 302 and "/payments/test-gateway/" in response["Location"]
    payment = Payment.objects.get()
    confirm_payment(payment_id=payment.pk)
    with mock.patch.object(TestGatewayProvider, "refund", refund):
        assert page.post(f"/applications/{application.pk}/withdraw/").status_code == 302
    payment.refresh_from_db()
    assert payment.status == "refunded"
    assert seen == {"checkout": False, "refund": False}


# --- Refunds ----------------------------------------------------------------------------------------------------


def test_withdrawal_refunds_through_the_provider_and_records_the_call(
    card_payment, celery_eager, django_capture_on_commit_callbacks
):
    confirm_payment(payment_id=card_payment.pk)
    page = _page_client(card_payment.application.applicant)
    with django_capture_on_commit_callbacks(execute=True):
        assert page.post(f"/applications/{card_payment.application_id}/withdraw/").status_code == 302
    card_payment.refresh_from_db()
    assert card_payment.status == "refunded"
    call = ProviderCall.objects.get(operation="refund")
    gateway = TestGatewayRecord.objects.get(operation="refund")
    assert call.idempotency_key == f"refund:{card_payment.pk}" == gateway.idempotency_key
    assert call.status == "succeeded"
    assert call.provider_reference == gateway.reference == call.response["refund_id"]
    assert call.request == {
        "amount_cents": card_payment.amount_cents,
        "currency": "EUR",
        "checkout": card_payment.provider_reference,
    }
    assert gateway.checkout_reference == card_payment.provider_reference
    assert gateway.amount_cents == card_payment.refund_amount_cents == card_payment.amount_cents
    event = ApplicationEvent.objects.get(application_id=card_payment.application_id, kind="payment_refunded")
    assert event.data["refund_id"] == gateway.reference


def test_a_failed_commit_after_the_refund_does_not_refund_twice(
    card_payment, celery_eager, django_capture_on_commit_callbacks
):
    """The provider refunded, then the transaction recording it failed: the retried task sends the same key
    and the gateway answers with the refund it made instead of making a second one."""
    confirm_payment(payment_id=card_payment.pk)
    real_record = payment_events.record_payment_event
    failures = []

    def commit_fails_once(**kwargs):
        if kwargs["kind"] == payment_events.PAYMENT_REFUNDED and not failures:
            failures.append(kwargs)
            raise OperationalError("server closed the connection unexpectedly")
        return real_record(**kwargs)

    from eservice.celery import app

    app.conf.task_eager_propagates = False  # so the task's own autoretry runs the retry, as a worker would
    page = _page_client(card_payment.application.applicant)
    with (
        mock.patch.object(payment_events, "record_payment_event", side_effect=commit_fails_once),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert page.post(f"/applications/{card_payment.application_id}/withdraw/").status_code == 302
    assert len(failures) == 1  # the first run failed after the provider had refunded
    card_payment.refresh_from_db()
    assert card_payment.status == "refunded"
    refund = TestGatewayRecord.objects.get(operation="refund")  # one refund on the gateway's books
    assert refund.requests == 2  # asked twice, with the same key
    call = ProviderCall.objects.get(operation="refund")
    assert (call.status, call.attempts, call.provider_reference) == ("succeeded", 2, refund.reference)
    assert _refunded_events(card_payment) == 1


def test_the_gateway_refuses_a_second_refund_of_the_same_checkout(card_payment):
    payment = _refund_pending(card_payment)
    provider = TestGatewayProvider()
    first = provider.refund(payment=payment, amount_cents=payment.amount_cents, idempotency_key="refund:a")
    assert (
        provider.refund(payment=payment, amount_cents=payment.amount_cents, idempotency_key="refund:a")
        == first
    )
    with pytest.raises(ProviderRefusedError, match="exceed"):
        provider.refund(payment=payment, amount_cents=payment.amount_cents, idempotency_key="refund:b")
    with pytest.raises(ProviderRefusedError, match="another request"):
        provider.refund(payment=payment, amount_cents=100, idempotency_key="refund:a")
    assert TestGatewayRecord.objects.filter(operation="refund").count() == 1


def test_a_provider_that_does_not_answer_is_retried_with_the_same_key(card_payment):
    payment = _refund_pending(card_payment)
    with (
        mock.patch.object(TestGatewayProvider, "refund", side_effect=ProviderUnavailableError("HTTP 503")),
        pytest.raises(ProviderUnavailableError),  # the task's autoretry takes OSError: it retries
    ):
        complete_card_refund(payment_id=payment.pk)
    call = ProviderCall.objects.get(operation="refund")
    assert (call.status, call.error) == ("pending", "HTTP 503")
    payment.refresh_from_db()
    assert payment.status == "refund_pending"
    assert complete_card_refund(payment_id=payment.pk).status == "refunded"
    call.refresh_from_db()
    assert (call.status, call.attempts, call.error) == ("succeeded", 2, "")


# --- The bank-refund admin action -------------------------------------------------------------------------------


def _bank_refund_action(admin_client, payment: Payment):
    return admin_client.post(
        "/admin/payments/payment/",
        {"action": "complete_refund", "_selected_action": [payment.pk]},
        follow=True,
    )


def test_the_bank_refund_action_refuses_a_card_refund(admin_client, card_payment):
    payment = _refund_pending(card_payment)
    response = _bank_refund_action(admin_client, payment)
    assert response.status_code == 200
    text = response.content.decode()
    assert f"Payment {payment.pk}: This payment was made by card" in text
    assert "refunds recorded" not in text
    payment.refresh_from_db()
    assert payment.status == "refund_pending"  # still owed: the worker refunds it through the provider
    assert _refunded_events(payment) == 0
    assert complete_card_refund(payment_id=payment.pk).status == "refunded"
    assert TestGatewayRecord.objects.filter(operation="refund").count() == 1


def test_the_bank_refund_action_records_a_bank_transfer_refund(admin_client, admin_user, bank_payment):
    payment = _refund_pending(bank_payment)
    response = _bank_refund_action(admin_client, payment)
    assert "1 refunds recorded." in response.content.decode()
    payment.refresh_from_db()
    assert payment.status == "refunded"
    event = ApplicationEvent.objects.get(application_id=payment.application_id, kind="payment_refunded")
    assert event.actor == admin_user and event.data["method"] == "bank_transfer"
    assert not ProviderCall.objects.filter(operation="refund").exists()
    again = _bank_refund_action(admin_client, payment)
    assert "the refund was already recorded" in again.content.decode()
    assert _refunded_events(payment) == 1


def test_the_bank_refund_action_refuses_a_payment_not_awaiting_a_refund(admin_client, bank_payment):
    confirm_payment(payment_id=bank_payment.pk)
    response = _bank_refund_action(admin_client, bank_payment)
    assert f"Payment {bank_payment.pk}: This payment does not await a refund." in response.content.decode()
    bank_payment.refresh_from_db()
    assert bank_payment.status == "paid"


def test_a_card_refund_the_provider_refused_is_left_to_staff(admin_client, card_payment):
    """The card account was closed: the refusal is in the ledger, the sweep stops retrying, and staff may send
    the money by bank transfer and record it with the same action."""
    payment = _refund_pending(card_payment)
    with mock.patch.object(
        TestGatewayProvider, "refund", side_effect=ProviderRefusedError("The card account is closed.")
    ):
        assert complete_card_refund(payment_id=payment.pk).status == "refund_pending"
    call = ProviderCall.objects.get(operation="refund")
    assert (call.status, call.error) == ("failed", "The card account is closed.")
    assert requeue_pending_card_refunds() == []
    assert complete_card_refund(payment_id=payment.pk).status == "refund_pending"  # no second provider call
    assert ProviderCall.objects.get(operation="refund").attempts == 1
    assert "1 refunds recorded." in _bank_refund_action(admin_client, payment).content.decode()
    payment.refresh_from_db()
    assert payment.status == "refunded"


def test_the_provider_call_ledger_is_read_only_in_the_admin(admin_client, card_payment):
    call = ProviderCall.objects.get(payment=card_payment)
    listing = admin_client.get("/admin/payments/providercall/")
    assert listing.status_code == 200
    assert call.idempotency_key in listing.content.decode()
    assert admin_client.get(f"/admin/payments/providercall/{call.pk}/change/").status_code == 200
    assert admin_client.get("/admin/payments/providercall/add/").status_code == 403
    assert (
        admin_client.post(f"/admin/payments/providercall/{call.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert ProviderCall.objects.filter(pk=call.pk).exists()
    payment_page = admin_client.get(f"/admin/payments/payment/{card_payment.pk}/change/")
    assert payment_page.status_code == 200
    assert call.idempotency_key in payment_page.content.decode()  # the payment shows its provider calls


def test_complete_bank_refund_refuses_a_card_payment_as_a_domain_error(card_payment, admin_user):
    from payments.exceptions import CardRefundByProviderError

    payment = _refund_pending(card_payment)
    with pytest.raises(CardRefundByProviderError):
        complete_bank_refund(payment_id=payment.pk, user=admin_user)
