from decimal import Decimal

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def euros(cents: int | None) -> str:
    """Euro cents as a localised amount, e.g. 16000 → “160,00 EUR” in Latvian."""
    if cents is None:
        return ""
    return f"{number_format(Decimal(cents) / 100, decimal_pos=2, use_l10n=True, force_grouping=True)} EUR"


@register.filter
def megabytes(size_bytes: int | None) -> str:
    if not size_bytes:
        return ""
    return number_format(
        Decimal(size_bytes) / (1024 * 1024), decimal_pos=0 if size_bytes % 1048576 == 0 else 1
    )


@register.filter
def file_kinds(content_types: list[str] | None) -> str:
    """Media types as the file kinds people know: application/pdf → PDF, image/jpeg → JPEG."""
    labels = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}
    return ", ".join(labels.get(value, value) for value in content_types or [])


_ACCEPT = {
    "application/pdf": ".pdf,application/pdf",
    "image/jpeg": ".jpg,.jpeg,image/jpeg",
    "image/png": ".png,image/png",
}


@register.filter
def accept_attr(content_types: list[str] | None) -> str:
    """The file input's ``accept``: the picker offers only the files the document type takes (a photo: no PDF)."""
    return ",".join(_ACCEPT.get(value, value) for value in content_types or [])


@register.filter
def country_name(code: str | None) -> str:
    """A nationality's ISO code as the country's name in the active language (the code if unknown)."""
    from identity.countries import country_choices

    if not code:
        return ""
    return dict(country_choices()).get(code.upper(), code)
