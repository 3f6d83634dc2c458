"""Checking credentials the same way for the sign-in page and the token API, so django-axes counts both.

``authenticate`` goes through ``AxesStandaloneBackend`` first (refuses while locked out), a failed password
fires ``user_login_failed`` (axes counts it), and so does a wrong second-factor code (``record_failed_otp``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import authenticate, user_logged_in, user_login_failed
from django.http import HttpRequest

from identity import signin_pace
from identity.backends import INACTIVE_ACCOUNT_ATTRIBUTE
from identity.models import User


class Problem(enum.StrEnum):
    INVALID = "invalid_credentials"
    LOCKED = "locked_out"
    SLOWED = "too_many_attempts"
    UNVERIFIED = "email_not_verified"
    INACTIVE = "account_inactive"


@dataclass(frozen=True)
class CredentialCheck:
    user: User | None
    problem: Problem | None = None
    retry_after: int = 0  # seconds, with Problem.SLOWED


def check_credentials(request: HttpRequest, *, email: str, password: str) -> CredentialCheck:
    """Who these credentials belong to, or why not. ``request`` must be Django's request (axes marks it).

    Every attempt that reaches the password costs exactly one hash (``identity.backends.AccountBackend``),
    whether the address is unknown, the password wrong, or the account unverified, so timing tells nothing.
    """
    email = email.strip().lower()
    wait = signin_pace.wait_seconds(email=email)
    if wait:
        return CredentialCheck(user=None, problem=Problem.SLOWED, retry_after=wait)
    user = authenticate(request=request, email=email, password=password)
    if user is not None:
        if not user.email_verified:
            return CredentialCheck(user=None, problem=Problem.UNVERIFIED)
        return CredentialCheck(user=user)
    if getattr(request, "axes_locked_out", False):
        return CredentialCheck(user=None, problem=Problem.LOCKED)
    # The backend refuses inactive accounts. Only someone who knows the password learns why.
    candidate = getattr(request, INACTIVE_ACCOUNT_ATTRIBUTE, None)
    if candidate is not None:
        problem = Problem.UNVERIFIED if not candidate.email_verified else Problem.INACTIVE
        return CredentialCheck(user=None, problem=problem)
    signin_pace.record_failure(email=email)
    return CredentialCheck(user=None, problem=Problem.INVALID)


def is_locked_out(request: HttpRequest, *, email: str) -> bool:
    return not AxesProxyHandler.is_allowed(request, credentials={"email": email.strip().lower()})


def pace_wait_seconds(*, email: str) -> int:
    """Seconds before another attempt at this account is taken (0: now). See ``identity.signin_pace``."""
    return signin_pace.wait_seconds(email=email)


def record_failed_otp(request: HttpRequest, *, email: str) -> bool:
    """Count a wrong second-factor code as a failed sign-in. True when this locked the account out."""
    user_login_failed.send(sender=__name__, credentials={"email": email.strip().lower()}, request=request)
    signin_pace.record_failure(email=email)
    return bool(getattr(request, "axes_locked_out", False))


def record_sign_in(*, user: User) -> None:
    """A complete sign-in (password and any second factor): the account's failures are forgiven."""
    signin_pace.clear(email=user.email)


def record_api_sign_in(request: HttpRequest, *, user: User) -> None:
    """The token API does not open a session; tell axes (reset on success) and update last_login."""
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    record_sign_in(user=user)
