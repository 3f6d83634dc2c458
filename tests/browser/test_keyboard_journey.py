"""Keyboard only: sign in, complete a form step and submit the application with Tab, Space and Enter, and see
where the focus is at every stop (WCAG 2.1.1 Keyboard, 2.4.7 Focus Visible)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from applications.models import Application
from tests.applications.conftest import attach_all  # noqa: F401 - fixture
from tests.factories import PASSWORD, ApplicantProfileFactory, ApplicationFactory, UserFactory

MAX_TABS = 60

# What the focused element looks like: a focus ring is an outline or a box shadow that the page draws.
FOCUS_JS = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const rect = el.getBoundingClientRect();
  return {
    id: el.id, name: el.getAttribute('name'), tag: el.tagName.toLowerCase(), type: el.type || '',
    text: (el.innerText || el.value || '').trim().slice(0, 60),
    ring: (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none',
    onScreen: rect.width > 0 && rect.height > 0 && rect.bottom > 0 && rect.top < window.innerHeight,
  };
}
"""


def focused(page: Page) -> dict:
    state = page.evaluate(FOCUS_JS)
    assert state is not None, f"Tab left the focus nowhere on {page.url}"
    assert state["ring"], f"no visible focus indicator on {state} at {page.url}"
    assert state["onScreen"], f"the focused element is scrolled out of view: {state} at {page.url}"
    return state


def tab_to(page: Page, matches) -> dict:
    """Press Tab until ``matches(focused element)``, checking the focus is visible at every stop."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        state = focused(page)
        if matches(state):
            return state
    raise AssertionError(f"{MAX_TABS} presses of Tab did not reach the element on {page.url}")


def test_sign_in_fill_a_step_and_submit_with_the_keyboard_only(page: Page, screenshot, attach_all):  # noqa: F811
    user = UserFactory(email="keyboard@example.lv", preferred_language="en")
    ApplicantProfileFactory(user=user)
    application = ApplicationFactory(applicant=user, complete=True, school_name="")
    attach_all(application)

    page.goto(f"/login/?next=/applications/{application.pk}/step/purpose/")
    tab_to(page, lambda el: el["name"] == "username" or el["type"] == "email")
    page.keyboard.type(user.email)
    tab_to(page, lambda el: el["type"] == "password")
    page.keyboard.type(PASSWORD)
    screenshot("sign-in-by-keyboard")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Purpose of residence")
    tab_to(page, lambda el: el["name"] == "school_name")
    page.keyboard.type("University of Latvia")
    screenshot("field-focused")
    tab_to(page, lambda el: el["tag"] == "button" and el["text"] == "Save and continue")
    screenshot("button-focused")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Stay in Latvia")
    application.refresh_from_db()
    assert application.school_name == "University of Latvia"

    # The declaration is a checkbox: Space ticks it; Enter on the button submits.
    page.goto(f"/applications/{application.pk}/step/review/")
    tab_to(page, lambda el: el["type"] == "checkbox")
    page.keyboard.press("Space")
    expect(page.get_by_role("checkbox")).to_be_checked()
    screenshot("declaration-ticked")
    tab_to(page, lambda el: el["tag"] == "button" and el["text"] == "Submit the application")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Application {application.reference}")
    application.refresh_from_db()
    assert application.state == Application.State.AWAITING_PAYMENT
    screenshot("submitted")
