"""Identity API: register, verify e-mail, obtain and refresh tokens, and the public key set."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.debug import sensitive_post_parameters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from eservice.exceptions import error_body
from eservice.pagination import ApiPagination
from eservice.schema import ErrorSerializer
from identity import signin, tokens
from identity.forms import page_language
from identity.lockout import lockout_response, slowed_down_response
from identity.models import Language, User
from identity.names import clean_person_name
from identity.ratelimits import limit_posts_by_ip, limit_sign_in
from identity.selectors import list_access_log_about
from identity.services import accounts
from identity.services.api_tokens import RefreshTokenReusedError, issue_token_pair, rotate_refresh_token


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()
    expires_in = serializers.IntegerField(help_text="Seconds until the access token expires.")


def _error(code: str, message: str, http_status: int, details: object = None) -> Response:
    return Response(error_body(code, message, details), status=http_status)


def _limit(setting: str):
    # Outside DRF's dispatch, so a blocked request reaches ExceptionResponseMiddleware and gets the 429 JSON body.
    return method_decorator(limit_posts_by_ip(setting), name="dispatch")


def _person_name(value: str) -> str:
    try:
        return clean_person_name(value)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(exc.messages, code="name_characters") from exc


class PublicApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]


@_limit("RATELIMIT_REGISTER")
@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class RegisterApi(PublicApi):
    """Create an applicant account; it can sign in once the e-mail address is verified.

    The answer is the same whether or not the address already has an account (no ``email_taken``): a new
    address gets a verification link, an address still waiting for confirmation a new one, and the owner of an
    existing account a mail saying someone tried to register with it."""

    @extend_schema_serializer(component_name="RegisterInput")
    class InputSerializer(serializers.Serializer):
        email = serializers.EmailField(max_length=254)
        password = serializers.CharField(write_only=True, trim_whitespace=False, max_length=256)
        first_name = serializers.CharField(max_length=150)
        last_name = serializers.CharField(max_length=150)
        preferred_language = serializers.ChoiceField(
            choices=Language.choices,
            default=page_language,
            help_text="Language of e-mails and PDFs; default: the request's language (Accept-Language), else lv.",
        )

        def validate_email(self, value: str) -> str:
            # Whether the address already has an account is not said: the service mails its owner instead.
            return value.strip().lower()

        def validate_first_name(self, value: str) -> str:
            return _person_name(value)

        def validate_last_name(self, value: str) -> str:
            return _person_name(value)

        def validate(self, attrs: dict) -> dict:
            candidate = User(
                email=attrs["email"], first_name=attrs["first_name"], last_name=attrs["last_name"]
            )
            try:
                validate_password(attrs["password"], user=candidate)
            except DjangoValidationError as exc:
                raise serializers.ValidationError({"password": exc.messages}) from exc
            return attrs

    @extend_schema_serializer(component_name="RegisterOutput")
    class OutputSerializer(serializers.Serializer):
        email = serializers.EmailField()
        email_verified = serializers.BooleanField()

    @extend_schema(
        operation_id="auth_register",
        request=InputSerializer,
        responses={
            201: OpenApiResponse(
                OutputSerializer,
                description="Registered; the same answer when the address already has an account (its owner "
                "is mailed instead), so it never tells whether an address is registered.",
            ),
            400: OpenApiResponse(
                ErrorSerializer,
                description="validation_error: details per field (a weak password; names may hold only "
                "letters, spaces, hyphens and apostrophes).",
            ),
            429: ErrorSerializer,
        },
        auth=[],
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        accounts.register_applicant(**data.validated_data)
        return Response(
            self.OutputSerializer({"email": data.validated_data["email"], "email_verified": False}).data,
            status=status.HTTP_201_CREATED,
        )


class VerifyEmailApi(PublicApi):
    """Confirm an e-mail address with the token from the verification link. A token works once."""

    @extend_schema_serializer(component_name="VerifyEmailInput")
    class InputSerializer(serializers.Serializer):
        token = serializers.CharField(max_length=1024)

    @extend_schema_serializer(component_name="VerifyEmailOutput")
    class OutputSerializer(serializers.Serializer):
        email = serializers.EmailField()
        email_verified = serializers.BooleanField()

    @extend_schema(
        operation_id="auth_verify_email",
        request=InputSerializer,
        responses={
            200: OutputSerializer,
            400: OpenApiResponse(ErrorSerializer, description="token_invalid, token_expired or token_used"),
        },
        auth=[],
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = accounts.verify_email(token=data.validated_data["token"])
        return Response(
            self.OutputSerializer({"email": user.email, "email_verified": user.email_verified}).data
        )


@method_decorator(limit_sign_in(), name="dispatch")
@method_decorator(sensitive_post_parameters("password", "otp"), name="dispatch")
class TokenObtainApi(PublicApi):
    """Exchange e-mail, password and (when the account has two-step verification or is staff) a TOTP code
    for an access token and a refresh token. Failures count towards the lockout."""

    @extend_schema_serializer(component_name="TokenObtainInput")
    class InputSerializer(serializers.Serializer):
        email = serializers.EmailField(max_length=254)
        password = serializers.CharField(trim_whitespace=False, max_length=256)
        otp = serializers.CharField(required=False, allow_blank=True, max_length=12)

    @extend_schema(
        operation_id="auth_token",
        request=InputSerializer,
        responses={
            200: TokenPairSerializer,
            400: ErrorSerializer,
            401: OpenApiResponse(
                ErrorSerializer, description="invalid_credentials, otp_required, otp_invalid"
            ),
            403: OpenApiResponse(
                ErrorSerializer, description="email_not_verified, account_inactive, otp_setup_required"
            ),
            429: OpenApiResponse(
                ErrorSerializer, description="locked_out, too_many_attempts or rate_limited"
            ),
        },
        auth=[],
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        email = data.validated_data["email"].strip().lower()
        django_request = request._request  # axes marks the Django request; its middleware reads it
        check = signin.check_credentials(
            django_request, email=email, password=data.validated_data["password"]
        )
        if check.problem is signin.Problem.LOCKED:
            return lockout_response(django_request)
        if check.problem is signin.Problem.SLOWED:
            return slowed_down_response(django_request, retry_after=check.retry_after)
        if check.problem is signin.Problem.UNVERIFIED:
            return _error(check.problem, _("Confirm your e-mail address first."), status.HTTP_403_FORBIDDEN)
        if check.problem is signin.Problem.INACTIVE:
            return _error(check.problem, _("This account has been deactivated."), status.HTTP_403_FORBIDDEN)
        if check.problem is not None:
            return _error(
                check.problem,
                _("The e-mail address or the password is not correct."),
                status.HTTP_401_UNAUTHORIZED,
            )
        user = check.user
        second_factor = accounts.otp_required_for(user=user)
        if second_factor:
            if not accounts.has_confirmed_totp(user=user):
                return _error(
                    "otp_setup_required",
                    _("Set up two-step verification on the website before using the API."),
                    status.HTTP_403_FORBIDDEN,
                )
            code = data.validated_data.get("otp", "")
            if not code:
                return _error(
                    "otp_required",
                    _("Enter the code from your authenticator app."),
                    status.HTTP_401_UNAUTHORIZED,
                )
            if accounts.verify_user_otp(user=user, token=code) is None:
                if signin.record_failed_otp(django_request, email=email):
                    return lockout_response(django_request)
                return _error(
                    "otp_invalid", str(accounts.OtpInvalidError.default_message), status.HTTP_401_UNAUTHORIZED
                )
        signin.record_api_sign_in(django_request, user=user)
        pair = issue_token_pair(user=user, second_factor=second_factor)
        return Response(TokenPairSerializer(pair).data)


class TokenRefreshApi(PublicApi):
    """Spend a refresh token for a new pair. A refresh token works once; presenting a spent one again
    revokes every token of that sign-in (answer 401 ``token_reused``)."""

    @extend_schema_serializer(component_name="TokenRefreshInput")
    class InputSerializer(serializers.Serializer):
        refresh = serializers.CharField(max_length=settings.JWT_MAX_TOKEN_LENGTH + 1)

    @extend_schema(
        operation_id="auth_token_refresh",
        request=InputSerializer,
        responses={
            200: TokenPairSerializer,
            400: ErrorSerializer,
            401: OpenApiResponse(ErrorSerializer, description="token_invalid or token_reused"),
        },
        auth=[],
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            pair = rotate_refresh_token(refresh=data.validated_data["refresh"])
        except RefreshTokenReusedError:
            return _error(
                "token_reused",
                _("This refresh token was already used. Sign in again."),
                status.HTTP_401_UNAUTHORIZED,
            )
        except tokens.TokenError:
            return _error(
                "token_invalid", _("The refresh token is invalid or expired."), status.HTTP_401_UNAUTHORIZED
            )
        return Response(TokenPairSerializer(pair).data)


@method_decorator(cache_control(public=True, max_age=300), name="dispatch")
class JwksApi(APIView):
    """The public keys that verify our access tokens."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        return Response(tokens.jwks())


class AccessLogApi(APIView):
    """Who (by role and unit) opened the caller's case file, when and why. Staff are not named."""

    pagination_class = ApiPagination  # also tells the schema that the list is paginated

    @extend_schema_serializer(component_name="AccessLogEntry")
    class OutputSerializer(serializers.Serializer):
        accessed_at = serializers.DateTimeField()
        role = serializers.CharField(source="get_role_display")
        unit = serializers.CharField(source="unit.name", default=None)
        record = serializers.CharField(source="object_type")
        reason = serializers.CharField()

    @extend_schema(
        operation_id="me_access_log",
        responses={
            200: extend_schema_serializer(component_name="AccessLogEntry")(OutputSerializer)(many=True)
        },
    )
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(list_access_log_about(applicant=request.user), request, self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)
