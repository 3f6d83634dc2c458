"""Expiry → repeated permit, on a fixed clock: the invitation goes out once on the right day to holders only, and
its link starts one prefilled repeated-permit draft (fresh documents copied, stale ones listed) for the holder."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import time_machine
from django.core import mail
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from applications import services as application_services
from applications.models import Application, ApplicationDocument, DocumentType, RenewalInvitation
from applications.renewals.services import invite_permit_renewal
from decisions.models import Decision
from decisions.renewals import send_renewal_invitations
from tests.factories import (
    ApplicationDocumentFactory,
    ApplicationFactory,
    TerritorialUnitFactory,
    UserFactory,
)
from workers.models import Notification

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 5, 4)
VALID_TO = TODAY + dt.timedelta(days=60)
NOON = dt.datetime(2026, 5, 4, 10, 0, tzinfo=dt.UTC)


def _at(day: dt.date) -> time_machine.travel:
    return time_machine.travel(dt.datetime.combine(day, dt.time(9, 0), tzinfo=dt.UTC), tick=False)


def _permit(applicant, *, state="granted", valid_to=VALID_TO, outcome="grant", **fields) -> Application:
    officer = UserFactory(case_officer=True)
    application = ApplicationFactory(
        applicant=applicant, granted=True, decided_at=timezone.now() - dt.timedelta(days=300), **fields
    )
    Application.objects.filter(pk=application.pk).update(state=state)  # the factory's trait names "granted"
    application.refresh_from_db()
    Decision.objects.create(
        application=application,
        outcome=outcome,
        reasoning="Studies.",
        valid_from=valid_to - dt.timedelta(days=365) if outcome == "grant" else None,
        valid_to=valid_to if outcome == "grant" else None,
        state="issued",
        drafted_by=officer,
        issued_at=timezone.now() - dt.timedelta(days=300),
    )
    return application


@pytest.fixture
def holder(db):
    return UserFactory(applicant=True, preferred_language="en", first_name="Olena", last_name="Shevchenko")


@pytest.fixture
def permit(holder):
    return _permit(
        holder,
        unit=TerritorialUnitFactory(name="Daugavpils division"),
        address_in_latvia="Rīgas iela 1, Daugavpils",
        passport_number="FE000111",
    )


def _document(application, code: str, *, issued_on: dt.date | None, content: bytes) -> ApplicationDocument:
    return ApplicationDocumentFactory(
        application=application,
        document_type=DocumentType.objects.get(code=code),
        original_filename=f"{code}.pdf",
        file=ContentFile(content, name=f"{code}.pdf"),
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        issued_on=issued_on,
    )


@pytest.fixture
def permit_documents(permit):
    DocumentType.objects.filter(code="passport_copy").update(max_age_days=None)
    DocumentType.objects.filter(code__in=["means_of_subsistence", "housing_proof"]).update(max_age_days=92)
    DocumentType.objects.filter(code="enrolment_certificate").update(max_age_days=183)
    DocumentType.objects.filter(code="chest_xray").update(max_age_days=365)
    return {
        "passport": _document(
            permit, "passport_copy", issued_on=dt.date(2020, 1, 1), content=b"%PDF-1.4 passport"
        ),
        "enrolment": _document(
            permit,
            "enrolment_certificate",
            issued_on=TODAY - dt.timedelta(days=30),
            content=b"%PDF-1.4 enrolled",
        ),
        "means": _document(
            permit, "means_of_subsistence", issued_on=TODAY - dt.timedelta(days=100), content=b"%PDF-1.4 bank"
        ),
        "housing": _document(permit, "housing_proof", issued_on=None, content=b"%PDF-1.4 lease"),
        # The first permit's X-ray: the repeated permit's checklist does not ask for it.
        "xray": _document(
            permit, "chest_xray", issued_on=TODAY - dt.timedelta(days=10), content=b"%PDF-1.4 xray"
        ),
    }


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- the invitation --------------------------------------------------------------------------------------


def test_invitation_goes_out_once_on_the_day_the_lead_time_starts(
    permit, settings, django_capture_on_commit_callbacks
):
    settings.PERMIT_RENEWAL_INVITATION_DAYS = 60
    with _at(TODAY - dt.timedelta(days=1)):
        assert send_renewal_invitations() == []
    with _at(TODAY), django_capture_on_commit_callbacks(execute=False):
        assert send_renewal_invitations() == [permit.pk]
    for day in (TODAY, TODAY + dt.timedelta(days=1), VALID_TO):
        with _at(day):
            assert send_renewal_invitations() == []
    invitation = RenewalInvitation.objects.get()
    assert (invitation.permit, invitation.valid_to, invitation.sent_at.date()) == (permit, VALID_TO, TODAY)
    assert Notification.objects.filter(event="renewal_invitation", recipient=permit.applicant).count() == 1
    assert permit.events.filter(kind="renewal_invited").count() == 1


def test_the_lead_time_is_a_setting(permit, settings):
    settings.PERMIT_RENEWAL_INVITATION_DAYS = 30
    with _at(TODAY):
        assert send_renewal_invitations() == []
    with _at(VALID_TO - dt.timedelta(days=30)):
        assert send_renewal_invitations() == [permit.pk]


def test_a_late_run_still_invites_before_expiry_but_not_after(holder):
    late = _permit(holder, valid_to=TODAY + dt.timedelta(days=10))
    expired = _permit(UserFactory(applicant=True), valid_to=TODAY - dt.timedelta(days=1))
    with _at(TODAY):
        assert send_renewal_invitations() == [late.pk]
    assert not RenewalInvitation.objects.filter(permit=expired).exists()


@pytest.mark.parametrize("state", ["withdrawn", "annulled", "refused"])
def test_no_invitation_for_a_permit_not_held(holder, state):
    _permit(holder, state=state)
    with _at(TODAY):
        assert send_renewal_invitations() == []
    assert not RenewalInvitation.objects.exists() and not Notification.objects.exists()


def test_no_invitation_for_a_refusal(holder):
    _permit(holder, state="refused", outcome="refuse")
    with _at(TODAY):
        assert send_renewal_invitations() == []


@pytest.mark.parametrize("state", ["draft", "submitted", "granted"])
def test_no_invitation_for_someone_already_renewing(permit, state):
    ApplicationFactory(
        applicant=permit.applicant,
        kind=_repeated(),
        state=state,
        **({"complete": True} if state == "draft" else {}),
    )
    with _at(TODAY):
        assert send_renewal_invitations() == []
    assert not RenewalInvitation.objects.exists()


def test_a_dropped_repeated_application_does_not_count_as_renewing(permit):
    ApplicationFactory(applicant=permit.applicant, kind=_repeated(), withdrawn=True)
    with _at(TODAY):
        assert send_renewal_invitations() == [permit.pk]


def test_no_invitation_for_eu_long_term_status(holder):
    from applications.models import ApplicationKind, Purpose

    kind = ApplicationKind.objects.get(code="eu_long_term")
    _permit(holder, kind=kind, purpose=kind.purposes.first() or Purpose.objects.first())
    with _at(TODAY):
        assert send_renewal_invitations() == []


def test_no_invitation_for_a_closed_account(permit):
    User = type(permit.applicant)
    User.objects.filter(pk=permit.applicant_id).update(is_active=False, closed_at=timezone.now())
    with _at(TODAY):
        assert send_renewal_invitations() == []


def test_inviting_twice_directly_sends_one(permit):
    with _at(TODAY):
        assert invite_permit_renewal(application_id=permit.pk, valid_to=VALID_TO) is not None
        assert invite_permit_renewal(application_id=permit.pk, valid_to=VALID_TO) is None
    assert Notification.objects.filter(event="renewal_invitation").count() == 1


def test_the_invitation_email_greets_links_and_signs(
    permit, celery_eager, django_capture_on_commit_callbacks
):
    with _at(TODAY), django_capture_on_commit_callbacks(execute=True):
        send_renewal_invitations()
    (message,) = mail.outbox
    invitation = RenewalInvitation.objects.get()
    assert message.to == [permit.applicant.email]
    assert message.subject == "Your residence permit is valid until 3 July 2026: apply for a repeated permit"
    assert message.body.startswith("Dear Olena Shevchenko,")
    assert permit.reference in message.body
    assert f"/applications/renew/{invitation.token}/" in message.body
    assert "Kind regards,\nOffice of Citizenship and Migration Affairs" in message.body
    assert message.extra_headers["Content-Language"] == "en"


def test_the_invitation_email_is_latvian_for_a_latvian_reader(
    celery_eager, django_capture_on_commit_callbacks, translated
):
    reader = UserFactory(applicant=True, preferred_language="lv", first_name="Anna", last_name="Bērziņa")
    _permit(reader)
    with _at(TODAY), django_capture_on_commit_callbacks(execute=True):
        send_renewal_invitations()
    (message,) = mail.outbox
    assert message.body.startswith("Labdien, Anna Bērziņa!")
    assert "03.07.2026." in message.body  # the Latvian date format
    assert message.extra_headers["Content-Language"] == "lv"


def test_the_dashboard_offers_the_invitation(permit):
    with _at(TODAY):
        send_renewal_invitations()
        invitation = RenewalInvitation.objects.get()
        page = _client(permit.applicant).get("/applications/").content.decode()
    assert "Your residence permit is valid until 03.07.2026" in page
    assert f"/applications/renew/{invitation.token}/" in page


# --- the prefilled draft ---------------------------------------------------------------------------------


def _repeated():
    from applications.models import ApplicationKind

    return ApplicationKind.objects.get(code="repeated_trp")


@pytest.fixture
def invitation(permit, permit_documents):
    with _at(TODAY):
        return invite_permit_renewal(application_id=permit.pk, valid_to=VALID_TO)


def test_the_link_previews_what_carries_over_before_starting(invitation):
    with _at(TODAY):
        page = _client(invitation.applicant).get(f"/applications/renew/{invitation.token}/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "What we will fill in for you" in body
    assert "Passport copy" in body and "means_of_subsistence.pdf" not in body.split("Still needed")[0]
    assert not Application.objects.filter(kind__code="repeated_trp").exists()  # nothing started by looking


def test_starting_prefills_the_draft_from_the_permit(invitation, permit, permit_documents):
    with _at(TODAY):
        response = _client(invitation.applicant).post(f"/applications/renew/{invitation.token}/")
    draft = Application.objects.get(kind__code="repeated_trp")
    assert response.status_code == 302 and response["Location"] == f"/applications/{draft.pk}/"
    assert draft.applicant == permit.applicant and draft.state == "draft"
    assert draft.purpose == permit.purpose and draft.processing_speed == permit.processing_speed
    for name in ("first_name", "last_name", "date_of_birth", "nationality", "passport_number", "school_name"):
        assert getattr(draft, name) == getattr(permit, name), name
    assert draft.address_in_latvia == "Rīgas iela 1, Daugavpils" and draft.unit == permit.unit
    assert draft.stay_from == VALID_TO + dt.timedelta(days=1)

    copied = {d.document_type.code: d for d in draft.documents.select_related("document_type")}
    assert set(copied) == {"passport_copy", "enrolment_certificate"}  # fresh and asked for
    for code, source in (
        ("passport_copy", permit_documents["passport"]),
        ("enrolment_certificate", permit_documents["enrolment"]),
    ):
        copy = copied[code]
        assert copy.pk != source.pk and copy.file.name != source.file.name
        assert copy.sha256 == source.sha256 and copy.issued_on == source.issued_on
        with copy.file.open("rb") as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == source.sha256
    assert permit.documents.count() == 5  # the permit's record is untouched

    invitation.refresh_from_db()
    assert invitation.draft == draft
    stale = {item["type"]: item["reason"] for item in invitation.carried_over["stale"]}
    assert stale == {"means_of_subsistence": "too_old", "housing_proof": "no_issue_date"}
    assert {item["type"] for item in invitation.carried_over["missing"]} == {"photo", "health_insurance"}
    event = draft.events.get(kind="renewal_prefilled")
    assert event.data["from_reference"] == permit.reference


def test_the_draft_page_says_what_came_over_and_what_is_still_needed(invitation):
    client = _client(invitation.applicant)
    with _at(TODAY):
        client.post(f"/applications/renew/{invitation.token}/")
        draft = Application.objects.get(kind__code="repeated_trp")
        body = client.get(f"/applications/{draft.pk}/").content.decode()
    carried, needed = body.split("Still needed from you")
    assert "Carried over from your earlier application" in carried
    assert "passport_copy.pdf" in carried and "enrolment_certificate.pdf" in carried
    assert "older than the 92 days the checklist allows" in needed  # means of subsistence
    assert "has no issue date" in needed  # housing proof
    assert "not in your earlier application" in needed  # photo, health insurance


def test_a_second_click_opens_the_same_draft(invitation):
    client = _client(invitation.applicant)
    with _at(TODAY):
        first = client.post(f"/applications/renew/{invitation.token}/")
        second = client.post(f"/applications/renew/{invitation.token}/")
        third = client.get(f"/applications/renew/{invitation.token}/")
    assert first["Location"] == second["Location"] == third["Location"]
    assert Application.objects.filter(kind__code="repeated_trp").count() == 1


def test_another_account_gets_404_and_starts_nothing(invitation, other_applicant):
    client = _client(other_applicant)
    with _at(TODAY):
        assert client.get(f"/applications/renew/{invitation.token}/").status_code == 404
        assert client.post(f"/applications/renew/{invitation.token}/").status_code == 404
        assert client.get("/applications/renew/made-up-token/").status_code == 404
    assert not Application.objects.filter(kind__code="repeated_trp").exists()


def test_removing_a_carried_document_keeps_the_permits_file(invitation, permit_documents):
    client = _client(invitation.applicant)
    with _at(TODAY):
        client.post(f"/applications/renew/{invitation.token}/")
    draft = Application.objects.get(kind__code="repeated_trp")
    copy = draft.documents.get(document_type__code="passport_copy")
    with _at(TODAY):
        application_services.delete_document(
            application_id=draft.pk, document_id=copy.pk, user=invitation.applicant
        )
    source = permit_documents["passport"]
    assert source.file.storage.exists(source.file.name)


def test_open_invitations_are_one_query_whatever_their_number(django_assert_num_queries):
    from applications.renewals.selectors import list_open_invitations

    holder = UserFactory(applicant=True)
    for _ in range(3):
        invite_permit_renewal(application_id=_permit(holder).pk, valid_to=VALID_TO)
    with _at(TODAY), django_assert_num_queries(1):
        invitations = list_open_invitations(user=holder, today=TODAY)
        assert [i.permit.reference for i in invitations] and all(i.draft is None for i in invitations)
    assert len(invitations) == 3
