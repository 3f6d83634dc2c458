"""seed_demo: DEBUG only, idempotent, prints logins and otpauth URIs, calls later apps' demo hooks."""

from __future__ import annotations

import io
import sys
import types

import pytest
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from identity.models import ApplicantProfile, Role, User

pytestmark = pytest.mark.django_db


def _run() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        _run()
    assert not User.objects.exists()


def test_creates_demo_accounts_and_prints_logins(settings):
    settings.DEBUG = True
    output = _run()
    applicant = User.objects.get(email="applicant@demo.example")
    assert applicant.role == Role.APPLICANT and applicant.is_active and applicant.email_verified
    assert ApplicantProfile.objects.get(user=applicant).nationality == "UA"
    officer = User.objects.get(role=Role.CASE_OFFICER)
    senior = User.objects.get(role=Role.SENIOR_OFFICER)
    admin = User.objects.get(role=Role.ADMINISTRATOR)
    assert officer.unit.code == senior.unit.code == "riga-1"
    assert admin.is_superuser and admin.is_staff
    for staff in (officer, senior, admin):
        device = TOTPDevice.objects.get(user=staff, confirmed=True)
        assert device.config_url in output
        assert staff.email in output
    assert "password: Demo-officer-2025" in output
    assert officer.check_password("Demo-officer-2025")
    assert output.count("otpauth://totp/") == 3


def test_running_twice_is_fine(settings):
    settings.DEBUG = True
    first = _run()
    second = _run()
    assert User.objects.count() == 4
    assert TOTPDevice.objects.count() == 3
    assert ApplicantProfile.objects.count() == 1
    # Same TOTP secrets: a tester's app keeps working.
    assert [line for line in first.splitlines() if "otpauth" in line] == [
        line for line in second.splitlines() if "otpauth" in line
    ]


def test_calls_demo_hooks_of_later_apps(settings, monkeypatch):
    settings.DEBUG = True
    calls = []
    hook = types.ModuleType("payments.demo")
    hook.seed = lambda: calls.append("payments")
    monkeypatch.setitem(sys.modules, "payments.demo", hook)
    output = _run()
    assert calls == ["payments"]
    assert "Seeding payments.demo" in output


def test_a_broken_hook_is_not_silently_skipped(settings, monkeypatch):
    settings.DEBUG = True

    def broken():
        raise RuntimeError("boom")

    hook = types.ModuleType("decisions.demo")
    hook.seed = broken
    monkeypatch.setitem(sys.modules, "decisions.demo", hook)
    with pytest.raises(RuntimeError, match="boom"):
        _run()


def test_demo_officer_can_sign_in_with_the_printed_uri(settings, client):
    from tests.otp import totp_code

    settings.DEBUG = True
    _run()
    officer = User.objects.get(role=Role.CASE_OFFICER)
    response = client.post("/login/", {"email": officer.email, "password": "Demo-officer-2025"})
    assert response["Location"] == "/login/code/"
    device = TOTPDevice.objects.get(user=officer)
    assert client.post("/login/code/", {"otp": totp_code(device)}).status_code == 302
    assert client.session["_auth_user_id"] == str(officer.pk)


def test_the_demo_applicant_has_a_granted_case_awaiting_registration_with_a_visit_to_book(settings, client):
    from applications.models import Application, ApplicationEvent
    from decisions.models import Decision
    from payments.models import Payment

    settings.DEBUG = True
    output = _run()
    application = Application.objects.get(applicant__email="applicant@demo.example")
    assert application.state == Application.State.AWAITING_REGISTRATION
    assert application.reference in output and f"/applications/{application.pk}/visit/" in output
    decision = Decision.objects.get(application=application)
    assert decision.outcome == Decision.Outcome.GRANT and decision.state == Decision.State.ISSUED
    assert hasattr(decision, "letter")  # rendered and sealed by the worker after commit
    assert application.registration.unit.code == "riga-1" and not application.registration.card_fee_paid
    assert Payment.objects.get(application=application).status == Payment.Status.PAID  # the state fee
    Kind = ApplicationEvent.Kind
    kinds = set(application.events.values_list("kind", flat=True))
    assert {Kind.SUBMITTED, Kind.PAID, Kind.TAKEN, Kind.REGISTRATION_STARTED} <= kinds

    client.force_login(application.applicant)
    page = client.get(f"/applications/{application.pk}/").content.decode()
    assert "Book a visit" in page and "Pay the card fee" in page
    assert client.get(f"/applications/{application.pk}/visit/").status_code == 200

    # Idempotent: a second run finds the case and makes no other.
    assert application.reference in _run()
    assert Application.objects.filter(applicant=application.applicant).count() == 1
    assert Decision.objects.count() == 1
