"""A staff member who has not passed the second factor is not signed in as staff, on any page or API.

Through the real sign-in page and the real token API: the password alone opens a session that may set up the
authenticator app, sign out, and nothing else; a token authenticates staff only if its sign-in checked the code.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from identity import tokens
from identity.models import Role, StaffAccessLog
from tests.factories import PASSWORD, ApplicationDocumentFactory, ApplicationFactory, UserFactory
from tests.otp import add_totp, totp_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(applicant):
    """A submitted application with a passport scan, handled by a unit."""
    application = ApplicationFactory(applicant=applicant, submitted=True)
    document = ApplicationDocumentFactory(application=application, original_filename="passport.pdf")
    return application, document


def _sign_in(client: Client, user) -> None:
    response = client.post("/login/", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302


def test_officer_signed_in_with_the_password_only_cannot_download_documents(client, case):
    application, document = case
    officer = UserFactory(case_officer=True, unit=application.unit)
    download = f"/applications/{application.pk}/documents/{document.pk}/download/"

    _sign_in(client, officer)
    response = client.get(download)
    assert response.status_code == 302 and response["Location"] == "/account/two-step/"
    assert not StaffAccessLog.objects.exists()

    # Setting up the app is what the session is for; once the code is confirmed, the case is open to them.
    assert client.get("/account/two-step/").status_code == 200
    pending = TOTPDevice.objects.get(user=officer, confirmed=False)
    confirmed = client.post("/account/two-step/", {"otp": totp_code(pending)})
    assert confirmed.status_code == 302
    response = client.get(download)
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert StaffAccessLog.objects.get().staff == officer


def test_unverified_staff_session_gets_401_from_the_api(client, case):
    application, _ = case
    _sign_in(client, UserFactory(case_officer=True, unit=application.unit))
    response = client.get("/api/v1/applications")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_unverified_staff_may_sign_out(client):
    _sign_in(client, UserFactory(case_officer=True))
    assert client.post("/logout/").status_code == 302
    assert client.get("/account/two-step/")["Location"].startswith("/login/")


def test_applicant_promoted_to_officer_must_pass_the_second_factor(client, case):
    """A session opened as an applicant (password only) does not become an officer's session."""
    application, document = case
    user = UserFactory(applicant=True)
    _sign_in(client, user)
    user.role = Role.CASE_OFFICER
    user.unit = application.unit
    user.save(update_fields=["role", "unit"])
    response = client.get(f"/applications/{application.pk}/documents/{document.pk}/download/")
    assert response.status_code == 302 and response["Location"] == "/account/two-step/"

    add_totp(user)  # an app set up elsewhere: this session still skipped the code, so sign in again
    response = client.get("/applications/")
    assert response.status_code == 302 and response["Location"] == "/login/?next=/applications/"


class TestTokens:
    def test_staff_token_records_the_checked_code(self, api_client):
        officer = UserFactory(case_officer=True)
        device = add_totp(officer)
        response = api_client.post(
            "/api/v1/auth/token",
            {"email": officer.email, "password": PASSWORD, "otp": totp_code(device)},
            format="json",
        )
        assert response.status_code == 200
        pair = response.json()
        assert tokens.decode(pair["access"], token_type=tokens.ACCESS)["amr"] == ["pwd", "otp"]
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
        assert api_client.get("/api/v1/applications").status_code == 200
        # Refreshing keeps what the sign-in checked.
        refreshed = api_client.post("/api/v1/auth/token/refresh", {"refresh": pair["refresh"]}, format="json")
        assert refreshed.status_code == 200
        assert tokens.decode(refreshed.json()["access"], token_type=tokens.ACCESS)["amr"] == ["pwd", "otp"]

    def test_applicant_token_does_not_authenticate_them_once_they_are_staff(self, api_client, case):
        application, _ = case
        user = UserFactory(applicant=True)
        pair = api_client.post(
            "/api/v1/auth/token", {"email": user.email, "password": PASSWORD}, format="json"
        ).json()
        assert tokens.decode(pair["access"], token_type=tokens.ACCESS)["amr"] == ["pwd"]
        user.role = Role.CASE_OFFICER
        user.unit = application.unit
        user.save(update_fields=["role", "unit"])

        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
        response = api_client.get("/api/v1/applications")
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "otp_required"
        api_client.credentials()
        refreshed = api_client.post("/api/v1/auth/token/refresh", {"refresh": pair["refresh"]}, format="json")
        assert refreshed.status_code == 401
        assert refreshed.json()["error"]["code"] == "token_invalid"
