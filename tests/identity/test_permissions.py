"""Permission classes and staff page guards: role x authentication x second factor."""

from __future__ import annotations

import pytest

from tests.otp import add_totp, verify_session

pytestmark = pytest.mark.django_db

APPLICANT_API = "/api/v1/__applicant__"
OFFICER_API = "/api/v1/__officer__"
SENIOR_API = "/api/v1/__senior__"


@pytest.fixture(autouse=True)
def _routes(settings):
    settings.ROOT_URLCONF = "tests.identity.permission_urls"


@pytest.fixture
def as_bearer(bearer_client):
    return bearer_client


def test_anonymous_gets_401(api_client):
    for url in (APPLICANT_API, OFFICER_API, SENIOR_API):
        assert api_client.get(url).status_code == 401


@pytest.mark.parametrize(("url", "expected"), [(APPLICANT_API, 200), (OFFICER_API, 403), (SENIOR_API, 403)])
def test_applicant_by_token(as_bearer, applicant, url, expected):
    response = as_bearer(applicant).get(url)
    assert response.status_code == expected
    if expected == 403:
        assert response.json()["error"]["code"] == "permission_denied"


@pytest.mark.parametrize(("url", "expected"), [(APPLICANT_API, 403), (OFFICER_API, 200), (SENIOR_API, 403)])
def test_case_officer_by_token(as_bearer, case_officer, url, expected):
    assert as_bearer(case_officer).get(url).status_code == expected


@pytest.mark.parametrize(("url", "expected"), [(APPLICANT_API, 403), (OFFICER_API, 200), (SENIOR_API, 200)])
def test_senior_officer_by_token(as_bearer, senior_officer, url, expected):
    assert as_bearer(senior_officer).get(url).status_code == expected


def test_administrator_is_not_an_officer(as_bearer, db):
    from tests.factories import UserFactory

    admin = UserFactory(administrator=True)
    assert as_bearer(admin).get(OFFICER_API).status_code == 403


def test_officer_session_without_otp_is_refused(client, senior_officer):
    client.force_login(senior_officer)
    assert client.get(OFFICER_API).status_code == 403
    assert client.get(SENIOR_API).status_code == 403


def test_officer_session_with_otp_is_allowed(client, senior_officer):
    device = add_totp(senior_officer)
    client.force_login(senior_officer)
    verify_session(client, device)
    assert client.get(OFFICER_API).status_code == 200
    assert client.get(SENIOR_API).status_code == 200


def test_unverified_applicant_token_is_refused(as_bearer, db):
    from tests.factories import UserFactory

    user = UserFactory(unverified=True)
    assert as_bearer(user).get(APPLICANT_API).status_code == 403


class TestStaffPages:
    @pytest.mark.parametrize("url", ["/__staff__/", "/__staff_cbv__/"])
    def test_anonymous_is_sent_to_sign_in(self, client, url):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/?next=")

    @pytest.mark.parametrize("url", ["/__staff__/", "/__staff_cbv__/"])
    def test_applicant_is_forbidden(self, client, applicant, url):
        client.force_login(applicant)
        assert client.get(url).status_code == 403

    @pytest.mark.parametrize("url", ["/__staff__/", "/__staff_cbv__/"])
    def test_staff_without_device_is_sent_to_setup(self, client, case_officer, url):
        client.force_login(case_officer)
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/account/two-step/"

    @pytest.mark.parametrize("url", ["/__staff__/", "/__staff_cbv__/"])
    def test_staff_with_device_but_unverified_session_must_sign_in_again(self, client, case_officer, url):
        add_totp(case_officer)
        client.force_login(case_officer)
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")

    @pytest.mark.parametrize("url", ["/__staff__/", "/__staff_cbv__/"])
    def test_verified_staff_gets_in(self, client, case_officer, url):
        device = add_totp(case_officer)
        client.force_login(case_officer)
        verify_session(client, device)
        response = client.get(url)
        assert response.status_code == 200 and b"staff page" in response.content
