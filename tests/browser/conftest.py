"""Playwright journeys in Debian's Chromium against a live server, on real parts.

Playwright cannot download its own browsers here; it drives /usr/bin/chromium (installed by .ci/run).
Each journey saves a screenshot per step under var/artifacts/<test name>/, so a failing run can be looked at.

Nothing runs eagerly and nothing is mocked, and the site is served as in production: the session starts gunicorn (2
sync workers) and one Celery worker process (with beat) on the same PostgreSQL test database and Redis broker, the
worker sending mail to an SMTP sink (aiosmtpd, in a process of its own) and delivering the test gateway's webhooks
to the site over HTTP. The browser reaches gunicorn through a one-upstream proxy in this process, which gives the
site its address (``SITE_URL``) before gunicorn starts and records every request that reaches it. The web and
worker processes see only committed rows: every test here is transactional; `serialized_rollback` puts back the
rows the data migrations load (territorial units, the catalogue) that the flush after each transactional test
removes.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.integration.live_servers import RoundRobinProxy, WebProcess, new_signing_key
from tests.integration.live_workers import (
    SmtpSinkProcess,
    WorkerProcess,
    broker,
    database_url_for_subprocess,
    purge_queues,
)
from tests.services import require_chromium, require_postgres, require_redis

# Playwright's sync API runs an event loop in this thread; the ORM calls a journey makes between steps are
# still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

BASE_DIR = Path(__file__).resolve().parents[2]
ARTIFACTS = BASE_DIR / "var" / "artifacts"
SCREENSHOTS = ARTIFACTS  # older name, still imported by journeys
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


class LiveParts:
    """What the session started: the site (gunicorn behind the recording proxy, whose address is the site's), the
    SMTP sink (its messages), the worker (its log), the shared media folder."""

    def __init__(
        self,
        *,
        server: RoundRobinProxy,
        sink: SmtpSinkProcess,
        worker: WorkerProcess,
        media_root: Path,
        locale_root: Path,
    ):
        self.server = server
        self.sink = sink
        self.worker = worker
        self.media_root = media_root
        self.locale_root = locale_root

    def mail_to(self, address: str) -> list:
        return [message for message in self.sink.messages if message["To"] == address]


@pytest.fixture(scope="package")
def live_parts(django_db_setup, compiled_locale, tmp_path_factory) -> Iterator[LiveParts]:
    """gunicorn and one Celery worker process with beat for all the browser tests, on the test database and Redis.

    Shared by every browser test (starting them costs seconds on two cores): a test that leaves a task behind
    only makes the worker log a missing row after the flush. Stopped when the browser tests are done (package
    scope), so the worker never takes the tasks of the integration tests that run after them.
    """
    require_postgres()
    url = require_redis()
    purge_queues(url)
    folder = tmp_path_factory.mktemp("live-parts")
    media_root = folder / "media"
    media_root.mkdir()
    proxy = RoundRobinProxy()
    sink = SmtpSinkProcess(folder / "mail").start()
    shared = {
        # Latvian and Russian pages and mail from the catalogues compiled for this session; webhooks over HTTP.
        "DJANGO_SETTINGS_MODULE": "tests.browser.worker_settings",
        "BROWSER_WORKER_LOCALE": str(compiled_locale),
        "DATABASE_URL": database_url_for_subprocess(),
        "CELERY_BROKER_URL": url,
        "EMAIL_URL": sink.url,
        "MEDIA_ROOT": str(media_root),
        "SITE_URL": proxy.url,
        "CONN_MAX_AGE": "0",
        "JWT_PRIVATE_KEY": new_signing_key(),  # one key for every gunicorn worker
    }
    worker = WorkerProcess(
        env=shared,
        queues="default,email,pdf",
        log_path=folder / "worker.log",
        extra=["--beat", f"--schedule={folder / 'celerybeat-schedule'}"],
    )
    web = WebProcess(env=shared, log_path=folder / "web.log")
    parts = LiveParts(
        server=proxy,
        sink=sink,
        worker=worker,
        media_root=media_root,
        locale_root=compiled_locale,
    )
    try:
        proxy.start([web.base_url])
        with broker(url):
            worker.wait_ready()
            web.wait_ready()
            yield parts
    finally:
        proxy.stop()
        web.stop()
        worker.stop()
        sink.stop()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(worker.log_path, ARTIFACTS / "worker.log")
        shutil.copyfile(web.log_path, ARTIFACTS / "web.log")


@pytest.fixture(scope="package")
def live_server(live_parts) -> RoundRobinProxy:
    """The site (``.url``), in place of pytest-django's server thread: here the site is a process of its own."""
    return live_parts.server


@pytest.fixture(autouse=True)
def _live_server_helper() -> None:
    """pytest-django's helper of the same name sets up its own server thread's settings for a test that names
    ``live_server``; the site here is gunicorn, and every test is marked transactional below."""


@pytest.fixture(autouse=True)
def _media_root(settings, live_parts):
    """The web side and the worker share one media folder (the worker renders receipts the page serves);
    emptied before each test so a test sees only its own files."""
    for child in live_parts.media_root.iterdir():
        shutil.rmtree(child) if child.is_dir() else child.unlink()
    settings.MEDIA_ROOT = live_parts.media_root


@pytest.fixture(autouse=True)
def _live_site(settings, live_server, live_parts):
    """Links in e-mails and PDFs point at the live server; pages use the session's compiled catalogues."""
    settings.SITE_URL = live_server.url
    settings.LOCALE_PATHS = [live_parts.locale_root]
    live_server.served.clear()
    live_parts.sink.clear()


@pytest.fixture
def new_context(chromium, live_server) -> Iterator[Callable[..., object]]:
    """Browser contexts (one per person), each watched for broken pages; closed, and their problems reported,
    after the test."""
    opened = []

    def open_context(
        *, locale: str = "en-GB", viewport: dict | None = None, timeout: int = 15_000, base_url: str = ""
    ):
        context = chromium.new_context(
            base_url=base_url or live_server.url,
            locale=locale,
            viewport=viewport or {"width": 1200, "height": 900},
        )
        context.set_default_timeout(timeout)
        page = context.new_page()
        opened.append((context, _watch_for_broken_pages(page)))
        return page

    yield open_context
    problems = []
    for context, seen in opened:
        context.close()
        problems += seen
    assert not problems, "the browser reported problems:\n" + "\n".join(problems)


@pytest.fixture
def page(chromium, live_server) -> Iterator:
    context = chromium.new_context(
        base_url=live_server.url, locale="en-GB", viewport={"width": 1200, "height": 900}
    )
    context.set_default_timeout(15_000)
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
def artifacts(request) -> Path:
    """This test's folder under var/artifacts/, emptied so it holds this run's steps only, in order."""
    folder = ARTIFACTS / _safe(request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def shooter(artifacts) -> Callable[..., Callable[[str], Path]]:
    """``shooter(page, "who")`` gives a screenshot function for that page; all share one step counter."""
    counter = iter(range(1, 1000))

    def for_page(page, who: str = "") -> Callable[[str], Path]:
        def take(step: str) -> Path:
            prefix = f"{next(counter):02d}-{who + '-' if who else ''}"
            path = artifacts / f"{prefix}{_safe(step)}.png"
            page.screenshot(path=str(path), full_page=True)
            return path

        return take

    return for_page


@pytest.fixture
def browser_pages(new_context, shooter) -> Callable[[str], tuple]:
    """One browser context per person (their own cookies), each with a screenshot function; the harness's
    watch for broken pages (5xx, console errors, CSP refusals) on every one."""

    def open_for(who: str) -> tuple:
        page = new_context()
        return page, shooter(page, who)

    return open_for


@pytest.fixture
def screenshot(page, shooter) -> Callable[[str], Path]:
    return shooter(page)


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True))
