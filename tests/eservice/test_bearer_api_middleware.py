"""A JWT request to the API takes its own, shorter middleware list (``API_MIDDLEWARE``, through
``BearerApiMiddleware``): no session is read or written, no session cookie is set, and its answer is the one the
whole stack would give. Every other request keeps the whole ``MIDDLEWARE``."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.test import RequestFactory
from django_otp.middleware import OTPMiddleware

from eservice.middleware import SessionUserMiddleware, is_bearer_api_request
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


def test_the_browser_stack_keeps_the_stock_middlewares_for_django_checks():
    loaded = [__import__(p.rsplit(".", 1)[0], fromlist=["x"]) for p in settings.MIDDLEWARE]
    classes = [getattr(module, path.rsplit(".", 1)[1]) for module, path in zip(loaded, settings.MIDDLEWARE)]
    for stock in (SessionMiddleware, AuthenticationMiddleware, MessageMiddleware):
        assert any(issubclass(cls, stock) for cls in classes), stock
    # OTPMiddleware and the staff second-factor rule run inside SessionUserMiddleware, as their own classes.
    session_user = SessionUserMiddleware(lambda request: None)
    assert isinstance(session_user._otp, OTPMiddleware)
    assert isinstance(session_user._second_factor, StaffSecondFactorMiddleware)
    assert "django.middleware.csrf.CsrfViewMiddleware" in settings.MIDDLEWARE


def test_the_api_list_is_the_whole_stack_cut_down_in_the_same_order():
    assert settings.MIDDLEWARE[0] == "eservice.middleware.BearerApiMiddleware"
    positions = [settings.MIDDLEWARE.index(path) for path in settings.API_MIDDLEWARE]
    assert positions == sorted(positions)
    assert settings.MIDDLEWARE[-1] == settings.API_MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"


def _answers(token: str) -> list[tuple[int, bytes, dict]]:
    """What a JWT client gets for a spread of requests: a list, a page, errors, the NUL guard, another language,
    a disallowed host, a public answer (the JWKS)."""
    from rest_framework.test import APIClient

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    responses = [
        api.get("/api/v1/applications"),
        api.get("/api/v1/applications?limit=2&offset=1", HTTP_ACCEPT_LANGUAGE="ru"),
        api.get("/api/v1/applications/999999999", HTTP_ACCEPT_LANGUAGE="lv"),
        api.get("/api/v1/backoffice/cases"),  # an applicant: 403
        api.get("/api/v1/applications?kind=%00"),
        api.post("/api/v1/applications", data="{not json", content_type="application/json"),
        api.get("/api/v1/applications", HTTP_HOST="evil.example"),
        api.get("/api/v1/nowhere"),
        api.get("/api/schema/"),
        api.get("/api/docs/"),
        api.get("/.well-known/jwks.json"),
    ]
    return [(response.status_code, response.content, _comparable(response.headers)) for response in responses]


def _comparable(headers) -> dict:
    """The headers, with the CSP's directives as a set (django-csp writes them in no fixed order)."""
    out = {name: value for name, value in headers.items() if name != "Date"}
    if "Content-Security-Policy" in out:
        out["Content-Security-Policy"] = set(out["Content-Security-Policy"].split("; "))
    return out


def test_a_jwt_request_gets_from_the_short_list_what_the_whole_stack_gives(applicant):
    from django.test import override_settings

    from identity.services.api_tokens import issue_access_token
    from tests.factories import ApplicationFactory

    ApplicationFactory.create_batch(3, applicant=applicant)
    token = issue_access_token(user=applicant)
    short = _answers(token)
    with override_settings(MIDDLEWARE=settings.MIDDLEWARE[1:]):  # no route: the whole stack
        whole = _answers(token)
    assert [status for status, _, _ in short] == [200, 200, 404, 403, 400, 400, 400, 404, 200, 200, 200]
    # The one difference: the whole stack reads the session, so its answers also vary by Cookie.
    assert all("Cookie" not in headers.get("Vary", "") for _, _, headers in short[:-1])
    assert [_without_cookie_vary(answer) for answer in short] == [
        _without_cookie_vary(answer) for answer in whole
    ]


def _without_cookie_vary(answer: tuple[int, bytes, dict]) -> tuple[int, bytes, dict]:
    status, body, headers = answer
    if "Vary" in headers:
        headers = {
            **headers,
            "Vary": ", ".join(part for part in headers["Vary"].split(", ") if part != "Cookie"),
        }
    return status, body, headers


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
