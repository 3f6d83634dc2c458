"""Models of the applications app. Each subject has its own module; import them from here."""

from applications.case_messages.models import CaseMessage, CaseMessageAttachment
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
from applications.models.counter import CounterSubmission
from applications.models.family import FamilyInvitation
from applications.models.queue import QueueCount
from applications.models.registration import CardFee, CardSpeed, Registration
from applications.renewals.models import RenewalInvitation
from applications.surveys.models import SurveyAnswer, SurveyInvitation

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
    "CaseMessage",
    "CaseMessageAttachment",
    "CounterSubmission",
    "DocumentRequirement",
    "DocumentType",
    "FamilyInvitation",
    "Fee",
    "LegalGround",
    "PayeeAccount",
    "ProcessingSpeed",
    "Purpose",
    "QueueCount",
    "Registration",
    "RenewalInvitation",
    "State",
    "SurveyAnswer",
    "SurveyInvitation",
    "VisitClosure",
    "VisitSettings",
    "VisitSlot",
]
