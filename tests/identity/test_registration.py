"""Registration (page, API, service): an inactive applicant with a profile and a verification e-mail."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from identity.models import ApplicantProfile, User
from identity.services import accounts
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

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
    # Rendered in the preferred language (the `translated` fixture compiles locale/), greeting and signature included.
    assert message.body.startswith("Здравствуйте, Olena Shevchenko!")
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
def test_register_page_refuses_duplicate_email_case_insensitively(client, email):
    UserFactory(email="taken@example.lv")
    response = client.post(reverse("identity:register"), {**GOOD, "email": email})
    assert response.status_code == 400
    assert "already exists" in response.content.decode()
    assert 'aria-describedby="id_email_helptext id_email_error"' in response.content.decode()
    assert User.objects.count() == 1
    assert ApplicantProfile.objects.count() == 0
    assert mail.outbox == []


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


def test_service_leaves_nothing_behind_on_duplicate(django_capture_on_commit_callbacks):
    UserFactory(email="taken@example.lv")
    with (
        pytest.raises(accounts.EmailAlreadyRegisteredError),
        django_capture_on_commit_callbacks() as callbacks,
    ):
        accounts.register_applicant(
            email="Taken@Example.lv", password="Kalnu-upe-pavasaris-41", first_name="A", last_name="B"
        )
    assert callbacks == []
    assert User.objects.count() == 1


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

    def test_duplicate_email_is_a_field_error(self, api_client):
        UserFactory(email="api.user@example.lv")
        response = api_client.post(self.url, {**self.body, "email": "API.User@example.lv"}, format="json")
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["code"] == "validation_error"
        assert "email" in error["details"]
        assert User.objects.count() == 1

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
