"""My data: build the archive, offer it through an expiring link, close an account, apply the retention policy.

Every write here leaves an ``AuditEntry``; the archive's JSON layout is documented in ``ARCHIVE_README`` (it is
written into each archive as README.txt).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import tempfile
import zipfile
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from eservice.exceptions import ConflictError, DomainError, ForbiddenError, NotFoundError
from identity.models import AuditEntry, DataExport, User
from identity.mydata import registry
from identity.services.api_tokens import revoke_user_tokens
from workers.queueing import enqueue_on_commit
from workers.services import absolute_url, delete_generated_document, notify, store_file

logger = logging.getLogger(__name__)

ARCHIVE_KIND = "data-export"
ARCHIVE_FORMAT = "ocma-eservice-my-data"
ARCHIVE_VERSION = 1
ARCHIVE_README = """\
Everything the residence permit e-service of the Office of Citizenship and Migration Affairs holds about you.

data.json
  format        "ocma-eservice-my-data"
  version       1 (a new version adds fields; it never renames one)
  generated_at  when this archive was made (ISO 8601, UTC offset included)
  account       your account: id, e-mail, names, language, joined, e-mail verified
  sections      one entry per kind of record, each a list of records (or one object for "profile"):
{sections}
  files         every file in this archive beside data.json: path (inside the archive), section, record_id
                (the "id" of the record it belongs to), size in bytes and sha256 (of the file as archived)

Dates are ISO 8601 (YYYY-MM-DD), times ISO 8601 with their UTC offset. Amounts are in euro cents.
files/  the documents you uploaded, exactly as stored, and the PDFs the Office issued to you.
"""


class ExportExpiredError(DomainError):
    """The link to an archive has expired (410 Gone): the applicant asks for a new one."""

    status_code = 410
    code = "export_expired"
    default_message = gettext_lazy("This link has expired. Ask for a new copy of your data.")


class WrongPasswordError(DomainError):
    code = "wrong_password"
    default_message = gettext_lazy("The password is not correct.")


def audit(*, action: str, subject_id: int | None, actor: User | None = None, **details: Any) -> AuditEntry:
    return AuditEntry.objects.create(actor=actor, action=action, subject_id=subject_id, details=details)


def _applicant_only(user: User) -> None:
    if not user.is_applicant:
        raise ForbiddenError(_("Only applicants have data to download or an account to close here."))


# --- the archive -----------------------------------------------------------------------------------------


@transaction.atomic
def request_data_export(*, user: User) -> tuple[DataExport, bool]:
    """Ask for the archive; a worker builds it after commit. A second request while one is being prepared
    returns that one (``created`` False), so a double click builds one archive."""
    _applicant_only(user)
    User.objects.select_for_update().filter(pk=user.pk).first()  # serialise this account's requests
    pending = DataExport.objects.filter(user=user, state=DataExport.State.PENDING).first()
    if pending is not None:
        return pending, False
    export = DataExport.objects.create(user=user)
    audit(action="mydata.export_requested", subject_id=user.pk, actor=user, export=str(export.uuid))
    enqueue_on_commit("identity.tasks.build_data_export", export.pk)
    logger.info("mydata.export_requested id=%s", export.pk)
    return export, True


def _iso(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


def _account(user: User) -> dict[str, Any]:
    return {
        "id": user.pk,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "preferred_language": user.preferred_language,
        "date_joined": user.date_joined.isoformat(),
        "email_verified_at": user.email_verified_at.isoformat() if user.email_verified_at else None,
    }


def _copy_into(archive: zipfile.ZipFile, export_file: registry.ExportFile) -> dict[str, Any] | None:
    """Copy one stored file into the archive under files/, hashing what was written. A file missing from the
    storage is listed with ``missing: true`` instead of failing the whole archive."""
    path = f"files/{export_file.path}"
    digest = hashlib.sha256()
    size = 0
    try:
        with export_file.file.open("rb") as source, archive.open(path, "w", force_zip64=True) as target:
            for chunk in iter(lambda: source.read(1024 * 1024), b""):
                digest.update(chunk)
                target.write(chunk)
                size += len(chunk)
    except (FileNotFoundError, OSError, ValueError):
        logger.warning("mydata.file_missing section=%s record=%s", export_file.section, export_file.record_id)
        return {
            "path": None,
            "section": export_file.section,
            "record_id": export_file.record_id,
            "missing": True,
        }
    return {
        "path": path,
        "section": export_file.section,
        "record_id": export_file.record_id,
        "size": size,
        "sha256": digest.hexdigest(),
        "sha256_when_stored": export_file.sha256,
    }


def write_archive(*, user: User, target: Any, now: dt.datetime) -> dict[str, Any]:
    """Write the ZIP of ``user``'s data into the open binary file ``target``; return the summary."""
    sections: dict[str, Any] = {}
    files: list[dict[str, Any]] = []
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for section in registry.export_sections:
            data = section.collect(user)
            sections[section.key] = data.records
            for export_file in data.files:
                entry = _copy_into(archive, export_file)
                if entry is not None:
                    files.append(entry)
        document = {
            "format": ARCHIVE_FORMAT,
            "version": ARCHIVE_VERSION,
            "generated_at": now.isoformat(),
            "account": _account(user),
            "sections": sections,
            "files": files,
        }
        archive.writestr("data.json", json.dumps(document, default=_iso, ensure_ascii=False, indent=2))
        lines = "\n".join(
            f"    {section.key:<22}{section.description}" for section in registry.export_sections
        )
        archive.writestr("README.txt", ARCHIVE_README.format(sections=lines))
    return {
        "sections": {key: (len(value) if isinstance(value, list) else 1) for key, value in sections.items()},
        "files": len(files),
    }


def build_data_export(*, export_id: int) -> DataExport | None:
    """Build and store the archive of a pending export, then e-mail its owner. Safe to run twice: an export
    that is no longer pending is left as it is."""
    export = DataExport.objects.select_related("user").filter(pk=export_id).first()
    if export is None or export.state != DataExport.State.PENDING:
        return export
    user = export.user
    now = timezone.now()
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spool:
        summary = write_archive(user=user, target=spool, now=now)
        with transaction.atomic():
            export = DataExport.objects.select_for_update().filter(pk=export_id).first()
            if export is None or export.state != DataExport.State.PENDING:
                return export  # gone (the account was closed meanwhile) or built by another run
            document = store_file(
                owner=export,
                kind=ARCHIVE_KIND,
                file=spool,
                filename=f"my-data-{now:%Y-%m-%d}.zip",
                mime_type="application/zip",
            )
            export.mark_ready(summary=summary)
            export.document = document
            export.save(update_fields=["state", "ready_at", "expires_at", "summary", "document"])
            audit(action="mydata.export_ready", subject_id=user.pk, export=str(export.uuid), **summary)
            notify(
                recipient=user,
                event="data_export_ready",
                context={
                    "url": absolute_url(reverse("identity:my-data-download", args=[export.uuid])),
                    "expires_at": export.expires_at.isoformat(),
                    # The day in Riga, for the mail's date; the link works until the same time of that day.
                    "expires_on": timezone.localtime(export.expires_at).date().isoformat(),
                    "expires_time": timezone.localtime(export.expires_at).strftime("%H:%M"),
                },
            )
    logger.info("mydata.export_ready id=%s files=%s", export.pk, summary["files"])
    return export


@transaction.atomic
def fail_data_export(*, export_id: int) -> None:
    """The worker gave up on an archive: say so on the page, so the applicant can ask again."""
    export = DataExport.objects.select_for_update().filter(pk=export_id).first()
    if export is not None and export.state == DataExport.State.PENDING:
        export.mark_failed()
        export.save(update_fields=["state", "ready_at"])
        audit(action="mydata.export_failed", subject_id=export.user_id, export=str(export.uuid))


def get_export_for_download(*, user: User, export_uuid: Any) -> DataExport:
    """The caller's ready archive. Another account's (or no such) export: not found; past its link's life: gone."""
    export = (
        DataExport.objects.select_related("document").filter(uuid=export_uuid, user_id=user.pk).first()
        if user.is_authenticated
        else None
    )
    if export is None:
        raise NotFoundError(_("There is no such copy of your data."))
    if export.is_expired():
        raise ExportExpiredError()
    if export.state != DataExport.State.READY or export.document is None:
        raise ConflictError(
            _("Your copy is still being prepared. We will e-mail you when it is ready."),
            details={"state": export.state},
        )
    return export


# --- closing the account ---------------------------------------------------------------------------------


def list_closing_consequences(*, user: User) -> list[dict[str, Any]]:
    """What closing would do to the applicant's records, as each app describes it (for the confirmation page)."""
    consequences: list[dict[str, Any]] = []
    for check in registry.closing_checks:
        consequences.extend(check(user))
    return consequences


@transaction.atomic
def close_account(*, user: User, password: str) -> dict[str, Any]:
    """Close the caller's account: confirmed with the password; every closing hook runs (applications withdraws
    the open applications, or refuses while a decision is being made); the account is deactivated and signed out
    everywhere. The retention policy runs from ``closed_at``."""
    _applicant_only(user)
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.closed_at is not None:
        raise ConflictError(_("This account is already closed."))
    if not password or not check_password(password, locked.password):
        raise WrongPasswordError()
    details: dict[str, Any] = {}
    for hook in registry.closing_hooks:
        details.update(hook(locked) or {})
    # Archives already made are copies of personal data nobody can fetch any more: delete them now.
    exports = list(DataExport.objects.filter(user=locked).select_related("document"))
    for export in exports:
        if export.document is not None:
            delete_generated_document(export.document)
    DataExport.objects.filter(user=locked).delete()
    locked.is_active = False
    locked.closed_at = timezone.now()
    locked.save(update_fields=["is_active", "closed_at"])
    revoke_user_tokens(user=locked)
    audit(
        action="account.closed", subject_id=locked.pk, actor=locked, exports_deleted=len(exports), **details
    )
    logger.info("account.closed id=%s", locked.pk)
    return details


# --- retention -------------------------------------------------------------------------------------------


def _period(record_type: str) -> dt.timedelta:
    return dt.timedelta(days=settings.MY_DATA_RETENTION_DAYS[record_type])


def apply_retention_policy(*, now: dt.datetime | None = None) -> list[AuditEntry]:
    """Anonymise or delete what closed accounts left behind once each record type's period has run, and delete
    archives whose link expired. Writes one audit entry per rule that changed something, and one when an
    account's retention is complete. Idempotent: a rule that finds nothing to do writes nothing."""
    now = now or timezone.now()
    entries: list[AuditEntry] = []
    entries.extend(_purge_expired_exports(now=now))
    rules = registry.retention_rules
    if not rules:
        return entries
    shortest = min(_period(rule.record_type) for rule in rules)
    candidates = User.objects.filter(
        closed_at__isnull=False, closed_at__lte=now - shortest, retention_completed_at__isnull=True
    ).values_list("pk", flat=True)
    for user_id in list(candidates):
        entries.extend(_apply_rules(user_id=user_id, now=now))
    return entries


@transaction.atomic
def _apply_rules(*, user_id: int, now: dt.datetime) -> list[AuditEntry]:
    user = User.objects.select_for_update().get(pk=user_id)
    entries = []
    all_due = True
    for rule in registry.retention_rules:
        period = _period(rule.record_type)
        if user.closed_at + period > now:
            all_due = False
            continue
        done = {key: count for key, count in rule.apply(user).items() if count}
        if done:
            entries.append(
                audit(
                    action="retention.applied",
                    subject_id=user.pk,
                    rule=rule.name,
                    record_type=rule.record_type,
                    period_days=period.days,
                    closed_at=user.closed_at.isoformat(),
                    **done,
                )
            )
    if all_due:
        user.retention_completed_at = now
        user.save(update_fields=["retention_completed_at"])
        entries.append(
            audit(action="retention.completed", subject_id=user.pk, closed_at=user.closed_at.isoformat())
        )
    logger.info("retention.applied user=%s entries=%s", user.pk, len(entries))
    return entries


@transaction.atomic
def _purge_expired_exports(*, now: dt.datetime) -> list[AuditEntry]:
    expired = list(
        DataExport.objects.select_for_update(of=("self",))
        .filter(expires_at__lte=now, document__isnull=False)
        .select_related("document")
    )
    by_user: dict[int, int] = {}
    for export in expired:
        delete_generated_document(export.document)
        by_user[export.user_id] = by_user.get(export.user_id, 0) + 1
    return [
        audit(action="retention.export_archives_deleted", subject_id=user_id, archives=count)
        for user_id, count in by_user.items()
    ]
