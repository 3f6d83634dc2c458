"""Registration of a granted residence permit: the card fee by production speed, and one registration per case.

After a positive decision the applicant registers the permit at a territorial unit: they choose the unit and how
fast the card is made, pay the card fee, give biometrics there, and later collect the card. The application's own
state machine carries the steps (awaiting_registration → card_in_production → ready_for_collection → collected);
this row holds what the registration needs beside the state: where, how fast, what it costs, when each step
happened and who did it. It is written only by ``applications.services.registration``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.models.catalogue import sharing_a_day

# Working days each card production speed takes (the Office's price list; see CardFee.source_note).
_CARD_WORKING_DAYS = {"standard": 10, "faster": 5, "fastest": 2}


class CardSpeed(models.TextChoices):
    STANDARD = "standard", _("Standard card production (10 working days)")
    FASTER = "faster", _("Faster card production (5 working days)")
    FASTEST = "fastest", _("Fastest card production (2 working days)")

    @property
    def working_days(self) -> int:
        return _CARD_WORKING_DAYS[self.value]


class CardFee(models.Model):
    """The fee for producing a residence permit card at one speed, valid over a range of dates."""

    speed = models.CharField(_("card production speed"), max_length=10, choices=CardSpeed.choices)
    amount_cents = models.PositiveIntegerField(_("amount (euro cents)"))
    currency = models.CharField(_("currency"), max_length=3, default="EUR", editable=False)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(
        _("valid to (inclusive)"), null=True, blank=True, help_text=_("Empty: valid until changed.")
    )
    to_be_verified = models.BooleanField(
        _("to be verified"),
        default=False,
        help_text=_("The amount still has to be checked against the current Cabinet Regulation."),
    )
    legal_basis = models.CharField(_("legal basis"), max_length=255, blank=True)
    source_url = models.URLField(
        _("source"), blank=True, help_text=_("The public page or regulation the amount was checked against.")
    )
    source_note = models.CharField(
        _("note for administrators"),
        max_length=500,
        blank=True,
        help_text=_("What is confirmed and what is not. Shown in the administration only."),
    )

    class Meta:
        ordering = ["speed", "-valid_from"]
        verbose_name = _("card fee")
        verbose_name_plural = _("card fees")
        constraints = [
            models.UniqueConstraint(fields=["speed", "valid_from"], name="card_fee_unique_start"),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=models.F("valid_from")),
                name="card_fee_valid_range",
            ),
            models.CheckConstraint(condition=models.Q(currency="EUR"), name="card_fee_currency_eur"),
        ]

    def __str__(self) -> str:
        return f"{self.get_speed_display()} · {self.amount_display}"

    @property
    def amount_display(self) -> str:
        return f"{self.amount_cents // 100}.{self.amount_cents % 100:02d} {self.currency}"

    def overlapping(self) -> models.QuerySet[CardFee]:
        """Other card fees of the same speed whose validity shares at least one day with this one."""
        others = CardFee.objects.filter(speed=self.speed).exclude(pk=self.pk)
        return sharing_a_day(others, valid_from=self.valid_from, valid_to=self.valid_to)

    def clean(self) -> None:
        super().clean()
        if self.valid_to is not None and self.valid_from and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("The fee cannot end before it starts.")})
        if self.speed and self.valid_from and self.overlapping().exists():
            raise ValidationError(
                _(
                    "Another card fee for this speed is valid on some of these dates. "
                    "End the old fee the day before the new one starts."
                )
            )


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
