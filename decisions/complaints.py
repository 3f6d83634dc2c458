"""Complaints against decisions, and errors the Office owns up to (issue 13, sections 1 and 2).

The applicant contests an issued decision before the head of the Office (``file_complaint``); a senior officer of
the case's unit takes it (``take_complaint``) and answers it (``decide_complaint``): the decision is upheld, or
overturned (a refusal then reopens the case), or the complaint is left without examination. Every answer is a
sealed letter like the decision letter, checkable at /verify/<code>, naming the next step: the administrative
court, by a date. A senior officer records an error on a case (``record_case_error``); the applicant gets an
apology with the correction, and a wrong decision is replaced by a corrected one with a new letter and code.

Each service opens one transaction, locks the case through ``applications.services.review`` (which checks who may
act on it), moves rows only through django-fsm transitions, writes the timeline line and puts the e-mail in the
outbox. Letters are rendered and sealed by a worker after commit; their e-mail goes out once the PDF exists.

Dates (Administrative Procedure Law, Section 41, on counting procedural time periods):
- A period in days ends on its last day; a period in months ends on the same-numbered day of the last month,
  or on that month's last day when it has no such day (31 January + 1 month = 28/29 February).
- When the last day falls on a Saturday, Sunday or public holiday (the Latvian calendar of
  ``applications.calendar``, with 18 November, Christmas Eve to 26 December, 31 December...), the period ends on
  the next working day.
- A decision takes effect when notified: sent electronically, it is deemed notified on the second working day
  after sending (Notification Law, Section 9(2)), so ``Decision.effective_on`` is that day; the complaint's last
  day is 30 days after it (DESIGN.md), moved off a day off. The answer to a complaint takes effect the same way,
  and may be appealed to the District Administrative Court within one month after it takes effect.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.calendar import add_working_days, next_working_day
from applications.models import ApplicationEvent
from applications.selectors import accessible_applications
from applications.services import review
from applications.services.lifecycle import application_recipients, application_url
from applications.services.limits import reserve_upload
from applications.uploads import CheckedFile, delete_stored, inspect_upload, stream_size
from decisions import verification
from decisions.letters import LetterKind, render_letter
from decisions.models import (
    CaseError,
    Complaint,
    ComplaintDocument,
    ComplaintLetter,
    Decision,
    DecisionLetter,
    complaint_upload_path,
)
from decisions.services import NOTIFIED_AFTER_WORKING_DAYS, contest_dates, verify_url
from eservice.exceptions import ConflictError, DomainError, ForbiddenError, NotFoundError
from identity.models import User
from workers.queueing import enqueue_on_commit

logger = logging.getLogger(__name__)

Event = ApplicationEvent.Kind

# The District Administrative Court hears an appeal against the head of the Office's answer lodged within one
# month after that answer takes effect (Administrative Procedure Law, Section 188(2)).
COURT_MONTHS = 1
# Documents one complaint may carry, and the longest complaint text.
MAX_COMPLAINT_FILES = 5
MAX_COMPLAINT_TEXT = 20_000
MAX_TEXT = 5_000


@dataclass(frozen=True)
class AttachmentRules:
    """What a complaint's documents may be: the same content checks as an application's uploads
    (``applications.uploads.inspect_upload`` reads only these two attributes of a document type)."""

    accepted_content_types: tuple[str, ...] = ("application/pdf", "image/jpeg", "image/png")
    max_size_bytes: int = 10 * 1024 * 1024


ATTACHMENT_RULES = AttachmentRules()


class ComplaintInputError(DomainError):
    code = "invalid_complaint"


class ComplaintDeadlinePassedError(DomainError):
    code = "complaint_deadline_passed"


class CaseErrorInputError(DomainError):
    code = "invalid_error_record"


# --- dates --------------------------------------------------------------------------------------------------
def add_months(day: dt.date, months: int) -> dt.date:
    """The same-numbered day ``months`` later, or the last day of that month when it has no such day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def complaint_last_day(decision: Decision) -> dt.date | None:
    """The last day the applicant may contest ``decision`` (set when it was issued; see ``contest_dates``)."""
    return decision.contest_until


def answer_due_on(received_on: dt.date) -> dt.date:
    """The Office's own deadline for answering a complaint: COMPLAINT_ANSWER_MONTHS after it arrived."""
    return next_working_day(add_months(received_on, settings.COMPLAINT_ANSWER_MONTHS))


def outcome_dates(sent_on: dt.date) -> tuple[dt.date, dt.date]:
    """When an answer sent on ``sent_on`` takes effect, and the last day to appeal it to the court."""
    effective_on = add_working_days(sent_on, NOTIFIED_AFTER_WORKING_DAYS)
    return effective_on, next_working_day(add_months(effective_on, COURT_MONTHS))


# --- filing -------------------------------------------------------------------------------------------------
def _own_decision(*, decision_id: int, applicant: User) -> Decision:
    """An issued (or since replaced) decision on an application ``applicant`` may act on: theirs, or one they
    represent."""
    decision = (
        Decision.objects.select_related("application")
        .filter(pk=decision_id, application__in=accessible_applications(applicant))
        .exclude(state__in=[Decision.State.DRAFT, Decision.State.RETURNED])
        .first()
    )
    if decision is None:
        raise NotFoundError(_("There is no such decision."))
    return decision


def _check_can_file(decision: Decision, today: dt.date) -> None:
    if decision.state != Decision.State.ISSUED:
        raise ConflictError(
            _("This decision no longer stands, so there is nothing to contest."),
            details={"state": decision.state, "allowed_actions": []},
        )
    last_day = complaint_last_day(decision)
    if last_day is None or today > last_day:
        raise ComplaintDeadlinePassedError(
            _("The last day to contest this decision was %(date)s.")
            % {"date": last_day.isoformat() if last_day else "-"},
            details={"last_day": last_day.isoformat() if last_day else None},
        )


def _open_complaint(decision: Decision) -> Complaint | None:
    return Complaint.objects.filter(decision=decision, state__in=Complaint.OPEN_STATES).first()


def _refuse_second(open_complaint: Complaint) -> ConflictError:
    return ConflictError(
        _("You have already contested this decision; the Office has not answered yet."),
        details={"state": open_complaint.state, "allowed_actions": [], "complaint": open_complaint.pk},
    )


def _check_files(files: list[tuple[str, IO[bytes]]], applicant: User) -> list[CheckedFile]:
    if len(files) > MAX_COMPLAINT_FILES:
        raise ComplaintInputError(
            _("Attach at most %(count)s documents.") % {"count": MAX_COMPLAINT_FILES},
            details={"files": [_("Attach at most %(count)s documents.") % {"count": MAX_COMPLAINT_FILES}]},
        )
    checked = []
    for filename, stream in files:
        reserve_upload(user=applicant, size=stream_size(stream))
        try:
            checked.append(inspect_upload(stream=stream, filename=filename, document_type=ATTACHMENT_RULES))
        except DomainError as error:
            error.details = {**(error.details or {}), "file": filename[:150]}
            raise
    return checked


def file_complaint(
    *,
    decision_id: int,
    applicant: User,
    text: str,
    files: list[tuple[str, IO[bytes]]] | None = None,
    today: dt.date | None = None,
) -> Complaint:
    """The applicant (or their representative: ``applicant`` is who files, and the complaint records them)
    contests an issued decision before its last day, with text and documents (checked and rebuilt like
    application uploads). Someone else's decision, or none: 404. After the last day: 400. A second complaint
    while one is open: 409. Nothing is stored unless all of it is accepted."""
    today = today or timezone.localdate()
    text = (text or "").strip()
    decision = _own_decision(decision_id=decision_id, applicant=applicant)
    _check_can_file(decision, today)  # before the slow file checks; checked again under the lock
    if not text:
        raise ComplaintInputError(
            _("Some fields are not valid."), details={"text": [_("Write why you contest the decision.")]}
        )
    if len(text) > MAX_COMPLAINT_TEXT:
        raise ComplaintInputError(
            _("Some fields are not valid."),
            details={"text": [_("At most %(count)s characters.") % {"count": MAX_COMPLAINT_TEXT}]},
        )
    open_complaint = _open_complaint(decision)
    if open_complaint is not None:
        raise _refuse_second(open_complaint)
    checked = _check_files(list(files or []), applicant)
    stored = [
        default_storage.save(complaint_upload_path(None, f"x.{item.extension}"), ContentFile(item.content))
        for item in checked
    ]
    try:
        with transaction.atomic():
            complaint = _create_complaint(
                decision_id=decision.pk,
                application_id=decision.application_id,
                applicant=applicant,
                text=text,
                today=today,
                checked=checked,
                stored=stored,
            )
    except Exception:
        for name in stored:
            delete_stored(name)
        raise
    return complaint


def _create_complaint(
    *,
    decision_id: int,
    application_id: int,
    applicant: User,
    text: str,
    today: dt.date,
    checked: list[CheckedFile],
    stored: list[str],
) -> Complaint:
    from workers.services import notify

    application = review.lock_applicant_case(application_id=application_id, applicant=applicant)
    decision = Decision.objects.select_for_update().get(pk=decision_id)
    _check_can_file(decision, today)
    open_complaint = _open_complaint(decision)
    if open_complaint is not None:
        raise _refuse_second(open_complaint)
    complaint = Complaint.objects.create(
        decision=decision,
        application=application,
        applicant=applicant,
        text=text,
        answer_due_on=answer_due_on(today),
    )
    for item, name in zip(checked, stored, strict=True):
        document = ComplaintDocument(
            complaint=complaint,
            original_filename=item.original_filename,
            content_type=item.content_type,
            size=item.size,
            sha256=item.sha256,
        )
        document.file.name = name
        document.save()
    review.record_case_event(
        application=application,
        kind=Event.COMPLAINT_RECEIVED,
        actor=applicant,
        data={"complaint": complaint.pk, "answer_due_on": complaint.answer_due_on.isoformat()},
    )
    notify(
        recipient=applicant,
        event="complaint_received",
        context={
            "reference": application.reference or "",
            "url": application_url(application),
            "received_on": today.isoformat(),
            "answer_due_on": complaint.answer_due_on.isoformat(),
            "documents": len(checked),
        },
    )
    logger.info("complaint.received id=%s decision=%s", complaint.pk, decision.pk)
    return complaint


# --- the back office ----------------------------------------------------------------------------------------
def _require_senior(user: User) -> None:
    if not user.is_senior_officer:
        raise ForbiddenError(_("Only a senior officer may handle complaints."))


def _lock_complaint(*, complaint_id: int, senior: User) -> tuple[Complaint, Any]:
    """The complaint and its case, locked, if ``senior`` may act on the case; otherwise "not found"."""
    _require_senior(senior)
    application_id = (
        Complaint.objects.filter(pk=complaint_id).values_list("application_id", flat=True).first()
    )
    if application_id is None:
        raise NotFoundError(_("There is no such complaint."))
    application = review.lock_case(application_id=application_id, officer=senior)
    complaint = Complaint.objects.select_for_update().select_related("decision").get(pk=complaint_id)
    return complaint, application


def _complaint_conflict(complaint: Complaint, message: str) -> ConflictError:
    allowed = {"received": ["take", "decide"], "under_consideration": ["decide"]}.get(complaint.state, [])
    return ConflictError(message, details={"state": complaint.state, "allowed_actions": allowed})


@transaction.atomic
def take_complaint(*, complaint_id: int, senior: User) -> Complaint:
    """A senior officer of the case's unit starts considering a received complaint."""
    complaint, application = _lock_complaint(complaint_id=complaint_id, senior=senior)
    if complaint.state != Complaint.State.RECEIVED:
        raise _complaint_conflict(complaint, _("This complaint is already being considered or answered."))
    complaint.take(officer_id=senior.pk)
    complaint.save(update_fields=["state", "handled_by", "taken_at"])
    review.record_case_event(
        application=application, kind=Event.COMPLAINT_TAKEN, actor=senior, data={"complaint": complaint.pk}
    )
    logger.info("complaint.taken id=%s by=%s", complaint.pk, senior.pk)
    return complaint


_OUTCOME_EVENTS = {
    Complaint.State.UPHELD: Event.COMPLAINT_UPHELD,
    Complaint.State.OVERTURNED: Event.COMPLAINT_OVERTURNED,
    Complaint.State.LEFT_WITHOUT_EXAMINATION: Event.COMPLAINT_NOT_EXAMINED,
}


@transaction.atomic
def decide_complaint(
    *, complaint_id: int, senior: User, outcome: str, reasoning: str, today: dt.date | None = None
) -> Complaint:
    """The head of the Office's answer, prepared by a senior officer of the unit: the decision is upheld, or
    overturned (a refusal reopens the case, back to in_review), or the complaint is left without examination.
    A letter with the reasons and the way to court is rendered, sealed and e-mailed after commit.

    A complaint still "received" is taken in the same step. A grant cannot be overturned here: a wrong grant
    is corrected by recording an error with a corrected decision."""
    reasoning = (reasoning or "").strip()
    errors: dict[str, list[str]] = {}
    if outcome not in Complaint.OUTCOMES:
        errors["outcome"] = [_("Choose: upheld, overturned or left without examination.")]
    if not reasoning:
        errors["reasoning"] = [_("Give the reasons for the answer.")]
    if errors:
        raise ComplaintInputError(_("Some fields are not valid."), details=errors)
    complaint, application = _lock_complaint(complaint_id=complaint_id, senior=senior)
    if not complaint.is_open:
        raise _complaint_conflict(complaint, _("This complaint has already been answered."))
    decision = Decision.objects.select_for_update().get(pk=complaint.decision_id)
    if outcome == Complaint.State.OVERTURNED and decision.state != Decision.State.ISSUED:
        raise ConflictError(
            _("The contested decision was replaced by a corrected one meanwhile; it cannot be overturned."),
            details={
                "state": complaint.state,
                "decision_state": decision.state,
                "allowed_actions": ["decide"],
            },
        )
    if outcome == Complaint.State.OVERTURNED and not decision.is_refusal:
        raise ComplaintInputError(
            _("Some fields are not valid."),
            details={"outcome": [_("A grant is corrected by recording an error with a corrected decision.")]},
        )
    if complaint.state == Complaint.State.RECEIVED:
        complaint.take(officer_id=senior.pk)
    effective_on, court_until = outcome_dates(today or timezone.localdate())
    transition = {
        Complaint.State.UPHELD: complaint.uphold,
        Complaint.State.OVERTURNED: complaint.overturn,
        Complaint.State.LEFT_WITHOUT_EXAMINATION: complaint.leave_without_examination,
    }[outcome]
    transition(
        officer_id=senior.pk,
        reasoning=reasoning[:MAX_COMPLAINT_TEXT],
        effective_on=effective_on,
        court_until=court_until,
    )
    complaint.save(
        update_fields=[
            "state",
            "handled_by",
            "taken_at",
            "reasoning",
            "decided_at",
            "effective_on",
            "court_until",
        ]
    )
    review.record_case_event(
        application=application,
        kind=_OUTCOME_EVENTS[outcome],
        actor=senior,
        data={
            "complaint": complaint.pk,
            "court_until": court_until.isoformat(),
            "detail": complaint.reasoning,
        },
    )
    if outcome == Complaint.State.OVERTURNED:
        decision.overturn()
        decision.save(update_fields=["state", "ended_at"])
        review.reopen_after_complaint(
            application=application,
            senior=senior,
            reason=complaint.reasoning,  # the timeline words it in the reader's language
            data={"complaint": complaint.pk, "decision": decision.pk},
        )
    letter = ComplaintLetter.objects.create(
        complaint=complaint,
        verification_code=verification.new_code(),
        language=application.applicant.preferred_language,
    )
    enqueue_on_commit("decisions.tasks.render_complaint_letter", letter.pk)
    logger.info("complaint.decided id=%s outcome=%s letter=%s", complaint.pk, outcome, letter.pk)
    return complaint


def _complaint_letter_context(letter: ComplaintLetter) -> dict[str, Any]:
    complaint = letter.complaint
    application = complaint.application
    url = verify_url(letter.verification_code)
    return {
        "complaint": complaint,
        "decision": complaint.decision,
        "application": application,
        "officer": complaint.handled_by,
        "unit": application.unit,
        "languages": list(dict.fromkeys([letter.language, "lv"])),
        "verification_code": verification.display(letter.verification_code),
        "verify_url": url,
        "qr_code": verification.qr_svg_data_uri(url),
    }


def _announce_complaint_letter(letter: ComplaintLetter, context: dict[str, Any]) -> None:
    from workers.services import notify

    application = context["application"]
    complaint = letter.complaint
    review.record_case_event(
        application=application,
        kind=Event.COMPLAINT_LETTER_READY,
        data={"complaint": complaint.pk, "letter": letter.pk},
    )
    # The answer goes to whoever filed the complaint (the applicant or their representative) and to the people
    # the application's mail always goes to.
    recipients = application_recipients(application)
    if complaint.applicant_id not in {recipient.pk for recipient in recipients}:
        recipients.append(complaint.applicant)
    for recipient in recipients:
        notify(
            recipient=recipient,
            event="complaint_decided",
            actor=complaint.handled_by,
            context={
                "reference": application.reference or "",
                "url": application_url(application),
                "outcome": complaint.state,
                "reasoning": complaint.reasoning,
                "effective_on": complaint.effective_on.isoformat(),
                "court_until": complaint.court_until.isoformat(),
                "verification_code": verification.display(letter.verification_code),
                "verify_url": context["verify_url"],
            },
            send_here=True,  # this worker sends them after commit (decisions.letters)
        )


COMPLAINT_LETTER = LetterKind(
    model=ComplaintLetter,
    related=(
        "complaint__applicant",
        "complaint__application__applicant",
        "complaint__application__unit",
        "complaint__application__kind",
        "complaint__application__purpose",
        "complaint__decision",
        "complaint__handled_by__unit",
    ),
    template_name="complaint_letter.html",
    document_kind="complaint_letter",
    filename_prefix="complaint",
    seal_reason="Answer to a complaint on application {reference}",
    log_event="complaint.letter_ready",
    context=_complaint_letter_context,
    announce=_announce_complaint_letter,
)


def render_complaint_letter(*, letter_id: int) -> ComplaintLetter:
    """Render, seal and store the answer to a complaint, then e-mail the applicant (``decisions.letters``).
    Safe to run twice."""
    return render_letter(COMPLAINT_LETTER, letter_id=letter_id)


# --- errors and apologies -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class DecisionCorrection:
    """What a corrected decision changes; empty fields keep the wrong decision's values."""

    reasoning: str = ""
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


@transaction.atomic
def record_case_error(
    *,
    application_id: int,
    senior: User,
    what_was_wrong: str,
    what_is_done: str,
    correction: str,
    corrected_decision: DecisionCorrection | None = None,
) -> CaseError:
    """A senior officer of the case's unit records an error the Office made: the applicant is told what was
    wrong and the corrected information, with an apology, at once (the customer service standard: "apologize
    without delay"). With ``corrected_decision``, the issued decision was wrong: a corrected decision with the
    same outcome replaces it, with a new letter and a new verification code (/verify/ of the old code then says
    it was replaced). Its contest dates are counted afresh from today, so a correction never shortens the
    applicant's time to contest."""
    from workers.services import notify

    _require_senior(senior)
    texts = {
        "what_was_wrong": (what_was_wrong or "").strip(),
        "what_is_done": (what_is_done or "").strip(),
        "correction": (correction or "").strip(),
    }
    errors = {name: [_("This field is required.")] for name, value in texts.items() if not value}
    errors.update(
        {
            name: [_("At most %(count)s characters.") % {"count": MAX_TEXT}]
            for name, value in texts.items()
            if len(value) > MAX_TEXT
        }
    )
    if errors:
        raise CaseErrorInputError(_("Some fields are not valid."), details=errors)
    application = review.lock_case(application_id=application_id, officer=senior)
    if application.submitted_at is None:
        raise ConflictError(
            _("The Office has not handled this application yet."),
            details={"state": application.state, "allowed_actions": review.officer_actions(application)},
        )
    new_decision = None
    if corrected_decision is not None:
        new_decision = _replace_decision(
            application=application, senior=senior, correction=corrected_decision
        )
    record = CaseError.objects.create(
        application=application,
        recorded_by=senior,
        unit_id=application.unit_id,
        corrected_decision=new_decision,
        **texts,
    )
    review.record_case_event(
        application=application,
        kind=Event.ERROR_RECORDED,
        actor=senior,
        data={"error": record.pk, "detail": f"{texts['what_was_wrong']} — {texts['correction']}"},
    )
    notify(
        recipient=application.applicant,
        event="error_apology",
        actor=senior,
        context={
            "reference": application.reference or "",
            "url": application_url(application),
            **texts,
            "letter_replaced": new_decision is not None,
        },
    )
    logger.info(
        "case_error.recorded id=%s application=%s corrected=%s", record.pk, application.pk, bool(new_decision)
    )
    return record


def _replace_decision(*, application, senior: User, correction: DecisionCorrection) -> Decision:
    old = (
        Decision.objects.select_for_update()
        .filter(application=application, state=Decision.State.ISSUED)
        .first()
    )
    if old is None:
        raise ConflictError(
            _("There is no issued decision on this case to correct."),
            details={"state": application.state, "allowed_actions": review.officer_actions(application)},
        )
    valid_from = correction.valid_from or old.valid_from
    valid_to = correction.valid_to or old.valid_to
    if not old.is_refusal and (valid_from is None or valid_to is None or valid_to < valid_from):
        raise CaseErrorInputError(
            _("Some fields are not valid."),
            details={"valid_to": [_("The permit must end on or after the day it starts.")]},
        )
    new = Decision.objects.create(
        application=application,
        outcome=old.outcome,
        reasoning=(correction.reasoning or "").strip()[:20_000] or old.reasoning,
        valid_from=valid_from if not old.is_refusal else None,
        valid_to=valid_to if not old.is_refusal else None,
        drafted_by=senior,
    )
    new.legal_grounds.set(old.legal_grounds.all())
    # The old one leaves "issued" first: a case has one issued decision at a time (a database constraint).
    old.replace(replaced_by_id=new.pk)
    old.save(update_fields=["state", "ended_at", "replaced_by"])
    effective_on, contest_until = contest_dates(timezone.localdate())
    new.issue(approved_by_id=senior.pk, effective_on=effective_on, contest_until=contest_until)
    new.save(update_fields=["state", "approved_by", "issued_at", "effective_on", "contest_until"])
    letter = DecisionLetter.objects.create(
        decision=new,
        verification_code=verification.new_code(),
        language=application.applicant.preferred_language,
    )
    review.record_case_event(
        application=application,
        kind=Event.DECISION_CORRECTED,
        actor=senior,
        data={"decision": new.pk, "replaces": old.pk},
    )
    enqueue_on_commit("decisions.tasks.render_decision_letter", letter.pk)
    logger.info("decision.replaced old=%s new=%s letter=%s", old.pk, new.pk, letter.pk)
    return new


def complaint_letter_url(complaint: Complaint) -> str:
    return reverse("decisions:complaint-letter", args=[complaint.pk])
