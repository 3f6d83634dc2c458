"""Issue 10, item 1: e-mails (and the PDFs rendered for them) default to the language the person uses the site in."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from identity.models import User

pytestmark = pytest.mark.django_db


def selected_language(html: str) -> str:
    select = re.search(r'<select name="preferred_language".*?</select>', html, re.S).group(0)
    return re.search(r'<option value="(\w+)"[^>]*selected', select).group(1)


@pytest.mark.parametrize("language", ["en", "ru", "lv"])
def test_register_page_preselects_the_page_language_for_e_mails(client, language):
    response = client.get(reverse("identity:register"), HTTP_ACCEPT_LANGUAGE=language)
    assert selected_language(response.content.decode()) == language


def test_register_page_follows_the_language_switcher(client):
    client.post("/i18n/setlang/", {"language": "ru", "next": "/register/"})
    response = client.get(reverse("identity:register"))
    assert selected_language(response.content.decode()) == "ru"


def test_an_english_speaker_who_keeps_the_default_gets_english_mail(client):
    form = client.get(reverse("identity:register"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    default = selected_language(form)
    client.post(
        reverse("identity:register"),
        {
            "email": "john@example.org",
            "first_name": "John",
            "last_name": "Smith",
            "preferred_language": default,
            "password1": "Kalnu-upe-pavasaris-41",
            "password2": "Kalnu-upe-pavasaris-41",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert User.objects.get(email="john@example.org").preferred_language == "en"


@pytest.mark.parametrize(("accept", "expected"), [("ru", "ru"), ("en-GB,en;q=0.9", "en"), ("lv", "lv")])
def test_api_registration_defaults_to_the_request_language(api_client, accept, expected):
    response = api_client.post(
        "/api/v1/auth/register",
        {
            "email": f"someone-{expected}-{accept[:2]}@example.org",
            "password": "Kalnu-upe-pavasaris-41",
            "first_name": "Some",
            "last_name": "One",
        },
        format="json",
        HTTP_ACCEPT_LANGUAGE=accept,
    )
    assert response.status_code == 201, response.content
    assert (
        User.objects.get(email=f"someone-{expected}-{accept[:2]}@example.org").preferred_language == expected
    )
