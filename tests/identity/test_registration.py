"""Registration (page, API, service): an inactive applicant with a profile and a verification e-mail."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from django.core import mail
from django.urls import reverse

from identity.models import ApplicantProfile, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _without_address(response) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return re.sub(r"<strong>[^<]*</strong>", "", html)


def _link(body: str) -> str:
    return unquote(re.search(r"verify-email/\?token=(\S+)", body).group(1))


GOOD = {
    "email": "Olena.Shevchenko@Example.UA",
    "first_name": "Olena",
    "last_name": "Shevchenko",
    "preferred_language": "ru",
    "password1": "Kalnu-upe-pavasaris-41",
    "password2": "Kalnu-upe-pavasaris-41",
}


def test_register_page_renders_labelled_fields(client):
    response = client.get(reverse("identity:register"))
    assert response.status_code == 200
    html = response.content.decode()
    for field in ("email", "first_name", "last_name", "preferred_language", "password1", "password2"):
        assert f'for="id_{field}"' in html


def test_register_page_creates_inactive_applicant_with_profile_and_mails_link(
    client, translated, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("identity:register"), GOOD)
    assert response.status_code == 200
    assert "Check your e-mail" in response.content.decode()
    user = User.objects.get(email="olena.shevchenko@example.ua")
    assert user.is_applicant and not user.is_active and user.email_verified_at is None
    assert user.preferred_language == "ru"
    assert ApplicantProfile.objects.filter(user=user, first_name="Olena").exists()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["olena.shevchenko@example.ua"]
    assert "https://eservice.example.lv/verify-email/?token=" in message.body
    # Rendered in the preferred language (the `translated` fixture compiles locale/), signature included; the
    # address is not confirmed yet, so the self-declared name is not in the greeting.
    assert "Olena" not in message.body and "Shevchenko" not in message.body
    assert "Управление по делам гражданства и миграции" in message.body
    assert "+371 67209400" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and "https://eservice.example.lv/verify-email/?token=" in html


def test_mail_is_sent_only_after_commit(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("identity:register"), GOOD)
    assert len(callbacks) == 1
    assert mail.outbox == []


@pytest.mark.parametrize("email", ["taken@example.lv", "TAKEN@Example.lv"])
def test_register_page_answers_the_same_for_a_known_address_and_mails_its_owner(
    client, email, django_capture_on_commit_callbacks
):
    owner = UserFactory(email="taken@example.lv", first_name="Anna", preferred_language="en")
    password_before = owner.password
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(reverse("identity:register"), {**GOOD, "email": email})
        new = client.post(reverse("identity:register"), {**GOOD, "email": "fresh@example.lv"})
    assert known.status_code == new.status_code == 200
    assert _without_address(known) == _without_address(new)
    assert "already" not in known.content.decode()
    owner.refresh_from_db()
    assert owner.password == password_before and owner.first_name == "Anna"
    assert User.objects.filter(email__iexact="taken@example.lv").count() == 1
    owner_mail = next(m for m in mail.outbox if m.to == ["taken@example.lv"])
    assert owner_mail.subject == "You already have an account"
    assert owner_mail.body.startswith("Dear Anna")  # a confirmed address is greeted by name
    assert "https://eservice.example.lv/login/" in owner_mail.body
    assert "https://eservice.example.lv/password/reset/" in owner_mail.body
    assert "verify-email" not in owner_mail.body


def test_owner_mail_is_in_the_owners_language(client, translated, django_capture_on_commit_callbacks):
    UserFactory(email="taken@example.lv", preferred_language="ru")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("identity:register"), {**GOOD, "email": "taken@example.lv", "preferred_language": "en"}
        )
    (message,) = mail.outbox
    assert message.extra_headers["Content-Language"] == "ru"
    assert "Управление по делам гражданства и миграции" in message.body


def test_owner_is_mailed_at_most_once_an_hour(client, django_capture_on_commit_callbacks):
    UserFactory(email="taken@example.lv")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            assert (
                client.post(reverse("identity:register"), {**GOOD, "email": "taken@example.lv"}).status_code
                == 200
            )
    assert len(mail.outbox) == 1


def test_registering_a_pending_address_again_renews_it_and_voids_older_links(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("identity:register"), {**GOOD, "first_name": "Mallory"})
        client.post(reverse("identity:register"), GOOD)
    assert User.objects.count() == 1
    user = User.objects.get()
    assert user.first_name == "Olena" and user.check_password(GOOD["password1"])
    first_link, second_link = (_link(m.body) for m in mail.outbox)
    assert client.post(reverse("identity:verify_email"), {"token": first_link}).status_code == 400
    assert client.post(reverse("identity:verify_email"), {"token": second_link}).status_code == 200
    user.refresh_from_db()
    assert user.is_active


def test_registration_costs_one_password_hash_whether_or_not_the_address_is_known(client):
    from unittest import mock

    from django.contrib.auth.hashers import MD5PasswordHasher

    UserFactory(email="taken@example.lv")
    calls = []
    encode = MD5PasswordHasher.encode

    def counting_encode(self, *args, **kwargs):
        calls.append(1)
        return encode(self, *args, **kwargs)

    counts = {}
    with mock.patch.object(MD5PasswordHasher, "encode", counting_encode):
        for email in ("taken@example.lv", "fresh@example.lv"):
            calls.clear()
            assert client.post(reverse("identity:register"), {**GOOD, "email": email}).status_code == 200
            counts[email] = len(calls)
    assert counts == {"taken@example.lv": 1, "fresh@example.lv": 1}


@pytest.mark.parametrize(
    "name", ["Visit https://evil.example", "Anna<b>", "R2D2", "Jānis; call +371", "a@b.lv", "  ", "--"]
)
def test_register_page_refuses_names_with_other_characters(client, name):
    response = client.post(reverse("identity:register"), {**GOOD, "first_name": name})
    assert response.status_code == 400
    assert (
        "Use only letters, spaces, hyphens" in response.content.decode()
        or "required" in response.content.decode()
    )
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "name", ["Anna-Marija", "O'Brien", "D’Angelo", "Jānis  Bērziņš", "Ольга", "de la Cruz"]
)
def test_register_page_accepts_real_names(client, name):
    assert client.post(reverse("identity:register"), {**GOOD, "last_name": name}).status_code == 200
    assert User.objects.get().last_name == " ".join(name.split())


@pytest.mark.parametrize(
    ("password", "message"),
    [("short1", "too short"), ("password1234", "too common"), ("12345678901234", "entirely numeric")],
)
def test_register_page_refuses_weak_password(client, password, message):
    response = client.post(
        reverse("identity:register"), {**GOOD, "password1": password, "password2": password}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not User.objects.exists()


def test_register_page_refuses_mismatched_passwords(client):
    response = client.post(reverse("identity:register"), {**GOOD, "password2": "something-else-entirely"})
    assert response.status_code == 400
    assert "do not match" in response.content.decode()
    assert not User.objects.exists()


def test_register_page_refuses_missing_fields(client):
    response = client.post(reverse("identity:register"), {"email": "not-an-email"})
    assert response.status_code == 400
    assert not User.objects.exists()


class TestRegisterApi:
    url = "/api/v1/auth/register"
    body = {
        "email": "api.user@example.lv",
        "password": "Kalnu-upe-pavasaris-41",
        "first_name": "Ivan",
        "last_name": "Petrov",
        "preferred_language": "en",
    }

    def test_creates_account(self, api_client, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            response = api_client.post(self.url, self.body, format="json")
        assert response.status_code == 201
        assert response.json() == {"email": "api.user@example.lv", "email_verified": False}
        user = User.objects.get(email="api.user@example.lv")
        assert not user.is_active and hasattr(user, "profile")
        assert len(mail.outbox) == 1

    def test_known_address_gets_the_same_answer(self, api_client, django_capture_on_commit_callbacks):
        UserFactory(email="api.user@example.lv", first_name="Anna", preferred_language="en")
        with django_capture_on_commit_callbacks(execute=True):
            response = api_client.post(self.url, {**self.body, "email": "API.User@example.lv"}, format="json")
        assert response.status_code == 201
        assert response.json() == {"email": "api.user@example.lv", "email_verified": False}
        assert User.objects.count() == 1
        assert mail.outbox[0].subject == "You already have an account"

    def test_name_with_a_link_is_a_field_error(self, api_client):
        response = api_client.post(
            self.url, {**self.body, "first_name": "Win a prize at https://evil.example"}, format="json"
        )
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["code"] == "validation_error" and "first_name" in error["details"]
        assert not User.objects.exists()

    def test_weak_password_is_a_field_error(self, api_client):
        response = api_client.post(self.url, {**self.body, "password": "12345678"}, format="json")
        assert response.status_code == 400
        assert "password" in response.json()["error"]["details"]
        assert not User.objects.exists()

    def test_unknown_language_is_refused(self, api_client):
        response = api_client.post(self.url, {**self.body, "preferred_language": "de"}, format="json")
        assert response.status_code == 400
        assert "preferred_language" in response.json()["error"]["details"]

    def test_malformed_json_is_a_400_json_error(self, api_client):
        response = api_client.post(
            self.url, data='{"email": "x@example.lv",', content_type="application/json"
        )
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "parse_error"
        assert not User.objects.exists()

    def test_json_that_is_not_an_object_is_refused(self, api_client):
        response = api_client.post(self.url, data="[1, 2]", content_type="application/json")
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "validation_error"
