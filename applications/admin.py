from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

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
    list_filter = ("speed", "to_be_verified")
    date_hierarchy = "valid_from"

    @admin.display(description=_("amount"))
    def amount_display(self, fee: CardFee) -> str:
        return fee.amount_display


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
