"""Domain errors of the catalogue and the guide. The API handler turns them into ``{"error": ...}`` bodies."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import status

from eservice.exceptions import DomainError, NotFoundError


class UnknownKindError(NotFoundError):
    code = "unknown_kind"
    default_message = _("There is no such application kind.")


class UnknownPurposeError(NotFoundError):
    code = "unknown_purpose"
    default_message = _("There is no such purpose of residence.")


class PurposeNotOfferedError(NotFoundError):
    code = "purpose_not_offered"
    default_message = _("This application kind cannot be requested for this purpose.")


class FeeNotOfferedError(DomainError):
    """The kind does not offer the speed, or no fee is valid for it on the date asked."""

    status_code = status.HTTP_400_BAD_REQUEST
    code = "fee_not_offered"
    default_message = _("This application kind is not offered at this processing speed.")


class UnknownSpeedError(DomainError):
    code = "unknown_speed"
    default_message = _("There is no such processing speed.")
