"""The middlewares' shortcuts do what the stock code does: constant headers written once checked
(``eservice.middleware.set_absent``) are what ``response.headers.setdefault`` and the stock middlewares write, on
the real stack; a lazy object made directly is the one its class makes; an untouched visitor's session is left
alone as the stock middleware leaves it."""

from __future__ import annotations

import pytest
from csp.middleware import CheckableLazyObject
from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import BadHeaderError, HttpResponse, JsonResponse
from django.middleware.common import CommonMiddleware
from django.middleware.security import SecurityMiddleware
from django.test import RequestFactory
from django.utils.functional import SimpleLazyObject

from eservice.middleware import (
    FramingPolicyMiddleware,
    HostCheckedCommonMiddleware,
    UntouchedSessionMiddleware,
    checked_headers,
    has_header,
    lazy_object,
    set_absent,
)

CONSTANTS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "Vary": "Accept-Language"}


def _response(**own: str) -> HttpResponse:
    response = HttpResponse(b"hello")
    for name, value in own.items():
        response[name.replace("_", "-")] = value
    return response


@pytest.mark.parametrize("own", [{}, {"referrer_policy": "no-referrer"}, {"VARY": "Cookie", "x_other": "1"}])
def test_writing_absent_headers_is_setdefault(own):
    written, stock = _response(**own), _response(**own)
    set_absent(written, checked_headers(CONSTANTS))
    for name, value in CONSTANTS.items():
        stock.headers.setdefault(name, value)
    assert list(written.items()) == list(stock.items())
    assert written.serialize_headers() == stock.serialize_headers()
    assert all(has_header(written, name.lower()) for name in CONSTANTS)
    assert not has_header(written, "x-not-there")


def test_a_header_that_could_not_be_written_is_refused_when_made():
    with pytest.raises(BadHeaderError):
        checked_headers({"X-Injected": "a\r\nSet-Cookie: b=c"})
    assert checked_headers({"X-Name": "Jānis"}) == (("x-name", ("X-Name", "=?utf-8?b?SsSBbmlz?=")),)


def _stock_security_headers(request) -> dict[str, str]:
    response = HttpResponse()
    SecurityMiddleware(lambda request: response).process_response(request, response)
    return {name: value for name, value in response.items() if name != "Content-Type"}


@pytest.mark.django_db
@pytest.mark.parametrize("secure", [False, True])
def test_every_answer_has_the_security_middlewares_headers(client, settings, secure):
    """The framing layer writes what SecurityMiddleware would (HSTS on HTTPS only): a page, an API error and a 404
    carry exactly those values."""
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    expected = _stock_security_headers(RequestFactory().get("/", secure=secure))
    assert ("Strict-Transport-Security" in expected) is secure and "X-Content-Type-Options" in expected
    for path in ("/healthz", "/api/v1/applications", "/no-such-page"):
        response = client.get(path, secure=secure)
        assert {name: response[name] for name in expected} == expected, path
        assert ("Strict-Transport-Security" in response) is secure


def test_a_views_own_security_header_is_kept(settings):
    settings.SECURE_REFERRER_POLICY = "strict-origin"
    request = RequestFactory().get("/")
    own = FramingPolicyMiddleware(lambda request: _response(referrer_policy="no-referrer"))(request)
    assert own["Referrer-Policy"] == "no-referrer"
    changed = FramingPolicyMiddleware(lambda request: _response())(RequestFactory().get("/"))
    assert changed["Referrer-Policy"] == "strict-origin"


@pytest.mark.parametrize(
    "response",
    [
        HttpResponse(b"hello"),
        JsonResponse({"name": "Jānis"}),
        HttpResponse("ā" * 10),
        HttpResponse(b"", status=204),
        HttpResponse(b"not found", status=404),
    ],
    ids=["bytes", "json", "text", "empty", "404"],
)
def test_the_content_length_is_the_stock_one(response):
    request = RequestFactory().get("/found/")
    ours = HostCheckedCommonMiddleware(lambda request: response).process_response(request, response)
    copy = HttpResponse(response.content, status=response.status_code)
    stock = CommonMiddleware(lambda request: copy).process_response(request, copy)
    assert ours["Content-Length"] == stock["Content-Length"] == str(len(response.content))


@pytest.mark.parametrize("cls", [SimpleLazyObject, CheckableLazyObject])
def test_a_lazy_object_made_directly_is_the_one_its_class_makes(cls):
    calls = []

    def made() -> list[str]:
        calls.append("made")
        return ["value"]

    direct, stock = lazy_object(cls, made), cls(made)
    assert type(direct) is type(stock) and vars(direct) == vars(stock)
    if cls is CheckableLazyObject:
        assert not direct  # not evaluated yet
    assert calls == []
    assert direct == ["value"] and direct[0] == "value" and calls == ["made"]


def _untouched(request):
    return HttpResponse()


def _read(request):
    request.session.get("x")
    return HttpResponse()


def _written(request):
    request.session["x"] = 1
    return HttpResponse()


@pytest.mark.django_db
@pytest.mark.parametrize("view", [_untouched, _read, _written])
@pytest.mark.parametrize("cookie", [None, "stale-session-key"])
def test_the_session_answer_is_the_stock_one(view, cookie):
    """With and without a session cookie, a session untouched, read or written: the same cookies and Vary."""
    answers = []
    for middleware in (UntouchedSessionMiddleware, SessionMiddleware):
        request = RequestFactory().get("/")
        if cookie:
            request.COOKIES[settings.SESSION_COOKIE_NAME] = cookie
        response = middleware(view)(request)
        morsel = response.cookies.get(settings.SESSION_COOKIE_NAME)
        answers.append((response.get("Vary"), morsel and (morsel["max-age"], morsel.value != "")))
    assert answers[0] == answers[1]
    if view is _untouched and cookie is None:
        assert answers[0] == (None, None)
