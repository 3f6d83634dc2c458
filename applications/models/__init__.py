"""Models of the applications app. Each subject has its own module; import them from here."""

from applications.models.application import (
    Application,
    ApplicationDocument,
    ApplicationEvent,
    State,
)
from applications.models.appointments import (
    Appointment,
    AppointmentStatus,
    VisitClosure,
    VisitSettings,
    VisitSlot,
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
from applications.models.registration import CardFee, CardSpeed, Registration

__all__ = [
    "Application",
    "ApplicationDocument",
    "ApplicationEvent",
    "ApplicationKind",
    "Appointment",
    "AppointmentStatus",
    "CalendarException",
    "CardFee",
    "CardSpeed",
    "DocumentRequirement",
    "DocumentType",
    "Fee",
    "LegalGround",
    "PayeeAccount",
    "ProcessingSpeed",
    "Purpose",
    "Registration",
    "State",
    "VisitClosure",
    "VisitSettings",
    "VisitSlot",
]
