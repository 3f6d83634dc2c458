"""E-mail verification: signed, expiring links that work once; a clear page with a new-link form otherwise."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail, signing
from django.urls import reverse

from identity.models import EmailVerification, User
from identity.services import accounts
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def new_user():
    return UserFactory(unverified=True, is_active=False, email="new@example.lv")


def _without_csrf(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def _url(token: str) -> str:
    return f"{reverse('identity:verify_email')}?token={token}"


def _confirm(client, token: str):
    return client.post(reverse("identity:verify_email"), {"token": token})


def test_opening_the_link_only_shows_a_confirm_button(client, new_user):
    """A mail scanner that opens (GETs) every link must not activate an account."""
    token = accounts.make_verification_token(user=new_user)
    response = client.get(_url(token))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'method="post"' in html and f'value="{token}"' in html
    new_user.refresh_from_db()
    assert not new_user.is_active and new_user.email_verified_at is None
    assert not EmailVerification.objects.exists()
    # Opening it again changes nothing either.
    assert client.get(_url(token)).status_code == 200


def test_pressing_confirm_activates_the_account(client, new_user):
    token = accounts.make_verification_token(user=new_user)
    response = _confirm(client, token)
    assert response.status_code == 200
    assert "E-mail address confirmed" in response.content.decode()
    new_user.refresh_from_db()
    assert new_user.is_active and new_user.email_verified_at is not None
    assert EmailVerification.objects.filter(user=new_user).count() == 1


def test_confirm_needs_the_csrf_token(new_user):
    from django.test import Client

    token = accounts.make_verification_token(user=new_user)
    response = Client(enforce_csrf_checks=True).post(reverse("identity:verify_email"), {"token": token})
    assert response.status_code == 403
    new_user.refresh_from_db()
    assert not new_user.is_active


def test_link_from_the_mail_works(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        accounts.register_applicant(
            email="mail@example.lv", password="Kalnu-upe-pavasaris-41", first_name="A", last_name="B"
        )
    user = User.objects.get(email="mail@example.lv")
    link = next(line for line in mail.outbox[0].body.splitlines() if "verify-email" in line).strip()
    page = client.get(link.removeprefix("https://eservice.example.lv"))
    assert page.status_code == 200
    token = re.search(r'name="token" value="([^"]+)"', page.content.decode()).group(1)
    assert _confirm(client, token).status_code == 200
    user.refresh_from_db()
    assert user.email_verified


def test_reused_link_is_refused_with_a_new_link_form(client, new_user):
    token = accounts.make_verification_token(user=new_user)
    _confirm(client, token)
    for response in (client.get(_url(token)), _confirm(client, token)):
        assert response.status_code == 400
        html = response.content.decode()
        assert "already been used" in html
        assert reverse("identity:resend_verification") in html
    assert EmailVerification.objects.count() == 1


def test_expired_link_is_refused_and_changes_nothing(client, new_user, settings):
    with time_machine.travel(dt.datetime(2025, 1, 1, 12, tzinfo=dt.UTC), tick=False):
        token = accounts.make_verification_token(user=new_user)
    later = dt.datetime(2025, 1, 1, 12, tzinfo=dt.UTC) + dt.timedelta(
        seconds=settings.EMAIL_VERIFICATION_MAX_AGE + 60
    )
    with time_machine.travel(later, tick=False):
        response = client.get(_url(token))
        assert _confirm(client, token).status_code == 400
    assert response.status_code == 400
    assert "expired" in response.content.decode()
    new_user.refresh_from_db()
    assert not new_user.is_active and new_user.email_verified_at is None
    assert not EmailVerification.objects.exists()


@pytest.mark.parametrize("token", ["", "garbage", "a:b:c"])
def test_tampered_or_missing_token_is_refused(client, new_user, token):
    response = client.get(_url(token))
    assert response.status_code == 400
    assert _confirm(client, token).status_code == 400
    assert "not valid" in response.content.decode()
    new_user.refresh_from_db()
    assert not new_user.is_active


def test_token_signed_with_another_salt_is_refused(client, new_user):
    forged = signing.dumps({"u": new_user.pk, "e": new_user.email, "n": "x"}, salt="something-else")
    assert client.get(_url(forged)).status_code == 400


def test_token_for_a_changed_address_is_refused(new_user):
    token = accounts.make_verification_token(user=new_user)
    User.objects.filter(pk=new_user.pk).update(email="changed@example.lv")
    with pytest.raises(accounts.VerificationLinkError):
        accounts.verify_email(token=token)


def test_resend_answers_the_same_for_unknown_and_known_addresses(
    client, new_user, django_capture_on_commit_callbacks
):
    url = reverse("identity:resend_verification")
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(url, {"email": "NEW@example.lv"})
        unknown = client.post(url, {"email": "nobody@example.lv"})
    assert known.status_code == unknown.status_code == 200
    assert _without_csrf(known) == _without_csrf(unknown)
    assert [m.to for m in mail.outbox] == [["new@example.lv"]]


def test_resend_does_not_mail_verified_accounts(client, applicant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("identity:resend_verification"), {"email": applicant.email})
    assert mail.outbox == []


class TestVerifyEmailApi:
    url = "/api/v1/auth/verify-email"

    def test_verifies(self, api_client, new_user):
        token = accounts.make_verification_token(user=new_user)
        response = api_client.post(self.url, {"token": token}, format="json")
        assert response.status_code == 200
        assert response.json() == {"email": "new@example.lv", "email_verified": True}

    def test_reuse_is_400_token_used(self, api_client, new_user):
        token = accounts.make_verification_token(user=new_user)
        api_client.post(self.url, {"token": token}, format="json")
        response = api_client.post(self.url, {"token": token}, format="json")
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "token_used"

    def test_garbage_is_400_token_invalid(self, api_client, new_user):
        response = api_client.post(self.url, {"token": "nope"}, format="json")
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "token_invalid"

    def test_missing_token_is_a_validation_error(self, api_client):
        response = api_client.post(self.url, {}, format="json")
        assert response.status_code == 400
        assert "token" in response.json()["error"]["details"]
