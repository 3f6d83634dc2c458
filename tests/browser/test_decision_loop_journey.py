"""The whole loop in Debian's Chromium, on real parts: a live server, a Celery worker process on Redis, an SMTP sink.

The applicant submits and pays; an officer (password, then TOTP code) takes the case and asks for a document; the
applicant answers; the officer drafts a refusal; a senior officer, in a second browser context, approves it. The
worker renders and seals the letter and e-mails the applicant, who follows the e-mail's link, downloads the letter,
reads the QR code printed on it and opens that address: the verify page confirms the letter, and says the
downloaded file is exactly the one the Office issued.

Nothing runs eagerly: the payment webhook, the e-mails and the letter go through the worker. The worker is another
process, so it needs PostgreSQL to see the rows (and this test commits them).
"""

from __future__ import annotations

import datetime as dt
import re
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from applications.models import Application, LegalGround
from applications.models.application import reference_for
from applications.selectors import get_default_unit
from decisions import verification
from decisions.models import Decision, DecisionLetter, InformationRequest
from payments.models import Payment
from tests.applications.conftest import attach_all  # noqa: F401 - fixture
from tests.applications.helpers import pdf_bytes
from tests.browser.a11y import check_page
from tests.factories import PASSWORD, ApplicantProfileFactory, ApplicationFactory, UserFactory
from tests.integration.live_workers import SmtpSink, wait_for
from tests.otp import add_totp, totp_code

pytestmark = pytest.mark.integration

REFUSAL_GROUND = "il-34-false-information"
# The worker renders the letter with WeasyPrint and seals it: on two shared cores that can take a while.
WORKER_TIMEOUT = 120


@pytest.fixture
def live_loop(live_parts) -> SmtpSink:
    """The session's worker process (every queue, beat, HTTP webhooks) and its SMTP sink."""
    return live_parts.sink


def sign_in(page: Page, email: str, *, device=None) -> None:
    """Password, then (staff) the code the authenticator app shows now."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    if device is not None:
        expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
        check_page(page)
        page.get_by_label("Code from your authenticator app").fill(totp_code(device))
        page.get_by_role("main").get_by_role("button", name="Continue").click()


def flash(page: Page):
    return page.get_by_role("status").filter(has_not=page.locator("dl"))


def open_case_from_queue(page: Page, application: Application, *, answered: bool = False) -> None:
    """From the queue's table, or from its list of cases the applicant has answered."""
    page.goto("/backoffice/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Case queue")
    check_page(page)
    table_row = page.get_by_role("table").get_by_role("row").filter(has_text=application.reference)
    expect(table_row).to_have_count(1)
    back = page.get_by_role("region", name="Back from the applicant")
    if answered:
        expect(back.get_by_role("listitem")).to_contain_text([application.reference])
        back.get_by_role("link", name=application.reference).click()
    else:
        table_row.get_by_role("link", name=application.reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Case {application.reference}")
    page.wait_for_load_state("load")


def state_of(page: Page):
    return page.locator("dl.facts").first.locator("dt:text-is('State') + dd")


def decision_mail(sink: SmtpSink, reference: str) -> EmailMessage | None:
    subject = f"Application {reference}: the decision"
    return next((message for message in sink.messages if message["Subject"] == subject), None)


def qr_text(pdf: bytes) -> str:
    """Render the letter's first page and read its QR code, as a phone's camera would."""
    import pypdfium2
    import zxingcpp

    document = pypdfium2.PdfDocument(pdf)
    image = document[0].render(scale=3).to_pil()
    codes = [code for code in zxingcpp.read_barcodes(image) if code.format == zxingcpp.BarcodeFormat.QRCode]
    assert len(codes) == 1, f"expected one QR code on the letter, found {len(codes)}"
    return codes[0].text


def test_submit_pay_request_answer_refuse_approve_mail_download_and_verify(
    live_loop,
    browser_pages,
    attach_all,  # noqa: F811
    live_server,
):
    unit = get_default_unit()
    officer = UserFactory(
        case_officer=True,
        unit=unit,
        email="janis.ozols@pmlp.example.lv",
        first_name="Jānis",
        last_name="Ozols",
    )
    senior = UserFactory(
        senior_officer=True,
        unit=unit,
        email="ilze.kalnina@pmlp.example.lv",
        first_name="Ilze",
        last_name="Kalniņa",
    )
    officer_device, senior_device = add_totp(officer), add_totp(senior)
    applicant = UserFactory(
        email="amir@example.lv", first_name="Amir", last_name="Haddad", preferred_language="en"
    )
    ApplicantProfileFactory(user=applicant, first_name="Amir", last_name="Haddad")
    application = ApplicationFactory(applicant=applicant, complete=True)
    application.reference = reference_for(
        kind_code=application.kind.code, year=timezone.localdate().year, pk=application.pk
    )  # as create_draft numbers it
    application.save(update_fields=["reference"])
    attach_all(application)  # a complete draft: the form's own journey is tested in test_application_journey

    # The applicant submits and pays by card; the gateway's webhook reaches us through the worker.
    person, person_shot = browser_pages("applicant")
    person.goto(f"/applications/{application.pk}/step/review/")
    sign_in(person, applicant.email)
    expect(person.get_by_role("heading", level=1)).to_have_text("Review and submit")
    person.get_by_role("checkbox", name=re.compile(r"^I declare")).check()
    person.get_by_role("main").get_by_role("button", name="Submit the application").click()
    expect(person.get_by_role("heading", level=1)).to_have_text(f"Application {application.reference}")
    person_shot("submitted")
    person.goto(f"/applications/{application.pk}/pay/")
    person.get_by_label("By payment card").check()
    person.get_by_role("button", name="Continue").click()
    expect(person.get_by_role("heading", level=1)).to_have_text("Test payment gateway")
    person.get_by_label("Card number").fill("4242 4242 4242 4242")
    person.get_by_label("Expiry (MM/YY)").fill("12/30")
    person.get_by_label("Security code").fill("123")
    person.get_by_role("button", name="Pay").click()
    expect(person.get_by_role("heading", level=1)).to_have_text("Payment")
    # The return page asks for the status by itself until the worker has delivered the webhook.
    expect(person.locator("[data-status]")).to_have_attribute(
        "data-status", "paid", timeout=WORKER_TIMEOUT * 1000
    )
    person_shot("paid")
    application.refresh_from_db()
    assert application.state == Application.State.SUBMITTED and application.unit_id == unit.pk
    assert Payment.objects.get(application=application).status == Payment.Status.PAID

    # The officer signs in with password and code, finds the case in the queue and takes it.
    desk, desk_shot = browser_pages("officer")
    desk.goto("/backoffice/")
    sign_in(desk, officer.email, device=officer_device)
    expect(desk).to_have_url(f"{live_server.url}/backoffice/")
    open_case_from_queue(desk, application)
    check_page(desk)
    desk_shot("case-submitted")
    desk.get_by_role("button", name="Take this case").click()
    expect(flash(desk)).to_contain_text("You took the case.")
    expect(state_of(desk)).to_have_text("In review")

    # ... and asks for a document.
    ask = desk.get_by_role("region", name="Ask the applicant for information")
    ask.get_by_role("checkbox", name="Proof of housing").check()
    ask.get_by_label("Message to the applicant").fill(
        "The lease you uploaded has expired. Please upload the current lease of your flat."
    )
    answer_by = ask.get_by_label("Answer by")
    assert dt.date.fromisoformat(answer_by.input_value()) > timezone.localdate()
    check_page(desk, skip_link=False)  # the focus is in the form now
    desk_shot("request-filled")
    ask.get_by_role("button", name="Send the request").click()
    expect(flash(desk)).to_contain_text("The applicant was asked")
    expect(state_of(desk)).to_have_text("Waiting for the applicant")
    request = InformationRequest.objects.get(application=application)
    assert [d.name for d in request.document_types.all()] == ["Proof of housing"]

    # The applicant sees the request on their application page and answers it.
    person.goto(f"/applications/{application.pk}/")
    panel = person.get_by_role("region", name="The Office needs more information")
    expect(panel).to_contain_text("Please upload the current lease of your flat.")
    expect(panel).to_contain_text("Asked by Jānis Ozols, phone +371 67000001.")
    check_page(person)
    person_shot("request")
    asked = panel.get_by_role("listitem").filter(has=person.get_by_role("heading", name="Proof of housing"))
    expect(panel.get_by_role("listitem")).to_have_count(1)
    # The earlier lease is on file, so the field offers to replace it; the Office keeps both.
    asked.locator('input[type="file"]').set_input_files(
        {"name": "lease-2027.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}
    )
    if asked.get_by_label("Issued on").count():
        asked.get_by_label("Issued on").fill((timezone.localdate() - dt.timedelta(days=2)).isoformat())
    asked.get_by_role("button", name="Upload", exact=True).click()  # the progress bar, then the list again
    panel = person.get_by_role("region", name="The Office needs more information")
    expect(panel).to_contain_text("Uploaded: lease-2027.pdf")
    person_shot("document-uploaded")
    panel.get_by_label("Your answer (optional)").fill(
        "I have renewed the lease; the new one runs until 2028."
    )
    panel.get_by_role("button", name="Send my answer to the Office").click()
    expect(flash(person)).to_contain_text("Thank you. Your answer was sent to the Office")
    expect(person.get_by_role("region", name="The Office needs more information")).to_have_count(0)
    person_shot("answered")

    # The officer finds the answer and drafts a refusal; it waits for a senior officer (four eyes).
    open_case_from_queue(desk, application, answered=True)
    expect(state_of(desk)).to_have_text("In review")
    expect(desk.get_by_role("main")).to_contain_text("I have renewed the lease; the new one runs until 2028.")
    housing = desk.locator("li.document-row").filter(has_text="Proof of housing")
    expect(housing).to_have_count(2)  # the new lease, and the expired one kept for the record
    expect(housing.filter(has_text="lease-2027.pdf")).to_have_count(1)
    expect(housing.filter(has_text="replaced on")).to_have_count(1)
    draft = desk.get_by_role("region", name="Draft the decision")
    draft.get_by_role("radio", name="Refusal").check()
    ground = LegalGround.objects.get(code=REFUSAL_GROUND)
    draft.get_by_role("checkbox", name=f"{ground.law_reference}: {ground.text}").check()
    draft.get_by_label("Reasoning").fill("The employment contract submitted with the application was forged.")
    check_page(desk, skip_link=False)
    desk_shot("refusal-drafted")
    draft.get_by_role("button", name="Save the decision").click()
    expect(flash(desk)).to_contain_text("The draft decision waits for a senior officer's approval.")
    expect(
        desk.get_by_text("The draft decision waits for a senior officer who did not draft it.")
    ).to_be_visible()
    expect(desk.get_by_role("button", name="Approve and issue")).to_have_count(0)  # not for the drafter
    desk_shot("waiting-for-approval")

    # A senior officer, in a browser of their own, approves it.
    chief, chief_shot = browser_pages("senior")
    chief.goto("/backoffice/")
    sign_in(chief, senior.email, device=senior_device)
    open_case_from_queue(chief, application)
    approval = chief.get_by_role("region", name="Approve or return the draft")
    expect(chief.get_by_role("main")).to_contain_text("drafted by Jānis Ozols")
    check_page(chief)
    chief_shot("approval")
    approval.get_by_role("button", name="Approve and issue").click()
    expect(flash(chief)).to_contain_text("The decision was approved and issued.")
    expect(state_of(chief)).to_have_text("Refused")
    chief_shot("issued")
    decision = Decision.objects.get(application=application)
    assert decision.state == Decision.State.ISSUED
    assert (decision.drafted_by_id, decision.approved_by_id) == (officer.pk, senior.pk)

    # The worker renders and seals the letter, then e-mails the applicant.
    mail = wait_for(
        lambda: decision_mail(live_loop, application.reference),
        timeout=WORKER_TIMEOUT,
        what="the decision e-mail",
    )
    letter = DecisionLetter.objects.get(decision=decision)
    assert letter.document is not None
    assert mail["To"] == applicant.email
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert f"The Office has decided to refuse your application {application.reference}." in body
    links = re.findall(r"https?://[^\s<>\"]+", body)
    application_link = f"{live_server.url}/applications/{application.pk}/"
    assert application_link in links, body

    # The applicant follows the e-mail's link and downloads the letter.
    person.goto(application_link)
    decision_panel = person.get_by_role("region", name="Decision")
    expect(decision_panel).to_contain_text("The Office refused the application.")
    expect(decision_panel).to_contain_text("You may contest the decision")
    check_page(person)
    person_shot("decision")
    with person.expect_download() as download_info:
        decision_panel.get_by_role("link", name="Download the decision letter (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == f"decision-{application.reference}.pdf"
    downloaded = Path(download.path())
    pdf = downloaded.read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert letter.document.file.open("rb").read() == pdf

    # Whoever holds the paper scans the QR code: it leads to this service's verify page for this letter.
    verify_url = qr_text(pdf)
    assert verify_url.startswith(f"{live_server.url}/verify/"), verify_url
    assert verify_url == f"{live_server.url}/verify/{verification.display(letter.verification_code)}/"
    assert verify_url in links  # the e-mail gives the same address
    person.goto(verify_url)
    expect(person.get_by_role("heading", level=1)).to_have_text("This letter was issued by the Office")
    facts = person.locator("dl.facts")
    expect(facts).to_contain_text(application.reference)
    expect(facts).to_contain_text("Refusal")
    expect(facts).to_contain_text(letter.document.sha256)
    check_page(person)
    person_shot("verified")

    # ... and the downloaded file is exactly the letter the Office issued.
    person.get_by_label("The letter (PDF)").set_input_files(str(downloaded))
    person.get_by_role("button", name="Compare").click()
    outcome = person.get_by_role("status").filter(has_text="The file you uploaded")
    expect(outcome).to_have_text("The file you uploaded is exactly the letter the Office issued.")
    expect(outcome).to_have_class(re.compile(r"\bmessage-success\b"))  # styled as a result, not body text
    person_shot("compared")
