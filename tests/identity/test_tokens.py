"""The JWT rules of identity/tokens.py: everything python-jose would let through by default is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest
from cryptography.hazmat.primitives import serialization
from django.test import override_settings
from django.urls import reverse

from identity import tokens
from identity.models import RefreshToken, User
from identity.services.api_tokens import (
    RefreshTokenReusedError,
    issue_access_token,
    issue_token_pair,
    rotate_refresh_token,
)
from tests.factories import ApplicationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segments(token: str) -> tuple[dict, dict, str]:
    header, payload, signature = token.split(".")
    pad = lambda s: s + "=" * (-len(s) % 4)  # noqa: E731
    return (
        json.loads(base64.urlsafe_b64decode(pad(header))),
        json.loads(base64.urlsafe_b64decode(pad(payload))),
        signature,
    )


def _forge(header: dict, payload: dict, signature: str = "") -> str:
    h = _b64(json.dumps(header).encode())
    p = _b64(json.dumps(payload).encode())
    return f"{h}.{p}.{signature}"


def _hs256(header: dict, payload: dict, secret: bytes) -> str:
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}"
    sig = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(sig)}"


def _current_public_pem() -> str:
    key = next(iter(tokens._keys()[1].values()))
    return key.public_pem


@pytest.fixture
def user():
    return UserFactory()


@pytest.fixture
def access(user):
    return issue_access_token(user=user)


def test_valid_access_token_decodes_with_expected_claims(user, access):
    claims = tokens.decode(access, token_type=tokens.ACCESS)
    assert claims["sub"] == str(user.pk)
    header, _, _ = _segments(access)
    assert header["alg"] == "ES256"
    assert header["kid"] == tokens.jwks()["keys"][0]["kid"]


def test_alg_none_is_rejected(access):
    header, payload, _ = _segments(access)
    with pytest.raises(tokens.TokenError):
        tokens.decode(_forge({**header, "alg": "none"}, payload), token_type=tokens.ACCESS)


@pytest.mark.parametrize("form", ["pem", "der"])
def test_hs256_signed_with_public_key_is_rejected(access, form):
    header, payload, _ = _segments(access)
    pem = _current_public_pem().encode()
    secret = (
        pem
        if form == "pem"
        else serialization.load_pem_public_key(pem).public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    forged = _hs256({**header, "alg": "HS256"}, payload, secret)
    with pytest.raises(tokens.TokenError):
        tokens.decode(forged, token_type=tokens.ACCESS)


def test_expired_token_is_rejected(user, settings):
    token = tokens.encode(subject=str(user.pk), token_type=tokens.ACCESS, lifetime_seconds=-120)
    with pytest.raises(tokens.TokenError):
        tokens.decode(token, token_type=tokens.ACCESS)


def test_wrong_audience_is_rejected(access, settings):
    settings.JWT_AUDIENCE = "someone-else"
    with pytest.raises(tokens.TokenError):
        tokens.decode(access, token_type=tokens.ACCESS)


def test_wrong_issuer_is_rejected(access, settings):
    settings.JWT_ISSUER = "https://evil.example"
    with pytest.raises(tokens.TokenError):
        tokens.decode(access, token_type=tokens.ACCESS)


def test_tampered_payload_is_rejected(access):
    header, payload, signature = _segments(access)
    forged = _forge(header, {**payload, "sub": "999999", "role": "senior_officer"}, signature)
    with pytest.raises(tokens.TokenError):
        tokens.decode(forged, token_type=tokens.ACCESS)


def test_unknown_kid_is_rejected(access):
    header, payload, signature = _segments(access)
    with pytest.raises(tokens.TokenError):
        tokens.decode(_forge({**header, "kid": "not-ours"}, payload, signature), token_type=tokens.ACCESS)


def test_jku_header_is_never_followed(access):
    header, payload, signature = _segments(access)
    forged = _forge({**header, "kid": "attacker", "jku": "http://127.0.0.1:1/jwks.json"}, payload, signature)
    with pytest.raises(tokens.TokenError):
        tokens.decode(forged, token_type=tokens.ACCESS)


def test_crit_header_is_rejected(access):
    header, payload, signature = _segments(access)
    with pytest.raises(tokens.TokenError):
        tokens.decode(_forge({**header, "crit": ["exp"]}, payload, signature), token_type=tokens.ACCESS)


def test_overlong_token_is_rejected(settings):
    with pytest.raises(tokens.TokenError):
        tokens.decode("a." + "b" * settings.JWT_MAX_TOKEN_LENGTH + ".c", token_type=tokens.ACCESS)


def test_missing_required_claims_are_rejected(user):
    # A correctly signed token without exp must not pass (python-jose accepts it unless told to require it).
    signing, _ = tokens._keys()
    from jose import jwt as jose_jwt  # the test may import jose to build hostile tokens

    claims = {"sub": str(user.pk), "typ": "access", "iat": int(time.time()), "jti": "x"}
    token = jose_jwt.encode(
        {**claims, "iss": "x", "aud": "y"},
        signing.private_pem,
        algorithm="ES256",
        headers={"kid": signing.kid},
    )
    with pytest.raises(tokens.TokenError):
        tokens.decode(token, token_type=tokens.ACCESS)


def test_refresh_token_is_not_an_access_token(user):
    pair = issue_token_pair(user=user)
    with pytest.raises(tokens.TokenError):
        tokens.decode(pair.refresh, token_type=tokens.ACCESS)


def test_refresh_works_once_and_reuse_revokes_the_family(user):
    first = issue_token_pair(user=user)
    second = rotate_refresh_token(refresh=first.refresh)
    assert second.access != first.access
    with pytest.raises(RefreshTokenReusedError):
        rotate_refresh_token(refresh=first.refresh)
    # The revocation committed: even the newest refresh token of that family is dead now.
    assert RefreshToken.objects.filter(user=user, revoked_at__isnull=True).count() == 0
    with pytest.raises(tokens.TokenError):
        rotate_refresh_token(refresh=second.refresh)


def test_refresh_of_deactivated_user_is_refused(user):
    pair = issue_token_pair(user=user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    with pytest.raises(tokens.TokenError):
        rotate_refresh_token(refresh=pair.refresh)


def test_jwks_publishes_only_public_members(client):
    response = client.get(reverse("jwks"))
    assert response.status_code == 200
    (key,) = response.json()["keys"]
    assert {"kty", "crv", "x", "y", "kid", "alg", "use"} <= set(key)
    assert "d" not in key


def test_previous_public_key_still_verifies_after_rotation(user, tmp_path):
    old_token = issue_access_token(user=user)
    old_public = _current_public_pem()
    from cryptography.hazmat.primitives.asymmetric import ec

    new_key = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with override_settings(JWT_PRIVATE_KEY=new_key.decode(), JWT_PREVIOUS_PUBLIC_KEYS=old_public):
        tokens.reset_key_cache()
        try:
            assert len(tokens.jwks()["keys"]) == 2
            assert tokens.decode(old_token, token_type=tokens.ACCESS)["sub"] == str(user.pk)
        finally:
            tokens.reset_key_cache()


class TestBearerAuthentication:
    url = "/api/v1/applications"  # the caller's own applications

    def test_valid_token_authenticates(self, api_client, user, access):
        own = ApplicationFactory(applicant=user)
        ApplicationFactory()  # someone else's
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
        response = api_client.get(self.url)
        assert response.status_code == 200
        assert [row["id"] for row in response.json()["results"]] == [own.pk]

    def test_deactivated_user_token_is_refused(self, api_client, user, access):
        user.is_active = False
        user.save(update_fields=["is_active"])
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
        response = api_client.get(self.url)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "authentication_failed"
        assert response["WWW-Authenticate"].startswith("Bearer")

    def test_garbage_token_gets_401_json(self, api_client):
        api_client.credentials(HTTP_AUTHORIZATION="Bearer not.a.token")
        response = api_client.get(self.url)
        assert response.status_code == 401
        assert "error" in response.json()

    def test_no_token_gets_401(self, api_client):
        assert api_client.get(self.url).status_code == 401


def test_refresh_token_dies_when_the_password_is_changed_anywhere(user):
    # However the password was set (admin form, manage.py changepassword), the old sign-in cannot refresh.
    pair = issue_token_pair(user=user)
    user.set_password("an entirely new passphrase 7")
    user.save(update_fields=["password"])
    with pytest.raises(tokens.TokenError):
        rotate_refresh_token(refresh=pair.refresh)
    # A sign-in after the change works as usual.
    assert rotate_refresh_token(refresh=issue_token_pair(user=user).refresh).access


def test_the_token_user_is_the_row_the_orm_reads(db, django_assert_num_queries):
    """The user an API request's token names is read with its unit in one query, with every field as the
    ORM reads it (the SQL is written once from the models, not compiled per request)."""
    from identity.selectors import get_user_with_unit

    officer = UserFactory(case_officer=True)
    applicant = UserFactory(applicant=True)
    for user in (officer, applicant):
        with django_assert_num_queries(1):
            read = get_user_with_unit(user.pk)
            unit = read.unit
        orm = User.objects.select_related("unit").get(pk=user.pk)
        for field in User._meta.concrete_fields:
            assert getattr(read, field.attname) == getattr(orm, field.attname), field.name
        assert unit == orm.unit
        if unit is not None:
            for field in unit._meta.concrete_fields:
                assert getattr(unit, field.attname) == getattr(orm.unit, field.attname), field.name
        assert not read._state.adding and read._state.db == "default"
    assert get_user_with_unit(10**9) is None


# ---- tokens checked once: the signature is not checked again, the clock and the key are -------------------


def _access_token(lifetime: int = 600) -> str:
    return tokens.encode(subject="7", token_type=tokens.ACCESS, lifetime_seconds=lifetime)


def test_a_token_seen_before_is_not_verified_again(monkeypatch):
    token = _access_token()
    first = tokens.decode(token, token_type=tokens.ACCESS)
    calls = []
    monkeypatch.setattr(tokens.jwt, "decode", lambda *a, **k: calls.append(a) or {})
    monkeypatch.setattr(tokens.jwt, "get_unverified_header", lambda *a: calls.append(a) or {})
    assert tokens.decode(token, token_type=tokens.ACCESS) == first
    assert calls == []  # neither its signature nor even its header is read again
    with pytest.raises(tokens.TokenError, match="wrong type"):  # the same token asked for as another type
        monkeypatch.undo()
        tokens.decode(token, token_type=tokens.REFRESH)


def test_a_token_seen_before_still_expires(monkeypatch):
    token = _access_token(lifetime=60)
    tokens.decode(token, token_type=tokens.ACCESS)
    later = time.time() + 60 + settings_leeway() + 1
    monkeypatch.setattr(tokens.time, "time", lambda: later)
    with pytest.raises(tokens.TokenError, match="expired"):
        tokens.decode(token, token_type=tokens.ACCESS)


def test_a_token_seen_before_is_refused_once_its_key_is_rotated_away(monkeypatch):
    from cryptography.hazmat.primitives.asymmetric import ec

    token = _access_token()
    tokens.decode(token, token_type=tokens.ACCESS)
    new_pem = (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        .decode()
    )
    monkeypatch.setattr(tokens, "_read_or_create_private_pem", lambda: new_pem)
    tokens.reset_key_cache()  # a rotation: the old key is not among the previous keys
    try:
        with pytest.raises(tokens.TokenError, match="not signed by a key of this service"):
            tokens.decode(token, token_type=tokens.ACCESS)
    finally:
        monkeypatch.undo()
        tokens.reset_key_cache()


def test_a_token_seen_before_is_checked_again_when_its_key_is_no_longer_ours(monkeypatch):
    token = _access_token()
    tokens.decode(token, token_type=tokens.ACCESS)
    signing, _ = tokens._keys()
    monkeypatch.setattr(tokens, "_keys", lambda: (signing, {}))  # without reset_key_cache
    with pytest.raises(tokens.TokenError, match="not signed by a key of this service"):
        tokens.decode(token, token_type=tokens.ACCESS)


def test_a_changed_jwt_setting_forgets_what_was_verified():
    token = _access_token()
    tokens.decode(token, token_type=tokens.ACCESS)
    with override_settings(JWT_AUDIENCE="someone-else"), pytest.raises(tokens.TokenError):
        tokens.decode(token, token_type=tokens.ACCESS)


def settings_leeway() -> int:
    from django.conf import settings

    return settings.JWT_LEEWAY_SECONDS
