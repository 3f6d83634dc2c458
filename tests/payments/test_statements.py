"""camt.053 import: safe parsing, matching by reference and amount, each credit counted once, all or nothing."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from applications.models import Application
from payments import references
from payments.exceptions import StatementError
from payments.models import BankCredit, BankStatement, Payment, ReconciliationItem
from payments.services import import_camt053

pytestmark = pytest.mark.django_db

NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"


def entry(
    *,
    ref: str,
    amount: str,
    remittance: str = "",
    currency: str = "EUR",
    structured: bool = True,
    indicator: str = "CRDT",
    status: str = "BOOK",
) -> str:
    rmt = (
        f"<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>{remittance}</Ref></CdtrRefInf></Strd>"
        if structured
        else f"<Ustrd>{remittance}</Ustrd>"
    )
    return f"""
    <Ntry>
      <Amt Ccy="{currency}">{amount}</Amt>
      <CdtDbtInd>{indicator}</CdtDbtInd>
      <Sts>{status}</Sts>
      <BookgDt><Dt>2026-11-20</Dt></BookgDt>
      <AcctSvcrRef>{ref}</AcctSvcrRef>
      <NtryDtls><TxDtls>
        <RltdPties><Dbtr><Nm>Olena Shevchenko</Nm></Dbtr></RltdPties>
        <RmtInf>{rmt}</RmtInf>
      </TxDtls></NtryDtls>
    </Ntry>"""


def statement(*entries: str, statement_id: str = "STMT-2026-11-20") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{NS}">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>MSG1</MsgId><CreDtTm>2026-11-20T18:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>{statement_id}</Id>
      <Acct><Id><IBAN>LV23TREL1060190911000</IBAN></Id></Acct>
      {"".join(entries)}
    </Stmt>
  </BkToCstmrStmt>
</Document>""".encode()


def euros(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _application(payment: Payment) -> Application:
    return Application.objects.get(pk=payment.application_id)


def test_exact_credit_with_reference_pays_and_submits(bank_payment):
    data = statement(
        entry(ref="BANK-1", amount=euros(bank_payment.amount_cents), remittance=bank_payment.reference)
    )
    result = import_camt053(data=data, filename="s.xml")
    bank_payment.refresh_from_db()
    assert bank_payment.status == "paid"
    assert _application(bank_payment).state == "submitted"
    assert result.paid == [bank_payment.pk] and result.review == []
    credit = BankCredit.objects.get()
    assert credit.payment_id == bank_payment.pk
    assert credit.debtor_name == "Olena Shevchenko"
    assert result.statement.matched == 1 and result.statement.credits_new == 1


def test_reference_found_in_free_text_with_spaces(bank_payment):
    text = f"valsts nodeva {references.display(bank_payment.reference)} paldies"
    data = statement(
        entry(ref="BANK-2", amount=euros(bank_payment.amount_cents), remittance=text, structured=False)
    )
    import_camt053(data=data)
    bank_payment.refresh_from_db()
    assert bank_payment.status == "paid"


def test_reference_in_free_text_is_matched_even_when_the_next_word_passes_the_check_too(bank_payment):
    from tests.payments.test_references import _reference_that_also_passes_with

    reference = _reference_that_also_passes_with("PALDIES")
    Payment.objects.filter(pk=bank_payment.pk).update(reference=reference)
    text = f"valsts nodeva {references.display(reference)} paldies"
    import_camt053(
        data=statement(
            entry(ref="BANK-3", amount=euros(bank_payment.amount_cents), remittance=text, structured=False)
        )
    )
    bank_payment.refresh_from_db()
    assert bank_payment.status == "paid"
    assert BankCredit.objects.get(entry_reference="BANK-3").creditor_reference == reference


def test_same_credit_twice_is_counted_once(bank_payment):
    credit = entry(ref="BANK-DUP", amount=euros(bank_payment.amount_cents), remittance=bank_payment.reference)
    first = import_camt053(data=statement(credit, credit))  # twice in one file
    second = import_camt053(
        data=statement(credit, statement_id="STMT-NEXT")
    )  # and again in the next statement
    assert BankCredit.objects.count() == 1
    assert first.statement.credits_new == 1 and first.statement.credits_duplicate == 1
    assert second.statement.credits_new == 0 and second.statement.credits_duplicate == 1
    assert second.paid == [] and second.review == []
    bank_payment.refresh_from_db()
    assert bank_payment.status == "paid"
    assert not ReconciliationItem.objects.exists()
    assert _application(bank_payment).events.filter(kind="paid").count() == 1


@pytest.mark.parametrize(("delta", "kind"), [(-100, "underpaid"), (500, "overpaid")])
def test_under_and_over_payments_go_to_review(bank_payment, delta, kind):
    data = statement(
        entry(
            ref="BANK-3", amount=euros(bank_payment.amount_cents + delta), remittance=bank_payment.reference
        )
    )
    result = import_camt053(data=data)
    bank_payment.refresh_from_db()
    assert bank_payment.status == "pending"
    assert _application(bank_payment).state == "awaiting_payment"
    item = ReconciliationItem.objects.get()
    assert item.kind == kind and item.payment_id == bank_payment.pk
    assert item.expected_cents == bank_payment.amount_cents
    assert result.review == [item.pk]


def test_unmatched_credit_goes_to_review(bank_payment):
    data = statement(entry(ref="BANK-4", amount="10.00", remittance="RF18539007547034"))
    import_camt053(data=data)
    item = ReconciliationItem.objects.get()
    assert item.kind == "unmatched" and item.payment is None
    bank_payment.refresh_from_db()
    assert bank_payment.status == "pending"


def test_other_currency_goes_to_review(bank_payment):
    data = statement(
        entry(
            ref="BANK-5",
            amount=euros(bank_payment.amount_cents),
            currency="USD",
            remittance=bank_payment.reference,
        )
    )
    import_camt053(data=data)
    assert ReconciliationItem.objects.get().kind == "currency"
    bank_payment.refresh_from_db()
    assert bank_payment.status == "pending"


def test_debits_and_pending_entries_are_not_credits(bank_payment):
    data = statement(
        entry(
            ref="BANK-6",
            amount=euros(bank_payment.amount_cents),
            remittance=bank_payment.reference,
            indicator="DBIT",
        ),
        entry(
            ref="BANK-7",
            amount=euros(bank_payment.amount_cents),
            remittance=bank_payment.reference,
            status="PDNG",
        ),
    )
    result = import_camt053(data=data)
    assert result.statement.credits_total == 0
    bank_payment.refresh_from_db()
    assert bank_payment.status == "pending"


def test_credit_for_a_cancelled_transfer_goes_to_review(bank_payment, awaiting):
    from payments.services import start_payment

    start_payment(application_id=awaiting.pk, user=awaiting.applicant, method="card")  # replaces the transfer
    bank_payment.refresh_from_db()
    assert bank_payment.status == "cancelled"
    import_camt053(
        data=statement(
            entry(ref="BANK-8", amount=euros(bank_payment.amount_cents), remittance=bank_payment.reference)
        )
    )
    assert ReconciliationItem.objects.get().kind == "not_open"
    assert _application(bank_payment).state == "awaiting_payment"


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Document><BkToCstmrStmt><Stmt><Id>&lol9;</Id></Stmt></BkToCstmrStmt></Document>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Document><BkToCstmrStmt><Stmt><Id>&xxe;</Id></Stmt></BkToCstmrStmt></Document>"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"])
def test_xml_bomb_is_refused_and_nothing_is_imported(bank_payment, data):
    with pytest.raises(StatementError) as excinfo:
        import_camt053(data=data)
    assert excinfo.value.details == {"reason": "forbidden_xml"}
    assert not BankStatement.objects.exists()
    assert not BankCredit.objects.exists()
    bank_payment.refresh_from_db()
    assert bank_payment.status == "pending"


def test_malformed_xml_is_refused_and_nothing_is_imported(bank_payment):
    good = entry(ref="BANK-9", amount=euros(bank_payment.amount_cents), remittance=bank_payment.reference)
    data = statement(good)[:-20]  # cut off
    with pytest.raises(StatementError) as excinfo:
        import_camt053(data=data)
    assert excinfo.value.details == {"reason": "malformed_xml"}
    assert not BankStatement.objects.exists()
    bank_payment.refresh_from_db()
    assert bank_payment.status == "pending"


@pytest.mark.parametrize("amount", ["NaN", "sNaN", "Infinity", "-Infinity"])
def test_an_amount_that_is_not_a_finite_number_is_refused(bank_payment, amount):
    with pytest.raises(StatementError):
        import_camt053(
            data=statement(entry(ref="BANK-NAN", amount=amount, remittance=bank_payment.reference))
        )
    assert not BankStatement.objects.exists()


def test_one_bad_entry_refuses_the_whole_file(bank_payment):
    good = entry(ref="BANK-10", amount=euros(bank_payment.amount_cents), remittance=bank_payment.reference)
    bad = entry(ref="BANK-11", amount="12.345", remittance="x")
    with pytest.raises(StatementError):
        import_camt053(data=statement(good, bad))
    assert not BankCredit.objects.exists()
    bank_payment.refresh_from_db()
    assert bank_payment.status == "pending"
    assert _application(bank_payment).state == "awaiting_payment"


def test_not_a_camt053_document_is_refused():
    with pytest.raises(StatementError) as excinfo:
        import_camt053(data=b"<html><body>hi</body></html>")
    assert excinfo.value.details == {"reason": "not_camt053"}


def test_management_command_imports_and_reports(tmp_path, bank_payment):
    path = tmp_path / "statement.xml"
    path.write_bytes(
        statement(
            entry(ref="BANK-12", amount=euros(bank_payment.amount_cents), remittance=bank_payment.reference)
        )
    )
    from io import StringIO

    out = StringIO()
    call_command("import_camt053", str(path), stdout=out)
    assert "1 paid" in out.getvalue()
    bank_payment.refresh_from_db()
    assert bank_payment.status == "paid"


def test_management_command_refuses_a_bomb_with_a_clear_error(tmp_path):
    path = tmp_path / "bomb.xml"
    path.write_bytes(BILLION_LAUGHS)
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("import_camt053", str(path))
    assert not BankStatement.objects.exists()


def test_admin_upload_imports_a_statement(admin_client, bank_payment):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = admin_client
    data = statement(
        entry(ref="BANK-13", amount=euros(bank_payment.amount_cents), remittance=bank_payment.reference)
    )
    response = client.post(
        "/admin/payments/bankstatement/upload/", {"file": SimpleUploadedFile("s.xml", data)}
    )
    assert response.status_code == 302
    bank_payment.refresh_from_db()
    assert bank_payment.status == "paid"
    bomb = client.post(
        "/admin/payments/bankstatement/upload/", {"file": SimpleUploadedFile("b.xml", BILLION_LAUGHS)}
    )
    assert bomb.status_code == 400
    assert "DTD" in bomb.content.decode()
    assert BankStatement.objects.count() == 1


def test_review_item_accepted_by_staff_pays_the_fee(bank_payment):
    from payments.services import resolve_reconciliation_item
    from tests.factories import UserFactory

    import_camt053(
        data=statement(
            entry(
                ref="BANK-14",
                amount=euros(bank_payment.amount_cents + 500),
                remittance=bank_payment.reference,
            )
        )
    )
    item = ReconciliationItem.objects.get()
    resolve_reconciliation_item(item_id=item.pk, user=UserFactory(administrator=True), accept_payment=True)
    item.refresh_from_db()
    bank_payment.refresh_from_db()
    assert item.status == "resolved" and bank_payment.status == "paid"
    assert _application(bank_payment).state == "submitted"


def test_an_unmatched_credit_cannot_be_accepted_as_a_payment(bank_payment):
    from payments.services import resolve_reconciliation_item
    from tests.factories import UserFactory

    import_camt053(data=statement(entry(ref="BANK-15", amount="10.00", remittance="no reference at all")))
    item = ReconciliationItem.objects.get()
    assert item.payment_id is None
    from payments.exceptions import ReviewItemNotLinkedError

    with pytest.raises(ReviewItemNotLinkedError, match="not linked to a payment"):
        resolve_reconciliation_item(
            item_id=item.pk, user=UserFactory(administrator=True), accept_payment=True
        )
    item.refresh_from_db()
    assert item.status != "resolved"
