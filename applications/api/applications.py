"""The applicant's applications API (DESIGN.md section 6): list, create, read, edit, documents, submit,
withdraw, timeline. Views parse input, call one service or selector, and serialise; someone else's id is 404.
"""

from __future__ import annotations

from functools import lru_cache

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from applications import selectors_dashboard, services
from applications.completeness import allowed_actions, list_missing_items, owner_actions_by_state
from applications.models import Application, ApplicationDocument, ApplicationEvent, ProcessingSpeed
from applications.selectors import get_kind, get_purpose, list_requirements
from applications.uploads import install_size_limit, too_large_error
from eservice import json_rows
from eservice.json_rows import DATE, DATETIME, LOOKUP, Column, PageQuery
from eservice.pagination import ApiPagination
from eservice.schema import ErrorSerializer
from identity.authentication import READ_AHEAD

ERROR = ErrorSerializer
CONFLICT = OpenApiResponse(
    ERROR,
    description="Not possible in the current state: details name the state, "
    "the allowed actions, and for submit what is missing.",
)
NOT_FOUND = OpenApiResponse(ERROR, description="No such application among yours.")
INVALID = OpenApiResponse(ERROR, description="Invalid input.")


class DocumentOutput(serializers.ModelSerializer):
    document_type = serializers.SlugRelatedField(slug_field="code", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ApplicationDocument
        fields = [
            "id",
            "document_type",
            "original_filename",
            "content_type",
            "size",
            "sha256",
            "issued_on",
            "uploaded_at",
            "download_url",
        ]

    def get_download_url(self, document: ApplicationDocument) -> str:
        from django.urls import reverse

        return reverse("applications:document-download", args=[document.application_id, document.pk])


class ApplicationListOutput(serializers.ModelSerializer):
    kind = serializers.SlugRelatedField(slug_field="code", read_only=True)
    purpose = serializers.SlugRelatedField(slug_field="code", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "id",
            "reference",
            "state",
            "state_label",
            "kind",
            "purpose",
            "processing_speed",
            "created_at",
            "updated_at",
            "submitted_at",
            "decision_due_on",
            "allowed_actions",
        ]

    def get_allowed_actions(self, application: Application) -> list[str]:
        return allowed_actions(application, self.context["request"].user)


class ApplicationDetailOutput(ApplicationListOutput):
    documents = DocumentOutput(many=True, read_only=True)
    missing = serializers.SerializerMethodField()
    payments = serializers.SerializerMethodField()
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    representative_name = serializers.SerializerMethodField(
        help_text="Who applied on the person's behalf (empty when the person applied themselves)."
    )

    class Meta(ApplicationListOutput.Meta):
        fields = [
            *ApplicationListOutput.Meta.fields,
            "unit",
            "relationship_to_representative",
            "representative_name",
            *Application.APPLICANT_FIELDS,
            "paid_at",
            "closed_at",
            "payments",
            "documents",
            "missing",
        ]

    def get_representative_name(self, application: Application) -> str:
        representative = application.representative if application.representative_id else None
        return representative.get_full_name() if representative is not None else ""

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_payments(self, application: Application) -> list[dict]:
        """The fee payments (payments app's serializer, imported lazily: payments depends on applications)."""
        from payments.api.views import PaymentOutput

        payments = sorted(application.payments.all(), key=lambda p: (p.created_at, p.pk), reverse=True)
        return PaymentOutput(payments, many=True).data

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_missing(self, application: Application) -> list[dict]:
        if application.state != Application.State.DRAFT:
            return []
        return list_missing_items(
            application,
            requirements=list_requirements(kind=application.kind, purpose=application.purpose),
            documents=list(application.documents.all()),
        )


class ApplicationEditInput(serializers.Serializer):
    processing_speed = serializers.ChoiceField(choices=ProcessingSpeed.choices, required=False)
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    nationality = serializers.RegexField(r"^[A-Za-z]{2}$", required=False, allow_blank=True)
    passport_number = serializers.RegexField(r"^[A-Za-z0-9]{5,30}$", required=False, allow_blank=True)
    passport_valid_until = serializers.DateField(required=False, allow_null=True)
    employer_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    employer_registration_number = serializers.CharField(max_length=30, required=False, allow_blank=True)
    school_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    family_member_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    family_member_relationship = serializers.ChoiceField(
        choices=Application.Relationship.choices, required=False, allow_blank=True
    )
    company_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    company_registration_number = serializers.CharField(max_length=30, required=False, allow_blank=True)
    research_institution = serializers.CharField(max_length=200, required=False, allow_blank=True)
    purpose_description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    invitation_number = serializers.CharField(max_length=40, required=False, allow_blank=True)
    address_in_latvia = serializers.CharField(max_length=255, required=False, allow_blank=True)
    stay_from = serializers.DateField(required=False, allow_null=True)
    stay_to = serializers.DateField(required=False, allow_null=True)
    unit = serializers.SlugField(
        required=False,
        max_length=40,
        help_text="Code of the territorial unit where the applicant gives biometrics and collects the card: "
        "one of the active units that accept residence permit applications (the territorial units page lists "
        "them with addresses and hours). Required "
        "before submitting; the case is examined by that unit.",
    )

    def validate(self, attrs: dict) -> dict:
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError({name: ["This field cannot be changed."] for name in unknown})
        return attrs


class ApplicationCreateInput(ApplicationEditInput):
    kind = serializers.SlugField()
    purpose = serializers.SlugField()


def _list_columns() -> list[Column]:
    """The fields of ``ApplicationListOutput`` (which documents them), as ``json_page`` builds them, in the
    active language (its state labels)."""
    return _list_columns_in(translation.get_language())


@lru_cache(maxsize=8)
def _list_columns_in(language: str | None) -> list[Column]:
    labels = {value: str(label) for value, label in Application.State.choices}
    # The selector returns only the caller's applications, so the owner's actions apply to every row.
    actions = {state: list(names) for state, names in owner_actions_by_state().items()}
    return [
        Column("id", "id"),
        Column("reference", "reference"),
        Column("state", "state"),
        Column("state_label", "state", LOOKUP, labels),
        Column("kind", "kind__code"),
        Column("purpose", "purpose__code"),
        Column("processing_speed", "processing_speed"),
        Column("created_at", "created_at", DATETIME),
        Column("updated_at", "updated_at", DATETIME),
        Column("submitted_at", "submitted_at", DATETIME),
        Column("decision_due_on", "decision_due_on", DATE),
        Column("allowed_actions", "state", LOOKUP, actions),
    ]


def _detail(application: Application, request: Request) -> dict:
    fresh = selectors_dashboard.get_application(
        user=request.user, application_id=application.pk, with_related=True
    )
    return ApplicationDetailOutput(fresh, context={"request": request}).data


class ApplicationListApi(APIView):
    """GET: the caller's applications, newest first. POST: start a draft."""

    pagination_class = ApiPagination  # also tells the schema that the list is paginated

    @extend_schema(operation_id="applications_list", responses={200: ApplicationListOutput(many=True)})
    def get(self, request: Request) -> HttpResponse:
        # The page and its total in one query, the rows built as JSON by the database (eservice.json_rows):
        # DRF's fields, or even plain Python rows, cost more than the whole query on a page of 50. That query
        # ran already beside the token's user, when the token named one (read_ahead below).
        paginator = self.pagination_class()
        return paginator.json_page_response(
            selectors_dashboard.list_applications(user=request.user),
            _list_columns(),
            request,
            ahead=getattr(request, READ_AHEAD, None),
        )

    def read_ahead(self, request: Request, user_id: int) -> PageQuery | None:
        """The page an applicant's GET reads, for the token's check to read beside the user's row
        (identity.authentication): one round trip for both. Someone whose list is more (an officer at a counter)
        gets it read anew; json_page uses the row only for the very page it is."""
        if request.method != "GET":
            return None
        paginator = self.pagination_class()
        return json_rows.page_query(
            selectors_dashboard.list_own_applications(user_id=user_id),
            _list_columns(),
            offset=paginator.get_offset(request),
            limit=paginator.get_limit(request),
        )

    @extend_schema(
        operation_id="applications_create",
        request=ApplicationCreateInput,
        responses={
            201: ApplicationDetailOutput,
            400: INVALID,
            404: OpenApiResponse(ERROR),
            429: OpenApiResponse(ERROR, description="too_many_drafts: APPLICATION_MAX_OPEN_DRAFTS reached"),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = ApplicationCreateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        kind = get_kind(code=data.pop("kind"))
        purpose = get_purpose(code=data.pop("purpose"), kind=kind)
        speed = data.pop("processing_speed", ProcessingSpeed.STANDARD)
        with transaction.atomic():  # a draft with invalid extra fields is not left behind
            application = services.create_draft(
                applicant=request.user, kind=kind, purpose=purpose, processing_speed=speed
            )
            if data:
                application = services.update_application(
                    application_id=application.pk, user=request.user, data=data
                )
        return Response(_detail(application, request), status=status.HTTP_201_CREATED)


class ApplicationDetailApi(APIView):
    """GET: one of the caller's applications with its documents and what is missing. PATCH: edit a draft."""

    @extend_schema(
        operation_id="applications_retrieve", responses={200: ApplicationDetailOutput, 404: NOT_FOUND}
    )
    def get(self, request: Request, application_id: int) -> Response:
        application = selectors_dashboard.get_application(
            user=request.user, application_id=application_id, with_related=True
        )
        return Response(ApplicationDetailOutput(application, context={"request": request}).data)

    @extend_schema(
        operation_id="applications_partial_update",
        request=ApplicationEditInput,
        responses={200: ApplicationDetailOutput, 400: INVALID, 404: NOT_FOUND, 409: CONFLICT},
    )
    def patch(self, request: Request, application_id: int) -> Response:
        selectors_dashboard.get_application(user=request.user, application_id=application_id)
        serializer = ApplicationEditInput(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        application = services.update_application(
            application_id=application_id, user=request.user, data=dict(serializer.validated_data)
        )
        return Response(_detail(application, request))


class DocumentUploadInput(serializers.Serializer):
    document_type = serializers.SlugField()
    file = serializers.FileField(allow_empty_file=True)
    issued_on = serializers.DateField(required=False, allow_null=True)


class ApplicationDocumentUploadApi(APIView):
    """POST multipart ``{document_type, file, issued_on?}``: checked by content, then stored.

    A draft takes any document type its kind and purpose list (a new file replaces the earlier one). While the
    application is ``awaiting_applicant``, only the types the Office's open information request asks for (400
    for another type); the earlier file of that type is kept for the record. In any other state: 409.
    """

    parser_classes = [MultiPartParser]

    def initialize_request(self, request: HttpRequest, *args: object, **kwargs: object) -> Request:
        # Before anything reads the body (even the CSRF check), so an oversized file stops streaming at once.
        self._size_guard = install_size_limit(request)
        return super().initialize_request(request, *args, **kwargs)

    @extend_schema(
        operation_id="applications_documents_create",
        request={"multipart/form-data": DocumentUploadInput},
        responses={
            201: DocumentOutput,
            400: INVALID,
            404: NOT_FOUND,
            409: CONFLICT,
            413: OpenApiResponse(ERROR),
            429: OpenApiResponse(
                ERROR, description="upload_rate_limited or upload_quota_exceeded (per applicant)"
            ),
        },
    )
    def post(self, request: Request, application_id: int) -> Response:
        selectors_dashboard.get_application(user=request.user, application_id=application_id)
        data = request.data
        if self._size_guard.exceeded:
            raise too_large_error()
        serializer = DocumentUploadInput(data=data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        document = services.attach_document(
            application_id=application_id,
            user=request.user,
            document_type_code=serializer.validated_data["document_type"],
            stream=upload,
            filename=upload.name or "",
            issued_on=serializer.validated_data.get("issued_on"),
        )
        return Response(DocumentOutput(document).data, status=status.HTTP_201_CREATED)


class ApplicationDocumentDeleteApi(APIView):
    @extend_schema(
        operation_id="applications_documents_destroy",
        responses={204: None, 404: NOT_FOUND, 409: CONFLICT},
    )
    def delete(self, request: Request, application_id: int, document_id: int) -> Response:
        services.delete_document(application_id=application_id, document_id=document_id, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SubmitInput(serializers.Serializer):
    declaration = serializers.BooleanField(
        required=False,
        default=False,
        help_text=(
            "Must be true: the applicant declares that the information is true and complete and that they "
            "have read how the Office processes personal data. Missing or false: 400 declaration_required."
        ),
    )


class ApplicationSubmitApi(APIView):
    """POST ``{"declaration": true}``: submit a complete draft (the fee is then due)."""

    @extend_schema(
        operation_id="applications_submit",
        request=SubmitInput,
        responses={200: ApplicationDetailOutput, 400: INVALID, 404: NOT_FOUND, 409: CONFLICT},
    )
    def post(self, request: Request, application_id: int) -> Response:
        selectors_dashboard.get_application(user=request.user, application_id=application_id)  # else 404
        serializer = SubmitInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        application = services.submit_application(
            application_id=application_id,
            user=request.user,
            declaration=serializer.validated_data["declaration"],
        )
        return Response(_detail(application, request))


class WithdrawInput(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


class ApplicationWithdrawApi(APIView):
    @extend_schema(
        operation_id="applications_withdraw",
        request=WithdrawInput,
        responses={200: ApplicationDetailOutput, 404: NOT_FOUND, 409: CONFLICT},
    )
    def post(self, request: Request, application_id: int) -> Response:
        serializer = WithdrawInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        application = services.withdraw_application(
            application_id=application_id,
            user=request.user,
            reason=serializer.validated_data.get("reason", ""),
        )
        return Response(_detail(application, request))


class TimelineEventOutput(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)
    by = serializers.SerializerMethodField()

    class Meta:
        model = ApplicationEvent
        fields = ["id", "kind", "label", "created_at", "by", "data"]

    def get_by(self, event: ApplicationEvent) -> str | None:
        """Who acted, by role only: "applicant", "case_officer", ... or null for the system."""
        return event.actor.role if event.actor_id else None


class ApplicationTimelineApi(APIView):
    @extend_schema(
        operation_id="applications_timeline",
        responses={200: TimelineEventOutput(many=True), 404: NOT_FOUND},
    )
    def get(self, request: Request, application_id: int) -> Response:
        events = selectors_dashboard.list_timeline(user=request.user, application_id=application_id)
        return Response(TimelineEventOutput(events, many=True).data)
