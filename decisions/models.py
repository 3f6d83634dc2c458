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
        # No longer stands: the head of the Office overturned it on a complaint, or a corrected decision (with
        # a new letter and a new verification code) replaced it after an error was recorded.
        OVERTURNED = "overturned", _("Overturned on a complaint")
        REPLACED = "replaced", _("Replaced by a corrected decision")

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
    # When it stopped standing (overturned or replaced), and the corrected decision that replaced it.
    ended_at = models.DateTimeField(_("no longer stands since"), null=True, blank=True)
    replaced_by = models.OneToOneField(
        "self",
        verbose_name=_("replaced by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaces",
    )

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

    @transition(field=state, source=State.ISSUED, target=State.OVERTURNED)
    def overturn(self) -> None:
        """The head of the Office overturned it on a complaint: the decision no longer stands."""
        self.ended_at = timezone.now()

    @transition(field=state, source=State.ISSUED, target=State.REPLACED)
    def replace(self, *, replaced_by_id: int) -> None:
        """An error was recorded and a corrected decision issued in its place (with a new letter)."""
        self.ended_at = timezone.now()
        self.replaced_by_id = replaced_by_id

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


def complaint_upload_path(instance: ComplaintDocument, filename: str) -> str:
    """Never guessable and never the applicant's file name: complaints/<random>/<random>.<ext>."""
    import secrets

    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"complaints/{secrets.token_hex(16)}/{secrets.token_urlsafe(24)}.{ext}"


class Complaint(ConcurrentTransitionMixin, models.Model):
    """The applicant contests an issued decision before the head of the Office (DESIGN.md, Decisions).

    ``upheld``: the decision stands; ``overturned``: it no longer stands (a refusal reopens the case);
    ``left_without_examination``: filed out of time or not a complaint at all. Each outcome gets a sealed letter
    (``ComplaintLetter``) that names the next step: the administrative court, by a date.
    """

    class State(models.TextChoices):
        RECEIVED = "received", _("Received")
        UNDER_CONSIDERATION = "under_consideration", _("Under consideration")
        UPHELD = "upheld", _("Decision upheld")
        OVERTURNED = "overturned", _("Decision overturned")
        LEFT_WITHOUT_EXAMINATION = "left_without_examination", _("Left without examination")

    OPEN_STATES = (State.RECEIVED, State.UNDER_CONSIDERATION)
    OUTCOMES = (State.UPHELD, State.OVERTURNED, State.LEFT_WITHOUT_EXAMINATION)

    decision = models.ForeignKey(
        Decision, verbose_name=_("decision"), on_delete=models.PROTECT, related_name="complaints"
    )
    application = models.ForeignKey(
        "applications.Application",
        verbose_name=_("application"),
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("applicant"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("complaint"))
    state = FSMField(_("state"), default=State.RECEIVED, choices=State.choices, protected=True, db_index=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    # The Office's own deadline for its answer (COMPLAINT_ANSWER_MONTHS after receipt, on a working day).
    answer_due_on = models.DateField(_("answer due by"))
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    taken_at = models.DateTimeField(_("taken"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    reasoning = models.TextField(_("reasoning"), blank=True)
    # The outcome takes effect when notified; from then the applicant may go to court until ``court_until``.
    effective_on = models.DateField(_("outcome takes effect on"), null=True, blank=True)
    court_until = models.DateField(_("may be appealed to court until"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        constraints = [
            # One complaint in the works per decision: a second one waits until the first is answered.
            models.UniqueConstraint(
                fields=["decision"],
                condition=models.Q(state__in=["received", "under_consideration"]),
                name="one_open_complaint_per_decision",
            ),
        ]
        indexes = [models.Index(fields=["state", "answer_due_on"], name="complaint_queue")]

    def __str__(self) -> str:
        return f"complaint {self.pk} on decision {self.decision_id}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @transition(field=state, source=State.RECEIVED, target=State.UNDER_CONSIDERATION)
    def take(self, *, officer_id: int) -> None:
        self.handled_by_id = officer_id
        self.taken_at = timezone.now()

    def _decide(self, *, officer_id: int, reasoning: str, effective_on, court_until) -> None:
        self.handled_by_id = officer_id
        self.reasoning = reasoning
        self.decided_at = timezone.now()
        self.effective_on = effective_on
        self.court_until = court_until

    @transition(field=state, source=State.UNDER_CONSIDERATION, target=State.UPHELD)
    def uphold(self, **outcome) -> None:
        self._decide(**outcome)

    @transition(field=state, source=State.UNDER_CONSIDERATION, target=State.OVERTURNED)
    def overturn(self, **outcome) -> None:
        self._decide(**outcome)

    @transition(field=state, source=State.UNDER_CONSIDERATION, target=State.LEFT_WITHOUT_EXAMINATION)
    def leave_without_examination(self, **outcome) -> None:
        self._decide(**outcome)


class ComplaintDocument(models.Model):
    """A document sent with a complaint, checked and rebuilt like an application's upload."""

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="documents"
    )
    file = models.FileField(_("file"), upload_to=complaint_upload_path, max_length=255)
    original_filename = models.CharField(_("file name"), max_length=150)
    content_type = models.CharField(_("file type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("complaint document")
        verbose_name_plural = _("complaint documents")

    def __str__(self) -> str:
        return self.original_filename


class ComplaintLetter(models.Model):
    """The sealed PDF with the head of the Office's answer to a complaint, checkable at /verify/ like a
    decision letter (same code alphabet; a code is unique across both kinds of letter)."""

    complaint = models.OneToOneField(
        Complaint, verbose_name=_("complaint"), on_delete=models.PROTECT, related_name="letter"
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
        verbose_name = _("complaint letter")
        verbose_name_plural = _("complaint letters")

    def __str__(self) -> str:
        return f"complaint letter {self.verification_code}"

    @property
    def is_ready(self) -> bool:
        return self.document_id is not None


class CaseError(models.Model):
    """An error the Office made on a case, recorded by a senior officer: the applicant is told, with the
    correction and an apology (the customer service standard). When the decision itself was wrong, a corrected
    decision replaces it (``corrected_decision``), with a new letter and a new verification code."""

    application = models.ForeignKey(
        "applications.Application",
        verbose_name=_("application"),
        on_delete=models.PROTECT,
        related_name="errors",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    what_was_wrong = models.TextField(_("what was wrong"))
    what_is_done = models.TextField(_("what is done about it"))
    correction = models.TextField(_("the corrected information"))
    corrected_decision = models.OneToOneField(
        Decision,
        verbose_name=_("corrected decision"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="correction_of",
    )
    unit = models.ForeignKey(
        "identity.TerritorialUnit",
        verbose_name=_("territorial unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name = _("error on a case")
        verbose_name_plural = _("errors on cases")
        indexes = [models.Index(fields=["unit", "recorded_at"], name="case_error_unit_month")]

    def __str__(self) -> str:
        return f"error {self.pk} on application {self.application_id}"
