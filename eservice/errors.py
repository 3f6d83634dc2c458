"""Pages for client errors (400, 403, 404, 405, CSRF failure): styled, translated, and logged without a traceback.

Django's own answers for these are bare English text (405 has no body at all), and in DEBUG (``make run``) a 404
or 400 shows the technical debug page instead of ``handler404``. ``ClientErrorPageMiddleware`` renders the same
page in both modes, so a developer sees what an applicant sees. API paths answer the JSON error body instead.

A 4xx is the visitor's mistake or a link that went stale, not a fault of the service: ``ClientErrorLogFilter``
(``eservice.logfilters``) keeps the log line (status, path) and drops the traceback Django attaches to it.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views import defaults
from django_ratelimit.exceptions import Ratelimited

from eservice.exceptions import error_body

logger = logging.getLogger("eservice.errors")


def _titles() -> dict[int, tuple[str, str, str]]:
    """status → (API code, heading, explanation); built per request so it is in the visitor's language."""
    return {
        400: (
            "bad_request",
            _("The request could not be understood"),
            _(
                "Something in the address or the form was not valid. Go back, check what you entered and try again."
            ),
        ),
        403: (
            "forbidden",
            _("You cannot open this page"),
            _("Your account does not give access to this page. If you think it should, contact the Office."),
        ),
        404: (
            "not_found",
            _("We could not find this page"),
            _("The address may be mistyped, or the page has moved or no longer exists."),
        ),
        405: (
            "method_not_allowed",
            _("This action is not possible here"),
            _("The page cannot be used this way. Go back and use the buttons on the page."),
        ),
    }


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def error_response(request: HttpRequest, status: int, *, message: str = "", code: str = "") -> HttpResponse:
    """The styled page (or the API's JSON body) for a client error ``status``."""
    default_code, heading, explanation = _titles().get(status, _titles()[400])
    if _wants_json(request):
        return JsonResponse(error_body(code or default_code, message or heading), status=status)
    context = {"status": status, "heading": heading, "explanation": explanation, "message": message}
    try:
        html = render_to_string("error.html", context, request=request)
    except Exception:  # the page must never turn a 4xx into a 500 (e.g. a broken context processor)
        logger.exception("error_page.render_failed status=%s", status)
        html = f"<!DOCTYPE html><title>{status}</title><h1>{heading}</h1><p>{explanation}</p>"
    response = HttpResponse(html, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _message(exception: Exception | None) -> str:
    """Our own views say why (``PermissionDenied(_("…"))``); Django's generic texts are not shown."""
    if exception is None or not exception.args:
        return ""
    text = exception.args[0]
    return text if isinstance(text, str) and getattr(exception, "for_visitor", False) else ""


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(request, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(request, 403, message=_message(exception))


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(request, 404)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: the form was open too long, or cookies are blocked."""
    logger.warning("csrf.failure path=%s reason=%s", request.path, reason)
    return error_response(
        request,
        403,
        code="csrf_failed",
        message=_(
            "The form could not be sent because it was open for a long time or your browser blocks cookies. "
            "Reload the page and send the form again; allow cookies for this site if this happens again."
        ),
    )


class VisitorPermissionDenied(PermissionDenied):
    """A ``PermissionDenied`` whose message is written for the visitor and shown on the 403 page."""

    for_visitor = True


# Django's debug pages (technical 404, and the 500-style page it shows for a 400 in DEBUG) carry this tag.
_DEBUG_PAGE_MARK = b'<meta name="robots" content="NONE,NOARCHIVE">'


class ClientErrorPageMiddleware:
    """Give a bare 405 ("method not allowed") a page, and in DEBUG put the styled page in place of Django's
    debug page for a 4xx, so ``make run`` shows what an applicant sees."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        status = response.status_code
        if not 400 <= status < 500 or _wants_json(request) or getattr(response, "streaming", False):
            return response
        if status == 405 and not response.content:
            replacement = error_response(request, 405)
        elif settings.DEBUG and status in (400, 404) and _DEBUG_PAGE_MARK in response.content:
            replacement = error_response(request, status)
        else:
            return response
        for header, value in response.items():
            if header.lower() not in ("content-type", "content-length", "cache-control"):
                replacement[header] = value
        return replacement


# The database went away (restarted, failed over, connections exhausted): psycopg raises these through Django's
# wrappers. It is an outage, not a bug in the request: 503 with Retry-After, so clients and proxies retry.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = "30"


def service_unavailable(request: HttpRequest) -> HttpResponse:
    """The API's JSON error or a page that needs no database (no session, no user, no navigation)."""
    if _wants_json(request):
        response: HttpResponse = JsonResponse(
            error_body(
                "service_unavailable",
                _("The service is briefly unavailable. Nothing was changed; try again in a minute."),
            ),
            status=503,
        )
    else:
        response = HttpResponse(render_to_string("503.html", {"status": 503}), status=503)
    response["Retry-After"] = RETRY_AFTER_SECONDS
    response["Cache-Control"] = "no-store"
    return response


class ExceptionResponseMiddleware:
    """The exceptions raised by a view that have an answer of their own, in one layer (each layer costs its call
    on every request, and both hooks only look at an exception):

    - a lost database is a 503 instead of a 500, with one log line instead of a traceback. Errors raised inside
      other middlewares (loading the session, the user) never reach ``process_exception``: ``server_error``
      (``handler500``) answers those the same way. The connection is not reused after the error (Django closes
      a connection that saw an error at the end of the request), so the web process recovers by itself once the
      database is back: no restart;
    - a rate limit (django-ratelimit's ``Ratelimited``) is ``RATELIMIT_VIEW``'s 429: what django-ratelimit's own
      ``RatelimitMiddleware`` does, and all it does.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, Ratelimited):
            return import_string(settings.RATELIMIT_VIEW)(request, exception)
        if isinstance(exception, DATABASE_UNAVAILABLE):
            logger.warning("database.unavailable path=%s error=%s", request.path, type(exception).__name__)
            return service_unavailable(request)
        return None


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: 503 when the cause is a lost database, Django's own 500 otherwise."""
    exception = sys.exc_info()[1]
    if isinstance(exception, DATABASE_UNAVAILABLE):
        return service_unavailable(request)
    return defaults.server_error(request)
