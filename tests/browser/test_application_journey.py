"""An applicant applies in a real browser: guide → form → documents → submit → pay, and what goes wrong on the way.

The test gateway's webhook leaves through a Celery task queued on commit: the session's worker process posts it to
the live server over HTTP, and the return page asks for the status until it has arrived.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from applications.models import Application, ApplicationDocument, ApplicationEvent
from payments.models import Payment
from tests.applications.helpers import jpeg_bytes, pdf_bytes
from tests.browser.a11y import check_page
from tests.factories import PASSWORD, ApplicantProfileFactory, ApplicationFactory, UserFactory

STEP_COUNT = re.compile(r"Step (\d) of 6")
# Windows executables start with "MZ": renamed to .pdf it must still be refused by its content.
EXE_BYTES = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program cannot"
)

# A <progress> element's value is reflected to its attribute: record the highest value the upload script set, in
# sessionStorage, because the page reloads as soon as the upload is done.
WATCH_PROGRESS_JS = """
() => {
  sessionStorage.removeItem('upload-progress-max');
  const observer = new MutationObserver((records) => {
    for (const record of records) {
      const bar = record.target;
      const value = Number(bar.getAttribute('value') || 0);
      const best = Number(sessionStorage.getItem('upload-progress-max') || -1);
      if (!bar.hidden && value > best) sessionStorage.setItem('upload-progress-max', String(value));
    }
  });
  document.querySelectorAll('progress.upload-progress').forEach((bar) =>
    observer.observe(bar, {attributes: true, attributeFilter: ['value', 'hidden']}));
}
"""

BACKGROUND_JS = "(el) => getComputedStyle(el).backgroundColor"
WHITE = "rgb(255, 255, 255)"


def iso(day: dt.date) -> str:
    return day.isoformat()


def sign_in(page: Page, email: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    check_page(page)
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()


def expect_step(page: Page, number: int, title: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator(".step-count")).to_have_text(f"Step {number} of 6")
    steps = page.get_by_role("navigation", name="Form steps")
    expect(steps.locator("[aria-current=step]")).to_have_text(title)


def is_upload(application: Application):
    url = reverse("application-documents", args=[application.pk])
    return lambda response: response.request.method == "POST" and response.url.endswith(url)


def document_row(page: Page, name: str):
    return page.locator("li.document-row").filter(has=page.get_by_role("heading", name=name))


def upload(page: Page, application: Application, *, name: str, filename: str, content: bytes, mime: str):
    """Upload one document through its row's file input; the script posts it with a progress bar, then reloads."""
    row = document_row(page, name)
    row.locator("input[type=file]").set_input_files({"name": filename, "mimeType": mime, "buffer": content})
    issued = row.get_by_label("Issued on")
    if issued.count():
        issued.fill(iso(timezone.localdate() - dt.timedelta(days=10)))
    page.evaluate(WATCH_PROGRESS_JS)
    with page.expect_response(is_upload(application)) as answer, page.expect_navigation():
        row.get_by_role("button", name="Upload").click()
    assert answer.value.status == 201, answer.value.text()
    progress = page.evaluate("() => sessionStorage.getItem('upload-progress-max')")
    assert progress == "100", f"the progress bar of {name!r} stopped at {progress}"
    row = document_row(page, name)
    expect(row).to_contain_text(f"Uploaded: {filename}")
    expect(row.get_by_label("Replace with another file")).to_be_visible()
    assert row.get_by_role("button", name="Remove").evaluate(BACKGROUND_JS) == WHITE


def test_applicant_applies_from_the_guide_and_pays_by_card(page: Page, screenshot, live_server):
    user = UserFactory(email="olena@example.lv", first_name="Olena", last_name="Shevchenko")
    ApplicantProfileFactory(user=user, first_name="Olena", last_name="Shevchenko")
    today = timezone.localdate()
    stay_from, stay_to = today + dt.timedelta(days=45), today + dt.timedelta(days=45 + 300)

    # From the guide's answer: starting asks to sign in, then comes back to what was being started.
    page.goto("/guide/first_trp/studies/?speed=standard&age=adult")
    page.get_by_role("main").get_by_role("link", name="Start this application").first.click()
    sign_in(page, "olena@example.lv")
    expect(page).to_have_url(re.compile(r"/applications/new/\?kind=first_trp&purpose=studies"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Start an application")
    main = page.get_by_role("main")
    expect(main.locator("dl.facts")).to_contain_text("First temporary residence permit")
    expect(main.locator("dl.facts")).to_contain_text("Studies")
    check_page(page)
    screenshot("start")
    main.get_by_role("button", name="Start").click()

    # Step 1: personal data, copied from the profile; the applicant corrects it.
    expect_step(page, 1, "Personal data")
    application = Application.objects.get(applicant=user)
    assert application.state == Application.State.DRAFT
    expect(page.locator(".lead")).to_contain_text(application.reference)
    expect(page.get_by_label("Given names (as in passport)")).to_have_value("Olena")
    check_page(page)
    page.get_by_label("Given names (as in passport)").fill("Olena Marija")
    page.get_by_label("Surname (as in passport)").fill("Shevchenko")
    page.get_by_label("Date of birth").fill("1998-03-14")
    page.get_by_label("Nationality").select_option("UA")
    page.get_by_label("Passport number").fill("fe1234567")
    page.get_by_label("Passport valid until").fill(iso(today + dt.timedelta(days=4 * 365)))
    screenshot("personal-filled")
    page.get_by_role("button", name="Save and continue").click()

    # Step 2: what studies needs.
    expect_step(page, 2, "Purpose of residence")
    expect(page.get_by_role("status")).to_contain_text("Saved.")
    check_page(page)
    page.get_by_label("Educational institution").fill("Riga Technical University")
    page.get_by_role("button", name="Save and continue").click()

    # Step 3: the stay. A stay that ends before it starts is refused next to the field and saves nothing.
    expect_step(page, 3, "Stay in Latvia")
    check_page(page)
    page.get_by_label("Address in Latvia").fill("Kalnciema iela 1-7, Rīga, LV-1048")
    page.get_by_label("Planned stay from").fill(iso(stay_from))
    page.get_by_label("Planned stay until").fill(iso(stay_from - dt.timedelta(days=1)))
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("alert")).to_contain_text("The stay cannot end before it starts.")
    expect_step(page, 3, "Stay in Latvia")
    expect(page.get_by_label("Planned stay until")).to_have_attribute("aria-invalid", "true")
    check_page(page, skip_link=False)  # the field's aria-describedby finds its error message
    application.refresh_from_db()
    assert application.stay_from is None and application.address_in_latvia == ""
    page.get_by_label("Planned stay until").fill(iso(stay_to))
    screenshot("stay-filled")
    page.get_by_role("button", name="Save and continue").click()

    # Step 4: where to give biometrics; the unit in the town of the address (Rīga) is already chosen.
    expect_step(page, 4, "Where to give biometrics")
    riga = page.get_by_role("radio", name="Riga 1st Division")
    expect(riga).to_be_checked()
    expect(riga).to_have_accessible_description(re.compile("Čiekurkalna"))
    check_page(page)
    screenshot("unit")
    page.get_by_role("button", name="Save and continue").click()

    expect_step(page, 5, "Documents")
    application.refresh_from_db()
    assert (application.first_name, application.nationality, application.passport_number) == (
        "Olena Marija",
        "UA",
        "FE1234567",
    )
    assert application.school_name == "Riga Technical University"
    assert (application.stay_from, application.stay_to) == (stay_from, stay_to)

    # Leave and come back: the dashboard lists the draft, and every step still holds its answers.
    page.goto("/applications/")
    card = page.locator("article.application-card")
    expect(card).to_have_count(1)
    expect(card).to_contain_text(application.reference)
    expect(card.locator(".state")).to_have_text("Draft")
    expect(card).to_contain_text("Complete the form and upload the documents, then submit.")
    check_page(page)
    card.get_by_role("link", name="Continue the application").click()
    expect_step(page, 1, "Personal data")
    expect(page.get_by_label("Given names (as in passport)")).to_have_value("Olena Marija")
    expect(page.get_by_label("Date of birth")).to_have_value("1998-03-14")
    expect(page.get_by_label("Nationality")).to_have_value("UA")
    steps = page.get_by_role("navigation", name="Form steps")
    # Purpose, stay and unit are done; the current step is marked current instead.
    expect(steps.locator("li.done")).to_have_count(3)
    steps.get_by_role("link", name="Stay in Latvia").click()
    expect_step(page, 3, "Stay in Latvia")
    expect(page.get_by_label("Address in Latvia")).to_have_value("Kalnciema iela 1-7, Rīga, LV-1048")
    expect(page.get_by_label("Planned stay until")).to_have_value(iso(stay_to))

    # The review lists what is still missing, each item linking to where it is fixed; submitting is refused.
    steps.get_by_role("link", name="Review and submit").click()
    expect_step(page, 6, "Review and submit")
    missing = page.get_by_role("alert").filter(has_text="Still missing before you can submit")
    expect(missing).to_contain_text("Upload: Passport copy.")
    expect(missing).to_contain_text("Upload: Enrolment certificate.")
    expect(missing.get_by_role("listitem")).to_have_count(8)
    check_page(page, skip_link=False)
    screenshot("review-missing")
    page.get_by_role("checkbox", name=re.compile(r"^I declare")).check()
    page.get_by_role("button", name="Submit the application").click()
    expect_step(page, 6, "Review and submit")
    expect(page.get_by_role("status")).to_have_text("The application is not complete yet.")
    expect(missing.get_by_role("listitem")).to_have_count(8)
    application.refresh_from_db()
    assert application.state == Application.State.DRAFT

    # Step 5: every required document through its file input, with issue dates where the type has a maximum age.
    missing.get_by_role("link", name="Upload: Passport copy.").click()
    expect_step(page, 5, "Documents")
    check_page(page)
    screenshot("documents-empty")
    documents = [
        ("Passport copy", "passport.pdf", pdf_bytes(), "application/pdf"),
        ("Photograph", "photo.jpg", jpeg_bytes(), "image/jpeg"),
        ("Proof of means of subsistence", "bank-statement.pdf", pdf_bytes(), "application/pdf"),
        ("Proof of housing", "lease.pdf", pdf_bytes(), "application/pdf"),
        ("Health insurance policy", "insurance.pdf", pdf_bytes(), "application/pdf"),
        ("Enrolment certificate", "enrolment.pdf", pdf_bytes(), "application/pdf"),
        ("Chest X-ray result", "x-ray.pdf", pdf_bytes(), "application/pdf"),
        ("Criminal record certificate", "criminal-record.pdf", pdf_bytes(), "application/pdf"),
    ]
    expect(page.locator("li.document-row")).to_have_count(len(documents))
    for name, filename, content, mime in documents:
        upload(page, application, name=name, filename=filename, content=content, mime=mime)
    check_page(page)
    screenshot("documents-uploaded")
    stored = ApplicationDocument.objects.filter(application=application)
    assert stored.count() == len(documents)
    assert {d.original_filename for d in stored} == {filename for _n, filename, _c, _m in documents}
    assert all(d.issued_on == today - dt.timedelta(days=10) for d in stored if d.document_type.max_age_days)

    page.get_by_role("link", name="Continue to review").click()
    expect_step(page, 6, "Review and submit")
    expect(page.get_by_text("Still missing before you can submit")).to_have_count(0)
    main = page.get_by_role("main")
    expect(main).to_contain_text("Everything is in place.")
    personal = main.locator("section", has=page.get_by_role("heading", name="Personal data"))
    expect(personal).to_contain_text("Olena Marija")
    expect(personal).to_contain_text("Ukraine")
    expect(
        main.locator("section", has=page.get_by_role("heading", name="Purpose of residence"))
    ).to_contain_text("Riga Technical University")
    expect(main.locator("section", has=page.get_by_role("heading", name="Stay in Latvia"))).to_contain_text(
        "Kalnciema iela 1-7, Rīga, LV-1048"
    )
    biometrics = main.locator("section", has=page.get_by_role("heading", name="Where to give biometrics"))
    expect(biometrics).to_contain_text("Riga 1st Division")
    expect(biometrics.get_by_role("link", name="Change where to give biometrics")).to_be_visible()
    expect(main.locator("section", has=page.get_by_role("heading", name="Documents"))).to_contain_text(
        "enrolment.pdf"
    )
    expect(main.locator("section", has=page.get_by_role("heading", name="State fee"))).to_contain_text("EUR")
    check_page(page)
    screenshot("review-complete")
    # Without the declaration nothing is submitted: the error summary says why and takes the focus.
    main.get_by_role("button", name="Submit the application").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Tick the declaration to submit")
    expect(page).to_have_title(re.compile(r"^Error: Review and submit"))
    application.refresh_from_db()
    assert application.state == Application.State.DRAFT
    check_page(page, skip_link=False)
    summary.get_by_role("link").click()
    expect(page.get_by_role("checkbox")).to_be_focused()
    page.keyboard.press("Space")
    expect(page.get_by_role("checkbox")).to_be_checked()
    page.get_by_role("main").get_by_role("button", name="Submit the application").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Application {application.reference}")
    expect(page.get_by_role("status")).to_contain_text(
        "Your application was submitted. Please pay the state fee."
    )
    application.refresh_from_db()
    assert application.state == Application.State.AWAITING_PAYMENT

    # The dashboard says where things stand in plain words, and what to do next.
    page.goto("/applications/")
    card = page.locator("article.application-card")
    expect(card.locator(".state")).to_have_text("Awaiting payment")
    expect(card).to_contain_text("Pay the state fee. Processing starts once the payment arrives.")
    expect(card.get_by_role("link", name="Continue the application")).to_have_count(0)
    # Withdrawing is offered, but not dressed as the main action next to paying.
    pay_colour = card.get_by_role("link", name="Pay the state fee").evaluate(BACKGROUND_JS)
    withdraw_colour = card.get_by_role("link", name="Withdraw the application").evaluate(BACKGROUND_JS)
    assert withdraw_colour == WHITE != pay_colour
    check_page(page)
    screenshot("dashboard-awaiting-payment")

    # Pay by card on the test gateway's hosted page.
    card.get_by_role("link", name="Pay the state fee").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pay the state fee")
    expect(page.get_by_role("main")).to_contain_text(
        re.compile(r"The state fee for this application is \d+\.\d{2} EUR")
    )
    check_page(page)
    screenshot("pay")
    page.get_by_label("By payment card").check()
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Test payment gateway")
    expect(page.get_by_role("main")).to_contain_text("no real money is taken")
    check_page(page)
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_label("Expiry (MM/YY)").fill("12/30")
    page.get_by_label("Security code").fill("123")
    screenshot("test-gateway")
    page.get_by_role("button", name="Pay").click()

    # Back on our return page: it shows "paid" once the worker has delivered the webhook.
    expect(page.get_by_role("heading", level=1)).to_have_text("Payment")
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "paid", timeout=90_000)
    payment = Payment.objects.get(application=application)
    assert payment.status == Payment.Status.PAID
    expect(page).to_have_url(f"{live_server.url}/payments/{payment.pk}/")
    expect(page.locator("[data-status]")).to_have_text("Paid")
    expect(page.get_by_role("main")).to_contain_text("Thank you: the state fee is paid.")
    expect(page.get_by_role("main")).to_contain_text(payment.amount_display)
    expect(page.get_by_role("link", name="Download the receipt (PDF)")).to_be_visible()
    check_page(page)
    screenshot("paid")

    application.refresh_from_db()
    assert application.state == Application.State.SUBMITTED
    assert application.paid_at is not None
    assert ApplicationEvent.objects.filter(application=application, kind="paid").exists()

    page.goto("/applications/")
    card = page.locator("article.application-card")
    expect(card.locator(".state")).to_have_text("Submitted")
    expect(card).to_contain_text("Nothing to do: the Office is examining your application.")
    expect(card.get_by_role("link", name="Pay the state fee")).to_have_count(0)
    check_page(page)
    screenshot("dashboard-submitted")


def test_declined_card_keeps_the_fee_due_and_bank_transfer_shows_how_to_pay(
    page: Page, screenshot, live_server
):
    user = UserFactory(email="andris@example.lv")
    application = ApplicationFactory(applicant=user, awaiting_payment=True)

    page.goto(f"/applications/{application.pk}/pay/")
    sign_in(page, "andris@example.lv")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pay the state fee")
    page.get_by_label("By payment card").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Test payment gateway")

    # A number that is no test card is refused on the gateway's page, with the cards it takes.
    page.get_by_label("Card number").fill("1234 5678 9012 3456")
    page.get_by_role("button", name="Pay").click()
    expect(page.get_by_role("alert")).to_contain_text("This gateway takes test cards only")
    expect(page.get_by_label("Card number")).to_have_attribute("aria-invalid", "true")
    check_page(page, skip_link=False)

    page.get_by_label("Card number").fill("4000 0000 0000 0002")
    page.get_by_role("button", name="Pay").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Payment")
    # The worker delivers the gateway's webhook; the page moves on by itself.
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "failed", timeout=90_000)
    expect(page.get_by_role("alert")).to_have_text(
        "This payment did not go through. No money was taken. You can try again."
    )
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "failed")
    check_page(page, skip_link=False)
    screenshot("declined")
    payment = Payment.objects.get(application=application)
    assert payment.status == Payment.Status.FAILED
    application.refresh_from_db()
    assert application.state == Application.State.AWAITING_PAYMENT
    assert application.paid_at is None

    page.goto("/applications/")
    card = page.locator("article.application-card")
    expect(card.locator(".state")).to_have_text("Awaiting payment")
    expect(card.get_by_role("link", name="Pay the state fee")).to_be_visible()

    # Try again, by bank transfer this time: the instructions carry the reference, the IBAN and the amount.
    page.goto(f"/payments/{payment.pk}/")
    page.get_by_role("link", name="Try again").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pay the state fee")
    expect(page.get_by_role("main")).to_contain_text(f"Payment card · {payment.amount_display} — Failed")
    page.get_by_label("By bank transfer").check()
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Paying the state fee by bank transfer")
    transfer = Payment.objects.get(application=application, method=Payment.Method.BANK_TRANSFER)
    assert transfer.reference
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text(re.compile(r"Account \(IBAN\)\s*LV\d{2}( ?[A-Z0-9]{4})+"))
    expect(facts).to_contain_text(transfer.amount_display)
    reference = page.locator("dt", has_text="Payment reference").locator("xpath=following-sibling::dd[1]")
    expect(reference).to_have_text(re.compile(r"\S"))
    assert re.sub(r"\s", "", reference.inner_text()) == re.sub(r"\s", "", transfer.reference)
    expect(facts.locator("[data-status]")).to_have_attribute("data-status", "pending")
    check_page(page)
    screenshot("bank-transfer")
    application.refresh_from_db()
    assert application.state == Application.State.AWAITING_PAYMENT


def test_a_refused_upload_is_explained_next_to_its_document_and_stores_nothing(
    page: Page, screenshot, live_server, settings
):
    user = UserFactory(email="maris@example.lv")
    application = ApplicationFactory(applicant=user, complete=True)

    page.goto(f"/applications/{application.pk}/step/documents/")
    sign_in(page, "maris@example.lv")
    expect_step(page, 5, "Documents")

    # A program renamed to .pdf: refused by its content, the message beside the passport copy's file input.
    row = document_row(page, "Passport copy")
    file_input = row.locator("input[type=file]")
    file_input.set_input_files({"name": "passport.pdf", "mimeType": "application/pdf", "buffer": EXE_BYTES})
    with page.expect_response(is_upload(application)) as answer:
        row.get_by_role("button", name="Upload").click()
    assert answer.value.status == 400

    status = row.locator(".upload-status")
    expect(status).to_have_text(
        "This file is not a PDF, JPG, PNG file (its content was checked, not its name)."
    )
    expect(status).to_have_class(re.compile(r"\bupload-status-error\b"))
    expect(file_input).to_have_attribute("aria-invalid", "true")
    expect(file_input).to_have_attribute("aria-describedby", re.compile(r"\bstatus-passport_copy\b"))
    expect(row.locator("progress")).to_be_hidden()
    expect(row.get_by_role("button", name="Upload")).to_be_enabled()
    expect(row).not_to_contain_text("Uploaded:")
    # The other rows know nothing of it.
    expect(page.locator(".upload-status").filter(has_text=re.compile(r"\S"))).to_have_count(1)
    check_page(page, skip_link=False)
    screenshot("program-refused")

    # An issue date in the future: the page's date field stops it (max = today); a browser that does not (here:
    # the limit removed) gets the field's own message from the server, not just "Some fields are not valid."
    means = document_row(page, "Proof of means of subsistence")
    issued = means.get_by_label("Issued on")
    expect(issued).to_have_attribute("max", timezone.localdate().isoformat())
    issued.evaluate("(input) => input.removeAttribute('max')")
    issued.fill(iso(timezone.localdate() + dt.timedelta(days=3)))
    means.locator("input[type=file]").set_input_files(
        {"name": "statement.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}
    )
    with page.expect_response(is_upload(application)) as answer:
        means.get_by_role("button", name="Upload").click()
    assert answer.value.status == 400
    expect(means.locator(".upload-status")).to_have_text("The issue date cannot be in the future.")
    screenshot("future-issue-date-refused")

    # Nothing was stored: no row, no timeline line, no file; a reload shows the rows as they were.
    assert not ApplicationDocument.objects.filter(application=application).exists()
    assert not ApplicationEvent.objects.filter(application=application, kind="document_added").exists()
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not any(path.is_file() for path in media.rglob("*"))
    page.reload()
    expect(document_row(page, "Passport copy")).not_to_contain_text("Uploaded:")
    expect(page.locator(".upload-status-error")).to_have_count(0)

    # The same input then takes a real passport scan.
    upload(
        page,
        application,
        name="Passport copy",
        filename="passport.pdf",
        content=pdf_bytes(),
        mime="application/pdf",
    )
    assert ApplicationDocument.objects.filter(application=application).count() == 1
