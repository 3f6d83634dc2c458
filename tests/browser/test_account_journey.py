"""An applicant's account in a real browser: register, confirm the e-mail, sign in and out, errors, languages."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from identity.models import User
from tests.browser.a11y import check_page
from tests.factories import PASSWORD, UserFactory
from tests.integration.live_workers import wait_for

NEW_PASSWORD = "Daugava flows 2 Riga"
LINK_IN_MAIL = re.compile(r"https?://[^\s\"'<>]+/verify-email/\?token=[^\s\"'<>]+")


def nav(page: Page):
    return page.get_by_role("navigation")


def test_register_confirm_sign_in_and_out(page: Page, screenshot, live_server, live_parts):
    # The verification e-mail leaves through the outbox's Celery task, in the worker process, to the SMTP sink.
    page.goto("/")
    check_page(page)
    screenshot("home")

    page.get_by_role("main").get_by_role("link", name="Create an account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    check_page(page)
    page.get_by_label("E-mail address").fill("Liga.Ozola@Example.lv")
    page.get_by_label("First name").fill("Līga")
    page.get_by_label("Last name").fill("Ozola")
    page.get_by_label("Language of e-mails").select_option("en")
    page.get_by_label("Password:", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Password again").fill(NEW_PASSWORD)
    screenshot("register-filled")
    page.get_by_role("button", name="Create account").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    expect(page.get_by_role("main")).to_contain_text("liga.ozola@example.lv")
    check_page(page)
    screenshot("check-your-email")
    user = User.objects.get(email="liga.ozola@example.lv")
    assert user.email_verified_at is None

    messages = wait_for(lambda: live_parts.mail_to("liga.ozola@example.lv"), what="the verification e-mail")
    assert len(messages) == 1
    body = messages[0].get_body(preferencelist=("plain",)).get_content()
    links = set(LINK_IN_MAIL.findall(body))
    assert len(links) == 1, f"expected one verification link in the e-mail, found {links}"
    link = links.pop()
    assert link.startswith(f"{live_server.url}/verify-email/?token="), link

    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your e-mail address")
    check_page(page)
    user.refresh_from_db()
    assert user.email_verified_at is None  # opening the link (as a mail scanner does) activates nothing
    page.get_by_role("main").get_by_role("button", name="Confirm and activate my account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("E-mail address confirmed")
    check_page(page)
    screenshot("email-confirmed")
    user.refresh_from_db()
    assert user.email_verified_at is not None

    page.get_by_role("main").get_by_role("link", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    check_page(page)
    page.get_by_label("E-mail address").fill("liga.ozola@example.lv")
    page.get_by_label("Password").fill(NEW_PASSWORD)
    screenshot("sign-in-filled")
    page.get_by_role("main").get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(f"{live_server.url}/")
    expect(nav(page)).to_contain_text("liga.ozola@example.lv")
    expect(nav(page).get_by_role("button", name="Sign out")).to_be_visible()
    expect(nav(page).get_by_role("link", name="Sign in")).to_have_count(0)
    check_page(page)
    screenshot("signed-in")

    nav(page).get_by_role("button", name="Sign out").click()
    expect(nav(page).get_by_role("link", name="Sign in")).to_be_visible()
    expect(nav(page)).not_to_contain_text("liga.ozola@example.lv")
    expect(nav(page).get_by_role("button", name="Sign out")).to_have_count(0)
    check_page(page)
    screenshot("signed-out")

    # Signed out for real: a page that needs an account sends the browser back to sign in.
    page.goto("/account/profile/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/account/profile/$"))


def test_wrong_password_shows_an_accessible_error(page: Page, screenshot):
    UserFactory(email="andris@example.lv")
    page.goto("/login/")
    page.get_by_label("E-mail address").fill("andris@example.lv")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("main").get_by_role("button", name="Sign in").click()

    alert = page.get_by_role("alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("There is a problem")
    expect(alert).to_contain_text("The e-mail address or the password is not correct.")
    expect(alert, "focus moves to the error summary so screen readers read it first").to_be_focused()
    expect(page.get_by_label("E-mail address")).to_have_value("andris@example.lv")
    expect(page.get_by_label("Password")).to_have_value("")
    expect(nav(page).get_by_role("link", name="Sign in")).to_be_visible()
    check_page(page, skip_link=False)
    screenshot("wrong-password")

    # The right password still works after one mistake.
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    expect(nav(page)).to_contain_text("andris@example.lv")


def test_language_switcher_translates_the_page(page: Page, screenshot, translated):
    page.goto("/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    screenshot("english")

    page.get_by_label("Language").select_option(label="Latviešu")
    page.get_by_role("button", name="Change").click()
    expect(page.locator("html")).to_have_attribute("lang", "lv")
    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Pieteikties")
    expect(nav(page).get_by_role("link", name="Izveidot kontu")).to_be_visible()
    expect(page.locator("#language-select")).to_have_value("lv")
    # Each language keeps its own name, so a visitor who reads no Latvian still finds theirs.
    expect(page.locator("#language-select option")).to_have_text(["Latviešu", "English", "Русский"])
    check_page(page)
    screenshot("latvian")

    page.locator("#language-select").select_option(label="Русский")
    page.locator(".language-switcher [type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("heading", level=1)).to_have_text("Войти")
    expect(nav(page).get_by_role("link", name="Создать учётную запись")).to_be_visible()
    check_page(page)
    screenshot("russian")

    # The choice sticks to the browser: the next page is in Russian too.
    page.goto("/register/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Создать учётную запись")
