"""django-ratelimit on the sign-in, registration and password-reset pages and the token/register API.

The test settings switch rate limiting off; these tests switch it on with a tiny rate."""

from __future__ import annotations

import pytest

from identity.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def limits(settings):
    settings.RATELIMIT_ENABLE = True
    settings.RATELIMIT_LOGIN = "2/m"
    settings.RATELIMIT_REGISTER = "2/m"
    settings.RATELIMIT_PASSWORD_RESET = "2/m"


def _third_post(client, url, data, **kwargs):
    statuses = [client.post(url, data, **kwargs).status_code for _ in range(3)]
    return statuses, client.post(url, data, **kwargs)


@pytest.mark.usefixtures("limits")
class TestPages:
    def test_login_page(self, client):
        statuses, response = _third_post(client, "/login/", {"email": "a@example.lv", "password": "x"})
        assert statuses[:2] == [400, 400] and statuses[2] == 429
        assert response.status_code == 429
        assert "Too many requests" in response.content.decode()

    def test_login_page_get_is_not_counted(self, client):
        for _ in range(5):
            assert client.get("/login/").status_code == 200

    def test_register_page(self, client):
        statuses, _ = _third_post(client, "/register/", {"email": "bad"})
        assert statuses == [400, 400, 429]

    def test_password_reset_page(self, client):
        statuses, _ = _third_post(client, "/password/reset/", {"email": "a@example.lv"})
        assert statuses == [302, 302, 429]


@pytest.mark.usefixtures("limits")
class TestApi:
    def test_token_api(self, api_client):
        statuses, response = _third_post(
            api_client, "/api/v1/auth/token", {"email": "a@example.lv", "password": "x"}, format="json"
        )
        assert statuses == [401, 401, 429]
        assert response.json()["error"]["code"] == "rate_limited"

    def test_register_api(self, api_client):
        body = {
            "email": "x@example.lv",
            "password": "Kalnu-upe-pavasaris-41",
            "first_name": "A",
            "last_name": "B",
        }
        first = api_client.post("/api/v1/auth/register", body, format="json")
        assert first.status_code == 201
        second = api_client.post("/api/v1/auth/register", {**body, "email": "y@example.lv"}, format="json")
        assert second.status_code == 201
        third = api_client.post("/api/v1/auth/register", {**body, "email": "z@example.lv"}, format="json")
        assert third.status_code == 429
        assert third.json()["error"]["code"] == "rate_limited"
        assert not User.objects.filter(email="z@example.lv").exists()


def test_without_the_switch_nothing_is_rate_limited(client, settings):
    settings.RATELIMIT_REGISTER = "2/m"
    assert settings.RATELIMIT_ENABLE is False
    assert [client.post("/register/", {"email": "bad"}).status_code for _ in range(5)] == [400] * 5
