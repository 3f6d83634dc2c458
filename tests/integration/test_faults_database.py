"""PostgreSQL restarted under a running web process and under a running Celery worker: both recover by themselves.

The database is a private cluster the test creates (initdb in a temporary folder, its own port), never the
machine's shared server; it gets a copy of the test database. The cluster is stopped (``pg_ctl -m fast`` ends
every open session, as a restart or fail-over does) and started again.

- gunicorn (2 sync workers, persistent connections as in production) serves the applicant list (JWT), a public
  page that reads the catalogue and the API's "start a draft" (a write) while three client threads keep calling
  them: 503 while the database is away, and every draft the API acknowledged is in the database afterwards.
- A Celery worker (prefork, connections kept between tasks as in production) sends outbox e-mails to an SMTP
  sink before, during and after the restart: each is delivered once, and the worker is never restarted.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import psycopg
import pytest
from django.utils import timezone

from identity.services.api_tokens import issue_access_token
from tests.factories import ApplicationFactory, UserFactory
from tests.integration.live_servers import PostgresServer, WebProcess, request
from tests.integration.live_workers import database_url_for_subprocess, wait_for
from tests.services import require_postgres
from workers.models import Notification
from workers.tasks.email import send_notification as send_notification_task

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def private_postgres():
    require_postgres()  # the copy is taken from the test database
    server = PostgresServer().start()
    yield server
    print(f"--- private PostgreSQL log\n{server.log}")
    server.destroy()


class Load:
    """Client threads, each calling the API list, the guide page and the API's "start a draft" (a write) in turn,
    keeping every answer."""

    WRITE = ("write", "POST", "/api/v1/applications", {"kind": "first_trp", "purpose": "studies"})

    def __init__(self, base_url: str, token: str, threads: int = 3) -> None:
        self.base_url = base_url
        self.answers: list[tuple[float, str, int, dict[str, str], bytes]] = []
        self._calls = (
            ("api", "GET", "/api/v1/applications", None),
            ("page", "GET", "/guide/", None),
            self.WRITE,
        )
        self._headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
        self._stop = threading.Event()
        self.threads = threads
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def _run(self) -> None:
        while not self._stop.is_set():
            for kind, method, path, body in self._calls:
                headers = self._headers if kind != "page" else {"Accept-Language": "en"}
                status, response_headers, content = request(
                    method, self.base_url + path, body=body, headers=headers, timeout=15
                )
                self.answers.append((time.monotonic(), kind, status, response_headers, content))
            time.sleep(0.02)

    def start(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def since(self, moment: float, kind: str) -> list[tuple[int, dict[str, str], bytes]]:
        return [(s, h, b) for t, k, s, h, b in list(self.answers) if t >= moment and k == kind]


def test_database_restart_under_load_answers_503_then_recovers_without_restarting_web(
    private_postgres, settings, tmp_path
):
    applicant = UserFactory(applicant=True)
    ApplicationFactory.create_batch(3, applicant=applicant)
    token = issue_access_token(user=applicant, second_factor=False)
    database_url = private_postgres.copy_database_from(database_url_for_subprocess(), "eservice")
    web = WebProcess(
        env={
            "DATABASE_URL": database_url,
            "JWT_PRIVATE_KEY": Path(settings.JWT_PRIVATE_KEY_FILE).read_text(),
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "APPLICATION_MAX_OPEN_DRAFTS": "100000",  # the load starts a draft on every round
        },
        log_path=tmp_path / "web.log",
    ).wait_ready()
    load = Load(web.base_url, token).start()
    try:
        started = time.monotonic()
        wait_for(
            lambda: (
                any(s == 200 for s, _, _ in load.since(started, "api"))
                and any(s == 200 for s, _, _ in load.since(started, "page"))
            ),
            timeout=30,
            what="both answers served from the database",
        )
        listed = json.loads(next(b for s, _, b in load.since(started, "api") if s == 200))
        assert listed["count"] >= 3

        private_postgres.stop("fast")
        down = time.monotonic()
        wait_for(
            lambda: all(len(load.since(down, kind)) >= 5 for kind in ("api", "page", "write")),
            timeout=30,
            what="requests while the database is down",
        )
        private_postgres.start()
        up = time.monotonic()
        wait_for(
            lambda: (
                [s for s, _, _ in load.since(up, "api")][-3:] == [200] * 3
                and [s for s, _, _ in load.since(up, "page")][-3:] == [200] * 3
                and [s for s, _, _ in load.since(up, "write")][-3:] == [201] * 3
            ),
            timeout=60,
            what="the web process to serve from the restarted database",
        )
    finally:
        load.stop()
        web.stop()
        print(f"--- web log\n{web.log}")

    statuses = {s for _, _, s, _, _ in load.answers}
    assert statuses <= {200, 201, 503}, statuses  # never a 500, never a dropped connection or a timeout
    # Every draft the API said it started is in the database; at most the writes in flight when the database
    # went away (one per client thread) may have been stored without their answer reaching the client.
    acknowledged = {json.loads(b)["id"] for _, k, s, _, b in load.answers if k == "write" and s == 201}
    with psycopg.connect(database_url, autocommit=True) as conn:
        stored = {
            str(row[0])
            for row in conn.execute(
                "SELECT id FROM applications_application WHERE applicant_id = %s", [applicant.pk]
            )
        }
    assert {str(pk) for pk in acknowledged} <= stored
    assert len(stored) - 3 - len(acknowledged) <= load.threads
    outage_writes = [b for s, _, b in load.since(down, "write") if s == 503]
    assert outage_writes and all(
        json.loads(b)["error"]["code"] == "service_unavailable" for b in outage_writes
    )
    outage_api = [(h, b) for s, h, b in load.since(down, "api") if s == 503]
    outage_pages = [(h, b) for s, h, b in load.since(down, "page") if s == 503]
    assert outage_api and outage_pages
    for headers, body in outage_api:
        assert headers["Content-Type"] == "application/json"
        assert headers["Retry-After"] == "30"
        assert json.loads(body)["error"]["code"] == "service_unavailable"
    for headers, body in outage_pages:
        assert headers["Content-Type"].startswith("text/html")
        assert "Error code 503" in body.decode()
    # The same two workers served before, during and after: the process recovered by itself.
    assert web.log.count("Booting worker") == 2
    assert "database.unavailable" in web.log


# --- a Celery worker ---------------------------------------------------------------------------------------------
VERIFY_URL = "https://eservice.example.lv/verify-email/?token=restart"


def _outbox(database_url: str) -> dict[int, tuple[str, int]]:
    """(status, attempts) of each outbox row in the private database, read beside the worker."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        return {
            pk: (status, attempts)
            for pk, status, attempts in conn.execute("SELECT id, status, attempts FROM workers_notification")
        }


def _worker_sessions(database_url: str) -> set[int]:
    """The server processes of the other sessions on the private database: the worker's kept connection."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND backend_type = 'client backend'"
        ).fetchall()
    return {pid for (pid,) in rows}


def _task_lines(worker, task_id: str) -> list[str]:
    return [line for line in worker.log.splitlines() if task_id in line]


def test_database_restart_under_a_worker_that_keeps_its_connection_loses_and_repeats_nothing(
    private_postgres, start_worker, smtp
):
    """The worker keeps its connection between tasks (CONN_MAX_AGE, CELERY_DB_REUSE_MAX), and the restart kills
    it. The next task must reconnect at its first try (CONN_HEALTH_CHECKS around each task, eservice/celery.py),
    not fail on the dead connection; a task that runs while the database is down is retried until it is back."""
    recipient = UserFactory(preferred_language="en")
    before, after_restart, during_outage = (
        Notification.objects.create(
            recipient=recipient,
            event="verify_email",
            context={"verification_url": VERIFY_URL},
            last_enqueued_at=timezone.now(),
        ).pk
        for _ in range(3)
    )
    database_url = private_postgres.copy_database_from(database_url_for_subprocess(), "eservice")
    worker = start_worker(
        smtp_url=smtp.url, queues="email", conn_max_age="60", database_url=database_url, pool="prefork"
    )

    send_notification_task.delay(before)
    wait_for(lambda: _outbox(database_url)[before][0] == "sent", timeout=60, what="the first e-mail sent")
    kept = wait_for(lambda: _worker_sessions(database_url), timeout=10, what="the worker's kept connection")

    # Restarted between two tasks: the worker's connection is dead when the next task starts.
    private_postgres.stop("fast")
    private_postgres.start()
    first_after = send_notification_task.delay(after_restart).id
    wait_for(lambda: _outbox(database_url)[after_restart][0] == "sent", timeout=60, what="the e-mail sent")
    wait_for(
        lambda: any("succeeded" in line for line in _task_lines(worker, first_after)),
        timeout=30,
        what="the task's success in the worker's log",
    )
    assert not any("retry" in line.lower() for line in _task_lines(worker, first_after)), (
        "the dead connection failed the task's first try"
    )
    assert not kept & _worker_sessions(database_url)  # the dead connection was replaced, not reused

    # Down while a task runs: it fails to connect, is retried, and goes out once the database is back.
    private_postgres.stop("fast")
    hit = send_notification_task.delay(during_outage).id
    wait_for(
        lambda: any("OperationalError" in line for line in _task_lines(worker, hit)),
        timeout=60,
        what="the task to hit the outage",
    )
    private_postgres.start()
    wait_for(
        lambda: _outbox(database_url)[during_outage][0] == "sent", timeout=120, what="the retried e-mail"
    )
    assert any("Retry in" in line for line in _task_lines(worker, hit))

    # Each row claimed and sent once, each message delivered once, by the worker started at the beginning.
    assert _outbox(database_url) == {
        before: ("sent", 1),
        after_restart: ("sent", 1),
        during_outage: ("sent", 1),
    }
    message_ids = [message["Message-ID"] for message in smtp.messages]
    assert len(message_ids) == 3 and len(set(message_ids)) == 3
    assert worker.process.poll() is None and worker.log.count(" ready.") == 1
