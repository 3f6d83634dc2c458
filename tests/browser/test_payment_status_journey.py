"""A card payment confirmed a moment after the person comes back: the return page moves on by itself."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from payments.models import Payment
from payments.services import confirm_payment, start_payment
from tests.browser.a11y import check_page
from tests.browser.test_application_journey import sign_in
from tests.factories import ApplicationFactory, UserFactory


def test_pending_card_page_shows_paid_without_pressing_check_again(page: Page, screenshot):
    applicant = UserFactory(applicant=True)
    application = ApplicationFactory(applicant=applicant, awaiting_payment=True)
    payment = start_payment(application_id=application.pk, user=applicant, method="card").payment

    page.goto(f"/login/?next=/payments/{payment.pk}/")
    sign_in(page, applicant.email)
    expect(page.locator("[data-status]")).to_have_text("Pending")
    expect(page.get_by_text("This page checks the status by itself")).to_be_visible()
    expect(page.get_by_role("link", name="Check again")).to_be_visible()
    check_page(page)
    screenshot("pending")

    # The provider's confirmation arrives while the page is open (as the webhook does, a moment later).
    confirm_payment(payment_id=payment.pk)
    expect(page.locator("[data-status]")).to_have_text("Paid", timeout=15_000)
    expect(page.get_by_role("main")).to_contain_text("Thank you: the state fee is paid.")
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.PAID
    screenshot("paid")
