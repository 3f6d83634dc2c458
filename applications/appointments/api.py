"""The visits API: units and their free slots (public reference data), the applicant's visit, the unit's day.

Views parse, check who calls, call one service or selector, serialise. Errors are the project's JSON body.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from applications.appointments import selectors, services
from eservice.exceptions import DomainError, NotFoundError
from eservice.schema import ErrorSerializer
from identity.models import TerritorialUnit
from identity.permissions import IsOfficer

ERROR = ErrorSerializer
INVALID = OpenApiResponse(
    ERROR,
    description="Invalid input, or a time that cannot be booked (past, closed, "
    "a holiday, another unit): details say which.",
)
NOT_FOUND = OpenApiResponse(ERROR, description="No such application (or visit) of yours.")
CONFLICT = OpenApiResponse(
    ERROR,
    description="slot_taken (the last place was just taken), already_booked, too_late (past the cut-off), "
    "reschedule_limit, or the application does not await registration.",
)
# The longest range of slots one request may ask for.
MAX_RANGE_DAYS = 62


def _date(request: Request, name: str, default: dt.date) -> dt.date:
    value = request.query_params.get(name)
    if not value:
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise DomainError(
            _("“%(value)s” is not a date; use YYYY-MM-DD.") % {"value": value}, details={"parameter": name}
        ) from None


class HoursOutput(serializers.Serializer):
    weekday = serializers.IntegerField(help_text="0 = Monday")
    # Local Riga time as "HH:MM" (a wall-clock time without an offset, so not an RFC 3339 "time").
    opens = serializers.SerializerMethodField(help_text="Opens, local time HH:MM.")
    closes = serializers.SerializerMethodField(help_text="Closes, local time HH:MM.")

    def get_opens(self, hours) -> str:
        return f"{hours.opens:%H:%M}"

    def get_closes(self, hours) -> str:
        return f"{hours.closes:%H:%M}"


class UnitOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    address = serializers.CharField()
    phone = serializers.CharField()
    receives_visits = serializers.SerializerMethodField()
    slot_minutes = serializers.SerializerMethodField()
    reception_hours = HoursOutput(many=True)

    def _settings(self, unit: TerritorialUnit):
        return getattr(unit, "visit_settings", None)

    def get_receives_visits(self, unit: TerritorialUnit) -> bool:
        return self._settings(unit) is not None

    def get_slot_minutes(self, unit: TerritorialUnit) -> int | None:
        settings = self._settings(unit)
        return settings.slot_minutes if settings else None


class UnitListApi(APIView):
    """The units that register residence permits, with their reception hours (public)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(operation_id="units_list", responses={200: UnitOutput(many=True)})
    def get(self, request: Request) -> Response:
        return Response(UnitOutput(selectors.list_units(), many=True).data)


class SlotOutput(serializers.Serializer):
    id = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    places_left = serializers.IntegerField()


class UnitSlotListApi(APIView):
    """A unit's free visit times between two dates (public; at most 62 days at once)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="units_slots",
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, description="First day (default: today)."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Last day, included (default: 7 days on)."),
        ],
        responses={
            200: SlotOutput(many=True),
            400: INVALID,
            404: OpenApiResponse(ERROR, description="No such unit."),
        },
    )
    def get(self, request: Request, unit_id: int) -> Response:
        if not TerritorialUnit.objects.filter(pk=unit_id, is_active=True).exists():
            raise NotFoundError(_("There is no such unit."))
        start = _date(request, "from", timezone.localdate())
        end = _date(request, "to", start + dt.timedelta(days=6))
        if end < start or (end - start).days > MAX_RANGE_DAYS:
            raise DomainError(
                _("Ask for at most %(days)s days, the last one after the first.") % {"days": MAX_RANGE_DAYS},
                details={"parameter": "to"},
            )
        slots = selectors.list_free_slots(unit_id=unit_id, start=start, end=end)
        return Response(SlotOutput(slots, many=True).data)


class AppointmentOutput(serializers.Serializer):
    booking = serializers.UUIDField(source="booking_uid")
    application = serializers.IntegerField(source="application_id")
    status = serializers.CharField()
    slot = serializers.IntegerField(source="slot_id")
    starts_at = serializers.DateTimeField(source="slot.starts_at")
    ends_at = serializers.DateTimeField(source="slot.ends_at")
    unit = serializers.IntegerField(source="slot.unit_id")
    reschedules = serializers.IntegerField()


# Ids are bounded like the database's keys: a larger number is a 400, not an overflow in the query (a 500).
ID_FIELD = {"min_value": 1, "max_value": 2**31 - 1}


class BookInput(serializers.Serializer):
    slot = serializers.IntegerField(**ID_FIELD)
    with_applications = serializers.ListField(
        child=serializers.IntegerField(**ID_FIELD),
        required=False,
        default=list,
        max_length=10,
        help_text="Your other applications awaiting registration at the same unit, on the same visit.",
    )


class RescheduleInput(serializers.Serializer):
    slot = serializers.IntegerField(**ID_FIELD)


class ApplicationAppointmentApi(APIView):
    """The applicant's visit for an application awaiting registration: read, book, move, cancel."""

    @extend_schema(
        operation_id="applications_appointment_read", responses={200: AppointmentOutput, 404: NOT_FOUND}
    )
    def get(self, request: Request, application_id: int) -> Response:
        selectors.get_own_application_or_error(user=request.user, application_id=application_id)
        appointment = selectors.get_active_appointment(application_id=application_id)
        if appointment is None:
            raise services.NoVisitError()
        return Response(AppointmentOutput(appointment).data)

    @extend_schema(
        operation_id="applications_appointment_book",
        request=BookInput,
        responses={201: AppointmentOutput(many=True), 400: INVALID, 404: NOT_FOUND, 409: CONFLICT},
    )
    def post(self, request: Request, application_id: int) -> Response:
        data = _valid(BookInput, request.data)
        appointments = services.book_visit(
            application_id=application_id,
            user=request.user,
            slot_id=data["slot"],
            with_application_ids=data["with_applications"],
        )
        return Response(AppointmentOutput(appointments, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="applications_appointment_move",
        request=RescheduleInput,
        responses={200: AppointmentOutput(many=True), 400: INVALID, 404: NOT_FOUND, 409: CONFLICT},
    )
    def patch(self, request: Request, application_id: int) -> Response:
        data = _valid(RescheduleInput, request.data)
        appointments = services.reschedule_visit(
            application_id=application_id, user=request.user, slot_id=data["slot"]
        )
        return Response(AppointmentOutput(appointments, many=True).data)

    @extend_schema(
        operation_id="applications_appointment_cancel",
        request=None,
        responses={204: None, 404: NOT_FOUND, 409: CONFLICT},
    )
    def delete(self, request: Request, application_id: int) -> Response:
        services.cancel_visit(application_id=application_id, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class VisitRowOutput(serializers.Serializer):
    id = serializers.IntegerField()
    booking = serializers.UUIDField(source="booking_uid")
    status = serializers.CharField()
    starts_at = serializers.DateTimeField(source="slot.starts_at")
    application = serializers.IntegerField(source="application_id")
    reference = serializers.CharField(source="application.reference", allow_null=True)
    name = serializers.SerializerMethodField()

    def get_name(self, appointment) -> str:
        return f"{appointment.application.first_name} {appointment.application.last_name}".strip()


class BackofficeUnitVisitsApi(APIView):
    """The visits of the officer's unit on a day (default today); another unit is 404."""

    permission_classes = [IsOfficer]

    @extend_schema(
        operation_id="backoffice_unit_visits",
        parameters=[OpenApiParameter("date", OpenApiTypes.DATE, description="The day (default: today).")],
        responses={
            200: VisitRowOutput(many=True),
            400: INVALID,
            404: OpenApiResponse(ERROR, description="Not your unit."),
        },
    )
    def get(self, request: Request, unit_id: int) -> Response:
        if request.user.unit_id != unit_id:
            raise NotFoundError(_("There is no such unit within your reach."))
        day = _date(request, "date", timezone.localdate())
        return Response(VisitRowOutput(selectors.list_unit_day(unit_id=unit_id, day=day), many=True).data)
