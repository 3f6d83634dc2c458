"""Reads of the back office: the queue, the case file, letters by verification code, an applicant's decision."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connections, router
from django.db.models import Case, Count, F, Prefetch, Q, QuerySet, Subquery, Sum, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.calendar import KnownExceptions, working_days_to
from applications.completeness import document_freshness
from applications.models import Application, ApplicationDocument, ApplicationEvent, QueueCount
from applications.models.application import BACK_OFFICE_STATES
from applications.selectors import accessible_applications
from decisions import verification
from decisions.models import (
    CaseError,
    Complaint,
    ComplaintLetter,
    Decision,
    DecisionLetter,
    InformationRequest,
)
from eservice.db import prepared_cursor
from eservice.exceptions import NotFoundError
from identity.models import User
from payments.models import Payment

# A well-formed code no letter can have (Crockford's alphabet has no U): malformed input still costs the same
# one query as a real look-up, so timing does not tell a malformed code from an unknown one.
_NO_SUCH_CODE = "U" * verification.CODE_LENGTH


# Letters of decisions that no longer stand are still the Office's letters: /verify/ says what became of them.
_VERIFIABLE_STATES = (Decision.State.ISSUED, Decision.State.REPLACED, Decision.State.OVERTURNED)


def get_letter_by_code(*, text: str) -> DecisionLetter | ComplaintLetter | None:
    """The letter with this verification code (as typed or scanned): a decision letter (issued, or one that was
    replaced or overturned since) or the answer to a complaint; None when there is none. Two queries, whatever
    the code (malformed, unknown or found as a complaint letter): a decision letter is looked up first."""
    code = verification.normalise(text) or _NO_SUCH_CODE
    letter = (
        DecisionLetter.objects.select_related("decision__application", "decision__replaced_by", "document")
        .filter(verification_code=code, document__isnull=False, decision__state__in=_VERIFIABLE_STATES)
        .first()
    )
    if letter is None:
        letter = (
            ComplaintLetter.objects.select_related(
                "complaint__application", "complaint__decision", "document"
            )
            .filter(verification_code=code, document__isnull=False)
            .first()
        )
    return letter


def find_issued_decision(*, user: User, application_id: int) -> Decision | None:
    """The issued decision on the caller's own application, with its letter, or None."""
    return (
        Decision.objects.select_related("application", "letter__document", "drafted_by", "approved_by")
        .prefetch_related("legal_grounds")
        .filter(
            application_id=application_id,
            application__in=accessible_applications(user),
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


def list_queue(*, officer: User, mine: bool = False) -> QuerySet[Application]:
    """The unit's open cases (``mine``: the open cases assigned to the officer, in any unit), nearest deadline
    first (breached first). The unit's queue is read in the order of the partial index ``application_queue``
    (unit, decision_due_on, id): no sort, whatever the size of the table. A case assigned to the officer in
    another unit is in their "Mine" view, not in the unit's queue: an OR of the two would make PostgreSQL
    collect and sort every open case of the unit on each page (benchmarks/REPORT.md, back office).
    Filters narrow it (decisions.filters.CaseFilter)."""
    if not officer.is_officer:
        return Application.objects.none()
    return _open_cases(Q(assigned_officer_id=officer.pk) if mine else Q(unit_id=officer.unit_id))


def unit_queue(unit_id: int) -> QuerySet[Application]:
    """A unit's queue by its id, as ``list_queue`` gives it to that unit's officers."""
    return _open_cases(Q(unit_id=unit_id))


def _open_cases(scope: Q) -> QuerySet[Application]:
    return (
        Application.objects.filter(scope, state__in=BACK_OFFICE_STATES)
        .select_related("kind", "purpose", "assigned_officer")
        .order_by(F("decision_due_on").asc(nulls_last=True), "id")
    )


def count_queue_by_state(*, officer: User) -> dict[str, int]:
    """The unit's open cases (``list_queue(officer=officer)``) by state, as the database keeps them: triggers
    count each case into and out of ``applications.QueueCount`` as it moves, in the same transaction. One read
    of at most four rows, whatever the size of the table."""
    counts = dict.fromkeys(BACK_OFFICE_STATES, 0)
    if officer.is_officer:  # an officer always has a unit (identity's officer_has_unit)
        counts.update(_kept_counts(officer.unit_id))
    return counts


def _kept_counts(unit_id: int) -> list[tuple[str, int]]:
    # Read on every page of the queue API: a prepared statement, its SQL written from the model once.
    connection = connections[router.db_for_read(QueueCount)]
    state, n, unit = (
        connection.ops.quote_name(QueueCount._meta.get_field(f).column) for f in ("state", "n", "unit")
    )
    table = connection.ops.quote_name(QueueCount._meta.db_table)
    sql = f"SELECT {state}, {n} FROM {table} WHERE {unit} = %s"  # noqa: S608
    with prepared_cursor(connection) as cursor:
        cursor.execute(sql, [unit_id])
        return cursor.fetchall()


def kept_queue_total(unit_id: int) -> Coalesce:
    """The unit's open cases as the database keeps them (``count_queue_by_state``'s rows, summed), as a scalar
    subquery: a queue page annotates it (``json_rows.PAGE_TOTAL``) and reads its total in its own query."""
    kept = (
        QueueCount.objects.filter(unit_id=unit_id)
        .order_by()
        .values("unit")
        .annotate(total=Sum("n"))
        .values("total")
    )
    return Coalesce(Subquery(kept), 0)


def count_queue(*, officer: User, state: str | None = None) -> int:
    """How many cases the unit's queue holds (in ``state``, when given): ``count_queue_by_state``'s read."""
    counts = count_queue_by_state(officer=officer)
    return counts.get(state, 0) if state else sum(counts.values())


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
    left = _days_left(cases, today or timezone.localdate())
    for case, days in zip(cases, left, strict=True):
        case.days_left = days
        case.days_late = -days if days is not None and days < 0 else 0
    return cases


def _days_left(cases: list[Application], today: dt.date) -> list[int | None]:
    return days_left(
        [(_ordinal(case.decision_due_on), _ordinal(paused_on(case))) for case in cases], today=today
    )


def _ordinal(day: dt.date | None) -> int | None:
    return None if day is None else day.toordinal()


def paused_on(case: Application) -> dt.date | None:
    """The day the case's deadline stopped, while it waits for the applicant (``PAUSED_ON`` in a query)."""
    return case.review_paused_on if case.state == Application.State.AWAITING_APPLICANT else None


# paused_on() as a column of a query.
PAUSED_ON = Case(When(state=Application.State.AWAITING_APPLICANT, then=F("review_paused_on")))


def days_left(
    cases: list[tuple[int | None, int | None]],
    *,
    today: dt.date,
    exceptions: KnownExceptions | None = None,
) -> list[int | None]:
    """Working days from today to the deadline of each case, given as the ordinals (``date.toordinal()``) of
    its decision_due_on and ``paused_on``: one calendar query, or none when ``exceptions`` (read beside the
    cases) cover the days. While a case waits for the applicant its deadline stands still: it keeps the days it
    had left on the day it paused."""
    due = [case[0] for case in cases]
    paused = [case[1] for case in cases]
    positions = working_days_to(today=today, days=due + paused, exceptions=exceptions)
    due_left, paused_at = positions[: len(cases)], positions[len(cases) :]
    return [
        None if left is None else left - (pause or 0) for left, pause in zip(due_left, paused_at, strict=True)
    ]


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
    complaints: list[Complaint] = field(default_factory=list)
    errors: list[CaseError] = field(default_factory=list)


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
            Prefetch(
                "complaints", queryset=Complaint.objects.select_related("handled_by").order_by("-received_at")
            ),
            Prefetch(
                "errors", queryset=CaseError.objects.select_related("recorded_by").order_by("-recorded_at")
            ),
        )
        .filter(pk=application_id)
        .first()
    )
    if application is None:
        raise NotFoundError(_("There is no such case."))
    if (
        application.representative_id is not None
        and application.representative_id == application.applicant_id
    ):
        # Held in the account of the representative who applied for the person: that account's own
        # applications are someone else's; the person's are the representative's others for the same person.
        same_person = Q(
            representative_id=application.representative_id,
            last_name=application.last_name,
            date_of_birth=application.date_of_birth,
        )
    else:
        # The account's applications, except those it made for other people and still holds.
        same_person = Q(applicant_id=application.applicant_id) & ~Q(
            representative_id=application.applicant_id
        )
    if application.passport_number:
        same_person |= Q(passport_number=application.passport_number)
    earlier = list(
        Application.objects.filter(same_person)
        .exclude(pk=application.pk)
        .exclude(state=Application.State.DRAFT)
        .select_related("kind", "purpose")
        .order_by("-created_at")[:20]
    )
    today = timezone.localdate()
    days_left = None
    if application.decision_due_on and application.state in BACK_OFFICE_STATES:
        days_left = _days_left([application], today)[0]
    documents = list(application.documents.all())
    submitted_on = timezone.localdate(application.submitted_at) if application.submitted_at else today
    for document in documents:
        # The catalogue's limit is the age on arrival: on submission, or on upload for a document sent later
        # (an answer to an information request); the case page also says how old it is today.
        arrived_on = max(submitted_on, timezone.localdate(document.uploaded_at))
        document.freshness = document_freshness(document.document_type, document.issued_on, on=arrived_on)
        document.freshness_today = document_freshness(document.document_type, document.issued_on, on=today)
    return CaseFile(
        application=application,
        documents=documents,
        payments=list(application.payments.all()),
        events=list(application.events.all()),
        requests=list(application.information_requests.all()),
        decisions=list(application.decisions.all()),
        earlier=earlier,
        days_left=days_left,
        complaints=list(application.complaints.all()),
        errors=list(application.errors.all()),
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
            application_id=application_id,
            application__in=accessible_applications(user),
            state=InformationRequest.State.OPEN,
        )
        .first()
    )


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


def list_requested_document_types(application: Application) -> frozenset[str]:
    """Codes of the document types the open information request asks for, while the case waits for the
    applicant (applications' upload hook: these may be uploaded now). One query; none in any other state."""
    if application.state != Application.State.AWAITING_APPLICANT:
        return frozenset()
    return frozenset(
        InformationRequest.document_types.through.objects.filter(
            informationrequest__application_id=application.pk,
            informationrequest__state=InformationRequest.State.OPEN,
        ).values_list("documenttype__code", flat=True)
    )


# --- complaints ---------------------------------------------------------------------------------------------
def get_own_decision(*, user: User, decision_id: int) -> Decision:
    """A decision on an application the caller may act on (theirs, or one they represent) that was issued (it may since have been replaced or
    overturned), with its complaints; "not found" for anyone else's, a draft, or no such decision."""
    decision = (
        Decision.objects.select_related("application")
        .prefetch_related(
            Prefetch(
                "complaints",
                queryset=Complaint.objects.select_related("letter__document")
                .prefetch_related("documents")
                .order_by("-received_at", "-id"),
            )
        )
        .filter(pk=decision_id, application__in=accessible_applications(user), state__in=_VERIFIABLE_STATES)
        .first()
    )
    if decision is None:
        raise NotFoundError(_("There is no such decision."))
    return decision


def list_own_complaints(*, user: User, application_id: int) -> list[Complaint]:
    """The complaints on an application the caller may act on, newest first, with their letters (one query)."""
    return list(
        Complaint.objects.select_related("letter__document", "decision")
        .filter(application_id=application_id, application__in=accessible_applications(user))
        .order_by("-received_at", "-id")
    )


def get_own_complaint_letter(*, user: User, complaint_id: int) -> ComplaintLetter:
    letter = (
        ComplaintLetter.objects.select_related("document")
        .filter(
            complaint_id=complaint_id,
            complaint__application__in=accessible_applications(user),
            document__isnull=False,
        )
        .first()
    )
    if letter is None:
        raise NotFoundError(_("There is no such letter."))
    return letter


def _unit_complaints(officer: User) -> QuerySet[Complaint]:
    """Complaints on cases the senior officer may open: their unit's, or assigned to them. Nobody else's."""
    if not officer.is_senior_officer:
        return Complaint.objects.none()
    return Complaint.objects.filter(
        Q(application__unit_id=officer.unit_id) | Q(application__assigned_officer_id=officer.pk)
    )


def list_complaint_queue(*, officer: User) -> list[Complaint]:
    """The unit's open complaints, the Office's nearest deadline first (one query)."""
    return list(
        _unit_complaints(officer)
        .filter(state__in=Complaint.OPEN_STATES)
        .select_related("application", "decision", "handled_by")
        .order_by("answer_due_on", "id")
    )


def count_complaints_by_state(*, officer: User) -> dict[str, int]:
    """Every complaint state with its count in the unit (one query)."""
    counts = dict.fromkeys(Complaint.State.values, 0)
    rows = _unit_complaints(officer).values("state").annotate(n=Count("id")).order_by()
    counts.update({row["state"]: row["n"] for row in rows})
    return counts


def get_complaint_file(*, officer: User, complaint_id: int) -> Complaint:
    """A complaint with its documents, decision and case, in a fixed number of queries; "not found" outside
    the senior officer's reach."""
    complaint = (
        _unit_complaints(officer)
        .select_related(
            "application__applicant", "application__unit", "decision", "handled_by", "letter__document"
        )
        .prefetch_related("documents", "decision__legal_grounds")
        .filter(pk=complaint_id)
        .first()
    )
    if complaint is None:
        raise NotFoundError(_("There is no such complaint."))
    return complaint
