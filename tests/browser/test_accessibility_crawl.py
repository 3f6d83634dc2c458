"""axe-core (WCAG 2.1 A/AA) on every page of the real URL conf: public, applicant and back office.

Every named URL is either visited here (as the person who sees it, with data so the page has something to show)
or listed in NOT_PAGES with the reason it renders no page of its own (an API, a download, a POST-only action).
A new URL fails the first test until it is placed in one or the other. No page may have a serious or critical
violation; the structural checks of ``check_page`` run on each too.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
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
from payments.services import start_payment
from tests.applications.conftest import attach_all  # noqa: F401 - fixture
from tests.browser.a11y import assert_no_axe_violations, axe_violations, check_page
from tests.factories import ApplicantProfileFactory, ApplicationFactory, RegistrationFactory, UserFactory
from tests.integration.live_workers import wait_for
from tests.otp import add_totp, verify_session

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
    "identity:login_otp": "reached only in the middle of a staff sign-in (the decision loop checks it)",
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
}


# Pages the project itself adds to Django's admin (the rest of /admin/ is Django's own markup).
PROJECT_ADMIN_PAGES = {"payments_bankstatement_upload"}


def named_routes() -> set[str]:
    """Every named URL of the real URL conf outside /api/v1/ (the JSON API) and Django's own admin pages."""
    names: set[str] = set()

    def walk(patterns, prefix: str, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                route = prefix + str(pattern.pattern)
                if not route.startswith("api/v1/") and (
                    not route.startswith("admin/") or pattern.name in PROJECT_ADMIN_PAGES
                ):
                    names.add(namespace + pattern.name)

    walk(get_resolver().url_patterns, "", "")
    return names


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
        "pending": pending,
        "letter": letter,
    }


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
        # The administrator's pages the project adds to Django's admin, and the admin's front page.
        "administrator": [
            ("admin:index", reverse("admin:index")),
            ("admin:payments_bankstatement_upload", reverse("admin:payments_bankstatement_upload")),
        ],
        "senior": [
            ("decisions:backoffice-queue", reverse("decisions:backoffice-queue")),
            ("decisions:backoffice-statistics", reverse("decisions:backoffice-statistics")),
            *[
                ("decisions:backoffice-case", reverse("decisions:backoffice-case", args=[world[key].pk]))
                for key in ("asked", "refused", "pending", "registered", "visiting", "contested")
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
    routes = named_routes()
    unplaced = routes - crawled - set(NOT_PAGES)
    assert not unplaced, f"URLs neither crawled for accessibility nor listed in NOT_PAGES: {sorted(unplaced)}"
    assert not (crawled & set(NOT_PAGES)), crawled & set(NOT_PAGES)
    assert not (set(NOT_PAGES) - routes), (
        f"NOT_PAGES names URLs that no longer exist: {set(NOT_PAGES) - routes}"
    )


def _static_crawl_names() -> list[tuple[str, str]]:
    """The names pages_for() visits, without building its data (for the placement test)."""

    class Anything(dict):
        def __missing__(self, key):
            return _Stub()

    return [entry for entries in pages_for(Anything()).values() for entry in entries]


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


def test_axe_finds_no_serious_or_critical_violation_on_any_page(world, new_context, shooter, live_server):
    # axe really runs: on a page built to fail it reports the image without a text alternative.
    probe = new_context()
    probe.set_content('<html lang="en"><body><main><h1>Probe</h1><img src="data:,"></main></body></html>')
    assert "image-alt" in {violation["id"] for violation in axe_violations(probe)}
    people = {
        "visitor": None,
        "applicant": session_cookie(live_server, world["applicant"]),
        "senior": session_cookie(live_server, world["senior"], staff=True),
        "administrator": session_cookie(live_server, UserFactory(administrator=True), staff=True),
    }
    problems: list[str] = []
    visited: set[str] = set()
    for who, entries in pages_for(world).items():
        page: Page = new_context()
        if people[who]:
            page.context.add_cookies([people[who]])
        shot = shooter(page, who)
        for name, address in entries:
            response = page.goto(address)
            assert response is not None and response.status < 500, (
                name,
                address,
                response and response.status,
            )
            path = page.url.removeprefix(live_server.url).split("?")[0]
            if path != address.split("?")[0]:
                problems.append(f"{name}: {address} went to {page.url} (no page of its own for {who}?)")
                continue
            visited.add(name)
            shot(name.replace(":", "-"))
            for check in (lambda p: check_page(p, skip_link=False), assert_no_axe_violations):
                try:
                    check(page)
                except AssertionError as exc:
                    problems.append(f"{name} ({address}) as {who}: {exc}")
    assert not problems, "\n".join(problems)
    assert visited == {name for entries in pages_for(world).values() for name, _ in entries}
