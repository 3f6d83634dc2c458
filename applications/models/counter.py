"""An application made with the person at an Office counter, and the one-time code that hands it to them.

The application is held by an inactive placeholder account (no password, an address under the reserved
``.invalid`` domain, so no mail is ever sent to it and nobody can sign in as it) until the person claims it
with the code printed on their copy; every ``applicant=user`` check therefore stays as it is. Only a digest of
the claim code is stored; the code itself is derived from the row with the site's secret key when the copy is
printed (``applications.services.counter.claim_code_for``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class IdentityDocumentType(models.TextChoices):
    PASSPORT = "passport", _("Passport")
    ID_CARD = "id_card", _("Identity card")
    TRAVEL_DOCUMENT = "travel_document", _("Travel document")
    RESIDENCE_PERMIT = "residence_permit", _("Residence permit")


class CounterSubmission(models.Model):
    """The counter's record of an application: whose identity document was checked, by whom, and its claim."""

    DocumentType = IdentityDocumentType

    application = models.OneToOneField(
        "applications.Application", on_delete=models.CASCADE, related_name="counter_submission"
    )
    unit = models.ForeignKey(
        "identity.TerritorialUnit",
        verbose_name=_("territorial unit"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    document_type = models.CharField(
        _("identity document"), max_length=20, choices=IdentityDocumentType.choices
    )
    document_number = models.CharField(_("document number"), max_length=30)
    document_country = models.CharField(_("issuing country"), max_length=2)
    document_valid_until = models.DateField(_("valid until"))
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("checked by"), on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField(_("checked"), default=timezone.now)
    # A random salt per row: the claim code is HMAC(SECRET_KEY, salt), so the table alone does not give it.
    claim_salt = models.CharField(max_length=32, blank=True, editable=False)
    claim_digest = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    copy_issued_at = models.DateTimeField(_("copy issued"), null=True, blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("claimed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)

    class Meta:
        verbose_name = _("counter submission")
        verbose_name_plural = _("counter submissions")

    def __str__(self) -> str:
        return f"counter submission of application {self.application_id}"
