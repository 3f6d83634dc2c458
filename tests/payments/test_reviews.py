"""The review list in the admin: money that came for a closed attempt can be accepted as the fee, or is refused
with a message saying why and what to do with the money."""

from __future__ import annotations

from unittest import mock

import pytest

from applications.models import Application, ApplicationEvent
from applications.services import withdraw_application
from payments.models import Payment, ReconciliationItem
from payments.services import import_camt053, start_payment
from tests.payments.conftest import post_webhook
from tests.payments.test_statements import entry, euros, statement

pytestmark = pytest.mark.django_db


def _late_card_payment(client, payment: Payment, gateway_event) -> ReconciliationItem:
    """The bank declined the card, then authorised it after all: the success lands in the review list."""
    failed = post_webhook(client, *gateway_event(payment, event_type="payment.failed"))
    assert failed.json()["status"] == "processed"
    late = post_webhook(client, *gateway_event(payment))
    assert late.json()["status"] == "review"
    item = ReconciliationItem.objects.get(kind="late_card_payment", payment=payment)
    assert item.status == "open"
    return item


def _accept(admin_client, item: ReconciliationItem):
    return admin_client.post(
        "/admin/payments/reconciliationitem/",
        {"action": "accept_as_payment", "_selected_action": [item.pk]},
        follow=True,
    )


def _state(payment: Payment) -> tuple[str, str]:
    payment.refresh_from_db()
    return payment.status, Application.objects.get(pk=payment.application_id).state


def test_a_late_card_payment_accepted_in_the_review_list_pays_the_fee(
    client, admin_client, admin_user, card_payment, gateway_event, django_capture_on_commit_callbacks
):
    item = _late_card_payment(client, card_payment, gateway_event)
    assert _state(card_payment) == ("failed", "awaiting_payment")
    with (
        mock.patch("payments.tasks.render_payment_receipt.delay") as render_receipt,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = _accept(admin_client, item)
    assert response.status_code == 200
    assert "1 items accepted" in response.content.decode()
    assert _state(card_payment) == ("paid", "submitted")
    assert card_payment.paid_at == item.webhook_event.received_at
    assert card_payment.failure_reason == "" and card_payment.closed_at is None
    item.refresh_from_db()
    assert (item.status, item.resolved_by) == ("resolved", admin_user)
    assert "[payment: paid]" in item.note
    render_receipt.assert_called_once_with(card_payment.pk)
    paid = ApplicationEvent.objects.get(application_id=card_payment.application_id, kind="paid")
    assert paid.data["payment_reference"] == card_payment.provider_reference


def test_accepting_a_late_card_payment_cancels_the_newer_open_attempt(
    client, admin_client, card_payment, gateway_event
):
    application = card_payment.application
    post_webhook(client, *gateway_event(card_payment, event_type="payment.failed"))
    newer = start_payment(application_id=application.pk, user=application.applicant, method="card").payment
    assert post_webhook(client, *gateway_event(card_payment)).json()["status"] == "review"
    item = ReconciliationItem.objects.get()
    _accept(admin_client, item)
    assert _state(card_payment) == ("paid", "submitted")
    newer.refresh_from_db()
    assert newer.status == "cancelled"
    # The newer attempt, paid too after all, does not pay the fee twice: it goes to review as well.
    assert post_webhook(client, *gateway_event(newer)).json()["status"] == "review"
    assert _state(card_payment) == ("paid", "submitted")


def test_a_late_payment_for_a_fee_paid_meanwhile_is_refused_with_a_clear_message(
    client, admin_client, card_payment, gateway_event
):
    application = card_payment.application
    post_webhook(client, *gateway_event(card_payment, event_type="payment.failed"))
    newer = start_payment(application_id=application.pk, user=application.applicant, method="card").payment
    assert post_webhook(client, *gateway_event(newer)).json()["status"] == "processed"
    assert post_webhook(client, *gateway_event(card_payment)).json()["status"] == "review"
    item = ReconciliationItem.objects.get()
    response = _accept(admin_client, item)
    text = response.content.decode()
    assert response.status_code == 200
    assert (
        f"Item {item.pk} was not accepted: The fee of this application was already paid by payment " in text
    )
    assert "Return it to the payer" in text
    assert "items accepted" not in text
    item.refresh_from_db()
    assert item.status == "open"
    assert _state(card_payment) == ("failed", "submitted")


def test_a_late_payment_for_a_withdrawn_application_is_refused_with_a_clear_message(
    client, admin_client, card_payment, gateway_event
):
    application = card_payment.application
    post_webhook(client, *gateway_event(card_payment, event_type="payment.failed"))
    withdraw_application(application_id=application.pk, user=application.applicant)
    assert post_webhook(client, *gateway_event(card_payment)).json()["status"] == "review"
    item = ReconciliationItem.objects.get()
    text = _accept(admin_client, item).content.decode()
    assert f"Application {application.reference} no longer awaits payment" in text
    assert "Withdrawn" in text
    item.refresh_from_db()
    assert item.status == "open"
    assert _state(card_payment) == ("failed", "withdrawn")


def test_a_bank_transfer_for_a_replaced_reference_can_be_accepted(client, admin_client, bank_payment):
    application = bank_payment.application
    start_payment(application_id=application.pk, user=application.applicant, method="card")
    bank_payment.refresh_from_db()
    assert bank_payment.status == "cancelled"
    import_camt053(
        data=statement(
            entry(ref="BANK-LATE", amount=euros(bank_payment.amount_cents), remittance=bank_payment.reference)
        )
    )
    item = ReconciliationItem.objects.get(kind="not_open")
    assert "1 items accepted" in _accept(admin_client, item).content.decode()
    assert _state(bank_payment) == ("paid", "submitted")
    assert Payment.objects.filter(application=application, status="pending").count() == 0


def test_an_unmatched_credit_cannot_be_accepted_and_staff_are_told_why(admin_client, bank_payment):
    import_camt053(data=statement(entry(ref="BANK-NONE", amount="10.00", remittance="no reference at all")))
    item = ReconciliationItem.objects.get()
    text = _accept(admin_client, item).content.decode()
    assert f"Item {item.pk} was not accepted: This money is not linked to a payment" in text
    item.refresh_from_db()
    assert item.status == "open"
