"""Template filters for e-mails: one date format per language, whatever form the date was stored in."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import formats, translation

register = template.Library()

# Latvian writes dates as day.month.year. (with the final dot); English and Russian use the site's DATE_FORMAT
# ("27 November 2026", "27 ноября 2026 г."). Every date in every e-mail goes through this filter.
_MAIL_DATE_FORMATS = {"lv": "d.m.Y."}


@register.filter
def mail_date(value: object) -> str:
    """A date (or an ISO 8601 date string, as notification contexts store them) in the active language."""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value  # already written out by whoever queued the mail
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        return "" if value is None else str(value)
    language = (translation.get_language() or "lv").split("-")[0]
    return formats.date_format(value, _MAIL_DATE_FORMATS.get(language, "DATE_FORMAT"))
