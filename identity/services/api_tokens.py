"""Issuing and rotating API token pairs. Refresh tokens work once; reuse revokes the whole family."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from identity import tokens
from identity.models import RefreshToken, User

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str
    expires_in: int


def _amr(second_factor: bool) -> list[str]:
    """RFC 8176 authentication methods: the password, and the TOTP code when the sign-in checked one."""
    return [tokens.AMR_PASSWORD, tokens.AMR_OTP] if second_factor else [tokens.AMR_PASSWORD]


def issue_access_token(*, user: User, second_factor: bool = False) -> str:
    """``second_factor``: the sign-in checked a TOTP code. Staff tokens without it authenticate nobody."""
    return tokens.encode(
        subject=str(user.pk),
        token_type=tokens.ACCESS,
        lifetime_seconds=int(settings.JWT_ACCESS_TTL.total_seconds()),
        extra={"role": user.role, "pwf": password_fingerprint(user), "amr": _amr(second_factor)},
    )


def password_fingerprint(user: User) -> str:
    """Changes whenever the password does, however it was set (a page, the admin, changepassword).

    Access and refresh tokens carry it (``pwf``); a token whose fingerprint no longer matches is refused, so a
    password change or reset ends every API session at once, not when the access token expires."""
    return salted_hmac("identity.refresh-token", user.password, algorithm="sha256").hexdigest()[:32]


def _issue_pair(*, user: User, family: str, second_factor: bool) -> TokenPair:
    lifetime = int(settings.JWT_REFRESH_TTL.total_seconds())
    refresh = tokens.encode(
        subject=str(user.pk),
        token_type=tokens.REFRESH,
        lifetime_seconds=lifetime,
        extra={"fam": family, "pwf": password_fingerprint(user), "amr": _amr(second_factor)},
    )
    claims = tokens.decode(refresh, token_type=tokens.REFRESH)
    RefreshToken.objects.create(
        jti=claims["jti"],
        family=family,
        user=user,
        expires_at=datetime.fromtimestamp(claims["exp"], tz=UTC),
    )
    return TokenPair(
        access=issue_access_token(user=user, second_factor=second_factor),
        refresh=refresh,
        expires_in=int(settings.JWT_ACCESS_TTL.total_seconds()),
    )


@transaction.atomic
def issue_token_pair(*, user: User, second_factor: bool = False) -> TokenPair:
    """A new access token and a new refresh-token family, after a successful sign-in (``second_factor``: it
    checked a TOTP code; the pair and its successors carry that in their ``amr`` claim)."""
    return _issue_pair(user=user, family=uuid.uuid4().hex, second_factor=second_factor)


class RefreshTokenReusedError(tokens.TokenError):
    pass


def rotate_refresh_token(*, refresh: str) -> TokenPair:
    """Spend a refresh token for a new pair. A spent token presented again revokes its family (theft signal)."""
    claims = tokens.decode(refresh, token_type=tokens.REFRESH)
    with transaction.atomic():
        row = (
            RefreshToken.objects.select_for_update()
            .select_related("user")
            .filter(jti=claims["jti"], user_id=claims["sub"])
            .first()
        )
        if row is None:
            raise tokens.TokenError("Refresh token is not known.")
        if row.revoked_at is not None:
            raise tokens.TokenError("Refresh token has been revoked.")
        if not row.user.is_active:
            raise tokens.TokenError("Account is deactivated.")
        if not constant_time_compare(str(claims.get("pwf", "")), password_fingerprint(row.user)):
            raise tokens.TokenError("The password was changed since this sign-in.")
        second_factor = tokens.passed_second_factor(claims)
        if row.user.requires_otp and not second_factor:
            # Signed in without a code (e.g. as an applicant who has since become staff): sign in again.
            raise tokens.TokenError("Staff must sign in with the code from their authenticator app.")
        if row.used_at is None:
            row.used_at = timezone.now()
            row.save(update_fields=["used_at"])
            return _issue_pair(user=row.user, family=row.family, second_factor=second_factor)
        # Reuse: the revocation must commit, so the error is raised after the transaction.
        revoked = RefreshToken.objects.filter(family=row.family, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    log.warning("jwt.refresh_reuse user=%s family=%s revoked=%s", row.user_id, row.family, revoked)
    raise RefreshTokenReusedError("Refresh token was already used; every session of this sign-in is revoked.")


def revoke_user_tokens(*, user: User) -> int:
    """Sign out everywhere: on password change, deactivation or a user's request."""
    return RefreshToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
