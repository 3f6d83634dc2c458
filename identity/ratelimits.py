"""django-ratelimit helpers shared by the sign-in pages and the identity API."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.decorators import ratelimit

from identity.client_address import client_ip_key

# The sign-in page, its TOTP step and the token API share one budget per client address: three doors to the
# same accounts must not triple the guesses.
SIGN_IN_GROUP = "identity.sign-in"


def setting_rate(name: str) -> Callable[[str, HttpRequest], str]:
    """A rate read from settings at request time, so deployments (and tests) can change it."""

    def rate(group: str, request: HttpRequest) -> str:
        return getattr(settings, name)

    return rate


def limit_posts_by_ip(setting: str, *, group: str | None = None):
    """Block POSTs from one client address above the set rate (429: ``RATELIMIT_VIEW``, answered by
    ``eservice.errors.ExceptionResponseMiddleware``).

    The address is the one axes uses too (``identity.client_address``, honouring ``PROXY_COUNT``)."""
    return ratelimit(group=group, key=client_ip_key, rate=setting_rate(setting), method="POST", block=True)


def limit_sign_in():
    return limit_posts_by_ip("RATELIMIT_LOGIN", group=SIGN_IN_GROUP)
