"""Payments of an application's fees, provider webhooks received, bank statements imported and what needs review.

``Payment.status`` moves only through the transitions below (``FSMField(protected=True)``);
``ConcurrentTransitionMixin`` makes a save fail when the status changed in the database since the row was read.
Services in ``payments.services`` lock the application, then the payment (always in that order), call the
transition, save, and tell the application through ``applications.services.payment_events``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired unpaid")
    REFUND_PENDING = "refund_pending", _("Refund being sent")
    REFUNDED = "refunded", _("Refunded")


class PaymentPurpose(models.TextChoices):
    STATE_FEE = "state_fee", _("State fee")
    CARD_FEE = "card_fee", _("Residence permit card fee")


class PaymentMethod(models.TextChoices):
    CARD = "card", _("Payment card")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")


class Payment(ConcurrentTransitionMixin, models.Model):
    """One attempt to pay one fee of one application: a card checkout or a bank transfer with its reference."""

    Status = PaymentStatus
    Purpose = PaymentPurpose
    Method = PaymentMethod

    application = models.ForeignKey(
        "applications.Application",
        verbose_name=_("application"),
        on_delete=models.PROTECT,
        related_name="payments",
    )
    purpose = models.CharField(
        _("purpose"), max_length=20, choices=PaymentPurpose.choices, default=PaymentPurpose.STATE_FEE
    )
    method = models.CharField(_("method"), max_length=20, choices=PaymentMethod.choices)
    provider = models.CharField(
        _("provider"), max_length=40, blank=True, help_text=_("Card provider; empty for bank transfers.")
    )
    amount_cents = models.PositiveIntegerField(_("amount (euro cents)"))
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    fee = models.ForeignKey(
        "applications.Fee",
        verbose_name=_("catalogue fee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    card_fee = models.ForeignKey(
        "applications.CardFee",
        verbose_name=_("catalogue card fee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = FSMField(
        _("status"),
        default=PaymentStatus.PENDING,
        choices=PaymentStatus.choices,
        protected=True,
        db_index=True,
    )
    # ISO 11649 creditor reference for bank transfers (RF + check digits + body).
    reference = models.CharField(_("payment reference"), max_length=25, unique=True, null=True, blank=True)
    # The provider's id of the checkout session: webhooks name the payment by it.
    provider_reference = models.CharField(
        _("provider reference"), max_length=100, unique=True, null=True, blank=True
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    closed_at = models.DateTimeField(_("failed, cancelled or refunded"), null=True, blank=True)
    failure_reason = models.CharField(_("reason"), max_length=200, blank=True)
    refund_amount_cents = models.PositiveIntegerField(_("refunded (euro cents)"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            # One open attempt per fee at a time: a new attempt cancels the old one first.
            models.UniqueConstraint(
                fields=["application", "purpose"],
                condition=models.Q(status=PaymentStatus.PENDING),
                name="payment_one_open_per_application",
            ),
            # A fee is paid once; a second payment arriving later goes to manual review.
            models.UniqueConstraint(
                fields=["application", "purpose"],
                condition=models.Q(status__in=["paid", "refund_pending", "refunded"]),
                name="payment_one_paid_per_application",
            ),
            models.CheckConstraint(condition=models.Q(amount_cents__gt=0), name="payment_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.amount_display} ({self.get_status_display()})"

    @property
    def amount_display(self) -> str:
        return format_cents(self.amount_cents, self.currency)

    @transition(field=status, source=PaymentStatus.PENDING, target=PaymentStatus.PAID)
    def mark_paid(self, *, paid_at: timezone.datetime | None = None) -> None:
        self.paid_at = paid_at or timezone.now()

    @transition(field=status, source=PaymentStatus.PENDING, target=PaymentStatus.FAILED)
    def fail(self, *, reason: str = "") -> None:
        self.failure_reason = reason[:200]
        self.closed_at = timezone.now()

    @transition(field=status, source=PaymentStatus.PENDING, target=PaymentStatus.CANCELLED)
    def cancel(self, *, reason: str = "") -> None:
        self.failure_reason = reason[:200]
        self.closed_at = timezone.now()

    @transition(field=status, source=PaymentStatus.PENDING, target=PaymentStatus.EXPIRED)
    def expire(self) -> None:
        """A bank transfer whose money did not arrive within PAYMENT_BANK_TRANSFER_EXPIRY_DAYS."""
        self.failure_reason = "expired: no money arrived in time"
        self.closed_at = timezone.now()

    @transition(field=status, source=PaymentStatus.PAID, target=PaymentStatus.REFUND_PENDING)
    def request_refund(self, *, amount_cents: int) -> None:
        """The refund is due; the money moves after commit (a worker for cards, a person for bank transfers)."""
        self.refund_amount_cents = amount_cents

    @transition(
        field=status,
        source=[PaymentStatus.FAILED, PaymentStatus.CANCELLED, PaymentStatus.EXPIRED],
        target=PaymentStatus.PAID,
    )
    def accept_late(self, *, paid_at: timezone.datetime) -> None:
        """Money arrived for an attempt already closed, and staff accepted it as the fee (the review list)."""
        self.paid_at = paid_at
        self.closed_at = None
        self.failure_reason = ""

    @transition(
        field=status, source=[PaymentStatus.PAID, PaymentStatus.REFUND_PENDING], target=PaymentStatus.REFUNDED
    )
    def mark_refunded(self, *, amount_cents: int) -> None:
        self.refund_amount_cents = amount_cents
        self.closed_at = timezone.now()


class ProviderCall(models.Model):
    """One request to a card provider and its answer: the Office's ledger of what it asked providers to do.

    The row is written (``pending``) and committed before the provider is called, outside any transaction, with
    the row's idempotency key; the answer is recorded in a second transaction. A retry after a crash or a failed
    commit finds the row and sends the same key again, and the provider answers with the same checkout or
    refund instead of making a second one.
    """

    class Operation(models.TextChoices):
        CHECKOUT = "checkout", _("Open a checkout")
        REFUND = "refund", _("Refund")

    class Status(models.TextChoices):
        PENDING = "pending", _("Sent, no answer recorded yet")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    payment = models.ForeignKey(
        Payment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="provider_calls"
    )
    provider = models.CharField(_("provider"), max_length=40)
    operation = models.CharField(_("operation"), max_length=20, choices=Operation.choices)
    idempotency_key = models.CharField(_("idempotency key"), max_length=100)
    request = models.JSONField(_("request"), default=dict)
    response = models.JSONField(_("answer"), default=dict, blank=True)
    provider_reference = models.CharField(_("provider reference"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("provider call")
        verbose_name_plural = _("provider calls")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "operation", "idempotency_key"], name="provider_call_once_per_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.operation} {self.idempotency_key} ({self.status})"


class TestGatewayRecord(models.Model):
    """The built-in test gateway's own books (what a real provider keeps on its side), by idempotency key.

    Written by ``payments.providers.test_gateway`` only, outside the service's transactions, so a rollback on
    the service's side does not erase what the "provider" did, exactly as with a real provider.
    """

    __test__ = False  # not a pytest test class

    class Operation(models.TextChoices):
        CHECKOUT = "checkout", _("Checkout")
        REFUND = "refund", _("Refund")

    operation = models.CharField(_("operation"), max_length=20, choices=Operation.choices)
    idempotency_key = models.CharField(_("idempotency key"), max_length=100)
    reference = models.CharField(_("gateway reference"), max_length=100, unique=True)
    checkout_reference = models.CharField(_("checkout refunded"), max_length=100, blank=True)
    amount_cents = models.PositiveIntegerField(_("amount (euro cents)"))
    currency = models.CharField(_("currency"), max_length=3)
    requests = models.PositiveIntegerField(_("requests with this key"), default=1)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("test gateway record")
        verbose_name_plural = _("test gateway records")
        constraints = [
            models.UniqueConstraint(
                fields=["operation", "idempotency_key"], name="test_gateway_once_per_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.operation} {self.reference}"


def format_cents(amount_cents: int, currency: str = "EUR") -> str:
    return f"{amount_cents // 100}.{amount_cents % 100:02d} {currency}"


class WebhookEvent(models.Model):
    """Every verified provider event, once: a replay or a retry with the same id is answered without effect."""

    class Outcome(models.TextChoices):
        PROCESSED = "processed", _("Processed")
        ALREADY_DONE = "already_done", _("No change: the payment was already in that state")
        IGNORED = "ignored", _("Ignored")
        UNKNOWN_PAYMENT = "unknown_payment", _("Unknown payment")
        MISMATCH = "mismatch", _("Amount or currency differs: sent to review")
        REVIEW = "review", _("Sent to review")

    provider = models.CharField(_("provider"), max_length=40)
    event_id = models.CharField(_("event id"), max_length=100)
    event_type = models.CharField(_("event type"), max_length=60)
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="webhook_events"
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    payload = models.JSONField(_("payload"), default=dict)
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="webhook_event_once"),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.event_id} {self.event_type}"


class BankStatement(models.Model):
    """One imported camt.053 file: its statement id and how its entries were counted."""

    statement_id = models.CharField(_("statement id"), max_length=100, blank=True)
    account_iban = models.CharField(_("account"), max_length=34, blank=True)
    filename = models.CharField(_("file name"), max_length=150, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    imported_at = models.DateTimeField(_("imported"), default=timezone.now)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    credits_total = models.PositiveIntegerField(_("credits in the file"), default=0)
    credits_new = models.PositiveIntegerField(_("new credits"), default=0)
    credits_duplicate = models.PositiveIntegerField(_("credits seen before"), default=0)
    matched = models.PositiveIntegerField(_("paid automatically"), default=0)
    to_review = models.PositiveIntegerField(_("sent to review"), default=0)

    class Meta:
        ordering = ["-imported_at", "-id"]
        verbose_name = _("bank statement")
        verbose_name_plural = _("bank statements")

    def __str__(self) -> str:
        return f"{self.statement_id or self.filename} ({self.imported_at:%Y-%m-%d})"


class BankCredit(models.Model):
    """One credit booked on the Office's account, counted once whatever the number of statements naming it."""

    statement = models.ForeignKey(BankStatement, on_delete=models.PROTECT, related_name="credits")
    entry_reference = models.CharField(
        _("bank's entry reference"), max_length=120, unique=True, help_text=_("AcctSvcrRef of the entry.")
    )
    amount_cents = models.PositiveIntegerField(_("amount (cents)"))
    currency = models.CharField(_("currency"), max_length=3)
    booked_on = models.DateField(_("booked on"), null=True, blank=True)
    debtor_name = models.CharField(_("payer"), max_length=140, blank=True)
    remittance = models.CharField(_("remittance information"), max_length=280, blank=True)
    creditor_reference = models.CharField(_("creditor reference found"), max_length=35, blank=True)
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="bank_credits"
    )

    class Meta:
        ordering = ["-booked_on", "-id"]
        verbose_name = _("bank credit")
        verbose_name_plural = _("bank credits")

    def __str__(self) -> str:
        return f"{self.entry_reference} {format_cents(self.amount_cents, self.currency)}"


class ReconciliationItem(models.Model):
    """Money that did not match a payment exactly: a person decides what happens to it."""

    class Kind(models.TextChoices):
        UNDERPAID = "underpaid", _("Less than the fee")
        OVERPAID = "overpaid", _("More than the fee")
        UNMATCHED = "unmatched", _("No payment with this reference")
        NOT_OPEN = "not_open", _("The payment is no longer open")
        CURRENCY = "currency", _("Another currency")
        APPLICATION_CLOSED = "application_closed", _("Paid, but the application no longer awaits payment")
        PROVIDER_MISMATCH = "provider_mismatch", _("Card provider reported another amount or currency")
        LATE_CARD_PAYMENT = "late_card_payment", _("Card payment succeeded after the attempt was closed")

    class Status(models.TextChoices):
        OPEN = "open", _("To review")
        RESOLVED = "resolved", _("Resolved")

    kind = models.CharField(_("problem"), max_length=30, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    credit = models.ForeignKey(
        BankCredit, null=True, blank=True, on_delete=models.PROTECT, related_name="review_items"
    )
    webhook_event = models.ForeignKey(
        WebhookEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="review_items"
    )
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="review_items"
    )
    amount_cents = models.PositiveIntegerField(_("amount received (cents)"))
    currency = models.CharField(_("currency"), max_length=3)
    expected_cents = models.PositiveIntegerField(_("amount expected (cents)"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["status", "-created_at", "-id"]
        verbose_name = _("reconciliation item")
        verbose_name_plural = _("reconciliation items")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {format_cents(self.amount_cents, self.currency)}"
