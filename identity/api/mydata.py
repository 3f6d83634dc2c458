"""My data API: ask for the archive, read its state (and its download link), close the account."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from eservice.exceptions import ForbiddenError, NotFoundError
from eservice.schema import ErrorSerializer
from identity.models import DataExport
from identity.mydata import selectors, services

ERROR = ErrorSerializer
NOT_FOUND = OpenApiResponse(ERROR, description="No such export of yours.")
GONE = OpenApiResponse(ERROR, description="The export's link has expired; ask for a new one.")
FORBIDDEN = OpenApiResponse(ERROR, description="Only applicants have data here.")


@extend_schema_serializer(component_name="DataExport")
class DataExportOutput(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    download_url = serializers.SerializerMethodField(
        help_text="The archive (ZIP), for this account only, while the link lives; null until ready or after."
    )
    expired = serializers.SerializerMethodField()

    class Meta:
        model = DataExport
        fields = [
            "id",
            "state",
            "requested_at",
            "ready_at",
            "expires_at",
            "expired",
            "summary",
            "download_url",
        ]

    def get_expired(self, export: DataExport) -> bool:
        return export.is_expired()

    def get_download_url(self, export: DataExport) -> str | None:
        if export.state != DataExport.State.READY or export.document_id is None or export.is_expired():
            return None
        return self.context["request"].build_absolute_uri(
            reverse("identity:my-data-download", args=[export.uuid])
        )


class DataExportRequestApi(APIView):
    """POST: ask for a ZIP of everything the service holds about the caller; a worker prepares it and e-mails
    a link. While one is being prepared, the same one is returned (200 instead of 202)."""

    @extend_schema(
        operation_id="me_export_create",
        request=None,
        responses={202: DataExportOutput, 200: DataExportOutput, 403: FORBIDDEN},
    )
    def post(self, request: Request) -> Response:
        export, created = services.request_data_export(user=request.user)
        body = DataExportOutput(export, context={"request": request}).data
        return Response(body, status=status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK)


class DataExportDetailApi(APIView):
    @extend_schema(
        operation_id="me_export_retrieve",
        responses={200: DataExportOutput, 404: NOT_FOUND, 410: GONE},
    )
    def get(self, request: Request, export_id) -> Response:
        export = selectors.get_export(user=request.user, export_uuid=export_id)
        if export is None:
            raise NotFoundError(_("There is no such copy of your data."))
        if export.is_expired():
            raise services.ExportExpiredError()
        return Response(DataExportOutput(export, context={"request": request}).data)


class CloseAccountInput(serializers.Serializer):
    password = serializers.CharField(help_text="The account's password, to confirm.", trim_whitespace=False)


class CloseAccountOutput(serializers.Serializer):
    closed = serializers.BooleanField()
    applications_withdrawn = serializers.ListField(child=serializers.IntegerField())


class CloseAccountApi(APIView):
    """POST ``{"password"}``: close the caller's account. Open applications are withdrawn; while a decision is
    being made or a permit registered the answer is 409 with those applications. The account cannot sign in
    again; its tokens are revoked."""

    @extend_schema(
        operation_id="me_close",
        request=CloseAccountInput,
        responses={
            200: CloseAccountOutput,
            400: OpenApiResponse(ERROR, description="Wrong or missing password."),
            403: FORBIDDEN,
            409: OpenApiResponse(ERROR, description="An application cannot be withdrawn now."),
        },
    )
    def post(self, request: Request) -> Response:
        if not request.user.is_applicant:
            raise ForbiddenError(_("Only applicants have an account to close here."))
        serializer = CloseAccountInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        details = services.close_account(user=request.user, password=serializer.validated_data["password"])
        return Response({"closed": True, "applications_withdrawn": details.get("applications_withdrawn", [])})
