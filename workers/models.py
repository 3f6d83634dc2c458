"""The notification outbox and the PDFs generated for other apps' objects."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One e-mail to send: written in the transaction of the change it announces, sent by a worker after commit.

    ``pending`` → ``sending`` (claimed by one worker) → ``sent``; back to ``pending`` after a transient SMTP error,
    ``failed`` when the attempts are used up or the server refuses the message for good.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acting officer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    event = models.CharField(_("event"), max_length=80)
    context = models.JSONField(_("context"), default=dict, blank=True)
    # Files to attach, built when the mail is sent (never stored here as bytes): each item names a builder
    # function by its dotted path and its JSON arguments (see workers.services.notifications.ATTACHMENTS).
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # Filled when sent: what the recipient actually received.
    sent_to = models.EmailField(_("sent to"), blank=True)
    language = models.CharField(_("language"), max_length=2, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_enqueued_at = models.DateTimeField(_("last queued"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("sending since"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["status", "created_at"], name="notification_status_created")]

    def __str__(self) -> str:
        return f"{self.event} → user {self.recipient_id} ({self.status})"

    @property
    def message_id(self) -> str:
        """The same Message-ID on every attempt, so a mail server or client can drop a duplicate."""
        domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> ") or "localhost"
        return f"<notification-{self.uuid}@{domain}>"


def _generated_upload_to(instance: GeneratedDocument, filename: str) -> str:
    now = timezone.now()
    return f"generated/{instance.kind}/{now:%Y/%m}/{uuid.uuid4().hex}-{filename}"


class GeneratedDocument(models.Model):
    """A PDF rendered for an object of another app (an application receipt, a decision letter), one per kind."""

    owner_content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    owner_id = models.PositiveBigIntegerField()
    owner = GenericForeignKey("owner_content_type", "owner_id")
    kind = models.SlugField(_("kind"), max_length=50)
    file = models.FileField(_("file"), upload_to=_generated_upload_to, max_length=255)
    filename = models.CharField(_("file name"), max_length=150)
    mime_type = models.CharField(_("type"), max_length=80, default="application/pdf")
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("size in bytes"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("generated document")
        verbose_name_plural = _("generated documents")
        constraints = [
            models.UniqueConstraint(
                fields=["owner_content_type", "owner_id", "kind"], name="generated_document_one_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.owner_content_type_id}:{self.owner_id}"
