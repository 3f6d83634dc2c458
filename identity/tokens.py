"""JSON Web Tokens for the API. The only module that imports python-jose.

It fixes everything python-jose leaves open: the algorithm list (from our own key, never from the token),
required and checked ``exp``/``iat``/``iss``/``aud``/``sub``/``jti``, keys chosen only from our own key set by
``kid`` (``jku``/``x5u``/``jwk`` headers are never followed), no ``crit`` extensions, and a length cap.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import time
import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from jose import jwk, jwt
from jose.exceptions import JOSEError

log = logging.getLogger(__name__)

ACCESS = "access"
REFRESH = "refresh"

# ``amr`` claim values (RFC 8176): how the sign-in that issued the token authenticated the user.
AMR_PASSWORD = "pwd"
AMR_OTP = "otp"


class TokenError(Exception):
    """The token is not one we accept. The message is safe to show."""


@dataclass(frozen=True)
class VerificationKey:
    kid: str
    algorithm: str
    public_pem: str
    jwk: dict[str, Any]
    # The key loaded once: python-jose would otherwise parse the PEM again for every token it verifies.
    verifier: Any = None


@dataclass(frozen=True)
class SigningKey:
    kid: str
    algorithm: str
    private_pem: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _int_b64(value: int, length: int | None = None) -> str:
    length = length or (value.bit_length() + 7) // 8
    return _b64(value.to_bytes(length, "big"))


def _public_jwk(public_key: ec.EllipticCurvePublicKey | rsa.RSAPublicKey) -> tuple[str, dict[str, Any]]:
    """The JWK members of a public key, and its algorithm. Only P-256 (ES256) and RSA >= 2048 (RS256)."""
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        if not isinstance(public_key.curve, ec.SECP256R1):
            raise ImproperlyConfigured("JWT EC keys must use the P-256 curve (ES256).")
        numbers = public_key.public_numbers()
        return "ES256", {
            "crv": "P-256",
            "kty": "EC",
            "x": _int_b64(numbers.x, 32),
            "y": _int_b64(numbers.y, 32),
        }
    if isinstance(public_key, rsa.RSAPublicKey):
        if public_key.key_size < 2048:
            raise ImproperlyConfigured("JWT RSA keys must have at least 2048 bits.")
        numbers = public_key.public_numbers()
        return "RS256", {"e": _int_b64(numbers.e), "kty": "RSA", "n": _int_b64(numbers.n)}
    raise ImproperlyConfigured("JWT keys must be EC P-256 or RSA.")


def _thumbprint(members: dict[str, Any]) -> str:
    """RFC 7638 JWK thumbprint: the key id is derived from the key, so it cannot drift from it."""
    canonical = json.dumps(members, sort_keys=True, separators=(",", ":")).encode()
    return _b64(hashlib.sha256(canonical).digest())


def _verification_key(public_key: Any) -> VerificationKey:
    algorithm, members = _public_jwk(public_key)
    kid = _thumbprint(members)
    pem = public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    return VerificationKey(
        kid,
        algorithm,
        pem,
        {**members, "kid": kid, "alg": algorithm, "use": "sig"},
        jwk.construct(pem, algorithm),
    )


def _read_or_create_private_pem() -> str:
    if settings.JWT_PRIVATE_KEY:
        return settings.JWT_PRIVATE_KEY
    path = Path(settings.JWT_PRIVATE_KEY_FILE) if settings.JWT_PRIVATE_KEY_FILE else None
    if path is None:
        raise ImproperlyConfigured("Set JWT_PRIVATE_KEY or JWT_PRIVATE_KEY_FILE.")
    if path.exists():
        return path.read_text()
    if not getattr(settings, "JWT_GENERATE_MISSING_KEY", False):
        raise ImproperlyConfigured(f"JWT signing key file {path} does not exist.")
    # Local and test settings only: a fresh key, readable by this user alone.
    path.parent.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(pem)
    log.info("jwt.key_generated path=%s", path)
    return pem


@lru_cache(maxsize=1)
def _keys() -> tuple[SigningKey, dict[str, VerificationKey]]:
    private_pem = _read_or_create_private_pem()
    private_key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    current = _verification_key(private_key.public_key())
    signing = SigningKey(current.kid, current.algorithm, private_pem)
    verifying = {current.kid: current}
    for block in settings.JWT_PREVIOUS_PUBLIC_KEYS.split("-----END PUBLIC KEY-----"):
        if "-----BEGIN PUBLIC KEY-----" in block:
            pem = block.strip() + "\n-----END PUBLIC KEY-----\n"
            previous = _verification_key(serialization.load_pem_public_key(pem.encode()))
            verifying.setdefault(previous.kid, previous)
    return signing, verifying


def reset_key_cache() -> None:
    """For tests and key rotation in a running process."""
    _keys.cache_clear()
    _verified.clear()


def jwks() -> dict[str, list[dict[str, Any]]]:
    """The public key set served at /.well-known/jwks.json."""
    return {"keys": [key.jwk for key in _keys()[1].values()]}


def encode(
    *, subject: str, token_type: str, lifetime_seconds: int, extra: dict[str, Any] | None = None
) -> str:
    signing, _ = _keys()
    now = int(time.time())
    claims = {
        **(extra or {}),
        "iss": settings.JWT_ISSUER,
        "aud": settings.JWT_AUDIENCE,
        "sub": subject,
        "iat": now,
        "nbf": now,
        "exp": now + lifetime_seconds,
        "jti": uuid.uuid4().hex,
        "typ": token_type,
    }
    return jwt.encode(claims, signing.private_pem, algorithm=signing.algorithm, headers={"kid": signing.kid})


def decode(token: str, *, token_type: str) -> dict[str, Any]:
    """Verify a token we issued and return its claims, or raise TokenError."""
    if not isinstance(token, str) or not token or len(token) > settings.JWT_MAX_TOKEN_LENGTH:
        raise TokenError("Token is missing or too long.")
    if token.count(".") != 2:
        raise TokenError("Token is malformed.")
    leeway = settings.JWT_LEEWAY_SECONDS
    known = _verified.get(token)
    if known is not None and _keys()[1].get(known[1]) is known[0] and known[2]["typ"] == token_type:
        # Verified before (its header too: the same text) by a key still ours: only the clock can have changed
        # the answer since.
        claims = known[2]
        now = time.time()
        if (
            claims["exp"] < now - leeway
            or claims.get("nbf", 0) > now + leeway
            or claims["iat"] > now + leeway
        ):
            raise TokenError("Token is invalid or expired.")
        return dict(claims)
    try:
        header = jwt.get_unverified_header(token)
    except JOSEError as exc:
        raise TokenError("Token is malformed.") from exc
    if "crit" in header:
        raise TokenError("Token uses unsupported critical extensions.")
    key = _keys()[1].get(header.get("kid")) if isinstance(header.get("kid"), str) else None
    if key is None:
        raise TokenError("Token was not signed by a key of this service.")
    if header.get("alg") != key.algorithm:
        raise TokenError("Token algorithm is not accepted.")
    try:
        claims = jwt.decode(
            token,
            key.verifier,
            algorithms=[key.algorithm],
            audience=settings.JWT_AUDIENCE,
            issuer=settings.JWT_ISSUER,
            options={
                "require_exp": True,
                "require_iat": True,
                "require_iss": True,
                "require_aud": True,
                "require_sub": True,
                "require_jti": True,
                "verify_at_hash": False,
                "leeway": leeway,
            },
        )
    except JOSEError as exc:
        raise TokenError("Token is invalid or expired.") from exc
    if claims.get("typ") != token_type:
        raise TokenError("Token is of the wrong type.")
    if claims["iat"] > time.time() + leeway:
        raise TokenError("Token was issued in the future.")
    if len(_verified) >= _VERIFIED_MAX:
        _verified.clear()
    _verified[token] = (key, header["kid"], dict(claims))
    return claims


# Tokens whose signature and claims were checked, with the key that checked them: an API client sends the same
# access token with each request for its lifetime, and checking an ECDSA signature costs more than the rest of
# the token's handling (benchmarks/REPORT.md). Whether the account may still use it (active, password unchanged,
# second factor) is read from the database on every request (identity.authentication); the time claims are
# checked again on every use; a key rotation (reset_key_cache) or a change to the JWT settings forgets them all.
_verified: dict[str, tuple[VerificationKey, str, dict[str, Any]]] = {}  # the key, its id, the claims
_VERIFIED_MAX = 4096


@receiver(setting_changed)
def _forget_verified(*, setting: str, **kwargs: object) -> None:
    if setting.startswith("JWT_"):
        _verified.clear()


def passed_second_factor(claims: dict[str, Any]) -> bool:
    """Whether the sign-in that issued these (verified) claims checked a TOTP code."""
    amr = claims.get("amr")
    return isinstance(amr, list) and AMR_OTP in amr
