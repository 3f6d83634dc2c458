"""One invitation per granted permit to apply for a repeated permit, and the draft it started."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def _token() -> str:
    return secrets.token_urlsafe(24)


class RenewalInvitation(models.Model):
    """Sent once per permit (the unique ``permit``); its link starts one draft (``draft``), never two."""

    permit = models.OneToOneField(
        "applications.Application",
        verbose_name=_("granted application"),
        on_delete=models.CASCADE,
        related_name="renewal_invitation",
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="renewal_invitations"
    )
    valid_to = models.DateField(_("permit valid until"))
    token = models.CharField(max_length=64, unique=True, default=_token, editable=False)
    sent_at = models.DateTimeField(_("invited"), default=timezone.now)
    draft = models.OneToOneField(
        "applications.Application",
        verbose_name=_("repeated permit application"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="renewed_from",
    )
    draft_created_at = models.DateTimeField(_("draft started"), null=True, blank=True)
    # What the draft got from the permit's application and what is still needed (shown on the draft's page).
    carried_over = models.JSONField(_("carried over"), default=dict, blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("repeated permit invitation")
        verbose_name_plural = _("repeated permit invitations")

    def __str__(self) -> str:
        return f"renewal invitation for application {self.permit_id}"
