"""Registering a granted permit in the browser: from the dashboard, choose the unit and the card's speed, pay the
card fee on the test gateway (its webhook delivered by the session's worker), and see the next step (the visit)
on the card. The worker e-mails the applicant that the registration started; the session's SMTP sink receives it.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from applications.models import Application, Registration
from identity.models import TerritorialUnit
from payments.models import Payment
from tests.browser.a11y import check_page
from tests.browser.test_application_journey import sign_in
from tests.factories import ApplicationFactory, UserFactory
from tests.integration.live_workers import wait_for

WORKER_TIMEOUT = 60


def test_register_a_granted_permit_and_pay_the_card_fee(page: Page, live_parts, screenshot):
    unit = (
        TerritorialUnit.objects.filter(is_active=True, handles_residence_permits=True).order_by("pk").first()
    )
    applicant = UserFactory(applicant=True, preferred_language="en")
    granted = ApplicationFactory(applicant=applicant, granted=True, unit=unit)

    page.goto("/login/?next=/applications/")
    sign_in(page, applicant.email)
    card = page.locator(".application-card").first
    expect(card).to_contain_text("Register it to receive the residence permit card.")
    card.get_by_role("link", name="Register the permit").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Register the residence permit")
    expect(page.get_by_role("radio", name=unit.name)).to_be_checked()  # the case's unit by default
    check_page(page)
    page.get_by_role("radio", name="Faster card production (5 working days) — 30.00 EUR").check()
    screenshot("registration-form")
    page.get_by_role("button", name="Start the registration").click()

    expect(page.get_by_role("main")).to_contain_text("Registration started.")
    steps = page.locator(".registration-steps")
    expect(steps.locator("[aria-current=step]")).to_contain_text("Pay the card fee — 30.00 EUR")
    check_page(page)
    screenshot("registration-started")
    started = wait_for(
        lambda: live_parts.mail_to(applicant.email),
        timeout=WORKER_TIMEOUT,
        what="the worker to e-mail that the registration started",
    )
    assert (
        str(started[0]["Subject"])
        == f"Application {granted.reference}: registration of your residence permit"
    )
    steps.get_by_role("link", name="Pay the card fee").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Pay the residence permit card fee")
    page.get_by_label("By payment card").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Test payment gateway")
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_label("Expiry (MM/YY)").fill("12/30")
    page.get_by_label("Security code").fill("123")
    page.get_by_role("button", name="Pay").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Payment")
    expect(page.locator("[data-status]")).to_have_text("Paid")
    expect(page.get_by_role("main")).to_contain_text("Thank you: the card fee is paid.")
    expect(page.get_by_role("main")).to_contain_text("Residence permit card fee")
    check_page(page)
    screenshot("card-fee-paid")
    payment = Payment.objects.get(application=granted)
    assert payment.purpose == "card_fee" and payment.amount_cents == 3000

    page.goto(f"/applications/{granted.pk}/")
    steps = page.locator(".registration-steps")
    expect(steps.locator("[aria-current=step]")).to_contain_text(
        "Give your fingerprints and photo at the unit"
    )
    check_page(page)
    screenshot("next-the-visit")
    assert Registration.objects.get(application=granted).card_fee_paid
    assert Application.objects.get(pk=granted.pk).state == Application.State.AWAITING_REGISTRATION
