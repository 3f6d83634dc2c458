"""Issue 11: while the Office waits for the applicant, they upload the documents its request asks for, on the
application's page or through the API; other types, other states and deleting are refused; earlier files stay."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from applications.models import Application, ApplicationDocument, DocumentType
from decisions import services
from tests.applications.helpers import pdf_bytes
from tests.factories import ApplicationDocumentFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1/applications"
TODAY = timezone.localdate


@pytest.fixture
def case(applicant, unit, officer):
    from tests.factories import ApplicationFactory

    return ApplicationFactory(applicant=applicant, in_review=True, unit=unit, assigned_officer=officer)


@pytest.fixture
def earlier_insurance(case):
    return ApplicationDocumentFactory(
        application=case,
        document_type=DocumentType.objects.get(code="health_insurance"),
        original_filename="old-insurance.pdf",
    )


@pytest.fixture
def open_request(case, officer, earlier_insurance):
    wanted = DocumentType.objects.filter(code__in=["health_insurance", "employment_contract"])
    return services.request_information(
        application_id=case.pk,
        officer=officer,
        message="Your insurance has expired; send a new policy and your contract.",
        document_type_ids=[t.pk for t in wanted],
    )


def upload(api, case, code: str, name: str = "new.pdf"):
    return api.post(
        f"{BASE}/{case.pk}/documents",
        {
            "document_type": code,
            "file": SimpleUploadedFile(name, pdf_bytes()),
            "issued_on": TODAY().isoformat(),
        },
        format="multipart",
    )


def test_the_application_page_offers_an_upload_for_each_requested_type(client, case, open_request):
    client.force_login(case.applicant)
    page = client.get(reverse("applications:detail", args=[case.pk])).content.decode()
    panel = page[page.index("The Office needs more information") : page.index("Send my answer to the Office")]
    assert 'name="document_type" value="health_insurance"' in panel
    assert 'name="document_type" value="employment_contract"' in panel
    assert 'value="passport_copy"' not in panel
    assert f'data-upload-url="/api/v1/applications/{case.pk}/documents"' in panel
    assert "old-insurance.pdf" in panel and "Replace with another file" in panel
    assert "js/upload.js" in page


def test_a_requested_type_is_uploaded_and_the_earlier_file_kept(
    applicant_api, case, open_request, earlier_insurance
):
    response = upload(applicant_api, case, "health_insurance", "new-insurance.pdf")

    assert response.status_code == 201, response.content
    earlier_insurance.refresh_from_db()
    assert earlier_insurance.replaced_at is not None
    assert earlier_insurance.file.storage.exists(earlier_insurance.file.name)  # kept for the record
    current = ApplicationDocument.objects.get(
        application=case, document_type__code="health_insurance", replaced_at__isnull=True
    )
    assert current.original_filename == "new-insurance.pdf"
    # The applicant sees the current documents only.
    detail = applicant_api.get(f"{BASE}/{case.pk}").json()
    assert [d["original_filename"] for d in detail["documents"]] == ["new-insurance.pdf"]
    case.refresh_from_db()
    assert case.state == Application.State.AWAITING_APPLICANT


def test_the_page_upload_without_javascript_returns_to_the_application(client, case, open_request):
    client.force_login(case.applicant)
    response = client.post(
        reverse("applications:document-upload", args=[case.pk]),
        {"document_type": "employment_contract", "file": SimpleUploadedFile("contract.pdf", pdf_bytes())},
    )
    assert response.status_code == 302 and response.url == reverse("applications:detail", args=[case.pk])
    assert ApplicationDocument.objects.filter(
        application=case, document_type__code="employment_contract"
    ).exists()


def test_a_type_not_asked_for_is_refused_and_nothing_changes(applicant_api, client, case, open_request):
    before = set(ApplicationDocument.objects.values_list("pk", "replaced_at"))
    response = upload(applicant_api, case, "passport_copy")
    assert response.status_code == 400
    error = response.json()["error"]
    assert "The Office asked you only for" in error["details"]["document_type"][0]

    client.force_login(case.applicant)
    page = client.post(
        reverse("applications:document-upload", args=[case.pk]),
        {"document_type": "passport_copy", "file": SimpleUploadedFile("p.pdf", pdf_bytes())},
        follow=True,
    )
    assert "The Office asked you only for" in page.content.decode()
    assert set(ApplicationDocument.objects.values_list("pk", "replaced_at")) == before


def test_deleting_while_the_office_waits_is_refused(applicant_api, case, open_request, earlier_insurance):
    response = applicant_api.delete(f"{BASE}/{case.pk}/documents/{earlier_insurance.pk}")
    assert response.status_code == 409
    assert ApplicationDocument.objects.filter(pk=earlier_insurance.pk, replaced_at__isnull=True).exists()


@pytest.mark.parametrize("state", ["submitted", "in_review", "decision_pending", "granted"])
def test_uploads_are_refused_in_other_states(applicant_api, applicant, unit, state):
    from tests.factories import ApplicationFactory

    case = ApplicationFactory(applicant=applicant, unit=unit, **{state: True})
    response = upload(applicant_api, case, "health_insurance")
    assert response.status_code == 409
    assert response.json()["error"]["details"]["state"] == state
    assert not ApplicationDocument.objects.filter(application=case).exists()


def test_after_the_answer_uploads_close_and_the_timeline_names_the_documents(
    applicant_api, client, case, open_request, staff_client_for, bearer_client, officer
):
    assert upload(applicant_api, case, "health_insurance", "new-insurance.pdf").status_code == 201
    client.force_login(case.applicant)
    client.post(
        reverse("decisions:answer-request", args=[case.pk, open_request.pk]), {"answer_text": "Done."}
    )
    case.refresh_from_db()
    assert case.state == Application.State.IN_REVIEW
    assert case.events.get(kind="information_provided").data["documents"] == ["health_insurance"]
    page = client.get(reverse("applications:detail", args=[case.pk])).content.decode()
    assert "Documents sent: Health insurance policy" in page

    assert upload(applicant_api, case, "employment_contract").status_code == 409

    # The officer sees both files, the earlier one marked as replaced.
    case_page = (
        staff_client_for(officer).get(reverse("decisions:backoffice-case", args=[case.pk])).content.decode()
    )
    assert "old-insurance.pdf" in case_page and "new-insurance.pdf" in case_page
    assert case_page.count("by a newer file") == 1
    with_token = bearer_client(officer).get(f"/api/v1/backoffice/cases/{case.pk}").json()
    replaced = {d["original_filename"]: d["replaced_at"] is not None for d in with_token["documents"]}
    assert replaced == {"old-insurance.pdf": True, "new-insurance.pdf": False}


def test_someone_else_cannot_upload_to_the_case(other_applicant_api, case, open_request):
    response = upload(other_applicant_api, case, "health_insurance")
    assert response.status_code == 404
    assert ApplicationDocument.objects.filter(application=case).count() == 1
