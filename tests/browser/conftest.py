"""Playwright journeys in Debian's Chromium against a live server.

Playwright cannot download its own browsers here; it drives /usr/bin/chromium (installed by .ci/run).
Each journey saves a screenshot per step under var/screenshots/<test name>/.

Every test here runs on the live server, so it is transactional; `serialized_rollback` puts back the rows the data
migrations load (territorial units, the catalogue) that the flush after each transactional test removes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.services import require_chromium

# Playwright's sync API runs an event loop in this thread; the ORM calls a journey makes between steps are
# still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

BASE_DIR = Path(__file__).resolve().parents[2]
SCREENSHOTS = BASE_DIR / "var" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def chromium():
    executable = require_chromium()
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Django keeps database connections in thread-local storage, but switches to context-local storage while an
    # event loop runs in the thread, which Playwright's sync API leaves running. Hand the thread's connection
    # objects over, so tests keep the test database's connection, with the snapshot `serialized_rollback`
    # restores from (otherwise the catalogue loaded by data migrations vanishes after the first flush).
    wrappers = {alias: connections[alias] for alias in connections}
    with sync_playwright() as playwright:
        for alias, wrapper in wrappers.items():
            connections[alias] = wrapper
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server, settings, celery_eager) -> Iterator:
    settings.SITE_URL = live_server.url
    context = chromium.new_context(
        base_url=live_server.url, locale="en-GB", viewport={"width": 1200, "height": 900}
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    problems = _watch_for_broken_pages(page)
    yield page
    context.close()
    assert not problems, "the browser reported problems:\n" + "\n".join(problems)


SUBRESOURCES = {"stylesheet", "script", "image", "font", "media"}


def _watch_for_broken_pages(page) -> list[str]:
    """Missing styles or scripts, server errors, script errors and CSP refusals fail the journey."""
    problems: list[str] = []

    def on_response(response) -> None:
        kind = response.request.resource_type
        if response.status >= 500 or (kind in SUBRESOURCES and response.status >= 400):
            problems.append(f"{response.status} for {kind} {response.url}")

    def on_console(message) -> None:
        # Chromium also logs every 4xx document ("Failed to load resource"); form errors answer 400 on purpose.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(f"console error: {message.text}")

    def on_request_failed(request) -> None:
        # A navigation cancels the requests still in flight (net::ERR_ABORTED): not a fault of the page.
        if request.failure != "net::ERR_ABORTED":
            problems.append(f"request failed: {request.url} {request.failure}")

    page.on("response", on_response)
    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("requestfailed", on_request_failed)
    return problems


def _safe(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name)


@pytest.fixture
def screenshot(page, request) -> Callable[[str], Path]:
    folder = SCREENSHOTS / _safe(request.node.name)
    folder.mkdir(parents=True, exist_ok=True)
    counter = iter(range(1, 1000))

    def take(step: str) -> Path:
        path = folder / f"{next(counter):02d}-{_safe(step)}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True))
