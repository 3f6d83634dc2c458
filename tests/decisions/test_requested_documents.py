"""The applicant uploads what an information request asks for, from the application page, while the case waits.

Before this, only a draft took documents: a request could ask for a document the applicant had no way to upload.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications.models import ApplicationDocument, ApplicationEvent
from applications.selectors import list_requirements
from decisions import services
from tests.applications.helpers import pdf_bytes
from tests.factories import ApplicationDocumentFactory

pytestmark = pytest.mark.django_db


def pdf_types(application):
    """Document types this application takes as PDF, without a maximum age (no issue date needed)."""
    return [
        requirement.document_type
        for requirement in list_requirements(kind=application.kind, purpose=application.purpose)
        if "application/pdf" in requirement.document_type.accepted_content_types
        and not requirement.document_type.max_age_days
    ]


@pytest.fixture
def asked(case_in_review):
    return pdf_types(case_in_review)[0]


@pytest.fixture
def not_asked(case_in_review):
    return pdf_types(case_in_review)[1]


@pytest.fixture
def open_request(case_in_review, officer, asked):
    return services.request_information(
        application_id=case_in_review.pk,
        officer=officer,
        message="The lease has expired: upload the current one.",
        document_type_ids=[asked.pk],
    )


def upload(client, application, request, document_type, name="lease-2027.pdf"):
    return client.post(
        reverse("decisions:request-document", args=[application.pk, request.pk]),
        {
            "document_type": document_type.code,
            "file": SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf"),
        },
        follow=True,
    )


def test_applicant_uploads_the_requested_document_from_the_application_page(
    client, case_in_review, open_request, asked
):
    old = ApplicationDocumentFactory(application=case_in_review, document_type=asked)
    client.force_login(case_in_review.applicant)
    page = client.get(reverse("applications:detail", args=[case_in_review.pk])).content.decode()
    assert reverse("decisions:request-document", args=[case_in_review.pk, open_request.pk]) in page

    response = upload(client, case_in_review, open_request, asked)

    page = response.content.decode()
    assert response.status_code == 200
    assert f"{asked.name} was uploaded." in page and "Uploaded: lease-2027.pdf" in page
    document = ApplicationDocument.objects.get(application=case_in_review, document_type=asked)
    assert document.pk != old.pk and document.original_filename == "lease-2027.pdf"
    assert ApplicationEvent.objects.filter(
        application=case_in_review, kind="document_added", data__replaced=True
    ).exists()
    case_in_review.refresh_from_db()
    assert case_in_review.state == "awaiting_applicant"  # the answer is still the applicant's to send


def test_a_document_the_office_did_not_ask_for_is_refused(client, case_in_review, open_request, not_asked):
    client.force_login(case_in_review.applicant)

    response = upload(client, case_in_review, open_request, not_asked)

    assert "The Office did not ask for this document." in response.content.decode()
    assert not ApplicationDocument.objects.filter(
        application=case_in_review, document_type=not_asked
    ).exists()


def test_after_the_answer_nothing_more_is_taken(client, case_in_review, open_request, asked):
    services.answer_information_request(
        application_id=case_in_review.pk, request_id=open_request.pk, applicant=case_in_review.applicant
    )
    client.force_login(case_in_review.applicant)

    response = upload(client, case_in_review, open_request, asked)

    assert "This request has already been answered." in response.content.decode()
    assert not ApplicationDocument.objects.filter(application=case_in_review).exists()


def test_someone_else_gets_404(client, other_applicant, case_in_review, open_request, asked):
    client.force_login(other_applicant)

    response = client.post(
        reverse("decisions:request-document", args=[case_in_review.pk, open_request.pk]),
        {"document_type": asked.code, "file": SimpleUploadedFile("x.pdf", pdf_bytes())},
    )

    assert response.status_code == 404
    assert not ApplicationDocument.objects.filter(application=case_in_review).exists()


def test_a_missing_file_is_a_clear_error(client, case_in_review, open_request, asked):
    client.force_login(case_in_review.applicant)

    response = client.post(
        reverse("decisions:request-document", args=[case_in_review.pk, open_request.pk]),
        {"document_type": asked.code},
        follow=True,
    )

    assert response.status_code == 200 and "Choose the file to upload." in response.content.decode()


def test_a_file_over_the_size_limit_stops_at_the_guard(client, settings, case_in_review, open_request, asked):
    settings.UPLOAD_MAX_FILE_BYTES = 1024
    client.force_login(case_in_review.applicant)

    response = client.post(
        reverse("decisions:request-document", args=[case_in_review.pk, open_request.pk]),
        {"document_type": asked.code, "file": SimpleUploadedFile("big.pdf", pdf_bytes() + b"0" * 4096)},
        follow=True,
    )

    assert "The file is larger than" in response.content.decode()
    assert not ApplicationDocument.objects.filter(application=case_in_review).exists()


def test_the_upload_form_needs_its_csrf_token(case_in_review, open_request, asked):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(case_in_review.applicant)

    response = browser.post(
        reverse("decisions:request-document", args=[case_in_review.pk, open_request.pk]),
        {"document_type": asked.code, "file": SimpleUploadedFile("x.pdf", pdf_bytes())},
    )

    assert response.status_code == 403
    assert not ApplicationDocument.objects.filter(application=case_in_review).exists()


def api_upload(api, application, request, document_type):
    return api.post(
        f"/api/v1/applications/{application.pk}/information-requests/{request.pk}/documents",
        {
            "document_type": document_type.code,
            "file": SimpleUploadedFile("lease.pdf", pdf_bytes(), content_type="application/pdf"),
        },
        format="multipart",
    )


def test_api_takes_the_requested_document_and_refuses_others(
    bearer_client, case_in_review, open_request, asked, not_asked, other_applicant
):
    api = bearer_client(case_in_review.applicant)

    created = api_upload(api, case_in_review, open_request, asked)
    refused = api_upload(api, case_in_review, open_request, not_asked)
    outsider = api_upload(bearer_client(other_applicant), case_in_review, open_request, asked)
    # The applications API's own upload still takes documents only for a draft.
    direct = api.post(
        f"/api/v1/applications/{case_in_review.pk}/documents",
        {"document_type": asked.code, "file": SimpleUploadedFile("x.pdf", pdf_bytes())},
        format="multipart",
    )

    assert created.status_code == 201 and created.json()["original_filename"] == "lease.pdf"
    assert refused.status_code == 400
    assert refused.json()["error"]["details"]["document_type"] == [
        "The Office did not ask for this document."
    ]
    assert outsider.status_code == 404 and outsider.json()["error"]["code"]
    assert direct.status_code == 409
    assert ApplicationDocument.objects.filter(application=case_in_review).count() == 1

    services.answer_information_request(
        application_id=case_in_review.pk, request_id=open_request.pk, applicant=case_in_review.applicant
    )
    late = api_upload(api, case_in_review, open_request, asked)
    assert late.status_code == 409 and late.json()["error"]["code"] == "conflict"
