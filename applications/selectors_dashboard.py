"""Reads of an applicant's applications: the dashboard, the API list, one application, a document to download.

Every list here runs a fixed number of queries whatever the number of applications (pinned by tests).
Later issues extend ``DASHBOARD_PREFETCHES`` with their relations (payments, information requests, decisions).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from applications.models import Application, ApplicationDocument, ApplicationEvent
from applications.models.application import may_act_on
from applications.models.appointments import ACTIVE_STATUSES, Appointment
from applications.selectors import access_rule, accessible_applications, counter_unit_of
from eservice.exceptions import NotFoundError
from eservice.json_rows import Statement
from identity.models import User
from workers.models import GeneratedDocument

# What the dashboard shows with each application; one query per entry.
DASHBOARD_PREFETCHES: list[Prefetch | str] = [
    Prefetch("events", queryset=ApplicationEvent.objects.order_by("created_at", "id")),
    Prefetch(
        "documents",
        # The current documents: one replaced while answering the Office stays on record for the officer only.
        queryset=ApplicationDocument.objects.filter(replaced_at__isnull=True)
        .select_related("document_type")
        .order_by("uploaded_at", "id"),
    ),
    # Payments (payments app), newest first; a string keeps applications from importing payments' model.
    "payments",
    # The booked visit at the unit, if any (applications awaiting registration).
    Prefetch(
        "appointments",
        queryset=Appointment.objects.filter(status__in=ACTIVE_STATUSES).select_related("slot"),
        to_attr="active_appointments",
    ),
]


def _own(user: User) -> QuerySet[Application]:
    return accessible_applications(user).select_related(
        "kind", "purpose", "unit", "representative", "registration", "registration__unit"
    )


def list_applications(*, user: User) -> Statement:
    """The caller's applications for the API list, newest first, as a statement compiled once per process
    (the API reads a few columns of a page of them as rows built by the database: ``eservice.json_rows``).
    The same rows as ``accessible_applications``; the rule's officer branch is a shape of its own."""
    if not user.is_authenticated:
        return Statement(("applications", "nobody"), Application.objects.none)
    unit = counter_unit_of(user)
    if unit is None:
        return list_own_applications(user_id=user.pk)
    return Statement(("applications", "own and the unit's counter"), _newest_first, (user.pk, unit))


def list_own_applications(*, user_id: int) -> Statement:
    """``list_applications`` of a user who works at no counter (every applicant): only the token is needed to
    know it, so the API reads it beside the token's user (identity.authentication)."""
    return Statement(("applications", "own"), _newest_first, (user_id,))


def _newest_first(user_id: int, counter_unit_id: int | None = None) -> QuerySet[Application]:
    return Application.objects.filter(access_rule(user_id, counter_unit_id)).order_by("-created_at", "-id")


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
    counts = accessible_applications(user).aggregate(
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
    if may_act_on(application, user):
        return document
    if user.is_officer and application.unit_id is not None and application.unit_id == user.unit_id:
        return document  # the caller writes the staff access log (services.documents.record_document_access)
    raise NotFoundError(_("There is no such document."))


@dataclass(frozen=True)
class OfficeDocument:
    """A PDF the service made for an application (its summary, a receipt, a bank-transfer slip)."""

    label: str
    url: str
    created_at: Any
    size: int


SUMMARY_KIND = "application-summary"


def _office_document_link(kind: str, owner_id: int) -> tuple[str, str] | None:
    if kind == SUMMARY_KIND:
        return _("Application summary"), reverse("applications:summary-pdf", args=[owner_id])
    if kind == "payment-receipt":
        return _("Payment receipt"), reverse("payments:receipt-pdf", args=[owner_id])
    if kind == "bank-transfer-instructions":
        return _("Bank transfer instructions"), reverse("payments:bank-transfer-pdf", args=[owner_id])
    return None


def list_office_documents(*, application: Application) -> list[OfficeDocument]:
    """Every PDF rendered for the application or its payments, oldest first, with its download link: one query
    (the payments come from the dashboard prefetch; the payments app is named by its label, not imported)."""
    payment_ids = [payment.pk for payment in application.payments.all()]
    owners = Q(owner_content_type=ContentType.objects.get_for_model(Application), owner_id=application.pk)
    if payment_ids:
        payment_type = ContentType.objects.get_by_natural_key("payments", "payment")
        owners |= Q(owner_content_type=payment_type, owner_id__in=payment_ids)
    documents = []
    for row in GeneratedDocument.objects.filter(owners).order_by("created_at", "id"):
        link = _office_document_link(row.kind, row.owner_id)
        if link is not None:
            documents.append(
                OfficeDocument(label=link[0], url=link[1], created_at=row.created_at, size=row.size)
            )
    return documents


def get_application_summary_pdf(*, user: User, application_id: int) -> GeneratedDocument:
    """The summary PDF of one of the caller's applications; "not found" for someone else's or before it exists."""
    application = get_application(user=user, application_id=application_id)
    document = GeneratedDocument.objects.filter(
        owner_content_type=ContentType.objects.get_for_model(Application),
        owner_id=application.pk,
        kind=SUMMARY_KIND,
    ).first()
    if document is None:
        raise NotFoundError(_("The application summary is being prepared. Please try again in a minute."))
    return document
