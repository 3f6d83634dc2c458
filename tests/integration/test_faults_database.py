"""PostgreSQL restarted under load: the web process answers 503 while it is away and recovers by itself.

The database is a private cluster the test creates (initdb in a temporary folder, its own port), never the
machine's shared server; it gets a copy of the test database. gunicorn (2 sync workers, persistent connections
as in production) serves the applicant list (JWT) and a public page that reads the catalogue while a client
thread keeps calling both. The cluster is stopped (``pg_ctl -m fast`` ends every open session, as a restart or
fail-over does) and started again.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from identity.services.api_tokens import issue_access_token
from tests.factories import ApplicationFactory, UserFactory
from tests.integration.live_servers import PostgresServer, WebProcess, request
from tests.integration.live_workers import database_url_for_subprocess, wait_for
from tests.services import require_postgres

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def private_postgres():
    require_postgres()  # the copy is taken from the test database
    server = PostgresServer().start()
    yield server
    print(f"--- private PostgreSQL log\n{server.log}")
    server.destroy()


class Load:
    """A client thread calling the API list and the guide page in turn, keeping every answer."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url
        self.token = token
        self.answers: list[tuple[float, str, int, dict[str, str], bytes]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for kind, path, headers in (
                ("api", "/api/v1/applications", {"Authorization": f"Bearer {self.token}"}),
                ("page", "/guide/", {"Accept-Language": "en"}),
            ):
                status, response_headers, body = request(
                    "GET", self.base_url + path, headers=headers, timeout=15
                )
                self.answers.append((time.monotonic(), kind, status, response_headers, body))
            time.sleep(0.02)

    def start(self) -> Load:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

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
        assert listed["count"] == 3

        private_postgres.stop("fast")
        down = time.monotonic()
        wait_for(
            lambda: len(load.since(down, "api")) >= 5 and len(load.since(down, "page")) >= 5,
            timeout=30,
            what="requests while the database is down",
        )
        private_postgres.start()
        up = time.monotonic()
        wait_for(
            lambda: (
                [s for s, _, _ in load.since(up, "api")][-3:] == [200] * 3
                and [s for s, _, _ in load.since(up, "page")][-3:] == [200] * 3
            ),
            timeout=60,
            what="the web process to serve from the restarted database",
        )
    finally:
        load.stop()
        web.stop()
        print(f"--- web log\n{web.log}")

    statuses = {s for _, _, s, _, _ in load.answers}
    assert statuses <= {200, 503}, statuses  # never a 500, never a dropped connection or a timeout
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
