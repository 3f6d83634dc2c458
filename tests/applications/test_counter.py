"""An application made with the person at a unit's counter, through the real pages with real sessions: the
identity check, the applicant's own form steps filled by the officer, scanned documents, the fee taken at the
counter, the copy with its claim code, and the claim into the person's online account."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from applications.completeness import applicable_requirements
from applications.models import Application, ApplicationEvent, CounterSubmission
from applications.selectors import list_requirements
from applications.services import counter
from identity.models import StaffAccessLog
from payments.models import Payment
from payments.services.receipts import render_payment_receipt
from tests.applications.helpers import jpeg_bytes, pdf_bytes
from tests.factories import PASSWORD, ApplicationFactory, TerritorialUnitFactory, UserFactory
from workers.models import Notification
from workers.services.notifications import send_notification

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()
PASSPORT = "AB1234567"


@pytest.fixture
def unit():
    from applications.selectors import get_default_unit

    return get_default_unit()


@pytest.fixture
def officer(unit):
    return UserFactory(
        case_officer=True, unit=unit, first_name="Ilze", last_name="Ozola", position="Senior inspector"
    )


@pytest.fixture
def desk(officer, staff_client_for):
    return staff_client_for(officer)


def _start_form(for_unit, **overrides) -> dict:
    data = {
        "kind": "first_trp",
        "purpose": "studies",
        "processing_speed": "standard",
        "first_name": "Olena",
        "last_name": "Shevchenko",
        "date_of_birth": "1995-04-12",
        "nationality": "UA",
        "language": "ru",
        "document_type": "passport",
        "document_number": PASSPORT.lower(),
        "document_country": "UA",
        "document_valid_until": (TODAY + dt.timedelta(days=2000)).isoformat(),
        "unit": for_unit.code,
        "identity_checked": "on",
    }
    data.update(overrides)
    return data


def _start(desk, unit, **overrides) -> Application:
    response = desk.post("/backoffice/counter/", _start_form(unit, **overrides))
    assert response.status_code == 302, response.content.decode()[:2000]
    application = Application.objects.get(pk=int(response["Location"].split("/")[2]))
    assert response["Location"] == f"/applications/{application.pk}/step/personal/"
    return application


def _fill_and_submit(desk, application: Application) -> None:
    """The officer goes through the applicant's own steps, uploads the scans and submits with the person."""
    steps = {
        "personal": {
            "first_name": "Olena",
            "last_name": "Shevchenko",
            "date_of_birth": "1995-04-12",
            "nationality": "UA",
            "passport_number": PASSPORT,
            "passport_valid_until": (TODAY + dt.timedelta(days=2000)).isoformat(),
        },
        "purpose": {"school_name": "University of Latvia"},
        "stay": {
            "address_in_latvia": "Raiņa bulvāris 19, Rīga",
            "stay_from": (TODAY + dt.timedelta(days=30)).isoformat(),
            "stay_to": (TODAY + dt.timedelta(days=400)).isoformat(),
        },
        "unit": {"unit": application.unit.code},
    }
    for step, data in steps.items():
        response = desk.post(f"/applications/{application.pk}/step/{step}/", data)
        assert response.status_code == 302, (step, response.content.decode()[:3000])
    application.refresh_from_db()
    requirements = applicable_requirements(
        application, list_requirements(kind=application.kind, purpose=application.purpose)
    )
    for requirement in (r for r in requirements if r.required):
        document_type = requirement.document_type
        is_pdf = "application/pdf" in document_type.accepted_content_types
        upload = SimpleUploadedFile(
            f"scan-{document_type.code}.{'pdf' if is_pdf else 'jpg'}", pdf_bytes() if is_pdf else jpeg_bytes()
        )
        data = {"document_type": document_type.code, "file": upload}
        if document_type.max_age_days:
            data["issued_on"] = (TODAY - dt.timedelta(days=3)).isoformat()
        response = desk.post(f"/applications/{application.pk}/documents/", data)
        assert response.status_code == 302
    response = desk.post(f"/applications/{application.pk}/submit/", {"declaration": "on"})
    assert response.status_code == 302 and response["Location"] == f"/applications/{application.pk}/"
    application.refresh_from_db()
    assert application.state == Application.State.AWAITING_PAYMENT


def _pay_and_issue_copy(desk, application: Application) -> CounterSubmission:
    response = desk.post(
        f"/backoffice/counter/{application.pk}/payment/",
        {"method": "counter_card", "receipt_number": "TERM-000481"},
    )
    assert response.status_code == 302
    response = desk.post(f"/backoffice/counter/{application.pk}/copy/")
    assert response.status_code == 302
    submission = CounterSubmission.objects.get(application=application)
    counter.render_counter_copy(submission_id=submission.pk)  # the pdf worker's job
    return submission


def _pdf_text(response) -> str:
    content = b"".join(response.streaming_content)
    assert content.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_counter_application_from_identity_check_to_claim(desk, officer, unit, client, translated):
    assert desk.get("/backoffice/counter/").status_code == 200
    application = _start(desk, unit)

    # The identity document was checked and recorded; the application waits in an inactive placeholder account.
    submission = CounterSubmission.objects.get(application=application)
    assert (submission.document_number, submission.document_country) == (PASSPORT, "UA")
    assert submission.checked_by == officer and submission.checked_at is not None
    placeholder = application.applicant
    assert not placeholder.is_active and not placeholder.has_usable_password()
    assert placeholder.preferred_language == "ru"
    assert application.counter_unit == unit and application.representative is None

    _fill_and_submit(desk, application)
    submission = _pay_and_issue_copy(desk, application)
    application.refresh_from_db()
    assert application.state == Application.State.SUBMITTED and application.paid_at is not None

    # The fee is a payment of its own, paid at the counter, with its receipt.
    payment = Payment.objects.get(application=application)
    assert (payment.method, payment.status) == (Payment.Method.COUNTER_CARD, Payment.Status.PAID)
    assert payment.counter_receipt_number == "TERM-000481" and payment.recorded_by == officer
    render_payment_receipt(payment_id=payment.pk)
    receipt = desk.get(f"/backoffice/counter/{application.pk}/payments/{payment.pk}/receipt.pdf")
    assert "TERM-000481" in _pdf_text(receipt)

    # The copy: in Latvian and the person's language (Russian), with the one-time code.
    page = desk.get(f"/backoffice/counter/{application.pk}/").content.decode()
    assert f"/backoffice/counter/{application.pk}/copy.pdf" in page
    text = _pdf_text(desk.get(f"/backoffice/counter/{application.pk}/copy.pdf"))
    code = counter.display_code(counter.claim_code_for(submission))
    assert code in text and PASSPORT in text
    assert "Личные данные" in text  # the person's language
    assert submission.claim_digest and code.replace("-", "") not in submission.claim_digest

    # Nothing was mailed to the placeholder's undeliverable address.
    assert not Notification.objects.filter(recipient=placeholder).exists()

    # An officer opened the case file before the claim: the person sees that in their log once it is theirs.
    StaffAccessLog.objects.create(
        staff=officer, role=officer.role, unit=unit, applicant=placeholder, reason="Opened the case file"
    )

    person = UserFactory(applicant=True, preferred_language="en", first_name="Olena", last_name="Shevchenko")
    client.force_login(person)
    assert client.get("/applications/claim/").status_code == 200
    response = client.post(
        "/applications/claim/", {"code": code.lower().replace("-", " "), "document_number": "ab 1234567"}
    )
    assert response.status_code == 302 and response["Location"] == f"/applications/{application.pk}/"

    application.refresh_from_db()
    submission.refresh_from_db()
    assert application.applicant == person
    assert submission.claimed_by == person and submission.claimed_at is not None
    assert StaffAccessLog.objects.get(staff=officer).applicant == person
    assert ApplicationEvent.objects.filter(
        application=application, kind=ApplicationEvent.Kind.CLAIMED, actor=person
    ).exists()
    dashboard = client.get("/applications/").content.decode()
    assert application.reference in dashboard

    notification = Notification.objects.get(recipient=person, event="counter_application_claimed")
    send_notification(notification_id=notification.pk)
    message = mail.outbox[-1]
    assert message.to == [person.email]
    assert message.subject == f"Application {application.reference} is now in your account"
    assert message.body.startswith("Dear Olena Shevchenko,")
    assert "submitted at the Office's counter, is now in your online account" in message.body
    assert "Kind regards," in message.body and "+371" in message.body.split("Kind regards,")[1]
    assert message.extra_headers["Content-Language"] == "en"


@pytest.fixture
def paid_counter_application(desk, unit):
    application = _start(desk, unit)
    _fill_and_submit(desk, application)
    submission = _pay_and_issue_copy(desk, application)
    return application, counter.claim_code_for(submission)


def test_a_claim_code_works_once_and_for_one_account(client, paid_counter_application):
    application, code = paid_counter_application
    first = UserFactory(applicant=True)
    client.force_login(first)
    assert client.post("/applications/claim/", {"code": code, "document_number": PASSPORT}).status_code == 302

    again = client.post("/applications/claim/", {"code": code, "document_number": PASSPORT})
    assert again.status_code == 409
    assert "already been used" in again.content.decode()

    second = UserFactory(applicant=True)
    client.force_login(second)
    response = client.post("/applications/claim/", {"code": code, "document_number": PASSPORT})
    assert response.status_code == 409
    application.refresh_from_db()
    assert application.applicant == first
    assert client.get(f"/applications/{application.pk}/").status_code == 404


def test_a_wrong_code_or_document_number_changes_nothing(client, paid_counter_application):
    application, code = paid_counter_application
    placeholder = application.applicant
    person = UserFactory(applicant=True)
    client.force_login(person)

    for data in (
        {"code": "ABCD-EFGH-JKMN", "document_number": PASSPORT},
        {"code": code, "document_number": "XX9999999"},
        {"code": "", "document_number": PASSPORT},
    ):
        response = client.post("/applications/claim/", data)
        assert response.status_code == 400
        assert "There is a problem" in response.content.decode()
    application.refresh_from_db()
    assert application.applicant == placeholder
    assert not CounterSubmission.objects.filter(claimed_at__isnull=False).exists()


def test_claim_codes_are_rate_limited(client, settings, paid_counter_application):
    application, code = paid_counter_application
    settings.RATELIMIT_ENABLE = True
    settings.RATELIMIT_CLAIM_CODE = "3/h"
    client.force_login(UserFactory(applicant=True))
    for _attempt in range(3):
        assert (
            client.post(
                "/applications/claim/", {"code": "ABCD-EFGH-JKMN", "document_number": "X"}
            ).status_code
            == 400
        )
    # Even the right code is refused once the budget is spent.
    blocked = client.post("/applications/claim/", {"code": code, "document_number": PASSPORT})
    assert blocked.status_code == 429
    application.refresh_from_db()
    assert not application.applicant.is_active


def test_an_officer_cannot_start_a_counter_application_for_another_unit(desk, unit):
    other_unit = TerritorialUnitFactory()
    before = (Application.objects.count(), CounterSubmission.objects.count())
    response = desk.post("/backoffice/counter/", _start_form(unit, unit=other_unit.code))
    assert response.status_code == 403
    assert (Application.objects.count(), CounterSubmission.objects.count()) == before


def test_an_officer_of_another_unit_cannot_reach_the_counter_application(desk, unit, staff_client_for):
    application = _start(desk, unit)
    foreign = staff_client_for(UserFactory(case_officer=True))
    assert foreign.get(f"/backoffice/counter/{application.pk}/").status_code == 404
    assert foreign.get(f"/applications/{application.pk}/step/personal/").status_code == 404
    response = foreign.post(f"/applications/{application.pk}/step/purpose/", {"school_name": "Nope"})
    assert response.status_code == 404
    response = foreign.post(
        f"/backoffice/counter/{application.pk}/payment/", {"method": "counter_cash", "receipt_number": "C-1"}
    )
    assert response.status_code == 404
    application.refresh_from_db()
    assert application.school_name == "" and not application.payments.exists()


def test_an_expired_identity_document_is_refused(desk, unit):
    before = Application.objects.count()
    response = desk.post(
        "/backoffice/counter/",
        _start_form(unit, document_valid_until=(TODAY - dt.timedelta(days=1)).isoformat()),
    )
    assert response.status_code == 400
    assert "has expired" in response.content.decode()
    assert Application.objects.count() == before


def test_the_applicant_cannot_pay_at_the_counter_online(client, applicant):
    application = ApplicationFactory(applicant=applicant, awaiting_payment=True)
    client.force_login(applicant)
    response = client.post(f"/applications/{application.pk}/pay/", {"method": "counter_cash"})
    assert response.status_code == 400
    assert not application.payments.exists()


def test_the_counter_access_ends_once_the_fee_is_paid(desk, paid_counter_application):
    application, _code = paid_counter_application
    assert desk.get(f"/applications/{application.pk}/").status_code == 404
    assert desk.get(f"/backoffice/counter/{application.pk}/").status_code == 200


def test_the_placeholder_cannot_sign_in(client, desk, unit):
    application = _start(desk, unit)
    placeholder = application.applicant
    placeholder.set_password(
        PASSWORD
    )  # even with a password somebody set by hand, an inactive account stays out
    placeholder.save()
    response = client.post("/login/", {"email": placeholder.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 400)


def test_claim_through_the_api(bearer_client, paid_counter_application):
    application, code = paid_counter_application
    person = UserFactory(applicant=True)
    api = bearer_client(person)

    wrong = api.post(
        "/api/v1/applications/claim", {"code": code, "document_number": "ZZ0000000"}, format="json"
    )
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "invalid_claim_code"

    claimed = api.post(
        "/api/v1/applications/claim", {"code": code, "document_number": PASSPORT}, format="json"
    )
    assert claimed.status_code == 200
    assert claimed.json()["id"] == application.pk and claimed.json()["state"] == "submitted"

    second = bearer_client(UserFactory(applicant=True))
    again = second.post(
        "/api/v1/applications/claim", {"code": code, "document_number": PASSPORT}, format="json"
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "claim_code_used"
    application.refresh_from_db()
    assert application.applicant == person


def test_the_counter_reads_run_a_fixed_number_of_queries(desk, officer, unit, django_assert_num_queries):
    from applications.selectors_counter import get_counter_submission, list_counter_submissions

    first = _start(desk, unit)
    _start(desk, unit, first_name="Taras")
    with django_assert_num_queries(1):
        rows = list_counter_submissions(officer=officer)
        assert [row.application.kind.code for row in rows] == ["first_trp", "first_trp"]
    with django_assert_num_queries(3):  # the submission with its application, its payments, its events
        submission = get_counter_submission(officer=officer, application_id=first.pk)
        assert list(submission.application.payments.all()) == []
        assert len(submission.application.events.all()) >= 2
