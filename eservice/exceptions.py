"""The domain error family and the DRF handler that turns every API error into one JSON shape.

Every error body is ``{"error": {"code": ..., "message": ..., "details": ...}}``.
"""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class DomainError(Exception):
    """A business rule said no. Subclasses set the HTTP status and a stable code."""

    status_code = status.HTTP_400_BAD_REQUEST
    code = "invalid"
    default_message = _("The request could not be processed.")

    def __init__(self, message: str | None = None, *, details: Any = None) -> None:
        self.message = str(message or self.default_message)
        self.details = details
        super().__init__(self.message)


class NotFoundError(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"
    default_message = _("Not found.")


class ForbiddenError(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "forbidden"
    default_message = _("You may not do this.")


class ConflictError(DomainError):
    """The object is not in a state that allows this (an illegal transition, a lost race)."""

    status_code = status.HTTP_409_CONFLICT
    code = "conflict"
    default_message = _("This action is not possible in the current state.")


class InvalidTransitionError(ConflictError):
    code = "invalid_transition"

    def __init__(
        self,
        message: str | None = None,
        *,
        state: str,
        allowed_actions: list[str],
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(
            message,
            details={"state": state, "allowed_actions": allowed_actions, **(details or {})},
        )


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {
        "error": {"code": code, "message": str(message), "details": details if details is not None else {}}
    }


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.message, exc.details), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body("validation_error", _("Some fields are not valid."), exc.detail)
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        message = detail if isinstance(detail, str) else _("The request could not be processed.")
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
        response.data = error_body(code, message, {} if isinstance(detail, str) else detail)
    return response
