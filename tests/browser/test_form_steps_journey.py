"""The application form on a phone, by keyboard only (issue 10, items 4 and 13): every step refuses empty fields
with a focused error summary whose links lead to the fields; the header leaves room for the page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from applications.models import Application
from tests.applications.conftest import attach_all  # noqa: F401 (the fixture)
from tests.browser.a11y import check_page
from tests.factories import PASSWORD, ApplicationFactory, UserFactory

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(page: Page) -> Page:
    page.set_viewport_size(PHONE)
    return page


def sign_in_by_keyboard(page: Page, email: str) -> None:
    page.locator("#id_email").focus()
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")


def test_empty_step_is_refused_with_a_focused_summary_linking_to_each_field(phone: Page, screenshot):
    user = UserFactory(email="aiko@example.jp")
    application = ApplicationFactory(
        applicant=user, first_name="", last_name="", date_of_birth=None, nationality="", passport_number=""
    )
    phone.goto(f"/applications/{application.pk}/step/personal/")
    sign_in_by_keyboard(phone, "aiko@example.jp")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Personal data")
    expect(phone.get_by_text("Fields marked * are required.")).to_be_visible()
    check_page(phone)

    # Keyboard only: to the button and Enter.
    phone.get_by_role("button", name="Save and continue").focus()
    phone.keyboard.press("Enter")
    summary = phone.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(phone).to_have_title(re.compile(r"^Error: Personal data"))
    expect(summary.get_by_role("link")).to_have_count(5)
    expect(summary).to_contain_text("Nationality: This field is required.")
    expect(phone.get_by_label("Nationality")).to_have_attribute("aria-invalid", "true")
    assert phone.get_by_role("status").count() == 0  # no "Saved."
    check_page(phone, skip_link=False)
    screenshot("personal-refused")

    # The summary's links lead the keyboard to the field they name.
    phone.keyboard.press("Tab")
    expect(summary.get_by_role("link").first).to_be_focused()
    phone.keyboard.press("Tab")
    phone.keyboard.press("Tab")
    phone.keyboard.press("Tab")
    expect(summary.get_by_role("link", name=re.compile("^Nationality"))).to_be_focused()
    phone.keyboard.press("Enter")
    nationality = phone.get_by_label("Nationality")
    expect(nationality).to_be_focused()
    # The list is searchable by typing: "Japan" is found and kept whole, not cut to "Ja".
    phone.keyboard.type("Japan")
    expect(nationality).to_have_value("JP")
    application.refresh_from_db()
    assert application.nationality == ""


def test_review_without_the_declaration_is_refused_and_focus_goes_to_the_summary(
    phone: Page,
    attach_all,  # noqa: F811 (the fixture imported above)
):
    user = UserFactory(email="kenji@example.jp")
    application = ApplicationFactory(applicant=user, complete=True)
    attach_all(application)
    phone.goto(f"/applications/{application.pk}/step/review/")
    sign_in_by_keyboard(phone, "kenji@example.jp")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Review and submit")
    phone.get_by_role("button", name="Submit the application").focus()
    phone.keyboard.press("Enter")
    summary = phone.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(phone).to_have_title(re.compile(r"^Error: Review and submit"))
    application.refresh_from_db()
    assert application.state == Application.State.DRAFT


@pytest.mark.parametrize(("language", "signed_in"), [("en", False), ("en", True), ("lv", True), ("ru", True)])
def test_the_header_leaves_most_of_a_phone_screen_to_the_page(
    phone: Page, screenshot, translated, live_server, language, signed_in
):
    phone.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    if signed_in:
        UserFactory(email="rita@example.lv")
        phone.goto("/login/")
        sign_in_by_keyboard(phone, "rita@example.lv")
        expect(phone.locator(".main-nav")).to_contain_text("rita@example.lv")
    phone.goto("/guide/")
    header = phone.locator(".site-header").bounding_box()
    screenshot("header")
    assert header["height"] <= 220, f"the header takes {header['height']} of 844 pixels"
    # Everything in it is still reachable: the language switcher and every link of the navigation.
    expect(phone.locator("#language-select")).to_be_visible()
    expect(phone.locator("html")).to_have_attribute("lang", language)
    for link in phone.locator(".main-nav").get_by_role("link").all():
        link.scroll_into_view_if_needed()
        expect(link).to_be_visible()
    check_page(phone)
