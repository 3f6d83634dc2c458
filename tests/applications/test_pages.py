from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from applications.models import Application
from identity.models import StaffAccessLog
from tests.applications.helpers import pdf_bytes
from tests.factories import ApplicationDocumentFactory, ApplicationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, applicant):
    client.force_login(applicant)
    return client


def test_start_from_the_guide_link_then_walk_the_steps(signed_in, applicant):
    page = signed_in.get("/applications/new/?kind=first_trp&purpose=studies")
    assert page.status_code == 200
    assert not Application.objects.exists()  # GET only shows what will start
    response = signed_in.post("/applications/new/", {"kind": "first_trp", "purpose": "studies"})
    application = Application.objects.get(applicant=applicant)
    assert response.url == f"/applications/{application.pk}/step/personal/"

    personal = signed_in.get(response.url)
    assert b"Step 1 of 6" in personal.content
    today = timezone.localdate()
    saved = signed_in.post(
        response.url,
        {
            "first_name": "Olena",
            "last_name": "Shevchenko",
            "date_of_birth": "1990-05-17",
            "nationality": "ua",
            "passport_number": "fe123456",
            "passport_valid_until": (today + dt.timedelta(days=900)).isoformat(),
        },
    )
    assert saved.url.endswith("/step/purpose/")
    purpose = signed_in.get(saved.url)
    assert b"Step 2 of 6" in purpose.content and b"school_name" in purpose.content
    assert b"employer_name" not in purpose.content
    stay = signed_in.post(saved.url, {"school_name": "University of Latvia"})
    bad = signed_in.post(
        stay.url,
        {
            "address_in_latvia": "Raiņa 19",
            "stay_from": (today + dt.timedelta(days=30)).isoformat(),
            "stay_to": (today + dt.timedelta(days=1000)).isoformat(),
        },
    )
    assert bad.status_code == 200  # passport expires before the stay ends
    assert b"passport must be valid beyond" in bad.content
    application.refresh_from_db()
    assert application.nationality == "UA" and application.school_name == "University of Latvia"
    assert application.stay_to is None

    review = signed_in.get(f"/applications/{application.pk}/step/review/")
    assert b"Still missing" in review.content and b"Step 6 of 6" in review.content


def test_documents_step_uploads_without_javascript(signed_in, draft):
    page = signed_in.get(f"/applications/{draft.pk}/step/documents/")
    assert page.status_code == 200 and b"js/upload.js" in page.content
    response = signed_in.post(
        f"/applications/{draft.pk}/documents/",
        {"document_type": "passport_copy", "file": SimpleUploadedFile("p.pdf", pdf_bytes())},
    )
    assert response.status_code == 302
    assert draft.documents.get().document_type.code == "passport_copy"
    rejected = signed_in.post(
        f"/applications/{draft.pk}/documents/",
        {"document_type": "photo", "file": SimpleUploadedFile("p.jpg", b"<svg onload=alert(1)>")},
        follow=True,
    )
    assert b"not a JPG, PNG file" in rejected.content
    assert draft.documents.count() == 1


def test_submit_page_shows_what_is_missing(signed_in, draft):
    response = signed_in.post(f"/applications/{draft.pk}/submit/", {"declaration": "on"}, follow=True)
    assert b"not complete" in response.content
    draft.refresh_from_db()
    assert draft.state == "draft"


def test_withdraw_asks_for_confirmation_first(signed_in, draft):
    submitted = ApplicationFactory(applicant=draft.applicant, awaiting_payment=True)
    response = signed_in.get(f"/applications/{submitted.pk}/withdraw/")
    assert response.status_code == 200
    assert "Yes, withdraw the application" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.state == "awaiting_payment"


def test_withdraw_page(signed_in, draft):
    signed_in.post(f"/applications/{draft.pk}/withdraw/")
    draft.refresh_from_db()
    assert draft.state == "withdrawn"


def test_dashboard_query_count_is_constant(signed_in, applicant):
    first = ApplicationFactory(applicant=applicant, awaiting_payment=True)
    ApplicationDocumentFactory(application=first)
    with CaptureQueriesContext(__import__("django.db").db.connection) as one:
        assert signed_in.get("/applications/").status_code == 200
    for application in ApplicationFactory.create_batch(15, applicant=applicant, complete=True):
        ApplicationDocumentFactory(application=application)
    with CaptureQueriesContext(__import__("django.db").db.connection) as many:
        page = signed_in.get("/applications/")
    assert len(one) == len(many)
    assert page.content.count(b"application-card") == 16
    assert b"Awaiting payment" in page.content and b"Pay the state fee" in page.content


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/applications/{app}/"),
        ("get", "/applications/{app}/step/personal/"),
        ("post", "/applications/{app}/step/personal/"),
        ("get", "/applications/{app}/step/documents/"),
        ("get", "/applications/{app}/step/review/"),
        ("post", "/applications/{app}/documents/"),
        ("post", "/applications/{app}/documents/{doc}/delete/"),
        ("get", "/applications/{app}/documents/{doc}/download/"),
        ("post", "/applications/{app}/submit/"),
        ("get", "/applications/{app}/withdraw/"),
        ("post", "/applications/{app}/withdraw/"),
    ],
)
def test_someone_elses_application_is_404_on_every_page(client, other_applicant, draft, method, path):
    document = ApplicationDocumentFactory(application=draft)
    client.force_login(other_applicant)
    response = getattr(client, method)(path.format(app=draft.pk, doc=document.pk))
    assert response.status_code == 404
    draft.refresh_from_db()
    assert draft.state == "draft" and draft.documents.count() == 1


def test_pages_need_sign_in(client, draft):
    assert client.get("/applications/").status_code == 302


def test_officer_of_the_unit_downloads_and_is_logged(staff_client_for, applicant):
    application = ApplicationFactory(applicant=applicant, submitted=True)
    document = ApplicationDocumentFactory(application=application)
    url = f"/applications/{application.pk}/documents/{document.pk}/download/"

    stranger = UserFactory(case_officer=True)  # another unit
    assert staff_client_for(stranger).get(url).status_code == 404

    officer = UserFactory(case_officer=True, unit=application.unit)
    response = staff_client_for(officer).get(url)  # signed in with the TOTP code
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    log = StaffAccessLog.objects.get()
    assert (log.staff, log.applicant, log.object_id) == (officer, applicant, str(document.pk))
