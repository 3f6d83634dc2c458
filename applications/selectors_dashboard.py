"""Reads of an applicant's applications: the dashboard, the API list, one application, a document to download.

Every list here runs a fixed number of queries whatever the number of applications (pinned by tests).
Later issues extend ``DASHBOARD_PREFETCHES`` with their relations (payments, information requests, decisions).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from applications.models import Application, ApplicationDocument, ApplicationEvent
from eservice.exceptions import NotFoundError
from identity.models import User

# What the dashboard shows with each application; one query per entry.
DASHBOARD_PREFETCHES: list[Prefetch | str] = [
    Prefetch("events", queryset=ApplicationEvent.objects.order_by("created_at", "id")),
    Prefetch(
        "documents",
        queryset=ApplicationDocument.objects.select_related("document_type").order_by("uploaded_at", "id"),
    ),
    # Payments (payments app), newest first; a string keeps applications from importing payments' model.
    "payments",
]


def _own(user: User) -> QuerySet[Application]:
    return Application.objects.filter(applicant=user).select_related("kind", "purpose", "unit")


LIST_COLUMNS = (
    "id",
    "reference",
    "state",
    "kind__code",
    "purpose__code",
    "processing_speed",
    "created_at",
    "updated_at",
    "submitted_at",
    "decision_due_on",
)


def list_applications(*, user: User) -> QuerySet[Application]:
    """The caller's applications for the API list, newest first, as plain rows (``LIST_COLUMNS``).

    Rows, not model instances: a list page shows a few columns, and building 50 instances (with their kinds and
    purposes) costs more than the query itself.
    """
    return Application.objects.filter(applicant=user).order_by("-created_at", "-id").values(*LIST_COLUMNS)


def list_dashboard_applications(*, user: User) -> list[Application]:
    """The caller's applications with their timeline and documents, newest first: 1 + len(prefetches) queries."""
    return list(_own(user).prefetch_related(*DASHBOARD_PREFETCHES).order_by("-created_at", "-id"))


@dataclass(frozen=True)
class ApplicationsSummary:
    """How many applications the applicant has, and how many wait for them (the home page's summary)."""

    total: int
    drafts: int
    awaiting_payment: int
    awaiting_answer: int


def get_applications_summary(*, user: User) -> ApplicationsSummary:
    """Counts of the caller's applications by what they need next: one query."""
    State = Application.State
    counts = Application.objects.filter(applicant=user).aggregate(
        total=Count("pk"),
        drafts=Count("pk", filter=Q(state=State.DRAFT)),
        awaiting_payment=Count("pk", filter=Q(state=State.AWAITING_PAYMENT)),
        awaiting_answer=Count("pk", filter=Q(state=State.AWAITING_APPLICANT)),
    )
    return ApplicationsSummary(**counts)


def get_application(*, user: User, application_id: int, with_related: bool = False) -> Application:
    """One of the caller's applications; someone else's is "not found" (no hint it exists)."""
    queryset = _own(user)
    if with_related:
        queryset = queryset.prefetch_related(*DASHBOARD_PREFETCHES)
    application = queryset.filter(pk=application_id).first()
    if application is None:
        raise NotFoundError(_("There is no such application."))
    return application


def list_timeline(*, user: User, application_id: int) -> list[ApplicationEvent]:
    application = get_application(user=user, application_id=application_id)
    return list(application.events.select_related("actor").order_by("created_at", "id"))


def get_document_for_download(*, user: User, application_id: int, document_id: int) -> ApplicationDocument:
    """A document its owner, or an officer of the case's unit, may open; anyone else gets "not found"."""
    document = (
        ApplicationDocument.objects.select_related("application", "document_type")
        .filter(pk=document_id, application_id=application_id)
        .first()
    )
    if document is None:
        raise NotFoundError(_("There is no such document."))
    application = document.application
    if application.applicant_id == user.pk:
        return document
    if user.is_officer and application.unit_id is not None and application.unit_id == user.unit_id:
        return document  # the caller writes the staff access log (services.documents.record_document_access)
    raise NotFoundError(_("There is no such document."))
