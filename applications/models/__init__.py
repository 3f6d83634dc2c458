"""Models of the applications app. Each subject has its own module; import them from here."""

from applications.models.application import (
    Application,
    ApplicationDocument,
    ApplicationEvent,
    State,
)
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
from applications.models.counter import CounterSubmission
from applications.models.family import FamilyInvitation

__all__ = [
    "Application",
    "ApplicationDocument",
    "ApplicationEvent",
    "ApplicationKind",
    "CalendarException",
    "CounterSubmission",
    "DocumentRequirement",
    "DocumentType",
    "FamilyInvitation",
    "Fee",
    "LegalGround",
    "PayeeAccount",
    "ProcessingSpeed",
    "Purpose",
    "State",
]
