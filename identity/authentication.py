"""DRF authentication with our JWT access tokens (``Authorization: Bearer <token>``).

A staff member's token authenticates only when the sign-in that issued it checked the TOTP code (its ``amr``
claim says ``otp``); browser sessions get the same rule from ``identity.middleware``.
"""

from __future__ import annotations

from typing import Any

from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from eservice.json_rows import PageQuery
from identity import tokens
from identity.models import User
from identity.selectors import get_user_with_unit, get_user_with_unit_beside
from identity.services.api_tokens import password_fingerprint

# A view's ``read_ahead(request, user_id)`` may name the query it will run first (a ``json_rows.PageQuery``): it
# is read beside the token's user, in the same round trip, and once the user has passed every check the query and
# its row are left on the request under this name for the view (the applicant's list: one query instead of two).
READ_AHEAD = "token_read_ahead"


def _read_ahead(request: Request, user_id: int) -> PageQuery | None:
    view = (request.parser_context or {}).get("view")
    read_ahead = getattr(view, "read_ahead", None)
    return read_ahead(request, user_id) if read_ahead is not None else None


class JWTAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[User, dict[str, Any]] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Authorization header must be 'Bearer <token>'."))
        try:
            claims = tokens.decode(header[1].decode("ascii"), token_type=tokens.ACCESS)
        except (tokens.TokenError, UnicodeDecodeError) as exc:
            raise exceptions.AuthenticationFailed(_("The access token is invalid or expired.")) from exc
        try:
            user_id = int(claims["sub"])
        except (TypeError, ValueError) as exc:
            raise exceptions.AuthenticationFailed(_("The access token is invalid or expired.")) from exc
        ahead = _read_ahead(request, user_id)
        if ahead is None:
            user = get_user_with_unit(user_id)
        else:
            user, row = get_user_with_unit_beside(user_id, ahead.sql, ahead.params)
        if user is None or not user.is_active:
            raise exceptions.AuthenticationFailed(_("The account is not active."))
        if not constant_time_compare(str(claims.get("pwf", "")), password_fingerprint(user)):
            raise exceptions.AuthenticationFailed(_("The password was changed. Sign in again."))
        if user.requires_otp and not tokens.passed_second_factor(claims):
            # Staff tokens come only from a sign-in that checked the TOTP code; this one did not (the
            # account became staff after it was issued, or it never passed the code).
            raise exceptions.AuthenticationFailed(
                _("Staff must sign in with the code from their authenticator app."), code="otp_required"
            )
        if ahead is not None:  # the user passed every check: the view may use what was read beside them
            setattr(request, READ_AHEAD, (ahead, row))
        return user, claims

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'
