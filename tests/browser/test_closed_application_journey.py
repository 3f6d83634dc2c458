"""After withdrawing, the applicant's page says plainly that the application is closed and what happens to the fee;
a draft is deleted, not withdrawn. Driven by keyboard where a person would tab to the button."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from applications.models import Application
from payments.services import confirm_payment, start_payment
from tests.browser.a11y import check_page
from tests.browser.test_application_journey import sign_in
from tests.factories import ApplicationFactory, UserFactory


def test_withdrawn_application_shows_the_closed_state_and_a_draft_can_be_deleted(page: Page, screenshot):
    applicant = UserFactory(applicant=True)
    application = ApplicationFactory(applicant=applicant, awaiting_payment=True)
    payment = start_payment(application_id=application.pk, user=applicant, method="bank_transfer").payment
    confirm_payment(payment_id=payment.pk)
    draft = ApplicationFactory(applicant=applicant)

    page.goto(f"/login/?next=/applications/{application.pk}/")
    sign_in(page, applicant.email)
    expect(page.get_by_role("main")).to_contain_text("Expected decision by")
    page.get_by_role("link", name="Withdraw the application").click()
    page.get_by_label("Reason (optional)").fill("I will apply from abroad instead")
    page.get_by_role("button", name="Yes, withdraw the application").click()

    main = page.get_by_role("main")
    expect(main).to_contain_text("You withdrew this application on")
    expect(main).to_contain_text("Your reason: I will apply from abroad instead")
    expect(main).to_contain_text(f"The state fee ({payment.amount_display}) is being refunded")
    expect(main).not_to_contain_text("Expected decision by")
    expect(main.get_by_role("link", name="Withdraw the application")).to_have_count(0)
    expect(main.locator(".timeline")).to_contain_text(
        "Application withdrawn: Your reason: I will apply from abroad"
    )
    check_page(page)
    screenshot("withdrawn")

    page.goto(f"/applications/{draft.pk}/")
    page.get_by_role("link", name="Delete the draft").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete this draft?")
    check_page(page)
    page.get_by_role("button", name="Yes, delete the draft").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("The draft was deleted.")
    assert not Application.objects.filter(pk=draft.pk).exists()
    screenshot("draft-deleted")
