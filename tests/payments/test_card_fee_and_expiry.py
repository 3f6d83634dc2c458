"""The card fee of a registration paid through the payments app, and unpaid bank transfers expiring."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from applications.models import Application, ApplicationEvent
from payments.exceptions import NothingToPayError
from payments.models import Payment
from payments.services import confirm_payment, expire_unpaid_bank_transfers, start_payment
from payments.services.payments import Outcome
from tests.factories import ApplicationFactory, RegistrationFactory
from workers.models import Notification

pytestmark = pytest.mark.django_db
Event = ApplicationEvent.Kind


@pytest.fixture
def registration(applicant):
    return RegistrationFactory(application__applicant=applicant)


def test_the_card_fee_is_paid_by_bank_transfer_with_an_rf_reference(registration, applicant):
    payment = start_payment(
        application_id=registration.application_id, user=applicant, method="bank_transfer", purpose="card_fee"
    ).payment
    assert payment.purpose == Payment.Purpose.CARD_FEE and payment.reference.startswith("RF")
    assert payment.amount_cents == registration.card_fee_cents == 2500
    assert payment.card_fee_id == registration.card_fee_id and payment.fee_id is None


def test_paying_the_card_fee_marks_the_registration_paid_but_moves_no_state(
    registration, applicant, django_capture_on_commit_callbacks
):
    payment = start_payment(
        application_id=registration.application_id, user=applicant, method="card", purpose="card_fee"
    ).payment
    with django_capture_on_commit_callbacks() as callbacks:
        assert confirm_payment(payment_id=payment.pk) == Outcome.PAID
    registration.refresh_from_db()
    application = Application.objects.get(pk=registration.application_id)
    assert registration.card_fee_paid_at == Payment.objects.get(pk=payment.pk).paid_at
    assert application.state == Application.State.AWAITING_REGISTRATION
    kinds = list(application.events.values_list("kind", flat=True))
    assert Event.CARD_FEE_PAID in kinds and Event.PAID not in kinds
    assert callbacks  # the receipt is queued after commit
    # Paid once: a second attempt has nothing to pay.
    with pytest.raises(NothingToPayError) as caught:
        start_payment(
            application_id=registration.application_id, user=applicant, method="card", purpose="card_fee"
        )
    assert caught.value.code == "nothing_to_pay" and caught.value.status_code == 409


def test_a_card_fee_attempt_leaves_an_open_state_fee_alone(applicant):
    """Each fee has its own open attempt: a card fee attempt cancels only older card fee attempts."""
    registration = RegistrationFactory(application__applicant=applicant)
    first = start_payment(
        application_id=registration.application_id, user=applicant, method="bank_transfer", purpose="card_fee"
    ).payment
    second = start_payment(
        application_id=registration.application_id, user=applicant, method="card", purpose="card_fee"
    ).payment
    first.refresh_from_db()
    assert first.status == "cancelled" and second.status == "pending"


def test_no_card_fee_without_a_registration(applicant):
    granted = ApplicationFactory(applicant=applicant, granted=True)
    with pytest.raises(NothingToPayError) as caught:
        start_payment(application_id=granted.pk, user=applicant, method="card", purpose="card_fee")
    assert caught.value.code == "nothing_to_pay"
    assert not Payment.objects.exists()


def test_the_api_pays_the_card_fee_and_names_the_purpose(applicant_api, registration):
    url = f"/api/v1/applications/{registration.application_id}/payments"
    response = applicant_api.post(url, {"method": "bank_transfer", "purpose": "card_fee"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["payment"]["purpose"] == "card_fee" and body["amount_cents"] == 2500
    assert body["payment"]["purpose_label"] == "Residence permit card fee"
    listed = applicant_api.get(url).json()
    assert [row["purpose"] for row in listed] == ["card_fee"]


def test_the_api_refuses_an_unknown_purpose_and_a_fee_not_due(applicant_api, registration):
    url = f"/api/v1/applications/{registration.application_id}/payments"
    bad = applicant_api.post(url, {"method": "card", "purpose": "parking"}, format="json")
    assert bad.status_code == 400 and "purpose" in bad.json()["error"]["details"]
    not_due = applicant_api.post(url, {"method": "card", "purpose": "state_fee"}, format="json")
    assert not_due.status_code == 409 and not_due.json()["error"]["code"] == "nothing_to_pay"
    assert not Payment.objects.exists()


def test_someone_elses_card_fee_is_not_found(other_applicant_api, registration):
    response = other_applicant_api.post(
        f"/api/v1/applications/{registration.application_id}/payments",
        {"method": "card", "purpose": "card_fee"},
        format="json",
    )
    assert response.status_code == 404 and not Payment.objects.exists()


def test_the_pay_page_for_the_card_fee(client, applicant, registration):
    client.force_login(applicant)
    page = client.get(f"/applications/{registration.application_id}/pay/?purpose=card_fee")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Pay the residence permit card fee" in html and "25.00 EUR" in html
    response = client.post(
        f"/applications/{registration.application_id}/pay/",
        {"method": "bank_transfer", "purpose": "card_fee"},
    )
    payment = Payment.objects.get()
    assert payment.purpose == "card_fee"
    instructions = client.get(response["Location"]).content.decode()
    assert "Paying the residence permit card fee by bank transfer" in instructions
    assert "Residence permit card fee" in instructions
    assert client.get(f"/applications/{registration.application_id}/pay/?purpose=parking").status_code == 404


def test_unpaid_bank_transfers_expire_after_the_setting_with_an_email(awaiting, applicant, settings):
    settings.PAYMENT_BANK_TRANSFER_EXPIRY_DAYS = 14
    old = start_payment(application_id=awaiting.pk, user=applicant, method="bank_transfer").payment
    recent_case = ApplicationFactory(applicant=applicant, awaiting_payment=True)
    with time_machine.travel(timezone.now() + dt.timedelta(days=10)):
        recent = start_payment(application_id=recent_case.pk, user=applicant, method="bank_transfer").payment
    card = start_payment(
        application_id=ApplicationFactory(applicant=applicant, awaiting_payment=True).pk,
        user=applicant,
        method="card",
    ).payment

    later = timezone.now() + dt.timedelta(days=15)
    assert expire_unpaid_bank_transfers(now=later) == [old.pk]
    assert expire_unpaid_bank_transfers(now=later) == []  # once
    old.refresh_from_db()
    recent.refresh_from_db()
    card.refresh_from_db()
    assert old.status == "expired" and old.closed_at is not None
    assert recent.status == "pending" and card.status == "pending"
    mail = Notification.objects.get(event="bank_transfer_expired")
    assert mail.recipient_id == applicant.pk and mail.context["days"] == 14
    assert mail.context["pay_url"].endswith(f"/applications/{awaiting.pk}/pay/")
    assert awaiting.events.filter(kind=Event.PAYMENT_EXPIRED).count() == 1
    awaiting.refresh_from_db()
    assert awaiting.state == Application.State.AWAITING_PAYMENT  # they can pay again
    # Money arriving later for the expired reference goes to review, not to the fee.
    assert confirm_payment(payment_id=old.pk) == Outcome.NOT_OPEN


def test_the_expiry_mail_reads_well_in_english(awaiting, applicant, settings):
    applicant.preferred_language = "en"
    applicant.save(update_fields=["preferred_language"])
    start_payment(application_id=awaiting.pk, user=applicant, method="bank_transfer")
    expire_unpaid_bank_transfers(
        now=timezone.now() + dt.timedelta(days=settings.PAYMENT_BANK_TRANSFER_EXPIRY_DAYS + 1)
    )
    from workers.services.notifications import build_message

    message = build_message(Notification.objects.get(event="bank_transfer_expired"))
    assert "the bank transfer has expired" in message.subject
    assert "No payment of the state fee" in message.body and "start a new payment" in message.body
