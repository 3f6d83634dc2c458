"""Survey invitations (personal) and answers (anonymous: no link to a user or an application)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Occasion(models.TextChoices):
    DECISION = "decision", _("After a decision")
    VISIT = "visit", _("After a visit")


class SurveyInvitation(models.Model):
    """The applicant is asked once per application and occasion; answering marks it, nothing else links them."""

    Occasion = Occasion

    # The link in the e-mail: not guessable, and it works only for the invited account.
    token = models.UUIDField(_("token"), default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applicant"),
        on_delete=models.CASCADE,
        related_name="survey_invitations",
    )
    application = models.ForeignKey(
        "applications.Application",
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="survey_invitations",
    )
    unit = models.ForeignKey(
        "identity.TerritorialUnit",
        verbose_name=_("territorial unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    occasion = models.CharField(_("occasion"), max_length=10, choices=Occasion.choices)
    created_at = models.DateTimeField(_("invited"), default=timezone.now)
    # Only the day: a time would let one match an invitation to its answer.
    answered_on = models.DateField(_("answered on"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        constraints = [
            models.UniqueConstraint(fields=["application", "occasion"], name="survey_once_per_occasion"),
        ]

    def __str__(self) -> str:
        return f"survey invitation {self.pk} ({self.occasion})"


class SurveyAnswer(models.Model):
    """One rating, anonymous: no user, no application, no time of day; a random key so rows carry no order."""

    Occasion = Occasion

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    unit = models.ForeignKey(
        "identity.TerritorialUnit",
        verbose_name=_("territorial unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    occasion = models.CharField(_("occasion"), max_length=10, choices=Occasion.choices)
    month = models.DateField(_("month"), help_text=_("The first day of the month of the answer."))
    rating = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["-month"]
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        indexes = [models.Index(fields=["unit", "month"], name="survey_answer_unit_month")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="survey_rating_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rating}/5 ({self.occasion}, {self.month:%Y-%m})"
