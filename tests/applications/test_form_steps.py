"""The application form through its pages (issue 10: items 2–5): one behaviour for every step, the nationality
from the country list, a review that shows everything with the fee and a declaration, registration refused."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from applications.models import Application, ApplicationKind, Purpose
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, applicant):
    client.force_login(applicant)
    return client


def step_url(application: Application, step: str) -> str:
    return f"/applications/{application.pk}/step/{step}/"


@pytest.mark.parametrize(
    ("step", "fields"),
    [
        ("personal", ["first_name", "last_name", "date_of_birth", "nationality", "passport_number"]),
        ("purpose", ["school_name"]),
        ("stay", ["address_in_latvia", "stay_from", "stay_to"]),
    ],
)
def test_every_step_refuses_empty_fields_with_an_error_summary(signed_in, applicant, step, fields):
    application = ApplicationFactory(applicant=applicant, complete=True)
    before = {name: getattr(application, name) for name in fields}
    response = signed_in.post(step_url(application, step), {name: "" for name in fields})

    assert response.status_code == 200  # no redirect, no "Saved."
    html = response.content.decode()
    assert "Saved." not in html
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert title.strip().startswith("Error:")
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S).group(0)
    assert 'role="alert"' in summary and "autofocus" in summary and "There is a problem" in summary
    for name in fields:
        assert f'href="#id_{name}"' in summary, name
    # The summary comes before the heading, so it is the first thing read.
    assert html.index("error-summary") < html.index("<h1>")
    application.refresh_from_db()
    assert {name: getattr(application, name) for name in fields} == before


def test_required_fields_are_marked_on_every_step(signed_in, applicant):
    application = ApplicationFactory(applicant=applicant)
    for step in ("personal", "purpose", "stay"):
        html = signed_in.get(step_url(application, step)).content.decode()
        assert "Fields marked * are required." in html
        labels = re.findall(r"<label for=\"id_\w+\">.*?</label>", html, re.S)
        assert labels and all('class="required-mark"' in label for label in labels), step
        assert "required aria-invalid" not in html  # nothing flagged before the first try


def test_nationality_is_chosen_from_the_translated_country_list(signed_in, applicant):
    application = ApplicationFactory(applicant=applicant, nationality="")
    html = signed_in.get(step_url(application, "personal")).content.decode()
    assert '<select name="nationality"' in html
    assert '<option value="JP">Japan</option>' in html
    assert 'maxlength="2"' not in html.split('name="nationality"')[1].split(">")[0]

    with_language = signed_in.get(step_url(application, "personal"), HTTP_ACCEPT_LANGUAGE="ru")
    assert '<option value="JP">Япония</option>' in with_language.content.decode()

    data = {
        "first_name": "Haruki",
        "last_name": "Sato",
        "date_of_birth": "1991-02-03",
        "passport_number": "TK1234567",
        "passport_valid_until": (timezone.localdate() + dt.timedelta(days=2000)).isoformat(),
    }
    for wrong in ("Ja", "XX", "Japan"):
        refused = signed_in.post(step_url(application, "personal"), {**data, "nationality": wrong})
        assert refused.status_code == 200 and "Select a valid choice" in refused.content.decode()
    application.refresh_from_db()
    assert application.nationality == ""

    saved = signed_in.post(step_url(application, "personal"), {**data, "nationality": "JP"})
    assert saved.status_code == 302
    application.refresh_from_db()
    assert application.nationality == "JP"


def test_the_api_refuses_a_nationality_that_is_no_country(applicant_api, applicant):
    application = ApplicationFactory(applicant=applicant)
    response = applicant_api.patch(
        f"/api/v1/applications/{application.pk}", {"nationality": "XX"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["details"]["nationality"] == ["Choose a country from the list."]
    application.refresh_from_db()
    assert application.nationality == "UA"


def test_review_shows_every_step_documents_fee_and_change_links(signed_in, applicant, attach_all):
    employment = Purpose.objects.get(code="employment")
    application = ApplicationFactory(
        applicant=applicant,
        complete=True,
        purpose=employment,
        nationality="JP",
        employer_name="SIA Koks",
        employer_registration_number="40003000001",
        invitation_number="IV-2026-7788",
    )
    attach_all(application)
    response = signed_in.get(step_url(application, "review"))
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "Japan",  # the nationality, by name
        "FE123456",
        "SIA Koks",
        "40003000001",
        "IV-2026-7788",
        "Raiņa bulvāris 19, Rīga, LV-1586",
        "Passport copy",
        application.documents.get(document_type__code="passport_copy").original_filename,
        "Employment",
        "Standard (30 working days)",
    ):
        assert text in html, text
    for step in ("personal", "purpose", "stay", "documents"):
        assert f'href="{step_url(application, step)}">Change' in html, step
    fee = re.search(r'id="review-fee".*?</section>', html, re.S).group(0)
    assert re.search(r"the state fee of <strong>\d[\d\s,.]*\d EUR</strong> is due", fee), fee
    assert 'type="checkbox" name="declaration"' in html
    assert "true and" in html and 'href="/privacy/"' in html


def test_review_shows_the_family_member(signed_in, applicant):
    application = ApplicationFactory(
        applicant=applicant,
        complete=True,
        purpose=Purpose.objects.get(code="family"),
        family_member_name="Anna Bērziņa",
        family_member_relationship="spouse",
    )
    html = signed_in.get(step_url(application, "review")).content.decode()
    assert "Anna Bērziņa" in html and "Spouse" in html


def test_submit_page_refuses_without_the_declaration(signed_in, applicant, attach_all):
    application = ApplicationFactory(applicant=applicant, complete=True)
    attach_all(application)
    refused = signed_in.post(f"/applications/{application.pk}/submit/", {})
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "<title>Error:" in html
    assert 'href="#id_declaration"' in html and "Tick the declaration to submit" in html
    application.refresh_from_db()
    assert application.state == Application.State.DRAFT

    accepted = signed_in.post(f"/applications/{application.pk}/submit/", {"declaration": "on"})
    assert accepted.status_code == 302
    application.refresh_from_db()
    assert application.state == Application.State.AWAITING_PAYMENT
    assert application.events.get(kind="submitted").data["declaration"] is True


def test_api_submit_needs_the_declaration(applicant_api, applicant, attach_all):
    application = ApplicationFactory(applicant=applicant, complete=True)
    attach_all(application)
    url = f"/api/v1/applications/{application.pk}/submit"
    for body in ({}, {"declaration": False}):
        refused = applicant_api.post(url, body, format="json")
        assert refused.status_code == 400
        assert refused.json()["error"]["code"] == "declaration_required"
    application.refresh_from_db()
    assert application.state == Application.State.DRAFT
    accepted = applicant_api.post(url, {"declaration": True}, format="json")
    assert accepted.status_code == 200 and accepted.json()["state"] == "awaiting_payment"


def test_someone_elses_review_and_submit_are_404(client, other_applicant, applicant):
    application = ApplicationFactory(applicant=applicant, complete=True)
    client.force_login(other_applicant)
    assert client.get(step_url(application, "review")).status_code == 404
    assert client.post(f"/applications/{application.pk}/submit/", {"declaration": "on"}).status_code == 404


def test_schema_documents_the_declaration(client):
    schema = client.get("/api/schema/").content.decode()
    assert "SubmitInput" in schema and "declaration" in schema


# --- registration of a permit starts from a granted decision -------------------------------------------------


def test_registration_cannot_be_started_from_the_new_application_page(signed_in):
    page = signed_in.get("/applications/new/?kind=registration&purpose=employment")
    assert page.status_code == 200
    html = page.content.decode()
    assert "starts from a granted decision" in html
    assert 'name="kind"' not in html  # no start form

    refused = signed_in.post("/applications/new/", {"kind": "registration", "purpose": "employment"})
    assert refused.status_code == 409
    assert "starts from a granted decision" in refused.content.decode()
    assert not Application.objects.exists()


def test_registration_cannot_be_started_through_the_api(applicant_api):
    response = applicant_api.post(
        "/api/v1/applications", {"kind": "registration", "purpose": "employment"}, format="json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "starts_from_decision" and error["details"] == {"kind": "registration"}
    assert not Application.objects.exists()


def test_catalogue_flags_registration_as_starting_from_a_decision(client):
    assert ApplicationKind.objects.get(code="registration").starts_from_decision
    kinds = client.get("/api/v1/catalogue/kinds").json()
    flags = {kind["code"]: kind["starts_from_decision"] for kind in kinds}
    assert flags["registration"] is True and flags["first_trp"] is False


def test_guide_offers_no_start_for_registration_and_heads_its_table_with_the_card(client):
    html = client.get("/guide/registration/employment/?speed=standard").content.decode()
    assert "Start this application" not in html
    assert "starts from a granted decision" in html
    assert "Card ready by, if you register today" in html
    assert "Decision by, if you submit today" not in html
    assert (
        "must file an invitation" not in html
    )  # the inviter's invitation concerns a first or repeated permit


def test_guide_shows_the_invitation_note_only_where_an_invitation_is_needed(client):
    first = client.get("/guide/first_trp/employment/").content.decode()
    assert "must file an invitation" in first and "Start this application" in first
    eu = client.get("/guide/eu_long_term/employment/").content.decode()
    assert "must file an invitation" not in eu


def test_eu_long_term_resident_is_not_asked_for_an_invitation_number(signed_in, applicant):
    application = ApplicationFactory(
        applicant=applicant,
        kind=ApplicationKind.objects.get(code="eu_long_term"),
        purpose=Purpose.objects.get(code="employment"),
    )
    html = signed_in.get(step_url(application, "purpose")).content.decode()
    assert "employer_name" in html and "invitation_number" not in html


def test_the_guide_age_answer_reaches_the_start_page(client, applicant):
    answer = client.get("/guide/first_trp/studies/?speed=standard&age=minor").content.decode()
    assert "/applications/new/?kind=first_trp&amp;purpose=studies&amp;speed=standard&amp;age=minor" in answer
    client.force_login(applicant)
    start = client.get("/applications/new/?kind=first_trp&purpose=studies&age=minor").content.decode()
    assert "Under 18" in start and 'name="age" value="minor"' in start


# --- documents step ------------------------------------------------------------------------------------------


def test_an_over_age_document_is_flagged_at_upload_not_first_at_the_review(signed_in, applicant):
    from applications.selectors import list_requirements
    from tests.applications.helpers import pdf_bytes

    application = ApplicationFactory(applicant=applicant, complete=True)
    requirement = next(
        r
        for r in list_requirements(kind=application.kind, purpose=application.purpose)
        if r.document_type.max_age_days and "application/pdf" in r.document_type.accepted_content_types
    )
    document_type = requirement.document_type
    too_old = timezone.localdate() - dt.timedelta(days=document_type.max_age_days + 5)
    response = signed_in.post(
        f"/applications/{application.pk}/documents/",
        {
            "document_type": document_type.code,
            "file": SimpleUploadedFile("old.pdf", pdf_bytes()),
            "issued_on": too_old.isoformat(),
        },
        follow=True,
    )
    html = response.content.decode()
    warning = f"{document_type.name} must have been issued within the last {document_type.max_age_days} days."
    assert "The document was uploaded." in html
    assert html.count(warning) == 2  # the message after the upload and the note on the document's row
    assert f'id="warning-{document_type.code}"' in html
    assert (
        f'aria-describedby="size-{document_type.code} status-{document_type.code} warning-{document_type.code}"'
        in html
    )

    fresh = signed_in.post(
        f"/applications/{application.pk}/documents/",
        {
            "document_type": document_type.code,
            "file": SimpleUploadedFile("new.pdf", pdf_bytes()),
            "issued_on": timezone.localdate().isoformat(),
        },
        follow=True,
    )
    assert warning not in fresh.content.decode()


def test_the_photo_picker_offers_only_images(signed_in, applicant):
    application = ApplicationFactory(applicant=applicant, complete=True)
    html = signed_in.get(step_url(application, "documents")).content.decode()
    photo = re.search(r'<input type="file" id="file-photo"[^>]*>', html).group(0)
    assert 'accept=".jpg,.jpeg,image/jpeg,.png,image/png"' in photo
    passport = re.search(r'<input type="file" id="file-passport_copy"[^>]*>', html).group(0)
    assert "application/pdf" in passport


def test_the_guide_age_answer_decides_the_documents_until_the_date_of_birth_does(client, applicant):
    from applications.models import DocumentRequirement
    from applications.selectors import list_requirements

    client.force_login(applicant)
    response = client.post(
        "/applications/new/", {"kind": "first_trp", "purpose": "studies", "speed": "standard", "age": "minor"}
    )
    application = Application.objects.get(applicant=applicant)
    assert response.status_code == 302 and application.minor_per_guide is True
    application.date_of_birth = None
    application.save(update_fields=["date_of_birth"])
    requirements = list_requirements(kind=application.kind, purpose=application.purpose)
    adult_only = [r for r in requirements if r.condition == DocumentRequirement.Condition.ADULT]
    minor_only = [r for r in requirements if r.condition == DocumentRequirement.Condition.MINOR]
    assert adult_only and minor_only
    html = client.get(step_url(application, "documents")).content.decode()
    assert all(f'id="file-{r.document_type.code}"' not in html for r in adult_only)
    assert all(f'id="file-{r.document_type.code}"' in html for r in minor_only)
