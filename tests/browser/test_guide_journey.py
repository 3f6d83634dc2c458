"""An anonymous visitor finds out what to apply for: questions, checklist, fees, units, then "Start"."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from django.urls import NoReverseMatch, reverse
from playwright.sync_api import Page, expect

from applications.guide import START_APPLICATION_URL_NAME
from tests.browser.a11y import check_page

EURO_AMOUNT = re.compile(r"\d+\.\d{2} EUR")


def start_view_exists() -> bool:
    try:
        reverse(START_APPLICATION_URL_NAME)
    except NoReverseMatch:
        return False
    return True


def test_visitor_answers_the_guide_and_is_asked_to_sign_in_to_start(page: Page, screenshot, live_server):
    page.goto("/guide/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Which residence permit do I need?")
    check_page(page)
    screenshot("questions")

    # Submitting nothing asks for the answers instead of failing.
    page.get_by_role("button", name="Show what I need").click()
    expect(page.get_by_role("alert")).to_contain_text("Please answer the questions marked below.")
    check_page(page)
    screenshot("questions-unanswered")

    page.get_by_role("group", name="Where are you now, and on what basis?").get_by_label(
        "I am outside Latvia"
    ).check()
    page.get_by_role("group", name="Why do you want to live in Latvia?").get_by_label("Employment").check()
    page.get_by_role("group", name="How fast do you need the decision?").get_by_label("Faster").check()
    page.get_by_role("group", name="How old is the applicant?").get_by_label("18 or older").check()
    screenshot("questions-answered")
    page.get_by_role("button", name="Show what I need").click()

    expect(page).to_have_url(re.compile(r"/guide/first_trp/employment/\?speed=faster&age=adult$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Apply for: First temporary residence permit")
    check_page(page)
    main = page.get_by_role("main")
    expect(main).to_contain_text("Purpose of residence: Employment")

    # The checklist for an adult coming to work, without the lines for minors.
    checklist = main.locator("ol.checklist > li")
    expect(checklist.first).to_be_visible()
    expect(main.locator("ol.checklist")).to_contain_text("Employment contract")
    expect(main.locator("ol.checklist")).to_contain_text("Passport copy")
    expect(main.locator("ol.checklist")).not_to_contain_text("Birth certificate")

    # Fees and decision dates for each speed, the chosen one marked.
    fees = main.get_by_role("table", name="State fee and expected decision date for each processing speed")
    expect(fees.get_by_role("row")).to_have_count(4)  # header + standard, faster, fastest
    chosen = fees.locator("tr.chosen")
    expect(chosen).to_have_count(1)
    expect(chosen).to_contain_text("your choice")
    expect(chosen.get_by_role("cell").first).to_have_text(EURO_AMOUNT)
    expect(chosen.locator("time")).to_have_attribute("datetime", re.compile(r"^\d{4}-\d{2}-\d{2}$"))

    # Where to give biometrics: the territorial units, each linking to its reception hours.
    units_heading = main.get_by_role("heading", name="Where to give biometrics and collect the card")
    expect(units_heading).to_be_visible()
    unit_links = main.locator("a[href^='/units/']")
    expect(unit_links.first).to_be_visible()
    assert unit_links.count() >= 1
    screenshot("answer")

    # The printable checklist is its own accessible page.
    main.get_by_role("link", name="Printable checklist").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Checklist: First temporary residence permit (Employment)"
    )
    check_page(page)
    screenshot("printable-checklist")
    page.go_back()

    # One unit's page shows its reception hours.
    unit_name = unit_links.first.inner_text()
    unit_links.first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(unit_name)
    expect(page.get_by_role("table", name=f"Reception hours of {unit_name}")).to_be_visible()
    check_page(page)
    screenshot("unit")
    page.go_back()

    start = page.get_by_role("main").get_by_role("link", name="Start this application").first
    href = start.get_attribute("href")
    assert href is not None
    target = urlsplit(href)
    assert target.path == "/applications/new/"
    assert parse_qs(target.query) == {
        "kind": ["first_trp"],
        "purpose": ["employment"],
        "speed": ["faster"],
        "age": ["adult"],  # the age answer goes along, so the draft keeps it
    }

    if not start_view_exists():
        # The applications pages that create the draft are not merged yet: the link is all there is to check.
        return

    start.click()
    expect(page).to_have_url(re.compile(r"/login/\?next="))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    next_url = parse_qs(urlsplit(page.url).query)["next"][0]
    assert urlsplit(next_url).path == "/applications/new/"
    assert parse_qs(urlsplit(next_url).query)["kind"] == ["first_trp"]
    check_page(page)
    screenshot("asked-to-sign-in")
