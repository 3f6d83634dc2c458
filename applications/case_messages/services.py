"""Writing on a case: the applicant's message (with attachments) and the Office's answer.

An applicant writes on an open case only: one the Office has received (not a draft) and not closed (not in
``FINAL_STATES``: refused, collected, withdrawn, expired, annulled). On a closed case the answer is 409 with the
channels that remain: the information phone, the Office's e-mail, or a complaint.

Attachments are checked exactly like an application's documents (``applications.uploads.inspect_upload``, which
rebuilds PDFs with ``applications.pdf_rebuild`` and re-encodes images) and count against the same per-user
upload limits (``applications.services.limits.reserve_upload``). Files are stored before the transaction and
removed again if it fails, so a refused message leaves nothing behind.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.case_messages.models import CaseMessage, CaseMessageAttachment, attachment_upload_path
from applications.completeness import allowed_actions
from applications.models import Application, ApplicationEvent
from applications.models.application import FINAL_STATES, may_act_on
from applications.services.lifecycle import (
    application_recipients,
    application_url,
    log_staff_access,
    record_event,
)
from applications.services.limits import reserve_upload
from applications.services.review import lock_applicant_case, lock_case
from applications.uploads import EXTENSIONS, CheckedFile, delete_stored, inspect_upload, stream_size
from eservice.exceptions import ConflictError, DomainError
from identity.models import Role, StaffAccessLog, User
from workers.services import absolute_url, notify

logger = logging.getLogger(__name__)

Event = ApplicationEvent.Kind


@dataclass(frozen=True)
class AttachmentRules:
    """What ``inspect_upload`` reads of a document type: the accepted types and the size limit."""

    accepted_content_types: tuple[str, ...]
    max_size_bytes: int


@dataclass(frozen=True)
class Upload:
    stream: IO[bytes]
    filename: str


class MessageInvalidError(DomainError):
    code = "invalid_message"


class CaseClosedError(ConflictError):
    """The case is closed (or not yet submitted): messages go through another channel."""

    code = "case_closed"
    default_message = gettext_lazy("This case is closed: messages can no longer be sent on it.")


def attachment_rules() -> AttachmentRules:
    return AttachmentRules(
        accepted_content_types=tuple(EXTENSIONS), max_size_bytes=settings.MESSAGE_ATTACHMENT_MAX_BYTES
    )


def is_open_for_messages(application: Application) -> bool:
    """Received by the Office (not a draft) and not closed: the applicant may write (row-local, no query)."""
    return application.state != Application.State.DRAFT and application.state not in FINAL_STATES


def other_channels() -> dict[str, str]:
    """Where to turn when a case takes no more messages."""
    return {
        "phone": settings.OFFICE_INFO_PHONE,
        "email": settings.OFFICE_EMAIL,
        "complaint_url": reverse("applications:complaints"),
    }


def closed_error(application: Application, user: User) -> CaseClosedError:
    channels = other_channels()
    if application.state == Application.State.DRAFT:
        message = _(
            "The Office has not received this application yet, so it takes no messages. For questions call "
            "the information phone %(phone)s or write to %(email)s."
        )
    else:
        message = _(
            "This case is closed, so it takes no more messages. Call the information phone %(phone)s, write to "
            "the Office at %(email)s, or, if you disagree with a decision, submit a complaint."
        )
    return CaseClosedError(
        message % channels,
        details={
            "state": application.state,
            "allowed_actions": allowed_actions(application, user),
            "channels": channels,
        },
    )


def _clean_body(body: str) -> str:
    text = (body or "").strip()
    if not text:
        raise MessageInvalidError(_("Write your message."), details={"body": [_("Write your message.")]})
    limit = settings.MESSAGE_MAX_LENGTH
    if len(text) > limit:
        problem = _("A message can be at most %(limit)d characters long.") % {"limit": limit}
        raise MessageInvalidError(problem, details={"body": [problem]})
    return text


def _check_attachments(*, user: User, uploads: Sequence[Upload]) -> list[CheckedFile]:
    limit = settings.MESSAGE_MAX_ATTACHMENTS
    if len(uploads) > limit:
        problem = _("Attach at most %(limit)d files to one message.") % {"limit": limit}
        raise MessageInvalidError(problem, details={"attachments": [problem]})
    rules = attachment_rules()
    checked = []
    for upload in uploads:
        reserve_upload(user=user, size=stream_size(upload.stream))  # the uploads' own per-user limits
        checked.append(inspect_upload(stream=upload.stream, filename=upload.filename, document_type=rules))
    return checked


def _staff_recipients(application: Application) -> list[User]:
    """The handling officer; with none, the unit's senior officers (they share out its queue), or failing
    them every officer of the unit."""
    officer = application.assigned_officer
    if officer is not None and officer.is_active:
        return [officer]
    staff = list(
        User.objects.filter(
            unit_id=application.unit_id,
            is_active=True,
            role__in=[Role.CASE_OFFICER, Role.SENIOR_OFFICER],
        )
        .select_related("unit")
        .order_by("pk")
    )
    seniors = [user for user in staff if user.role == Role.SENIOR_OFFICER]
    return seniors or staff


def send_message(
    *, application_id: int, user: User, body: str, uploads: Sequence[Upload] = ()
) -> CaseMessage:
    """The applicant writes on their own open case; the handling officer (or the unit) is e-mailed."""
    text = _clean_body(body)
    with transaction.atomic():  # a short look first: someone else's case is "not found", a closed one 409
        application = lock_applicant_case(application_id=application_id, applicant=user)
        if not is_open_for_messages(application):
            raise closed_error(application, user)
    # The slow part (checking and rebuilding files, writing them) holds no lock; the state is checked again.
    checked = _check_attachments(user=user, uploads=uploads)
    stored = [
        default_storage.save(attachment_upload_path(None, f"x.{item.extension}"), ContentFile(item.content))  # type: ignore[arg-type]
        for item in checked
    ]
    try:
        with transaction.atomic():
            application = lock_applicant_case(application_id=application_id, applicant=user)
            if not is_open_for_messages(application):
                raise closed_error(application, user)
            message = CaseMessage.objects.create(
                application=application,
                direction=CaseMessage.Direction.FROM_APPLICANT,
                author=user,
                body=text,
            )
            CaseMessageAttachment.objects.bulk_create(
                CaseMessageAttachment(
                    message=message,
                    file=name,
                    original_filename=item.original_filename,
                    content_type=item.content_type,
                    size=item.size,
                    sha256=item.sha256,
                )
                for item, name in zip(checked, stored, strict=True)
            )
            record_event(
                application=application,
                kind=Event.MESSAGE_SENT,
                actor=user,
                data={"message": message.pk, "attachments": [item.original_filename for item in checked]},
            )
            case_url = absolute_url(reverse("decisions:backoffice-case", args=[application.pk]))
            recipients = _staff_recipients(application)
            if not recipients:  # the case page and the waiting list still show it; nobody to e-mail
                logger.warning("message.no_staff_to_notify application=%s", application.pk)
            for recipient in recipients:
                notify(
                    recipient=recipient,
                    event="case_message_received",
                    context={
                        "reference": application.reference or "",
                        "url": case_url,
                        "assigned": recipient.pk == application.assigned_officer_id,
                        "attachments": len(checked),
                    },
                )
    except BaseException:
        for name in stored:
            delete_stored(name)
        raise
    logger.info("message.sent id=%s application=%s files=%s", message.pk, application.pk, len(checked))
    return message


@transaction.atomic
def answer_messages(*, application_id: int, officer: User, body: str) -> CaseMessage:
    """An officer of the case's unit (or its handling officer) answers: every waiting message of the applicant
    on the case counts as answered, and the applicant gets the answer by e-mail, signed by the officer."""
    text = _clean_body(body)
    application = lock_case(application_id=application_id, officer=officer)
    now = timezone.now()
    waiting = CaseMessage.objects.filter(
        application=application, direction=CaseMessage.Direction.FROM_APPLICANT, answered_at__isnull=True
    )
    # Whoever wrote (the applicant, or a representative writing for them) gets the answer, besides the people
    # the application's mail always goes to.
    recipients = application_recipients(application)
    recipients += User.objects.filter(pk__in=waiting.values("author_id")).exclude(
        pk__in=[recipient.pk for recipient in recipients]
    )
    message = CaseMessage.objects.create(
        application=application,
        direction=CaseMessage.Direction.FROM_OFFICE,
        author=officer,
        body=text,
        created_at=now,
    )
    answered = waiting.update(answered_at=now)
    record_event(
        application=application,
        kind=Event.MESSAGE_ANSWERED,
        actor=officer,
        data={"message": message.pk, "answered": answered},
    )
    for recipient in recipients:
        notify(
            recipient=recipient,
            event="case_message_answered",
            actor=officer,
            context={
                "reference": application.reference or "",
                "url": application_url(application),
                "message": text,
            },
        )
    logger.info("message.answered id=%s application=%s waiting=%s", message.pk, application.pk, answered)
    return message


def record_attachment_access(*, user: User, attachment: CaseMessageAttachment) -> StaffAccessLog | None:
    """Staff opening an attachment is written to the access log, like a document (the applicant sees it)."""
    application = attachment.message.application
    if not user.is_staff_member and may_act_on(application, user):
        return None  # the applicant or their representative: not staff access
    return log_staff_access(
        staff=user,
        application=application,
        object_type="message_attachment",
        object_id=attachment.pk,
        reason=f"Opened an attachment of a message on application {application.reference}",
    )
