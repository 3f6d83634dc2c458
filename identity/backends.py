"""The password backend: Django's ModelBackend, hashing exactly once per attempt.

ModelBackend refuses an inactive account after checking its password; to tell its owner "confirm your e-mail
first", sign-in used to check the password a second time, so an unverified account answered measurably slower
than any other. This backend notes the refused-but-correct account on the request instead
(``request.identity_inactive_account``), and ``identity.signin`` reads it: every attempt costs one hash.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

INACTIVE_ACCOUNT_ATTRIBUTE = "identity_inactive_account"


class AccountBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ):
        user_model = get_user_model()
        if username is None:
            username = kwargs.get(user_model.USERNAME_FIELD)
        if username is None or password is None:
            return None
        try:
            user = user_model._default_manager.get_by_natural_key(username)
        except user_model.DoesNotExist:
            user_model().set_password(password)  # the same one hash as for a known address
            return None
        if not user.check_password(password):
            return None
        if self.user_can_authenticate(user):
            return user
        if request is not None:
            setattr(request, INACTIVE_ACCOUNT_ATTRIBUTE, user)
        return None
