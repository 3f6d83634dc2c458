"""The applicant's side of an application's life: start, edit, submit, withdraw; draft expiry; the timeline.

Each write locks the application row, calls the django-fsm transition, saves with ``update_fields``, writes a
timeline event and puts its e-mail in the outbox in the same transaction; PDFs are queued after commit.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed, has_transition_perm

from applications.calendar import add_working_days
from applications.completeness import allowed_actions, field_errors, list_missing_items
from applications.hooks import run_on_withdrawn
from applications.models import (
    Application,
    ApplicationDocument,
    ApplicationEvent,
    ApplicationKind,
    ProcessingSpeed,
    Purpose,
)
from applications.models.application import PERSONAL_FIELDS, may_act_on, reference_for
from applications.selectors import (
    accessible_applications,
    get_purpose,
    get_residence_permit_unit,
    list_requirements,
    parse_speed,
)
from applications.services.limits import check_open_drafts
from eservice.exceptions import ConflictError, DomainError, InvalidTransitionError, NotFoundError
from identity.models import ApplicantProfile, StaffAccessLog, TerritorialUnit, User
from workers.pdf import render_pdf
from workers.queueing import enqueue_on_commit
from workers.selectors import get_generated_document
from workers.services import absolute_url, notify, store_pdf

logger = logging.getLogger(__name__)

Event = ApplicationEvent.Kind

# Fields the applicant edits through the form or PATCH; everything else moves only through services.
# ``unit``: where the applicant gives biometrics and collects the card (a unit code, or the unit itself).
EDITABLE_FIELDS = frozenset({"processing_speed", "unit", *Application.APPLICANT_FIELDS})
UPPERCASE_FIELDS = frozenset({"nationality", "passport_number"})


class ApplicationIncompleteError(InvalidTransitionError):
    code = "application_incomplete"


class ApplicationNotEditableError(InvalidTransitionError):
    code = "not_editable"


class StartsFromDecisionError(DomainError):
    """The kind follows a granted decision (registration of a permit): it is started from that decision."""

    code = "starts_from_decision"

    def __init__(self, kind: ApplicationKind) -> None:
        super().__init__(
            _(
                "%(kind)s is not started on its own: it starts from a granted decision on your residence "
                "permit, which the Office sends you after examining your application."
            )
            % {"kind": kind.name},
            details={"kind": kind.code},
        )


class DeclarationRequiredError(DomainError):
    """The applicant did not confirm the submission declaration (400: it is missing input, not a state)."""

    code = "declaration_required"
    default_message = _(
        "Confirm that the information is true and complete and that you have read how the Office "
        "processes your personal data."
    )


class ApplicationFieldsError(DomainError):
    code = "validation_error"

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(_("Some fields are not valid."), details=errors)


def log_staff_access(
    *, staff: User, application: Application, object_type: str, object_id: object, reason: str
) -> StaffAccessLog:
    """One line of the applicant's "who opened my file" log: ``staff`` opened ``object_type`` ``object_id`` of
    ``application`` (the case itself, a document, a message's attachment)."""
    return StaffAccessLog.objects.create(
        staff=staff,
        role=staff.role,
        unit_id=staff.unit_id,
        applicant_id=application.applicant_id,
        object_type=object_type,
        object_id=str(object_id),
        reason=reason,
    )


def record_event(
    *,
    application: Application,
    kind: str,
    actor: User | None = None,
    data: dict[str, Any] | None = None,
) -> ApplicationEvent:
    """Write one timeline line. Other apps (payments, decisions) call this too; ``kind`` must be one of
    ``ApplicationEvent.Kind`` (add a new kind there, with its label), so every line has a translated label."""
    if kind not in ApplicationEvent.Kind.values:
        raise ValueError(f"record_event() kind must be one of ApplicationEvent.Kind, got {kind!r}")
    return ApplicationEvent.objects.create(application=application, kind=kind, actor=actor, data=data or {})


def application_url(application: Application) -> str:
    return absolute_url(reverse("applications:detail", args=[application.pk]))


def _mail_context(application: Application, **extra: Any) -> dict[str, Any]:
    return {
        "reference": application.reference or "",
        "application_id": application.pk,
        "kind": application.kind.code,
        "url": application_url(application),
        **extra,
    }


def application_recipients(application: Application) -> list[User]:
    """Who an application's e-mails go to: the account that holds it, and the representative too when the
    person applied for is a minor (the representative then speaks for them). A placeholder account of an
    unclaimed counter application has an undeliverable address and gets nothing (``notify`` skips it)."""
    recipients = [application.applicant]
    if (
        application.representative_id is not None
        and application.representative_id != application.applicant_id
        and application.is_minor
    ):
        recipients.append(application.representative)
    return recipients


def recipients_and_actor(application: Application, actor: User | None) -> list[User]:
    """``application_recipients``, and once more the account that acted for the applicant when it is someone else:
    the representative who booked the visit or started the registration, as the timeline records it. Each
    account once (the holder who acted themselves gets one e-mail); never staff (an officer who acted signs the
    e-mail instead), nor an account that may no longer act on the application."""
    recipients = application_recipients(application)
    if (
        actor is not None
        and actor.pk not in {recipient.pk for recipient in recipients}
        and not actor.is_staff_member
        and may_act_on(application, actor)
    ):
        recipients.append(actor)
    return recipients


def represented_context(application: Application, recipient: User) -> dict[str, str]:
    """For a representative who does not hold the application, the name of the person it is for: the e-mail
    says so under the greeting (``templates/email/base.*``), since its text speaks to the person themselves."""
    if recipient.pk != application.applicant_id and recipient.pk == application.representative_id:
        return {"represented_name": f"{application.first_name} {application.last_name}".strip()}
    return {}


def notify_applicant(
    *,
    application: Application,
    event: str,
    context: dict[str, Any],
    actor: User | None = None,
    send_here: bool = False,
) -> None:
    """Put an e-mail about ``application`` in the outbox for each of ``application_recipients``
    (``send_here``: a worker sends them itself after commit; see ``workers.services.notify``)."""
    for recipient in application_recipients(application):
        notify(recipient=recipient, event=event, context=context, actor=actor, send_here=send_here)


def _notify(*, application: Application, event: str, **extra: Any) -> None:
    notify_applicant(application=application, event=event, context=_mail_context(application, **extra))


def _lock_own(*, application_id: int, user: User) -> Application:
    """The caller's application, locked for this transaction; someone else's is "not found"."""
    application = (
        accessible_applications(user)
        .select_for_update(of=("self",))
        .select_related("kind", "purpose", "applicant", "unit")
        .filter(pk=application_id)
        .first()
    )
    if application is None:
        raise NotFoundError(_("There is no such application."))
    return application


def _invalid_transition(application: Application, user: User, action: str) -> InvalidTransitionError:
    return InvalidTransitionError(
        _("You cannot %(action)s an application that is “%(state)s”.")
        % {"action": action, "state": application.get_state_display()},
        state=application.state,
        allowed_actions=allowed_actions(application, user),
    )


def _may_call_ignoring_conditions(bound_transition: Any, *, application: Application, user: User) -> bool:
    """The transition's permission for ``user`` in the current state, without its conditions."""
    return bound_transition._django_fsm.has_transition_perm(application, application.state, user)


@transaction.atomic
def create_draft(
    *,
    applicant: User,
    kind: ApplicationKind,
    purpose: Purpose,
    processing_speed: str = ProcessingSpeed.STANDARD,
    is_minor: bool | None = None,
    person: dict[str, Any] | None = None,
) -> Application:
    """Start a draft for ``kind`` and ``purpose``, with the personal data copied from the profile.

    ``is_minor``: the guide's age answer, if given; it decides the documents until the date of birth does.
    ``person``: the personal data (``PERSONAL_FIELDS``) of someone else the draft is about (a representative's
    family member, a person at a unit's counter): written instead of the account's profile, nothing copied.
    """
    if person is not None and not set(person) <= set(PERSONAL_FIELDS):
        raise ValueError(f"not personal fields: {sorted(set(person) - set(PERSONAL_FIELDS))}")
    if not applicant.is_applicant:
        raise DomainError(_("Only applicants can start an application."))
    # The applicant's row lock serialises their draft creation, so 25 parallel requests cannot all pass the cap.
    User.objects.select_for_update().filter(pk=applicant.pk).first()
    check_open_drafts(
        applicant=applicant,
        # The cap counts the drafts this account holds (including those it started for someone else).
        open_drafts=Application.objects.filter(applicant=applicant, state=Application.State.DRAFT).count(),
    )
    if not kind.is_active:
        raise DomainError(_("This application kind is not offered."), details={"kind": kind.code})
    if kind.starts_from_decision:
        # Registration is not a new application: services.registration.start_registration moves the granted one.
        raise StartsFromDecisionError(kind)
    get_purpose(code=purpose.code, kind=kind)  # raises when the kind is not offered for the purpose
    speed = parse_speed(str(processing_speed))
    if not kind.offers_speed(speed):
        raise ApplicationFieldsError({"processing_speed": [_("This kind is not offered at this speed.")]})

    snapshot = dict(person) if person is not None else _profile_snapshot(applicant)
    application = Application.objects.create(
        applicant=applicant,
        kind=kind,
        purpose=purpose,
        processing_speed=speed.value,
        minor_per_guide=is_minor,
        **snapshot,
    )
    application.reference = reference_for(
        kind_code=kind.code, year=application.created_at.year, pk=application.pk
    )
    application.save(update_fields=["reference"])
    record_event(
        application=application,
        kind=Event.CREATED,
        actor=applicant,
        data={"kind": kind.code, "purpose": purpose.code, "reference": application.reference},
    )
    logger.info("application.created id=%s kind=%s", application.pk, kind.code)
    return application


def _profile_snapshot(applicant: User) -> dict[str, Any]:
    snapshot: dict[str, Any] = {"first_name": applicant.first_name, "last_name": applicant.last_name}
    profile = ApplicantProfile.objects.filter(user=applicant).first()
    if profile is not None:
        # The profile holds the same personal fields the application snapshots (its own names win when set).
        snapshot.update(
            {field: getattr(profile, field) for field in PERSONAL_FIELDS if getattr(profile, field)}
        )
    return snapshot


@transaction.atomic
def update_application(*, application_id: int, user: User, data: dict[str, Any]) -> Application:
    """Save form fields of a draft. Unknown fields are refused; cross-field rules are checked on the result."""
    application = _lock_own(application_id=application_id, user=user)
    if not application.is_editable:
        raise ApplicationNotEditableError(
            _("This application can no longer be changed."),
            state=application.state,
            allowed_actions=allowed_actions(application, user),
        )
    unknown = sorted(set(data) - EDITABLE_FIELDS)
    if unknown:
        raise ApplicationFieldsError({name: [_("This field cannot be changed.")] for name in unknown})
    if "processing_speed" in data and not application.kind.offers_speed(str(data["processing_speed"])):
        raise ApplicationFieldsError({"processing_speed": [_("This kind is not offered at this speed.")]})

    changed = []
    if "unit" in data:
        data = dict(data)
        unit = _chosen_unit(data.pop("unit"))
        if unit.pk != application.unit_id:
            application.unit = unit
            changed.append("unit")
    for field, value in data.items():
        if field in UPPERCASE_FIELDS and isinstance(value, str):
            value = value.strip().upper()  # as printed in the passport, however it was typed (page or API)
        if getattr(application, field) != value:
            setattr(application, field, value)
            changed.append(field)
    errors = {field: messages for field, messages in field_errors(application).items() if field in data}
    if errors:
        raise ApplicationFieldsError(errors)
    application.last_activity_at = timezone.now()
    application.expiry_warning_sent_at = None
    application.save(update_fields=[*changed, "last_activity_at", "expiry_warning_sent_at", "updated_at"])
    if changed:
        record_event(
            application=application, kind=Event.UPDATED, actor=user, data={"fields": sorted(changed)}
        )
    return application


def _chosen_unit(value: TerritorialUnit | str | None) -> TerritorialUnit:
    """The unit the applicant chose, checked again here: only an active unit that takes residence permits."""
    code = value.code if isinstance(value, TerritorialUnit) else str(value or "").strip()
    unit = get_residence_permit_unit(code=code) if code else None
    if unit is None:
        raise ApplicationFieldsError(
            {"unit": [_("Choose one of the listed units that accept residence permit applications.")]}
        )
    return unit


def _documents_and_requirements(application: Application) -> tuple[list, list]:
    documents = list(
        ApplicationDocument.objects.filter(application=application).select_related("document_type")
    )
    requirements = list_requirements(kind=application.kind, purpose=application.purpose)
    return documents, requirements


def decision_due_date(*, speed: str, start: dt.date) -> dt.date:
    return add_working_days(start, ProcessingSpeed(speed).working_days)


@transaction.atomic
def submit_application(*, application_id: int, user: User, declaration: bool) -> Application:
    """Move a complete draft to awaiting_payment and queue its summary PDF. Safe against double clicks.

    ``declaration``: the applicant confirmed that the information is true and complete and that they read how
    the Office processes personal data; without it nothing is submitted (``DeclarationRequiredError``, 400).
    Raises ``ApplicationIncompleteError`` (409) listing every missing field or missing / stale document.
    """
    if declaration is not True:
        raise DeclarationRequiredError(
            details={"declaration": [str(DeclarationRequiredError.default_message)]}
        )
    application = _lock_own(application_id=application_id, user=user)
    # State and permission only: django-fsm's has_transition_perm also evaluates the completeness
    # conditions, and an incomplete draft must get the 409 with the missing list below, not "not allowed".
    if not can_proceed(application.submit, check_conditions=False) or not _may_call_ignoring_conditions(
        application.submit, application=application, user=user
    ):
        raise _invalid_transition(application, user, _("submit"))
    documents, requirements = _documents_and_requirements(application)
    missing = list_missing_items(application, requirements=requirements, documents=documents)
    if missing or not can_proceed(application.submit):
        raise ApplicationIncompleteError(
            _("The application is not complete yet."),
            state=application.state,
            allowed_actions=allowed_actions(application, user),
            details={"missing": missing},
        )
    application.submit()  # the unit the applicant chose stays: list_missing_items checked it still takes permits
    application.decision_due_on = decision_due_date(
        speed=application.processing_speed, start=timezone.localdate(application.submitted_at)
    )
    application.last_activity_at = application.submitted_at
    try:
        application.save(
            update_fields=[
                "state",
                "submitted_at",
                "decision_due_on",
                "last_activity_at",
                "updated_at",
            ]
        )
    except ConcurrentTransition:
        raise ConflictError(_("The application was changed at the same time. Please reload.")) from None
    record_event(
        application=application,
        kind=Event.SUBMITTED,
        actor=user,
        data={
            "reference": application.reference,
            "decision_due_on": application.decision_due_on.isoformat(),
            "declaration": True,
            "unit": application.unit.code,
        },
    )
    from workers.services import absolute_url

    _notify(
        application=application,
        event="application_submitted",
        decision_due_on=application.decision_due_on.isoformat(),
        summary_url=absolute_url(reverse("applications:summary-pdf", args=[application.pk])),
    )
    enqueue_on_commit("applications.tasks.render_application_summary", application.pk)
    logger.info("application.submitted id=%s", application.pk)
    return application


@transaction.atomic
def withdraw_application(*, application_id: int, user: User, reason: str = "") -> Application:
    """The applicant withdraws an open application (draft up to awaiting their answer)."""
    application = _lock_own(application_id=application_id, user=user)
    if not can_proceed(application.withdraw) or not has_transition_perm(application.withdraw, user):
        raise _invalid_transition(application, user, _("withdraw"))
    previous = application.state
    application.withdraw()
    try:
        application.save(update_fields=["state", "closed_at", "updated_at"])
    except ConcurrentTransition:
        raise ConflictError(_("The application was changed at the same time. Please reload.")) from None
    withdrawn = record_event(
        application=application,
        kind=Event.WITHDRAWN,
        actor=user,
        data={"from_state": previous, "reason": reason.strip()[:500]},
    )
    # Other apps' part in a withdrawal (payments: cancel open attempts, refund a paid fee), same transaction.
    run_on_withdrawn(application, previous_state=previous)
    if previous != Application.State.DRAFT:
        _notify(application=application, event="application_withdrawn", **_fee_after_withdrawal(withdrawn))
    logger.info("application.withdrawn id=%s from=%s", application.pk, previous)
    return application


def _fee_after_withdrawal(withdrawn: ApplicationEvent) -> dict[str, str]:
    """What happened to the state fee, from the lines the payments hook wrote after the withdrawal's line.

    ``fee``: "refund" (being sent back), "kept" (not refunded: examination had started), or "none" (nothing paid).
    """
    line = (
        ApplicationEvent.objects.filter(
            application_id=withdrawn.application_id,
            pk__gt=withdrawn.pk,
            kind__in=[Event.PAYMENT_REFUND_PENDING, Event.PAYMENT_NOT_REFUNDED],
        )
        .order_by("pk")
        .first()
    )
    if line is None:
        return {"fee": "none", "fee_amount": ""}
    fee = "refund" if line.kind == Event.PAYMENT_REFUND_PENDING else "kept"
    return {"fee": fee, "fee_amount": str(line.data.get("amount", ""))}


@transaction.atomic
def delete_draft(*, application_id: int, user: User) -> None:
    """The applicant deletes a draft they no longer want: the row, its timeline and its uploaded files go.

    Only a draft: once submitted, an application is a record of the Office and can only be withdrawn.
    """
    application = _lock_own(application_id=application_id, user=user)
    if application.state != Application.State.DRAFT:
        raise InvalidTransitionError(
            _("Only a draft can be deleted. A submitted application can be withdrawn."),
            state=application.state,
            allowed_actions=allowed_actions(application, user),
        )
    files = [document.file for document in ApplicationDocument.objects.filter(application=application)]
    reference = application.reference
    application.delete()  # timeline and documents cascade; a draft has no payments
    for stored in files:
        transaction.on_commit(partial(stored.delete, save=False))
    logger.info("application.draft_deleted id=%s reference=%s", application_id, reference)


def _expiry_dates(application: Application) -> dict[str, str]:
    expires_on = timezone.localdate(application.last_activity_at) + dt.timedelta(
        days=settings.APPLICATION_DRAFT_EXPIRY_DAYS
    )
    with translation.override(application.applicant.preferred_language):
        return {"expires_on": expires_on.isoformat(), "expires_on_display": formats.date_format(expires_on)}


def send_draft_expiry_warnings(*, now: dt.datetime | None = None) -> list[int]:
    """Warn the owners of drafts untouched for (expiry − warning) days, once per period of inactivity."""
    now = now or timezone.now()
    threshold = now - dt.timedelta(
        days=settings.APPLICATION_DRAFT_EXPIRY_DAYS - settings.APPLICATION_DRAFT_WARNING_DAYS
    )
    candidates = list(
        Application.objects.filter(
            state=Application.State.DRAFT,
            last_activity_at__lte=threshold,
            expiry_warning_sent_at__isnull=True,
        ).values_list("pk", flat=True)[:1000]
    )
    warned = []
    for application_id in candidates:
        with transaction.atomic():
            # Re-read under the lock: the applicant may have saved the draft since the list was made.
            application = (
                Application.objects.select_for_update(of=("self",))
                .select_related("applicant", "kind")
                .filter(
                    pk=application_id,
                    state=Application.State.DRAFT,
                    last_activity_at__lte=threshold,
                    expiry_warning_sent_at__isnull=True,
                )
                .first()
            )
            if application is None:
                continue
            application.expiry_warning_sent_at = now
            application.save(update_fields=["expiry_warning_sent_at"])
            dates = _expiry_dates(application)
            record_event(
                application=application, kind=Event.EXPIRY_WARNING, data={"expires_on": dates["expires_on"]}
            )
            _notify(application=application, event="draft_expiry_warning", **dates)
            warned.append(application_id)
    if warned:
        logger.info("application.expiry_warnings count=%s", len(warned))
    return warned


def expire_stale_drafts(*, now: dt.datetime | None = None) -> list[int]:
    """Expire drafts untouched for the expiry period whose owner was warned at least the warning period ago.

    A draft whose warning went out late (the job was down) gets its full notice before it expires.
    """
    now = now or timezone.now()
    untouched_since = now - dt.timedelta(days=settings.APPLICATION_DRAFT_EXPIRY_DAYS)
    warned_before = now - dt.timedelta(days=settings.APPLICATION_DRAFT_WARNING_DAYS)
    stale = Q(
        state=Application.State.DRAFT,
        last_activity_at__lte=untouched_since,
        expiry_warning_sent_at__isnull=False,
        expiry_warning_sent_at__lte=warned_before,
    )
    candidates = list(Application.objects.filter(stale).values_list("pk", flat=True)[:1000])
    expired = []
    for application_id in candidates:
        with transaction.atomic():
            application = (
                Application.objects.select_for_update(of=("self",))
                .select_related("applicant", "kind")
                .filter(stale, pk=application_id)
                .first()
            )
            if application is None:
                continue
            application.expire()
            application.save(update_fields=["state", "closed_at", "updated_at"])
            record_event(application=application, kind=Event.EXPIRED)
            _notify(application=application, event="draft_expired")
            expired.append(application_id)
    if expired:
        logger.info("application.expired count=%s", len(expired))
    return expired


def render_application_summary(*, application_id: int) -> Any:
    """Render the submitted application's summary PDF once (idempotent: a second call returns the first)."""
    application = (
        Application.objects.select_related("applicant", "kind", "purpose", "unit")
        .filter(pk=application_id)
        .first()
    )
    if application is None or application.submitted_at is None:
        logger.warning("application.summary_skipped id=%s", application_id)
        return None
    existing = get_generated_document(owner=application, kind=SUMMARY_KIND)
    if existing is not None:
        return existing
    documents = list(
        ApplicationDocument.objects.filter(application=application)
        .select_related("document_type")
        .order_by("id")
    )
    with translation.override(application.applicant.preferred_language):
        content = render_pdf(
            template_name="pdf/application_summary.html",
            context={"application": application, "documents": documents},
            # The record of what was submitted: in Latvian, and in the applicant's language when that is another.
            languages=["lv", application.applicant.preferred_language],
        )
    stored = store_pdf(
        owner=application, kind=SUMMARY_KIND, content=content, filename=f"{application.reference}-summary.pdf"
    )
    with transaction.atomic():
        if not ApplicationEvent.objects.filter(application=application, kind=Event.SUMMARY_READY).exists():
            record_event(application=application, kind=Event.SUMMARY_READY, data={"document_id": stored.pk})
    return stored


SUMMARY_KIND = "application-summary"
