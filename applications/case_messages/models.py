"""A message on a case and its attachments. A message of the applicant waits for the Office until answered."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CaseMessage(models.Model):
    """One message on an application: from the applicant, or the Office's answer."""

    class Direction(models.TextChoices):
        FROM_APPLICANT = "applicant", _("From the applicant")
        FROM_OFFICE = "office", _("From the Office")

    application = models.ForeignKey(
        "applications.Application",
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="messages",
    )
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    # An applicant's message waits for the Office until an officer answers on the case.
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            models.Index(fields=["application", "created_at"], name="case_message_thread"),
            # The back office's "messages waiting": few at any time, read oldest first.
            models.Index(
                fields=["created_at", "id"],
                condition=models.Q(direction="applicant", answered_at__isnull=True),
                name="case_message_waiting",
            ),
        ]

    def __str__(self) -> str:
        return f"message {self.pk} on application {self.application_id}"

    @property
    def from_applicant(self) -> bool:
        return self.direction == self.Direction.FROM_APPLICANT


def attachment_upload_path(instance: CaseMessageAttachment, filename: str) -> str:
    """Never guessable and never the sender's file name: messages/<random>/<random>.<ext>."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"messages/{secrets.token_hex(16)}/{secrets.token_urlsafe(24)}.{ext}"


class CaseMessageAttachment(models.Model):
    """A file sent with a message: checked by its content and rebuilt like an application's documents."""

    message = models.ForeignKey(CaseMessage, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_upload_path, max_length=255)
    original_filename = models.CharField(_("file name"), max_length=150)
    content_type = models.CharField(_("file type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)

    class Meta:
        ordering = ["id"]
        verbose_name = _("message attachment")
        verbose_name_plural = _("message attachments")

    def __str__(self) -> str:
        return self.original_filename
