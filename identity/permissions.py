"""Who may reach what: page decorators/mixins and DRF permission classes.

Staff must have passed the second factor. On a browser session that means the session is OTP-verified
(django-otp's middleware sets ``user.is_verified()``); ``identity.middleware`` already treats an unverified
staff session as anonymous outside the TOTP set-up, so the checks here are the second line. A request
authenticated by our JWTAuthentication counts as verified: it refuses a staff token whose sign-in did not
check the code (the ``amr`` claim).

Which role reaches which route is pinned, route by route, by ``tests/identity/test_access_matrix.py``.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from rest_framework.permissions import BasePermission

from identity.authentication import JWTAuthentication
from identity.services.accounts import has_confirmed_totp


def session_otp_verified(user: Any) -> bool:
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


def _is_staff_user(user: Any) -> bool:
    return user.is_authenticated and (user.is_staff_member or user.is_superuser)


def _staff_gate(request: HttpRequest) -> HttpResponse | None:
    """None when the request may pass; otherwise the response that sends the user where they must go."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not _is_staff_user(user):
        raise PermissionDenied
    if session_otp_verified(user):
        return None
    if not has_confirmed_totp(user=user):
        return redirect("identity:totp_setup")
    # A staff session that skipped the second step: sign in again, this time with the code.
    return redirect_to_login(request.get_full_path())


def staff_otp_required(view):
    """Page decorator: staff (officers, administrators) with an OTP-verified session only."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = _staff_gate(request)
        if response is not None:
            return response
        return view(request, *args, **kwargs)

    return wrapped


class StaffRequiredMixin:
    """Class-based pages: staff with an OTP-verified session only (see ``staff_otp_required``)."""

    def dispatch(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = _staff_gate(request)
        if response is not None:
            return response
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


def _second_factor_passed(request: Any) -> bool:
    if isinstance(getattr(request, "successful_authenticator", None), JWTAuthentication):
        return True  # JWTAuthentication accepts a staff token only if its sign-in checked the code
    return session_otp_verified(request.user)


class IsApplicant(BasePermission):
    """An applicant with a verified e-mail address."""

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_applicant and user.email_verified)


class IsOfficer(BasePermission):
    """A case officer or senior officer who passed the second factor."""

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_officer and _second_factor_passed(request))


class IsSeniorOfficer(BasePermission):
    """A senior officer who passed the second factor."""

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        return bool(
            user and user.is_authenticated and user.is_senior_officer and _second_factor_passed(request)
        )
