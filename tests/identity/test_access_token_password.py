"""An access token stops working as soon as the password changes (page or reset link), not 10 minutes later:
it carries the same password fingerprint as the refresh token, and the API checks it."""

from __future__ import annotations

import pytest

from identity.services import accounts
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW = "Jauna-parole-ziema-2031"
TOKEN = "/api/v1/auth/token"
ME = "/api/v1/applications"


@pytest.fixture
def bearer(api_client, applicant):
    response = api_client.post(TOKEN, {"email": applicant.email, "password": PASSWORD}, format="json")
    assert response.status_code == 200
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    assert api_client.get(ME).status_code == 200
    return api_client


def test_password_change_ends_access_tokens(bearer, client, applicant):
    client.force_login(applicant)
    response = client.post(
        "/password/change/", {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW}
    )
    assert response.status_code == 302
    refused = bearer.get(ME)
    assert refused.status_code == 401
    assert "password was changed" in refused.json()["error"]["message"]


def test_password_reset_ends_access_tokens(bearer, client, applicant):
    applicant.refresh_from_db()  # the sign-in set last_login, which the reset link depends on
    form_page = client.get(
        accounts.password_reset_url(user=applicant).removeprefix("https://eservice.example.lv"), follow=True
    )
    set_url = form_page.redirect_chain[-1][0]
    response = client.post(set_url, {"new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302
    assert bearer.get(ME).status_code == 401


def test_a_new_sign_in_after_the_change_works(bearer, api_client, applicant):
    accounts.change_password(user=applicant, new_password=NEW)
    assert bearer.get(ME).status_code == 401
    api_client.credentials()
    fresh = api_client.post(TOKEN, {"email": applicant.email, "password": NEW}, format="json").json()[
        "access"
    ]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {fresh}")
    assert api_client.get(ME).status_code == 200
