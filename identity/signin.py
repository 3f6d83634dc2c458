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

from identity.models import User


class Problem(enum.StrEnum):
    INVALID = "invalid_credentials"
    LOCKED = "locked_out"
    UNVERIFIED = "email_not_verified"
    INACTIVE = "account_inactive"


@dataclass(frozen=True)
class CredentialCheck:
    user: User | None
    problem: Problem | None = None


def check_credentials(request: HttpRequest, *, email: str, password: str) -> CredentialCheck:
    """Who these credentials belong to, or why not. ``request`` must be Django's request (axes marks it)."""
    email = email.strip().lower()
    user = authenticate(request=request, email=email, password=password)
    if user is not None:
        if not user.email_verified:
            return CredentialCheck(user=None, problem=Problem.UNVERIFIED)
        return CredentialCheck(user=user)
    if getattr(request, "axes_locked_out", False):
        return CredentialCheck(user=None, problem=Problem.LOCKED)
    # The backend refuses inactive accounts. Only someone who knows the password learns why.
    candidate = User.objects.filter(email__iexact=email, is_active=False).first()
    if candidate is not None and candidate.check_password(password):
        problem = Problem.UNVERIFIED if not candidate.email_verified else Problem.INACTIVE
        return CredentialCheck(user=None, problem=problem)
    return CredentialCheck(user=None, problem=Problem.INVALID)


def is_locked_out(request: HttpRequest, *, email: str) -> bool:
    return not AxesProxyHandler.is_allowed(request, credentials={"email": email.strip().lower()})


def record_failed_otp(request: HttpRequest, *, email: str) -> bool:
    """Count a wrong second-factor code as a failed sign-in. True when this locked the account out."""
    user_login_failed.send(sender=__name__, credentials={"email": email.strip().lower()}, request=request)
    return bool(getattr(request, "axes_locked_out", False))


def record_api_sign_in(request: HttpRequest, *, user: User) -> None:
    """The token API does not open a session; tell axes (reset on success) and update last_login."""
    user_logged_in.send(sender=user.__class__, request=request, user=user)
