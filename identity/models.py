"""Users, roles, territorial units, applicant profiles and the staff access log."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    CASE_OFFICER = "case_officer", _("Case officer")
    SENIOR_OFFICER = "senior_officer", _("Senior officer")
    ADMINISTRATOR = "administrator", _("Administrator")


STAFF_ROLES = frozenset({Role.CASE_OFFICER, Role.SENIOR_OFFICER, Role.ADMINISTRATOR})
OFFICER_ROLES = frozenset({Role.CASE_OFFICER, Role.SENIOR_OFFICER})


class Language(models.TextChoices):
    LATVIAN = "lv", "Latviešu"
    ENGLISH = "en", "English"
    RUSSIAN = "ru", "Русский"


class TerritorialUnit(models.Model):
    """A division or branch of the Office where applicants give biometrics and collect cards."""

    class Kind(models.TextChoices):
        DIVISION = "division", _("Division")
        BRANCH = "branch", _("Branch")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.DIVISION)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("division"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="branches",
        help_text=_("The division a branch belongs to."),
    )
    address = models.CharField(_("address"), max_length=255)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    handles_residence_permits = models.BooleanField(
        _("handles residence permits"),
        default=True,
        help_text=_("Accepts residence permit applications, biometrics and card collection."),
    )
    grants_need_approval = models.BooleanField(
        _("grants need a senior officer's approval"),
        default=False,
        help_text=_("Refusals always do (four eyes); tick this to have every grant approved too."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    accessibility = models.TextField(
        _("accessibility of the premises"),
        blank=True,
        help_text=_(
            "Step-free entrance, lift, accessible toilet, parking, help at the door; in plain words."
        ),
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True, help_text=_("For the map link.")
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        help_text=_("For the map link."),
    )
    to_be_verified = models.BooleanField(
        _("to be verified"),
        default=False,
        help_text=_(
            "The address, contacts or accessibility still have to be checked. Administrators see this."
        ),
    )
    verification_note = models.CharField(_("note for administrators"), max_length=500, blank=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("territorial unit")
        verbose_name_plural = _("territorial units")

    def __str__(self) -> str:
        return self.name

    def name_in(self, language: str) -> str:
        """The unit's name in ``language`` (a mail names the unit as its recipient reads, not as the person who
        triggered it did)."""
        with translation.override(language):
            return self.name

    @property
    def map_url(self) -> str:
        """A link to the unit on OpenStreetMap (no embedded map, no third-party script on our pages)."""
        if self.latitude is not None and self.longitude is not None:
            lat, lon = f"{self.latitude:.6f}", f"{self.longitude:.6f}"
            return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=18/{lat}/{lon}"
        query = urlencode({"query": f"Pilsonības un migrācijas lietu pārvalde, {self.address}"})
        return f"https://www.openstreetmap.org/search?{query}"


class ReceptionHours(models.Model):
    """Opening hours of a unit on one weekday (0 = Monday). Public holidays are closed (working-day calendar)."""

    unit = models.ForeignKey(TerritorialUnit, on_delete=models.CASCADE, related_name="reception_hours")
    weekday = models.PositiveSmallIntegerField(
        _("weekday"),
        choices=[
            (0, _("Monday")),
            (1, _("Tuesday")),
            (2, _("Wednesday")),
            (3, _("Thursday")),
            (4, _("Friday")),
            (5, _("Saturday")),
            (6, _("Sunday")),
        ],
    )
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        ordering = ["unit", "weekday", "opens"]
        verbose_name = _("reception hours")
        verbose_name_plural = _("reception hours")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes__gt=models.F("opens")), name="hours_close_after_open"
            ),
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="hours_weekday_range"),
            models.UniqueConstraint(fields=["unit", "weekday", "opens"], name="hours_unique_start"),
        ]

    def __str__(self) -> str:
        return f"{self.unit}: {self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: object) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("role", Role.APPLICANT)
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.update(role=Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
        extra.setdefault("email_verified_at", timezone.now())
        return self._create(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username or "")


class User(AbstractBaseUser, PermissionsMixin):
    """Everyone who signs in. The e-mail address is the login; ``role`` decides what they may do."""

    email = models.EmailField(_("e-mail address"), unique=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.APPLICANT)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, default=Language.LATVIAN
    )
    # Staff only: the unit they work for, and what e-mail signatures say about them.
    unit = models.ForeignKey(
        TerritorialUnit,
        verbose_name=_("territorial unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    position = models.CharField(_("position"), max_length=150, blank=True)
    work_phone = models.CharField(_("work phone"), max_length=40, blank=True)

    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("may use Django admin"), default=False)
    email_verified_at = models.DateTimeField(_("e-mail verified at"), null=True, blank=True)
    # Set when the applicant closed the account (identity.mydata): it cannot sign in again; retention runs from here.
    closed_at = models.DateTimeField(_("account closed"), null=True, blank=True, db_index=True)
    # Set when every retention rule has run for a closed account, so the daily job stops looking at it.
    retention_completed_at = models.DateTimeField(_("retention completed"), null=True, blank=True)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
            models.CheckConstraint(
                condition=~models.Q(role__in=["case_officer", "senior_officer"])
                | models.Q(unit__isnull=False),
                name="officer_has_unit",
            ),
        ]

    def __str__(self) -> str:
        return self.email

    def save(self, *args: object, **kwargs: object) -> None:
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email

    def get_short_name(self) -> str:
        return self.first_name or self.email

    @property
    def is_applicant(self) -> bool:
        return self.role == Role.APPLICANT

    @property
    def is_officer(self) -> bool:
        return self.role in OFFICER_ROLES

    @property
    def is_senior_officer(self) -> bool:
        return self.role == Role.SENIOR_OFFICER

    @property
    def is_staff_member(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def requires_otp(self) -> bool:
        """Staff must always sign in with a second factor; applicants only once they set one up."""
        return self.is_staff_member or self.is_superuser

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None


class ApplicantProfile(models.Model):
    """What an applicant tells about themselves once; applications copy it as a snapshot."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    first_name = models.CharField(_("given names (as in passport)"), max_length=150, blank=True)
    last_name = models.CharField(_("surname (as in passport)"), max_length=150, blank=True)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    nationality = models.CharField(
        _("nationality"), max_length=2, blank=True, help_text=_("ISO 3166-1 alpha-2 country code, e.g. UA.")
    )
    passport_number = models.CharField(_("passport number"), max_length=30, blank=True)
    passport_valid_until = models.DateField(_("passport valid until"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("applicant profile")
        verbose_name_plural = _("applicant profiles")

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or str(self.user)


class EmailVerification(models.Model):
    """Marks a verification token as used, so a link works once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="email_verifications")
    token_id = models.CharField(max_length=64, unique=True)
    used_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"verification {self.token_id[:8]}… used {self.used_at:%Y-%m-%d}"


class RefreshToken(models.Model):
    """One issued refresh token. A refresh token works once; reusing a spent one revokes its whole family."""

    jti = models.CharField(max_length=64, unique=True)
    family = models.CharField(max_length=64, db_index=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="refresh_tokens")
    issued_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "family"])]

    def __str__(self) -> str:
        return f"refresh {self.jti[:8]}… of user {self.user_id}"


class StaffAccessLog(models.Model):
    """Every time staff open an applicant's record. The applicant can read it ("who looked at my file")."""

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_log_entries"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(TerritorialUnit, null=True, blank=True, on_delete=models.PROTECT)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_log_about_me"
    )
    # A generic pointer to what was opened (an application, a document), kept as text to avoid a dependency.
    object_type = models.CharField(_("record"), max_length=50, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    reason = models.CharField(_("why"), max_length=255)
    accessed_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-accessed_at"]
        verbose_name = _("staff access log entry")
        verbose_name_plural = _("staff access log")
        indexes = [models.Index(fields=["applicant", "-accessed_at"])]

    def __str__(self) -> str:
        return f"{self.staff_id} → {self.applicant_id} at {self.accessed_at:%Y-%m-%d %H:%M}"


# My data (identity/mydata): exports and the audit log live in their own module.
from identity.mydata.models import AuditEntry, DataExport  # noqa: E402, F401
