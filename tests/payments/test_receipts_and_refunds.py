"""Receipt and bank-transfer PDFs (text read back with pypdf); refunds when a paid application is withdrawn."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from applications.models import Application, ApplicationEvent
from applications.services import withdraw_application
from payments.models import Payment
from payments.services import (
    complete_bank_refund,
    confirm_payment,
    render_bank_transfer_instructions,
    render_payment_receipt,
)

pytestmark = pytest.mark.django_db


def _text(document) -> str:
    with document.file.open("rb") as handle:
        return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(handle.read())).pages)


def test_receipt_pdf_of_a_paid_fee(card_payment):
    confirm_payment(payment_id=card_payment.pk)
    document = render_payment_receipt(payment_id=card_payment.pk)
    text = _text(document)
    card_payment.refresh_from_db()
    assert f"PMLP-K-{card_payment.pk:08d}" in text
    assert card_payment.amount_display in text
    assert card_payment.application.reference in text
    assert "Olena Shevchenko" in text
    # Idempotent: a second run (a retried task) returns the same document and writes one timeline line.
    assert render_payment_receipt(payment_id=card_payment.pk).pk == document.pk
    assert (
        ApplicationEvent.objects.filter(
            application_id=card_payment.application_id, kind="receipt_ready"
        ).count()
        == 1
    )


def test_no_receipt_for_an_unpaid_payment(card_payment):
    assert render_payment_receipt(payment_id=card_payment.pk) is None


def test_receipt_download_for_the_owner(client, applicant, card_payment):
    confirm_payment(payment_id=card_payment.pk)
    client.force_login(applicant)
    assert client.get(f"/payments/{card_payment.pk}/receipt.pdf").status_code == 404  # not rendered yet
    render_payment_receipt(payment_id=card_payment.pk)
    response = client.get(f"/payments/{card_payment.pk}/receipt.pdf")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_bank_transfer_instructions_pdf(bank_payment):
    text = _text(render_bank_transfer_instructions(payment_id=bank_payment.pk))
    assert "LV23 TREL 1060 1909 1100 0" in text
    assert bank_payment.amount_display in text
    assert bank_payment.reference[4:8] in text and "RF" in text


def test_withdrawn_paid_card_application_is_refunded(
    card_payment, applicant, celery_eager, django_capture_on_commit_callbacks
):
    confirm_payment(payment_id=card_payment.pk)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        withdraw_application(application_id=card_payment.application_id, user=applicant)
    card_payment.refresh_from_db()
    # Until the transaction commits, no money moves: the provider is called by the worker afterwards.
    assert card_payment.status == "refund_pending"
    for callback in callbacks:
        callback()
    card_payment.refresh_from_db()
    assert card_payment.status == "refunded"
    assert card_payment.refund_amount_cents == card_payment.amount_cents
    assert Application.objects.get(pk=card_payment.application_id).state == "withdrawn"
    event = ApplicationEvent.objects.get(application_id=card_payment.application_id, kind="payment_refunded")
    assert event.data["payment_id"] == card_payment.pk


def test_withdrawn_paid_bank_transfer_waits_for_staff_to_send_the_money(bank_payment, applicant):
    from tests.factories import UserFactory

    confirm_payment(payment_id=bank_payment.pk)
    withdraw_application(application_id=bank_payment.application_id, user=applicant)
    bank_payment.refresh_from_db()
    assert bank_payment.status == "refund_pending"
    complete_bank_refund(payment_id=bank_payment.pk, user=UserFactory(administrator=True))
    bank_payment.refresh_from_db()
    assert bank_payment.status == "refunded"
    assert (
        ApplicationEvent.objects.filter(
            application_id=bank_payment.application_id, kind="payment_refunded"
        ).count()
        == 1
    )


def test_refund_policy_none_keeps_the_fee(card_payment, applicant, settings):
    settings.PAYMENTS_REFUND_ON_WITHDRAWAL = "none"
    confirm_payment(payment_id=card_payment.pk)
    withdraw_application(application_id=card_payment.application_id, user=applicant)
    card_payment.refresh_from_db()
    assert card_payment.status == "paid"
    assert ApplicationEvent.objects.filter(
        application_id=card_payment.application_id, kind="payment_not_refunded"
    ).exists()


def test_no_refund_once_review_started(applicant):
    from tests.factories import ApplicationFactory

    application = ApplicationFactory(applicant=applicant, in_review=True)
    payment = Payment.objects.create(
        application=application, method="card", provider="test_gateway", amount_cents=6000
    )
    Payment.objects.filter(pk=payment.pk).update(status="paid")
    withdraw_application(application_id=application.pk, user=applicant)
    payment.refresh_from_db()
    assert payment.status == "paid"


def test_withdrawal_cancels_the_open_attempt(card_payment, applicant):
    withdraw_application(application_id=card_payment.application_id, user=applicant)
    card_payment.refresh_from_db()
    assert card_payment.status == "cancelled"


def test_payment_arriving_after_withdrawal_goes_to_review(bank_payment, applicant):
    from payments.models import ReconciliationItem

    withdraw_application(application_id=bank_payment.application_id, user=applicant)
    assert confirm_payment(payment_id=bank_payment.pk) == "not_open"
    bank_payment.refresh_from_db()
    assert bank_payment.status == "cancelled"
    assert Application.objects.get(pk=bank_payment.application_id).state == "withdrawn"
    assert not ReconciliationItem.objects.filter(kind="application_closed").exists()


def _production(env: dict[str, str]):
    import subprocess
    import sys

    good = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "eservice.settings.production",
        "SECRET_KEY": "x" * 64,
        "JWT_PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----\nplaceholder\n-----END PRIVATE KEY-----",
        "ALLOWED_HOSTS": "eservice.example.lv",
    }
    code = (
        "import django; django.setup(); from django.conf import settings; print(settings.PAYMENT_PROVIDERS)"
    )
    return subprocess.run(
        [sys.executable, "-c", code], env={**good, **env}, capture_output=True, text=True, check=False
    )


def test_production_has_the_test_gateway_off_by_default():
    result = _production({})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_production_refuses_the_test_gateway_without_a_real_secret():
    result = _production({"PAYMENT_PROVIDERS": "test_gateway"})
    assert result.returncode != 0
    assert "PAYMENT_TEST_GATEWAY_SECRET" in result.stderr
    ok = _production({"PAYMENT_PROVIDERS": "test_gateway", "PAYMENT_TEST_GATEWAY_SECRET": "s" * 40})
    assert ok.returncode == 0, ok.stderr


def test_decision_date_counts_from_the_day_the_fee_arrives(card_payment):
    import datetime as dt

    from applications.calendar import add_working_days

    # Paid on Friday 19 December 2025: 30 working days skip Christmas (24–26 Dec), 31 Dec and 1 Jan.
    paid_at = dt.datetime(2025, 12, 19, 10, 0, tzinfo=dt.UTC)
    confirm_payment(payment_id=card_payment.pk, paid_at=paid_at)
    application = card_payment.application
    application.refresh_from_db()
    assert application.state == "submitted"
    assert application.decision_due_on == add_working_days(dt.date(2025, 12, 19), 30)
    assert application.decision_due_on == dt.date(2026, 2, 6)


def test_a_receipt_the_broker_never_took_is_queued_again_by_the_sweep(card_payment):
    from unittest import mock

    from payments.services.receipts import requeue_missing_receipts
    from payments.tasks import render_payment_receipt as receipt_task

    with mock.patch.object(receipt_task, "delay", side_effect=ConnectionRefusedError("broker down")):
        confirm_payment(payment_id=card_payment.pk)
    with mock.patch.object(receipt_task, "delay") as delay:
        assert requeue_missing_receipts() == [card_payment.pk]
    delay.assert_called_once_with(card_payment.pk)
    render_payment_receipt(payment_id=card_payment.pk)
    assert requeue_missing_receipts() == []


def test_withdraw_confirmation_mentions_the_refund_only_when_one_is_due(client, card_payment, settings):
    application = card_payment.application
    client.force_login(application.applicant)
    url = f"/applications/{application.pk}/withdraw/"
    settings.PAYMENTS_REFUND_ON_WITHDRAWAL = "full"
    assert "is refunded" not in client.get(url).content.decode()  # nothing paid yet
    confirm_payment(payment_id=card_payment.pk)
    assert "is refunded" in client.get(url).content.decode()
    settings.PAYMENTS_REFUND_ON_WITHDRAWAL = "none"
    assert "is refunded" not in client.get(url).content.decode()


def test_a_card_refund_left_pending_is_queued_again_and_done_once(card_payment, applicant, celery_eager):
    from unittest import mock

    from payments.models import TestGatewayRecord
    from payments.providers.test_gateway import TestGatewayProvider
    from payments.services.refunds import complete_card_refund, requeue_pending_card_refunds

    confirm_payment(payment_id=card_payment.pk)
    withdraw_application(application_id=card_payment.application_id, user=applicant)  # callbacks never run
    card_payment.refresh_from_db()
    assert card_payment.status == "refund_pending"
    with mock.patch(
        "payments.providers.test_gateway.TestGatewayProvider.refund",
        autospec=True,
        side_effect=TestGatewayProvider.refund,
    ) as refund:
        assert requeue_pending_card_refunds() == [card_payment.pk]
        complete_card_refund(payment_id=card_payment.pk)  # a duplicate delivery
    refund.assert_called_once()
    card_payment.refresh_from_db()
    assert card_payment.status == "refunded"
    assert TestGatewayRecord.objects.filter(operation="refund").count() == 1
