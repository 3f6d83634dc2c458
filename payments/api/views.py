"""Payments API (DESIGN.md section 6): start a payment of an application's fee, list them, provider webhooks."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from applications.selectors_dashboard import get_application
from eservice.exceptions import error_body
from eservice.schema import ErrorSerializer
from payments import selectors, services
from payments.models import Payment
from payments.providers import UnknownProviderError
from payments.providers.base import WebhookError
from payments.services.receipts import payee_context

ERROR = ErrorSerializer


class PaymentOutput(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    purpose_label = serializers.CharField(source="get_purpose_display", read_only=True)

    class Meta:
        model = Payment
        fields = [
            "id",
            "purpose",
            "purpose_label",
            "method",
            "status",
            "status_label",
            "amount_cents",
            "currency",
            "reference",
            "created_at",
            "paid_at",
            "closed_at",
            "refund_amount_cents",
        ]


class AccountOutput(serializers.Serializer):
    iban = serializers.CharField()
    bic = serializers.CharField()
    name = serializers.CharField()


class ApplicationPaymentsApi(APIView):
    """GET: the payments of one of the caller's applications. POST: pay one of its fees (the state fee, or the
    residence permit card fee of its registration) by card or bank transfer."""

    class StartInput(serializers.Serializer):
        method = serializers.ChoiceField(choices=Payment.Method.choices)
        purpose = serializers.ChoiceField(
            choices=Payment.Purpose.choices,
            default=Payment.Purpose.STATE_FEE,
            help_text="state_fee (an application awaiting payment) or card_fee (a registration not yet paid)",
        )

    class StartOutput(serializers.Serializer):
        payment = PaymentOutput()
        redirect_url = serializers.CharField(required=False, help_text="card: where to send the payer")
        reference = serializers.CharField(required=False, help_text="bank transfer: ISO 11649 reference")
        reference_display = serializers.CharField(required=False, help_text="the reference in groups of four")
        account = AccountOutput(required=False, allow_null=True, help_text="bank transfer: the payee account")
        amount_cents = serializers.IntegerField()
        currency = serializers.CharField()

    @extend_schema(
        operation_id="application_payments_list",
        responses={200: PaymentOutput(many=True), 404: OpenApiResponse(ERROR)},
    )
    def get(self, request: Request, application_id: int) -> Response:
        payments = selectors.list_application_payments(user=request.user, application_id=application_id)
        return Response(PaymentOutput(payments, many=True).data)

    @extend_schema(
        operation_id="application_payments_create",
        request=StartInput,
        responses={
            201: StartOutput,
            400: OpenApiResponse(ERROR, description="Unknown method, or the method is not available."),
            404: OpenApiResponse(ERROR, description="No such application among yours."),
            409: OpenApiResponse(
                ERROR,
                description="The application does not owe this fee now (`nothing_to_pay`, with its state).",
            ),
        },
    )
    def post(self, request: Request, application_id: int) -> Response:
        get_application(user=request.user, application_id=application_id)
        serializer = self.StartInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        started = services.start_payment(
            application_id=application_id,
            user=request.user,
            method=serializer.validated_data["method"],
            purpose=serializer.validated_data["purpose"],
        )
        payment = started.payment
        data: dict = {
            "payment": PaymentOutput(payment).data,
            "amount_cents": payment.amount_cents,
            "currency": payment.currency,
        }
        if payment.method == Payment.Method.CARD:
            data["redirect_url"] = request.build_absolute_uri(started.redirect_url)
        else:
            payee = payee_context(payment)
            account = payee["payee"]
            data["reference"] = payment.reference
            data["reference_display"] = payee["reference_display"]
            data["account"] = (
                {"iban": account.iban, "bic": account.bic, "name": account.name} if account else None
            )
        return Response(data, status=status.HTTP_201_CREATED)


class PaymentWebhookApi(APIView):
    """A provider's signed callback. No session or token: the signature is the authentication (CSRF-exempt)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    @extend_schema(
        operation_id="payment_webhook",
        request={"application/json": {"type": "object"}},
        auth=[],
        responses={
            200: inline_serializer(
                name="WebhookAccepted",
                fields={"status": serializers.CharField(), "event_id": serializers.CharField()},
            ),
            400: OpenApiResponse(ERROR, description="Forged or stale signature, or not an event."),
            404: OpenApiResponse(ERROR, description="No such provider (or it is switched off)."),
        },
        description="Signed with HMAC-SHA256 over `timestamp + '.' + raw body` "
        "(header `Test-Gateway-Signature: t=<unix>,v1=<hex>` for the test gateway). Idempotent by event id.",
    )
    def post(self, request: Request, provider: str) -> Response:
        body = request.body  # the raw bytes the signature covers; read before anything parses them
        try:
            result = services.receive_webhook(provider_name=provider, body=body, headers=request.headers)
        except UnknownProviderError:
            return Response(
                error_body("unknown_provider", "There is no such payment provider."),
                status=status.HTTP_404_NOT_FOUND,
            )
        except WebhookError as exc:
            return Response(error_body(exc.code, exc.message), status=status.HTTP_400_BAD_REQUEST)
        return Response({"status": result.status, "event_id": result.event_id}, status=status.HTTP_200_OK)
