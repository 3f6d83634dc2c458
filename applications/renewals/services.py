"""Invite a permit's holder to apply for a repeated permit, and start the prefilled draft from the invitation.

What carries over (``plan_renewal``): personal data, the purpose with its details, the address and the unit of the
permit's application, and each of its documents the repeated-permit checklist asks for that is still fresh enough
by the catalogue (``document_freshness``) on the day the draft starts. A carried document is a new row with its
own copy of the stored file, so deleting it from the draft never touches the permit's record. Stale documents
are left out and listed, with why, for the applicant to upload again.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.completeness import applicable_requirements, document_freshness
from applications.models import (
    Application,
    ApplicationDocument,
    ApplicationEvent,
    ApplicationKind,
    RenewalInvitation,
)
from applications.models.application import PERSONAL_FIELDS, PURPOSE_DETAIL_FIELDS
from applications.selectors import list_requirements
from applications.services.lifecycle import create_draft, record_event
from eservice.exceptions import DomainError, NotFoundError
from identity.models import User
from workers.services import absolute_url, notify

logger = logging.getLogger(__name__)
Event = ApplicationEvent.Kind

# A person holds the permit in these states (granted, registration under way or done).
HOLDING_STATES = frozenset(
    {
        Application.State.GRANTED,
        Application.State.AWAITING_REGISTRATION,
        Application.State.CARD_IN_PRODUCTION,
        Application.State.READY_FOR_COLLECTION,
        Application.State.COLLECTED,
    }
)
# The temporary permits a repeated permit follows.
RENEWABLE_KINDS = (ApplicationKind.Code.FIRST_TRP, ApplicationKind.Code.REPEATED_TRP)
# A later application of these kinds means the person is already renewing (unless it was dropped).
RENEWING_KINDS = (ApplicationKind.Code.REPEATED_TRP, ApplicationKind.Code.EU_LONG_TERM)
DROPPED_STATES = (Application.State.WITHDRAWN, Application.State.EXPIRED)
CARRIED_FIELDS: tuple[str, ...] = (*PERSONAL_FIELDS, *PURPOSE_DETAIL_FIELDS, "address_in_latvia")


def renewal_url(invitation: RenewalInvitation) -> str:
    return reverse("applications:renew", args=[invitation.token])


def is_already_renewing(permit: Application) -> bool:
    since = permit.decided_at or permit.created_at
    return (
        Application.objects.filter(
            applicant_id=permit.applicant_id, kind__code__in=RENEWING_KINDS, created_at__gte=since
        )
        .exclude(pk=permit.pk)
        .exclude(state__in=DROPPED_STATES)
        .exists()
    )


@transaction.atomic
def invite_permit_renewal(*, application_id: int, valid_to: dt.date) -> RenewalInvitation | None:
    """Invite the holder of the permit granted on ``application_id`` (valid until ``valid_to``), once.

    None when nothing was sent: already invited, no longer holding the permit (annulled, ...), already renewing,
    or the account is closed. Safe to run twice and from two workers: the permit's row lock and the one-to-one
    invitation make the second a no-op."""
    permit = (
        Application.objects.select_for_update(of=("self",))
        .select_related("applicant", "kind")
        .filter(pk=application_id)
        .first()
    )
    if permit is None or permit.state not in HOLDING_STATES or not permit.applicant.is_active:
        return None
    if permit.kind.code not in RENEWABLE_KINDS:
        return None
    if RenewalInvitation.objects.filter(permit=permit).exists() or is_already_renewing(permit):
        return None
    invitation = RenewalInvitation.objects.create(
        permit=permit, applicant=permit.applicant, valid_to=valid_to
    )
    record_event(application=permit, kind=Event.RENEWAL_INVITED, data={"valid_to": valid_to.isoformat()})
    notify(
        recipient=permit.applicant,
        event="renewal_invitation",
        context={
            "reference": permit.reference or "",
            "valid_to": valid_to.isoformat(),
            "url": absolute_url(renewal_url(invitation)),
        },
    )
    logger.info("renewal.invited application=%s valid_to=%s", permit.pk, valid_to)
    return invitation


@dataclass
class RenewalPlan:
    """What a repeated-permit draft gets from the permit's application, and what the applicant still owes."""

    kind: ApplicationKind
    fields: list[str]
    documents: list[ApplicationDocument]  # fresh enough: copied
    stale: list[dict[str, Any]] = field(default_factory=list)  # too old or undated: to upload again
    missing: list[dict[str, Any]] = field(default_factory=list)  # asked for, never given

    def as_json(self, copied: list[ApplicationDocument] | None = None) -> dict[str, Any]:
        return {
            "fields": self.fields,
            "documents": [
                {"type": d.document_type.code, "name": d.document_type.name, "filename": d.original_filename}
                for d in (copied or self.documents)
            ],
            "stale": self.stale,
            "missing": self.missing,
        }


def _repeated_kind() -> ApplicationKind:
    kind = ApplicationKind.objects.filter(code=ApplicationKind.Code.REPEATED_TRP, is_active=True).first()
    if kind is None:
        raise DomainError(_("Repeated residence permits are not offered in the e-service at the moment."))
    return kind


def plan_renewal(permit: Application, *, today: dt.date) -> RenewalPlan:
    """Decide, without writing, what carries over from ``permit`` to a repeated-permit draft started ``today``."""
    kind = _repeated_kind()
    requirements = applicable_requirements(permit, list_requirements(kind=kind, purpose=permit.purpose))
    wanted = {requirement.document_type_id: requirement for requirement in requirements}
    current = {
        document.document_type_id: document
        for document in ApplicationDocument.objects.filter(application=permit, replaced_at__isnull=True)
        .select_related("document_type")
        .order_by("uploaded_at", "id")
    }
    plan = RenewalPlan(
        kind=kind, fields=[name for name in CARRIED_FIELDS if getattr(permit, name)], documents=[]
    )
    if permit.unit_id:
        plan.fields.append("unit")
    for type_id, requirement in wanted.items():
        document_type = requirement.document_type
        document = current.get(type_id)
        if document is None:
            if requirement.required:
                plan.missing.append({"type": document_type.code, "name": document_type.name})
            continue
        freshness = document_freshness(document_type, document.issued_on, on=today)
        if freshness.is_fresh:
            plan.documents.append(document)
        else:
            plan.stale.append(
                {
                    "type": document_type.code,
                    "name": document_type.name,
                    "filename": document.original_filename,
                    "issued_on": document.issued_on.isoformat() if document.issued_on else None,
                    "max_age_days": freshness.max_age_days,
                    "reason": freshness.status,
                }
            )
    return plan


def _copy_document(document: ApplicationDocument, *, to: Application, user: User) -> ApplicationDocument:
    """A new row with its own copy of the stored file (never the same name: deleting one keeps the other)."""
    copy = ApplicationDocument(
        application=to,
        document_type=document.document_type,
        original_filename=document.original_filename,
        content_type=document.content_type,
        size=document.size,
        sha256=document.sha256,
        issued_on=document.issued_on,
        uploaded_by=user,
    )
    # upload_to (document_upload_path) gives the copy a fresh random name; only the extension is kept.
    # A rolled-back transaction leaves the copied file without a row: harmless, never a row without a file.
    with document.file.open("rb") as source:
        copy.file.save(PurePath(document.file.name).name, source, save=False)
    copy.save()
    return copy


def get_own_invitation(*, token: str, user: User, lock: bool = False) -> RenewalInvitation:
    """The caller's invitation; anyone else's (or a made-up token) is "not found"."""
    queryset = RenewalInvitation.objects.select_related(
        "permit__kind", "permit__purpose", "permit__unit", "draft"
    )
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    invitation = queryset.filter(token=token, applicant_id=user.pk).first() if user.is_authenticated else None
    if invitation is None:
        raise NotFoundError(_("There is no such invitation."))
    return invitation


@transaction.atomic
def start_renewal_draft(*, token: str, user: User) -> tuple[Application, bool]:
    """Start the repeated-permit draft of an invitation, prefilled; a second call returns the same draft
    (``created`` False). The invitation's row lock makes two clicks at once create one draft."""
    invitation = get_own_invitation(token=token, user=user, lock=True)
    if invitation.draft_id is not None:
        return invitation.draft, False
    permit = invitation.permit
    today = timezone.localdate()
    plan = plan_renewal(permit, today=today)
    draft = create_draft(
        applicant=user, kind=plan.kind, purpose=permit.purpose, processing_speed=permit.processing_speed
    )
    changed = []
    for name in CARRIED_FIELDS:
        value = getattr(permit, name)
        if value and getattr(draft, name) != value:
            setattr(draft, name, value)
            changed.append(name)
    if permit.unit_id:
        draft.unit_id = permit.unit_id
        changed.append("unit")
    # The new permit would follow the current one without a gap.
    draft.stay_from = invitation.valid_to + dt.timedelta(days=1)
    draft.save(update_fields=[*changed, "stay_from", "updated_at"])
    copied = [_copy_document(document, to=draft, user=user) for document in plan.documents]
    invitation.draft = draft
    invitation.draft_created_at = timezone.now()
    invitation.carried_over = {"source_reference": permit.reference or "", **plan.as_json(copied)}
    invitation.save(update_fields=["draft", "draft_created_at", "carried_over"])
    record_event(
        application=draft,
        kind=Event.RENEWAL_PREFILLED,
        actor=user,
        data={
            "from_application": permit.pk,
            "from_reference": permit.reference or "",
            "documents_copied": [document.pk for document in copied],
            "documents_to_upload": [item["type"] for item in (*plan.stale, *plan.missing)],
        },
    )
    logger.info(
        "renewal.draft_started invitation=%s draft=%s copied=%s", invitation.pk, draft.pk, len(copied)
    )
    return draft, True


def renewal_lead_days() -> int:
    return settings.PERMIT_RENEWAL_INVITATION_DAYS
