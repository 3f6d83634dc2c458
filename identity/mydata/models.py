"""The applicant's data exports and the audit log of what the system did to personal data."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition


class DataExport(models.Model):
    """One request for "everything you hold about me": a ZIP archive built by a worker, offered for a while.

    ``pending`` → ``ready`` (the archive is a workers.GeneratedDocument of this row) or ``failed``. The link
    expires ``MY_DATA_EXPORT_LINK_HOURS`` after the archive is ready; after that it answers 410.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Could not be prepared")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports")
    state = FSMField(_("state"), default=State.PENDING, choices=State.choices, protected=True)
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    ready_at = models.DateTimeField(_("ready"), null=True, blank=True)
    expires_at = models.DateTimeField(_("link expires"), null=True, blank=True, db_index=True)
    # The archive (a workers.GeneratedDocument owned by this row), set when ready; cleared when deleted.
    document = models.OneToOneField(
        "workers.GeneratedDocument", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What the archive holds: {section: number of records}, and the number of files.
    summary = models.JSONField(_("contents"), default=dict, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")
        constraints = [
            # One export in the works per account: a second request returns the first.
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(state="pending"), name="one_pending_export"
            )
        ]

    def __str__(self) -> str:
        return f"export {self.uuid} of user {self.user_id} ({self.state})"

    def is_expired(self, now=None) -> bool:
        return self.expires_at is not None and (now or timezone.now()) >= self.expires_at

    @transition(field=state, source=State.PENDING, target=State.READY)
    def mark_ready(self, *, summary: dict) -> None:
        self.ready_at = timezone.now()
        self.expires_at = self.ready_at + timedelta(hours=settings.MY_DATA_EXPORT_LINK_HOURS)
        self.summary = summary

    @transition(field=state, source=State.PENDING, target=State.FAILED)
    def mark_failed(self) -> None:
        self.ready_at = None


class AuditEntry(models.Model):
    """What the system or staff did to personal data (closing an account, retention, exports), for the Office.

    ``subject_id`` is a plain number, not a foreign key: the entry must outlive anything it describes.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(_("action"), max_length=60, db_index=True)
    subject_id = models.PositiveBigIntegerField(_("account"), null=True, blank=True, db_index=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.action} on account {self.subject_id} at {self.created_at:%Y-%m-%d %H:%M}"
