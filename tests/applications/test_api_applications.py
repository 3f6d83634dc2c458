from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from applications.models import Application
from tests.applications.helpers import pdf_bytes
from tests.factories import ApplicationDocumentFactory, ApplicationFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1/applications"


def test_create_list_and_read(applicant_api, applicant):
    response = applicant_api.post(
        BASE, {"kind": "first_trp", "purpose": "studies", "school_name": "RTU"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "draft" and body["school_name"] == "RTU"
    assert "submit" in body["allowed_actions"]
    assert any(item["code"] == "missing_document" for item in body["missing"])
    listed = applicant_api.get(BASE).json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]
    assert applicant_api.get(f"{BASE}/{body['id']}").json()["reference"] == body["reference"]


def test_create_with_unknown_kind_is_a_clear_404(applicant_api):
    response = applicant_api.post(BASE, {"kind": "nope", "purpose": "studies"}, format="json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_kind"
    assert not Application.objects.exists()


def test_create_with_invalid_field_leaves_no_draft(applicant_api):
    response = applicant_api.post(
        BASE, {"kind": "first_trp", "purpose": "studies", "date_of_birth": "2999-01-01"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert not Application.objects.exists()


def test_patch_edits_a_draft_and_refuses_unknown_fields(applicant_api, draft):
    ok = applicant_api.patch(f"{BASE}/{draft.pk}", {"address_in_latvia": "Brīvības 1"}, format="json")
    assert ok.status_code == 200 and ok.json()["address_in_latvia"] == "Brīvības 1"
    bad = applicant_api.patch(f"{BASE}/{draft.pk}", {"state": "granted"}, format="json")
    assert bad.status_code == 400
    draft.refresh_from_db()
    assert draft.state == "draft"


def test_patch_cannot_change_kind_or_purpose(applicant_api, draft):
    before = (draft.kind_id, draft.purpose_id)
    response = applicant_api.patch(
        f"{BASE}/{draft.pk}", {"kind": "eu_long_term", "purpose": "studies"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["details"]) == {"kind", "purpose"}
    draft.refresh_from_db()
    assert (draft.kind_id, draft.purpose_id) == before


def test_patch_after_submission_is_409(applicant_api, applicant):
    application = ApplicationFactory(applicant=applicant, awaiting_payment=True)
    response = applicant_api.patch(f"{BASE}/{application.pk}", {"first_name": "X"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["details"]["state"] == "awaiting_payment"


def test_submit_incomplete_is_409_with_the_missing_list(applicant_api, draft):
    response = applicant_api.post(f"{BASE}/{draft.pk}/submit", {"declaration": True}, format="json")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "application_incomplete"
    assert {"passport_copy", "photo"} <= {m.get("document_type") for m in error["details"]["missing"]}


def test_submit_complete_then_submit_again_is_409(applicant_api, draft, attach_all, monkeypatch):
    monkeypatch.setattr("applications.tasks.render_application_summary.delay", lambda pk: None)
    attach_all(draft)
    first = applicant_api.post(f"{BASE}/{draft.pk}/submit", {"declaration": True}, format="json")
    assert first.status_code == 200, first.content
    assert first.json()["state"] == "awaiting_payment"
    second = applicant_api.post(f"{BASE}/{draft.pk}/submit", {"declaration": True}, format="json")
    assert second.status_code == 409
    assert second.json()["error"]["details"] == {
        "state": "awaiting_payment",
        "allowed_actions": ["pay", "withdraw"],
    }


def test_withdraw_then_timeline(applicant_api, draft):
    response = applicant_api.post(f"{BASE}/{draft.pk}/withdraw", {"reason": "changed plans"}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "withdrawn"
    again = applicant_api.post(f"{BASE}/{draft.pk}/withdraw")
    assert again.status_code == 409
    assert again.json()["error"]["details"]["allowed_actions"] == []
    timeline = applicant_api.get(f"{BASE}/{draft.pk}/timeline").json()
    assert [event["kind"] for event in timeline] == ["withdrawn"]
    assert timeline[0]["by"] == "applicant"


def test_upload_and_delete_a_document(applicant_api, draft, client):
    upload = SimpleUploadedFile("pass.pdf", pdf_bytes(), content_type="image/png")
    response = applicant_api.post(
        f"{BASE}/{draft.pk}/documents", {"document_type": "passport_copy", "file": upload}, format="multipart"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["content_type"] == "application/pdf" and len(body["sha256"]) == 64
    client.force_login(draft.applicant)  # downloads are a page (session), not an API call
    downloaded = client.get(body["download_url"])
    assert downloaded.status_code == 200
    stored = b"".join(downloaded.streaming_content)
    assert stored.startswith(b"%PDF-") and hashlib.sha256(stored).hexdigest() == body["sha256"]
    assert applicant_api.delete(f"{BASE}/{draft.pk}/documents/{body['id']}").status_code == 204
    assert not draft.documents.exists()


def test_upload_of_an_executable_is_a_clear_400(applicant_api, draft):
    upload = SimpleUploadedFile("pass.pdf", b"MZ\x90\x00" + b"\0" * 300, content_type="application/pdf")
    response = applicant_api.post(
        f"{BASE}/{draft.pk}/documents", {"document_type": "passport_copy", "file": upload}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "upload_rejected"
    assert not draft.documents.exists()


def test_upload_over_the_request_limit_is_413(applicant_api, draft, settings):
    settings.UPLOAD_MAX_FILE_BYTES = 10_000
    upload = SimpleUploadedFile("big.pdf", pdf_bytes() + b"%" + b"x" * 20_000)
    response = applicant_api.post(
        f"{BASE}/{draft.pk}/documents", {"document_type": "passport_copy", "file": upload}, format="multipart"
    )
    assert response.status_code == 413
    assert response.json()["error"]["details"]["reason"] == "too_large"


def test_upload_after_submission_is_409(applicant_api, applicant):
    application = ApplicationFactory(applicant=applicant, awaiting_payment=True)
    upload = SimpleUploadedFile("pass.pdf", pdf_bytes())
    response = applicant_api.post(
        f"{BASE}/{application.pk}/documents",
        {"document_type": "passport_copy", "file": upload},
        format="multipart",
    )
    assert response.status_code == 409


@pytest.mark.parametrize(
    ("method", "suffix", "data"),
    [
        ("get", "", None),
        ("patch", "", {"first_name": "X"}),
        ("post", "/submit", None),
        ("post", "/withdraw", None),
        ("get", "/timeline", None),
        ("post", "/documents", {"document_type": "passport_copy"}),
        ("delete", "/documents/{doc}", None),
    ],
)
def test_someone_elses_application_is_404_everywhere(other_applicant_api, draft, method, suffix, data):
    document = ApplicationDocumentFactory(application=draft)
    url = f"{BASE}/{draft.pk}" + suffix.format(doc=document.pk)
    response = getattr(other_applicant_api, method)(url, data, format="json" if method == "patch" else None)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    draft.refresh_from_db()
    assert draft.state == "draft" and draft.first_name != "X"
    assert draft.documents.count() == 1


def test_anonymous_is_401(api_client, draft):
    assert api_client.get(BASE).status_code == 401


def test_every_endpoint_is_in_the_schema(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    for path in [
        "/api/v1/applications",
        "/api/v1/applications/{application_id}",
        "/api/v1/applications/{application_id}/documents",
        "/api/v1/applications/{application_id}/documents/{document_id}",
        "/api/v1/applications/{application_id}/submit",
        "/api/v1/applications/{application_id}/withdraw",
        "/api/v1/applications/{application_id}/timeline",
    ]:
        assert path in schema


def test_list_query_count_is_constant(applicant, applicant_api, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ApplicationFactory(applicant=applicant)
    with CaptureQueriesContext(connection) as one:
        applicant_api.get(BASE)
    ApplicationFactory.create_batch(20, applicant=applicant)
    with CaptureQueriesContext(connection) as many:
        applicant_api.get(BASE)
    assert len(one) == len(many)


def test_passport_number_and_nationality_are_stored_as_printed_whatever_the_channel(applicant_api, draft):
    response = applicant_api.patch(
        f"{BASE}/{draft.pk}", {"passport_number": "ab12345", "nationality": "ua"}, format="json"
    )
    assert response.status_code == 200
    draft.refresh_from_db()
    assert (draft.passport_number, draft.nationality) == ("AB12345", "UA")


def test_submit_of_a_draft_with_empty_fields_is_409_listing_the_fields(applicant_api, applicant):
    """The transition's conditions (complete personal data, ...) must not answer before the completeness
    check: the applicant gets what is missing, not "you cannot submit an application that is Draft"."""
    created = applicant_api.post(BASE, {"kind": "first_trp", "purpose": "studies"}, format="json")
    assert created.status_code == 201
    draft = Application.objects.get(pk=created.json()["id"])  # nothing filled in
    response = applicant_api.post(f"{BASE}/{draft.pk}/submit", {"declaration": True}, format="json")
    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["code"] == "application_incomplete"
    assert error["details"]["state"] == "draft"
    assert "submit" in error["details"]["allowed_actions"]
    missing_fields = {item.get("field") for item in error["details"]["missing"]}
    assert {"passport_number", "date_of_birth", "address_in_latvia", "unit"} <= missing_fields
    draft.refresh_from_db()
    assert draft.state == "draft"


def test_someone_elses_incomplete_draft_is_404_on_submit(other_applicant_api, applicant):
    draft = ApplicationFactory(applicant=applicant)
    response = other_applicant_api.post(f"{BASE}/{draft.pk}/submit")
    assert response.status_code == 404
    assert response.json()["error"]["code"] in {"not_found", "application_not_found"}


def test_list_reads_the_page_and_its_total_in_one_query(applicant, applicant_api, django_assert_num_queries):
    from django.db import connection

    ApplicationFactory.create_batch(3, applicant=applicant)
    ApplicationFactory()  # someone else's
    # The token's user and the page with its total: on PostgreSQL in one query (the page read beside the user,
    # identity.authentication), elsewhere one after the other.
    with django_assert_num_queries(1 if connection.vendor == "postgresql" else 2):
        body = applicant_api.get(BASE, {"limit": 2}).json()
    assert body["count"] == 3 and len(body["results"]) == 2
    assert "_page_total" not in body["results"][0]
    assert body["next"].endswith("limit=2&offset=2") and body["previous"] is None
    last = applicant_api.get(BASE, {"limit": 2, "offset": 2}).json()
    assert last["count"] == 3 and len(last["results"]) == 1 and last["next"] is None
    assert last["previous"].endswith("limit=2")


def test_list_page_past_the_end_still_counts(applicant, applicant_api):
    ApplicationFactory.create_batch(2, applicant=applicant)
    body = applicant_api.get(BASE, {"offset": 10}).json()
    assert body == {"count": 2, "next": None, "previous": body["previous"], "results": []}
    assert body["previous"] is not None
    assert applicant_api.get(BASE).json()["count"] == 2


def test_list_of_nobody_is_an_empty_page(applicant_api):
    assert applicant_api.get(BASE).json() == {"count": 0, "next": None, "previous": None, "results": []}


def test_the_list_labels_states_in_the_callers_language(applicant_api, applicant, translated):
    """The list's rows are built by the database with the state labels of the caller's language (each language's
    columns are built once per process)."""
    ApplicationFactory(applicant=applicant)
    labels = {}
    for language in ("lv", "ru", "en", "lv"):
        row = applicant_api.get(BASE, HTTP_ACCEPT_LANGUAGE=language).json()["results"][0]
        labels.setdefault(language, set()).add(row["state_label"])
    assert all(len(found) == 1 for found in labels.values()), labels
    assert labels["en"] == {"Draft"} and len({*labels["lv"], *labels["ru"], *labels["en"]}) == 3, labels
