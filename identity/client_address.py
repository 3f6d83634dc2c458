"""The client's address, the same for the sign-in lockout (django-axes) and the rate limits (django-ratelimit).

Behind ``PROXY_COUNT`` reverse proxies, each proxy appends the address it was connected from to
``X-Forwarded-For``, and the last one connects to us (``REMOTE_ADDR``). Only those last hops are written by
proxies we trust; anything further left was sent by the client and may be forged. So the client is the address
``PROXY_COUNT`` hops back from ``REMOTE_ADDR``. A request that did not pass through all the proxies (too few
hops) or whose trusted hops are not addresses is keyed on the connecting address.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from python_ipware import IpWare


def client_ip(request: HttpRequest) -> str:
    remote = (request.META.get("REMOTE_ADDR") or "").strip()
    proxy_count = settings.PROXY_COUNT
    if proxy_count <= 0:
        return remote
    forwarded = [
        hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()
    ]
    trusted_chain = [*forwarded, remote][-(proxy_count + 1) :]
    ipware = IpWare(precedence=("HTTP_X_FORWARDED_FOR",), proxy_count=proxy_count)
    address, _trusted = ipware.get_client_ip({"HTTP_X_FORWARDED_FOR": ", ".join(trusted_chain)}, strict=True)
    return str(address) if address is not None else remote


def client_ip_key(group: str, request: HttpRequest) -> str:
    """The key function for django-ratelimit."""
    return client_ip(request)
