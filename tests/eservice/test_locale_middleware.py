"""The language middleware keeps the language Django picks for each pair of language cookie and
``Accept-Language`` header: the pick is Django's own, for any pair, and a page answers in it."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import RequestFactory
from django.utils import translation

from eservice.middleware import _language_for

PAIRS = [
    (None, ""),
    (None, "ru-RU,ru;q=0.9,en;q=0.8"),
    (None, "de-DE,de;q=0.9"),  # nothing we offer: the default
    (None, "*"),
    (None, "en-GB;q=0.5, lv;q=0.9"),
    (None, "xx-!!, en"),
    ("ru", "lv"),  # the cookie wins
    ("de", "ru"),  # a cookie for a language we do not offer is passed over
    ("en-us", ""),
    ("", "en"),
]


@pytest.mark.parametrize(("cookie", "accept"), PAIRS)
def test_the_kept_pick_is_djangos(cookie, accept):
    factory = RequestFactory(HTTP_ACCEPT_LANGUAGE=accept)
    request = factory.get("/")
    if cookie is not None:
        request.COOKIES[settings.LANGUAGE_COOKIE_NAME] = cookie
    language = translation.get_language_from_request(request)
    assert _language_for(cookie, accept) == (language, language)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("cookie", "accept", "expected"),
    [(None, "ru", "ru"), ("en", "ru", "en"), ("lv", "ru", "lv"), (None, "", settings.LANGUAGE_CODE)],
)
def test_a_page_answers_in_the_language_asked_for(client, cookie, accept, expected):
    if cookie is not None:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = cookie
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=accept)
    assert response.status_code == 200
    assert response["Content-Language"] == expected
    assert f'lang="{expected}"' in response.content.decode()
    assert "Accept-Language" in response["Vary"]


@pytest.mark.django_db
def test_a_long_header_is_answered_and_not_kept(client):
    _language_for.cache_clear()
    long_header = "ru," + ",".join(f"x{i};q=0.1" for i in range(200))
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=long_header)
    djangos = translation.get_language_from_request(RequestFactory(HTTP_ACCEPT_LANGUAGE=long_header).get("/"))
    assert response["Content-Language"] == djangos  # whatever Django makes of it (it caps a header's length)
    assert _language_for.cache_info().currsize == 0
