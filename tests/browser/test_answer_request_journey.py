"""The Office asks for documents; the applicant uploads them on the application's page (progress bar, as on the
form's documents step) and sends the answer, in a real browser."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from applications.models import Application, ApplicationDocument, DocumentType
from decisions import services
from tests.applications.helpers import pdf_bytes
from tests.browser.a11y import check_page
from tests.browser.test_application_journey import sign_in
from tests.factories import ApplicationFactory, TerritorialUnitFactory, UserFactory


def test_applicant_uploads_what_the_office_asked_for_and_answers(page: Page, screenshot, live_server):
    unit = TerritorialUnitFactory()
    officer = UserFactory(case_officer=True, unit=unit)
    user = UserFactory(email="ana@example.lv")
    case = ApplicationFactory(applicant=user, in_review=True, unit=unit, assigned_officer=officer)
    services.request_information(
        application_id=case.pk,
        officer=officer,
        message="Please send your employment contract.",
        document_type_ids=[DocumentType.objects.get(code="employment_contract").pk],
    )

    page.goto(f"/applications/{case.pk}/")
    sign_in(page, "ana@example.lv")
    panel = page.locator(
        "section.panel", has=page.get_by_role("heading", name="The Office needs more information")
    )
    expect(panel).to_contain_text("Please send your employment contract.")
    row = panel.locator("li.document-row")
    expect(row).to_have_count(1)
    check_page(page)
    screenshot("request")

    row.locator("input[type=file]").set_input_files(
        {"name": "contract.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}
    )
    is_upload = lambda r: r.request.method == "POST" and "/documents" in r.url  # noqa: E731
    with page.expect_response(is_upload) as answer, page.expect_navigation():
        row.get_by_role("button", name="Upload").click()
    assert answer.value.status == 201, answer.value.text()
    expect(panel.locator("li.document-row")).to_contain_text("Uploaded: contract.pdf")
    screenshot("uploaded")

    panel.get_by_label("Your answer (optional)").fill("Here is the contract.")
    panel.get_by_role("button", name="Send my answer to the Office").click()
    expect(page.get_by_role("status")).to_contain_text("Your answer was sent to the Office")
    expect(page.get_by_text("Documents sent: Employment contract")).to_be_visible()
    case.refresh_from_db()
    assert case.state == Application.State.IN_REVIEW
    assert ApplicationDocument.objects.get(application=case).original_filename == "contract.pdf"
