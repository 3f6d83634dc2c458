"""Sign-in page: password, TOTP second step, staff without an app, unverified and deactivated accounts,
lockout after AXES_FAILURE_LIMIT failures (wrong codes count too), sign-out by POST only."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory
from tests.otp import totp_code, wrong_code

pytestmark = pytest.mark.django_db

LOGIN = "/login/"
OTP = "/login/code/"


def _login(client, email, password=PASSWORD, **extra):
    return client.post(LOGIN, {"email": email, "password": password, **extra})


def _session_user_id(client):
    return client.session.get("_auth_user_id")


def test_applicant_signs_in_and_is_sent_to_next(client, applicant):
    response = _login(client, applicant.email.upper(), next="/account/profile/")
    assert response.status_code == 302 and response["Location"] == "/account/profile/"
    assert _session_user_id(client) == str(applicant.pk)


def test_next_to_another_site_is_ignored(client, applicant):
    response = _login(client, applicant.email, next="https://evil.example.com/")
    assert response["Location"] == reverse("home")


def test_wrong_password_is_a_form_error(client, applicant):
    response = _login(client, applicant.email, "wrong password")
    assert response.status_code == 400
    assert "not correct" in response.content.decode()
    assert _session_user_id(client) is None


def test_unknown_email_gets_the_same_answer(client):
    response = _login(client, "nobody@example.lv", "whatever-password")
    assert response.status_code == 400
    assert "not correct" in response.content.decode()


def test_unverified_account_gets_message_and_resend_form(client):
    user = UserFactory(unverified=True, is_active=False)
    response = _login(client, user.email)
    assert response.status_code == 400
    html = response.content.decode()
    assert "not confirmed yet" in html
    assert reverse("identity:resend_verification") in html
    assert _session_user_id(client) is None


def test_deactivated_account_gets_a_clear_message(client, applicant):
    applicant.is_active = False
    applicant.save()
    response = _login(client, applicant.email)
    assert response.status_code == 400
    assert "deactivated" in response.content.decode()
    assert _session_user_id(client) is None


def test_deactivated_account_with_wrong_password_looks_like_any_wrong_password(client, applicant):
    applicant.is_active = False
    applicant.save()
    response = _login(client, applicant.email, "wrong password")
    assert "deactivated" not in response.content.decode()


def test_applicant_with_totp_must_enter_code(client, applicant_with_totp):
    user, device = applicant_with_totp
    response = _login(client, user.email, next="/account/profile/")
    assert response.status_code == 302 and response["Location"] == OTP
    assert _session_user_id(client) is None  # not signed in before the code
    response = client.post(OTP, {"otp": totp_code(device)})
    assert response.status_code == 302 and response["Location"] == "/account/profile/"
    assert _session_user_id(client) == str(user.pk)
    assert client.session["otp_device_id"] == device.persistent_id


def test_wrong_totp_code_is_a_form_error(client, applicant_with_totp):
    user, device = applicant_with_totp
    _login(client, user.email)
    response = client.post(OTP, {"otp": wrong_code(device)})
    assert response.status_code == 400
    assert "not correct" in response.content.decode()
    assert _session_user_id(client) is None
    assert AccessAttempt.objects.get(username=user.email).failures_since_start == 1


def test_code_step_without_password_step_goes_back_to_sign_in(client):
    response = client.post(OTP, {"otp": "123456"})
    assert response.status_code == 302 and response["Location"] == LOGIN


def test_staff_with_device_must_enter_code(client, officer_with_totp):
    user, device = officer_with_totp
    assert _login(client, user.email)["Location"] == OTP
    response = client.post(OTP, {"otp": totp_code(device)})
    assert response.status_code == 302
    assert _session_user_id(client) == str(user.pk)


def test_staff_without_device_is_sent_to_totp_setup_unverified(client, case_officer):
    response = _login(client, case_officer.email)
    assert response.status_code == 302 and response["Location"] == reverse("identity:totp_setup")
    assert "otp_device_id" not in client.session


class TestLockout:
    def test_sixth_try_is_locked_even_with_the_right_password(self, client, applicant, settings):
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            assert _login(client, applicant.email, "wrong password").status_code == 400
        assert _login(client, applicant.email, "wrong password").status_code == 429
        response = _login(client, applicant.email)
        assert response.status_code == 429
        assert "Too many failed sign-in attempts" in response.content.decode()
        assert _session_user_id(client) is None

    def test_letter_case_does_not_dodge_the_count(self, client, applicant, settings):
        for i in range(settings.AXES_FAILURE_LIMIT):
            email = applicant.email.upper() if i % 2 else applicant.email
            _login(client, email, "wrong password")
        assert _login(client, applicant.email).status_code == 429

    def test_wrong_totp_codes_count_towards_lockout(self, client, applicant_with_totp, settings):
        user, device = applicant_with_totp
        _login(client, user.email)
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            assert client.post(OTP, {"otp": wrong_code(device)}).status_code == 400
        assert client.post(OTP, {"otp": wrong_code(device)}).status_code == 429
        # Locked: neither the password nor a right code gets in now.
        assert _login(client, user.email).status_code == 429
        response = client.post(OTP, {"otp": totp_code(device)})
        assert response.status_code == 302 and response["Location"] == LOGIN
        assert _session_user_id(client) is None

    def test_success_resets_the_count(self, client, applicant, settings):
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            _login(client, applicant.email, "wrong password")
        assert _login(client, applicant.email).status_code == 302
        client.logout()
        assert _login(client, applicant.email, "wrong password").status_code == 400


def test_logout_is_post_only(client, applicant):
    client.force_login(applicant)
    assert client.get("/logout/").status_code == 405
    assert _session_user_id(client) == str(applicant.pk)
    response = client.post("/logout/")
    assert response.status_code == 302
    assert _session_user_id(client) is None


@pytest.mark.parametrize(
    "url",
    ["/login/", "/register/", "/password/reset/", "/password/reset/sent/", "/verify-email/resend/", "/"],
)
def test_public_pages_render_for_anonymous_visitors(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert b'<main id="main"' in response.content


def test_code_step_expires_after_five_minutes(client, applicant_with_totp):
    user, device = applicant_with_totp
    _login(client, user.email)
    session = client.session
    pending = session["identity_pending_login"]
    pending["started"] -= 301
    session["identity_pending_login"] = pending
    session.save()
    response = client.post(OTP, {"otp": totp_code(device)})
    assert response.status_code == 302 and response["Location"] == LOGIN
    assert _session_user_id(client) is None
