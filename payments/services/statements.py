"""ISO 20022 camt.053 bank statements: parse safely, then match credits to open bank-transfer payments.

Parsing uses defusedxml with DTDs forbidden, so entity bombs ("billion laughs"), external entities and any DTD
are refused before expansion. The whole file is parsed and checked before anything is written, and the import
runs in one transaction: a file is imported completely or not at all.

Matching: a booked credit whose remittance carries the ISO 11649 reference of an open bank-transfer payment
and exactly its amount in EUR pays it. Less, more, another currency, a closed payment or no known reference: the
credit goes to the review list. A credit is counted once by the bank's entry reference (AcctSvcrRef), however
many statements (or lines of one statement) repeat it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.db import transaction
from django.utils.translation import gettext as _

from identity.models import User
from payments import references
from payments.exceptions import StatementError
from payments.models import BankCredit, BankStatement, Payment, ReconciliationItem
from payments.services.payments import Outcome, confirm_payment

logger = logging.getLogger(__name__)

MAX_STATEMENT_BYTES = 20 * 1024 * 1024
_NS = re.compile(r"^\{[^}]*\}")


@dataclass(frozen=True)
class ParsedCredit:
    entry_reference: str
    amount_cents: int
    currency: str
    booked_on: dt.date | None
    debtor_name: str
    remittance: str
    creditor_reference: str
    # Other references the free text may mean (see references.candidate_references), tried in order.
    other_references: tuple[str, ...] = ()


@dataclass
class ParsedStatement:
    statement_id: str = ""
    account_iban: str = ""
    credits: list[ParsedCredit] = field(default_factory=list)


@dataclass(frozen=True)
class ImportResult:
    statement: BankStatement
    paid: list[int]
    review: list[int]


def _local(tag: str) -> str:
    return _NS.sub("", tag)


def _children(element: Element, name: str) -> list[Element]:
    return [child for child in element if _local(child.tag) == name]


def _find(element: Element | None, path: str) -> Element | None:
    """Follow a slash-separated path of local names, ignoring namespaces (camt.053 versions differ)."""
    for name in path.split("/"):
        if element is None:
            return None
        found = _children(element, name)
        element = found[0] if found else None
    return element


def _text(element: Element | None, path: str) -> str:
    found = _find(element, path)
    return (found.text or "").strip() if found is not None else ""


def _cents(amount: Element | None, where: str) -> tuple[int, str]:
    if amount is None or not (amount.text or "").strip():
        raise StatementError(_("%(where)s has no amount.") % {"where": where})
    try:
        value = Decimal(amount.text.strip())
    except InvalidOperation:
        raise StatementError(_("%(where)s has an amount that is not a number.") % {"where": where}) from None
    # NaN and Infinity parse as Decimals but cannot be compared or rounded.
    if (
        not value.is_finite()
        or value < 0
        or value != value.quantize(Decimal("0.01"))
        or value > Decimal("100000000")
    ):
        raise StatementError(_("%(where)s has an amount that is not valid.") % {"where": where})
    currency = (amount.get("Ccy") or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise StatementError(_("%(where)s has no valid currency.") % {"where": where})
    return int(value * 100), currency


def _date(entry: Element) -> dt.date | None:
    raw = _text(entry, "BookgDt/Dt") or _text(entry, "BookgDt/DtTm")[:10]
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _remittance(details: Element | None) -> tuple[tuple[str, ...], str]:
    """(the structured creditor reference, or the references the free text may carry, likeliest first; all
    remittance text)."""
    if details is None:
        return (), ""
    structured = _text(details, "RmtInf/Strd/CdtrRefInf/Ref")
    remittance_info = _find(details, "RmtInf")
    unstructured = " ".join(
        (line.text or "").strip()
        for line in (_children(remittance_info, "Ustrd") if remittance_info is not None else [])
    )
    text = " ".join(part for part in (structured, unstructured) if part)
    if structured and references.is_valid(structured):
        return (references.compact(structured),), text[:280]
    return tuple(references.candidate_references(text)), text[:280]


def _debtor(details: Element | None) -> str:
    return (_text(details, "RltdPties/Dbtr/Nm") or _text(details, "RltdPties/Dbtr/Pty/Nm"))[:140]


def parse_camt053(data: bytes) -> ParsedStatement:
    """Parse a camt.053 document. ``StatementError`` for a bomb, a DTD, malformed XML or a wrong document."""
    if len(data) > MAX_STATEMENT_BYTES:
        raise StatementError(_("The file is larger than 20 MB."))
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise StatementError(
            _("The file declares a DTD or entities, which bank statements never need. It was refused."),
            details={"reason": "forbidden_xml"},
        ) from None
    except (ParseError, ValueError) as exc:
        raise StatementError(
            _("The file is not well-formed XML: %(error)s") % {"error": str(exc)[:200]},
            details={"reason": "malformed_xml"},
        ) from None
    statement_root = _find(root, "BkToCstmrStmt")
    if _local(root.tag) != "Document" or statement_root is None:
        raise StatementError(
            _("The file is not an ISO 20022 camt.053 bank-to-customer statement."),
            details={"reason": "not_camt053"},
        )
    parsed = ParsedStatement()
    statements = _children(statement_root, "Stmt")
    if not statements:
        raise StatementError(_("The file contains no statement."), details={"reason": "not_camt053"})
    for statement in statements:
        parsed.statement_id = parsed.statement_id or _text(statement, "Id")
        parsed.account_iban = parsed.account_iban or _text(statement, "Acct/Id/IBAN")
        for number, entry in enumerate(_children(statement, "Ntry"), start=1):
            parsed.credits.extend(_entry_credits(entry, number))
    return parsed


def _entry_credits(entry: Element, number: int) -> list[ParsedCredit]:
    where = _("Entry %(number)s") % {"number": number}
    if _text(entry, "CdtDbtInd") != "CRDT":
        return []
    status = _text(entry, "Sts/Cd") or _text(entry, "Sts")
    if status and status != "BOOK":
        return []  # pending or informational lines are not money yet
    entry_reference = _text(entry, "AcctSvcrRef") or _text(entry, "NtryRef")
    amount_cents, currency = _cents(_find(entry, "Amt"), where)
    booked_on = _date(entry)
    transactions = [
        details
        for entry_details in _children(entry, "NtryDtls")
        for details in _children(entry_details, "TxDtls")
    ]
    if len(transactions) <= 1:
        details = transactions[0] if transactions else None
        reference = entry_reference or _text(details, "Refs/AcctSvcrRef")
        if not reference:
            raise StatementError(
                _("%(where)s has no bank reference (AcctSvcrRef), so it could not be counted once.")
                % {"where": where}
            )
        found, remittance = _remittance(details)
        return [
            ParsedCredit(
                entry_reference=reference[:120],
                amount_cents=amount_cents,
                currency=currency,
                booked_on=booked_on,
                debtor_name=_debtor(details),
                remittance=remittance,
                creditor_reference=found[0] if found else "",
                other_references=found[1:],
            )
        ]
    # A batch booking: one entry, several transfers, each with its own amount.
    credits = []
    for index, details in enumerate(transactions, start=1):
        tx_where = _("%(where)s, transaction %(index)s") % {"where": where, "index": index}
        tx_reference = _text(details, "Refs/AcctSvcrRef") or (
            entry_reference and f"{entry_reference}/{index}"
        )
        if not tx_reference:
            raise StatementError(_("%(where)s has no bank reference (AcctSvcrRef).") % {"where": tx_where})
        amount = _find(details, "Amt")
        if amount is None:  # an Element with no children is falsy: compare with None, never use "or"
            amount = _find(details, "AmtDtls/TxAmt/Amt")
        tx_cents, tx_currency = _cents(amount, tx_where)
        found, remittance = _remittance(details)
        credits.append(
            ParsedCredit(
                entry_reference=tx_reference[:120],
                amount_cents=tx_cents,
                currency=tx_currency,
                booked_on=booked_on,
                debtor_name=_debtor(details),
                remittance=remittance,
                creditor_reference=found[0] if found else "",
                other_references=found[1:],
            )
        )
    return credits


@transaction.atomic
def import_camt053(*, data: bytes, filename: str = "", user: User | None = None) -> ImportResult:
    """Import one statement file in one transaction; ``StatementError`` (nothing imported) if it is refused."""
    parsed = parse_camt053(data)
    statement = BankStatement.objects.create(
        statement_id=parsed.statement_id[:100],
        account_iban=parsed.account_iban[:34],
        filename=filename[-150:],
        sha256=hashlib.sha256(data).hexdigest(),
        imported_by=user,
        credits_total=len(parsed.credits),
    )
    paid: list[int] = []
    review: list[int] = []
    # Credits counted before (earlier statements) and within this file: each bank entry is counted once.
    seen: set[str] = set(
        BankCredit.objects.filter(
            entry_reference__in=[credit.entry_reference for credit in parsed.credits]
        ).values_list("entry_reference", flat=True)
    )
    for credit in parsed.credits:
        if credit.entry_reference in seen:
            statement.credits_duplicate += 1
            continue
        seen.add(credit.entry_reference)
        statement.credits_new += 1
        row = BankCredit.objects.create(
            statement=statement,
            entry_reference=credit.entry_reference,
            amount_cents=credit.amount_cents,
            currency=credit.currency,
            booked_on=credit.booked_on,
            debtor_name=credit.debtor_name,
            remittance=credit.remittance,
            creditor_reference=credit.creditor_reference,
        )
        payment, item = _reconcile(row, other_references=credit.other_references)
        if item is None and payment is not None:
            paid.append(payment.pk)
        elif item is not None:
            review.append(item.pk)
    statement.matched = len(paid)
    statement.to_review = len(review)
    statement.save(update_fields=["credits_new", "credits_duplicate", "matched", "to_review"])
    logger.info(
        "statement.imported id=%s credits=%s new=%s duplicate=%s paid=%s review=%s",
        statement.pk,
        statement.credits_total,
        statement.credits_new,
        statement.credits_duplicate,
        len(paid),
        len(review),
    )
    return ImportResult(statement=statement, paid=paid, review=review)


def _review(credit: BankCredit, kind: str, payment: Payment | None = None) -> ReconciliationItem:
    return ReconciliationItem.objects.create(
        kind=kind,
        credit=credit,
        payment=payment,
        amount_cents=credit.amount_cents,
        currency=credit.currency,
        expected_cents=payment.amount_cents if payment else None,
    )


def _reconcile(
    credit: BankCredit, *, other_references: tuple[str, ...] = ()
) -> tuple[Payment | None, ReconciliationItem | None]:
    payment = None
    candidates = [credit.creditor_reference, *other_references] if credit.creditor_reference else []
    if candidates:
        by_reference = {
            p.reference: p
            for p in Payment.objects.filter(reference__in=candidates, method=Payment.Method.BANK_TRANSFER)
        }
        reference = next((c for c in candidates if c in by_reference), None)
        if reference is not None:
            payment = by_reference[reference]
            if reference != credit.creditor_reference:
                credit.creditor_reference = reference
                credit.save(update_fields=["creditor_reference"])
    if payment is None:
        return None, _review(credit, ReconciliationItem.Kind.UNMATCHED)
    credit.payment = payment
    credit.save(update_fields=["payment"])
    if credit.currency != payment.currency:
        return payment, _review(credit, ReconciliationItem.Kind.CURRENCY, payment)
    if credit.amount_cents < payment.amount_cents:
        return payment, _review(credit, ReconciliationItem.Kind.UNDERPAID, payment)
    if credit.amount_cents > payment.amount_cents:
        return payment, _review(credit, ReconciliationItem.Kind.OVERPAID, payment)
    paid_at = None
    if credit.booked_on:
        from django.utils import timezone

        paid_at = timezone.make_aware(dt.datetime.combine(credit.booked_on, dt.time(12, 0)))
    outcome = confirm_payment(payment_id=payment.pk, paid_at=paid_at)
    if outcome == Outcome.PAID:
        return payment, None
    return payment, _review(credit, ReconciliationItem.Kind.NOT_OPEN, payment)
