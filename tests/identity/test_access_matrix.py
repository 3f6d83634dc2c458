"""Who may reach what, over the real URL conf: every route × every role, with real sessions and real tokens.

Each route has a row: one probe or more (a method, a URL built from real rows, the answer each role must get).
A route without a row fails ``test_every_route_has_a_row``: decide who may use a new URL before it ships.

The roles: the applicant who owns the applications, another applicant, a case officer of the applications' unit
who signed in with the password only and has no authenticator app yet (the sign-in page's real session), a case
officer of the unit, a case officer of another unit, a senior officer of the unit, an administrator (all three
signed in with the TOTP code), and nobody. Pages are asked with the session; the API with a bearer token from
the same issuing code as the token API (staff tokens carry the checked code), except for the staff member
without a second factor, who cannot get one and tries the session instead.

Besides the status, no response to nobody, the other applicant, the officer of another unit or the staff
session without a second factor may contain the owner's name, references or document names, and the staff
session without a second factor leaves no trace in the staff access log (it opened nothing).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from applications.models import CounterSubmission, RenewalInvitation
from identity.models import DataExport, StaffAccessLog, TerritorialUnit, User
from identity.services.api_tokens import issue_access_token
from payments.services import start_payment
from payments.services.receipts import INSTRUCTIONS, RECEIPT
from tests.factories import (
    PASSWORD,
    ApplicationDocumentFactory,
    ApplicationFactory,
    TerritorialUnitFactory,
    UserFactory,
)
from tests.otp import add_totp, verify_session
from workers.models import GeneratedDocument

pytestmark = pytest.mark.django_db


ANONYMOUS = "anonymous"
OWNER = "applicant"
OTHER = "other_applicant"
NO_OTP = "staff_without_second_factor"
OFFICER = "officer_of_the_unit"
FOREIGN = "officer_of_another_unit"
SENIOR = "senior_officer"
ADMIN = "administrator"
# The owner goes last: their successful writes change the state the others are asked about.
ROLES = (ANONYMOUS, OTHER, NO_OTP, FOREIGN, OFFICER, SENIOR, ADMIN, OWNER)
MUST_NOT_SEE = (ANONYMOUS, OTHER, NO_OTP, FOREIGN)

# Expected answers: a status code, or a redirect written "302:<start of Location>".
LOGIN = "302:/login/?next="
SETUP = "302:/account/two-step/"
ADMIN_LOGIN = "302:/admin/login/"
HOME = "302:/"


def cells(default: int | str, **by_role: int | str) -> dict[str, int | str]:
    """Every role gets ``default`` unless named: anonymous=, owner=, other=, no_otp=, officer=, foreign=,
    senior=, admin=."""
    names = {
        "anonymous": ANONYMOUS,
        "owner": OWNER,
        "other": OTHER,
        "no_otp": NO_OTP,
        "officer": OFFICER,
        "foreign": FOREIGN,
        "senior": SENIOR,
        "admin": ADMIN,
    }
    table = dict.fromkeys(ROLES, default)
    for name, expected in by_role.items():
        table[names[name]] = expected
    return table


def public_page(**by_role: int | str) -> dict[str, int | str]:
    """Anyone may read it; a staff session without a second factor is sent to set one up first."""
    return cells(200, **{"no_otp": SETUP, **by_role})


def owners_page(owner: int | str = 200, **by_role: int | str) -> dict[str, int | str]:
    """An applicant's own page: anyone else gets 404 (no hint it exists)."""
    return cells(404, **{"anonymous": LOGIN, "no_otp": SETUP, "owner": owner, **by_role})


def signed_in_page(**by_role: int | str) -> dict[str, int | str]:
    """A page about the caller themselves."""
    return cells(200, **{"anonymous": LOGIN, "no_otp": SETUP, **by_role})


def owners_api(owner: int, **by_role: int | str) -> dict[str, int | str]:
    return cells(404, **{"anonymous": 401, "no_otp": 401, "owner": owner, **by_role})


@dataclass
class World:
    unit: TerritorialUnit
    users: dict[str, User]
    draft: Any  # editable: upload, delete, submit
    draft_document: Any
    case: Any  # submitted in the unit: officers of the unit may open its documents
    document: Any
    awaiting: Any  # awaiting payment, with a bank transfer started
    payment: Any
    counter: Any  # made at the unit's counter, awaiting the fee: the unit's officers act on it there
    family: Any  # the owner applied for an adult family member (the owner is their representative)
    waiting: Any = None  # awaiting registration at the unit, no visit booked
    visiting: Any = None  # awaiting registration, a visit booked
    appointment: Any = None
    slots: list = field(default_factory=list)  # free times at the unit
    clients: dict[str, Client] = field(default_factory=dict)
    decision: Any = None  # an issued refusal in the unit, contested by an open complaint (with a document)
    complaint: Any = None
    complaint_document: Any = None
    export: Any = None  # the owner's ready "my data" archive
    renewal: Any = None  # the owner's invitation to apply for a repeated permit


@dataclass(frozen=True)
class Probe:
    method: str
    url: Callable[[World], str]
    expect: dict[str, int | str]
    data: dict | Callable[[World], dict] | None = None  # a callable for data built from the world's rows
    api: bool = False
    multipart: bool = False


def get(url: Callable[[World], str], expect: dict, **kwargs: Any) -> Probe:
    return Probe("get", url, expect, **kwargs)


def post(url: Callable[[World], str], expect: dict, data: dict | None = None, **kwargs: Any) -> Probe:
    return Probe("post", url, expect, data=data or {}, **kwargs)


def api(
    method: str,
    url: Callable[[World], str],
    expect: dict,
    data: dict | Callable[[World], dict] | None = None,
    multipart: bool = False,
) -> Probe:
    return Probe(method, url, expect, data=data, api=True, multipart=multipart)


def doc_url(w: World) -> str:
    return f"/applications/{w.case.pk}/documents/{w.document.pk}/download/"


def _once(w: World, name: str, make: Callable[[World], Any]) -> Any:
    """A row some probes need beyond the shared world, made on first use and kept on the world."""
    if name not in w.__dict__:
        setattr(w, name, make(w))
    return getattr(w, name)


def _message_attachment(w: World) -> Any:
    from applications.models import CaseMessage, CaseMessageAttachment

    message = CaseMessage.objects.create(
        application=w.case, direction="applicant", author=w.users[OWNER], body="About my case."
    )
    return CaseMessageAttachment.objects.create(
        message=message,
        file=ContentFile(b"%PDF-1.4\n%%EOF\n", name="note.pdf"),
        original_filename="note-Kalnmarker.pdf",
        content_type="application/pdf",
        size=15,
        sha256="0" * 64,
    )


def attachment_url(w: World) -> str:
    attachment = _once(w, "message_attachment", _message_attachment)
    return f"/applications/{w.case.pk}/messages/attachments/{attachment.pk}/"


def survey_url(w: World) -> str:
    from applications.models import SurveyInvitation

    invitation = _once(
        w,
        "survey_invitation",
        lambda w: SurveyInvitation.objects.create(
            user=w.users[OWNER], application=w.case, unit=w.unit, occasion="decision"
        ),
    )
    return f"/surveys/{invitation.token}/"


PUBLIC_API = cells(200)
INVALID_FORM = {"first_name": "", "old_password": ""}  # a bound form with errors (an empty POST is unbound)
ADMIN_PAGE = cells(ADMIN_LOGIN, no_otp=SETUP, admin=200)
STAFF_403 = {"officer": 403, "foreign": 403, "senior": 403, "admin": 403}
APPLICANTS_PAGE = cells(403, anonymous=LOGIN, no_otp=SETUP, owner=200, other=200)
# The back office: applicants and administrators are not officers (403); another unit's officer gets 404.
BACKOFFICE_PAGE = cells(403, anonymous=LOGIN, no_otp=SETUP, officer=200, foreign=200, senior=200)
# The unit's statistics: its senior officers only (case officers and administrators 403).
SENIORS_PAGE = cells(403, anonymous=LOGIN, no_otp=SETUP, senior=200)
CASE_PAGE = cells(403, anonymous=LOGIN, no_otp=SETUP, officer=200, foreign=404, senior=200)
CASE_PAGE_ACTION = cells(
    403,
    anonymous=LOGIN,
    no_otp=SETUP,
    officer="302:/backoffice/cases/",
    foreign=404,
    senior="302:/backoffice/cases/",
)
OFFICER_API = cells(403, anonymous=401, no_otp=401, officer=200, foreign=200, senior=200)
CASE_API = cells(403, anonymous=401, no_otp=401, officer=200, foreign=404, senior=200)
APPLICANT_ONLY_404 = cells(403, anonymous=401, no_otp=401, owner=404, other=404)
APPLICANT_ONLY_400 = cells(403, anonymous=401, no_otp=401, owner=400, other=400)
# The counter's pages of an application made at the unit: its officers; another unit's officer gets 404.
COUNTER_BACK = {OFFICER: "302:/backoffice/counter/", SENIOR: "302:/backoffice/counter/"}
COUNTER_404 = cells(403, anonymous=LOGIN, no_otp=SETUP, officer=404, foreign=404, senior=404)

MATRIX: dict[str, list[Probe]] = {
    # --- site -------------------------------------------------------------------------------------------
    "home": [get(lambda w: "/", public_page())],
    "healthz": [get(lambda w: "/healthz", public_page())],
    "readyz": [get(lambda w: "/readyz", public_page())],
    "set_language": [post(lambda w: "/i18n/setlang/", cells(HOME), {"language": "en", "next": "/"})],
    "api-schema": [get(lambda w: "/api/schema/", PUBLIC_API)],
    "api-docs": [get(lambda w: "/api/docs/", PUBLIC_API)],
    "jwks": [get(lambda w: "/.well-known/jwks.json", PUBLIC_API)],
    # Any other /api/ path: a JSON 404 for everyone.
    "api-not-found": [api("get", lambda w: "/api/v1/no-such-endpoint", cells(404))],
    # --- identity API -----------------------------------------------------------------------------------
    "api-auth-register": [api("post", lambda w: "/api/v1/auth/register", cells(400), {})],
    "api-auth-verify-email": [api("post", lambda w: "/api/v1/auth/verify-email", cells(400), {})],
    "api-auth-token": [api("post", lambda w: "/api/v1/auth/token", cells(400), {})],
    "api-auth-token-refresh": [api("post", lambda w: "/api/v1/auth/token/refresh", cells(400), {})],
    "api-me-access-log": [
        api("get", lambda w: "/api/v1/me/access-log", cells(200, anonymous=401, no_otp=401))
    ],
    # My data: applicants only (staff 403); an export is its owner's alone (404 to anyone else).
    "api-me-export": [
        api(
            "post", lambda w: "/api/v1/me/export", cells(403, anonymous=401, no_otp=401, owner=202, other=202)
        )
    ],
    "api-me-export-detail": [api("get", lambda w: f"/api/v1/me/export/{w.export.uuid}", owners_api(200))],
    # No password: 400 for applicants, before anything is closed.
    "api-me-close": [
        api(
            "post",
            lambda w: "/api/v1/me/close",
            cells(403, anonymous=401, no_otp=401, owner=400, other=400),
            {},
        )
    ],
    # --- catalogue API (public) ---------------------------------------------------------------------------
    "catalogue-kinds": [api("get", lambda w: "/api/v1/catalogue/kinds", PUBLIC_API)],
    "catalogue-kind": [api("get", lambda w: "/api/v1/catalogue/kinds/first_trp", PUBLIC_API)],
    "catalogue-fee": [
        api("get", lambda w: "/api/v1/catalogue/fees?kind=first_trp&speed=standard", PUBLIC_API)
    ],
    "catalogue-requirements": [
        api("get", lambda w: "/api/v1/catalogue/requirements?kind=first_trp&purpose=studies", PUBLIC_API)
    ],
    "catalogue-legal-grounds": [api("get", lambda w: "/api/v1/catalogue/legal-grounds", PUBLIC_API)],
    # --- applications API -------------------------------------------------------------------------------
    "applications": [
        api("get", lambda w: "/api/v1/applications", cells(200, anonymous=401, no_otp=401)),
        # Only applicants start applications; staff are refused by the service.
        api(
            "post",
            lambda w: "/api/v1/applications",
            cells(400, anonymous=401, no_otp=401, owner=201, other=201),
            {"kind": "first_trp", "purpose": "studies"},
        ),
    ],
    # Applicants only (staff 403); an empty body is 400.
    "applications-for-person": [
        api("post", lambda w: "/api/v1/applications/for-person", APPLICANT_ONLY_400, {})
    ],
    "applications-claim": [api("post", lambda w: "/api/v1/applications/claim", APPLICANT_ONLY_400, {})],
    "application": [
        api("get", lambda w: f"/api/v1/applications/{w.case.pk}", owners_api(200)),
        api("patch", lambda w: f"/api/v1/applications/{w.draft.pk}", owners_api(200), {"school_name": "LU"}),
    ],
    "application-documents": [
        api(
            "post",
            lambda w: f"/api/v1/applications/{w.draft.pk}/documents",
            owners_api(400),
            {"document_type": "passport"},
            multipart=True,
        )
    ],
    "application-document": [
        api(
            "delete",
            lambda w: f"/api/v1/applications/{w.draft.pk}/documents/{w.draft_document.pk}",
            owners_api(204),
        )
    ],
    "application-submit": [
        api(
            "post",
            lambda w: f"/api/v1/applications/{w.draft.pk}/submit",
            owners_api(409),
            {"declaration": True},
        )
    ],
    "application-withdraw": [
        api("post", lambda w: f"/api/v1/applications/{w.case.pk}/withdraw", owners_api(200), {})
    ],
    "application-timeline": [
        api("get", lambda w: f"/api/v1/applications/{w.case.pk}/timeline", owners_api(200))
    ],
    # Messages on the caller's own case; the owner's empty message is refused (400) and changes nothing.
    "application-messages": [
        api("get", lambda w: f"/api/v1/applications/{w.case.pk}/messages", owners_api(200)),
        api("post", lambda w: f"/api/v1/applications/{w.case.pk}/messages", owners_api(400), {"body": " "}),
    ],
    "application-payments": [
        api("get", lambda w: f"/api/v1/applications/{w.awaiting.pk}/payments", owners_api(200)),
        api("post", lambda w: f"/api/v1/applications/{w.awaiting.pk}/payments", owners_api(400), {}),
    ],
    "payment-webhook": [api("post", lambda w: "/api/v1/payments/webhooks/test_gateway", cells(400), {})],
    # --- identity pages ---------------------------------------------------------------------------------
    "identity:register": [get(lambda w: "/register/", cells(HOME, anonymous=200, no_otp=SETUP))],
    "identity:verify_email": [get(lambda w: "/verify-email/?token=forged", cells(400, no_otp=SETUP))],
    "identity:resend_verification": [get(lambda w: "/verify-email/resend/", public_page())],
    "identity:login": [get(lambda w: "/login/", cells(200))],
    "identity:login_otp": [get(lambda w: "/login/code/", cells("302:/login/"))],
    "identity:logout": [post(lambda w: "/logout/", cells(302))],
    "identity:password_reset": [get(lambda w: "/password/reset/", public_page())],
    "identity:password_reset_done": [get(lambda w: "/password/reset/sent/", public_page())],
    "identity:password_reset_confirm": [get(lambda w: "/password/reset/MQ/forged-token/", public_page())],
    "identity:password_reset_complete": [get(lambda w: "/password/reset/done/", public_page())],
    "identity:password_change": [
        get(lambda w: "/password/change/", signed_in_page()),
        post(lambda w: "/password/change/", cells(400, anonymous=LOGIN, no_otp=SETUP), INVALID_FORM),
    ],
    # Enrolling the second factor is the one thing a staff session without it may do.
    "identity:totp_setup": [
        get(lambda w: "/account/two-step/", signed_in_page(no_otp=200)),
        post(lambda w: "/account/two-step/?replace=1", cells(400, anonymous=LOGIN), {"otp": "12"}),
    ],
    "identity:totp_disable": [
        post(
            lambda w: "/account/two-step/disable/",
            cells(403, anonymous=LOGIN, no_otp=SETUP, owner=400, other=400),
        )
    ],
    "identity:profile": [
        get(lambda w: "/account/profile/", cells(403, anonymous=LOGIN, no_otp=SETUP, owner=200, other=200)),
        post(
            lambda w: "/account/profile/",
            cells(403, anonymous=LOGIN, no_otp=SETUP, owner=400, other=400),
            INVALID_FORM,
        ),
    ],
    "identity:my-data": [
        get(lambda w: "/account/my-data/", APPLICANTS_PAGE),
        post(
            lambda w: "/account/my-data/",
            cells(
                403,
                anonymous=LOGIN,
                no_otp=SETUP,
                owner="302:/account/my-data/",
                other="302:/account/my-data/",
            ),
        ),
    ],
    # The archive: its owner only; anyone else gets the "no such copy" page (404).
    "identity:my-data-download": [get(lambda w: f"/account/my-data/{w.export.uuid}/", owners_page())],
    "identity:close-account": [
        get(lambda w: "/account/close/", APPLICANTS_PAGE),
        # A wrong password: the page again with the error (400); nothing closed.
        post(
            lambda w: "/account/close/",
            cells(403, anonymous=LOGIN, no_otp=SETUP, owner=400, other=400),
            {"password": "not the password"},
        ),
    ],
    "identity:account-closed": [get(lambda w: "/account/closed/", public_page())],
    "identity:access_log": [
        get(lambda w: "/account/access-log/", cells(403, anonymous=LOGIN, no_otp=SETUP, owner=200, other=200))
    ],
    # --- public information pages -------------------------------------------------------------------------
    "applications:guide": [get(lambda w: "/guide/", public_page())],
    "applications:guide-answer": [get(lambda w: "/guide/first_trp/studies/", public_page())],
    "applications:guide-checklist": [get(lambda w: "/guide/first_trp/studies/checklist/", public_page())],
    "applications:units": [get(lambda w: "/units/", public_page())],
    "applications:unit-detail": [get(lambda w: f"/units/{_public_unit_code()}/", public_page())],
    "applications:contact": [get(lambda w: "/contact/", public_page())],
    "applications:complaints": [get(lambda w: "/complaints/", public_page())],
    "applications:privacy": [get(lambda w: "/privacy/", public_page())],
    "applications:accessibility": [get(lambda w: "/accessibility/", public_page())],
    # --- the applicant's pages --------------------------------------------------------------------------
    # Applicants' pages: staff have no applications (403, a page that says so).
    "applications:dashboard": [get(lambda w: "/applications/", APPLICANTS_PAGE)],
    "applications:new": [
        get(lambda w: "/applications/new/?kind=first_trp&purpose=studies", APPLICANTS_PAGE),
        # Applicants land on their new draft; staff are refused by the service and sent to the dashboard.
        post(
            lambda w: "/applications/new/",
            cells(403, anonymous=LOGIN, no_otp=SETUP, owner="302:/applications/", other="302:/applications/"),
            {"kind": "first_trp", "purpose": "studies"},
        ),
    ],
    "applications:detail": [get(lambda w: f"/applications/{w.case.pk}/", owners_page())],
    "applications:step": [
        get(lambda w: f"/applications/{w.draft.pk}/step/personal/", owners_page()),
        post(
            lambda w: f"/applications/{w.draft.pk}/step/personal/",
            owners_page(),  # the step again, with its error summary
            INVALID_FORM,
        ),
    ],
    "applications:document-upload": [
        post(
            lambda w: f"/applications/{w.draft.pk}/documents/",
            owners_page(owner="302:/applications/"),
        )
    ],
    "applications:document-delete": [
        post(
            lambda w: f"/applications/{w.draft.pk}/documents/{w.draft_document.pk}/delete/",
            owners_page(owner="302:/applications/"),
        )
    ],
    # The case's documents: its owner, and the officers of the case's unit who passed the second factor.
    "applications:document-download": [get(doc_url, owners_page(officer=200, senior=200))],
    "applications:submit": [
        post(
            lambda w: f"/applications/{w.draft.pk}/submit/",
            owners_page(owner="302:/applications/"),
            {"declaration": "on"},
        )
    ],
    "applications:delete": [
        get(lambda w: f"/applications/{w.draft.pk}/delete/", owners_page(**STAFF_403)),
        post(
            lambda w: f"/applications/{w.draft.pk}/delete/",
            owners_page(owner="302:/applications/", **STAFF_403),
        ),
    ],
    # Not rendered in tests (no worker): its owner gets the "being prepared" page.
    "applications:summary-pdf": [
        get(lambda w: f"/applications/{w.case.pk}/summary.pdf", owners_page(owner=404))
    ],
    # The invitation to apply for a repeated permit: its holder only (another applicant 404, staff 403).
    "applications:renew": [
        get(lambda w: f"/applications/renew/{w.renewal.token}/", owners_page(**STAFF_403)),
        post(
            lambda w: f"/applications/renew/{w.renewal.token}/",
            owners_page(owner="302:/applications/", **STAFF_403),
        ),
    ],
    "applications:withdraw": [
        get(lambda w: f"/applications/{w.case.pk}/withdraw/", owners_page()),
        post(lambda w: f"/applications/{w.case.pk}/withdraw/", owners_page(owner="302:/applications/")),
    ],
    "applications:message-send": [
        post(
            lambda w: f"/applications/{w.case.pk}/messages/",
            owners_page(owner="302:/applications/"),
            {"body": "When will my case be decided?"},
        )
    ],
    # A message's attachment: like a document, its owner and the officers of the case's unit (logged).
    "applications:message-attachment": [get(attachment_url, owners_page(officer=200, senior=200))],
    # The survey of the invited account only; staff have no surveys (403, the applicants' pages).
    "applications:survey": [
        get(survey_url, cells(403, anonymous=LOGIN, no_otp=SETUP, owner=200, other=404)),
        post(survey_url, cells(403, anonymous=LOGIN, no_otp=SETUP, owner=400, other=404), {"rating": "9"}),
    ],
    # Registration of a granted permit: the applicant's own (the world's case is not granted: 409 / the page
    # says it cannot be registered; an empty form is 400).
    "applications:registration-choose": [get(lambda w: "/registration/", APPLICANTS_PAGE)],
    "applications:registration": [
        get(lambda w: f"/applications/{w.case.pk}/registration/", owners_page(**STAFF_403)),
        post(lambda w: f"/applications/{w.case.pk}/registration/", owners_page(owner=400, **STAFF_403)),
    ],
    "application-registration": [
        api(
            "get",
            lambda w: f"/api/v1/applications/{w.case.pk}/registration",
            APPLICANT_ONLY_404 | {OWNER: 200},
        ),
        api(
            "post",
            lambda w: f"/api/v1/applications/{w.case.pk}/registration",
            APPLICANT_ONLY_404 | {OWNER: 409},
            {"card_speed": "standard"},
        ),
    ],
    # --- payments pages ---------------------------------------------------------------------------------
    "payments:pay": [
        get(lambda w: f"/applications/{w.awaiting.pk}/pay/", owners_page()),
        post(lambda w: f"/applications/{w.awaiting.pk}/pay/", owners_page(owner=400)),
    ],
    "payments:return": [get(lambda w: f"/payments/{w.payment.pk}/", owners_page())],
    # A JSON endpoint polled by the payment page: no sign-in redirect, just "not found" for anyone but its owner.
    "payments:status-json": [
        get(lambda w: f"/payments/{w.payment.pk}/status.json", cells(404, no_otp=SETUP, owner=200))
    ],
    "payments:bank-transfer": [get(lambda w: f"/payments/{w.payment.pk}/bank-transfer/", owners_page())],
    "payments:bank-transfer-pdf": [
        get(lambda w: f"/payments/{w.payment.pk}/bank-transfer.pdf", owners_page())
    ],
    "payments:receipt-pdf": [get(lambda w: f"/payments/{w.payment.pk}/receipt.pdf", owners_page())],
    # The test gateway's hosted page is reached by its signed session, not by who is signed in.
    "payments:test-gateway": [get(lambda w: "/payments/test-gateway/forged/", cells(404, no_otp=SETUP))],
    # --- decisions: public verification, the applicant's letter and answers -----------------------------
    "decisions:verify-start": [get(lambda w: "/verify/", public_page())],
    "decisions:verify": [get(lambda w: "/verify/0000-0000-0000-0000/", cells(404, no_otp=SETUP))],
    "decisions:letter": [
        get(lambda w: f"/applications/{w.case.pk}/decision/letter/", owners_page(owner=404))
    ],
    "decisions:answer-request": [
        post(lambda w: f"/applications/{w.case.pk}/requests/999999/answer/", owners_page(owner=404))
    ],
    "application-decision": [
        api("get", lambda w: f"/api/v1/applications/{w.case.pk}/decision", APPLICANT_ONLY_404)
    ],
    "application-information-request-answer": [
        api(
            "post",
            lambda w: f"/api/v1/applications/{w.case.pk}/information-requests/999999/answer",
            APPLICANT_ONLY_404,
            {},
        )
    ],
    # --- the back office: officers of the case's unit who passed the second factor ------------------------
    "decisions:backoffice-queue": [get(lambda w: "/backoffice/", BACKOFFICE_PAGE)],
    "decisions:backoffice-statistics": [get(lambda w: "/backoffice/statistics/", SENIORS_PAGE)],
    "decisions:backoffice-statistics-chart": [
        get(lambda w: "/backoffice/statistics/decided.svg", SENIORS_PAGE),
        get(lambda w: "/backoffice/statistics/nonsense.svg", {**SENIORS_PAGE, SENIOR: 404}),
    ],
    "decisions:backoffice-case": [get(lambda w: f"/backoffice/cases/{w.case.pk}/", CASE_PAGE)],
    # The applicants' messages waiting on the officer's cases; the unit's survey results for its seniors.
    "decisions:backoffice-messages": [get(lambda w: "/backoffice/messages/", BACKOFFICE_PAGE)],
    "decisions:backoffice-surveys": [get(lambda w: "/backoffice/surveys/", SENIORS_PAGE)],
    "decisions:backoffice-surveys-chart": [get(lambda w: "/backoffice/surveys/chart.svg", SENIORS_PAGE)],
    "decisions:backoffice-action": [
        post(lambda w: f"/backoffice/cases/{w.case.pk}/take/", CASE_PAGE_ACTION),
    ],
    "decisions:backoffice-document": [
        get(lambda w: f"/backoffice/cases/{w.case.pk}/documents/{w.document.pk}/", CASE_PAGE)
    ],
    # The unit's registrations: its officers (another unit's: 404); the world's case is not being registered,
    # so a registration step on it is 409 for the unit's officers.
    "decisions:registrations": [
        get(
            lambda w: "/backoffice/registrations/",
            {**BACKOFFICE_PAGE, **dict.fromkeys((OFFICER, FOREIGN, SENIOR), "302:/backoffice/units/")},
        )
    ],
    "decisions:unit-registrations": [
        get(lambda w: f"/backoffice/units/{w.unit.pk}/registrations/", CASE_PAGE)
    ],
    "decisions:registration-action": [
        post(
            lambda w: f"/backoffice/registrations/{w.case.pk}/card-produced/",
            {**CASE_PAGE_ACTION, OFFICER: "302:/backoffice/units/", SENIOR: "302:/backoffice/units/"},
        )
    ],
    "backoffice-unit-registrations": [
        api("get", lambda w: f"/api/v1/backoffice/units/{w.unit.pk}/registrations", CASE_API)
    ],
    "backoffice-registration-biometrics": [
        api(
            "post",
            lambda w: f"/api/v1/backoffice/cases/{w.case.pk}/registration/biometrics",
            {**CASE_API, OFFICER: 409, SENIOR: 409},
            {},
        )
    ],
    "backoffice-registration-card-produced": [
        api(
            "post",
            lambda w: f"/api/v1/backoffice/cases/{w.case.pk}/registration/card-produced",
            {**CASE_API, OFFICER: 409, SENIOR: 409},
            {},
        )
    ],
    "backoffice-registration-hand-over": [
        api(
            "post",
            lambda w: f"/api/v1/backoffice/cases/{w.case.pk}/registration/hand-over",
            {**CASE_API, OFFICER: 409, SENIOR: 409},
            {},
        )
    ],
    "backoffice-cases": [api("get", lambda w: "/api/v1/backoffice/cases", OFFICER_API)],
    "backoffice-case": [api("get", lambda w: f"/api/v1/backoffice/cases/{w.case.pk}", CASE_API)],
    # The officer of the unit takes the case first (roles run in ROLES order); the senior officer then finds it
    # taken by another officer: 409.
    "backoffice-case-take": [
        api("post", lambda w: f"/api/v1/backoffice/cases/{w.case.pk}/take", {**CASE_API, SENIOR: 409}, {})
    ],
    "backoffice-case-assign": [
        # Only a senior officer assigns; the officer id 1 is nobody of this unit.
        api(
            "post",
            lambda w: f"/api/v1/backoffice/cases/{w.case.pk}/assign",
            {**CASE_API, OFFICER: 404, SENIOR: 400},
            {"officer_id": 1},
        )
    ],
    "backoffice-case-request-info": [
        # The case is submitted, not in review: the officers of its unit get 409.
        api(
            "post",
            lambda w: f"/api/v1/backoffice/cases/{w.case.pk}/request-info",
            {**CASE_API, OFFICER: 409, SENIOR: 409},
            {"message": "Send the contract.", "other_items": "contract"},
        )
    ],
    "backoffice-case-decision": [
        # Only the handling officer (or a senior officer) drafts; the senior's refusal lacks its legal ground.
        api(
            "post",
            lambda w: f"/api/v1/backoffice/cases/{w.case.pk}/decision",
            {**CASE_API, OFFICER: 403, SENIOR: 400},
            {"outcome": "refuse", "reasoning": "Reasons.", "legal_ground_ids": []},
        )
    ],
    "backoffice-case-decision-approve": [
        # Four eyes: case officers approve nothing (403 before any look-up); no draft waits here (409).
        api(
            "post",
            lambda w: f"/api/v1/backoffice/cases/{w.case.pk}/decision/approve",
            {**CASE_API, OFFICER: 403, FOREIGN: 403, SENIOR: 409},
            {},
        )
    ],
    "backoffice-case-decision-return": [
        api(
            "post",
            lambda w: f"/api/v1/backoffice/cases/{w.case.pk}/decision/return",
            {**CASE_API, OFFICER: 403, FOREIGN: 403, SENIOR: 409},
            {"comment": "Hear the applicant first."},
        )
    ],
    # --- complaints against decisions (issue 13) ---------------------------------------------------------
    "decisions:complaint": [
        get(lambda w: f"/decisions/{w.decision.pk}/complaint/", owners_page()),
        # A second complaint while the first is open: a clear 409 for the owner; nobody else learns anything.
        post(lambda w: f"/decisions/{w.decision.pk}/complaint/", owners_page(owner=409), {"text": "Again."}),
    ],
    "decisions:complaint-letter": [
        get(lambda w: f"/complaints/{w.complaint.pk}/letter/", owners_page(owner=404))  # not answered yet
    ],
    "decisions:backoffice-complaints": [get(lambda w: "/backoffice/complaints/", SENIORS_PAGE)],
    "decisions:backoffice-complaint": [
        get(lambda w: f"/backoffice/complaints/{w.complaint.pk}/", SENIORS_PAGE)
    ],
    "decisions:backoffice-complaint-document": [
        get(
            lambda w: f"/backoffice/complaints/{w.complaint.pk}/documents/{w.complaint_document.pk}/",
            SENIORS_PAGE,
        )
    ],
    "decisions:backoffice-complaint-action": [
        post(
            lambda w: f"/backoffice/complaints/{w.complaint.pk}/take/",
            cells(403, anonymous=LOGIN, no_otp=SETUP, senior="302:/backoffice/complaints/"),
        )
    ],
    "decision-complaint": [
        api(
            "get",
            lambda w: f"/api/v1/decisions/{w.decision.pk}/complaint",
            {**APPLICANT_ONLY_404, OWNER: 200},
        ),
        api(
            "post",
            lambda w: f"/api/v1/decisions/{w.decision.pk}/complaint",
            {**APPLICANT_ONLY_404, OWNER: 409},
            {"text": "Again."},
            multipart=True,
        ),
    ],
    # --- the counter (back office): an application made at the unit's counter ------------------------------
    # Any officer starts one at their own unit's counter; the bound form with errors answers 400.
    "applications:counter-start": [
        get(lambda w: "/backoffice/counter/", BACKOFFICE_PAGE),
        post(
            lambda w: "/backoffice/counter/",
            cells(403, anonymous=LOGIN, no_otp=SETUP, officer=400, foreign=400, senior=400),
            INVALID_FORM,
        ),
    ],
    "applications:counter-page": [get(lambda w: f"/backoffice/counter/{w.counter.pk}/", CASE_PAGE)],
    # Not paid yet: no copy to issue (a message on the counter page).
    "applications:counter-copy": [
        post(lambda w: f"/backoffice/counter/{w.counter.pk}/copy/", {**CASE_PAGE_ACTION, **COUNTER_BACK})
    ],
    "applications:counter-copy-pdf": [
        get(lambda w: f"/backoffice/counter/{w.counter.pk}/copy.pdf", COUNTER_404)
    ],
    # Without the slip's number nothing is recorded (a message on the counter page).
    "payments:counter-payment": [
        post(
            lambda w: f"/backoffice/counter/{w.counter.pk}/payment/",
            {**CASE_PAGE_ACTION, **COUNTER_BACK},
            {"method": "counter_cash", "receipt_number": ""},
        )
    ],
    "payments:counter-receipt-pdf": [
        get(lambda w: f"/backoffice/counter/{w.counter.pk}/payments/999999/receipt.pdf", COUNTER_404)
    ],
    # --- applying for someone else, invitations, claiming a counter application (applicants) --------------
    "applications:new-for-person": [
        get(lambda w: "/applications/new/for-someone/", APPLICANTS_PAGE),
        post(
            lambda w: "/applications/new/for-someone/",
            {**APPLICANTS_PAGE, OWNER: 400, OTHER: 400},
            INVALID_FORM,
        ),
    ],
    "applications:invite": [
        get(lambda w: f"/applications/{w.family.pk}/invite/", owners_page(**STAFF_403)),
        post(
            lambda w: f"/applications/{w.family.pk}/invite/",
            owners_page(owner=400, **STAFF_403),
            {"email": ""},
        ),
    ],
    "applications:invitations": [get(lambda w: "/applications/invitations/", APPLICANTS_PAGE)],
    "applications:invitation-accept": [
        post(
            lambda w: "/applications/invitations/999999/accept/", {**APPLICANTS_PAGE, OWNER: 404, OTHER: 404}
        )
    ],
    "applications:claim": [
        get(lambda w: "/applications/claim/", APPLICANTS_PAGE),
        post(lambda w: "/applications/claim/", {**APPLICANTS_PAGE, OWNER: 400, OTHER: 400}, {"code": ""}),
    ],
    # --- visits (units and free times are public; the visit is the owner's; the day is the unit's) ------------
    "units": [api("get", lambda w: "/api/v1/units", PUBLIC_API)],
    "unit-slots": [api("get", lambda w: f"/api/v1/units/{w.unit.pk}/slots", PUBLIC_API)],
    "application-appointment": [
        api(
            "post",
            lambda w: f"/api/v1/applications/{w.waiting.pk}/appointment",
            owners_api(201),
            lambda w: {"slot": w.slots[0].pk},
        ),
        api("get", lambda w: f"/api/v1/applications/{w.waiting.pk}/appointment", owners_api(200)),
        api(
            "patch",
            lambda w: f"/api/v1/applications/{w.waiting.pk}/appointment",
            owners_api(200),
            lambda w: {"slot": w.slots[1].pk},
        ),
        api("delete", lambda w: f"/api/v1/applications/{w.waiting.pk}/appointment", owners_api(204)),
    ],
    "backoffice-unit-visits": [
        api("get", lambda w: f"/api/v1/backoffice/units/{w.unit.pk}/visits", CASE_API)
    ],
    "applications:visit": [get(lambda w: f"/applications/{w.waiting.pk}/visit/", owners_page())],
    "applications:visit-cancel": [
        post(
            lambda w: f"/applications/{w.visiting.pk}/visit/cancel/",
            owners_page("302:/applications/"),
        )
    ],
    "applications:backoffice-visits": [get(lambda w: "/backoffice/visits/", BACKOFFICE_PAGE)],
    "applications:backoffice-visits-close": [
        post(lambda w: "/backoffice/visits/close/", cells(403, anonymous=LOGIN, no_otp=SETUP, senior=400), {})
    ],
    "applications:backoffice-visit-action": [
        post(
            lambda w: f"/backoffice/visits/{w.appointment.pk}/arrived/",
            cells(
                403,
                anonymous=LOGIN,
                no_otp=SETUP,
                officer="302:/backoffice/visits/",
                foreign=404,
                senior="302:/backoffice/visits/",
            ),
        )
    ],
    # --- development only (DEBUG off in tests: the pages do not exist) ----------------------------------
    "workers:mailbox": [get(lambda w: "/dev/mailbox/", cells(404, no_otp=SETUP))],
    "workers:mailbox-file": [get(lambda w: "/dev/mailbox/forged.eml/", cells(404, no_otp=SETUP))],
    # --- Django admin (every admin: route; OTPAdminSite, administrators with the code only) --------------
    "admin:*": [
        get(lambda w: "/admin/", ADMIN_PAGE),
        get(lambda w: "/admin/identity/user/", ADMIN_PAGE),
        get(lambda w: f"/admin/identity/user/{w.users[OWNER].pk}/change/", ADMIN_PAGE),
        get(lambda w: "/admin/identity/staffaccesslog/", ADMIN_PAGE),
        get(lambda w: "/admin/identity/auditentry/", ADMIN_PAGE),
    ],
}


def _public_unit_code() -> str:
    return TerritorialUnit.objects.filter(is_active=True, handles_residence_permits=True).values_list(
        "code", flat=True
    )[0]


def _routes(resolver: URLResolver, namespace: str | None = None, prefix: str = ""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(part for part in (namespace, pattern.namespace) if part) or None
            yield from _routes(pattern, inner, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield name, prefix + str(pattern.pattern)


def _row_of(name: str | None, route: str) -> str | None:
    if route.startswith("admin/"):
        return "admin:*"  # the admin site as a whole (a few of its routes have no name)
    return name


def test_every_route_has_a_row():
    routes = list(_routes(get_resolver()))
    rows = {route: _row_of(name, route) for name, route in routes}
    unnamed = [route for route, row in rows.items() if not row]
    assert not unnamed, f"Give these routes a name and a row in MATRIX: {unnamed}"
    missing = sorted({f"{row} ({route})" for route, row in rows.items() if row and row not in MATRIX})
    assert not missing, f"Routes without a row in the access matrix (who may use them?): {missing}"
    stale = sorted(set(MATRIX) - set(rows.values()))
    assert not stale, f"Rows for routes that no longer exist: {stale}"


def test_every_row_names_every_role():
    for name, probes in MATRIX.items():
        for probe in probes:
            assert set(probe.expect) == set(ROLES), name


@pytest.fixture
def world(client) -> World:
    unit = TerritorialUnitFactory()
    owner = UserFactory(applicant=True, first_name="Marta", last_name="Kalnmarker")
    draft = ApplicationFactory(applicant=owner, complete=True, last_name="Kalnmarker")
    case = ApplicationFactory(applicant=owner, submitted=True, unit=unit, last_name="Kalnmarker")
    awaiting = ApplicationFactory(applicant=owner, awaiting_payment=True, unit=unit, last_name="Kalnmarker")
    payment = start_payment(application_id=awaiting.pk, user=owner, method="bank_transfer").payment
    family = ApplicationFactory(
        applicant=owner,
        representative=owner,
        relationship_to_representative="spouse",
        date_of_birth=dt.date(1990, 1, 1),
        last_name="Kalnmarker",
    )
    owner_type = ContentType.objects.get_for_model(payment)
    for kind in (RECEIPT, INSTRUCTIONS):
        GeneratedDocument.objects.create(
            owner_content_type=owner_type,
            owner_id=payment.pk,
            kind=kind,
            file=ContentFile(b"%PDF-1.4\n%%EOF\n", name=f"{kind}.pdf"),
            filename=f"{kind}-Kalnmarker.pdf",
            sha256="0" * 64,
            size=15,
        )
    users = {
        OWNER: owner,
        OTHER: UserFactory(applicant=True),
        NO_OTP: UserFactory(case_officer=True, unit=unit),
        OFFICER: UserFactory(case_officer=True, unit=unit),
        FOREIGN: UserFactory(case_officer=True),
        SENIOR: UserFactory(senior_officer=True, unit=unit),
        ADMIN: UserFactory(administrator=True),
    }
    placeholder = UserFactory(
        applicant=True, is_active=False, email="counter-matrix@counter.invalid", email_verified_at=None
    )
    counter = ApplicationFactory(
        applicant=placeholder, awaiting_payment=True, unit=unit, counter_unit=unit, last_name="Kalnmarker"
    )
    CounterSubmission.objects.create(
        application=counter,
        unit=unit,
        document_type="passport",
        document_number=counter.passport_number,
        document_country="UA",
        document_valid_until=dt.date(2040, 1, 1),
        checked_by=users[OFFICER],
    )
    w = World(
        unit=unit,
        users=users,
        counter=counter,
        family=family,
        draft=draft,
        draft_document=ApplicationDocumentFactory(
            application=draft, original_filename="passport-Kalnmarker.pdf"
        ),
        case=case,
        document=ApplicationDocumentFactory(application=case, original_filename="passport-Kalnmarker.pdf"),
        awaiting=awaiting,
        payment=payment,
    )
    _contested_decision(w)
    w.export = _ready_export(owner)
    w.renewal = RenewalInvitation.objects.create(
        permit=case, applicant=owner, valid_to=case.created_at.date()
    )
    _add_visits(w)
    w.clients[ANONYMOUS] = Client()
    for role in (OWNER, OTHER):
        w.clients[role] = Client()
        w.clients[role].force_login(users[role])
    for role in (OFFICER, FOREIGN, SENIOR, ADMIN):
        w.clients[role] = Client()
        w.clients[role].force_login(users[role])
        verify_session(w.clients[role], add_totp(users[role]))
    # The staff member without an app signs in on the real page: password only, then sent to set one up.
    w.clients[NO_OTP] = Client()
    signed_in = w.clients[NO_OTP].post("/login/", {"email": users[NO_OTP].email, "password": PASSWORD})
    assert signed_in.status_code == 302 and signed_in["Location"] == "/account/two-step/"
    return w


def _contested_decision(w: World) -> None:
    """An issued refusal on another of the owner's cases in the unit, with an open complaint and its document."""
    from decisions.models import Complaint, ComplaintDocument, Decision

    refused = ApplicationFactory(applicant=w.users[OWNER], refused=True, unit=w.unit, last_name="Kalnmarker")
    w.decision = Decision.objects.create(
        application=refused,
        outcome="refuse",
        reasoning="Kalnmarker had no contract.",
        drafted_by=w.users[SENIOR],
    )
    today = timezone.localdate()
    w.decision.issue(approved_by_id=None, effective_on=today, contest_until=today + dt.timedelta(days=30))
    w.decision.save()
    w.complaint = Complaint.objects.create(
        decision=w.decision,
        application=refused,
        applicant=w.users[OWNER],
        text="Kalnmarker contests it.",
        answer_due_on=today + dt.timedelta(days=30),
    )
    w.complaint_document = ComplaintDocument.objects.create(
        complaint=w.complaint,
        file=ContentFile(b"%PDF-1.4\n%%EOF\n", name="contract.pdf"),
        original_filename="contract-Kalnmarker.pdf",
        content_type="application/pdf",
        size=15,
        sha256="0" * 64,
    )


def _ready_export(owner: User) -> DataExport:
    export = DataExport.objects.create(user=owner)
    export.mark_ready(summary={"files": 0})
    export.document = GeneratedDocument.objects.create(
        owner_content_type=ContentType.objects.get_for_model(DataExport),
        owner_id=export.pk,
        kind="data-export",
        file=ContentFile(b"PK\x05\x06" + b"\x00" * 18, name="my-data.zip"),
        filename="my-data.zip",
        mime_type="application/zip",
        sha256="0" * 64,
        size=22,
    )
    export.save()
    return export


def _add_visits(w: World) -> None:
    """An application awaiting registration with free times at the unit, and another with a visit booked."""
    from applications.appointments.services import book_visit
    from applications.calendar import add_working_days
    from applications.models import VisitSettings, VisitSlot

    VisitSettings.objects.create(unit=w.unit, slot_minutes=30, capacity=2)
    riga = ZoneInfo("Europe/Riga")
    for offset in (3, 4, 5):
        day = add_working_days(timezone.localdate(), offset)
        starts = dt.datetime.combine(day, dt.time(10, 0), tzinfo=riga)
        w.slots.append(
            VisitSlot.objects.create(
                unit=w.unit, starts_at=starts, ends_at=starts + dt.timedelta(minutes=30), capacity=2
            )
        )
    owner = w.users[OWNER]
    w.waiting = ApplicationFactory(
        applicant=owner, awaiting_registration=True, unit=w.unit, last_name="Kalnmarker"
    )
    w.visiting = ApplicationFactory(
        applicant=owner, awaiting_registration=True, unit=w.unit, last_name="Kalnmarker"
    )
    (w.appointment,) = book_visit(application_id=w.visiting.pk, user=owner, slot_id=w.slots[2].pk)


def _markers(w: World) -> list[bytes]:
    """What only the owner (and the officers of the unit, on their pages) may see."""
    return [
        b"Kalnmarker",
        w.users[OWNER].email.encode(),
        *(app.reference.encode() for app in (w.case, w.awaiting) if app.reference),
    ]


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def _ask(w: World, role: str, probe: Probe):
    client = w.clients[role]
    url = probe.url(w)
    headers = {}
    if probe.api and role not in (ANONYMOUS, NO_OTP):
        user = w.users[role]
        headers["Authorization"] = f"Bearer {issue_access_token(user=user, second_factor=user.requires_otp)}"
    kwargs: dict[str, Any] = {"headers": headers}
    if probe.data is not None:
        kwargs["data"] = probe.data(w) if callable(probe.data) else probe.data
        if probe.api and not probe.multipart:
            kwargs["content_type"] = "application/json"
    return getattr(client, probe.method)(url, **kwargs)


def _matches(response, expected: int | str) -> bool:
    if isinstance(expected, int):
        return response.status_code == expected
    status, _, location = expected.partition(":")
    return response.status_code == int(status) and response.get("Location", "").startswith(location)


def _check(world: World, rows: list[str]) -> None:
    markers = _markers(world)
    wrong = []
    for row in rows:
        for probe in MATRIX[row]:
            url = probe.url(world)
            for role in ROLES:
                response = _ask(world, role, probe)
                expected = probe.expect[role]
                if not _matches(response, expected):
                    got = f"{response.status_code} {response.get('Location', '')}".strip()
                    wrong.append(
                        f"[{row}] {probe.method.upper()} {url} as {role}: expected {expected}, got {got}"
                    )
                if role in MUST_NOT_SEE:
                    leaked = [marker.decode() for marker in markers if marker in _body(response)]
                    if leaked:
                        wrong.append(f"[{row}] {probe.method.upper()} {url} as {role} shows {leaked}")
    assert not wrong, "\n".join(wrong)
    assert not StaffAccessLog.objects.filter(staff=world.users[NO_OTP]).exists()


# Reading changes nothing the next probe depends on, so every read-only row shares one world (fast); a row
# that writes gets a world of its own.
READ_ONLY = sorted(row for row, probes in MATRIX.items() if all(probe.method == "get" for probe in probes))
WRITES = sorted(set(MATRIX) - set(READ_ONLY))


def test_read_only_routes(world):
    _check(world, READ_ONLY)


@pytest.mark.parametrize("row", WRITES)
def test_routes_that_write(world, row):
    _check(world, [row])
