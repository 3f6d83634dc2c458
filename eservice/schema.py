"""OpenAPI pieces shared by every app: the error body every 4xx answers with, and the bearer scheme."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import serializers


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
