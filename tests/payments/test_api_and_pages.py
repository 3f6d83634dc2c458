"""The payments API and pages: contract, fee from the catalogue at submission, someone else's is 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from applications.models import Application, Fee
from payments.models import Payment
from payments.services import start_payment
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


def test_card_payment_answers_a_redirect_url(applicant_api, awaiting):
    response = applicant_api.post(
        f"/api/v1/applications/{awaiting.pk}/payments", {"method": "card"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    payment = Payment.objects.get()
    assert body["redirect_url"].startswith("http://testserver/payments/test-gateway/")
    assert body["payment"]["id"] == payment.pk and body["payment"]["status"] == "pending"
    assert body["amount_cents"] == payment.amount_cents and body["currency"] == "EUR"
    assert payment.provider == "test_gateway" and payment.provider_reference


def test_bank_transfer_answers_reference_account_and_amount(
    applicant_api, awaiting, django_capture_on_commit_callbacks
):
    from unittest import mock

    with (
        mock.patch("payments.tasks.render_bank_transfer_instructions.delay") as render,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = applicant_api.post(
            f"/api/v1/applications/{awaiting.pk}/payments", {"method": "bank_transfer"}, format="json"
        )
    assert response.status_code == 201
    body = response.json()
    payment = Payment.objects.get()
    assert body["reference"] == payment.reference and body["reference"].startswith("RF")
    assert body["account"] == {
        "iban": "LV23TREL1060190911000",
        "bic": body["account"]["bic"],
        "name": body["account"]["name"],
    }
    assert body["amount_cents"] == payment.amount_cents
    render.assert_called_once_with(payment.pk)
    # Asking again gives the same open transfer, not a second reference.
    again = applicant_api.post(
        f"/api/v1/applications/{awaiting.pk}/payments", {"method": "bank_transfer"}, format="json"
    )
    assert again.json()["reference"] == payment.reference
    assert Payment.objects.count() == 1


def test_fee_is_the_catalogue_fee_valid_on_the_submission_day(awaiting):
    submitted_on = timezone.localdate(awaiting.submitted_at)
    old = Fee.objects.filter(kind=awaiting.kind, speed=awaiting.processing_speed, valid_to__isnull=True).get()
    # The fee changes tomorrow: the application submitted today still pays today's amount.
    old.valid_to = submitted_on
    old.save()
    Fee.objects.create(
        kind=awaiting.kind,
        speed=awaiting.processing_speed,
        amount_cents=old.amount_cents + 7000,
        valid_from=submitted_on + dt.timedelta(days=1),
    )
    Application.objects.filter(pk=awaiting.pk).update(submitted_at=awaiting.submitted_at)
    import time_machine

    with time_machine.travel(timezone.now() + dt.timedelta(days=3)):
        payment = start_payment(application_id=awaiting.pk, user=awaiting.applicant, method="card").payment
    assert payment.amount_cents == old.amount_cents
    assert payment.fee_id == old.pk


def test_new_attempt_cancels_the_open_one(awaiting):
    first = start_payment(application_id=awaiting.pk, user=awaiting.applicant, method="bank_transfer").payment
    second = start_payment(application_id=awaiting.pk, user=awaiting.applicant, method="card").payment
    first.refresh_from_db()
    assert first.status == "cancelled" and second.status == "pending"
    assert Payment.objects.filter(application=awaiting, status="pending").count() == 1


def test_database_allows_one_open_payment_per_application(awaiting):
    from django.db import IntegrityError, transaction

    payment = start_payment(application_id=awaiting.pk, user=awaiting.applicant, method="card").payment
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(application=awaiting, method="card", amount_cents=100, currency="EUR")
    assert Payment.objects.filter(application=awaiting).count() == 1
    assert payment.status == "pending"


@pytest.mark.parametrize("trait", ["draft", "submitted"])
def test_application_not_awaiting_payment_is_409(applicant, applicant_api, trait):
    application = ApplicationFactory(
        applicant=applicant, **({"complete": True} if trait == "draft" else {trait: True})
    )
    response = applicant_api.post(
        f"/api/v1/applications/{application.pk}/payments", {"method": "card"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "nothing_to_pay"
    assert not Payment.objects.exists()


def test_unknown_method_is_400(applicant_api, awaiting):
    response = applicant_api.post(
        f"/api/v1/applications/{awaiting.pk}/payments", {"method": "cash"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert not Payment.objects.exists()


def test_card_unavailable_when_no_provider_is_on(applicant_api, awaiting, settings):
    settings.PAYMENT_PROVIDERS = []
    response = applicant_api.post(
        f"/api/v1/applications/{awaiting.pk}/payments", {"method": "card"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "method_unavailable"
    assert not Payment.objects.exists()


def test_someone_elses_application_is_404_in_the_api(other_applicant_api, awaiting, card_payment):
    url = f"/api/v1/applications/{awaiting.pk}/payments"
    assert other_applicant_api.post(url, {"method": "card"}, format="json").status_code == 404
    assert other_applicant_api.get(url).status_code == 404
    card_payment.refresh_from_db()
    assert card_payment.status == "pending"
    assert Payment.objects.count() == 1


def test_list_payments_of_my_application(applicant_api, awaiting, card_payment):
    response = applicant_api.get(f"/api/v1/applications/{awaiting.pk}/payments")
    assert response.status_code == 200
    assert [p["id"] for p in response.json()] == [card_payment.pk]


def test_anonymous_api_is_401(api_client, awaiting):
    assert (
        api_client.post(f"/api/v1/applications/{awaiting.pk}/payments", {"method": "card"}).status_code == 401
    )


def test_someone_elses_payment_pages_are_404(client, other_applicant, awaiting, bank_payment):
    client.force_login(other_applicant)
    for url in (
        f"/applications/{awaiting.pk}/pay/",
        f"/payments/{bank_payment.pk}/",
        f"/payments/{bank_payment.pk}/bank-transfer/",
        f"/payments/{bank_payment.pk}/bank-transfer.pdf",
        f"/payments/{bank_payment.pk}/receipt.pdf",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/applications/{awaiting.pk}/pay/", {"method": "card"}).status_code == 404
    assert Payment.objects.count() == 1


def test_pay_page_shows_the_fee_and_bank_transfer_leads_to_instructions(client, applicant, awaiting):
    client.force_login(applicant)
    page = client.get(f"/applications/{awaiting.pk}/pay/")
    assert page.status_code == 200
    fee = Fee.objects.filter(kind=awaiting.kind, speed=awaiting.processing_speed).first()
    assert fee.amount_display in page.content.decode()
    response = client.post(f"/applications/{awaiting.pk}/pay/", {"method": "bank_transfer"})
    payment = Payment.objects.get()
    assert response["Location"] == f"/payments/{payment.pk}/bank-transfer/"
    instructions = client.get(response["Location"]).content.decode()
    assert "LV23 TREL 1060 1909 1100 0" in instructions
    assert payment.reference[:4] in instructions and payment.amount_display in instructions


def test_pay_page_without_a_method_is_a_form_error(client, applicant, awaiting):
    client.force_login(applicant)
    response = client.post(f"/applications/{awaiting.pk}/pay/", {})
    assert response.status_code == 400
    assert not Payment.objects.exists()


def test_openapi_documents_the_payment_endpoints(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    assert "/api/v1/applications/{application_id}/payments" in schema["paths"]
    webhook = schema["paths"]["/api/v1/payments/webhooks/{provider}"]["post"]
    assert {"200", "400", "404"} <= set(webhook["responses"])


def test_application_detail_shows_its_payments(applicant_api, awaiting, card_payment):
    response = applicant_api.get(f"/api/v1/applications/{awaiting.pk}")
    assert response.status_code == 200
    payments = response.json()["payments"]
    assert [(p["id"], p["status"], p["amount_cents"]) for p in payments] == [
        (card_payment.pk, "pending", card_payment.amount_cents)
    ]


def test_application_page_links_to_the_pay_page(client, applicant, awaiting):
    client.force_login(applicant)
    page = client.get(f"/applications/{awaiting.pk}/").content.decode()
    assert f"/applications/{awaiting.pk}/pay/" in page


def test_withdraw_hook_is_registered_once():
    from applications import hooks
    from payments.services.refunds import refund_on_withdrawal

    assert hooks.on_withdrawn.count(refund_on_withdrawal) == 1
    hooks.register_on_withdrawn(refund_on_withdrawal)
    assert hooks.on_withdrawn.count(refund_on_withdrawal) == 1


def test_dashboard_lists_each_application_s_payments(client, card_payment):
    from payments.services import confirm_payment

    confirm_payment(payment_id=card_payment.pk)
    client.force_login(card_payment.application.applicant)
    html = client.get("/applications/").content.decode()
    assert f"/payments/{card_payment.pk}/" in html
    assert card_payment.amount_display in html
    assert "Paid" in html
