"""The senior officer's statistics in Chromium: the charts load as images under the site's CSP, with styles."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.a11y import check_page
from tests.factories import ApplicationFactory, TerritorialUnitFactory, UserFactory
from tests.otp import add_totp, verify_session


def test_senior_officer_sees_charts_and_tables(page: Page, screenshot, live_server):
    unit = TerritorialUnitFactory()
    senior = UserFactory(senior_officer=True, unit=unit)
    now = timezone.now()
    for days_ago, refused in ((3, False), (10, True), (12, False), (30, False)):
        ApplicationFactory(
            refused=refused,
            granted=not refused,
            unit=unit,
            paid_at=now - dt.timedelta(days=days_ago + 14),
            decided_at=now - dt.timedelta(days=days_ago),
            decision_due_on=timezone.localdate() - dt.timedelta(days=days_ago - 1),
        )
    late = ApplicationFactory(
        in_review=True, unit=unit, decision_due_on=timezone.localdate() - dt.timedelta(7)
    )
    # The staff session with its second factor passed, handed to the browser.
    client = Client()
    client.force_login(senior)
    verify_session(client, add_totp(senior))
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )

    page.goto("/backoffice/")
    page.get_by_role("link", name="Deadlines and statistics of the unit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Deadlines and statistics")
    expect(page.get_by_role("link", name=late.reference)).to_be_visible()
    images = page.locator("figure img")
    expect(images).to_have_count(4)
    for index in range(4):
        image = images.nth(index)
        image.scroll_into_view_if_needed()
        # decode() waits for the chart to arrive and rejects if it is broken.
        width = image.evaluate("img => img.decode().then(() => img.naturalWidth)")
        assert width == 560, index
    expect(page.get_by_role("table", name="Cases decided per week")).to_be_visible()
    check_page(page)
    screenshot("statistics")
