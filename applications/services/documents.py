"""Attaching and removing an application's documents: any while it is a draft; while the Office waits for the
applicant, only uploads of the types its open request asks for (``hooks.uploadable_document_types``), never a
removal, and the earlier file of that type stays, marked replaced.

The file is checked first (``applications.uploads``), then stored through Django's storage API under a random
path, then its row is written in the same transaction. If anything fails after the file was stored, the file is
deleted, so a bad or failed upload leaves nothing behind. A replaced or deleted file is removed only after
commit, so a rollback keeps the old one.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial
from typing import IO

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import hooks
from applications.completeness import allowed_actions
from applications.models import ApplicationDocument, DocumentType
from applications.models.application import document_upload_path, may_act_on
from applications.services.lifecycle import (
    ApplicationFieldsError,
    ApplicationNotEditableError,
    Event,
    _lock_own,
    log_staff_access,
    record_event,
)
from applications.services.limits import reserve_upload
from applications.uploads import delete_stored, inspect_upload, stream_size
from identity.models import StaffAccessLog, User

logger = logging.getLogger(__name__)


def _editable(application, user):  # type: ignore[no-untyped-def]
    if not application.is_editable:
        raise ApplicationNotEditableError(
            _("Documents can be changed only while the application is a draft."),
            state=application.state,
            allowed_actions=allowed_actions(application, user),
        )


def _upload_window(application, user) -> frozenset[str] | None:  # type: ignore[no-untyped-def]
    """None while the draft is editable (any document it takes); else the codes the Office asked for now."""
    if application.is_editable:
        return None
    requested = hooks.uploadable_document_types(application)
    if not requested:
        raise ApplicationNotEditableError(
            _(
                "Documents can be changed only while the application is a draft, or sent when the Office "
                "asks for them."
            ),
            state=application.state,
            allowed_actions=allowed_actions(application, user),
        )
    return requested


def _requested_type(code: str, requested: frozenset[str]) -> DocumentType:
    document_type = DocumentType.objects.filter(code=code).first() if code in requested else None
    if document_type is None:
        names = (
            DocumentType.objects.filter(code__in=requested).order_by("name").values_list("name", flat=True)
        )
        raise ApplicationFieldsError(
            {
                "document_type": [
                    _("The Office asked you only for: %(names)s.")
                    % {"names": ", ".join(str(n) for n in names)}
                ]
            }
        )
    return document_type


def attach_document(
    *,
    application_id: int,
    user: User,
    document_type_code: str,
    stream: IO[bytes],
    filename: str,
    issued_on: dt.date | None = None,
) -> ApplicationDocument:
    """Check, store and attach a document; it replaces an earlier document of the same type.

    In a draft, any type the application takes, and the earlier file goes. While the Office waits for the
    applicant (an open information request), only the types it asked for, and the earlier file stays, marked
    replaced, for the record of what the Office received.
    """
    from applications.selectors import list_requirements

    with transaction.atomic():  # a short look: which document type, and may it still change?
        application = _lock_own(application_id=application_id, user=user)
        requested = _upload_window(application, user)
        requirements = list_requirements(kind=application.kind, purpose=application.purpose)
    if requested is not None:
        document_type = _requested_type(document_type_code, requested)
    else:
        document_type = next(
            (r.document_type for r in requirements if r.document_type.code == document_type_code), None
        )
    if document_type is None:
        known = sorted({r.document_type.code for r in requirements})
        raise ApplicationFieldsError(
            {
                "document_type": [
                    _("This application does not take this document. Choose one of: %(known)s.")
                    % {"known": ", ".join(known)}
                ]
            }
        )
    _check_issued_on(document_type, issued_on)
    reserve_upload(user=user, size=stream_size(stream))  # per-user upload rate and daily byte quota
    # The slow part (parsing, re-encoding, writing the file) holds no row lock and no transaction: an
    # application's kind and purpose never change, and whether it is editable is checked again below.
    checked = inspect_upload(stream=stream, filename=filename, document_type=document_type)
    name = default_storage.save(
        document_upload_path(None, f"x.{checked.extension}"),  # type: ignore[arg-type]
        ContentFile(checked.content),
    )
    try:
        with transaction.atomic():
            application = _lock_own(application_id=application_id, user=user)
            requested = _upload_window(application, user)
            if requested is not None and document_type.code not in requested:
                _requested_type(document_type.code, requested)  # the request changed meanwhile: refuse
            previous = (
                ApplicationDocument.objects.select_for_update()
                .filter(application=application, document_type=document_type, replaced_at__isnull=True)
                .first()
            )
            if previous is not None and requested is None:
                previous.delete()
                transaction.on_commit(partial(delete_stored, previous.file.name))
            elif previous is not None:
                previous.replaced_at = timezone.now()
                previous.save(update_fields=["replaced_at"])
            document = ApplicationDocument.objects.create(
                application=application,
                document_type=document_type,
                file=name,
                original_filename=checked.original_filename,
                content_type=checked.content_type,
                size=checked.size,
                sha256=checked.sha256,
                issued_on=issued_on,
                uploaded_by=user,
            )
            application.last_activity_at = timezone.now()
            application.expiry_warning_sent_at = None
            application.save(update_fields=["last_activity_at", "expiry_warning_sent_at", "updated_at"])
            record_event(
                application=application,
                kind=Event.DOCUMENT_ADDED,
                actor=user,
                data={
                    "document_type": document_type.code,
                    "filename": checked.original_filename,
                    "sha256": checked.sha256,
                    "replaced": previous is not None,
                    "answer": requested is not None,
                },
            )
    except BaseException:
        delete_stored(name)
        raise
    logger.info("document.attached id=%s application=%s size=%s", document.pk, application.pk, document.size)
    return document


def _check_issued_on(document_type: DocumentType, issued_on: dt.date | None) -> None:
    today = timezone.localdate()
    if document_type.max_age_days is not None and issued_on is None:
        raise ApplicationFieldsError(
            {
                "issued_on": [
                    _("Give the date this document was issued: it must not be older than %(days)s days.")
                    % {"days": document_type.max_age_days}
                ]
            }
        )
    if issued_on is not None and issued_on > today:
        raise ApplicationFieldsError({"issued_on": [_("The issue date cannot be in the future.")]})


@transaction.atomic
def delete_document(*, application_id: int, document_id: int, user: User) -> None:
    """Remove a document from a draft; the file goes after commit."""
    from eservice.exceptions import NotFoundError

    application = _lock_own(application_id=application_id, user=user)
    document = (
        ApplicationDocument.objects.select_related("document_type")
        .filter(pk=document_id, application=application)
        .first()
    )
    if document is None:
        raise NotFoundError(_("There is no such document."))
    _editable(application, user)
    name = document.file.name
    document.delete()
    application.last_activity_at = timezone.now()
    application.expiry_warning_sent_at = None
    application.save(update_fields=["last_activity_at", "expiry_warning_sent_at", "updated_at"])
    record_event(
        application=application,
        kind=Event.DOCUMENT_REMOVED,
        actor=user,
        data={"document_type": document.document_type.code, "filename": document.original_filename},
    )
    transaction.on_commit(partial(delete_stored, name))


def record_document_access(*, user: User, document: ApplicationDocument) -> StaffAccessLog | None:
    """Write the access log line when staff open an applicant's document (the applicant can read the log)."""
    application = document.application
    if not user.is_staff_member and may_act_on(application, user):
        return None  # the applicant or their representative: not staff access
    return log_staff_access(
        staff=user,
        application=application,
        object_type="application_document",
        object_id=document.pk,
        reason=f"Opened a document of application {application.reference}",
    )
