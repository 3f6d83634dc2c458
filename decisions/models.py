"""The back office's own records: information requests, decisions (four eyes) and the letters that carry them.

The application itself moves only through ``applications.services.review``; these models never write its fields.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition


class InformationRequest(models.Model):
    """The Office asks the applicant for documents or explanations; the case waits (deadline paused)."""

    class State(models.TextChoices):
        OPEN = "open", _("Waiting for your answer")
        ANSWERED = "answered", _("Answered")

    application = models.ForeignKey(
        "applications.Application",
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="information_requests",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("officer"), on_delete=models.PROTECT, related_name="+"
    )
    document_types = models.ManyToManyField(
        "applications.DocumentType", verbose_name=_("documents asked for"), blank=True, related_name="+"
    )
    other_items = models.TextField(_("other things asked for"), blank=True)
    message = models.TextField(_("message"))
    answer_by = models.DateField(_("answer by"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answer_text = models.TextField(_("answer"), blank=True)
    reminder_sent_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("information request")
        verbose_name_plural = _("information requests")
        constraints = [
            # One open request per case at a time: the case is either waiting for the applicant or not.
            models.UniqueConstraint(
                fields=["application"], condition=models.Q(state="open"), name="one_open_request_per_case"
            ),
        ]

    def __str__(self) -> str:
        return f"request {self.pk} on application {self.application_id}"

    def is_overdue(self, today) -> bool:
        return self.state == self.State.OPEN and self.answer_by < today


class Decision(ConcurrentTransitionMixin, models.Model):
    """An outcome drafted by the handling officer; issued at once or after a senior officer's approval."""

    class Outcome(models.TextChoices):
        GRANT = "grant", _("Grant")
        REFUSE = "refuse", _("Refusal")

    class State(models.TextChoices):
        DRAFT = "draft", _("Awaiting approval")
        RETURNED = "returned", _("Returned for more review")
        ISSUED = "issued", _("Issued")

    application = models.ForeignKey(
        "applications.Application",
        verbose_name=_("application"),
        on_delete=models.PROTECT,
        related_name="decisions",
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    legal_grounds = models.ManyToManyField(
        "applications.LegalGround", verbose_name=_("legal grounds"), related_name="decisions", blank=True
    )
    reasoning = models.TextField(_("reasoning"))
    valid_from = models.DateField(_("permit valid from"), null=True, blank=True)
    valid_to = models.DateField(_("permit valid until"), null=True, blank=True)
    state = FSMField(_("state"), default=State.DRAFT, choices=State.choices, protected=True)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("drafted by"), on_delete=models.PROTECT, related_name="+"
    )
    drafted_at = models.DateTimeField(_("drafted"), default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("returned by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    return_comment = models.TextField(_("why it was returned"), blank=True)
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)
    # The day the decision takes effect (notified) and the last day to contest it; both set when issued.
    effective_on = models.DateField(_("takes effect on"), null=True, blank=True)
    contest_until = models.DateField(_("may be contested until"), null=True, blank=True)

    class Meta:
        ordering = ["-drafted_at", "-id"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_from__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="decision_validity_range",
            ),
            # At most one decision in the works per case, and one issued decision per case.
            models.UniqueConstraint(
                fields=["application"], condition=models.Q(state="draft"), name="one_draft_decision_per_case"
            ),
            models.UniqueConstraint(
                fields=["application"],
                condition=models.Q(state="issued"),
                name="one_issued_decision_per_case",
            ),
        ]

    def __str__(self) -> str:
        return f"decision {self.pk} ({self.outcome}) on application {self.application_id}"

    @property
    def is_refusal(self) -> bool:
        return self.outcome == self.Outcome.REFUSE

    @transition(field=state, source=State.DRAFT, target=State.ISSUED)
    def issue(self, *, approved_by_id: int | None, effective_on, contest_until) -> None:
        """Final: ``approved_by_id`` is the second officer (None when no approval was needed)."""
        self.approved_by_id = approved_by_id
        self.issued_at = timezone.now()
        self.effective_on = effective_on
        self.contest_until = contest_until

    @transition(field=state, source=State.DRAFT, target=State.RETURNED)
    def send_back(self, *, returned_by_id: int, comment: str) -> None:
        self.returned_by_id = returned_by_id
        self.return_comment = comment


class DecisionLetter(models.Model):
    """The sealed PDF that carries an issued decision, and the code anyone can check it by at /verify/.

    The row (and its code) is written when the decision is issued; the worker renders, seals and stores the PDF
    (``document``, a workers.GeneratedDocument with its SHA-256) and only then e-mails the applicant.
    """

    decision = models.OneToOneField(
        Decision, verbose_name=_("decision"), on_delete=models.PROTECT, related_name="letter"
    )
    verification_code = models.CharField(_("verification code"), max_length=16, unique=True)
    language = models.CharField(_("language"), max_length=2)
    document = models.OneToOneField(
        "workers.GeneratedDocument",
        verbose_name=_("PDF"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("decision letter")
        verbose_name_plural = _("decision letters")

    def __str__(self) -> str:
        return f"letter {self.verification_code}"

    @property
    def is_ready(self) -> bool:
        return self.document_id is not None
