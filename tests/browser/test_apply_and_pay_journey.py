"""Journey (a) of the proof, on real parts, in English, Latvian and Russian, and on a phone-sized screen.

A newcomer reads the guide's answer, starts the application, creates an account, confirms the e-mail address from
the message the worker sent to the SMTP sink, signs in, fills every form step, uploads every document (watching
the progress bar reach 100), pays on the test gateway (a declined card first, then a good one), and downloads the
receipt the worker rendered. Nothing is eager or mocked: the verification e-mail and the receipt come from the
session's worker process, and the gateway's signed webhook reaches the live server over HTTP.

Every text the test looks for is the catalogue's translation of the English msgid, so the same journey proves
each language (a string left untranslated still matches, as the page would show it in English).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext
from playwright.sync_api import Page, expect

from applications.models import Application, ApplicationDocument
from identity.models import User
from payments.models import Payment
from tests.applications.helpers import jpeg_bytes, pdf_bytes
from tests.browser.a11y import check_page
from tests.browser.test_application_journey import WATCH_PROGRESS_JS
from tests.integration.live_workers import wait_for

PASSWORD = "Daugava flows 2 Riga"
LINK_IN_MAIL = re.compile(r"https?://[^\s\"'<>]+/verify-email/\?token=[^\s\"'<>]+")
# Rendering a PDF in the worker on two shared cores.
WORKER_TIMEOUT_MS = 90_000
DESKTOP = {"width": 1200, "height": 900}
PHONE = {"width": 390, "height": 844}

VARIANTS = [
    pytest.param("en", DESKTOP, id="en-desktop"),
    pytest.param("lv", DESKTOP, id="lv-desktop"),
    pytest.param("ru", DESKTOP, id="ru-desktop"),
    pytest.param("lv", PHONE, id="lv-phone-390x844"),
]


class Words:
    """The catalogue's words in one language (the test process reads the same compiled catalogues as pages)."""

    def __init__(self, language: str) -> None:
        self.language = language

    def __call__(self, msgid: str, **values: object) -> str:
        with translation.override(self.language):
            text = gettext(msgid)
        return text % values if values else text


def pdf_text(data: bytes) -> str:
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    return "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))


def heading(page: Page):
    return page.get_by_role("heading", level=1)


def field(page: Page, t: Words, msgid: str):
    """The control labelled ``msgid`` in the page's language, whether the label is a form's own msgid or a model
    field's lower-case verbose name that Django capitalises; "Vārds" must not find "Uzvārds", nor "Password"
    find "Password again"."""
    labels = {t(msgid), capfirst(t(msgid[:1].lower() + msgid[1:]))}
    either = "|".join(re.escape(label) for label in labels)
    return page.get_by_label(re.compile(rf"^(?:{either})(?!\s?\w)"))


def expect_step(page: Page, t: Words, number: int) -> None:
    expect(page.locator(".step-count")).to_have_text(
        t("Step %(number)s of %(total)s", number=number, total=6)
    )


def upload_every_document(page: Page, t: Words, application: Application) -> list[str]:
    """Each document row's file input, posted by the page's script with its progress bar."""
    codes = page.locator(".upload-form input[name=document_type]").evaluate_all(
        "(inputs) => inputs.map((input) => input.value)"
    )
    assert codes, "the documents step lists no document"
    issued = (timezone.localdate() - dt.timedelta(days=10)).isoformat()
    upload_api = f"/api/v1/applications/{application.pk}/documents"
    for code in codes:
        file_input = page.locator(f"#file-{code}")
        if "application/pdf" in (file_input.get_attribute("accept") or ""):
            file = {"name": f"{code}.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}
        else:
            file = {"name": f"{code}.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}
        file_input.set_input_files(file)
        if page.locator(f"#issued-{code}").count():
            page.locator(f"#issued-{code}").fill(issued)
        page.evaluate(WATCH_PROGRESS_JS)
        form = page.locator(".upload-form").filter(has=page.locator(f"#file-{code}"))
        with (
            page.expect_response(
                lambda r: r.request.method == "POST" and r.url.endswith(upload_api)
            ) as answer,
            page.expect_navigation(),
        ):
            form.get_by_role("button", name=t("Upload")).click()
        assert answer.value.status == 201, answer.value.text()
        progress = page.evaluate("() => sessionStorage.getItem('upload-progress-max')")
        assert progress == "100", f"the progress bar of {code} stopped at {progress}"
        row = page.locator("li.document-row").filter(has=page.locator(f"#file-{code}"))
        expect(row).to_contain_text(f"{t('Uploaded:')} {file['name']}")
    return codes


def pay_by_card(page: Page, t: Words, card: str) -> None:
    expect(heading(page)).to_have_text(t("Test payment gateway"))
    field(page, t, "Card number").fill(card)
    field(page, t, "Expiry (MM/YY)").fill("12/30")
    field(page, t, "Security code").fill("123")
    page.get_by_role("button", name=t("Pay"), exact=True).click()
    expect(heading(page)).to_have_text(t("Payment"))


@pytest.mark.parametrize(("language", "viewport"), VARIANTS)
def test_guide_register_verify_fill_upload_pay_and_download_the_receipt(
    language, viewport, new_context, shooter, live_server, live_parts
):
    page = new_context(locale={"lv": "lv-LV", "ru": "ru-RU"}.get(language, "en-GB"), viewport=viewport)
    webhook = reverse("payment-webhook", args=["test_gateway"])
    apply_and_pay(
        page,
        Words(language),
        shooter(page),
        email=f"olena.{language}.{viewport['width']}@example.lv",
        site_url=live_server.url,
        mail_to=live_parts.mail_to,
        webhook_agents=lambda: [agent for *_, agent in live_server.requests_to("POST", webhook)],
    )


def apply_and_pay(
    page: Page,
    t: Words,
    shot: Callable[[str], Path],
    *,
    email: str,
    site_url: str,
    mail_to: Callable[[str], list[EmailMessage]],
    webhook_agents: Callable[[], list[str]],
) -> None:
    """Journey (a) in ``page``'s language, on whatever serves ``site_url``: ``mail_to`` reads the SMTP sink,
    ``webhook_agents`` the user agents of the gateway's webhook POSTs that reached the site."""
    language = t.language
    today = timezone.localdate()
    main = page.get_by_role("main")

    # The guide's answer for first permits for studies; starting asks for an account.
    page.goto("/guide/first_trp/studies/?speed=standard&age=adult")
    expect(page.locator("html")).to_have_attribute("lang", language)
    check_page(page)
    shot("guide-answer")
    main.get_by_role("link", name=t("Start this application")).first.click()
    expect(heading(page)).to_have_text(t("Sign in"))
    main.get_by_role("link", name=t("Create an account")).click()

    # Register; the verification e-mail comes from the worker, through the SMTP sink, in the page's language.
    expect(heading(page)).to_have_text(t("Create an account"))
    check_page(page)
    field(page, t, "E-mail address").fill(email)
    field(page, t, "First name").fill("Olena")
    field(page, t, "Last name").fill("Shevchenko")
    expect(field(page, t, "Language of e-mails")).to_have_value(language)
    page.locator("#id_password1").fill(PASSWORD)  # its label also names the rules below it
    field(page, t, "Password again").fill(PASSWORD)
    shot("register")
    main.get_by_role("button", name=t("Create account")).click()
    expect(heading(page)).to_have_text(t("Check your e-mail"))
    check_page(page)
    shot("check-your-email")
    messages = wait_for(lambda: mail_to(email), timeout=60, what="the verification e-mail")
    assert len(messages) == 1
    with translation.override(language):
        from django.template.loader import render_to_string

        subject = render_to_string("email/verify_email.subject.txt", {}).strip()
    # Python folds a long encoded subject onto the next line ("Subject: \n =?utf-8?..."); its parser keeps the
    # fold's space, which mail clients drop.
    assert messages[0]["Subject"].strip() == subject
    links = set(LINK_IN_MAIL.findall(messages[0].get_body(preferencelist=("plain",)).get_content()))
    assert len(links) == 1, links
    link = links.pop()
    assert link.startswith(f"{site_url}/verify-email/?token="), link

    page.goto(link)
    expect(heading(page)).to_have_text(t("Confirm your e-mail address"))
    main.get_by_role("button", name=t("Confirm and activate my account")).click()
    expect(heading(page)).to_have_text(t("E-mail address confirmed"))
    check_page(page)
    shot("email-confirmed")
    user = User.objects.get(email=email)
    assert user.email_verified_at is not None and user.preferred_language == language

    # Sign in, back to the guide's answer, start.
    main.get_by_role("link", name=t("Sign in")).click()
    field(page, t, "E-mail address").fill(email)
    field(page, t, "Password").fill(PASSWORD)
    main.get_by_role("button", name=t("Sign in")).click()
    expect(page.get_by_role("navigation").first).to_contain_text(email)
    page.goto("/guide/first_trp/studies/?speed=standard&age=adult")
    main.get_by_role("link", name=t("Start this application")).first.click()
    expect(heading(page)).to_have_text(t("Start an application"))
    check_page(page)
    main.get_by_role("button", name=t("Start")).click()

    # Every form step.
    expect_step(page, t, 1)
    application = Application.objects.get(applicant=user)
    check_page(page)
    field(page, t, "Given names (as in passport)").fill("Olena")
    field(page, t, "Surname (as in passport)").fill("Shevchenko")
    field(page, t, "Date of birth").fill("1998-03-14")
    field(page, t, "Nationality").select_option("UA")
    field(page, t, "Passport number").fill("FE1234567")
    field(page, t, "Passport valid until").fill((today + dt.timedelta(days=4 * 365)).isoformat())
    shot("step-1-personal")
    main.get_by_role("button", name=t("Save and continue")).click()

    expect_step(page, t, 2)
    check_page(page)
    field(page, t, "Educational institution").fill("Riga Technical University")
    shot("step-2-purpose")
    main.get_by_role("button", name=t("Save and continue")).click()

    expect_step(page, t, 3)
    check_page(page)
    field(page, t, "Address in Latvia").fill("Kalnciema iela 1-7, Rīga, LV-1048")
    field(page, t, "Planned stay from").fill((today + dt.timedelta(days=45)).isoformat())
    field(page, t, "Planned stay until").fill((today + dt.timedelta(days=345)).isoformat())
    shot("step-3-stay")
    main.get_by_role("button", name=t("Save and continue")).click()

    expect_step(page, t, 4)
    check_page(page)
    expect(page.get_by_role("radio").and_(page.locator(":checked"))).to_have_count(1)  # the unit of Rīga
    shot("step-4-unit")
    main.get_by_role("button", name=t("Save and continue")).click()

    expect_step(page, t, 5)
    check_page(page)
    codes = upload_every_document(page, t, application)
    check_page(page)
    shot("step-5-documents-uploaded")
    assert ApplicationDocument.objects.filter(application=application).count() == len(codes)
    main.get_by_role("link", name=t("Continue to review")).click()

    expect_step(page, t, 6)
    expect(main).to_contain_text(
        t("Everything is in place. Check your answers below, then confirm the declaration and submit.")
    )
    check_page(page)
    main.get_by_role("checkbox").check()
    shot("step-6-review")
    main.get_by_role("button", name=t("Submit the application")).click()
    expect(heading(page)).to_contain_text(application.reference)
    application.refresh_from_db()
    assert application.state == Application.State.AWAITING_PAYMENT
    shot("submitted-awaiting-payment")

    # Pay: the declined card first. The gateway's webhook goes through the worker, over HTTP.
    page.goto(f"/applications/{application.pk}/pay/")
    expect(heading(page)).to_have_text(t("Pay the state fee"))
    check_page(page)
    page.locator("#method-card").check()
    main.get_by_role("button", name=t("Continue")).click()
    check_page(page)
    pay_by_card(page, t, "4000 0000 0000 0002")
    expect(page.locator("[data-status]")).to_have_attribute(
        "data-status", "failed", timeout=WORKER_TIMEOUT_MS
    )
    expect(page.get_by_role("alert")).to_have_text(
        t("This payment did not go through. No money was taken. You can try again.")
    )
    check_page(page, skip_link=False)
    shot("card-declined")
    application.refresh_from_db()
    assert application.state == Application.State.AWAITING_PAYMENT

    main.get_by_role("link", name=t("Try again")).click()
    expect(heading(page)).to_have_text(t("Pay the state fee"))
    page.locator("#method-card").check()
    main.get_by_role("button", name=t("Continue")).click()
    shot("gateway")
    pay_by_card(page, t, "4242 4242 4242 4242")
    # The page asks for the status by itself until the webhook has arrived.
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "paid", timeout=WORKER_TIMEOUT_MS)
    expect(main).to_contain_text(t("Thank you: the state fee is paid. Your application is submitted."))
    application.refresh_from_db()
    assert application.state == Application.State.SUBMITTED
    paid = Payment.objects.get(application=application, status=Payment.Status.PAID)
    assert Payment.objects.filter(application=application, status=Payment.Status.FAILED).count() == 1
    # Both outcomes reached the site as the gateway's signed POSTs, sent by the worker over HTTP.
    agents = webhook_agents()
    assert len(agents) == 2 and all("urllib" in agent for agent in agents), agents

    # The worker renders the receipt; the page offers it once it exists.
    receipt_link = main.get_by_role("link", name=t("Download the receipt (PDF)"))

    def receipt_offered() -> bool:
        page.reload()
        return receipt_link.count() == 1

    wait_for(receipt_offered, timeout=WORKER_TIMEOUT_MS / 1000, interval=1, what="the receipt PDF")
    check_page(page)
    shot("paid-with-receipt")
    with page.expect_download() as download_info:
        receipt_link.click()
    receipt = Path(download_info.value.path()).read_bytes()
    assert receipt.startswith(b"%PDF-")
    text = pdf_text(receipt)
    assert application.reference in text, text
    amount = f"{paid.amount_cents // 100}"
    assert amount in text, (amount, text)
