"""Applications' part of "my data" (identity.mydata.registry): the archive's applications and documents
sections, what closing the account does to open applications, and the retention of applications and documents.

Closing the account **withdraws** the applicant's open applications (drafts included) through the ordinary
withdrawal service, so payments refunds what it would refund on any withdrawal and the timeline says so. We
withdraw rather than ask the applicant to do it first because nobody could follow a case after closing (no
sign-in, no e-mail answers) and the confirmation page lists every application it will withdraw. It refuses
(409) while a case cannot be withdrawn and is not finished: a decision being prepared, or a granted permit's
registration under way; the applicant waits for that step to finish.

Everything here is the account's own data, so it reads ``applicant=user`` and not the shared access rule
(``selectors.accessible_applications``): a representative's archive does not hold the represented person's
applications, and closing a representative's account does not withdraw them.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext as _

from applications.models import Application, ApplicationDocument, ApplicationEvent
from applications.models.application import APPLICANT_FIELDS, WITHDRAWABLE_STATES
from applications.services.lifecycle import SUMMARY_KIND, withdraw_application
from eservice.exceptions import ConflictError
from identity.models import User
from identity.mydata.registry import ExportFile, ExportSection, RetentionRule, SectionData
from workers.models import GeneratedDocument
from workers.services import delete_generated_document

# Open, but not the applicant's to withdraw: closing waits until these finish.
BLOCKING_STATES = frozenset(
    {
        Application.State.DECISION_PENDING,
        Application.State.AWAITING_REGISTRATION,
        Application.State.CARD_IN_PRODUCTION,
        Application.State.READY_FOR_COLLECTION,
    }
)


def _archive_name(record_id: int, filename: str) -> str:
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in filename)[-100:] or "file"
    return f"{record_id}-{safe}"


def collect_applications(user: User) -> SectionData:
    applications = list(
        Application.objects.filter(applicant=user)
        .select_related("kind", "purpose", "unit")
        .prefetch_related(Prefetch("events", queryset=ApplicationEvent.objects.order_by("created_at", "id")))
        .order_by("created_at", "id")
    )
    summaries = GeneratedDocument.objects.filter(
        owner_content_type=ContentType.objects.get_for_model(Application),
        owner_id__in=[a.pk for a in applications],
        kind=SUMMARY_KIND,
    )
    files = [
        ExportFile(
            path=f"applications/{_archive_name(doc.owner_id, doc.filename)}",
            file=doc.file,
            sha256=doc.sha256,
            section="applications",
            record_id=doc.owner_id,
        )
        for doc in summaries
    ]
    records = [
        {
            "id": application.pk,
            "reference": application.reference,
            "kind": application.kind.code,
            "purpose": application.purpose.code,
            "processing_speed": application.processing_speed,
            "state": application.state,
            "unit": application.unit.name if application.unit_id else None,
            **{name: getattr(application, name) for name in APPLICANT_FIELDS},
            "created_at": application.created_at,
            "submitted_at": application.submitted_at,
            "paid_at": application.paid_at,
            "decision_due_on": application.decision_due_on,
            "decided_at": application.decided_at,
            "closed_at": application.closed_at,
            "timeline": [
                {"id": event.pk, "at": event.created_at, "event": event.kind, "details": event.data}
                for event in application.events.all()
            ],
        }
        for application in applications
    ]
    return SectionData(records=records, files=files)


def collect_documents(user: User) -> SectionData:
    documents = list(
        ApplicationDocument.objects.filter(application__applicant=user)
        .select_related("document_type")
        .order_by("uploaded_at", "id")
    )
    records, files = [], []
    for document in documents:
        records.append(
            {
                "id": document.pk,
                "application_id": document.application_id,
                "document_type": document.document_type.code,
                "original_filename": document.original_filename,
                "content_type": document.content_type,
                "size": document.size,
                "sha256": document.sha256,
                "issued_on": document.issued_on,
                "uploaded_at": document.uploaded_at,
                "replaced_at": document.replaced_at,
            }
        )
        files.append(
            ExportFile(
                path=f"documents/{_archive_name(document.pk, document.original_filename)}",
                file=document.file,
                sha256=document.sha256,
                section="documents",
                record_id=document.pk,
            )
        )
    return SectionData(records=records, files=files)


def _open_applications(user: User) -> list[Application]:
    return list(
        Application.objects.filter(applicant=user, state__in=[*WITHDRAWABLE_STATES, *BLOCKING_STATES])
        .order_by("created_at", "id")
        .only("id", "reference", "state")
    )


def describe_closing(user: User) -> list[dict[str, Any]]:
    """Each open application and what closing does to it: "withdraw" or "blocks" (closing must wait)."""
    return [
        {
            "application_id": application.pk,
            "reference": application.reference or "",
            "state": application.state,
            "state_label": str(application.get_state_display()),
            "action": "blocks" if application.state in BLOCKING_STATES else "withdraw",
            "url": reverse("applications:detail", args=[application.pk]),
        }
        for application in _open_applications(user)
    ]


def withdraw_on_closing(user: User) -> dict[str, Any]:
    """Refuse while a case cannot be withdrawn; otherwise withdraw every open application."""
    open_applications = _open_applications(user)
    blocking = [a for a in open_applications if a.state in BLOCKING_STATES]
    if blocking:
        raise ConflictError(
            _(
                "Your account cannot be closed while the Office is deciding on an application or your permit "
                "is being registered. Close it when that step is finished."
            ),
            details={
                "applications": [{"id": a.pk, "reference": a.reference, "state": a.state} for a in blocking]
            },
        )
    withdrawn = []
    for application in open_applications:
        withdraw_application(application_id=application.pk, user=user, reason=_("The account was closed."))
        withdrawn.append(application.pk)
    return {"applications_withdrawn": withdrawn}


def apply_application_retention(user: User) -> dict[str, int]:
    """Delete every uploaded document and summary PDF; anonymise applications without a decision (a decided
    application stays as the record its decision refers to, which the Office keeps)."""
    applications = Application.objects.filter(applicant=user)
    documents = list(ApplicationDocument.objects.filter(application__applicant=user))
    for document in documents:
        name, storage = document.file.name, document.file.storage
        document.delete()
        if name:
            transaction.on_commit(partial(storage.delete, name))  # a rolled-back run keeps the files
    summaries = list(
        GeneratedDocument.objects.filter(
            owner_content_type=ContentType.objects.get_for_model(Application),
            owner_id__in=applications.values("pk"),
            kind=SUMMARY_KIND,
        )
    )
    for summary in summaries:
        delete_generated_document(summary)
    blank = {name: None if Application._meta.get_field(name).null else "" for name in APPLICANT_FIELDS}
    to_anonymise = applications.filter(decided_at__isnull=True).exclude(**{"first_name": "", "last_name": ""})
    anonymised = to_anonymise.update(**blank)
    return {
        "documents_deleted": len(documents),
        "summaries_deleted": len(summaries),
        "applications_anonymised": anonymised,
    }


SECTIONS = (
    ExportSection("applications", collect_applications, "your applications with their timelines"),
    ExportSection(
        "documents", collect_documents, "the documents you uploaded (files under files/documents/)"
    ),
)
RETENTION_RULES = (RetentionRule("applications", apply_application_retention, "applications.applications"),)
