"""Shared fixtures of the integration tests."""

from __future__ import annotations

import pytest

from tests.integration.live_servers import RedisServer
from tests.integration.live_workers import (
    SmtpSink,
    WorkerProcess,
    broker,
    database_url_for_subprocess,
    purge_queues,
)
from tests.services import require_postgres, require_redis


@pytest.fixture
def smtp(settings):
    """A real SMTP server (aiosmtpd on loopback) that Django's SMTP backend delivers this test's mail to."""
    sink = SmtpSink().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield sink
    sink.stop()


@pytest.fixture
def redis_broker():
    """This test's tasks go to the real Redis broker (its queues emptied first)."""
    url = require_redis()
    require_postgres()
    purge_queues(url)
    with broker(url):
        yield url


@pytest.fixture
def start_worker(redis_broker, settings, tmp_path):
    """Start real Celery workers on the broker and this test's database; each one's log is printed at the end
    (shown when the test fails). ``conn_max_age``: "60" keeps the connection between tasks, as in production.
    ``database_url``: another database than the test's (a private cluster a fault test stops). ``pool``:
    "prefork" runs tasks in one child process, as production does (with more children)."""
    workers: list[WorkerProcess] = []

    def start(
        *,
        smtp_url: str,
        queues: str = "default,email,pdf",
        conn_max_age: str = "0",
        database_url: str | None = None,
        pool: str = "solo",
    ) -> WorkerProcess:
        env = {
            "DJANGO_SETTINGS_MODULE": "eservice.settings.test",
            "DATABASE_URL": database_url or database_url_for_subprocess(),
            "CELERY_BROKER_URL": redis_broker,
            "EMAIL_URL": smtp_url,
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "CONN_MAX_AGE": conn_max_age,
        }
        worker = WorkerProcess(
            env=env,
            queues=queues,
            log_path=tmp_path / f"worker-{len(workers)}.log",
            pool=pool,
            extra=[
                "--include=tests.workers.sample_letter",  # the test-only PDF task
                *(["--concurrency=1"] if pool == "prefork" else []),
            ],
        )
        workers.append(worker)
        return worker.wait_ready()

    yield start
    for worker in workers:
        worker.stop()
        print(f"--- {worker.log_path.name}\n{worker.log}")


@pytest.fixture
def private_redis():
    """A redis-server of the test's own (a broker nobody else uses: the test's tasks are taken by its own worker
    only), which the test may stop and start."""
    require_postgres()
    server = RedisServer().start()
    yield server
    server.stop()
