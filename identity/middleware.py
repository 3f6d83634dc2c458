"""A staff session that has not passed the second factor is signed in for enrolling it, and for nothing else.

Signing in with the password alone opens a session for a staff member who has no authenticator app yet (the
sign-in page then sends them to set one up). Each view checking ``is_verified()`` itself left that session free
on every page that only asked for a login, such as document downloads. So this middleware decides once, before
any view runs: for such a session ``request.user`` is anonymous everywhere except the views that enrol or check
the second factor, sign in or out, or switch the language. Pages answer with the way forward (set up the app,
or sign in again with the code); API views see nobody signed in through the session (401). Bearer tokens are
checked by ``identity.authentication.JWTAuthentication``, which refuses a staff token issued without the code.

It runs inside ``eservice.middleware.SessionUserMiddleware``, after django-otp's ``OTPMiddleware`` code has
given the user ``is_verified()``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from rest_framework.views import APIView

from identity.services.accounts import has_confirmed_totp

# The only views an unverified staff session may use as itself (URL names).
SECOND_FACTOR_ENROLMENT_VIEWS = frozenset(
    {
        "identity:totp_setup",
        "identity:login",
        "identity:login_otp",
        "identity:logout",
        "set_language",
    }
)


def needs_second_factor(user: Any) -> bool:
    """A signed-in staff member (or superuser) whose session has not passed the TOTP check."""
    if not user.is_authenticated or not user.requires_otp:
        return False
    is_verified = getattr(user, "is_verified", None)
    return not (is_verified and is_verified())


def _is_api_view(view_func: Callable[..., Any]) -> bool:
    view_class = getattr(view_func, "cls", None)
    return isinstance(view_class, type) and issubclass(view_class, APIView)


class StaffSecondFactorMiddleware:
    sync_capable = True
    async_capable = False

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: tuple, view_kwargs: dict
    ) -> HttpResponse | None:
        user = request.user
        if not needs_second_factor(user):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in SECOND_FACTOR_ENROLMENT_VIEWS:
            return None
        request.user = AnonymousUser()
        if _is_api_view(view_func) or request.path.startswith("/api/"):
            return None  # DRF finds nobody signed in through the session; a bearer token is judged on its own
        if has_confirmed_totp(user=user):
            # The app is set up but this session skipped the code: sign in again, this time with it.
            return redirect_to_login(request.get_full_path())
        return redirect("identity:totp_setup")
