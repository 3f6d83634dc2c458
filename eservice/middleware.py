"""Response headers that keep personal data out of shared caches (proxies, CDNs, a library's PC)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers

API_PREFIX = "/api/"


class PrivateResponseMiddleware:
    """Every API answer and every page served to a signed-in user is ``Cache-Control: private, no-store``.

    API answers also carry ``Vary: Authorization``: they depend on the bearer token, not only on the URL. A view
    that says on purpose that its answer is public (the JWKS) keeps its own ``Cache-Control``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        is_api = request.path.startswith(API_PREFIX)
        if is_api:
            patch_vary_headers(response, ["Authorization"])
        user = getattr(request, "user", None)
        if (is_api or (user is not None and user.is_authenticated)) and "public" not in response.get(
            "Cache-Control", ""
        ):
            patch_cache_control(response, private=True, no_store=True)
        return response
