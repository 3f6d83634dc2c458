"""Answers for a locked-out login (django-axes) and a rate-limited request (django-ratelimit)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from eservice.exceptions import error_body


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def lockout_response(request: HttpRequest, credentials: dict | None = None, *args: object, **kwargs: object):
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = _(
        "Too many failed sign-in attempts. Try again in %(minutes)d minutes or reset your password."
    ) % {"minutes": minutes}
    if _wants_json(request):
        return JsonResponse(error_body("locked_out", message), status=429)
    return render(request, "identity/locked_out.html", {"message": message}, status=429)


def slowed_down_response(request: HttpRequest, *, retry_after: int) -> HttpResponse:
    """Too many failed sign-ins at this account (from any address): wait a few seconds, not half an hour."""
    message = _(
        "Too many failed sign-in attempts for this account. Wait %(seconds)d seconds and try again."
    ) % {"seconds": retry_after}
    if _wants_json(request):
        response = JsonResponse(error_body("too_many_attempts", message), status=429)
    else:
        response = render(request, "identity/locked_out.html", {"message": message}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def ratelimited_response(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = _("Too many requests. Please wait a little and try again.")
    if _wants_json(request):
        return JsonResponse(error_body("rate_limited", message), status=429)
    return render(request, "identity/locked_out.html", {"message": message}, status=429)
