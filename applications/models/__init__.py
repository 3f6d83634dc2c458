"""Models of the applications app. Each subject has its own module; import them from here."""

from applications.models.catalogue import (
    ApplicationKind,
    CalendarException,
    DocumentRequirement,
    DocumentType,
    Fee,
    LegalGround,
    PayeeAccount,
    ProcessingSpeed,
    Purpose,
)

__all__ = [
    "ApplicationKind",
    "CalendarException",
    "DocumentRequirement",
    "DocumentType",
    "Fee",
    "LegalGround",
    "PayeeAccount",
    "ProcessingSpeed",
    "Purpose",
]
