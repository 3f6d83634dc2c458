"""A representative's invitation to the adult person they applied for, to see the application in their account.

The person accepts while signed in with an account whose verified e-mail address is the invited one; the
application then moves into their account and the representative keeps seeing it (``may_act_on``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class FamilyInvitation(models.Model):
    application = models.ForeignKey(
        "applications.Application", on_delete=models.CASCADE, related_name="family_invitations"
    )
    email = models.EmailField(_("e-mail address"))
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("invited"), default=timezone.now)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("family invitation")
        verbose_name_plural = _("family invitations")
        indexes = [models.Index(Lower("email"), name="family_invitation_email")]
        constraints = [
            # One open invitation per application; a new one replaces it (the service deletes the old).
            models.UniqueConstraint(
                fields=["application"],
                condition=models.Q(accepted_at__isnull=True),
                name="family_invitation_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"invitation to application {self.application_id}"
