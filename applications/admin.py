from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from applications.appointments.services import close_visits
from applications.models import (
    ApplicationKind,
    CalendarException,
    CardFee,
    DocumentRequirement,
    DocumentType,
    Fee,
    LegalGround,
    PayeeAccount,
    Purpose,
    Registration,
    VisitClosure,
    VisitSettings,
)


class DocumentRequirementInline(TranslationTabularInline):
    model = DocumentRequirement
    extra = 0
    autocomplete_fields = ("document_type",)
    fields = ("purpose", "document_type", "required", "condition", "note", "position")


@admin.register(ApplicationKind)
class ApplicationKindAdmin(TranslationAdmin):
    list_display = ("name", "code", "needs_registration", "speeds", "is_active", "position")
    list_filter = ("is_active", "needs_registration")
    search_fields = ("code", "name")
    filter_horizontal = ("purposes",)
    inlines = [DocumentRequirementInline]


@admin.register(Purpose)
class PurposeAdmin(TranslationAdmin):
    list_display = ("name", "code", "requires_invitation", "position")
    search_fields = ("code", "name")


@admin.register(DocumentType)
class DocumentTypeAdmin(TranslationAdmin):
    list_display = ("name", "code", "max_size_bytes", "needs_translation", "max_age_days")
    list_filter = ("needs_translation",)
    search_fields = ("code", "name")


@admin.register(DocumentRequirement)
class DocumentRequirementAdmin(TranslationAdmin):
    list_display = ("kind", "purpose", "document_type", "required", "condition", "position")
    list_filter = ("kind", "purpose", "required", "condition")
    list_select_related = ("kind", "purpose", "document_type")
    autocomplete_fields = ("document_type",)


@admin.register(Fee)
class FeeAdmin(admin.ModelAdmin):
    list_display = (
        "kind",
        "speed",
        "amount_display",
        "valid_from",
        "valid_to",
        "to_be_verified",
        "source_checked_on",
    )
    # The form's order (the dated-amount fields come from the abstract base, so they would come first).
    fields = (
        "kind",
        "speed",
        "amount_cents",
        "valid_from",
        "valid_to",
        "to_be_verified",
        "legal_basis",
        "source_url",
        "source_checked_on",
        "source_note",
    )
    list_filter = ("kind", "speed", "to_be_verified")
    list_select_related = ("kind",)
    date_hierarchy = "valid_from"

    @admin.display(description=_("amount"))
    def amount_display(self, fee: Fee) -> str:
        return fee.amount_display


@admin.register(CardFee)
class CardFeeAdmin(admin.ModelAdmin):
    """Card fees by production speed; ``CardFee.clean`` refuses a row overlapping another of the same speed."""

    list_display = ("speed", "amount_display", "valid_from", "valid_to", "to_be_verified")
    fields = (
        "speed",
        "amount_cents",
        "valid_from",
        "valid_to",
        "to_be_verified",
        "legal_basis",
        "source_url",
        "source_note",
    )
    list_filter = ("speed", "to_be_verified")
    date_hierarchy = "valid_from"

    @admin.display(description=_("amount"))
    def amount_display(self, fee: CardFee) -> str:
        return fee.amount_display


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    """Read-only: a registration moves only through applications.services.registration (the unit's pages)."""

    list_display = ("application", "unit", "card_speed", "card_fee_paid_at", "started_at", "collected_at")
    list_filter = ("unit", "card_speed")
    list_select_related = ("application", "unit")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(LegalGround)
class LegalGroundAdmin(TranslationAdmin):
    list_display = ("code", "law_reference", "outcome", "purpose", "to_be_verified", "is_active")
    list_filter = ("outcome", "purpose", "to_be_verified", "is_active")
    search_fields = ("code", "law_reference", "text")
    filter_horizontal = ("kinds",)


@admin.register(PayeeAccount)
class PayeeAccountAdmin(TranslationAdmin):
    list_display = ("name", "iban", "bic", "valid_from", "valid_to", "to_be_verified")


@admin.register(CalendarException)
class CalendarExceptionAdmin(TranslationAdmin):
    list_display = ("date", "is_working_day", "note")
    list_filter = ("is_working_day",)
    date_hierarchy = "date"


@admin.register(VisitSettings)
class VisitSettingsAdmin(admin.ModelAdmin):
    """Slot length and places per slot of each unit; new values apply to the slots generated from then on."""

    list_display = ("unit", "slot_minutes", "capacity")
    list_select_related = ("unit",)
    search_fields = ("unit__name", "unit__code")


class VisitClosureForm(forms.ModelForm):
    class Meta:
        model = VisitClosure
        fields = ("unit", "date", "starts", "ends", "reason")

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date < timezone.localdate():
            raise forms.ValidationError(_("A day in the past cannot be closed."))
        return date


@admin.register(VisitClosure)
class VisitClosureAdmin(admin.ModelAdmin):
    """A closure is added through the service (booked visits cancelled, apologies sent) and then stays as it is:
    to reopen, an administrator regenerates nothing; a closure is a record of what the applicants were told."""

    list_display = ("unit", "date", "starts", "ends", "reason", "created_by")
    list_filter = ("unit",)
    list_select_related = ("unit", "created_by")
    date_hierarchy = "date"
    form = VisitClosureForm

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj: VisitClosure, form, change: bool) -> None:
        closure, cancelled = close_visits(
            unit_id=obj.unit_id,
            date=obj.date,
            starts=obj.starts,
            ends=obj.ends,
            reason=obj.reason,
            actor=request.user,
        )
        obj.pk, obj.created_by, obj.created_at = closure.pk, closure.created_by, closure.created_at
        if cancelled:
            self.message_user(
                request,
                _("Booked visits cancelled (each applicant was told): %(count)s.") % {"count": cancelled},
            )
