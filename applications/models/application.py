"""An application for a residence permit, its state machine, its timeline and its documents.

The state moves only through the transitions below (``FSMField(protected=True)``); a transition changes fields
of its own row and nothing else. Services in ``applications.services`` lock the row, call the transition, save,
write the timeline event and schedule mail and PDFs after commit. ``ConcurrentTransitionMixin`` makes a save
fail when the state changed in the database since the row was read, so two concurrent transitions cannot both
win.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from applications.models.catalogue import ApplicationKind, DocumentType, ProcessingSpeed, Purpose


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
    SUBMITTED = "submitted", _("Submitted")
    IN_REVIEW = "in_review", _("In review")
    AWAITING_APPLICANT = "awaiting_applicant", _("Waiting for your answer")
    DECISION_PENDING = "decision_pending", _("Decision being prepared")
    GRANTED = "granted", _("Granted")
    REFUSED = "refused", _("Refused")
    AWAITING_REGISTRATION = "awaiting_registration", _("Awaiting registration")
    CARD_IN_PRODUCTION = "card_in_production", _("Card in production")
    READY_FOR_COLLECTION = "ready_for_collection", _("Ready for collection")
    COLLECTED = "collected", _("Collected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")
    ANNULLED = "annulled", _("Annulled")


# The applicant may still change the application (form data and documents) in these states.
EDITABLE_STATES = frozenset({State.DRAFT})
# The applicant may withdraw from these states (DESIGN.md section 3: "any open state").
WITHDRAWABLE_STATES = (
    State.DRAFT,
    State.AWAITING_PAYMENT,
    State.SUBMITTED,
    State.IN_REVIEW,
    State.AWAITING_APPLICANT,
)
# The states in which the case is the Office's to work on: the officers' queue.
BACK_OFFICE_STATES = (State.SUBMITTED, State.IN_REVIEW, State.AWAITING_APPLICANT, State.DECISION_PENDING)
FINAL_STATES = frozenset({State.REFUSED, State.COLLECTED, State.WITHDRAWN, State.EXPIRED, State.ANNULLED})

# Reference prefixes by application kind code; the rest of the reference is the year and the row id.
_REFERENCE_PREFIX = {
    ApplicationKind.Code.FIRST_TRP: "TRP",
    ApplicationKind.Code.REPEATED_TRP: "TRP",
    ApplicationKind.Code.EU_LONG_TERM: "EULR",
    ApplicationKind.Code.REGISTRATION: "REG",
}


def reference_for(*, kind_code: str, year: int, pk: int) -> str:
    return f"{_REFERENCE_PREFIX.get(kind_code, 'APP')}-{year}-{pk:06d}"


# The applicant-editable fields, in three groups (the form's steps); the form, the API, the services and the
# completeness checks all derive their lists from these.
PERSONAL_FIELDS: tuple[str, ...] = (
    "first_name",
    "last_name",
    "date_of_birth",
    "nationality",
    "passport_number",
    "passport_valid_until",
)
# Every purpose detail any purpose may ask for (Application.PURPOSE_FIELDS says which one asks for which).
PURPOSE_DETAIL_FIELDS: tuple[str, ...] = (
    "employer_name",
    "employer_registration_number",
    "school_name",
    "family_member_name",
    "family_member_relationship",
    "company_name",
    "company_registration_number",
    "research_institution",
    "purpose_description",
    "invitation_number",
)
STAY_FIELDS: tuple[str, ...] = ("address_in_latvia", "stay_from", "stay_to")
APPLICANT_FIELDS: tuple[str, ...] = (*PERSONAL_FIELDS, *PURPOSE_DETAIL_FIELDS, *STAY_FIELDS)


# Row-local conditions of the transitions: they read only this row, so listing allowed actions costs no query.
def personal_data_complete(application: Application) -> bool:
    return all(getattr(application, name) for name in PERSONAL_FIELDS)


def purpose_details_complete(application: Application) -> bool:
    return not application.missing_purpose_fields()


def stay_details_complete(application: Application) -> bool:
    return all(getattr(application, name) for name in STAY_FIELDS)


def needs_registration(application: Application) -> bool:
    """Only a permit of a kind that needs registration is registered (EU long-term status, for one, is not)."""
    return application.kind.needs_registration


class Relationship(models.TextChoices):
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    OTHER = "other", _("Other relative")


class PersonRelationship(models.TextChoices):
    """Who the person applied for is to the representative who applies for them."""

    CHILD = "child", _("Child")
    WARD = "ward", _("Person under my guardianship")
    SPOUSE = "spouse", _("Spouse")
    PARENT = "parent", _("Parent")
    OTHER = "other", _("Other relative")


# States in which an officer at the counter fills, submits and takes the fee of an application made there.
COUNTER_STATES = frozenset({State.DRAFT, State.AWAITING_PAYMENT})


def may_act_on(application: Application, user: object) -> bool:
    """Whether ``user`` may see and act on ``application`` as its applicant: row-local (no query).

    The twin of ``applications.selectors.accessible_applications`` (the queryset form of the same rule; a test
    keeps them in step): the account that holds it; the representative who applied for the person; and, while
    an application made at a counter is being filled and paid there, the officers of that unit.
    """
    if not getattr(user, "is_authenticated", False):
        return False
    if user.pk in (application.applicant_id, application.representative_id):
        return True
    return (
        user.is_officer
        and application.counter_unit_id is not None
        and application.counter_unit_id == user.unit_id
        and application.state in COUNTER_STATES
    )


class Application(ConcurrentTransitionMixin, models.Model):
    """One application of one applicant for one kind and purpose.

    ``applicant``: the account that holds the application. That is the person applied for, once they have an
    account; for a person applied for by a representative it is the representative's account until the person
    accepts the representative's invitation; for an application made at a counter, an inactive placeholder
    account (``applications.services.counter``) until the person claims it. ``representative``: who applied on
    the person's behalf (a parent, a guardian, a family member).
    """

    State = State
    Relationship = Relationship
    PersonRelationship = PersonRelationship
    PERSONAL_FIELDS = PERSONAL_FIELDS
    PURPOSE_DETAIL_FIELDS = PURPOSE_DETAIL_FIELDS
    STAY_FIELDS = STAY_FIELDS
    APPLICANT_FIELDS = APPLICANT_FIELDS

    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applicant"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    representative = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("representative"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="represented_applications",
        help_text=_("The account that applied on the person's behalf (a parent, a guardian, a relative)."),
    )
    relationship_to_representative = models.CharField(
        _("relationship to the representative"),
        max_length=20,
        blank=True,
        choices=PersonRelationship.choices,
    )
    counter_unit = models.ForeignKey(
        "identity.TerritorialUnit",
        verbose_name=_("made at the counter of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The unit whose officer made the application with the person at the counter."),
    )
    kind = models.ForeignKey(
        ApplicationKind, verbose_name=_("application kind"), on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.ForeignKey(
        Purpose, verbose_name=_("purpose"), on_delete=models.PROTECT, related_name="+"
    )
    processing_speed = models.CharField(
        _("processing speed"),
        max_length=10,
        choices=ProcessingSpeed.choices,
        default=ProcessingSpeed.STANDARD,
    )
    state = FSMField(_("state"), default=State.DRAFT, choices=State.choices, protected=True, db_index=True)
    reference = models.CharField(_("reference number"), max_length=30, unique=True, null=True, blank=True)
    unit = models.ForeignKey(
        "identity.TerritorialUnit",
        verbose_name=_("territorial unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
        help_text=_("The unit whose officers handle the case; set at submission."),
    )

    # Personal data: a snapshot of the profile when the application was made.
    first_name = models.CharField(_("given names (as in passport)"), max_length=150, blank=True)
    last_name = models.CharField(_("surname (as in passport)"), max_length=150, blank=True)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    nationality = models.CharField(
        _("nationality"), max_length=2, blank=True, help_text=_("ISO 3166-1 alpha-2 country code, e.g. UA.")
    )
    passport_number = models.CharField(_("passport number"), max_length=30, blank=True)
    # The guide's age answer, kept from the start: the documents list fits it until the date of birth is given.
    minor_per_guide = models.BooleanField(
        _("under 18 (as answered in the guide)"), null=True, blank=True, editable=False
    )
    passport_valid_until = models.DateField(_("passport valid until"), null=True, blank=True)

    # Purpose details: which ones are needed depends on the purpose (see PURPOSE_FIELDS).
    employer_name = models.CharField(_("employer"), max_length=200, blank=True)
    employer_registration_number = models.CharField(
        _("employer's registration number"), max_length=30, blank=True
    )
    school_name = models.CharField(_("educational institution"), max_length=200, blank=True)
    family_member_name = models.CharField(_("family member in Latvia"), max_length=200, blank=True)
    family_member_relationship = models.CharField(
        _("relationship"), max_length=100, blank=True, choices=Relationship.choices
    )
    company_name = models.CharField(_("company"), max_length=200, blank=True)
    company_registration_number = models.CharField(
        _("company registration number"), max_length=30, blank=True
    )
    research_institution = models.CharField(_("research institution"), max_length=200, blank=True)
    purpose_description = models.TextField(_("purpose of stay, in your words"), blank=True)
    invitation_number = models.CharField(
        _("number of the approved invitation"),
        max_length=40,
        blank=True,
        help_text=_("The number the Office gave the inviter's approved invitation (“call”)."),
    )

    # Stay details
    address_in_latvia = models.CharField(_("address in Latvia"), max_length=255, blank=True)
    stay_from = models.DateField(_("planned stay from"), null=True, blank=True)
    stay_to = models.DateField(_("planned stay until"), null=True, blank=True)

    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Any change by the applicant; a draft untouched for APPLICATION_DRAFT_EXPIRY_DAYS expires.
    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now, db_index=True)
    expiry_warning_sent_at = models.DateTimeField(_("expiry warning sent"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    paid_at = models.DateTimeField(_("fee paid"), null=True, blank=True)
    decision_due_on = models.DateField(_("expected decision by"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    # The back office (decisions app, through applications.services.review).
    assigned_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handling officer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_cases",
    )
    # While the Office waits for the applicant the processing deadline stands still: the day the wait began.
    review_paused_on = models.DateField(_("waiting for the applicant since"), null=True, blank=True)
    # Set when the applicant answers; cleared by the officer's next step. Such cases head the queue.
    answered_at = models.DateTimeField(_("applicant answered"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    # Registration (applications.services.registration): a grant of a kind that needs registration sets the
    # day by which the applicant must register the permit; one reminder goes out before it.
    registration_due_on = models.DateField(_("register the permit by"), null=True, blank=True)
    registration_reminder_sent_at = models.DateTimeField(
        _("registration reminder sent"), null=True, blank=True
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        indexes = [
            models.Index(fields=["applicant", "-created_at"]),
            models.Index(fields=["state", "last_activity_at"]),
            # The officers' queue: one unit's open cases by deadline, read in index order (no sort); with
            # the state included, a queue narrowed by state reads it from the index. The unit's totals are
            # not counted here but kept by the database (QueueCount, applications/models/queue.py).
            models.Index(
                fields=["unit", "decision_due_on", "id"],
                include=["state"],
                condition=models.Q(state__in=BACK_OFFICE_STATES),
                name="application_queue",
            ),
            # The cases the applicant has answered head the queue: few at any time, read in answer order.
            models.Index(
                fields=["answered_at", "id"],
                condition=models.Q(state=State.IN_REVIEW, answered_at__isnull=False),
                name="application_answered",
            ),
            # The case page's "earlier applications" finds the same person by passport number too.
            models.Index(fields=["passport_number"], name="application_passport"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(stay_to__isnull=True)
                | models.Q(stay_from__isnull=True)
                | models.Q(stay_to__gte=models.F("stay_from")),
                name="application_stay_range",
            ),
        ]

    def __str__(self) -> str:
        return self.reference or f"application {self.pk}"

    # Which of PURPOSE_DETAIL_FIELDS each purpose asks for; all of them are required for that purpose
    # (invitation_number too when the purpose requires an invitation).
    PURPOSE_FIELDS: dict[str, tuple[str, ...]] = {
        Purpose.Code.EMPLOYMENT: ("employer_name", "employer_registration_number"),
        Purpose.Code.STUDIES: ("school_name",),
        Purpose.Code.FAMILY: ("family_member_name", "family_member_relationship"),
        Purpose.Code.BUSINESS: ("company_name", "company_registration_number"),
        Purpose.Code.RESEARCH: ("research_institution",),
        Purpose.Code.OTHER: ("purpose_description",),
    }

    def purpose_fields(self) -> tuple[str, ...]:
        fields = self.PURPOSE_FIELDS.get(self.purpose.code, ("purpose_description",))
        if self.kind.needs_invitation(self.purpose):
            fields = (*fields, "invitation_number")
        return fields

    def missing_purpose_fields(self) -> list[str]:
        return [name for name in self.purpose_fields() if not getattr(self, name)]

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES

    @property
    def is_minor(self) -> bool | None:
        if self.date_of_birth is None:
            return self.minor_per_guide
        today = timezone.localdate()
        eighteenth = _add_years(self.date_of_birth, 18)
        return today < eighteenth

    # --- transitions built by the lifecycle issue -------------------------------------------------------
    @transition(
        field=state,
        source=State.DRAFT,
        target=State.AWAITING_PAYMENT,
        conditions=[personal_data_complete, purpose_details_complete, stay_details_complete],
        permission=may_act_on,
    )
    def submit(self) -> None:
        """The form is complete; the service has checked the documents. Next: the state fee."""
        self.submitted_at = timezone.now()

    @transition(field=state, source=State.AWAITING_PAYMENT, target=State.SUBMITTED)
    def mark_paid(self, *, paid_at: dt.datetime | None = None) -> None:
        """The state fee is confirmed (called by the payments app's ``confirm_payment`` service)."""
        self.paid_at = paid_at or timezone.now()

    @transition(
        field=state,
        source=list(WITHDRAWABLE_STATES),
        target=State.WITHDRAWN,
        permission=may_act_on,
    )
    def withdraw(self) -> None:
        self.closed_at = timezone.now()

    @transition(field=state, source=State.DRAFT, target=State.EXPIRED)
    def expire(self) -> None:
        """A draft nobody touched for the expiry period; only the periodic job calls this."""
        self.closed_at = timezone.now()

    # --- the back office (called through applications.services.review only) -----------------------------
    @transition(field=state, source=State.SUBMITTED, target=State.IN_REVIEW)
    def take(self, *, officer_id: int) -> None:
        """An officer starts working on the case."""
        self.assigned_officer_id = officer_id

    @transition(field=state, source=State.IN_REVIEW, target=State.AWAITING_APPLICANT)
    def request_information(self, *, on: dt.date) -> None:
        """The Office asked the applicant for something; the processing deadline stops from ``on``."""
        self.review_paused_on = on
        self.answered_at = None

    @transition(field=state, source=State.AWAITING_APPLICANT, target=State.IN_REVIEW)
    def resume_review(self, *, decision_due_on: dt.date | None) -> None:
        """The applicant answered (or the request was withdrawn): the deadline runs again, moved on by the
        working days it stood still (computed by the service, which knows the calendar)."""
        self.review_paused_on = None
        self.decision_due_on = decision_due_on
        self.answered_at = timezone.now()

    @transition(field=state, source=State.IN_REVIEW, target=State.DECISION_PENDING)
    def propose_decision(self) -> None:
        """A decision is drafted; it waits for approval or is issued at once."""
        self.answered_at = None

    @transition(field=state, source=State.DECISION_PENDING, target=State.IN_REVIEW)
    def return_to_review(self) -> None:
        """A senior officer sent the draft back."""

    @transition(field=state, source=State.DECISION_PENDING, target=State.GRANTED)
    def grant(self, *, registration_due_on: dt.date | None = None) -> None:
        """``registration_due_on``: when the kind needs registration, the day to register by (the service
        computes it from the setting)."""
        self.decided_at = timezone.now()
        self.registration_due_on = registration_due_on

    @transition(field=state, source=State.DECISION_PENDING, target=State.REFUSED)
    def refuse(self) -> None:
        self.decided_at = timezone.now()
        self.closed_at = self.decided_at

    # --- registration of a granted permit (called through applications.services.registration only) --------
    @transition(
        field=state,
        source=State.GRANTED,
        target=State.AWAITING_REGISTRATION,
        conditions=[needs_registration],
        permission=may_act_on,
    )
    def start_registration(self) -> None:
        """The applicant chose the unit and the card's speed (the registration row holds them)."""

    @transition(field=state, source=State.AWAITING_REGISTRATION, target=State.CARD_IN_PRODUCTION)
    def take_biometrics(self) -> None:
        """An officer of the registration's unit took fingerprints and photo; the card fee is paid."""

    @transition(field=state, source=State.CARD_IN_PRODUCTION, target=State.READY_FOR_COLLECTION)
    def mark_card_produced(self) -> None:
        """The card arrived at the unit."""

    @transition(field=state, source=State.READY_FOR_COLLECTION, target=State.COLLECTED)
    def hand_over_card(self) -> None:
        """The applicant collected the card: the case is closed."""
        self.closed_at = timezone.now()

    @transition(field=state, source=State.REFUSED, target=State.IN_REVIEW)
    def reopen(self, *, decision_due_on: dt.date | None) -> None:
        """The head of the Office overturned the refusal on a complaint: the case is open again, with the
        handling officer it had and a new deadline (computed by the service, which knows the calendar)."""
        self.decided_at = None
        self.closed_at = None
        self.decision_due_on = decision_due_on


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class ApplicationEvent(models.Model):
    """One line of an application's timeline, written by every service that changes the application."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Application started")
        UPDATED = "updated", _("Application details saved")
        DOCUMENT_ADDED = "document_added", _("Document uploaded")
        DOCUMENT_REMOVED = "document_removed", _("Document removed")
        SUBMITTED = "submitted", _("Application submitted; state fee due")
        PAID = "paid", _("State fee paid")
        WITHDRAWN = "withdrawn", _("Application withdrawn")
        EXPIRY_WARNING = "expiry_warning", _("Reminder sent: the draft will expire")
        EXPIRED = "expired", _("Draft expired")
        SUMMARY_READY = "summary_ready", _("Application summary PDF ready")
        # Written by payments through applications.services.payment_events.
        PAYMENT_STARTED = "payment_started", _("Payment of the state fee started")
        PAYMENT_FAILED = "payment_failed", _("Payment of the state fee did not go through")
        PAYMENT_EXPIRED = "payment_expired", _("Bank transfer closed: no money arrived in time")
        PAYMENT_REFUNDED = "payment_refunded", _("State fee refunded")
        PAYMENT_REFUND_PENDING = "payment_refund_pending", _("Refund of the state fee requested")
        PAYMENT_NOT_REFUNDED = "payment_not_refunded", _("State fee not refunded")
        RECEIPT_READY = "receipt_ready", _("Payment receipt PDF ready")
        # Written by the back office (decisions) through applications.services.review.
        TAKEN = "taken", _("An officer started reviewing the application")
        ASSIGNED = "assigned", _("The application was assigned to an officer")
        INFORMATION_REQUESTED = "information_requested", _("The Office asked you for more information")
        INFORMATION_PROVIDED = "information_provided", _("You answered the Office's request")
        DECISION_DRAFTED = "decision_drafted", _("A decision is being prepared")
        DECISION_RETURNED = "decision_returned", _("The draft decision was returned for more review")
        GRANTED = "granted", _("Decision: residence permit granted")
        REFUSED = "refused", _("Decision: application refused")
        LETTER_READY = "letter_ready", _("Decision letter PDF ready")
        # Messages on the case (applications.case_messages).
        MESSAGE_SENT = "message_sent", _("You wrote to the Office")
        MESSAGE_ANSWERED = "message_answered", _("The Office answered your message")
        # Visits at the unit (applications/appointments/services.py).
        VISIT_BOOKED = "visit_booked", _("Visit to the unit booked")
        VISIT_RESCHEDULED = "visit_rescheduled", _("Visit to the unit moved")
        VISIT_CANCELLED = "visit_cancelled", _("Visit to the unit cancelled")
        VISIT_ARRIVED = "visit_arrived", _("You came to the unit")
        VISIT_MISSED = "visit_missed", _("You did not come to the booked visit")
        # Registration of the granted permit (applications.services.registration).
        REGISTRATION_STARTED = "registration_started", _("Registration of the residence permit started")
        CARD_FEE_PAID = "card_fee_paid", _("Card fee paid")
        BIOMETRICS_TAKEN = "biometrics_taken", _("Biometrics taken; the card is being produced")
        CARD_PRODUCED = "card_produced", _("The residence permit card is ready for collection")
        CARD_COLLECTED = "card_collected", _("Residence permit card collected")
        REGISTRATION_REMINDER = "registration_reminder", _("Reminder sent: register the residence permit")
        # Complaints against a decision, and errors the Office owns up to (decisions, issue 13).
        COMPLAINT_RECEIVED = "complaint_received", _("Your complaint against the decision was received")
        COMPLAINT_TAKEN = "complaint_taken", _("Your complaint is being considered")
        COMPLAINT_UPHELD = "complaint_upheld", _("Complaint answered: the decision stands")
        COMPLAINT_OVERTURNED = "complaint_overturned", _("Complaint answered: the decision was overturned")
        COMPLAINT_NOT_EXAMINED = "complaint_not_examined", _("Complaint answered: left without examination")
        COMPLAINT_LETTER_READY = "complaint_letter_ready", _("Letter on your complaint PDF ready")
        REOPENED = "reopened", _("The application is being reviewed again")
        ERROR_RECORDED = "error_recorded", _("The Office corrected an error and apologises")
        DECISION_CORRECTED = "decision_corrected", _("Corrected decision issued with a new letter")
        # Expiry → repeated permit (applications.renewals).
        RENEWAL_INVITED = (
            "renewal_invited",
            _("Invitation sent: apply for a repeated permit before this one expires"),
        )
        RENEWAL_PREFILLED = "renewal_prefilled", _("Draft prefilled from your earlier application")
        # Counter-assisted submissions and representatives (applications.services.counter / family).
        COUNTER_STARTED = "counter_started", _("Application started at the Office's counter")
        IDENTITY_CHECKED = "identity_checked", _("Identity document checked at the counter")
        COPY_ISSUED = "copy_issued", _("Copy of the submission issued at the counter")
        CLAIMED = "claimed", _("Application claimed into an online account")
        REPRESENTATIVE_STARTED = "representative_started", _("Application started by a representative")
        PERSON_INVITED = "person_invited", _("The person applied for was invited to see the application")
        PERSON_LINKED = "person_linked", _("The person applied for linked their own account")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    # Every kind any app writes is listed in Kind, so the timeline shows a translated label;
    # record_event() refuses any other.
    kind = models.CharField(_("event"), max_length=40, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("application event")
        verbose_name_plural = _("application events")
        indexes = [models.Index(fields=["application", "created_at"])]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.kind} at {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def label(self) -> str:
        return str(self.get_kind_display())


def document_upload_path(instance: ApplicationDocument, filename: str) -> str:
    """Never guessable and never the applicant's file name: documents/<random>/<random>.<ext>."""
    import secrets

    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"documents/{secrets.token_hex(16)}/{secrets.token_urlsafe(24)}.{ext}"


class ApplicationDocument(models.Model):
    """One uploaded document: checked by its content, re-encoded where it is an image, stored with a checksum."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    document_type = models.ForeignKey(
        DocumentType, verbose_name=_("document type"), on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(_("file"), upload_to=document_upload_path, max_length=255)
    original_filename = models.CharField(_("file name"), max_length=150)
    content_type = models.CharField(_("file type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    replaced_at = models.DateTimeField(
        _("replaced"),
        null=True,
        blank=True,
        help_text=_(
            "Set when the applicant sent a newer file of this type while the Office waited for them."
        ),
    )

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("application document")
        verbose_name_plural = _("application documents")
        constraints = [
            # One current document per type; replaced ones stay for the record of what the Office received.
            models.UniqueConstraint(
                fields=["application", "document_type"],
                condition=models.Q(replaced_at__isnull=True),
                name="one_current_document_per_type",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document_type_id}: {self.original_filename}"
