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
