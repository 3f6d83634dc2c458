"""The timeline as the applicant reads it: repeated saves folded, documents named, payments told as they went.

Reads only what the dashboard selector prefetched (events, payments) plus the document type names the caller
passes in (one query per page: ``document_type_names``), so a list of cards costs no query per card.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from applications.models import Application, ApplicationEvent, DocumentType

Event = ApplicationEvent.Kind


@dataclass
class TimelineEntry:
    when: dt.datetime
    label: str
    detail: str = ""
    count: int = 1
    first_when: dt.datetime | None = None
    url: str = ""
    kind: str = ""


def document_type_names() -> dict[str, str]:
    """Document type code → its name in the current language (one query)."""
    return {document_type.code: str(document_type.name) for document_type in DocumentType.objects.all()}


def _payments(application: Application) -> dict[int, Any]:
    return {payment.pk: payment for payment in application.payments.all()}


def _payment_detail(payment: Any, data: dict[str, Any]) -> str:
    amount = data.get("amount", "")
    method = str(payment.get_method_display()) if payment is not None else ""
    return ", ".join(part for part in (method, amount) if part)


def _entry(event: ApplicationEvent, names: dict[str, str], payments: dict[int, Any]) -> TimelineEntry:
    data = event.data or {}
    entry = TimelineEntry(when=event.created_at, label=event.label, kind=event.kind)
    if event.kind in (Event.DOCUMENT_ADDED, Event.DOCUMENT_REMOVED):
        name = names.get(data.get("document_type", ""), data.get("document_type", ""))
        if event.kind == Event.DOCUMENT_ADDED and data.get("replaced"):
            entry.label = _("Document replaced")
        entry.detail = f"{name} ({data['filename']})" if data.get("filename") else name
    elif event.kind == Event.INFORMATION_PROVIDED and data.get("documents"):
        entry.detail = _("Documents sent: %(names)s") % {
            "names": ", ".join(names.get(code, code) for code in data["documents"])
        }
    elif event.kind == Event.WITHDRAWN:
        reason = (data.get("reason") or "").strip()
        entry.detail = _("Your reason: %(reason)s") % {"reason": reason} if reason else ""
    elif event.kind == Event.PAYMENT_STARTED:
        payment = payments.get(data.get("payment_id"))
        entry.detail = _payment_detail(payment, data)
        card_fee = data.get("purpose") == "card_fee"
        if card_fee:
            entry.label = _("Payment of the card fee started")
        if payment is not None and payment.status == "cancelled":
            if payment.method == "card" and "replaced" in (payment.failure_reason or ""):
                # The person left the provider's page (or opened it again): nobody cancelled anything.
                entry.label = _("Card payment not completed: the payment page was left without paying")
            elif card_fee:
                entry.label = _("Payment of the card fee started, then closed unpaid")
            else:
                entry.label = _("Payment of the state fee started, then closed unpaid")
    elif event.kind == Event.PAYMENT_FAILED:
        entry.detail = _("The bank or card provider declined the payment. No money was taken.")
    elif event.kind == Event.PAYMENT_EXPIRED:
        entry.detail = data.get("amount", "")
    elif event.kind == Event.CARD_FEE_PAID:
        entry.detail = data.get("amount", "")
        if data.get("payment_id"):
            entry.url = reverse("payments:receipt-pdf", args=[data["payment_id"]])
    elif event.kind == Event.REGISTRATION_STARTED:
        entry.detail = ", ".join(part for part in (data.get("unit_name", ""), data.get("amount", "")) if part)
    elif event.kind in (Event.PAID, Event.PAYMENT_REFUND_PENDING, Event.PAYMENT_REFUNDED):
        entry.detail = data.get("amount", "")
    elif event.kind == Event.SUMMARY_READY:
        entry.url = reverse("applications:summary-pdf", args=[event.application_id])
    elif event.kind == Event.RECEIPT_READY and data.get("payment_id"):
        entry.url = reverse("payments:receipt-pdf", args=[data["payment_id"]])
    return entry


def build_timeline(application: Application, *, names: dict[str, str]) -> list[TimelineEntry]:
    """The application's events, oldest first, with runs of "details saved" folded into one line."""
    payments = _payments(application)
    entries: list[TimelineEntry] = []
    for event in application.events.all():
        if event.kind == Event.UPDATED and entries and entries[-1].kind == Event.UPDATED:
            last = entries[-1]
            last.count += 1
            last.when = event.created_at
            last.label = ngettext(
                "Application details saved (%(count)d time)",
                "Application details saved (%(count)d times)",
                last.count,
            ) % {"count": last.count}
            continue
        entry = _entry(event, names, payments)
        if entry.kind == Event.UPDATED:
            entry.first_when = event.created_at
        entries.append(entry)
    return entries


@dataclass(frozen=True)
class Closure:
    """What a closed (withdrawn or expired) application's page says instead of dates that no longer apply."""

    state: str
    closed_at: dt.datetime | None
    reason: str
    fee: str  # "refund_pending", "refunded", "kept" or "" (nothing was paid)
    fee_amount: str


def closure(application: Application) -> Closure | None:
    if application.state not in (Application.State.WITHDRAWN, Application.State.EXPIRED):
        return None
    reason = ""
    for event in application.events.all():
        if event.kind == Event.WITHDRAWN:
            reason = ((event.data or {}).get("reason") or "").strip()
    fee, amount = "", ""
    for payment in application.payments.all():
        if payment.purpose != "state_fee":
            continue
        if payment.status in ("refund_pending", "refunded"):
            fee, amount = payment.status, payment.amount_display
        elif payment.status == "paid" and not fee:
            fee, amount = "kept", payment.amount_display
    return Closure(
        state=application.state, closed_at=application.closed_at, reason=reason, fee=fee, fee_amount=amount
    )
