"""The CSP header is built once per process and is exactly the header django-csp builds for the settings; the
same layer writes X-Frame-Options."""

from __future__ import annotations

import pytest
from csp.constants import HEADER, NONCE, NONE, SELF
from csp.exceptions import CSPNonceError
from csp.utils import build_policy
from django.http import HttpResponse
from django.test import RequestFactory

from eservice.middleware import FramingPolicyMiddleware


def _answer(response: HttpResponse, path: str = "/api/v1/applications") -> HttpResponse:
    request = RequestFactory().get(path)
    middleware = FramingPolicyMiddleware(lambda request: response)
    return middleware(request)


def test_the_static_header_is_django_csps_own(client, db):
    response = client.get("/healthz")
    assert response[HEADER] == build_policy()
    assert "default-src 'self'" in response[HEADER] and "frame-ancestors 'none'" in response[HEADER]


def test_a_changed_policy_is_picked_up(settings):
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": [NONE]}}
    assert _answer(HttpResponse())[HEADER] == "default-src 'none'"
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": [SELF]}}
    assert _answer(HttpResponse())[HEADER] == "default-src 'self'"


def test_a_views_own_policy_and_a_nonce_still_go_through_django_csp(settings):
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": [SELF], "script-src": [SELF, NONCE]}}
    response = HttpResponse()
    response._csp_update = {"img-src": ["https://maps.example.lv"]}
    assert "img-src https://maps.example.lv" in _answer(response)[HEADER]

    request = RequestFactory().get("/")
    middleware = FramingPolicyMiddleware(lambda request: HttpResponse(str(request.csp_nonce)))
    middleware.process_request(request)
    nonce = str(request.csp_nonce)
    assert f"'nonce-{nonce}'" in middleware.process_response(request, HttpResponse())[HEADER]


def test_a_header_already_set_is_kept(settings):
    response = HttpResponse()
    response[HEADER] = "default-src 'none'"
    assert _answer(response)[HEADER] == "default-src 'none'"


def test_a_nonce_asked_for_after_the_header_is_written_is_an_error(client, db):
    for _ in range(2):  # the guard is shared by every request: it stays a guard
        request = client.get("/healthz").wsgi_request
        assert not request.csp_nonce  # not evaluated
        with pytest.raises(CSPNonceError):
            str(request.csp_nonce)


def test_every_answer_says_it_may_not_be_framed(client, db):
    """A page, an API error and a 404 all carry X-Frame-Options: DENY."""
    for path in ("/healthz", "/api/v1/applications", "/no-such-page"):
        assert client.get(path)["X-Frame-Options"] == "DENY"


def test_a_views_own_framing_answer_is_kept(settings):
    own = HttpResponse()
    own["X-Frame-Options"] = "SAMEORIGIN"
    assert _answer(own)["X-Frame-Options"] == "SAMEORIGIN"
    exempt = HttpResponse()
    exempt.xframe_options_exempt = True
    assert "X-Frame-Options" not in _answer(exempt)
    settings.X_FRAME_OPTIONS = "sameorigin"
    assert _answer(HttpResponse())["X-Frame-Options"] == "SAMEORIGIN"


def test_the_deploy_check_silenced_for_it_is_the_framing_one_alone(settings):
    """``security.W002`` only says Django's XFrameOptionsMiddleware is missing by name; nothing else is silenced."""
    assert settings.SILENCED_SYSTEM_CHECKS == ["security.W002"]
    assert "django.middleware.clickjacking.XFrameOptionsMiddleware" not in settings.MIDDLEWARE
    assert "eservice.middleware.FramingPolicyMiddleware" in settings.MIDDLEWARE
    assert "eservice.middleware.FramingPolicyMiddleware" in settings.API_MIDDLEWARE
