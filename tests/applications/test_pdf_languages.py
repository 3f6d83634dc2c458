"""Issue 10, item 1: official PDFs come in Latvian and, when the applicant reads another language, in theirs too."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from applications.services.lifecycle import SUMMARY_KIND
from payments.services import confirm_payment, render_payment_receipt, start_payment
from tests.factories import ApplicationFactory, UserFactory
from workers.selectors import get_generated_document

pytestmark = pytest.mark.django_db


def text_of(content: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def submit_through_the_page(client, applicant, attach_all, capture) -> object:
    application = ApplicationFactory(applicant=applicant, complete=True)
    attach_all(application)
    client.force_login(applicant)
    with capture(execute=True):
        response = client.post(f"/applications/{application.pk}/submit/", {"declaration": "on"})
    assert response.status_code == 302
    return application


def test_summary_of_an_english_speaker_is_in_latvian_and_english(
    client, attach_all, translated, celery_eager, django_capture_on_commit_callbacks
):
    applicant = UserFactory(applicant=True, preferred_language="en")
    application = submit_through_the_page(client, applicant, attach_all, django_capture_on_commit_callbacks)
    document = get_generated_document(owner=application, kind=SUMMARY_KIND)
    with document.file.open("rb") as handle:
        text = text_of(handle.read())
    assert "Pilsonība" in text and "Nationality" in text
    assert "Ukraina" in text and "Ukraine" in text  # the country by name, in each language


def test_summary_of_a_latvian_speaker_is_in_latvian_only(
    client, attach_all, translated, celery_eager, django_capture_on_commit_callbacks
):
    applicant = UserFactory(applicant=True, preferred_language="lv")
    application = submit_through_the_page(client, applicant, attach_all, django_capture_on_commit_callbacks)
    document = get_generated_document(owner=application, kind=SUMMARY_KIND)
    with document.file.open("rb") as handle:
        text = text_of(handle.read())
    assert "Pilsonība" in text and "Nationality" not in text


def test_receipt_downloaded_by_a_russian_speaker_is_in_latvian_and_russian(client, translated):
    applicant = UserFactory(applicant=True, preferred_language="ru")
    application = ApplicationFactory(applicant=applicant, awaiting_payment=True)
    payment = start_payment(application_id=application.pk, user=applicant, method="card").payment
    confirm_payment(payment_id=payment.pk)
    render_payment_receipt(payment_id=payment.pk)
    client.force_login(applicant)
    response = client.get(f"/payments/{payment.pk}/receipt.pdf")
    assert response.status_code == 200
    text = text_of(b"".join(response.streaming_content))
    assert "Maksājuma kvīts" in text and "Квитанция об оплате" in text
    assert "Payment receipt" not in text  # the Russian page, not the English source text
    assert f"PMLP-K-{payment.pk:08d}" in text
