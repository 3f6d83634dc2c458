"""Refuse, with a 400, query strings that no database can take: a NUL character (``%00``).

PostgreSQL rejects NUL in any text value, so ``?kind=%00`` reaching a lookup was a 500. No parameter of this
service has a use for it, so the request is refused before a view sees it: the API's JSON error body under
/api/, Django's 400 page elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from eservice.exceptions import error_body


class NulCharacterInQuery(SuspiciousOperation):
    """Django answers a SuspiciousOperation with its 400 page (handler400) and a security log line."""


class QueryStringGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._has_nul(request):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    error_body("invalid_parameter", _("A query parameter contains a NUL character.")),
                    status=400,
                )
            raise NulCharacterInQuery("NUL character in the query string")
        return self.get_response(request)

    @staticmethod
    def _has_nul(request: HttpRequest) -> bool:
        # A NUL gets into a parsed name or value only as "%00" or as itself: most requests are settled by the
        # raw query string, without parsing it here.
        raw = request.META.get("QUERY_STRING", "")
        if "%00" not in raw and "\x00" not in raw:
            return False
        return any(
            "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
        )
