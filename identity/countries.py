"""ISO 3166-1 alpha-2 country codes with names in the user's language (pycountry's translations)."""

from __future__ import annotations

import gettext
from functools import lru_cache

import pycountry
from django.utils import translation

# Kosovo has no ISO 3166-1 code but is used by EU member states (and by Latvian authorities) as XK.
_EXTRA = {"XK": "Kosovo"}


@lru_cache(maxsize=1)
def _codes() -> dict[str, str]:
    codes = {
        country.alpha_2: getattr(country, "common_name", country.name) for country in pycountry.countries
    }
    codes.update(_EXTRA)
    return codes


@lru_cache(maxsize=8)
def _catalogue(language: str) -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True)


def is_country_code(code: str) -> bool:
    return code in _codes()


def country_choices() -> list[tuple[str, str]]:
    """(code, name) in the active language, sorted by name."""
    catalogue = _catalogue(translation.get_language() or "en")
    choices = [(code, catalogue.gettext(name)) for code, name in _codes().items()]
    return sorted(choices, key=lambda item: item[1].casefold())
