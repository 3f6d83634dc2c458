"""Issue 10, item 13: Latvian password messages address the person as "jūs", like the rest of the site."""

from __future__ import annotations

import re

import pytest

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

INFORMAL = re.compile(r"\b(Tava|tava|Tavs|tavs|Tev|tev|Tu|vari)\b")


def errors_of(response) -> str:
    return " ".join(re.findall(r'<ul class="errorlist"[^>]*>(.*?)</ul>', response.content.decode(), re.S))


def test_wrong_current_password_is_said_formally_in_latvian(client, applicant, translated):
    client.force_login(applicant)
    response = client.post(
        "/password/change/",
        {"old_password": "wrong", "new_password1": "1234", "new_password2": "1234"},
        HTTP_ACCEPT_LANGUAGE="lv",
    )
    assert response.status_code == 400
    errors = errors_of(response)
    assert "Jūsu pašreizējā parole ievadīta nepareizi" in errors
    assert not INFORMAL.search(errors), errors


def test_weak_passwords_are_refused_formally_in_latvian(client, applicant, translated):
    client.force_login(applicant)
    response = client.post(
        "/password/change/",
        {"old_password": PASSWORD, "new_password1": "12345", "new_password2": "12345"},
        HTTP_ACCEPT_LANGUAGE="lv",
    )
    errors = errors_of(response)
    assert "Parole" in errors or "parole" in errors
    assert not INFORMAL.search(errors), errors
