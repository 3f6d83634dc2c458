"""django-ratelimit helpers shared by the sign-in pages and the identity API."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.decorators import ratelimit


def setting_rate(name: str) -> Callable[[str, HttpRequest], str]:
    """A rate read from settings at request time, so deployments (and tests) can change it."""

    def rate(group: str, request: HttpRequest) -> str:
        return getattr(settings, name)

    return rate


def limit_posts_by_ip(setting: str):
    """Block (429 via RatelimitMiddleware and RATELIMIT_VIEW) POSTs from one address above the set rate."""
    return ratelimit(key="ip", rate=setting_rate(setting), method="POST", block=True)
