"""Reads of the back office: the queue, the case file, letters by verification code, an applicant's decision."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.calendar import working_days_left
from applications.models import Application, ApplicationDocument, ApplicationEvent, DocumentType
from applications.models.application import BACK_OFFICE_STATES
from decisions import verification
from decisions.models import Decision, DecisionLetter, InformationRequest
from eservice.exceptions import NotFoundError
from identity.models import User
from payments.models import Payment

# A well-formed code no letter can have (Crockford's alphabet has no U): malformed input still costs the same
# one query as a real look-up, so timing does not tell a malformed code from an unknown one.
_NO_SUCH_CODE = "U" * verification.CODE_LENGTH


def get_letter_by_code(*, text: str) -> DecisionLetter | None:
    """The issued letter with this verification code (as typed or scanned), or None."""
    code = verification.normalise(text) or _NO_SUCH_CODE
    return (
        DecisionLetter.objects.select_related("decision__application", "document")
        .filter(verification_code=code, document__isnull=False, decision__state=Decision.State.ISSUED)
        .first()
    )


def find_issued_decision(*, user: User, application_id: int) -> Decision | None:
    """The issued decision on the caller's own application, with its letter, or None."""
    return (
        Decision.objects.select_related("application", "letter__document", "drafted_by", "approved_by")
        .prefetch_related("legal_grounds")
        .filter(
            application_id=application_id,
            application__applicant=user,
            state=Decision.State.ISSUED,
        )
        .first()
    )


def get_issued_decision(*, user: User, application_id: int) -> Decision:
    """Like ``find_issued_decision``, but "not found" when there is none."""
    decision = find_issued_decision(user=user, application_id=application_id)
    if decision is None:
        raise NotFoundError(_("There is no decision on this application yet."))
    return decision


# --- the officers' queue and the case file ------------------------------------------------------------------
def officer_cases(officer: User) -> QuerySet[Application]:
    """Every case ``officer`` may open: their unit's, or assigned to them. Nobody else's, ever."""
    if not officer.is_officer:
        return Application.objects.none()
    return Application.objects.filter(Q(unit_id=officer.unit_id) | Q(assigned_officer_id=officer.pk))


def list_queue(*, officer: User) -> QuerySet[Application]:
    """The unit's open cases, nearest deadline first (breached first), in the order the partial index
    ``application_queue`` gives them (no sort). Filters narrow it (decisions.filters.CaseFilter)."""
    return (
        officer_cases(officer)
        .filter(state__in=BACK_OFFICE_STATES)
        .select_related("kind", "purpose", "assigned_officer")
        .order_by(F("decision_due_on").asc(nulls_last=True), "id")
    )


def count_queue_by_state(*, officer: User) -> dict[str, int]:
    rows = (
        officer_cases(officer)
        .filter(state__in=BACK_OFFICE_STATES)
        .values("state")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {state: 0 for state in BACK_OFFICE_STATES}
    counts.update({row["state"]: row["n"] for row in rows})
    return counts


def list_answered_cases(*, officer: User, limit: int = 20) -> list[Application]:
    """Cases back from the applicant that the officer has not acted on since: the top of the queue."""
    return list(
        officer_cases(officer)
        .filter(state=Application.State.IN_REVIEW, answered_at__isnull=False)
        .select_related("kind", "purpose", "assigned_officer")
        .order_by("answered_at", "id")[:limit]
    )


def annotate_days_left(cases: list[Application], today: dt.date | None = None) -> list[Application]:
    """Set ``days_left`` (working days to the deadline; negative when breached) and ``days_late`` on each
    case, in one query."""
    today = today or timezone.localdate()
    left = working_days_left(today=today, dates=[case.decision_due_on for case in cases])
    for case, days in zip(cases, left, strict=True):
        case.days_left = days
        case.days_late = -days if days is not None and days < 0 else 0
    return cases


@dataclass
class CaseFile:
    application: Application
    documents: list
    payments: list
    events: list
    requests: list[InformationRequest]
    decisions: list[Decision]
    earlier: list[Application]
    days_left: int | None


def get_case_file(*, officer: User, application_id: int) -> CaseFile:
    """Everything the case page shows, in a fixed number of queries; "not found" outside the officer's reach."""
    application = (
        officer_cases(officer)
        .select_related("kind", "purpose", "applicant", "unit", "assigned_officer")
        .prefetch_related(
            Prefetch(
                "documents",
                queryset=ApplicationDocument.objects.select_related("document_type").order_by(
                    "uploaded_at", "id"
                ),
            ),
            Prefetch("payments", queryset=Payment.objects.order_by("created_at", "id")),
            Prefetch(
                "events",
                queryset=ApplicationEvent.objects.select_related("actor").order_by("created_at", "id"),
            ),
            Prefetch(
                "information_requests",
                queryset=InformationRequest.objects.select_related("requested_by").prefetch_related(
                    "document_types"
                ),
            ),
            Prefetch(
                "decisions",
                queryset=Decision.objects.select_related(
                    "drafted_by", "approved_by", "returned_by", "letter__document"
                ).prefetch_related("legal_grounds"),
            ),
        )
        .filter(pk=application_id)
        .first()
    )
    if application is None:
        raise NotFoundError(_("There is no such case."))
    same_person = Q(applicant_id=application.applicant_id)
    if application.passport_number:
        same_person |= Q(passport_number=application.passport_number)
    earlier = list(
        Application.objects.filter(same_person)
        .exclude(pk=application.pk)
        .exclude(state=Application.State.DRAFT)
        .select_related("kind", "purpose")
        .order_by("-created_at")[:20]
    )
    days_left = None
    if application.decision_due_on and application.state in BACK_OFFICE_STATES:
        days_left = working_days_left(today=timezone.localdate(), dates=[application.decision_due_on])[0]
    return CaseFile(
        application=application,
        documents=list(application.documents.all()),
        payments=list(application.payments.all()),
        events=list(application.events.all()),
        requests=list(application.information_requests.all()),
        decisions=list(application.decisions.all()),
        earlier=earlier,
        days_left=days_left,
    )


def list_unit_officers(*, unit_id: int) -> list[User]:
    return list(
        User.objects.filter(
            unit_id=unit_id, is_active=True, role__in=["case_officer", "senior_officer"]
        ).order_by("last_name", "first_name")
    )


def get_open_request(*, user: User, application_id: int) -> InformationRequest | None:
    """The open information request on the applicant's own application, with what it asks for."""
    return (
        InformationRequest.objects.select_related("requested_by__unit")
        .prefetch_related("document_types")
        .filter(
            application_id=application_id, application__applicant=user, state=InformationRequest.State.OPEN
        )
        .first()
    )


def get_applicants_request(*, user: User, application_id: int, request_id: int) -> InformationRequest:
    """An information request on the caller's own application (any state); anyone else's is "not found"."""
    request = InformationRequest.objects.filter(
        pk=request_id, application_id=application_id, application__applicant=user
    ).first()
    if request is None:
        raise NotFoundError(_("There is no such request."))
    return request


def list_requested_documents(
    *, request: InformationRequest
) -> list[tuple[DocumentType, ApplicationDocument | None]]:
    """What an open request asks for, each with the document uploaded since the request was made (if any)."""
    uploaded = {
        document.document_type_id: document
        for document in ApplicationDocument.objects.filter(
            application_id=request.application_id, uploaded_at__gte=request.created_at
        )
    }
    return [(document_type, uploaded.get(document_type.pk)) for document_type in request.document_types.all()]


def list_overdue_requests(*, officer: User, limit: int = 20) -> list[InformationRequest]:
    """Open requests past their answer-by date on the officer's cases: the queue shows them as overdue."""
    return list(
        InformationRequest.objects.filter(
            application__in=officer_cases(officer),
            state=InformationRequest.State.OPEN,
            answer_by__lt=timezone.localdate(),
        )
        .select_related("application")
        .order_by("answer_by", "id")[:limit]
    )
