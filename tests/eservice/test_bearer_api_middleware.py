"""A JWT request to the API skips the browser-only middlewares (session, session user, OTP, staff second-factor
rule, messages): no session is read or written, no session cookie is set. Every other request keeps them."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.test import RequestFactory
from django_otp.middleware import OTPMiddleware

from eservice.middleware import is_bearer_api_request
from identity.middleware import StaffSecondFactorMiddleware

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "authorization", "expected"),
    [
        ("/api/v1/applications", "Bearer abc", True),
        ("/api/v1/applications", "bearer abc", True),
        ("/api/v1/applications", "", False),
        ("/api/v1/applications", "Basic abc", False),
        ("/applications/", "Bearer abc", False),  # pages always use the session
    ],
)
def test_only_a_bearer_request_under_api_is_narrowed(path, authorization, expected):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    assert is_bearer_api_request(RequestFactory().get(path, **headers)) is expected


def test_the_narrowed_middlewares_are_still_the_stock_ones_for_django_checks():
    loaded = [__import__(p.rsplit(".", 1)[0], fromlist=["x"]) for p in settings.MIDDLEWARE]
    classes = [getattr(module, path.rsplit(".", 1)[1]) for module, path in zip(loaded, settings.MIDDLEWARE)]
    for stock in (
        SessionMiddleware,
        AuthenticationMiddleware,
        OTPMiddleware,
        StaffSecondFactorMiddleware,
        MessageMiddleware,
    ):
        assert any(issubclass(cls, stock) for cls in classes), stock
    assert "django.middleware.csrf.CsrfViewMiddleware" in settings.MIDDLEWARE


def test_a_jwt_request_with_a_session_cookie_neither_reads_nor_sets_the_session(
    client, applicant, bearer_client
):
    client.force_login(applicant)  # a browser that also holds a session
    api = bearer_client(applicant)
    api.cookies = client.cookies
    response = api.get("/api/v1/applications")
    assert response.status_code == 200
    assert "sessionid" not in response.cookies
    assert "Cookie" not in response.get("Vary", "")
    assert "Authorization" in response["Vary"]
    assert "no-store" in response["Cache-Control"]


def test_a_session_request_to_the_api_still_uses_the_session(client, applicant):
    client.force_login(applicant)
    response = client.get("/api/v1/applications")
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_an_unverified_staff_session_is_still_nobody_on_the_api(client, case_officer):
    client.force_login(case_officer)  # password only, no TOTP: the session may only enrol the second factor
    response = client.get("/api/v1/backoffice/cases")
    assert response.status_code in (401, 403)


def test_a_staff_token_without_the_code_is_refused(case_officer):
    from rest_framework.test import APIClient

    from identity.services.api_tokens import issue_access_token

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_access_token(user=case_officer, second_factor=False)}")
    response = api.get("/api/v1/backoffice/cases")
    assert response.status_code == 401
