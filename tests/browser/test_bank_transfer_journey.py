"""Journey (c) of the proof, on real parts: paying by bank transfer.

The applicant chooses a bank transfer and is shown the payment reference (and the printable slip the worker
renders); the money arrives at the bank; an administrator (password and TOTP code) imports the bank's camt.053
statement in the admin; the payment is matched by its reference, the application is submitted, and the applicant
sees it paid with the receipt the worker rendered.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from applications.models import Application
from payments.models import BankStatement, Payment
from tests.browser.a11y import check_page
from tests.browser.test_apply_and_pay_journey import pdf_text
from tests.browser.test_decision_loop_journey import sign_in
from tests.factories import ApplicationFactory, UserFactory
from tests.integration.live_workers import wait_for
from tests.otp import add_totp
from tests.payments.test_statements import entry, euros, statement

WORKER_TIMEOUT = 90


def reload_until(page, locator, *, what: str) -> None:
    """The page offers a PDF once the worker has rendered it."""

    def offered() -> bool:
        page.reload()
        return locator.count() == 1

    wait_for(offered, timeout=WORKER_TIMEOUT, interval=1, what=what)


def test_reference_shown_statement_imported_by_an_administrator_then_paid(
    browser_pages, tmp_path, live_server, live_parts
):
    applicant = UserFactory(email="wei@example.lv", preferred_language="en")
    application = ApplicationFactory(applicant=applicant, awaiting_payment=True)
    administrator = UserFactory(administrator=True, email="admin@pmlp.example.lv")
    device = add_totp(administrator)

    # The applicant chooses a bank transfer: the reference, the account and the amount, and the printable slip.
    person, person_shot = browser_pages("applicant")
    person.goto(f"/applications/{application.pk}/pay/")
    sign_in(person, applicant.email)
    person.get_by_label("By bank transfer").check()
    person.get_by_role("button", name="Continue").click()
    expect(person.get_by_role("heading", level=1)).to_have_text("Paying the state fee by bank transfer")
    payment = Payment.objects.get(application=application, method=Payment.Method.BANK_TRANSFER)
    shown = person.locator("dt", has_text="Payment reference").locator("xpath=following-sibling::dd[1]")
    assert re.sub(r"\s", "", shown.inner_text()) == payment.reference
    expect(person.locator("[data-status]")).to_have_attribute("data-status", "pending")
    check_page(person)
    person_shot("reference-shown")
    slip_link = person.get_by_role("link", name="Download the instructions (PDF)")
    reload_until(person, slip_link, what="the bank-transfer slip")
    with person.expect_download() as download:
        slip_link.click()
    slip = Path(download.value.path()).read_bytes()
    assert slip.startswith(b"%PDF-")
    assert payment.reference in re.sub(r"\s", "", pdf_text(slip))
    person_shot("slip-offered")

    # The bank's statement of the day, with the applicant's transfer under its creditor reference.
    camt = tmp_path / "statement-2026-11-20.xml"
    camt.write_bytes(
        statement(entry(ref="BANK-0001", amount=euros(payment.amount_cents), remittance=payment.reference))
    )

    # An administrator signs in (password, then code) and imports it in the admin.
    desk, desk_shot = browser_pages("administrator")
    desk.goto("/admin/payments/bankstatement/")
    sign_in(desk, administrator.email, device=device)
    expect(desk).to_have_url(f"{live_server.url}/admin/payments/bankstatement/")
    desk.get_by_role("link", name="Import a bank statement").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("Import a bank statement")
    desk.get_by_label("camt.053 statement (XML)").set_input_files(str(camt))
    desk_shot("statement-chosen")
    desk.get_by_role("button", name="Import").click()
    expect(desk.locator(".messagelist")).to_contain_text(
        "Imported: 1 new credits, 0 seen before, 1 paid, 0 to review."
    )
    desk_shot("statement-imported")
    imported = BankStatement.objects.get()
    assert (imported.imported_by_id, imported.matched) == (administrator.pk, 1)

    # Paid: the application is submitted, and the applicant gets the receipt the worker renders.
    payment.refresh_from_db()
    application.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert application.state == Application.State.SUBMITTED
    person.goto(f"/payments/{payment.pk}/")
    expect(person.locator("[data-status]")).to_have_attribute("data-status", "paid")
    receipt_link = person.get_by_role("link", name="Download the receipt (PDF)")
    reload_until(person, receipt_link, what="the receipt")
    check_page(person)
    person_shot("paid")
    with person.expect_download() as download:
        receipt_link.click()
    receipt = Path(download.value.path()).read_bytes()
    assert receipt.startswith(b"%PDF-") and application.reference in pdf_text(receipt)
    person.goto("/applications/")
    expect(person.locator("article.application-card .state")).to_have_text("Submitted")
    person_shot("dashboard-submitted")
