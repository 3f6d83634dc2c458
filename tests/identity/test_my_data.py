"""My data: the archive (opened and checked against the database), its expiring own-account link and its e-mail,
closing the account, and the retention job on a fixed clock with its audit trail."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from datetime import timedelta

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from applications.models import Application, ApplicationDocument
from decisions.models import Decision, DecisionLetter, InformationRequest
from identity.models import ApplicantProfile, AuditEntry, DataExport, StaffAccessLog, User
from identity.mydata import services
from payments.models import Payment
from payments.services import start_payment
from tests.factories import (
    PASSWORD,
    ApplicantProfileFactory,
    ApplicationDocumentFactory,
    ApplicationFactory,
    UserFactory,
)
from workers.models import GeneratedDocument, Notification
from workers.services import store_pdf

pytestmark = pytest.mark.django_db

CLOSED_AT = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def person(db):
    user = UserFactory(applicant=True, preferred_language="en", first_name="Anna", last_name="Bērziņa")
    ApplicantProfileFactory(user=user, passport_number="FE765432")
    return user


@pytest.fixture
def records(person, case_officer):
    """A realistic file: a granted application with two documents, a decision and its letter, a request answered,
    an application waiting for its fee with a bank transfer started, and the staff's look at it."""
    granted = ApplicationFactory(applicant=person, granted=True, decided_at=timezone.now())
    documents = [
        ApplicationDocumentFactory(application=granted, original_filename="passport.pdf"),
        ApplicationDocumentFactory(
            application=granted,
            document_type=granted.kind.requirements.exclude(
                document_type=ApplicationDocument.objects.filter(application=granted).values("document_type")[
                    :1
                ]
            )
            .first()
            .document_type,
            original_filename="contract with spaces.pdf",
            file=ContentFile(b"%PDF-1.4 contract\n%%EOF\n", name="c.pdf"),
            sha256=hashlib.sha256(b"%PDF-1.4 contract\n%%EOF\n").hexdigest(),
        ),
    ]
    decision = Decision.objects.create(
        application=granted,
        outcome="grant",
        reasoning="Studies at an accredited programme.",
        valid_from=dt.date(2026, 1, 1),
        valid_to=dt.date(2027, 1, 1),
        state="issued",
        drafted_by=case_officer,
        issued_at=timezone.now(),
    )
    letter = DecisionLetter.objects.create(decision=decision, verification_code="ABCD2345EFGH", language="en")
    letter.document = store_pdf(
        owner=letter, kind="decision_letter", content=b"%PDF-1.7 letter", filename="l.pdf"
    )
    letter.save()
    request = InformationRequest.objects.create(
        application=granted,
        requested_by=case_officer,
        message="Send the enrolment certificate.",
        answer_by=dt.date(2026, 2, 1),
        state="answered",
        answer_text="Attached.",
        answered_at=timezone.now(),
    )
    awaiting = ApplicationFactory(applicant=person, awaiting_payment=True)
    payment = start_payment(application_id=awaiting.pk, user=person, method="bank_transfer").payment
    StaffAccessLog.objects.create(
        staff=case_officer, role=case_officer.role, unit=case_officer.unit, applicant=person, reason="Review"
    )
    return {
        "applications": [granted, awaiting],
        "documents": documents,
        "decision": decision,
        "letter": letter,
        "request": request,
        "payment": payment,
    }


def _export(client_api, django_capture_on_commit_callbacks) -> dict:
    with django_capture_on_commit_callbacks(execute=True):
        response = client_api.post("/api/v1/me/export")
    assert response.status_code == 202, response.content
    return response.json()


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _open_archive(response) -> zipfile.ZipFile:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_the_archive_holds_everything_and_matches_the_database(
    person, records, bearer_client, celery_eager, django_capture_on_commit_callbacks
):
    api = bearer_client(person)
    created = _export(api, django_capture_on_commit_callbacks)
    detail = api.get(f"/api/v1/me/export/{created['id']}").json()
    assert detail["state"] == "ready" and detail["download_url"]

    archive = _open_archive(_signed_in(person).get(detail["download_url"]))
    data = json.loads(archive.read("data.json"))
    assert "README.txt" in archive.namelist()
    assert data["format"] == "ocma-eservice-my-data" and data["version"] == 1
    assert dt.datetime.fromisoformat(data["generated_at"])
    assert data["account"] == {
        "id": person.pk,
        "email": person.email,
        "first_name": "Anna",
        "last_name": "Bērziņa",
        "preferred_language": "en",
        "date_joined": person.date_joined.isoformat(),
        "email_verified_at": person.email_verified_at.isoformat(),
    }
    sections = data["sections"]
    assert sections["profile"]["passport_number"] == "FE765432"
    assert sections["profile"]["date_of_birth"] == "1990-05-17"  # dates ISO

    own_applications = Application.objects.filter(applicant=person)
    assert sorted(a["id"] for a in sections["applications"]) == sorted(
        own_applications.values_list("pk", flat=True)
    )
    granted = next(a for a in sections["applications"] if a["id"] == records["applications"][0].pk)
    assert granted["state"] == "granted" and granted["reference"] == records["applications"][0].reference
    assert [event["id"] for event in granted["timeline"]] == list(
        records["applications"][0].events.order_by("created_at", "id").values_list("pk", flat=True)
    )

    documents = ApplicationDocument.objects.filter(application__applicant=person)
    assert sorted(d["id"] for d in sections["documents"]) == sorted(documents.values_list("pk", flat=True))
    assert [p["id"] for p in sections["payments"]] == list(
        Payment.objects.filter(application__applicant=person).values_list("pk", flat=True)
    )
    assert sections["payments"][0]["amount_cents"] == records["payment"].amount_cents
    assert [d["id"] for d in sections["decisions"]] == [records["decision"].pk]
    assert sections["decisions"][0]["valid_to"] == "2027-01-01"
    assert sections["decisions"][0]["letter"]["verification_code"] == "ABCD2345EFGH"
    assert [r["id"] for r in sections["information_requests"]] == [records["request"].pk]
    assert sections["information_requests"][0]["answer"] == "Attached."
    assert [e["id"] for e in sections["access_log"]] == list(
        StaffAccessLog.objects.filter(applicant=person).values_list("pk", flat=True)
    )

    # Every file listed is in the archive, its checksum is that of the archived bytes, and it matches the record.
    files = {entry["path"]: entry for entry in data["files"]}
    for path, entry in files.items():
        assert (
            hashlib.sha256(archive.read(path)).hexdigest() == entry["sha256"] == entry["sha256_when_stored"]
        )
    by_document = {e["record_id"]: e for e in data["files"] if e["section"] == "documents"}
    for document in documents:
        assert by_document[document.pk]["sha256"] == document.sha256
    letter_file = next(e for e in data["files"] if e["section"] == "decisions")
    assert letter_file["sha256"] == records["letter"].document.sha256
    assert archive.read(letter_file["path"]) == b"%PDF-1.7 letter"
    assert (
        any(e["section"] == "payments" for e in data["files"])
        is GeneratedDocument.objects.filter(
            owner_content_type=ContentType.objects.get_for_model(Payment)
        ).exists()
    )
    assert AuditEntry.objects.filter(action="mydata.export_ready", subject_id=person.pk).exists()


def test_the_ready_email_greets_links_and_signs_in_the_recipients_language(
    person, bearer_client, celery_eager, django_capture_on_commit_callbacks
):
    created = _export(bearer_client(person), django_capture_on_commit_callbacks)
    export = DataExport.objects.get(uuid=created["id"])
    (message,) = mail.outbox
    assert message.to == [person.email]
    assert message.subject == "Your copy of your data is ready"
    assert message.body.startswith("Dear Anna Bērziņa,")
    assert f"/account/my-data/{export.uuid}/" in message.body
    assert timezone.localtime(export.expires_at).strftime("%H:%M") in message.body
    assert "Kind regards,\nOffice of Citizenship and Migration Affairs" in message.body
    assert message.extra_headers["Content-Language"] == "en"


def test_the_ready_email_is_latvian_for_a_latvian_reader(
    applicant, bearer_client, celery_eager, django_capture_on_commit_callbacks, translated
):
    assert applicant.preferred_language == "lv"
    _export(bearer_client(applicant), django_capture_on_commit_callbacks)
    (message,) = mail.outbox
    assert message.body.startswith("Labdien, Anna Bērziņa!")
    assert message.extra_headers["Content-Language"] == "lv"
    assert Notification.objects.get(event="data_export_ready").language == "lv"


def test_a_second_request_while_one_is_prepared_returns_the_same_export(person, bearer_client):
    api = bearer_client(person)
    first = api.post("/api/v1/me/export")
    second = api.post("/api/v1/me/export")
    assert (first.status_code, second.status_code) == (202, 200)
    assert first.json()["id"] == second.json()["id"]
    assert DataExport.objects.filter(user=person).count() == 1


def test_the_link_works_for_its_account_only(
    person, other_applicant, bearer_client, celery_eager, django_capture_on_commit_callbacks
):
    created = _export(bearer_client(person), django_capture_on_commit_callbacks)
    url = f"/account/my-data/{created['id']}/"
    response = _signed_in(other_applicant).get(url)
    assert response.status_code == 404
    assert "There is no such copy of your data" in response.content.decode()
    api = bearer_client(other_applicant).get(f"/api/v1/me/export/{created['id']}")
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"
    assert Client().get(url).status_code == 302  # signed out: to the sign-in page first


def test_the_link_expires_with_a_clear_page_and_the_archive_is_deleted(
    person, bearer_client, settings, celery_eager, django_capture_on_commit_callbacks
):
    settings.MY_DATA_EXPORT_LINK_HOURS = 24
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        created = _export(bearer_client(person), django_capture_on_commit_callbacks)
    url = f"/account/my-data/{created['id']}/"
    with time_machine.travel(start + timedelta(hours=23, minutes=59), tick=False):
        assert _signed_in(person).get(url).status_code == 200
    with time_machine.travel(start + timedelta(hours=24), tick=False):
        response = _signed_in(person).get(url)
        assert response.status_code == 410
        assert "This link has expired" in response.content.decode()
        gone = bearer_client(person).get(f"/api/v1/me/export/{created['id']}")
        assert gone.status_code == 410 and gone.json()["error"]["code"] == "export_expired"
        with django_capture_on_commit_callbacks(execute=True):
            services.apply_retention_policy()
    export = DataExport.objects.get(uuid=created["id"])
    assert export.document is None and not GeneratedDocument.objects.filter(kind="data-export").exists()
    assert AuditEntry.objects.filter(
        action="retention.export_archives_deleted", subject_id=person.pk
    ).exists()


def test_staff_have_no_data_to_export(case_officer, bearer_client):
    response = bearer_client(case_officer).post("/api/v1/me/export")
    assert response.status_code == 403
    assert not DataExport.objects.exists()


# --- closing the account ---------------------------------------------------------------------------------


def test_closing_withdraws_open_applications_signs_out_and_blocks_sign_in(person, bearer_client):
    draft = ApplicationFactory(applicant=person, complete=True)
    submitted = ApplicationFactory(applicant=person, submitted=True)
    refused = ApplicationFactory(applicant=person, refused=True)
    api = bearer_client(person)
    page = _signed_in(person)
    listed = page.get("/account/close/").content.decode()
    assert submitted.reference in listed and refused.reference not in listed

    response = page.post("/account/close/", {"password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/account/closed/"
    person.refresh_from_db()
    assert not person.is_active and person.closed_at is not None
    states = dict(Application.objects.filter(applicant=person).values_list("pk", "state"))
    assert states == {draft.pk: "withdrawn", submitted.pk: "withdrawn", refused.pk: "refused"}
    assert page.get("/account/my-data/").status_code == 302  # signed out
    assert api.get("/api/v1/me/access-log").status_code == 401  # its tokens no longer work
    again = Client()
    signin = again.post("/login/", {"email": person.email, "password": PASSWORD})
    assert signin.status_code == 400  # the sign-in form's error, as for a wrong password
    assert "_auth_user_id" not in again.session
    token = bearer_client(person).post("/api/v1/auth/token", {"email": person.email, "password": PASSWORD})
    assert (
        token.status_code in (400, 401, 403) and "access" not in token.json()
    )  # no token for a closed account
    entry = AuditEntry.objects.get(action="account.closed", subject_id=person.pk)
    assert sorted(entry.details["applications_withdrawn"]) == sorted([draft.pk, submitted.pk])


def test_closing_with_a_wrong_password_changes_nothing(person, bearer_client):
    submitted = ApplicationFactory(applicant=person, submitted=True)
    response = bearer_client(person).post("/api/v1/me/close", {"password": "wrong"}, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "wrong_password"
    page = _signed_in(person).post("/account/close/", {"password": "wrong"})
    assert page.status_code == 400 and "The password is not correct." in page.content.decode()
    person.refresh_from_db()
    submitted.refresh_from_db()
    assert person.is_active and person.closed_at is None and submitted.state == "submitted"


def test_closing_waits_while_a_decision_is_being_made(person, bearer_client):
    pending = ApplicationFactory(applicant=person, decision_pending=True)
    submitted = ApplicationFactory(applicant=person, submitted=True)
    response = bearer_client(person).post("/api/v1/me/close", {"password": PASSWORD}, format="json")
    assert response.status_code == 409
    assert [a["id"] for a in response.json()["error"]["details"]["applications"]] == [pending.pk]
    person.refresh_from_db()
    submitted.refresh_from_db()
    assert person.is_active and submitted.state == "submitted"
    assert not AuditEntry.objects.filter(action="account.closed").exists()


def test_closing_through_the_api(person, bearer_client):
    submitted = ApplicationFactory(applicant=person, submitted=True)
    response = bearer_client(person).post("/api/v1/me/close", {"password": PASSWORD}, format="json")
    assert response.status_code == 200
    assert response.json() == {"closed": True, "applications_withdrawn": [submitted.pk]}


# --- retention on a fixed clock --------------------------------------------------------------------------


@pytest.fixture
def closed(person, records, settings):
    settings.MY_DATA_RETENTION_DAYS = {
        "profile": 365,
        "applications": 5 * 365,
        "information_requests": 5 * 365,
        "access_log": 2 * 365,
        "notifications": 90,
    }
    Notification.objects.create(recipient=person, event="status_changed", context={"reference": "X"})
    with time_machine.travel(CLOSED_AT, tick=False):
        # The application waiting for its fee is withdrawn by closing (its bank transfer is cancelled).
        services.close_account(user=person, password=PASSWORD)
    return person


def _run(at: dt.datetime, django_capture_on_commit_callbacks) -> list[AuditEntry]:
    with time_machine.travel(at, tick=False), django_capture_on_commit_callbacks(execute=True):
        return services.apply_retention_policy()


def test_retention_runs_each_record_type_when_its_period_ends(
    closed, records, django_capture_on_commit_callbacks
):
    person = closed
    document_names = [d.file.name for d in records["documents"]]
    storage = records["documents"][0].file.storage

    assert _run(CLOSED_AT + timedelta(days=89), django_capture_on_commit_callbacks) == []
    (notifications,) = _run(CLOSED_AT + timedelta(days=90), django_capture_on_commit_callbacks)
    assert notifications.details["rule"] == "workers.notifications"
    assert notifications.details["notifications_deleted"] >= 1
    assert not Notification.objects.filter(recipient=person).exists()

    (account,) = _run(CLOSED_AT + timedelta(days=365), django_capture_on_commit_callbacks)
    assert account.action == "retention.applied" and account.details["rule"] == "identity.account"
    assert account.details["period_days"] == 365
    person.refresh_from_db()
    assert person.email == f"closed-{person.pk}@closed.invalid" and person.first_name == ""
    assert not person.has_usable_password()
    assert not ApplicantProfile.objects.filter(user=person).exists()
    assert StaffAccessLog.objects.filter(applicant=person).exists()  # its own period runs longer

    (access,) = _run(CLOSED_AT + timedelta(days=730), django_capture_on_commit_callbacks)
    assert access.details == {
        "rule": "identity.access_log",
        "record_type": "access_log",
        "period_days": 730,
        "closed_at": CLOSED_AT.isoformat(),
        "access_log_entries_deleted": 1,
    }

    entries = _run(CLOSED_AT + timedelta(days=5 * 365), django_capture_on_commit_callbacks)
    by_rule = {e.details.get("rule"): e for e in entries}
    assert by_rule["applications.applications"].details["documents_deleted"] == 2
    # The withdrawn application (no decision) is anonymised; the granted one stays as its decision's record.
    assert by_rule["applications.applications"].details["applications_anonymised"] == 1
    assert by_rule["decisions.information_requests"].details["answers_blanked"] == 1
    assert entries[-1].action == "retention.completed"
    granted, awaiting = records["applications"]
    awaiting.refresh_from_db()
    granted.refresh_from_db()
    assert awaiting.first_name == "" and awaiting.passport_number == "" and awaiting.date_of_birth is None
    assert granted.last_name == "Shevchenko"
    assert not ApplicationDocument.objects.filter(application__applicant=person).exists()
    assert not any(storage.exists(name) for name in document_names)
    # What the law makes the Office keep: the decision, its letter, the payment.
    assert Decision.objects.filter(pk=records["decision"].pk).exists()
    letter = DecisionLetter.objects.select_related("document").get(pk=records["letter"].pk)
    assert letter.document.file.storage.exists(letter.document.file.name)
    assert Payment.objects.filter(pk=records["payment"].pk).exists()
    request = InformationRequest.objects.get(pk=records["request"].pk)
    assert request.answer_text == "" and request.message

    # Done: the next runs find nothing and write nothing.
    assert _run(CLOSED_AT + timedelta(days=6 * 365), django_capture_on_commit_callbacks) == []


def test_retention_leaves_open_accounts_alone(person, records, django_capture_on_commit_callbacks):
    assert _run(timezone.now() + timedelta(days=10 * 365), django_capture_on_commit_callbacks) == []
    person.refresh_from_db()
    assert person.email.endswith("@example.lv")
    assert ApplicationDocument.objects.filter(application__applicant=person).count() == 2


def test_the_retention_task_is_on_the_beat_schedule():
    from workers.schedule import BEAT_SCHEDULE

    assert BEAT_SCHEDULE["apply-retention-policy"]["task"] == "identity.tasks.apply_retention_policy"


def test_the_api_endpoints_are_in_the_schema(api_client):
    paths = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    assert "post" in paths["/api/v1/me/export"]
    assert "get" in paths["/api/v1/me/export/{export_id}"]
    assert "post" in paths["/api/v1/me/close"]


def test_the_list_of_copies_is_one_query(person, django_assert_num_queries):
    from identity.mydata.selectors import list_exports

    for _ in range(3):
        export = DataExport.objects.create(user=person)
        export.mark_ready(summary={})
        export.save()
    with django_assert_num_queries(1):
        exports = list(list_exports(user=person))
        assert all(e.document is None for e in exports)
    assert len(exports) == 3


def test_the_page_asks_for_a_copy_and_offers_it_until_it_expires(
    person, settings, celery_eager, django_capture_on_commit_callbacks
):
    settings.MY_DATA_EXPORT_LINK_HOURS = 2
    page = _signed_in(person)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            response = page.post("/account/my-data/")
        assert response.status_code == 302
        export = DataExport.objects.get(user=person)
        listing = page.get("/account/my-data/").content.decode()
    assert f"/account/my-data/{export.uuid}/" in listing
    with time_machine.travel(start + timedelta(hours=3), tick=False):
        listing = page.get("/account/my-data/").content.decode()
    assert f"/account/my-data/{export.uuid}/" not in listing and "Expired" in listing


def test_building_twice_stores_one_archive_and_sends_one_mail(person):
    export, _ = services.request_data_export(user=person)
    services.build_data_export(export_id=export.pk)
    services.build_data_export(export_id=export.pk)
    assert GeneratedDocument.objects.filter(kind="data-export").count() == 1
    assert Notification.objects.filter(event="data_export_ready").count() == 1
    assert services.build_data_export(export_id=export.pk + 1000) is None  # gone: nothing to do
