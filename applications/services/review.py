"""The Office's side of an application's life: the back office (decisions app) moves the case through these.

STYLE.md: other apps call ``applications.services``, never the model's transitions. The decisions app owns the
transaction and its own rows (information requests, decisions); for the application it calls the functions
here, which lock the row, check who may act, call the django-fsm transition, save, write the timeline event and
put the applicant's e-mail in the outbox, all in the caller's transaction.

Who may act on a case: an officer of the case's unit, or the officer it is assigned to. Anyone else gets "not
found" (never "forbidden": the case's existence is itself confidential), and the attempt is logged.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed

from applications.calendar import add_working_days, working_days_between
from applications.models import Application, ApplicationEvent
from applications.models.application import BACK_OFFICE_STATES
from applications.selectors import accessible_applications
from applications.services.lifecycle import application_url, log_staff_access, notify_applicant, record_event
from eservice.exceptions import ConflictError, DomainError, InvalidTransitionError, NotFoundError
from identity.models import User

logger = logging.getLogger(__name__)

Event = ApplicationEvent.Kind
State = Application.State


# What the officer may do in each state (the API's 409 answers list them).
_OFFICER_ACTIONS: dict[str, list[str]] = {
    State.SUBMITTED: ["take", "assign"],
    State.IN_REVIEW: ["assign", "request_information", "draft_decision"],
    State.AWAITING_APPLICANT: ["assign"],
    State.DECISION_PENDING: ["approve_decision", "return_decision"],
}


class InvalidAssigneeError(DomainError):
    code = "invalid_officer"


def officer_actions(application: Application) -> list[str]:
    return list(_OFFICER_ACTIONS.get(application.state, []))


def may_open_case(*, application: Application, user: User) -> bool:
    """An officer of the case's unit, or the officer the case is assigned to (row-local: no query)."""
    if not user.is_officer:
        return False
    in_unit = application.unit_id is not None and application.unit_id == user.unit_id
    return in_unit or application.assigned_officer_id == user.pk


def lock_case(*, application_id: int, officer: User) -> Application:
    """The case locked for this transaction, if ``officer`` may act on it; otherwise "not found"."""
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("kind", "purpose", "applicant", "unit")
        .filter(pk=application_id)
        .first()
    )
    if application is None or not may_open_case(application=application, user=officer):
        logger.warning("case.access_refused application=%s staff=%s", application_id, officer.pk)
        raise NotFoundError(_("There is no such case."))
    return application


def _refuse(application: Application, action: str) -> InvalidTransitionError:
    return InvalidTransitionError(
        _("You cannot %(action)s a case that is “%(state)s”.")
        % {"action": action, "state": application.get_state_display()},
        state=application.state,
        allowed_actions=officer_actions(application),
    )


def _save(application: Application, fields: list[str]) -> None:
    try:
        application.save(update_fields=[*fields, "state", "updated_at"])
    except ConcurrentTransition:
        raise ConflictError(
            _("Someone else changed this case at the same moment. Reload it to see what they did.")
        ) from None


def _notify_status(application: Application, *, actor: User, message: str = "") -> None:

    with translation.override(None):  # the untranslated label: the e-mail translates it at send time
        status_label = str(State(application.state).label)
    notify_applicant(
        application=application,
        event="status_changed",
        actor=actor,
        context={
            "reference": application.reference or "",
            "status_label": status_label,
            "url": application_url(application),
            "message": message,
        },
    )


@transaction.atomic
def take_case(*, application_id: int, officer: User) -> Application:
    """An officer takes a submitted case: it moves to in_review and is theirs. Of two officers taking the same
    case at once, the second waits for the row lock and then finds it no longer submitted (409)."""
    application = lock_case(application_id=application_id, officer=officer)
    if not can_proceed(application.take):
        if application.state == State.IN_REVIEW and application.assigned_officer_id not in (None, officer.pk):
            raise ConflictError(
                _("Another officer has already taken this case."),
                details={"state": application.state, "allowed_actions": officer_actions(application)},
            )
        raise _refuse(application, _("take"))
    application.take(officer_id=officer.pk)
    _save(application, ["assigned_officer"])
    record_event(application=application, kind=Event.TAKEN, actor=officer)
    _notify_status(application, actor=officer)
    logger.info("case.taken application=%s officer=%s", application.pk, officer.pk)
    return application


@transaction.atomic
def assign_case(*, application_id: int, senior: User, officer_id: int) -> Application:
    """A senior officer gives an open case to an officer of the same unit (a submitted case stays submitted
    until that officer takes it)."""
    if not senior.is_senior_officer:
        raise NotFoundError(_("There is no such case."))
    application = lock_case(application_id=application_id, officer=senior)
    if application.state not in BACK_OFFICE_STATES:
        raise _refuse(application, _("assign"))
    officer = User.objects.filter(pk=officer_id, is_active=True, unit_id=application.unit_id).first()
    if officer is None or not officer.is_officer:
        raise InvalidAssigneeError(
            _("Choose an active officer of the case's unit."),
            details={"officer_id": [_("Not an officer of this unit.")]},
        )
    application.assigned_officer = officer
    application.save(update_fields=["assigned_officer", "updated_at"])
    record_event(
        application=application, kind=Event.ASSIGNED, actor=senior, data={"unit": application.unit_id}
    )
    logger.info("case.assigned application=%s officer=%s by=%s", application.pk, officer.pk, senior.pk)
    return application


def pause_for_applicant(*, application: Application, officer: User, answer_by: dt.date) -> None:
    """The information-request service (decisions) asks the applicant: the case waits, the deadline stops.

    ``application`` comes from ``lock_case`` in the caller's transaction; the caller sends the e-mail.
    """
    if not can_proceed(application.request_information):
        raise _refuse(application, _("request information on"))
    application.request_information(on=timezone.localdate())
    _save(application, ["review_paused_on", "answered_at"])
    record_event(
        application=application,
        kind=Event.INFORMATION_REQUESTED,
        actor=officer,
        data={"answer_by": answer_by.isoformat()},
    )


def resume_after_answer(
    *,
    application: Application,
    actor: User,
    today: dt.date | None = None,
    document_types: list[str] | None = None,
) -> int:
    """The applicant answered: back to in_review, the deadline moved on by the working days it stood still.
    Returns those days. ``application`` is locked by the caller. ``document_types``: codes of the documents
    sent with the answer, named on the timeline line."""
    if not can_proceed(application.resume_review):
        raise _refuse(application, _("resume"))
    today = today or timezone.localdate()
    paused = (
        max(working_days_between(application.review_paused_on, today), 0)
        if application.review_paused_on
        else 0
    )
    due = application.decision_due_on
    application.resume_review(decision_due_on=add_working_days(due, paused) if due else None)
    _save(application, ["review_paused_on", "decision_due_on", "answered_at"])
    record_event(
        application=application,
        kind=Event.INFORMATION_PROVIDED,
        actor=actor,
        data={
            "paused_working_days": paused,
            "decision_due_on": due.isoformat() if due else None,
            "documents": sorted(document_types or []),
        },
    )
    return paused


def lock_applicant_case(*, application_id: int, applicant: User) -> Application:
    """The applicant's own case, locked (for answering a request); someone else's is "not found"."""
    application = (
        accessible_applications(applicant)
        .select_for_update(of=("self",))
        .select_related("kind", "purpose", "applicant", "unit")
        .filter(pk=application_id)
        .first()
    )
    if application is None:
        raise NotFoundError(_("There is no such application."))
    return application


def mark_decision_drafted(*, application: Application, officer: User) -> None:
    if not can_proceed(application.propose_decision):
        raise _refuse(application, _("draft a decision on"))
    application.propose_decision()
    _save(application, ["answered_at"])
    record_event(application=application, kind=Event.DECISION_DRAFTED, actor=officer)


def mark_decision_returned(*, application: Application, senior: User) -> None:
    if not can_proceed(application.return_to_review):
        raise _refuse(application, _("return the decision on"))
    application.return_to_review()
    _save(application, [])
    record_event(application=application, kind=Event.DECISION_RETURNED, actor=senior)


def mark_decided(*, application: Application, granted: bool, actor: User, data: dict[str, Any]) -> None:
    """Issue the outcome: granted or refused. ``data`` (JSON) goes on the timeline line."""
    transition = application.grant if granted else application.refuse
    if not can_proceed(transition):
        raise _refuse(application, _("decide"))
    if granted:
        application.grant(registration_due_on=registration_deadline(application))
    else:
        application.refuse()
    _save(application, ["decided_at", "closed_at", "registration_due_on"])
    record_event(
        application=application, kind=Event.GRANTED if granted else Event.REFUSED, actor=actor, data=data
    )


def registration_deadline(application: Application, *, today: dt.date | None = None) -> dt.date | None:
    """The day by which a permit granted today must be registered; None when the kind needs no registration."""
    if not application.kind.needs_registration:
        return None
    return (today or timezone.localdate()) + dt.timedelta(days=settings.REGISTRATION_DEADLINE_DAYS)


def reopen_after_complaint(
    *, application: Application, senior: User, reason: str, data: dict[str, Any]
) -> None:
    """The head of the Office overturned the refusal on a complaint: the case is in review again, with a new
    processing deadline counted from today at the application's speed; the timeline says why (``reason``)."""
    from applications.services.lifecycle import decision_due_date

    if not can_proceed(application.reopen):
        raise _refuse(application, _("reopen"))
    application.reopen(
        decision_due_on=decision_due_date(speed=application.processing_speed, start=timezone.localdate())
    )
    _save(application, ["decided_at", "closed_at", "decision_due_on"])
    record_event(application=application, kind=Event.REOPENED, actor=senior, data={**data, "detail": reason})
    logger.info("case.reopened application=%s by=%s", application.pk, senior.pk)


def record_case_event(
    *, application: Application, kind: str, actor: User | None = None, data: dict[str, Any] | None = None
) -> None:
    """A timeline line about the case that changes no state (complaints, errors the Office corrected).
    ``data["detail"]``, when given, is shown under the line."""
    record_event(application=application, kind=kind, actor=actor, data=data or {})


def record_letter_ready(*, application: Application, data: dict[str, Any]) -> None:
    """The worker stored the sealed decision letter: a timeline line (no state change)."""
    record_event(application=application, kind=Event.LETTER_READY, data=data)


def record_case_access(*, officer: User, application_id: int, via: str) -> None:
    """One access-log line each time staff open a case file (page or API); the applicant can read the log.

    Called after the selector found the case within the officer's reach, so it never logs a refused look."""
    application = Application.objects.only("pk", "applicant_id", "reference").get(pk=application_id)
    log_staff_access(
        staff=officer,
        application=application,
        object_type="application",
        object_id=application.pk,
        reason=f"Opened case {application.reference} ({via})",
    )
