"""Payments in the admin: read-only rows, the review list, statement upload. Actions call services."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from eservice.exceptions import DomainError
from payments import services
from payments.exceptions import StatementError
from payments.models import (
    BankCredit,
    BankStatement,
    Payment,
    ProviderCall,
    ReconciliationItem,
    WebhookEvent,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ProviderCallInline(admin.TabularInline):
    """The payment's calls to its card provider (checkout, refund), read-only, beside the payment."""

    model = ProviderCall
    extra = 0
    can_delete = False
    fields = [
        "operation",
        "status",
        "idempotency_key",
        "provider_reference",
        "attempts",
        "error",
        "finished_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "application",
        "purpose",
        "method",
        "amount_cents",
        "currency",
        "status",
        "reference",
        "created_at",
        "paid_at",
    ]
    list_filter = ["status", "method", "purpose"]
    search_fields = ["reference", "provider_reference", "application__reference"]
    list_select_related = ["application"]
    actions = ["complete_refund"]
    inlines = [ProviderCallInline]

    @admin.action(description=_("The refund was sent back by bank transfer"))
    def complete_refund(self, request: HttpRequest, queryset) -> None:
        """Bank-transfer refunds only: a card refund is made and recorded by the worker through the provider."""
        done = 0
        for payment in queryset.order_by("id"):
            if payment.status == Payment.Status.REFUNDED:
                self.message_user(
                    request,
                    _("Payment %(id)d: the refund was already recorded.") % {"id": payment.pk},
                    messages.WARNING,
                )
                continue
            try:
                services.complete_bank_refund(payment_id=payment.pk, user=request.user)
            except DomainError as exc:
                self.message_user(
                    request,
                    _("Payment %(id)d: %(reason)s") % {"id": payment.pk, "reason": exc.message},
                    messages.ERROR,
                )
            else:
                done += 1
        if done:
            self.message_user(request, _("%(count)d refunds recorded.") % {"count": done}, messages.SUCCESS)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return obj is None and request.user.has_perm("payments.change_payment")


@admin.register(ProviderCall)
class ProviderCallAdmin(ReadOnlyAdmin):
    """The ledger of provider calls: read-only, written by the services around each call."""

    list_select_related = ["payment"]
    list_display = [
        "id",
        "payment",
        "provider",
        "operation",
        "status",
        "idempotency_key",
        "provider_reference",
        "attempts",
        "created_at",
        "finished_at",
    ]
    list_filter = ["provider", "operation", "status"]
    search_fields = ["=payment__id", "idempotency_key", "provider_reference", "payment__provider_reference"]
    readonly_fields = [
        "payment",
        "provider",
        "operation",
        "idempotency_key",
        "request",
        "response",
        "provider_reference",
        "status",
        "attempts",
        "error",
        "created_at",
        "finished_at",
    ]


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_select_related = ["payment"]
    list_display = ["provider", "event_id", "event_type", "outcome", "payment", "received_at"]
    list_filter = ["provider", "outcome"]
    search_fields = ["event_id"]


class StatementUploadForm(forms.Form):
    file = forms.FileField(label=_("camt.053 statement (XML)"))


@admin.register(BankStatement)
class BankStatementAdmin(ReadOnlyAdmin):
    list_select_related = ["imported_by"]
    list_display = [
        "statement_id",
        "filename",
        "imported_at",
        "imported_by",
        "credits_total",
        "credits_new",
        "credits_duplicate",
        "matched",
        "to_review",
    ]
    change_list_template = "admin/payments/bankstatement/change_list.html"

    def get_urls(self):
        return [
            path(
                "upload/", self.admin_site.admin_view(self.upload_view), name="payments_bankstatement_upload"
            ),
            *super().get_urls(),
        ]

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("payments.add_bankstatement"):
            messages.error(request, _("You may not import bank statements."))
            return redirect(reverse("admin:payments_bankstatement_changelist"))
        form = StatementUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = services.import_camt053(data=upload.read(), filename=upload.name, user=request.user)
            except StatementError as exc:
                form.add_error("file", exc.message)
            else:
                statement = result.statement
                messages.success(
                    request,
                    _(
                        "Imported: %(new)d new credits, %(dup)d seen before, %(paid)d paid, %(review)d to review."
                    )
                    % {
                        "new": statement.credits_new,
                        "dup": statement.credits_duplicate,
                        "paid": statement.matched,
                        "review": statement.to_review,
                    },
                )
                return redirect(reverse("admin:payments_bankstatement_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "title": _("Import a bank statement"),
            "opts": self.model._meta,
        }
        return render(
            request, "admin/payments/bankstatement/upload.html", context, status=400 if form.errors else 200
        )


@admin.register(BankCredit)
class BankCreditAdmin(ReadOnlyAdmin):
    list_select_related = ["payment", "statement"]
    list_display = [
        "entry_reference",
        "amount_cents",
        "currency",
        "booked_on",
        "creditor_reference",
        "payment",
        "statement",
    ]
    search_fields = ["entry_reference", "creditor_reference", "debtor_name"]


@admin.register(ReconciliationItem)
class ReconciliationItemAdmin(ReadOnlyAdmin):
    list_select_related = ["payment", "credit"]
    list_display = [
        "id",
        "kind",
        "status",
        "amount_cents",
        "expected_cents",
        "currency",
        "payment",
        "credit",
        "created_at",
    ]
    list_filter = ["status", "kind"]
    actions = ["accept_as_payment", "mark_resolved"]

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return obj is None and request.user.has_perm("payments.change_reconciliationitem")

    @admin.action(description=_("Accept the money as the payment of the fee"))
    def accept_as_payment(self, request: HttpRequest, queryset) -> None:
        accepted = 0
        for item in queryset.filter(status=ReconciliationItem.Status.OPEN).order_by("id"):
            try:
                services.resolve_reconciliation_item(item_id=item.pk, user=request.user, accept_payment=True)
            except DomainError as exc:
                self.message_user(
                    request,
                    _("Item %(id)d was not accepted: %(reason)s") % {"id": item.pk, "reason": exc.message},
                    messages.ERROR,
                )
            else:
                accepted += 1
        if accepted:
            self.message_user(
                request,
                _("%(count)d items accepted: the payments are paid and the applications move on.")
                % {"count": accepted},
                messages.SUCCESS,
            )

    @admin.action(description=_("Mark as resolved (handled outside the system)"))
    def mark_resolved(self, request: HttpRequest, queryset) -> None:
        for item in queryset.filter(status=ReconciliationItem.Status.OPEN):
            services.resolve_reconciliation_item(item_id=item.pk, user=request.user)
