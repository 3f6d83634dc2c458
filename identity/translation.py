from modeltranslation.translator import TranslationOptions, register

from identity.models import TerritorialUnit


@register(TerritorialUnit)
class TerritorialUnitTranslation(TranslationOptions):
    fields = ("name", "accessibility")
