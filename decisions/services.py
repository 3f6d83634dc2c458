"""The back office's writes: information requests and answers, decisions with four eyes, and decision letters.

Each service opens one transaction, locks the case through ``applications.services.review`` (which also checks
that the officer may act on it: their unit, or assigned to them), writes its own rows, moves the application
through the review functions (transition + timeline line) and puts e-mails in the outbox. The letter PDF is
rendered and sealed by a worker after commit; its e-mail goes out once the PDF exists.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from applications.calendar import add_working_days, next_working_day
from applications.models import Application, ApplicationDocument, DocumentType, LegalGround
from applications.services import review
from applications.services.lifecycle import application_url, notify_applicant
from applications.surveys.services import invite_to_survey
from decisions import verification
from decisions.letters import LetterKind, render_letter
from decisions.models import Decision, DecisionLetter, InformationRequest
from eservice.exceptions import ConflictError, DomainError, ForbiddenError, NotFoundError
from identity.models import User
from workers.queueing import enqueue_on_commit

logger = logging.getLogger(__name__)

# An information request's answer-by date unless the officer sets one (working days).
DEFAULT_ANSWER_WORKING_DAYS = 10
# The longest an officer may give the applicant (calendar days).
MAX_ANSWER_DAYS = 90
# Notification Law, Section 9(2): a document sent electronically is deemed notified on the second working day
# after it was sent; an administrative act takes effect when notified (Administrative Procedure Law, s. 70).
NOTIFIED_AFTER_WORKING_DAYS = 2
# DESIGN.md: the applicant may contest within 30 days after the decision takes effect (to the head of the
# Office); a last day that falls on a day off moves to the next working day.
CONTEST_DAYS = 30


class InformationRequestError(DomainError):
    code = "invalid_request"


class DecisionInputError(DomainError):
    code = "invalid_decision"


class FourEyesError(ForbiddenError):
    code = "four_eyes"
    default_message = _("A second officer must approve this decision.")


def default_answer_by(today: dt.date | None = None) -> dt.date:
    return add_working_days(today or timezone.localdate(), DEFAULT_ANSWER_WORKING_DAYS)


def _document_names(document_types: Iterable[DocumentType], language: str) -> list[str]:
    with translation.override(language):
        return [str(document_type.name) for document_type in document_types]


@transaction.atomic
def request_information(
    *,
    application_id: int,
    officer: User,
    message: str,
    document_type_ids: list[int] | None = None,
    other_items: str = "",
    answer_by: dt.date | None = None,
) -> InformationRequest:
    """Ask the applicant for documents (from the catalogue) and/or other things by a date; the case waits and
    its deadline stops until they answer."""
    message, other_items = (message or "").strip(), (other_items or "").strip()
    today = timezone.localdate()
    answer_by = answer_by or default_answer_by(today)
    errors: dict[str, list[str]] = {}
    if not message:
        errors["message"] = [_("Write what the applicant should do.")]
    if not document_type_ids and not other_items:
        errors["document_type_ids"] = [_("Choose at least one document or describe what is missing.")]
    if answer_by <= today:
        errors["answer_by"] = [_("The answer-by date must be after today.")]
    elif answer_by > today + dt.timedelta(days=MAX_ANSWER_DAYS):
        errors["answer_by"] = [
            _("The answer-by date may be at most %(days)s days ahead.") % {"days": MAX_ANSWER_DAYS}
        ]
    document_types = list(DocumentType.objects.filter(pk__in=document_type_ids or []).order_by("pk"))
    if len(document_types) != len(set(document_type_ids or [])):
        errors["document_type_ids"] = [_("Some of these documents are not in the catalogue.")]
    if errors:
        raise InformationRequestError(_("Some fields are not valid."), details=errors)

    application = review.lock_case(application_id=application_id, officer=officer)
    review.pause_for_applicant(application=application, officer=officer, answer_by=answer_by)
    request = InformationRequest.objects.create(
        application=application,
        requested_by=officer,
        message=message,
        other_items=other_items,
        answer_by=answer_by,
    )
    request.document_types.set(document_types)

    notify_applicant(
        application=application,
        event="information_requested",
        actor=officer,
        context={
            "reference": application.reference or "",
            "url": application_url(application),
            "message": message,
            "documents": _document_names(document_types, application.applicant.preferred_language),
            "other_items": other_items,
            "answer_by": answer_by.isoformat(),
        },
    )
    logger.info("information_request.created id=%s application=%s", request.pk, application.pk)
    return request


@transaction.atomic
def answer_information_request(
    *, application_id: int, request_id: int, applicant: User, answer_text: str = ""
) -> InformationRequest:
    """The applicant says they have answered (documents uploaded, explanation written): the case goes back
    to the officer, at the top of the queue, and the deadline runs again with the paused days added."""
    application = review.lock_applicant_case(application_id=application_id, applicant=applicant)
    request = (
        InformationRequest.objects.select_for_update().filter(pk=request_id, application=application).first()
    )
    if request is None:
        raise NotFoundError(_("There is no such request."))
    if request.state != InformationRequest.State.OPEN:
        raise ConflictError(
            _("This request has already been answered."),
            details={"state": request.state, "allowed_actions": []},
        )
    request.state = InformationRequest.State.ANSWERED
    request.answered_at = timezone.now()
    request.answer_text = (answer_text or "").strip()[:5000]
    request.save(update_fields=["state", "answered_at", "answer_text"])
    sent = ApplicationDocument.objects.filter(
        application=application, replaced_at__isnull=True, uploaded_at__gte=request.created_at
    ).values_list("document_type__code", flat=True)
    review.resume_after_answer(application=application, actor=applicant, document_types=list(sent))
    logger.info("information_request.answered id=%s application=%s", request.pk, application.pk)
    return request


def _validate_decision(
    *,
    application: Application,
    outcome: str,
    legal_grounds: list[LegalGround],
    asked_ground_ids: set[int],
    reasoning: str,
    valid_from: dt.date | None,
    valid_to: dt.date | None,
) -> None:
    errors: dict[str, list[str]] = {}
    if outcome not in Decision.Outcome.values:
        errors["outcome"] = [_("Choose grant or refusal.")]
    if not reasoning:
        errors["reasoning"] = [_("Write the reasoning of the decision.")]
    if len(legal_grounds) != len(asked_ground_ids):
        errors["legal_ground_ids"] = [_("Some of these legal grounds cannot be cited for this application.")]
    elif outcome == Decision.Outcome.REFUSE and not legal_grounds:
        errors["legal_ground_ids"] = [_("A refusal must state its legal basis: choose at least one ground.")]
    elif any(ground.outcome != outcome for ground in legal_grounds):
        errors["legal_ground_ids"] = [_("Each legal ground must support this outcome.")]
    if outcome == Decision.Outcome.GRANT:
        if valid_from is None or valid_to is None:
            errors["valid_from"] = [_("A granted permit needs its validity: from and until.")]
        elif valid_to < valid_from:
            errors["valid_to"] = [_("The permit cannot end before it begins.")]
    elif valid_from or valid_to:
        errors["valid_from"] = [_("A refusal has no permit validity.")]
    if errors:
        raise DecisionInputError(_("Some fields are not valid."), details=errors)


def _citable_grounds(application: Application, ground_ids: set[int]) -> list[LegalGround]:
    from django.db.models import Q

    return list(
        LegalGround.objects.filter(pk__in=ground_ids, is_active=True)
        .filter(Q(kinds__isnull=True) | Q(kinds=application.kind_id))
        .filter(Q(purpose__isnull=True) | Q(purpose=application.purpose_id))
        .distinct()
        .order_by("pk")
    )


def needs_approval(*, decision: Decision, application: Application) -> bool:
    """Four eyes: every refusal, and every grant where the unit says so."""
    return decision.is_refusal or bool(application.unit and application.unit.grants_need_approval)


@transaction.atomic
def draft_decision(
    *,
    application_id: int,
    officer: User,
    outcome: str,
    legal_ground_ids: list[int],
    reasoning: str,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
) -> Decision:
    """The handling officer drafts the decision. A refusal (or any grant where the unit requires it) waits
    for a senior officer's approval; otherwise the grant is issued at once."""
    application = review.lock_case(application_id=application_id, officer=officer)
    if application.assigned_officer_id != officer.pk and not officer.is_senior_officer:
        raise ForbiddenError(_("Only the officer handling this case may draft its decision."))
    reasoning = (reasoning or "").strip()
    asked = set(legal_ground_ids or [])
    grounds = _citable_grounds(application, asked)
    _validate_decision(
        application=application,
        outcome=outcome,
        legal_grounds=grounds,
        asked_ground_ids=asked,
        reasoning=reasoning,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    review.mark_decision_drafted(application=application, officer=officer)
    decision = Decision.objects.create(
        application=application,
        outcome=outcome,
        reasoning=reasoning,
        valid_from=valid_from if outcome == Decision.Outcome.GRANT else None,
        valid_to=valid_to if outcome == Decision.Outcome.GRANT else None,
        drafted_by=officer,
    )
    decision.legal_grounds.set(grounds)
    logger.info("decision.drafted id=%s application=%s outcome=%s", decision.pk, application.pk, outcome)
    if not needs_approval(decision=decision, application=application):
        _issue(decision=decision, application=application, approver=None)
    return decision


def _lock_draft(application: Application) -> Decision:
    decision = (
        Decision.objects.select_for_update()
        .filter(application=application, state=Decision.State.DRAFT)
        .select_related("drafted_by")
        .first()
    )
    if decision is None:
        raise ConflictError(
            _("There is no decision waiting for approval on this case."),
            details={"state": application.state, "allowed_actions": review.officer_actions(application)},
        )
    return decision


def _require_senior(user: User) -> None:
    if not user.is_senior_officer:
        raise FourEyesError(_("Only a senior officer may approve or return a decision."))


@transaction.atomic
def approve_decision(*, application_id: int, senior: User) -> Decision:
    """A senior officer who did not draft the decision approves it: it is issued."""
    _require_senior(senior)
    application = review.lock_case(application_id=application_id, officer=senior)
    decision = _lock_draft(application)
    if decision.drafted_by_id == senior.pk:
        raise FourEyesError(_("You drafted this decision: another senior officer must approve it."))
    _issue(decision=decision, application=application, approver=senior)
    return decision


@transaction.atomic
def return_decision(*, application_id: int, senior: User, comment: str) -> Decision:
    """A senior officer sends the draft back with a comment; the case is in review again."""
    _require_senior(senior)
    comment = (comment or "").strip()
    if not comment:
        raise DecisionInputError(
            _("Some fields are not valid."), details={"comment": [_("Say why the draft goes back.")]}
        )
    application = review.lock_case(application_id=application_id, officer=senior)
    decision = _lock_draft(application)
    if decision.drafted_by_id == senior.pk:
        raise FourEyesError(_("You drafted this decision: another senior officer must review it."))
    decision.send_back(returned_by_id=senior.pk, comment=comment[:5000])
    decision.save(update_fields=["state", "returned_by", "return_comment"])
    review.mark_decision_returned(application=application, senior=senior)
    logger.info("decision.returned id=%s application=%s", decision.pk, application.pk)
    return decision


def last_day_to_contest(effective_on: dt.date) -> dt.date:
    """CONTEST_DAYS calendar days after the decision takes effect; when that day is a Saturday, Sunday or public
    holiday (18 November, Christmas Eve to 26 December, 31 December...), the next working day (Administrative
    Procedure Law, Section 41: a period ending on a day off ends on the next working day)."""
    return next_working_day(effective_on + dt.timedelta(days=CONTEST_DAYS))


def contest_dates(issued_on: dt.date) -> tuple[dt.date, dt.date]:
    """When a decision sent on ``issued_on`` takes effect, and the last day to contest it."""
    effective_on = add_working_days(issued_on, NOTIFIED_AFTER_WORKING_DAYS)
    return effective_on, last_day_to_contest(effective_on)


def _issue(*, decision: Decision, application: Application, approver: User | None) -> None:
    effective_on, contest_until = contest_dates(timezone.localdate())
    decision.issue(
        approved_by_id=approver.pk if approver else None,
        effective_on=effective_on,
        contest_until=contest_until,
    )
    decision.save(update_fields=["state", "approved_by", "issued_at", "effective_on", "contest_until"])
    review.mark_decided(
        application=application,
        granted=decision.outcome == Decision.Outcome.GRANT,
        actor=approver or decision.drafted_by,
        data={"decision": decision.pk},
    )
    letter = DecisionLetter.objects.create(
        decision=decision,
        verification_code=verification.new_code(),
        language=application.applicant.preferred_language,
    )
    enqueue_on_commit("decisions.tasks.render_decision_letter", letter.pk)
    logger.info("decision.issued id=%s application=%s letter=%s", decision.pk, application.pk, letter.pk)


def verify_url(code: str) -> str:
    from workers.services import absolute_url

    return absolute_url(reverse("decisions:verify", args=[verification.display(code)]))


def _letter_context(letter: DecisionLetter) -> dict[str, Any]:
    decision = letter.decision
    application = decision.application
    url = verify_url(letter.verification_code)
    languages = list(dict.fromkeys([letter.language, "lv"]))  # the reader's language first; Latvian binds
    return {
        "decision": decision,
        "application": application,
        "grounds": list(decision.legal_grounds.order_by("pk")),
        "officer": decision.approved_by or decision.drafted_by,
        "drafted_by": decision.drafted_by,
        "unit": application.unit,
        "languages": languages,
        "verification_code": verification.display(letter.verification_code),
        "verify_url": url,
        "qr_code": verification.qr_svg_data_uri(url),
    }


def _announce_decision_letter(letter: DecisionLetter, context: dict[str, Any]) -> None:
    application = context["application"]
    review.record_letter_ready(application=application, data={"letter": letter.pk})
    decision = letter.decision
    notify_applicant(
        application=application,
        event="decision_issued",
        actor=decision.approved_by or decision.drafted_by,
        context={
            "reference": application.reference or "",
            "url": application_url(application),
            "granted": decision.outcome == Decision.Outcome.GRANT,
            "contest_until": decision.contest_until.isoformat() if decision.contest_until else "",
            "verification_code": verification.display(letter.verification_code),
            "verify_url": context["verify_url"],
        },
        send_here=True,  # this worker sends it after commit (decisions.letters)
    )
    # The survey asks about the service once the decision has reached the applicant (its e-mail first).
    invite_to_survey(application=application, occasion="decision")


DECISION_LETTER = LetterKind(
    model=DecisionLetter,
    # One row: the few rows the template reads besides, loaded as it reads them, take about half the time of
    # one join over eleven wide tables (12 against 21 ms, benchmarks/bench_backoffice.py's letter).
    related=("decision__application",),
    template_name="decision_letter.html",
    document_kind="decision_letter",
    filename_prefix="decision",
    seal_reason="Decision on application {reference}",
    log_event="decision.letter_ready",
    context=_letter_context,
    announce=_announce_decision_letter,
)


def render_decision_letter(*, letter_id: int) -> DecisionLetter:
    """Render, seal and store the letter, then e-mail the applicant (``decisions.letters``). Safe to run twice
    (a retried task): the second run finds the PDF stored and does nothing."""
    return render_letter(DECISION_LETTER, letter_id=letter_id)


# One reminder this many working days before the answer-by date (issue 11: "3 working days before").
REMINDER_WORKING_DAYS = 3


def send_information_request_reminders(*, today: dt.date | None = None) -> list[int]:
    """Remind applicants once, 3 working days before their answer-by date (the daily beat job). Returns the
    ids of the requests reminded. Safe to run twice a day: ``reminder_sent_at`` is set in the same transaction
    as the outbox row."""

    today = today or timezone.localdate()
    horizon = add_working_days(today, REMINDER_WORKING_DAYS)
    reminded = []
    candidates = InformationRequest.objects.filter(
        state=InformationRequest.State.OPEN,
        reminder_sent_at__isnull=True,
        answer_by__gt=today,
        answer_by__lte=horizon,
    ).values_list("pk", flat=True)
    for request_id in candidates:
        with transaction.atomic():
            request = (
                InformationRequest.objects.select_for_update(of=("self",))
                .select_related("application__applicant", "requested_by__unit")
                .filter(pk=request_id, state=InformationRequest.State.OPEN, reminder_sent_at__isnull=True)
                .first()
            )
            if request is None:
                continue
            application = request.application
            notify_applicant(
                application=application,
                event="information_reminder",
                actor=request.requested_by,
                context={
                    "reference": application.reference or "",
                    "url": application_url(application),
                    "answer_by": request.answer_by.isoformat(),
                },
            )
            request.reminder_sent_at = timezone.now()
            request.save(update_fields=["reminder_sent_at"])
            reminded.append(request.pk)
    logger.info("information_request.reminders sent=%s", len(reminded))
    return reminded
