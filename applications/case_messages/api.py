"""GET/POST /api/v1/applications/{id}/messages: the thread of one of the caller's applications, and a new
message (JSON ``{body}``, or multipart ``{body, attachments}`` with files checked like document uploads)."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from applications import selectors_dashboard
from applications.case_messages import selectors, services
from applications.case_messages.models import CaseMessage, CaseMessageAttachment
from applications.uploads import install_size_limit, too_large_error
from eservice.schema import ErrorSerializer


class AttachmentOutput(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = CaseMessageAttachment
        fields = ["id", "original_filename", "content_type", "size", "sha256", "download_url"]

    def get_download_url(self, attachment: CaseMessageAttachment) -> str:
        return reverse(
            "applications:message-attachment",
            args=[self.context["application_id"], attachment.pk],
        )


class MessageOutput(serializers.ModelSerializer):
    author_name = serializers.SerializerMethodField(
        help_text="The officer who answered (name only), or empty for the applicant's own messages."
    )
    attachments = AttachmentOutput(many=True, read_only=True)

    class Meta:
        model = CaseMessage
        fields = ["id", "direction", "body", "created_at", "answered_at", "author_name", "attachments"]

    def get_author_name(self, message: CaseMessage) -> str:
        return "" if message.from_applicant else message.author.get_full_name()


class MessageInput(serializers.Serializer):
    body = serializers.CharField(allow_blank=True, trim_whitespace=False)
    attachments = serializers.ListField(child=serializers.FileField(), required=False, default=list)


_ERROR = ErrorSerializer


class ApplicationMessagesApi(APIView):
    """The messages on one of the caller's applications, oldest first; POST writes a new one.

    A case the Office has not received (a draft) or a closed one (refused, collected, withdrawn, expired,
    annulled) takes no message: 409 ``case_closed`` whose details name the other channels (the information
    phone, the Office's e-mail, the complaints page).
    """

    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def initialize_request(self, request: HttpRequest, *args: object, **kwargs: object) -> Request:
        # Before anything reads the body, so an oversized file stops streaming at once (like document uploads).
        self._size_guard = install_size_limit(request)
        return super().initialize_request(request, *args, **kwargs)

    @extend_schema(
        operation_id="applications_messages_list",
        responses={200: MessageOutput(many=True), 404: OpenApiResponse(_ERROR, description="Not yours.")},
    )
    def get(self, request: Request, application_id: int) -> Response:
        thread = selectors.list_own_thread(user=request.user, application_id=application_id)
        return Response(MessageOutput(thread, many=True, context={"application_id": application_id}).data)

    @extend_schema(
        operation_id="applications_messages_create",
        request={"application/json": MessageInput, "multipart/form-data": MessageInput},
        responses={
            201: MessageOutput,
            400: OpenApiResponse(_ERROR, description="Empty or too long text, or an attachment refused."),
            404: OpenApiResponse(_ERROR, description="No such application among yours."),
            409: OpenApiResponse(_ERROR, description="case_closed: details list the other channels."),
            413: OpenApiResponse(_ERROR),
            429: OpenApiResponse(_ERROR, description="upload_rate_limited or upload_quota_exceeded"),
        },
    )
    def post(self, request: Request, application_id: int) -> Response:
        selectors_dashboard.get_application(user=request.user, application_id=application_id)
        data = request.data
        if self._size_guard.exceeded:
            raise too_large_error()
        if hasattr(data, "getlist"):  # multipart: several files under one name
            data = {"body": data.get("body", ""), "attachments": request.FILES.getlist("attachments")}
        serializer = MessageInput(data=data)
        serializer.is_valid(raise_exception=True)
        message = services.send_message(
            application_id=application_id,
            user=request.user,
            body=serializer.validated_data["body"],
            uploads=[
                services.Upload(stream=upload, filename=upload.name or "")
                for upload in serializer.validated_data["attachments"]
            ],
        )
        return Response(
            MessageOutput(
                selectors.get_message(message_id=message.pk), context={"application_id": application_id}
            ).data,
            status=status.HTTP_201_CREATED,
        )
