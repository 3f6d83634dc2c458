"""Registration of a granted permit in the API: the applicant starts it (unit + card speed) and reads it; officers
of the registration's unit mark biometrics, card produced and card handed over, and list their unit's
registrations. Illegal transitions answer 409 with the current state and the allowed actions."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from applications.models import Application, CardSpeed, Registration
from applications.selectors_dashboard import get_application
from applications.selectors_registration import list_unit_registrations, registration_of
from applications.services import registration as services
from eservice.exceptions import NotFoundError
from eservice.schema import ErrorSerializer
from identity.permissions import IsApplicant, IsOfficer

ERROR = ErrorSerializer
NOT_FOUND = OpenApiResponse(ERROR, description="No such application among yours (or case within your unit).")
CONFLICT = OpenApiResponse(
    ERROR,
    description="Not possible in the current state: details name the state and the allowed actions "
    "(`card_fee_unpaid` for biometrics before the card fee is paid).",
)
INVALID = OpenApiResponse(ERROR, description="Invalid input: details name each field.")


class RegistrationUnitOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    address = serializers.CharField()


class RegistrationOutput(serializers.Serializer):
    application_id = serializers.IntegerField(source="application.pk")
    reference = serializers.CharField(source="application.reference", allow_null=True)
    state = serializers.CharField(source="application.state")
    registration_due_on = serializers.DateField(source="application.registration_due_on", allow_null=True)
    unit = RegistrationUnitOutput(source="registration.unit", allow_null=True)
    card_speed = serializers.CharField(source="registration.card_speed", allow_null=True)
    card_fee_cents = serializers.IntegerField(source="registration.card_fee_cents", allow_null=True)
    card_fee_paid = serializers.BooleanField(source="registration.card_fee_paid", allow_null=True)
    started_at = serializers.DateTimeField(source="registration.started_at", allow_null=True)
    biometrics_at = serializers.DateTimeField(source="registration.biometrics_at", allow_null=True)
    card_produced_at = serializers.DateTimeField(source="registration.card_produced_at", allow_null=True)
    collected_at = serializers.DateTimeField(source="registration.collected_at", allow_null=True)
    allowed_actions = serializers.ListField(child=serializers.CharField())


def _output(application: Application, registration: Registration | None, *, officer: bool) -> dict:
    actions = (
        services.officer_actions(application)
        if officer
        else services.applicant_actions(application, registration)
    )
    # Before the registration starts its fields read as null (allow_null on each).
    holder = {"application": application, "registration": registration, "allowed_actions": actions}
    return RegistrationOutput(holder).data


class ApplicationRegistrationApi(APIView):
    """GET: the registration of one of the caller's applications. POST: register a granted permit."""

    permission_classes = [IsApplicant]

    class RegistrationStartInput(serializers.Serializer):
        unit = serializers.IntegerField(
            required=False, help_text="territorial unit id; default: the application's unit"
        )
        card_speed = serializers.ChoiceField(choices=CardSpeed.choices, default=CardSpeed.STANDARD)

    @extend_schema(
        operation_id="application_registration_read", responses={200: RegistrationOutput, 404: NOT_FOUND}
    )
    def get(self, request: Request, application_id: int) -> Response:
        application = get_application(user=request.user, application_id=application_id)
        return Response(_output(application, registration_of(application), officer=False))

    @extend_schema(
        operation_id="application_registration_start",
        request=RegistrationStartInput,
        responses={201: RegistrationOutput, 400: INVALID, 404: NOT_FOUND, 409: CONFLICT},
        description="Start the registration of a granted permit: granted → awaiting_registration. The card fee "
        "(by speed, from the catalogue) is then due: pay it with POST /applications/{id}/payments "
        '`{"method": ..., "purpose": "card_fee"}`.',
    )
    def post(self, request: Request, application_id: int) -> Response:
        get_application(user=request.user, application_id=application_id)  # someone else's: 404 first
        serializer = self.RegistrationStartInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        registration = services.start_registration(
            application_id=application_id,
            applicant=request.user,
            unit_id=serializer.validated_data.get("unit"),
            card_speed=serializer.validated_data["card_speed"],
        )
        application = get_application(user=request.user, application_id=application_id)
        return Response(_output(application, registration, officer=False), status=status.HTTP_201_CREATED)


class _OfficerTransitionApi(APIView):
    permission_classes = [IsOfficer]
    service = staticmethod(services.record_biometrics)

    def post(self, request: Request, application_id: int) -> Response:
        application = Application.objects.filter(pk=application_id).only("pk").first()
        if application is None:
            raise NotFoundError(services.CASE_NOT_FOUND)
        application = self.service(application=application, actor=request.user)
        return Response(_output(application, registration_of(application), officer=True))


_OFFICER_RESPONSES = {200: RegistrationOutput, 404: NOT_FOUND, 409: CONFLICT}


class RegistrationBiometricsApi(_OfficerTransitionApi):
    """awaiting_registration → card_in_production: biometrics taken at the unit (the card fee must be paid)."""

    service = staticmethod(services.record_biometrics)

    @extend_schema(
        operation_id="backoffice_registration_biometrics", request=None, responses=_OFFICER_RESPONSES
    )
    def post(self, request: Request, application_id: int) -> Response:
        return super().post(request, application_id)


class RegistrationCardProducedApi(_OfficerTransitionApi):
    """card_in_production → ready_for_collection: the applicant is e-mailed the unit's collection hours."""

    service = staticmethod(services.mark_card_produced)

    @extend_schema(
        operation_id="backoffice_registration_card_produced", request=None, responses=_OFFICER_RESPONSES
    )
    def post(self, request: Request, application_id: int) -> Response:
        return super().post(request, application_id)


class RegistrationHandOverApi(_OfficerTransitionApi):
    """ready_for_collection → collected: the card was handed over; the case is closed."""

    service = staticmethod(services.hand_over_card)

    @extend_schema(
        operation_id="backoffice_registration_hand_over", request=None, responses=_OFFICER_RESPONSES
    )
    def post(self, request: Request, application_id: int) -> Response:
        return super().post(request, application_id)


class UnitRegistrationsOutput(serializers.Serializer):
    awaiting = RegistrationOutput(many=True)
    in_production = RegistrationOutput(many=True)
    ready = RegistrationOutput(many=True)
    not_started_overdue = RegistrationOutput(many=True)


class UnitRegistrationListApi(APIView):
    """The unit's registrations: waiting for biometrics (overdue first), in production, ready for collection,
    and granted permits not registered by their deadline. Officers of the unit only (another unit: 404)."""

    permission_classes = [IsOfficer]

    @extend_schema(
        operation_id="backoffice_unit_registrations", responses={200: UnitRegistrationsOutput, 404: NOT_FOUND}
    )
    def get(self, request: Request, unit_id: int) -> Response:
        if request.user.unit_id != unit_id:
            raise NotFoundError(services.CASE_NOT_FOUND)
        lists = list_unit_registrations(unit_id=unit_id)

        def rows(applications: list[Application]) -> list[dict]:
            return [_output(a, registration_of(a), officer=True) for a in applications]

        return Response(
            {
                "awaiting": rows(lists.awaiting),
                "in_production": rows(lists.in_production),
                "ready": rows(lists.ready),
                "not_started_overdue": rows(lists.not_started_overdue),
            }
        )
