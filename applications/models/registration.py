"""Registration of a granted residence permit: the card fee by production speed, and one registration per case.

After a positive decision the applicant registers the permit at a territorial unit: they choose the unit and how
fast the card is made, pay the card fee, give biometrics there, and later collect the card. The application's own
state machine carries the steps (awaiting_registration → card_in_production → ready_for_collection → collected);
this row holds what the registration needs beside the state: where, how fast, what it costs, when each step
happened and who did it. It is written only by ``applications.services.registration``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.models.catalogue import DatedAmount, dated_amount_constraints

# Working days each card production speed takes (the Office's price list; see CardFee.source_note).
_CARD_WORKING_DAYS = {"standard": 10, "faster": 5, "fastest": 2}


class CardSpeed(models.TextChoices):
    STANDARD = "standard", _("Standard card production (10 working days)")
    FASTER = "faster", _("Faster card production (5 working days)")
    FASTEST = "fastest", _("Fastest card production (2 working days)")

    @property
    def working_days(self) -> int:
        return _CARD_WORKING_DAYS[self.value]


class CardFee(DatedAmount):
    """The fee for producing a residence permit card at one speed, valid over a range of dates."""

    speed = models.CharField(_("card production speed"), max_length=10, choices=CardSpeed.choices)

    series_fields = ("speed",)
    overlap_message = _(
        "Another card fee for this speed is valid on some of these dates. "
        "End the old fee the day before the new one starts."
    )

    class Meta:
        ordering = ["speed", "-valid_from"]
        verbose_name = _("card fee")
        verbose_name_plural = _("card fees")
        constraints = [
            models.UniqueConstraint(fields=["speed", "valid_from"], name="card_fee_unique_start"),
            *dated_amount_constraints("card_fee"),
        ]

    def __str__(self) -> str:
        return f"{self.get_speed_display()} · {self.amount_display}"


class Registration(models.Model):
    """The registration of one granted application: where, how fast, the card fee, and each step's trail."""

    CardSpeed = CardSpeed

    application = models.OneToOneField(
        "applications.Application",
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="registration",
    )
    unit = models.ForeignKey(
        "identity.TerritorialUnit",
        verbose_name=_("territorial unit"),
        on_delete=models.PROTECT,
        related_name="registrations",
        help_text=_("Where the applicant gives biometrics and collects the card."),
    )
    card_speed = models.CharField(
        _("card production speed"), max_length=10, choices=CardSpeed.choices, default=CardSpeed.STANDARD
    )
    card_fee = models.ForeignKey(
        CardFee, verbose_name=_("card fee"), on_delete=models.PROTECT, related_name="registrations"
    )
    # The amount due, fixed when the registration starts (a later price change does not alter it).
    card_fee_cents = models.PositiveIntegerField(_("card fee (euro cents)"))
    card_fee_paid_at = models.DateTimeField(_("card fee paid"), null=True, blank=True)
    started_at = models.DateTimeField(_("registration started"), default=timezone.now)
    biometrics_at = models.DateTimeField(_("biometrics taken"), null=True, blank=True)
    biometrics_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    card_produced_at = models.DateTimeField(_("card produced"), null=True, blank=True)
    card_produced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    collected_at = models.DateTimeField(_("card handed over"), null=True, blank=True)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        indexes = [models.Index(fields=["unit", "started_at"], name="registration_unit")]

    def __str__(self) -> str:
        return f"registration of application {self.application_id}"

    @property
    def card_fee_paid(self) -> bool:
        return self.card_fee_paid_at is not None

    @property
    def card_fee_display(self) -> str:
        return f"{self.card_fee_cents // 100}.{self.card_fee_cents % 100:02d} EUR"
