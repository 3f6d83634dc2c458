"""`make run` as a newcomer gets it: links in e-mails the worker renders point at the web server.

honcho gives every process its own PORT (web $PORT, worker $PORT+100, beat $PORT+200), so a site URL derived
from PORT inside a process sends every link from the worker to a port nobody listens on. This starts
`make start` (what `make run` ends with: honcho and the Procfile, with the Makefile's environment) against the
test database, a Redis broker and an SMTP sink, has the worker write a mail, and follows every link in it.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import urllib.error
import urllib.request
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from tests.factories import ApplicationFactory, UserFactory
from tests.integration.live_workers import (
    BASE_DIR,
    SmtpSink,
    broker,
    database_url_for_subprocess,
    free_port,
    port_is_free,
    purge_queues,
    wait_for,
)
from tests.services import require_postgres, require_redis, unavailable

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

LINK = re.compile(r"https?://[^\s\"'<>]+")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _web_port() -> int:
    """A port for web whose worker (+100) and beat (+200) ports are free too."""
    for _ in range(50):
        port = free_port()
        if port + 200 < 65536 and port_is_free(port + 100) and port_is_free(port + 200):
            return port
    raise AssertionError("no free port triple")


@pytest.fixture
def make_run(tmp_path):
    """Start `make start` with what a developer's shell has; yield (web port, log path); stop honcho."""
    if not os.access(BASE_DIR / ".venv" / "bin" / "honcho", os.X_OK):
        unavailable("no .venv with honcho in the project folder (make venv)")
    processes = []

    def start(extra_env: dict[str, str]) -> tuple[int, object]:
        port = _web_port()
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("DJANGO_SETTINGS_MODULE", "SITE_URL")
        }
        var_dir = tmp_path / "var"  # what `make migrate` creates in the project folder
        for folder in ("mail", "media"):
            (var_dir / folder).mkdir(parents=True, exist_ok=True)
        env.update({"PORT": str(port), "VAR_DIR": str(var_dir), **extra_env})
        log_path = tmp_path / "make-run.log"
        log = open(log_path, "wb")  # noqa: SIM115 (closed below)
        process = subprocess.Popen(
            ["make", "--no-print-directory", "start"],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        processes.append((process, log, log_path))
        return port, log_path

    yield start
    for process, log, log_path in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        log.close()
        print(f"--- {log_path.name}\n{log_path.read_text(errors='replace')}")  # shown when a test fails


def test_links_in_a_mail_the_worker_renders_point_at_the_web_server(make_run):
    redis_url = require_redis()
    require_postgres()
    purge_queues(redis_url)
    smtp = SmtpSink().start()
    try:
        port, log_path = make_run(
            {
                "DATABASE_URL": database_url_for_subprocess(),
                "CELERY_BROKER_URL": redis_url,
                "EMAIL_URL": smtp.url,
                "CONN_MAX_AGE": "0",
            }
        )

        def started() -> bool:
            log = log_path.read_text(errors="replace")
            assert "stopped (rc=" not in log, log
            return " ready." in log and "Starting development server" in log

        wait_for(started, timeout=120, what="web and worker under honcho")
        applicant = UserFactory(preferred_language="en")
        # A draft untouched long enough to be warned about: the worker builds the link and renders the mail.
        ApplicationFactory(applicant=applicant, last_activity_at=timezone.now() - timedelta(days=80))
        with broker(redis_url):
            from eservice.celery import app

            app.loader.import_default_modules()
            app.send_task("applications.tasks.expire_drafts")

        wait_for(lambda: smtp.messages, timeout=90, what="the warning e-mail at the SMTP server")
        message = smtp.messages[0]
        links = set()
        for part in ("plain", "html"):
            links.update(LINK.findall(message.get_body(preferencelist=(part,)).get_content()))
        assert len(links) >= 2, links  # the draft's page and the footer's link to the e-service
        opener = urllib.request.build_opener(_NoRedirect)
        for link in sorted(links):
            parts = urlsplit(link)
            assert (parts.hostname, parts.port) == ("localhost", port), (
                f"{link} does not point at the web server on port {port}"
            )
            try:
                status = opener.open(link, timeout=30).status
            except urllib.error.HTTPError as error:
                status = error.code
            assert status in (200, 302), f"{link} answered {status}"
    finally:
        smtp.stop()
