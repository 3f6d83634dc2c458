"""OpenAPI pieces shared by every app: the error body every 4xx answers with, and the bearer scheme."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. invalid_transition.")
    message = serializers.CharField(help_text="A sentence for people, in the request's language.")
    details = serializers.JSONField(help_text="Field errors, the current state and allowed actions, ...")


class ErrorSerializer(serializers.Serializer):
    """``{"error": {"code", "message", "details"}}`` (eservice.exceptions)."""

    error = ErrorDetailSerializer()


class JWTAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "identity.authentication.JWTAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "Access token from POST /api/v1/auth/token (ES256/RS256; keys at /.well-known/jwks.json).",
        }


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's schema, plus the error answers every operation can give without saying so.

    The error handler answers these with the error body above, so a client (and the conformance test) must find
    them documented: 400 for bad input (a body, a query or path value), 401/403 where a sign-in is needed, 404
    where the path names an object (and for an id that matches no route), 415 for a body in another format.
    An operation's own ``extend_schema(responses=...)`` keeps its wording; only what is missing is added.
    """

    def get_operation(self, *args: Any, **kwargs: Any) -> dict | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        for code, description in self._implied_errors(operation):
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=description), code
                )
        return operation

    def _implied_errors(self, operation: dict) -> list[tuple[str, str]]:
        errors = []
        has_body = "requestBody" in operation
        if has_body or operation.get("parameters"):
            errors.append(("400", "Invalid input (validation_error, parse_error, ...)."))
        if self.view.get_authenticators():
            errors.append(("401", "Missing, invalid or expired credentials."))
        if not all(isinstance(permission, AllowAny) for permission in self.view.get_permissions()):
            errors.append(("403", "Not allowed for this account."))
        if "{" in self.path:
            errors.append(("404", "No such object, or not one of yours."))
        if has_body:
            errors.append(("415", "The body is not in a supported format."))
        return errors
