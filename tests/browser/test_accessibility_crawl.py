"""axe-core (WCAG 2.1 A/AA) on every page of the real URL conf: public, applicant and back office.

Every named URL is either visited here (as the person who sees it, with data so the page has something to show)
or listed in NOT_PAGES with the reason it renders no page of its own (an API, a download, a POST-only action).
A new URL fails the first test until it is placed in one or the other. No page may have a serious or critical
violation; the structural checks of ``check_page`` run on each too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib import admin
from django.contrib.admin import ModelAdmin
from django.contrib.auth.models import Group
from django.db.models import Model
from django.http import HttpRequest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page

from applications.appointments.services import book_visit, generate_visit_slots
from applications.case_messages.services import send_message
from applications.forms import STEP_TITLES
from applications.models import (
    ApplicationKind,
    DocumentType,
    LegalGround,
    Purpose,
    VisitSettings,
    VisitSlot,
)
from applications.renewals.services import invite_permit_renewal
from applications.selectors import get_default_unit
from applications.services.counter import start_counter_application
from applications.services.family import create_draft_for_person, invite_person
from applications.surveys.services import answer_survey, invite_to_survey
from decisions import services as decisions
from decisions import verification
from decisions.complaints import file_complaint
from decisions.models import DecisionLetter
from identity.models import User
from payments.services import start_payment
from tests.applications.conftest import attach_all  # noqa: F401 - fixture
from tests.browser.a11y import assert_no_axe_violations, axe_violations, check_page
from tests.factories import ApplicantProfileFactory, ApplicationFactory, RegistrationFactory, UserFactory
from tests.integration.live_workers import wait_for
from tests.otp import add_totp, totp_code, verify_session

PASSWORD = "correct horse battery 9"  # tests.factories.UserFactory's

# Named URLs that render no page of their own, and why.
NOT_PAGES = {
    "healthz": "plain-text probe",
    "readyz": "plain-text probe",
    "set_language": "POST-only language switch",
    "jwks": "JSON keys",
    "api-schema": "the OpenAPI document",
    "api-docs": "Swagger UI, third-party markup (the API's reference for developers)",
    "api-not-found": "JSON 404 of /api/",
    "identity:logout": "POST-only",
    "identity:totp_disable": "POST-only",
    "applications:document-upload": "POST-only (the documents step's form without JavaScript)",
    "applications:document-delete": "POST-only",
    "applications:document-download": "a file download",
    "applications:submit": "POST-only",
    "applications:summary-pdf": "a PDF",
    "applications:delete": "POST-only",
    "applications:withdraw": "POST-only",
    "payments:status-json": "JSON polled by the payment page",
    "payments:bank-transfer-pdf": "a PDF",
    "payments:receipt-pdf": "a PDF",
    "decisions:letter": "a PDF",
    "decisions:answer-request": "POST-only",
    "decisions:backoffice-statistics-chart": "an SVG image inside the statistics page",
    "decisions:backoffice-action": "POST-only officer actions",
    "decisions:backoffice-document": "a file download",
    "applications:visit-cancel": "POST-only",
    "applications:backoffice-visits-close": "POST-only (the unit's day closes its visits)",
    "applications:backoffice-visit-action": "POST-only officer actions on a visit",
    "applications:counter-copy": "POST-only",
    "applications:counter-copy-pdf": "a PDF",
    "applications:invitation-accept": "POST-only",
    "applications:message-send": "POST-only (the case page's message form)",
    "applications:message-attachment": "a file download",
    "payments:counter-payment": "POST-only",
    "payments:counter-receipt-pdf": "a PDF",
    "decisions:complaint-letter": "a PDF",
    "decisions:backoffice-complaint-action": "POST-only senior officer actions",
    "decisions:backoffice-complaint-document": "a file download",
    "decisions:backoffice-surveys-chart": "an SVG image inside the survey results page",
    "decisions:registrations": "a redirect to the officer's own unit's registrations (crawled)",
    "decisions:registration-action": "POST-only officer actions on a registration",
    "identity:my-data-download": "a ZIP download",
    "workers:mailbox": "developer mailbox, served only with DEBUG on",
    "workers:mailbox-file": "developer mailbox file, served only with DEBUG on",
    "admin:login": "a redirect to the project's own sign-in page (crawled)",
    "admin:logout": "POST-only",
    "admin:view_on_site": "a redirect to the object's own page",
    "admin:jsi18n": "the admin's JavaScript catalogue",
    "admin:autocomplete": "JSON for the admin's autocomplete widgets",
    "admin:otp_totp_totpdevice_qrcode": "an image inside the device's configuration page (crawled)",
}

# Pages meant to answer with another status than 200 (still pages a person sees, and checked like the others).
# Any other status fails the crawl: a 403 or 404 is not a page "visited".
EXPECTED_STATUS = {
    ("visitor", "identity:verify_email"): 400,  # a link with a broken token: the page says what to do
    (
        "officer",
        "decisions:backoffice-statistics",
    ): 403,  # senior officers only: the error page an officer sees
}


def named_routes() -> set[str]:
    """Every named URL of the real URL conf outside /api/v1/ (the JSON API)."""
    names: set[str] = set()

    def walk(patterns, prefix: str, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                route = prefix + str(pattern.pattern)
                if not route.startswith("api/v1/"):
                    names.add(namespace + pattern.name)

    walk(get_resolver().url_patterns, "", "")
    return names


# --- Django's admin, as the administrator uses it ---------------------------------------------------------------
# Built from the admin's registry, so a model registered later is crawled without editing this file: the list of
# every model, the app's page, and per app one change form and one add form (Django's stock forms, shaped per model
# by the ModelAdmin). The pages the project or a package adds with its own URL are listed by name.
def _superuser_request() -> HttpRequest:
    """What the ModelAdmins' permission hooks need to say what an administrator (a superuser) may open."""
    request = HttpRequest()
    request.user = User(is_active=True, is_staff=True, is_superuser=True)
    return request


def admin_models_by_app() -> dict[str, list[tuple[type[Model], ModelAdmin]]]:
    """Registered models per app, in the order the admin registered them."""
    apps: dict[str, list[tuple[type[Model], ModelAdmin]]] = {}
    for model, model_admin in admin.site._registry.items():
        apps.setdefault(model._meta.app_label, []).append((model, model_admin))
    return apps


def _admin_url(model: type[Model], view: str) -> str:
    return f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}"


def admin_pages(pk_of: Callable[[type[Model]], int]) -> list[tuple[str, str]]:
    """The administrator's pages: `pk_of(model)` names the row whose change form (and the like) is opened."""
    request = _superuser_request()
    by_app = admin_models_by_app()
    pages = [
        ("admin:index", reverse("admin:index")),
        ("admin:app_list", reverse("admin:app_list", args=[next(iter(by_app))])),
        ("admin:password_change", reverse("admin:password_change")),
        ("admin:password_change_done", reverse("admin:password_change_done")),
    ]
    for models in by_app.values():
        pages += [
            (_admin_url(model, "changelist"), reverse(_admin_url(model, "changelist"))) for model, _ in models
        ]
        first = models[0][0]
        pages.append((_admin_url(first, "change"), reverse(_admin_url(first, "change"), args=[pk_of(first)])))
        addable = next(
            (model for model, model_admin in models if model_admin.has_add_permission(request)), None
        )
        if addable is not None:
            pages.append((_admin_url(addable, "add"), reverse(_admin_url(addable, "add"))))
    # The delete confirmation and the history are the same stock page for every model: once each.
    deletable = next(
        model
        for model, model_admin in admin.site._registry.items()
        if model_admin.has_delete_permission(request)
    )
    pages += [
        (_admin_url(deletable, view), reverse(_admin_url(deletable, view), args=[pk_of(deletable)]))
        for view in ("delete", "history")
    ]
    # Administrators' own job: staff accounts (the user's forms and password), and the pages added by URL.
    pages += [
        (_admin_url(User, "change"), reverse(_admin_url(User, "change"), args=[pk_of(User)])),
        (_admin_url(User, "add"), reverse(_admin_url(User, "add"))),
        # Django's UserAdmin names this URL after auth.User, whatever the user model.
        ("admin:auth_user_password_change", reverse("admin:auth_user_password_change", args=[pk_of(User)])),
        (
            "admin:otp_totp_totpdevice_config",
            reverse("admin:otp_totp_totpdevice_config", args=[pk_of(TOTPDevice)]),
        ),
        ("admin:payments_bankstatement_upload", reverse("admin:payments_bankstatement_upload")),
    ]
    return pages


def admin_not_pages(crawled: set[str]) -> dict[str, str]:
    """The admin's per-model URLs the crawl leaves out, each with its reason."""
    request = _superuser_request()
    reasons: dict[str, str] = {}
    for model, model_admin in admin.site._registry.items():
        for view in ("add", "change", "delete", "history"):
            name = _admin_url(model, view)
            if name in crawled:
                continue
            if view == "add" and not model_admin.has_add_permission(request):
                reasons[name] = "the admin refuses adding these rows (the system writes them)"
            elif view == "delete" and not model_admin.has_delete_permission(request):
                reasons[name] = "the admin refuses deleting these rows"
            elif view in ("add", "change"):
                reasons[name] = "Django's stock form, crawled for one model of the same app"
            else:
                reasons[name] = "Django's stock page, the same for every model (crawled once)"
    return reasons


def session_cookie(live_server, user, *, staff: bool = False) -> dict:
    """A signed-in session (TOTP-verified for staff) made as Django's test client makes one, for the browser."""
    client = Client()
    client.force_login(user)
    if staff:
        verify_session(client, add_totp(user))
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}


@pytest.fixture
def world(attach_all, live_parts):  # noqa: F811
    """An applicant with an application in each state a page shows differently, their payments, an information
    request, and an issued refusal whose letter the worker renders; an officer and a senior officer of its unit."""
    unit = get_default_unit()
    officer = UserFactory(case_officer=True, unit=unit, first_name="Jānis", last_name="Ozols")
    senior = UserFactory(senior_officer=True, unit=unit, first_name="Ilze", last_name="Kalniņa")
    applicant = UserFactory(applicant=True, preferred_language="en", first_name="Amir", last_name="Haddad")
    ApplicantProfileFactory(user=applicant, first_name="Amir", last_name="Haddad")

    draft = ApplicationFactory(applicant=applicant, complete=True, unit=unit)
    attach_all(draft)
    due = ApplicationFactory(applicant=applicant, awaiting_payment=True, unit=unit)
    card = start_payment(application_id=due.pk, user=applicant, method="card")
    bank = start_payment(application_id=due.pk, user=applicant, method="bank_transfer").payment
    asked = ApplicationFactory(applicant=applicant, in_review=True, unit=unit, assigned_officer=officer)
    request = decisions.request_information(
        application_id=asked.pk,
        officer=officer,
        message="Please send your employment contract.",
        document_type_ids=[DocumentType.objects.get(code="employment_contract").pk],
    )
    refused = ApplicationFactory(applicant=applicant, in_review=True, unit=unit, assigned_officer=officer)
    decisions.draft_decision(
        application_id=refused.pk,
        officer=officer,
        outcome="refuse",
        legal_ground_ids=[LegalGround.objects.get(code="il-34-false-information").pk],
        reasoning="The employment contract submitted with the application was forged.",
    )
    decision = decisions.approve_decision(application_id=refused.pk, senior=senior)
    letter = wait_for(
        lambda: DecisionLetter.objects.filter(decision=decision, document__isnull=False).first(),
        timeout=120,
        what="the worker to render the decision letter",
    )
    # In review with its officer: the forms to ask for information and draft a decision.
    reviewing = ApplicationFactory(applicant=applicant, in_review=True, unit=unit, assigned_officer=officer)
    pending = ApplicationFactory(applicant=applicant, in_review=True, unit=unit, assigned_officer=officer)
    decisions.draft_decision(
        application_id=pending.pk,
        officer=officer,
        outcome="refuse",
        legal_ground_ids=[LegalGround.objects.get(code="il-34-false-information").pk],
        reasoning="The applicant gave false information about the purpose.",
    )
    return {
        **_merged_features(
            applicant=applicant, officer=officer, senior=senior, unit=unit, asked=asked, letter=letter
        ),
        "applicant": applicant,
        "officer": officer,
        "senior": senior,
        "unit": unit,
        "draft": draft,
        "due": due,
        "card": card,
        "bank": bank,
        "asked": asked,
        "request": request,
        "refused": refused,
        "reviewing": reviewing,
        "pending": pending,
        "letter": letter,
        **_admin_rows(applicant),
    }


def _admin_rows(applicant) -> dict:
    """An administrator, and a row for each model whose change form the admin crawl opens that the world above
    does not make: a group of staff, a staff member's backup codes, a mistyped password (django-axes' rows)."""
    administrator = UserFactory(administrator=True, first_name="Dace", last_name="Liepa")
    Group.objects.create(name="Unit heads")
    StaticDevice.objects.create(user=administrator, name="backup codes")
    Client().post(reverse("identity:login"), {"email": applicant.email, "password": "not the password"})

    def pk_of(model: type[Model]) -> int:
        if model is User:
            return administrator.pk
        pk = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
        assert pk is not None, f"no {model._meta.label} row to open in the admin: make one in _admin_rows()"
        return pk

    return {"administrator": administrator, "admin_pk_of": pk_of}


def _merged_features(*, applicant, officer, senior, unit, asked, letter) -> dict:
    """Rows for the pages of visits, registration, complaints, messages, surveys, the counter, applying for
    someone, "my data" and renewals, each made by its service as the person would."""
    kind, purpose = ApplicationKind.objects.get(code="first_trp"), Purpose.objects.get(code="studies")
    # Visits: the unit gives times; one permit waits for a visit, another has one booked.
    VisitSettings.objects.create(unit=unit, slot_minutes=30, capacity=2)
    generate_visit_slots(horizon=10)
    waiting = ApplicationFactory(applicant=applicant, awaiting_registration=True, unit=unit)
    visiting = ApplicationFactory(applicant=applicant, awaiting_registration=True, unit=unit)
    slot = VisitSlot.objects.filter(unit=unit, starts_at__gt=timezone.now() + dt.timedelta(days=2)).first()
    (appointment,) = book_visit(application_id=visiting.pk, user=applicant, slot_id=slot.pk)
    # Registration: a granted permit to register, and one whose card fee is paid (the unit's list).
    granted = ApplicationFactory(applicant=applicant, granted=True, unit=unit)
    registered = RegistrationFactory(application__applicant=applicant, application__unit=unit, paid=True)
    # A complaint against the issued refusal; a message waiting on the officer's case; a survey answered.
    contested = ApplicationFactory(applicant=applicant, in_review=True, unit=unit, assigned_officer=officer)
    decisions.draft_decision(
        application_id=contested.pk,
        officer=officer,
        outcome="refuse",
        legal_ground_ids=[LegalGround.objects.get(code="il-34-false-information").pk],
        reasoning="The employment contract could not be confirmed with the employer.",
    )
    contested_decision = decisions.approve_decision(application_id=contested.pk, senior=senior)
    complaint = file_complaint(
        decision_id=contested_decision.pk,
        applicant=applicant,
        text="The contract is genuine: the employer confirms it in the attached letter.",
    )
    send_message(application_id=asked.pk, user=applicant, body="I have sent the contract by post as well.")
    survey = invite_to_survey(application=waiting, occasion="visit")
    answered = invite_to_survey(application=visiting, occasion="visit")
    answer_survey(token=answered.token, user=applicant, rating=4, comment="Friendly staff, short queue.")
    # The counter: an officer started an application with a person at the unit.
    at_counter = start_counter_application(
        officer=senior,
        unit=unit,
        kind=kind,
        purpose=purpose,
        processing_speed="standard",
        first_name="Oksana",
        last_name="Melnyk",
        date_of_birth=dt.date(1988, 3, 2),
        nationality="UA",
        language="en",
        document_type="passport",
        document_number="FX998877",
        document_country="UA",
        document_valid_until=dt.date(2035, 1, 1),
    )
    # Applying for someone: the applicant's spouse, and another representative's invitation to the applicant.
    spouse = create_draft_for_person(
        representative=applicant,
        kind=kind,
        purpose=purpose,
        processing_speed="standard",
        first_name="Leila",
        last_name="Haddad",
        date_of_birth=dt.date(1991, 7, 9),
        nationality="SY",
        relationship="spouse",
    )
    relative = UserFactory(applicant=True, first_name="Omar", last_name="Haddad")
    for_applicant = create_draft_for_person(
        representative=relative,
        kind=kind,
        purpose=purpose,
        processing_speed="standard",
        first_name="Amir",
        last_name="Haddad",
        date_of_birth=dt.date(1985, 1, 20),
        nationality="SY",
        relationship="other",
    )
    invite_person(application_id=for_applicant.pk, representative=relative, email=applicant.email)
    # Renewals: the holder of a permit is invited to apply for a repeated one.
    renewal = invite_permit_renewal(
        application_id=granted.pk, valid_to=timezone.localdate() + dt.timedelta(days=60)
    )
    return {
        "waiting": waiting,
        "visiting": visiting,
        "visit_day": timezone.localtime(appointment.slot.starts_at).date(),
        "granted": granted,
        "registered": registered.application,
        "contested": contested,
        "complaint": complaint,
        "survey": survey,
        "at_counter": at_counter,
        "spouse": spouse,
        "renewal": renewal,
    }


def pages_for(world) -> dict[str, list[tuple[str, str]]]:
    """Who opens which page: (url name, address) per person."""
    steps = [
        ("applications:step", reverse("applications:step", args=[world["draft"].pk, step]))
        for step in STEP_TITLES
    ]
    code = verification.display(world["letter"].verification_code)
    session = world["card"].redirect_url.rstrip("/").rsplit("/", 1)[-1]
    return {
        "visitor": [
            ("home", reverse("home")),
            ("identity:register", reverse("identity:register")),
            ("identity:verify_email", reverse("identity:verify_email") + "?token=not-a-token"),
            ("identity:resend_verification", reverse("identity:resend_verification")),
            ("identity:login", reverse("identity:login")),
            ("identity:password_reset", reverse("identity:password_reset")),
            ("identity:password_reset_done", reverse("identity:password_reset_done")),
            (
                "identity:password_reset_confirm",
                reverse("identity:password_reset_confirm", args=["MQ", "x-y"]),
            ),
            ("identity:password_reset_complete", reverse("identity:password_reset_complete")),
            ("applications:guide", reverse("applications:guide")),
            (
                "applications:guide-answer",
                reverse("applications:guide-answer", args=["first_trp", "studies"]),
            ),
            (
                "applications:guide-checklist",
                reverse("applications:guide-checklist", args=["first_trp", "employment"]),
            ),
            ("applications:units", reverse("applications:units")),
            ("applications:unit-detail", reverse("applications:unit-detail", args=[world["unit"].code])),
            ("applications:contact", reverse("applications:contact")),
            ("applications:complaints", reverse("applications:complaints")),
            ("applications:privacy", reverse("applications:privacy")),
            ("applications:accessibility", reverse("applications:accessibility")),
            ("decisions:verify-start", reverse("decisions:verify-start")),
            ("decisions:verify", reverse("decisions:verify", args=[code])),
            ("identity:account-closed", reverse("identity:account-closed")),
        ],
        "applicant": [
            ("identity:profile", reverse("identity:profile")),
            ("identity:password_change", reverse("identity:password_change")),
            ("identity:totp_setup", reverse("identity:totp_setup")),
            ("identity:access_log", reverse("identity:access_log")),
            ("applications:dashboard", reverse("applications:dashboard")),
            ("applications:new", reverse("applications:new") + "?kind=first_trp&purpose=studies"),
            *steps,
            *[
                ("applications:detail", reverse("applications:detail", args=[world[key].pk]))
                for key in ("draft", "due", "asked", "refused")
            ],
            # The merged features' cards on the application page: registration, visit, complaint, someone else's.
            *[
                ("applications:detail", reverse("applications:detail", args=[world[key].pk]))
                for key in ("granted", "registered", "visiting", "contested", "spouse")
            ],
            ("payments:pay", reverse("payments:pay", args=[world["due"].pk])),
            ("payments:return", reverse("payments:return", args=[world["card"].payment.pk])),
            ("payments:bank-transfer", reverse("payments:bank-transfer", args=[world["bank"].pk])),
            ("payments:test-gateway", reverse("payments:test-gateway", args=[session])),
            *[
                (
                    "applications:visit",
                    reverse("applications:visit", args=[world[key].pk]) + f"?week={world['visit_day']}",
                )
                for key in ("waiting", "visiting")
            ],
            ("applications:registration-choose", reverse("applications:registration-choose")),
            ("applications:registration", reverse("applications:registration", args=[world["granted"].pk])),
            # The form (the refusal not contested yet), and the complaint filed against another refusal.
            *[
                ("decisions:complaint", reverse("decisions:complaint", args=[decision_id]))
                for decision_id in (world["letter"].decision_id, world["complaint"].decision_id)
            ],
            ("applications:survey", reverse("applications:survey", args=[world["survey"].token])),
            ("applications:new-for-person", reverse("applications:new-for-person")),
            ("applications:invite", reverse("applications:invite", args=[world["spouse"].pk])),
            ("applications:invitations", reverse("applications:invitations")),
            ("applications:claim", reverse("applications:claim")),
            ("applications:renew", reverse("applications:renew", args=[world["renewal"].token])),
            ("identity:my-data", reverse("identity:my-data")),
            ("identity:close-account", reverse("identity:close-account")),
        ],
        "administrator": admin_pages(world["admin_pk_of"]),
        # The assigned officer of the cases, signed in as staff do (password, then the code); the back-office
        # pages that show an officer other content than a senior officer (forms, links, filters).
        "officer": [
            ("identity:login_otp", reverse("identity:login_otp")),
            ("decisions:backoffice-queue", reverse("decisions:backoffice-queue")),
            ("decisions:backoffice-queue", reverse("decisions:backoffice-queue") + "?officer=me"),
            *[
                ("decisions:backoffice-case", reverse("decisions:backoffice-case", args=[world[key].pk]))
                for key in ("reviewing", "asked", "pending", "contested")
            ],
            (
                "applications:backoffice-visits",
                reverse("applications:backoffice-visits") + f"?date={world['visit_day']}",
            ),
            ("decisions:backoffice-messages", reverse("decisions:backoffice-messages") + "?officer=me"),
            # What an officer sees following a senior officer's link (the error page, in the back office).
            ("decisions:backoffice-statistics", reverse("decisions:backoffice-statistics")),
        ],
        "senior": [
            ("decisions:backoffice-queue", reverse("decisions:backoffice-queue")),
            ("decisions:backoffice-statistics", reverse("decisions:backoffice-statistics")),
            *[
                ("decisions:backoffice-case", reverse("decisions:backoffice-case", args=[world[key].pk]))
                for key in ("reviewing", "asked", "refused", "pending", "registered", "visiting", "contested")
            ],
            (
                "applications:backoffice-visits",
                reverse("applications:backoffice-visits") + f"?date={world['visit_day']}",
            ),
            (
                "decisions:unit-registrations",
                reverse("decisions:unit-registrations", args=[world["unit"].pk]),
            ),
            ("decisions:backoffice-complaints", reverse("decisions:backoffice-complaints")),
            (
                "decisions:backoffice-complaint",
                reverse("decisions:backoffice-complaint", args=[world["complaint"].pk]),
            ),
            ("decisions:backoffice-messages", reverse("decisions:backoffice-messages")),
            ("decisions:backoffice-surveys", reverse("decisions:backoffice-surveys")),
            ("applications:counter-start", reverse("applications:counter-start")),
            (
                "applications:counter-page",
                reverse("applications:counter-page", args=[world["at_counter"].pk]),
            ),
        ],
    }


def test_every_named_page_is_crawled_or_said_to_be_no_page():
    """The crawl below cannot silently miss a page added later."""
    crawled = {name for name, _ in _static_crawl_names()}
    not_pages = {**NOT_PAGES, **admin_not_pages(crawled)}
    routes = named_routes()
    unplaced = routes - crawled - set(not_pages)
    assert not unplaced, f"URLs neither crawled for accessibility nor listed in NOT_PAGES: {sorted(unplaced)}"
    assert not (crawled & set(not_pages)), crawled & set(not_pages)
    assert not (set(NOT_PAGES) - routes), (
        f"NOT_PAGES names URLs that no longer exist: {set(NOT_PAGES) - routes}"
    )
    assert set(EXPECTED_STATUS) <= {(who, name) for who, entries in _static_crawl() for name, _ in entries}


def _static_crawl() -> list[tuple[str, list[tuple[str, str]]]]:
    """pages_for() without building its data (for the placement test)."""

    class Anything(dict):
        def __missing__(self, key):
            return _Stub()

    return list(pages_for(Anything()).items())


def _static_crawl_names() -> list[tuple[str, str]]:
    return [entry for _, entries in _static_crawl() for entry in entries]


class _Stub:
    pk = 1
    code = "riga-1"
    token = "00000000-0000-0000-0000-000000000000"
    decision_id = 1
    verification_code = "ABCDEFGHJKMN"
    redirect_url = "http://x/payments/test-gateway/session/"

    @property
    def payment(self):
        return self

    def __call__(self, *args):  # world["admin_pk_of"](model)
        return self.pk


def sign_in_with_password(page: Page, user) -> None:
    """The first step of a staff sign-in: staff with an authenticator app go on to the page asking for the code."""
    page.goto(reverse("identity:login"))
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{reverse('identity:login_otp')}")


def enter_code(page: Page, device: TOTPDevice) -> None:
    page.get_by_label("Code from your authenticator app").fill(totp_code(device))
    page.get_by_role("main").get_by_role("button", name="Continue").click()
    page.wait_for_url(lambda url: reverse("identity:login") not in url)


# Django's stock admin markup that we cannot change from the project, allowed on the administrator's pages only:
ADMIN_AXE_IGNORED = [
    # SelectFilter2.js (filter_horizontal, e.g. a group's permissions) builds its search icon as a <span> with
    # aria-label and no role, as the only content of the filter box's <label>.
    ("aria-prohibited-attr", ".selector-filter .search-label-icon"),
    # AdminSplitDateTime (every DateTimeField: a user's e-mail confirmation, a TOTP device's throttling) prints
    # "Date:" and "Time:" as plain text beside its two inputs. Its template cannot be overridden from templates/
    # while the default form renderer is used (FORM_RENDERER is not TemplatesSetting), so it stays Django's.
    ("label", "p.datetime input"),
]
# The same controls for check_page's label check (SelectFilter2's filter box is named by that aria-label).
ADMIN_UNLABELLED_CONTROLS = ".selector-filter input, p.datetime input"
# UserAdmin's read-only password widget has aria-describedby="id_password_helptext", but the admin's fieldset
# gives that help text no id, as the widget has no label target (Django 5.2).
ADMIN_IGNORED_REFERENCES = ["id_password_helptext"]


def checks_for(who: str) -> list[Callable[[Page], None]]:
    """The structural smoke checks and axe-core, as they apply to that person's pages."""
    if who == "administrator":
        # axe's stylesheet preload trips the CSP on the admin's forms.css, which @imports widgets.css (see
        # axe_violations); the admin's stylesheets are Django's, so css-orientation-lock has nothing of ours there.
        return [
            lambda page: check_page(
                page,
                skip_link=False,
                ignored_references=ADMIN_IGNORED_REFERENCES,
                ignored_controls=ADMIN_UNLABELLED_CONTROLS,
            ),
            lambda page: assert_no_axe_violations(page, preload=False, ignored=ADMIN_AXE_IGNORED),
        ]
    return [lambda page: check_page(page, skip_link=False), assert_no_axe_violations]


def test_axe_finds_no_serious_or_critical_violation_on_any_page(world, new_context, shooter, live_server):
    # axe really runs: on a page built to fail it reports the image without a text alternative.
    probe = new_context()
    probe.set_content('<html lang="en"><body><main><h1>Probe</h1><img src="data:,"></main></body></html>')
    assert "image-alt" in {violation["id"] for violation in axe_violations(probe)}
    cookies = {
        "applicant": session_cookie(live_server, world["applicant"]),
        "senior": session_cookie(live_server, world["senior"], staff=True),
        "administrator": session_cookie(live_server, world["administrator"], staff=True),
    }
    officer_device = add_totp(world["officer"])  # the officer signs in on the pages, code and all
    problems: list[str] = []
    visited: set[str] = set()
    for who, entries in pages_for(world).items():
        page: Page = new_context()
        if who in cookies:
            page.context.add_cookies([cookies[who]])
        shot = shooter(page, who)
        checks = checks_for(who)
        for name, address in entries:
            if name == "identity:login_otp":
                sign_in_with_password(page, world[who])  # the page exists only in the middle of a sign-in
            expected = EXPECTED_STATUS.get((who, name), 200)
            response = page.goto(address)
            status = response.status if response is not None else None
            path = page.url.removeprefix(live_server.url).split("?")[0]
            if status != expected:
                problems.append(f"{name}: {address} as {who} answered {status}, not {expected}")
                continue
            if path != address.split("?")[0]:
                problems.append(f"{name}: {address} went to {page.url} (no page of its own for {who}?)")
                continue
            visited.add(name)
            failed = False
            for check in checks:
                try:
                    check(page)
                except AssertionError as exc:
                    problems.append(f"{name} ({address}) as {who}: {exc}")
                    failed = True
            # The admin's pages are Django's own layout: a picture of one only when it fails (the crawl stays quick).
            if failed or who != "administrator":
                shot(name.replace(":", "-"))
            if name == "identity:login_otp":
                enter_code(page, officer_device)
    assert not problems, "\n".join(problems)
    assert visited == {name for entries in pages_for(world).values() for name, _ in entries}
