"""The back office API (DESIGN.md section 6, issue 11): the officers' queue, the case file and the officer's
actions; and for the applicant, their decision and the answer to an information request.

Staff endpoints need an officer who passed the second factor (tokens are issued only after it); a case outside
the officer's unit (and not assigned to them) is 404, logged. Views parse, call one service or selector, and
serialise.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db.models import QuerySet, Value
from django.db.models.functions import Concat, Trim
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from applications.calendar import ExceptionsNearToday, KnownExceptions
from applications.models import Application
from applications.services import review
from applications.uploads import install_size_limit, too_large_error
from decisions import complaints, selectors, services, verification
from decisions.filters import CaseFilter
from decisions.models import Complaint, Decision, InformationRequest
from eservice import json_rows
from eservice.json_rows import (
    DATE,
    DATETIME,
    FILLED,
    PAGE_ASIDE,
    PAGE_TOTAL,
    Column,
    PageQuery,
    Statement,
)
from eservice.schema import ErrorSerializer
from identity.authentication import READ_AHEAD
from identity.permissions import IsApplicant, IsOfficer

ERROR = ErrorSerializer
NOT_FOUND = OpenApiResponse(ERROR, description="No such case within your reach.")
CONFLICT = OpenApiResponse(ERROR, description="Not possible in the case's current state (or a lost race).")
INVALID = OpenApiResponse(ERROR, description="Invalid input: details name each field.")
FORBIDDEN = OpenApiResponse(ERROR, description="Not yours to do (four eyes, or not the handling officer).")


def _validate(serializer_class: type[serializers.Serializer], data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class CaseRowOutput(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField(allow_null=True)
    state = serializers.CharField()
    kind = serializers.CharField(source="kind.code")
    purpose = serializers.CharField(source="purpose.code")
    applicant_name = serializers.SerializerMethodField()
    assigned_officer = serializers.IntegerField(source="assigned_officer_id", allow_null=True)
    submitted_at = serializers.DateTimeField(allow_null=True)
    decision_due_on = serializers.DateField(allow_null=True)
    working_days_left = serializers.IntegerField(source="days_left", allow_null=True)
    answered_at = serializers.DateTimeField(allow_null=True)

    def get_applicant_name(self, application: Application) -> str:
        return f"{application.first_name} {application.last_name}".strip()


class BackofficeCaseListApi(GenericAPIView):
    """The officer's queue: their unit's open cases, nearest deadline first; filters as on the page."""

    permission_classes = [IsOfficer]
    filter_backends = [DjangoFilterBackend]
    filterset_class = CaseFilter
    serializer_class = CaseRowOutput

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no officer
            return Application.objects.none()
        mine = self.request.query_params.get("officer") == "me"  # "Mine" reaches beyond the unit
        return selectors.list_queue(officer=self.request.user, mine=mine)

    @extend_schema(
        operation_id="backoffice_cases_list", responses={200: CaseRowOutput(many=True), 400: INVALID}
    )
    def get(self, request: Request) -> HttpResponse:
        # The rows built as JSON by the database (eservice.json_rows); only the working days left are counted
        # here (the Office's calendar), from the rows' own dates and the administrator's calendar exceptions
        # read in the same query (PAGE_ASIDE). A unit's queue runs to tens of thousands of
        # cases: the page reads only its 50 rows in the order of the queue's index, and its total is read from
        # the counts the database keeps, or counted apart.
        unit_id = request.user.unit_id
        if unit_id is not None and _whole_queue(request):
            # The whole queue, asked for most: a statement compiled once per process and unit (the unit written
            # into its SQL: a handful of units, each planned once per connection with the index that fits it;
            # json_rows.Statement), its kept total read in the page's own query, which ran already beside the
            # token's user when this process knew the officer's unit (read_ahead below). A filtered queue is
            # built from the request.
            _remember_unit(request.user.pk, unit_id)
            return self.paginator.json_page_response(
                _unit_queue(unit_id),
                QUEUE_COLUMNS,
                request,
                finish=_with_days_left,
                ahead=getattr(request, READ_AHEAD, None),
            )
        return self.paginator.json_page_response(
            _with_applicant_name(self.filter_queryset(self.get_queryset())),
            QUEUE_COLUMNS,
            request,
            finish=_with_days_left,
            total_by_window=False,
            total=self._kept_total(request),
        )

    def read_ahead(self, request: Request, user_id: int) -> PageQuery | None:
        """The whole queue's page of the unit this process last saw the officer in, for the token's check to
        read beside the user's row (identity.authentication): one round trip for both. An officer moved since
        (or no longer an officer) gets nothing from it: json_page uses the row only for their own unit's page,
        and only once the checks have passed."""
        unit_id = _units_seen.get(user_id)
        if request.method != "GET" or unit_id is None or not _whole_queue(request):
            return None
        return json_rows.page_query(
            _unit_queue(unit_id),
            QUEUE_COLUMNS,
            offset=self.paginator.get_offset(request),
            limit=self.paginator.get_limit(request),
        )

    def _kept_total(self, request: Request) -> int | None:
        """The total of the whole unit queue, or of one state of it, as the database keeps it (a read of a few
        rows, whatever the size of the table); None when any other filter (or "Mine") narrows the rows: those
        are counted."""
        given = {name for name in CaseFilter.base_filters if request.query_params.get(name)}
        if given - {"state"}:
            return None
        return selectors.count_queue(officer=request.user, state=request.query_params.get("state"))


# The fields of CaseRowOutput (which documents them), as eservice.json_rows builds them; the working days left
# are filled in from the deadline and the day the case paused (selectors.PAUSED_ON; read, not written).
QUEUE_COLUMNS = [
    Column("id", "id"),
    Column("reference", "reference"),
    Column("state", "state"),
    Column("kind", "kind__code"),
    Column("purpose", "purpose__code"),
    Column("applicant_name", "applicant_name"),
    Column("assigned_officer", "assigned_officer_id"),
    Column("submitted_at", "submitted_at", DATETIME),
    Column("decision_due_on", "decision_due_on", DATE),
    Column("working_days_left", "", FILLED, inputs=("decision_due_on", "_paused")),
    Column("answered_at", "answered_at", DATETIME),
    Column("_paused", "paused_on", DATE, hidden=True),
]


def _whole_queue(request: Request) -> bool:
    return not any(name in request.query_params for name in CaseFilter.base_filters)


def _unit_queue(unit_id: int) -> Statement:
    return Statement(("backoffice queue", unit_id), partial(_unit_queue_rows, unit_id))


# The unit each officer was last seen in by this process: a guess for read_ahead, never trusted (a unit changed
# since only means the page is read again). Officers are a few hundred; the bound is for safety.
_units_seen: dict[int, int] = {}
_UNITS_KEPT = 10_000


def _remember_unit(user_id: int, unit_id: int) -> None:
    if _units_seen.get(user_id) != unit_id:
        if len(_units_seen) >= _UNITS_KEPT:
            _units_seen.clear()
        _units_seen[user_id] = unit_id


def _unit_queue_rows(unit_id: int) -> QuerySet[Application]:
    return _with_applicant_name(selectors.unit_queue(unit_id)).annotate(
        **{PAGE_TOTAL: selectors.kept_queue_total(unit_id)}
    )


def _with_applicant_name(queryset: QuerySet[Application]) -> QuerySet[Application]:
    """The queue's rows as QUEUE_COLUMNS read them, and the calendar their working days are counted with."""
    return queryset.annotate(
        applicant_name=Trim(Concat("first_name", Value(" "), "last_name")),
        paused_on=selectors.PAUSED_ON,
        **{PAGE_ASIDE: ExceptionsNearToday()},
    )


def _with_days_left(inputs: list[list], aside: Any) -> list[int | None]:
    """The working days left of each row, from its working_days_left inputs: the ordinals of its deadline and
    of the day it paused."""
    return selectors.days_left(
        inputs, today=timezone.localdate(), exceptions=KnownExceptions.from_text(aside)
    )


class DocumentRowOutput(serializers.Serializer):
    id = serializers.IntegerField()
    document_type = serializers.CharField(source="document_type.code")
    original_filename = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    issued_on = serializers.DateField(allow_null=True)
    replaced_at = serializers.DateTimeField(
        allow_null=True,
        help_text="When the applicant sent a newer file of this type (null: the current one).",
    )
    download_url = serializers.SerializerMethodField()

    def get_download_url(self, document) -> str:
        return reverse("applications:document-download", args=[document.application_id, document.pk])


class InformationRequestOutput(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.CharField()
    message = serializers.CharField()
    documents = serializers.SerializerMethodField()
    other_items = serializers.CharField()
    answer_by = serializers.DateField()
    created_at = serializers.DateTimeField()
    answered_at = serializers.DateTimeField(allow_null=True)
    answer_text = serializers.CharField()

    def get_documents(self, request: InformationRequest) -> list[str]:
        return [document_type.code for document_type in request.document_types.all()]


class DecisionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.CharField()
    outcome = serializers.CharField()
    legal_grounds = serializers.SerializerMethodField()
    reasoning = serializers.CharField()
    valid_from = serializers.DateField(allow_null=True)
    valid_to = serializers.DateField(allow_null=True)
    issued_at = serializers.DateTimeField(allow_null=True)
    effective_on = serializers.DateField(allow_null=True)
    contest_until = serializers.DateField(allow_null=True)
    letter_url = serializers.SerializerMethodField()
    verification_code = serializers.SerializerMethodField()

    def get_legal_grounds(self, decision: Decision) -> list[str]:
        return [ground.code for ground in decision.legal_grounds.all()]

    def _letter(self, decision: Decision):
        letter = getattr(decision, "letter", None) if decision.state == Decision.State.ISSUED else None
        return letter if letter is not None and letter.is_ready else None

    def get_letter_url(self, decision: Decision) -> str | None:
        return reverse("decisions:letter", args=[decision.application_id]) if self._letter(decision) else None

    def get_verification_code(self, decision: Decision) -> str | None:
        letter = self._letter(decision)
        return verification.display(letter.verification_code) if letter else None


class StaffDecisionOutput(DecisionOutput):
    drafted_by = serializers.IntegerField(source="drafted_by_id")
    approved_by = serializers.IntegerField(source="approved_by_id", allow_null=True)
    return_comment = serializers.CharField()


class CaseDetailOutput(CaseRowOutput):
    allowed_actions = serializers.SerializerMethodField()
    unit = serializers.IntegerField(source="unit_id", allow_null=True)
    nationality = serializers.CharField()
    date_of_birth = serializers.DateField(allow_null=True)
    passport_number = serializers.CharField()
    documents = DocumentRowOutput(many=True, source="case_documents")
    information_requests = InformationRequestOutput(many=True, source="case_requests")
    decisions = StaffDecisionOutput(many=True, source="case_decisions")
    earlier_applications = serializers.SerializerMethodField()

    def get_allowed_actions(self, application: Application) -> list[str]:
        return review.officer_actions(application)

    def get_earlier_applications(self, application: Application) -> list[dict]:
        return [
            {"id": other.pk, "reference": other.reference, "state": other.state, "kind": other.kind.code}
            for other in application.case_earlier
        ]


def _case_output(officer, application_id: int) -> dict:
    case = selectors.get_case_file(officer=officer, application_id=application_id)
    application = case.application
    application.days_left = case.days_left
    application.case_documents = case.documents
    application.case_requests = case.requests
    application.case_decisions = case.decisions
    application.case_earlier = case.earlier
    return CaseDetailOutput(application).data


class BackofficeCaseDetailApi(APIView):
    """The case file. Every opening is written to the access log the applicant can read."""

    permission_classes = [IsOfficer]

    @extend_schema(operation_id="backoffice_case", responses={200: CaseDetailOutput, 404: NOT_FOUND})
    def get(self, request: Request, application_id: int) -> Response:
        data = _case_output(request.user, application_id)
        review.record_case_access(officer=request.user, application_id=application_id, via="api")
        return Response(data)


class BackofficeCaseTakeApi(APIView):
    permission_classes = [IsOfficer]

    @extend_schema(
        operation_id="backoffice_case_take",
        request=None,
        responses={200: CaseDetailOutput, 404: NOT_FOUND, 409: CONFLICT},
    )
    def post(self, request: Request, application_id: int) -> Response:
        review.take_case(application_id=application_id, officer=request.user)
        return Response(_case_output(request.user, application_id))


class AssignInput(serializers.Serializer):
    officer_id = serializers.IntegerField(min_value=1, max_value=2**31 - 1)


class BackofficeCaseAssignApi(APIView):
    """A senior officer gives the case to an officer of the unit."""

    permission_classes = [IsOfficer]

    @extend_schema(
        operation_id="backoffice_case_assign",
        request=AssignInput,
        responses={200: CaseDetailOutput, 400: INVALID, 404: NOT_FOUND, 409: CONFLICT},
    )
    def post(self, request: Request, application_id: int) -> Response:
        data = _validate(AssignInput, request.data)
        review.assign_case(application_id=application_id, senior=request.user, officer_id=data["officer_id"])
        return Response(_case_output(request.user, application_id))


class RequestInfoInput(serializers.Serializer):
    message = serializers.CharField(max_length=5000)
    document_type_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1), required=False, max_length=50
    )
    other_items = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    answer_by = serializers.DateField(required=False)


class BackofficeCaseRequestInfoApi(APIView):
    permission_classes = [IsOfficer]

    @extend_schema(
        operation_id="backoffice_case_request_info",
        request=RequestInfoInput,
        responses={201: InformationRequestOutput, 400: INVALID, 404: NOT_FOUND, 409: CONFLICT},
    )
    def post(self, request: Request, application_id: int) -> Response:
        data = _validate(RequestInfoInput, request.data)
        info_request = services.request_information(
            application_id=application_id, officer=request.user, **data
        )
        return Response(InformationRequestOutput(info_request).data, status=status.HTTP_201_CREATED)


class DecisionInput(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Decision.Outcome.choices)
    legal_ground_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1), required=False, max_length=20
    )
    reasoning = serializers.CharField(max_length=20000)
    valid_from = serializers.DateField(required=False, allow_null=True)
    valid_to = serializers.DateField(required=False, allow_null=True)


class BackofficeCaseDecisionApi(APIView):
    """The handling officer drafts the decision: a refusal waits for a senior officer; a grant is issued at
    once unless the unit asks for approval."""

    permission_classes = [IsOfficer]

    @extend_schema(
        operation_id="backoffice_case_decision",
        request=DecisionInput,
        responses={201: StaffDecisionOutput, 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT},
    )
    def post(self, request: Request, application_id: int) -> Response:
        data = _validate(DecisionInput, request.data)
        decision = services.draft_decision(
            application_id=application_id,
            officer=request.user,
            outcome=data["outcome"],
            legal_ground_ids=data.get("legal_ground_ids", []),
            reasoning=data["reasoning"],
            valid_from=data.get("valid_from"),
            valid_to=data.get("valid_to"),
        )
        return Response(StaffDecisionOutput(decision).data, status=status.HTTP_201_CREATED)


class BackofficeDecisionApproveApi(APIView):
    permission_classes = [IsOfficer]

    @extend_schema(
        operation_id="backoffice_case_decision_approve",
        request=None,
        responses={200: StaffDecisionOutput, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT},
    )
    def post(self, request: Request, application_id: int) -> Response:
        decision = services.approve_decision(application_id=application_id, senior=request.user)
        return Response(StaffDecisionOutput(decision).data)


class ReturnInput(serializers.Serializer):
    comment = serializers.CharField(max_length=5000)


class BackofficeDecisionReturnApi(APIView):
    permission_classes = [IsOfficer]

    @extend_schema(
        operation_id="backoffice_case_decision_return",
        request=ReturnInput,
        responses={200: StaffDecisionOutput, 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT},
    )
    def post(self, request: Request, application_id: int) -> Response:
        data = _validate(ReturnInput, request.data)
        decision = services.return_decision(
            application_id=application_id, senior=request.user, comment=data["comment"]
        )
        return Response(StaffDecisionOutput(decision).data)


class ApplicationDecisionApi(APIView):
    """The applicant's issued decision and the link to its sealed letter."""

    permission_classes = [IsApplicant]

    @extend_schema(
        operation_id="applications_decision",
        responses={200: DecisionOutput, 404: OpenApiResponse(ERROR, description="No issued decision yet.")},
    )
    def get(self, request: Request, application_id: int) -> Response:
        decision = selectors.get_issued_decision(user=request.user, application_id=application_id)
        return Response(DecisionOutput(decision).data)


class AnswerInput(serializers.Serializer):
    answer_text = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class InformationRequestAnswerApi(APIView):
    """The applicant confirms they answered (after uploading the documents asked for)."""

    permission_classes = [IsApplicant]

    @extend_schema(
        operation_id="applications_information_request_answer",
        request=AnswerInput,
        responses={200: InformationRequestOutput, 404: OpenApiResponse(ERROR), 409: CONFLICT},
    )
    def post(self, request: Request, application_id: int, request_id: int) -> Response:
        data = _validate(AnswerInput, request.data)
        answered = services.answer_information_request(
            application_id=application_id,
            request_id=request_id,
            applicant=request.user,
            answer_text=data.get("answer_text", ""),
        )
        return Response(InformationRequestOutput(answered).data)


# --- complaints against a decision (issue 13) ---------------------------------------------------------------
class ComplaintDocumentOutput(serializers.Serializer):
    filename = serializers.CharField(source="original_filename")
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()


class ComplaintOutput(serializers.Serializer):
    id = serializers.IntegerField()
    # A plain string, so the schema's enum of application states keeps its name.
    state = serializers.CharField(
        help_text="received, under_consideration, upheld (the decision stands), overturned or "
        "left_without_examination."
    )
    text = serializers.CharField()
    received_at = serializers.DateTimeField()
    answer_due_on = serializers.DateField(help_text="The Office's deadline for its answer.")
    documents = ComplaintDocumentOutput(many=True, source="documents.all")
    decided_at = serializers.DateTimeField(allow_null=True)
    reasoning = serializers.CharField(help_text="The answer's reasons (empty while open).")
    effective_on = serializers.DateField(allow_null=True)
    court_until = serializers.DateField(
        allow_null=True, help_text="The last day to appeal the answer to the administrative court."
    )
    letter_url = serializers.SerializerMethodField()
    verification_code = serializers.SerializerMethodField()

    def _letter(self, complaint: Complaint):
        letter = getattr(complaint, "letter", None)
        return letter if letter is not None and letter.is_ready else None

    def get_letter_url(self, complaint: Complaint) -> str | None:
        return complaints.complaint_letter_url(complaint) if self._letter(complaint) else None

    def get_verification_code(self, complaint: Complaint) -> str | None:
        letter = self._letter(complaint)
        return verification.display(letter.verification_code) if letter else None


class DecisionComplaintOutput(serializers.Serializer):
    decision = serializers.IntegerField(source="pk")
    decision_state = serializers.CharField(source="state")
    effective_on = serializers.DateField(allow_null=True)
    contest_until = serializers.DateField(allow_null=True, help_text="The last day to file a complaint.")
    may_file = serializers.SerializerMethodField()
    complaints = ComplaintOutput(many=True, source="complaints.all", help_text="Newest first.")

    def get_may_file(self, decision: Decision) -> bool:
        from django.utils import timezone

        open_complaint = any(c.is_open for c in decision.complaints.all())
        last_day = decision.contest_until
        return (
            decision.state == Decision.State.ISSUED
            and not open_complaint
            and last_day is not None
            and timezone.localdate() <= last_day
        )


class ComplaintInput(serializers.Serializer):
    text = serializers.CharField(max_length=complaints.MAX_COMPLAINT_TEXT)
    files = serializers.ListField(
        child=serializers.FileField(), required=False, max_length=complaints.MAX_COMPLAINT_FILES
    )


class DecisionComplaintApi(APIView):
    """GET: the decision's last day to contest it and the complaints filed against it (newest first).
    POST multipart ``{text, files[]}``: contest the decision before the head of the Office. Documents are
    checked by content like application uploads. 404: not your decision (or none); 400
    ``complaint_deadline_passed`` after the last day; 409 while an earlier complaint is still open."""

    permission_classes = [IsApplicant]
    parser_classes = [MultiPartParser, FormParser]

    def initialize_request(self, request, *args, **kwargs) -> Request:
        self._size_guard = install_size_limit(request)  # before anything reads the body
        return super().initialize_request(request, *args, **kwargs)

    @extend_schema(
        operation_id="decisions_complaint_read",
        responses={
            200: DecisionComplaintOutput,
            404: OpenApiResponse(ERROR, description="No such decision."),
        },
    )
    def get(self, request: Request, decision_id: int) -> Response:
        decision = selectors.get_own_decision(user=request.user, decision_id=decision_id)
        return Response(DecisionComplaintOutput(decision).data)

    @extend_schema(
        operation_id="decisions_complaint_create",
        request={"multipart/form-data": ComplaintInput},
        responses={
            201: ComplaintOutput,
            400: OpenApiResponse(
                ERROR, description="Invalid input, a rejected file, or the last day passed."
            ),
            404: OpenApiResponse(ERROR, description="No such decision."),
            409: CONFLICT,
            413: OpenApiResponse(ERROR),
        },
    )
    def post(self, request: Request, decision_id: int) -> Response:
        selectors.get_own_decision(user=request.user, decision_id=decision_id)  # 404 before reading files
        if self._size_guard.exceeded:
            raise too_large_error()
        data = request.data
        serializer = ComplaintInput(
            data={"text": data.get("text", ""), "files": request.FILES.getlist("files")}
        )
        serializer.is_valid(raise_exception=True)
        complaint = complaints.file_complaint(
            decision_id=decision_id,
            applicant=request.user,
            text=serializer.validated_data["text"],
            files=[(upload.name or "", upload) for upload in serializer.validated_data.get("files", [])],
        )
        complaint = (
            Complaint.objects.select_related("letter__document")
            .prefetch_related("documents")
            .get(pk=complaint.pk)
        )
        return Response(ComplaintOutput(complaint).data, status=status.HTTP_201_CREATED)
