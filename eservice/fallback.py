"""The answer for a path under /api/ that no route matches: the API's JSON 404, not the site's HTML page.

A client that builds ``/api/v1/applications/abc`` by mistake, or calls an endpoint that does not exist, gets
the same ``{"error": {...}}`` body as any other API error, whatever the method and with or without a token.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from eservice.exceptions import error_body


@csrf_exempt  # nothing is changed, and a cross-site POST should see the 404, not the CSRF page
def api_not_found(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        error_body("not_found", _("There is no such API endpoint or object.")),
        status=404,
    )
