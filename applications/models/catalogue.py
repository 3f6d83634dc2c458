"""The catalogue: what can be applied for, which documents it takes, what it costs, what a decision may cite.

Administrators edit these rows in Django admin; the code refers to kinds and purposes only by their codes.
Money is in euro cents. Fees and payee accounts are dated rows, so a change never rewrites history.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# Working days each processing speed allows for a decision (Cabinet Regulation on state fees).
_SPEED_WORKING_DAYS = {"standard": 30, "faster": 10, "fastest": 5}


class ProcessingSpeed(models.TextChoices):
    STANDARD = "standard", _("Standard (30 working days)")
    FASTER = "faster", _("Faster (10 working days)")
    FASTEST = "fastest", _("Fastest (5 working days)")

    @property
    def working_days(self) -> int:
        return _SPEED_WORKING_DAYS[self.value]


def _validate_speed_list(value: object) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError(_("List at least one processing speed."))
    unknown = [item for item in value if item not in ProcessingSpeed.values]
    if unknown:
        raise ValidationError(
            _("Unknown processing speed(s): %(speeds)s."), params={"speeds": ", ".join(map(str, unknown))}
        )
    if len(set(value)) != len(value):
        raise ValidationError(_("Each processing speed may be listed once."))


def _validate_content_types(value: object) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError(_("List at least one accepted file type."))
    for item in value:
        if not isinstance(item, str) or "/" not in item:
            raise ValidationError(
                _("“%(value)s” is not a media type such as application/pdf."), params={"value": item}
            )


def _default_speeds() -> list[str]:
    return [ProcessingSpeed.STANDARD.value]


def _default_content_types() -> list[str]:
    return ["application/pdf", "image/jpeg", "image/png"]


class Purpose(models.Model):
    """Why the foreigner wants to live in Latvia."""

    class Code(models.TextChoices):
        EMPLOYMENT = "employment", _("Employment")
        STUDIES = "studies", _("Studies")
        FAMILY = "family", _("Family reunification")
        BUSINESS = "business", _("Business or investment")
        RESEARCH = "research", _("Research")
        OTHER = "other", _("Other")

    code = models.SlugField(_("code"), max_length=30, unique=True, choices=Code.choices)
    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    requires_invitation = models.BooleanField(
        _("requires an approved invitation"),
        default=False,
        help_text=_("The inviter's invitation (“call”) must be approved by the Office before applying."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("purpose of residence")
        verbose_name_plural = _("purposes of residence")

    def __str__(self) -> str:
        return self.name


class ApplicationKind(models.Model):
    """What is applied for: a first or repeated temporary residence permit, EU long-term status, registration."""

    class Code(models.TextChoices):
        FIRST_TRP = "first_trp", _("First temporary residence permit")
        REPEATED_TRP = "repeated_trp", _("Repeated temporary residence permit")
        EU_LONG_TERM = "eu_long_term", _("Status of EU long-term resident")
        REGISTRATION = "registration", _("Registration of a residence permit")

    code = models.SlugField(_("code"), max_length=30, unique=True, choices=Code.choices)
    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    needs_registration = models.BooleanField(
        _("needs registration after a positive decision"),
        default=False,
        help_text=_(
            "After a grant the applicant gives biometrics and the residence permit card is produced."
        ),
    )
    speeds = models.JSONField(
        _("processing speeds offered"),
        default=_default_speeds,
        validators=[_validate_speed_list],
        help_text=_("Codes: standard, faster, fastest."),
    )
    purposes = models.ManyToManyField(Purpose, verbose_name=_("purposes"), related_name="kinds", blank=True)
    starts_from_decision = models.BooleanField(
        _("starts from a granted decision"),
        default=False,
        help_text=_(
            "Not started from the guide: the applicant starts it from a granted decision of their own "
            "(registration of a residence permit asks only for the decision, the unit and the card's "
            "production speed)."
        ),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    # Kinds whose applicant must name the inviter's approved invitation ("call") when the purpose requires
    # one; an EU long-term resident or a permit being registered needs no new invitation.
    INVITATION_KINDS = frozenset({Code.FIRST_TRP, Code.REPEATED_TRP})

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("application kind")
        verbose_name_plural = _("application kinds")

    def __str__(self) -> str:
        return self.name

    @property
    def offered_speeds(self) -> list[ProcessingSpeed]:
        """The speeds this kind offers, fastest last, whatever order the admin typed them in."""
        return [speed for speed in ProcessingSpeed if speed.value in (self.speeds or [])]

    def offers_speed(self, speed: str) -> bool:
        return speed in (self.speeds or [])

    def needs_invitation(self, purpose: Purpose) -> bool:
        """Whether an applicant of this kind, for ``purpose``, needs the inviter's approved invitation first."""
        return purpose.requires_invitation and self.code in self.INVITATION_KINDS


class DocumentType(models.Model):
    """A kind of document an applicant uploads, with what files are accepted and how recent it must be."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    accepted_content_types = models.JSONField(
        _("accepted file types"),
        default=_default_content_types,
        validators=[_validate_content_types],
        help_text=_("Media types, e.g. application/pdf, image/jpeg, image/png."),
    )
    max_size_bytes = models.PositiveIntegerField(
        _("maximum file size (bytes)"), default=10 * 1024 * 1024, validators=[MinValueValidator(1024)]
    )
    needs_translation = models.BooleanField(
        _("needs a certified translation into Latvian"),
        default=False,
        help_text=_("A document in a foreign language must come with a certified translation."),
    )
    max_age_days = models.PositiveIntegerField(
        _("maximum age at submission (days)"),
        null=True,
        blank=True,
        help_text=_("How recently the document must have been issued. Empty: no limit."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("document type")
        verbose_name_plural = _("document types")

    def __str__(self) -> str:
        return self.name

    def is_recent_enough(self, *, issued_on: dt.date, submitted_on: dt.date) -> bool:
        if self.max_age_days is None:
            return True
        return (submitted_on - issued_on).days <= self.max_age_days


class DocumentRequirement(models.Model):
    """One line of the checklist: a document type a kind (and purpose) takes, required or optional."""

    class Condition(models.TextChoices):
        ALWAYS = "always", _("Always")
        MINOR = "minor", _("If the applicant is a minor (under 18)")
        ADULT = "adult", _("If the applicant is an adult (18 or older)")
        JOINING_SPOUSE = "joining_spouse", _("If the applicant joins a spouse")

    kind = models.ForeignKey(
        ApplicationKind,
        verbose_name=_("application kind"),
        on_delete=models.CASCADE,
        related_name="requirements",
    )
    purpose = models.ForeignKey(
        Purpose,
        verbose_name=_("purpose"),
        on_delete=models.CASCADE,
        related_name="requirements",
        null=True,
        blank=True,
        help_text=_("Empty: the requirement applies to every purpose."),
    )
    document_type = models.ForeignKey(
        DocumentType, verbose_name=_("document type"), on_delete=models.PROTECT, related_name="requirements"
    )
    required = models.BooleanField(_("required"), default=True)
    condition = models.CharField(
        _("condition"), max_length=20, choices=Condition.choices, default=Condition.ALWAYS
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["kind", "position", "id"]
        verbose_name = _("document requirement")
        verbose_name_plural = _("document requirements")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "purpose", "document_type", "condition"],
                condition=models.Q(purpose__isnull=False),
                name="requirement_unique_for_purpose",
            ),
            models.UniqueConstraint(
                fields=["kind", "document_type", "condition"],
                condition=models.Q(purpose__isnull=True),
                name="requirement_unique_for_all_purposes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} / {self.purpose or '*'}: {self.document_type}"

    def applies_to(self, *, is_minor: bool | None) -> bool:
        """Whether this line concerns an applicant; with ``is_minor`` unknown, age conditions apply."""
        if self.condition == self.Condition.MINOR:
            return is_minor is not False
        if self.condition == self.Condition.ADULT:
            return is_minor is not True
        return True


def sharing_a_day(rows: models.QuerySet, *, valid_from: dt.date, valid_to: dt.date | None) -> models.QuerySet:
    """The dated rows (``valid_from``, inclusive ``valid_to`` or open) valid on at least one day of the range."""
    if valid_to is not None:
        rows = rows.filter(valid_from__lte=valid_to)
    return rows.filter(models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=valid_from))


class DatedAmount(models.Model):
    """An amount in euro cents valid over a range of dates (``valid_from``, inclusive ``valid_to`` or open), with
    where it was checked. No two rows of one series (the same ``series_fields``: a kind and speed, a card speed)
    may be valid on the same day; ``clean`` refuses an overlap, and each concrete model adds the database
    constraints of its own (``dated_amount_constraints``) under names of its own."""

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

    # The fields naming one series of amounts; with any of them empty, the overlap is not checked.
    series_fields: tuple[str, ...] = ()
    # What ``clean`` says of an overlap, in each concrete model's own words.
    overlap_message: str

    class Meta:
        abstract = True

    @property
    def amount_display(self) -> str:
        return f"{self.amount_cents // 100}.{self.amount_cents % 100:02d} {self.currency}"

    def overlapping(self) -> models.QuerySet:
        """Other rows of the same series whose validity shares at least one day with this one."""
        series = {name: getattr(self, name) for name in self.series_fields}
        others = type(self)._default_manager.filter(**series).exclude(pk=self.pk)
        return sharing_a_day(others, valid_from=self.valid_from, valid_to=self.valid_to)

    def clean_series(self) -> None:
        """Checks of the series' own fields, run before the overlap check (which needs them right)."""

    def clean(self) -> None:
        super().clean()
        if self.valid_to is not None and self.valid_from and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("The fee cannot end before it starts.")})
        self.clean_series()
        series_known = all(getattr(self, name) for name in self.series_fields)
        if series_known and self.valid_from and self.overlapping().exists():
            raise ValidationError(self.overlap_message)


def dated_amount_constraints(prefix: str) -> list[models.BaseConstraint]:
    """The database's own guard on a ``DatedAmount``: the range does not end before it starts; euro only."""
    return [
        models.CheckConstraint(
            condition=models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=models.F("valid_from")),
            name=f"{prefix}_valid_range",
        ),
        models.CheckConstraint(condition=models.Q(currency="EUR"), name=f"{prefix}_currency_eur"),
    ]


class Fee(DatedAmount):
    """The state fee for examining an application of one kind at one speed, valid over a range of dates."""

    kind = models.ForeignKey(
        ApplicationKind, verbose_name=_("application kind"), on_delete=models.PROTECT, related_name="fees"
    )
    speed = models.CharField(_("processing speed"), max_length=10, choices=ProcessingSpeed.choices)
    source_checked_on = models.DateField(_("source checked on"), null=True, blank=True)

    series_fields = ("kind_id", "speed")
    overlap_message = _(
        "Another fee for this kind and speed is valid on some of these dates. "
        "End the old fee the day before the new one starts."
    )

    class Meta:
        ordering = ["kind", "speed", "-valid_from"]
        verbose_name = _("state fee")
        verbose_name_plural = _("state fees")
        constraints = [
            models.UniqueConstraint(fields=["kind", "speed", "valid_from"], name="fee_unique_start"),
            *dated_amount_constraints("fee"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} · {self.get_speed_display()} · {self.amount_display}"

    def clean_series(self) -> None:
        if self.kind_id and self.speed and not self.kind.offers_speed(self.speed):
            raise ValidationError(
                {"speed": _("%(kind)s is not offered at this speed.") % {"kind": self.kind.name}}
            )


class LegalGround(models.Model):
    """A legal provision a decision may cite, and whether it supports a grant or a refusal."""

    class Outcome(models.TextChoices):
        GRANT = "grant", _("Grant")
        REFUSE = "refuse", _("Refusal")

    code = models.SlugField(_("code"), max_length=60, unique=True)
    law_reference = models.CharField(_("law reference"), max_length=255)
    text = models.TextField(_("text"))
    outcome = models.CharField(_("outcome it supports"), max_length=10, choices=Outcome.choices)
    kinds = models.ManyToManyField(
        ApplicationKind,
        verbose_name=_("application kinds"),
        related_name="legal_grounds",
        blank=True,
        help_text=_("Empty: may be cited for every kind."),
    )
    purpose = models.ForeignKey(
        Purpose,
        verbose_name=_("purpose"),
        on_delete=models.PROTECT,
        related_name="legal_grounds",
        null=True,
        blank=True,
        help_text=_("Empty: may be cited for every purpose."),
    )
    to_be_verified = models.BooleanField(_("to be verified"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["outcome", "code"]
        verbose_name = _("legal ground")
        verbose_name_plural = _("legal grounds")

    def __str__(self) -> str:
        return f"{self.law_reference} ({self.get_outcome_display()})"


def _iban_is_valid(iban: str) -> bool:
    compact = iban.replace(" ", "").upper()
    if len(compact) < 15 or not compact[:2].isalpha() or not compact[2:4].isdigit() or not compact.isalnum():
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def validate_iban(value: str) -> None:
    if not _iban_is_valid(value):
        raise ValidationError(_("This is not a valid IBAN."))


class PayeeAccount(models.Model):
    """The account state fees are paid to (the State Treasury), valid over a range of dates."""

    name = models.CharField(_("payee"), max_length=150)
    registration_number = models.CharField(_("registration number"), max_length=20, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34, validators=[validate_iban])
    bic = models.CharField(_("BIC"), max_length=11)
    bank_name = models.CharField(_("bank"), max_length=150)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to (inclusive)"), null=True, blank=True)
    to_be_verified = models.BooleanField(_("to be verified"), default=False)

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("payee account")
        verbose_name_plural = _("payee accounts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=models.F("valid_from")),
                name="payee_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.iban}"

    @property
    def iban_display(self) -> str:
        compact = self.iban.replace(" ", "").upper()
        return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))

    def clean(self) -> None:
        super().clean()
        self.iban = self.iban.replace(" ", "").upper()
        self.bic = self.bic.strip().upper()
        if self.valid_to is not None and self.valid_from and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("The account cannot stop being valid before it starts.")})


class CalendarException(models.Model):
    """A day the Cabinet transferred: a weekday made a day off, or a Saturday made a working day."""

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(
        _("working day"), help_text=_("Ticked: the Office works this day. Unticked: the day is off.")
    )
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d}: {self.note}"
