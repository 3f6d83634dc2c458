from modeltranslation.translator import TranslationOptions, register

from applications.models import (
    ApplicationKind,
    CalendarException,
    DocumentRequirement,
    DocumentType,
    LegalGround,
    PayeeAccount,
    Purpose,
)


@register(ApplicationKind)
class ApplicationKindTranslation(TranslationOptions):
    fields = ("name", "description")


@register(Purpose)
class PurposeTranslation(TranslationOptions):
    fields = ("name", "description")


@register(DocumentType)
class DocumentTypeTranslation(TranslationOptions):
    fields = ("name", "description")


@register(DocumentRequirement)
class DocumentRequirementTranslation(TranslationOptions):
    fields = ("note",)


@register(LegalGround)
class LegalGroundTranslation(TranslationOptions):
    fields = ("law_reference", "text")


@register(PayeeAccount)
class PayeeAccountTranslation(TranslationOptions):
    fields = ("name", "bank_name")


@register(CalendarException)
class CalendarExceptionTranslation(TranslationOptions):
    fields = ("note",)
