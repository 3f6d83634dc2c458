"""Sign-in abuse limits through the real pages and API: the client address behind proxies (one function for
axes and ratelimit), one rate budget for the three sign-in doors, lockout per (address, account), slowing down
per account instead of locking it, and one password hash per attempt whatever the account's state."""

from __future__ import annotations

from unittest import mock

import pytest
import time_machine
from django.contrib.auth.hashers import MD5PasswordHasher
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory
from tests.otp import wrong_code

pytestmark = pytest.mark.django_db

LOGIN = "/login/"
OTP = "/login/code/"
TOKEN = "/api/v1/auth/token"
PROXY = "10.0.0.1"


def _login(client, email, password=PASSWORD, **meta):
    return client.post(LOGIN, {"email": email, "password": password}, **meta)


def _via_proxy(forwarded_for: str) -> dict:
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded_for}


@pytest.fixture
def behind_one_proxy(settings):
    settings.PROXY_COUNT = 1


@pytest.fixture
def tight_rate(settings):
    settings.RATELIMIT_ENABLE = True
    settings.RATELIMIT_LOGIN = "2/m"


@pytest.mark.usefixtures("behind_one_proxy", "tight_rate")
class TestBehindAProxy:
    def test_each_client_has_its_own_rate_budget(self, client):
        first = [
            _login(client, "a@example.lv", "x", **_via_proxy("198.51.100.1")).status_code for _ in range(3)
        ]
        assert first == [400, 400, 429]
        # Another client behind the same proxy is not refused on its first try.
        assert _login(client, "b@example.lv", "x", **_via_proxy("198.51.100.2")).status_code == 400

    def test_a_forged_forwarded_for_does_not_dodge_the_budget(self, client):
        statuses = [
            _login(client, "a@example.lv", "x", **_via_proxy(f"203.0.113.{i}, 198.51.100.1")).status_code
            for i in range(3)
        ]
        assert statuses == [400, 400, 429]

    def test_lockout_is_per_client_address(self, client, applicant, settings):
        settings.RATELIMIT_ENABLE = False
        settings.SIGNIN_SLOWDOWN_AFTER = 100
        attacker = _via_proxy("198.51.100.66")
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            assert _login(client, applicant.email, "wrong", **attacker).status_code == 400
        assert _login(client, applicant.email, "wrong", **attacker).status_code == 429
        assert _login(client, applicant.email, **attacker).status_code == 429
        # The owner, behind the same proxy, still signs in.
        response = _login(client, applicant.email, **_via_proxy("198.51.100.7"))
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(applicant.pk)


@pytest.mark.usefixtures("tight_rate")
def test_page_api_and_code_step_share_one_sign_in_budget(client, api_client, applicant_with_totp):
    user, device = applicant_with_totp
    assert _login(client, user.email).status_code == 302  # to the code step (1 of 2)
    assert (
        api_client.post(TOKEN, {"email": "a@example.lv", "password": "x"}, format="json").status_code == 401
    )
    response = client.post(OTP, {"otp": wrong_code(device)})
    assert response.status_code == 429
    response = api_client.post(TOKEN, {"email": "a@example.lv", "password": "x"}, format="json")
    assert response.status_code == 429 and response.json()["error"]["code"] == "rate_limited"


class TestFailuresFromManyAddresses:
    def test_do_not_lock_a_staff_account(self, client, settings):
        officer = UserFactory(case_officer=True)
        for i in range(settings.AXES_FAILURE_LIMIT):
            assert (
                _login(client, officer.email, "wrong", REMOTE_ADDR=f"198.51.100.{i + 1}").status_code == 400
            )
        with _later(seconds=settings.SIGNIN_SLOWDOWN_MAX_SECONDS):
            response = _login(client, officer.email, REMOTE_ADDR="192.0.2.10")
        assert response.status_code == 302
        assert response["Location"] == reverse("identity:totp_setup")

    def test_slow_down_further_attempts_at_the_account(self, client, api_client, applicant, settings):
        for i in range(settings.SIGNIN_SLOWDOWN_AFTER):
            _login(client, applicant.email, "wrong", REMOTE_ADDR=f"198.51.100.{i + 1}")
        # The next attempt is taken (one per interval) ...
        assert _login(client, applicant.email, "wrong", REMOTE_ADDR="198.51.100.50").status_code == 400
        # ... and one right after it is refused, from any address, on the page and the API alike.
        response = _login(client, applicant.email, REMOTE_ADDR="198.51.100.51")
        assert response.status_code == 429
        assert "Wait" in response.content.decode() and int(response["Retry-After"]) >= 1
        api = api_client.post(TOKEN, {"email": applicant.email, "password": PASSWORD}, format="json")
        assert api.status_code == 429 and api.json()["error"]["code"] == "too_many_attempts"
        assert "_auth_user_id" not in client.session
        # Once the interval has passed the owner gets in, and that forgives the failures.
        with _later(seconds=settings.SIGNIN_SLOWDOWN_MAX_SECONDS):
            assert _login(client, applicant.email, REMOTE_ADDR="192.0.2.10").status_code == 302
            client.logout()
            assert _login(client, applicant.email, "wrong", REMOTE_ADDR="192.0.2.11").status_code == 400
            assert _login(client, applicant.email, "wrong", REMOTE_ADDR="192.0.2.12").status_code == 400

    def test_unknown_addresses_are_slowed_down_alike(self, client, settings):
        for i in range(settings.SIGNIN_SLOWDOWN_AFTER + 1):
            _login(client, "nobody@example.lv", "wrong", REMOTE_ADDR=f"198.51.100.{i + 1}")
        assert _login(client, "nobody@example.lv", "wrong", REMOTE_ADDR="198.51.100.99").status_code == 429


def _later(*, seconds: int):
    import time

    return time_machine.travel(time.time() + seconds + 1, tick=False)


class TestOneHashPerAttempt:
    """Sign-in costs the same whatever the account: counted in password-hash operations, not in time."""

    @pytest.fixture
    def hash_calls(self):
        """Each password hash computed: a verify, or an encode outside a verify (MD5's verify encodes)."""
        calls: list[str] = []
        inside_verify = []
        encode, verify = MD5PasswordHasher.encode, MD5PasswordHasher.verify

        def counting_encode(self, *args, **kwargs):
            if not inside_verify:
                calls.append("encode")
            return encode(self, *args, **kwargs)

        def counting_verify(self, *args, **kwargs):
            calls.append("verify")
            inside_verify.append(True)
            try:
                return verify(self, *args, **kwargs)
            finally:
                inside_verify.pop()

        with (
            mock.patch.object(MD5PasswordHasher, "encode", counting_encode),
            mock.patch.object(MD5PasswordHasher, "verify", counting_verify),
        ):
            yield calls

    @pytest.mark.parametrize(
        ("account", "password", "status"),
        [
            ("unknown", PASSWORD, 400),
            ("applicant", "wrong password", 400),
            ("unverified", "wrong password", 400),
            ("unverified", PASSWORD, 400),
            ("deactivated", PASSWORD, 400),
            ("applicant", PASSWORD, 302),
        ],
    )
    def test_every_attempt_costs_one_hash(self, client, hash_calls, account, password, status):
        email = "nobody@example.lv"
        if account == "applicant":
            email = UserFactory(applicant=True).email
        elif account == "unverified":
            email = UserFactory(unverified=True, is_active=False).email
        elif account == "deactivated":
            email = UserFactory(applicant=True, is_active=False).email
        hash_calls.clear()
        assert _login(client, email, password).status_code == status
        assert len(hash_calls) == 1, hash_calls


@pytest.mark.usefixtures("tight_rate")
def test_without_proxies_forwarded_for_is_ignored(client):
    """PROXY_COUNT=0: X-Forwarded-For is whatever the client wrote, so it cannot buy a fresh budget."""
    statuses = [
        _login(client, "a@example.lv", "x", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code
        for i in range(3)
    ]
    assert statuses == [400, 400, 429]
