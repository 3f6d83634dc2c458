"""Public, read-only catalogue API: kinds with their purposes, speeds, current fees and required documents."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from applications.models import ApplicationKind, DocumentRequirement, Fee, ProcessingSpeed
from applications.selectors import (
    get_current_fee,
    get_kind,
    get_kind_with_catalogue,
    get_purpose,
    list_kinds_with_catalogue,
    list_legal_grounds,
    list_requirements,
)
from eservice.exceptions import DomainError
from eservice.schema import ErrorSerializer


class MissingParameterError(DomainError):
    code = "missing_parameter"


def _required_param(request: Request, name: str) -> str:
    value = request.query_params.get(name, "").strip()
    if not value:
        raise MissingParameterError(
            _("The query parameter “%(name)s” is required.") % {"name": name}, details={"parameter": name}
        )
    return value


def _date_param(request: Request, name: str) -> dt.date:
    value = request.query_params.get(name, "").strip()
    if not value:
        return timezone.localdate()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise DomainError(
            _("“%(value)s” is not a date; use YYYY-MM-DD.") % {"value": value},
            details={"parameter": name},
        ) from None


class PublicCatalogueApi(APIView):
    """Reference data anyone may read: no sign-in, and a stale or bad token is ignored rather than refused."""

    authentication_classes: list = []
    permission_classes = [AllowAny]


class PurposeOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    requires_invitation = serializers.BooleanField()


class FeeOutputSerializer(serializers.Serializer):
    kind = serializers.CharField(source="kind.code")
    speed = serializers.CharField()
    working_days = serializers.SerializerMethodField()
    amount_cents = serializers.IntegerField()
    currency = serializers.CharField()
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(allow_null=True)
    to_be_verified = serializers.BooleanField()

    def get_working_days(self, fee: Fee) -> int:
        return ProcessingSpeed(fee.speed).working_days


class SpeedOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    working_days = serializers.IntegerField()
    fee = FeeOutputSerializer(allow_null=True)


class DocumentTypeOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    accepted_content_types = serializers.ListField(child=serializers.CharField())
    max_size_bytes = serializers.IntegerField()
    needs_translation = serializers.BooleanField()
    max_age_days = serializers.IntegerField(allow_null=True)


class RequirementOutputSerializer(serializers.Serializer):
    purpose = serializers.CharField(source="purpose.code", allow_null=True, default=None)
    document_type = DocumentTypeOutputSerializer()
    required = serializers.BooleanField()
    condition = serializers.CharField()
    condition_label = serializers.CharField(source="get_condition_display")
    note = serializers.CharField()


class KindOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    needs_registration = serializers.BooleanField()
    starts_from_decision = serializers.BooleanField(
        help_text="True: not started with POST /applications; it starts from a granted decision of the applicant."
    )
    purposes = PurposeOutputSerializer(many=True, source="purposes.all")
    speeds = serializers.SerializerMethodField()
    requirements = RequirementOutputSerializer(many=True, source="requirements.all")

    @extend_schema_field(SpeedOutputSerializer(many=True))
    def get_speeds(self, kind: ApplicationKind) -> list[dict]:
        fees = {fee.speed: fee for fee in getattr(kind, "current_fees", [])}
        return SpeedOutputSerializer(
            [
                {
                    "code": speed.value,
                    "label": speed.label,
                    "working_days": speed.working_days,
                    "fee": fees.get(speed.value),
                }
                for speed in kind.offered_speeds
            ],
            many=True,
        ).data


class LegalGroundOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    law_reference = serializers.CharField()
    text = serializers.CharField()
    outcome = serializers.CharField()
    purpose = serializers.CharField(source="purpose.code", allow_null=True, default=None)
    to_be_verified = serializers.BooleanField()


INVALID = OpenApiResponse(ErrorSerializer, description="A parameter is missing or not valid.")
UNKNOWN = OpenApiResponse(ErrorSerializer, description="No such kind, purpose or fee in the catalogue.")

_ON = OpenApiParameter("on", OpenApiTypes.DATE, description="Date the fees are valid on (default: today).")


class CatalogueKindListApi(PublicCatalogueApi):
    @extend_schema(
        operation_id="catalogue_kinds_list",
        summary="Application kinds with purposes, speeds, current fees and required documents",
        parameters=[_ON],
        responses={200: KindOutputSerializer(many=True), 400: INVALID},
        tags=["catalogue"],
    )
    def get(self, request: Request) -> Response:
        kinds = list_kinds_with_catalogue(on=_date_param(request, "on"))
        return Response(KindOutputSerializer(kinds, many=True).data)


class CatalogueKindDetailApi(PublicCatalogueApi):
    @extend_schema(
        operation_id="catalogue_kinds_retrieve",
        summary="One application kind with its catalogue",
        parameters=[_ON],
        responses={200: KindOutputSerializer, 400: INVALID, 404: UNKNOWN},
        tags=["catalogue"],
    )
    def get(self, request: Request, code: str) -> Response:
        on = _date_param(request, "on")
        kind = get_kind_with_catalogue(code=code, on=on)
        return Response(KindOutputSerializer(kind).data)


class CatalogueFeeApi(PublicCatalogueApi):
    @extend_schema(
        operation_id="catalogue_fee_retrieve",
        summary="The state fee for a kind at a processing speed",
        parameters=[
            OpenApiParameter("kind", OpenApiTypes.STR, required=True, enum=ApplicationKind.Code.values),
            OpenApiParameter("speed", OpenApiTypes.STR, required=True, enum=ProcessingSpeed.values),
            _ON,
        ],
        responses={200: FeeOutputSerializer, 400: INVALID, 404: UNKNOWN},
        tags=["catalogue"],
    )
    def get(self, request: Request) -> Response:
        fee = get_current_fee(
            kind=_required_param(request, "kind"),
            speed=_required_param(request, "speed"),
            on=_date_param(request, "on"),
        )
        return Response(FeeOutputSerializer(fee).data)


class CatalogueRequirementListApi(PublicCatalogueApi):
    @extend_schema(
        operation_id="catalogue_requirements_list",
        summary="The document checklist for a kind and purpose",
        parameters=[
            OpenApiParameter("kind", OpenApiTypes.STR, required=True, enum=ApplicationKind.Code.values),
            OpenApiParameter("purpose", OpenApiTypes.STR, required=True),
            OpenApiParameter(
                "minor", OpenApiTypes.BOOL, description="true/false: leave out lines for the other age group."
            ),
        ],
        responses={200: RequirementOutputSerializer(many=True), 400: INVALID, 404: UNKNOWN},
        tags=["catalogue"],
    )
    def get(self, request: Request) -> Response:
        kind = get_kind(code=_required_param(request, "kind"))
        purpose = get_purpose(code=_required_param(request, "purpose"), kind=kind)
        minor = {"true": True, "1": True, "false": False, "0": False}.get(
            request.query_params.get("minor", "").lower()
        )
        requirements: list[DocumentRequirement] = list_requirements(
            kind=kind, purpose=purpose, is_minor=minor
        )
        return Response(RequirementOutputSerializer(requirements, many=True).data)


class CatalogueLegalGroundListApi(PublicCatalogueApi):
    @extend_schema(
        operation_id="catalogue_legal_grounds_list",
        summary="Legal grounds a decision may cite",
        parameters=[
            OpenApiParameter("outcome", OpenApiTypes.STR, enum=["grant", "refuse"]),
            OpenApiParameter("kind", OpenApiTypes.STR, enum=ApplicationKind.Code.values),
        ],
        responses={200: LegalGroundOutputSerializer(many=True), 400: INVALID, 404: UNKNOWN},
        tags=["catalogue"],
    )
    def get(self, request: Request) -> Response:
        outcome = request.query_params.get("outcome") or None
        if outcome not in (None, "grant", "refuse"):
            raise DomainError(
                _("“%(value)s” is not an outcome; use grant or refuse.") % {"value": outcome},
                details={"parameter": "outcome"},
            )
        kind_code = request.query_params.get("kind")
        kind = get_kind(code=kind_code) if kind_code else None
        grounds = list_legal_grounds(outcome=outcome, kind=kind)
        return Response(LegalGroundOutputSerializer(grounds, many=True).data)
