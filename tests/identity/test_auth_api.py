"""Token API: credentials (+ TOTP when required) for a token pair, refresh once, lockout, bad input."""

from __future__ import annotations

import pytest

from identity.models import RefreshToken
from tests.factories import PASSWORD, ApplicationFactory, UserFactory
from tests.otp import totp_code, wrong_code

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token"
REFRESH = "/api/v1/auth/token/refresh"
APPLICATIONS = "/api/v1/applications"  # the caller's own


def _token(api_client, email, password=PASSWORD, **extra):
    return api_client.post(TOKEN, {"email": email, "password": password, **extra}, format="json")


def _code(response):
    return response.json()["error"]["code"]


def test_applicant_gets_a_token_pair(api_client, applicant, settings):
    response = _token(api_client, applicant.email.upper())
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "refresh", "expires_in"}
    assert body["expires_in"] == int(settings.JWT_ACCESS_TTL.total_seconds())
    assert RefreshToken.objects.filter(user=applicant).count() == 1


def test_access_token_authenticates(api_client, applicant):
    own = ApplicationFactory(applicant=applicant)
    ApplicationFactory()  # someone else's
    access = _token(api_client, applicant.email).json()["access"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    response = api_client.get(APPLICATIONS)
    assert [row["id"] for row in response.json()["results"]] == [own.pk]


def test_wrong_password_is_401(api_client, applicant):
    response = _token(api_client, applicant.email, "wrong password")
    assert response.status_code == 401
    assert _code(response) == "invalid_credentials"
    assert not RefreshToken.objects.exists()


def test_unverified_account_is_403(api_client):
    user = UserFactory(unverified=True, is_active=False)
    response = _token(api_client, user.email)
    assert response.status_code == 403
    assert _code(response) == "email_not_verified"


def test_deactivated_account_is_403(api_client, applicant):
    applicant.is_active = False
    applicant.save()
    response = _token(api_client, applicant.email)
    assert response.status_code == 403
    assert _code(response) == "account_inactive"
    assert not RefreshToken.objects.exists()


def test_missing_fields_are_a_validation_error(api_client):
    response = api_client.post(TOKEN, {"email": "not-an-email"}, format="json")
    assert response.status_code == 400
    details = response.json()["error"]["details"]
    assert "email" in details and "password" in details


def test_malformed_json_is_400_parse_error(api_client):
    response = api_client.post(TOKEN, data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert _code(response) == "parse_error"


def test_unsupported_media_type_is_415_json(api_client):
    response = api_client.post(TOKEN, data="email=x", content_type="text/plain")
    assert response.status_code == 415
    assert _code(response) == "unsupported_media_type"


class TestSecondFactor:
    def test_applicant_with_device_needs_otp(self, api_client, applicant_with_totp):
        user, device = applicant_with_totp
        response = _token(api_client, user.email)
        assert response.status_code == 401 and _code(response) == "otp_required"
        response = _token(api_client, user.email, otp=totp_code(device))
        assert response.status_code == 200

    def test_wrong_otp_is_otp_invalid(self, api_client, applicant_with_totp):
        user, device = applicant_with_totp
        response = _token(api_client, user.email, otp=wrong_code(device))
        assert response.status_code == 401 and _code(response) == "otp_invalid"
        assert not RefreshToken.objects.exists()

    def test_code_cannot_be_replayed(self, api_client, applicant_with_totp):
        user, device = applicant_with_totp
        code = totp_code(device)
        assert _token(api_client, user.email, otp=code).status_code == 200
        response = _token(api_client, user.email, otp=code)
        assert response.status_code == 401 and _code(response) == "otp_invalid"

    def test_officer_needs_otp(self, api_client, officer_with_totp):
        user, device = officer_with_totp
        assert _code(_token(api_client, user.email)) == "otp_required"
        assert _token(api_client, user.email, otp=totp_code(device)).status_code == 200

    def test_officer_without_device_must_set_one_up_first(self, api_client, case_officer):
        response = _token(api_client, case_officer.email, otp="123456")
        assert response.status_code == 403 and _code(response) == "otp_setup_required"


class TestLockout:
    def test_sixth_try_is_429_even_with_the_right_password(self, api_client, applicant, settings):
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            assert _token(api_client, applicant.email, "wrong password").status_code == 401
        assert _token(api_client, applicant.email, "wrong password").status_code == 429
        response = _token(api_client, applicant.email)
        assert response.status_code == 429
        assert _code(response) == "locked_out"
        assert not RefreshToken.objects.exists()

    def test_page_and_api_share_the_count(self, api_client, client, applicant, settings):
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            client.post("/login/", {"email": applicant.email, "password": "wrong password"})
        _token(api_client, applicant.email, "wrong password")
        assert _token(api_client, applicant.email).status_code == 429
        assert client.post("/login/", {"email": applicant.email, "password": PASSWORD}).status_code == 429

    def test_wrong_otp_codes_count(self, api_client, applicant_with_totp, settings):
        user, device = applicant_with_totp
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            assert _code(_token(api_client, user.email, otp=wrong_code(device))) == "otp_invalid"
        assert _token(api_client, user.email, otp=wrong_code(device)).status_code == 429
        response = _token(api_client, user.email, otp=totp_code(device))
        assert response.status_code == 429 and _code(response) == "locked_out"


class TestRefresh:
    def _pair(self, api_client, user):
        return _token(api_client, user.email).json()

    def test_refresh_gives_a_new_pair(self, api_client, applicant):
        pair = self._pair(api_client, applicant)
        response = api_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json")
        assert response.status_code == 200
        assert response.json()["refresh"] != pair["refresh"]

    def test_reuse_is_401_token_reused_and_revokes_the_family(self, api_client, applicant):
        pair = self._pair(api_client, applicant)
        second = api_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json").json()
        reused = api_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json")
        assert reused.status_code == 401 and _code(reused) == "token_reused"
        # The family is revoked: the pair obtained in between no longer refreshes either.
        response = api_client.post(REFRESH, {"refresh": second["refresh"]}, format="json")
        assert response.status_code == 401 and _code(response) == "token_invalid"

    def test_access_token_is_not_a_refresh_token(self, api_client, applicant):
        pair = self._pair(api_client, applicant)
        response = api_client.post(REFRESH, {"refresh": pair["access"]}, format="json")
        assert response.status_code == 401 and _code(response) == "token_invalid"

    def test_garbage_is_401(self, api_client):
        response = api_client.post(REFRESH, {"refresh": "a.b.c"}, format="json")
        assert response.status_code == 401 and _code(response) == "token_invalid"

    def test_deactivated_user_cannot_refresh(self, api_client, applicant):
        pair = self._pair(api_client, applicant)
        applicant.is_active = False
        applicant.save()
        response = api_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json")
        assert response.status_code == 401

    def test_missing_refresh_is_400(self, api_client):
        response = api_client.post(REFRESH, {}, format="json")
        assert response.status_code == 400 and _code(response) == "validation_error"


def test_schema_documents_the_auth_endpoints(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    text = response.content.decode()
    for path in (
        "/api/v1/auth/register",
        "/api/v1/auth/verify-email",
        "/api/v1/auth/token",
        "/api/v1/auth/token/refresh",
    ):
        assert path in text
