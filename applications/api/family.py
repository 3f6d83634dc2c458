"""The applicant's API for applying on someone's behalf and for claiming an application made at a counter.

Views parse input, call one service and answer with the application as ``GET /applications/{id}`` does.
"""

from __future__ import annotations

from django.utils.decorators import method_decorator
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from applications.api.applications import ERROR, INVALID, ApplicationDetailOutput, _detail
from applications.models import ProcessingSpeed
from applications.models.application import PersonRelationship
from applications.selectors import get_kind, get_purpose
from applications.services import counter, family
from identity.permissions import IsApplicant
from identity.ratelimits import limit_posts_by_ip


class ApplicationForPersonApi(APIView):
    """POST: start a draft for another person (a child, a ward, a family member) in the caller's account; the
    caller is recorded as their representative."""

    permission_classes = [IsApplicant]

    @extend_schema_serializer(component_name="ApplicationForPersonInput")
    class InputSerializer(serializers.Serializer):
        kind = serializers.SlugField()
        purpose = serializers.SlugField()
        processing_speed = serializers.ChoiceField(
            choices=ProcessingSpeed.choices, default=ProcessingSpeed.STANDARD
        )
        first_name = serializers.CharField(max_length=150)
        last_name = serializers.CharField(max_length=150)
        date_of_birth = serializers.DateField()
        nationality = serializers.CharField(max_length=2)
        relationship = serializers.ChoiceField(choices=PersonRelationship.choices)

    @extend_schema(
        operation_id="applications_for_person_create",
        request=InputSerializer,
        responses={201: ApplicationDetailOutput, 400: INVALID, 404: OpenApiResponse(ERROR)},
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        kind = get_kind(code=data["kind"])
        application = family.create_draft_for_person(
            representative=request.user,
            kind=kind,
            purpose=get_purpose(code=data["purpose"], kind=kind),
            processing_speed=data["processing_speed"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            date_of_birth=data["date_of_birth"],
            nationality=data["nationality"],
            relationship=data["relationship"],
        )
        return Response(_detail(application, request), status=status.HTTP_201_CREATED)


@method_decorator(limit_posts_by_ip("RATELIMIT_CLAIM_CODE", group=counter.CLAIM_GROUP), name="dispatch")
class ApplicationClaimApi(APIView):
    """POST ``{code, document_number}``: move an application made at an Office counter into the caller's
    account. The code is printed on the person's copy; it works once, for one account."""

    permission_classes = [IsApplicant]

    @extend_schema_serializer(component_name="ApplicationClaimInput")
    class InputSerializer(serializers.Serializer):
        code = serializers.CharField(max_length=20)
        document_number = serializers.CharField(max_length=30)

    @extend_schema(
        operation_id="applications_claim",
        request=InputSerializer,
        responses={
            200: ApplicationDetailOutput,
            400: OpenApiResponse(ERROR, description="invalid_claim_code: the code or the document number"),
            409: OpenApiResponse(ERROR, description="claim_code_used: the code was used already"),
            429: OpenApiResponse(ERROR, description="rate_limited"),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        application = counter.claim_counter_application(
            user=request.user,
            code=serializer.validated_data["code"],
            document_number=serializer.validated_data["document_number"],
        )
        return Response(_detail(application, request))
