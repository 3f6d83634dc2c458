"""The registry of card payment providers: name → class; only names listed in ``PAYMENT_PROVIDERS`` are on."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from payments.providers.base import PaymentProvider

PROVIDER_CLASSES: dict[str, str] = {
    "test_gateway": "payments.providers.test_gateway.TestGatewayProvider",
}


class UnknownProviderError(LookupError):
    pass


def enabled_providers() -> list[str]:
    return [name for name in settings.PAYMENT_PROVIDERS if name in PROVIDER_CLASSES]


def get_provider(name: str) -> PaymentProvider:
    """The enabled provider called ``name``; ``UnknownProviderError`` for a name not known or not switched on."""
    if name not in enabled_providers():
        raise UnknownProviderError(name)
    return import_string(PROVIDER_CLASSES[name])()


def get_card_provider() -> PaymentProvider:
    return get_provider(settings.PAYMENT_CARD_PROVIDER)
