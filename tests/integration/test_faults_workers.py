"""Faults around the workers, on real processes: a worker child killed with SIGKILL in the middle of a task, and
the broker (a redis-server of the test's own) stopped while a web request commits.

SMTP down and then back (delivered once) is in tests/integration/test_workers_live.py.
"""

from __future__ import annotations

import os
import signal
import subprocess
from datetime import timedelta

import psycopg
import pytest
from django.utils import timezone

from applications.models import ApplicationEvent
from applications.services.lifecycle import SUMMARY_KIND
from applications.tasks import render_application_summary as render_application_summary_task
from tests.factories import ApplicationFactory
from tests.integration.live_servers import WebProcess, request
from tests.integration.live_workers import (
    SmtpSink,
    WorkerProcess,
    broker,
    database_url_for_subprocess,
    purge_queues,
    wait_for,
)
from tests.services import require_postgres, require_redis
from workers.models import GeneratedDocument, Notification
from workers.services.notifications import NOT_QUEUED_AFTER
from workers.tasks.maintenance import sweep_notification_outbox as sweep_notification_outbox_task

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _worker_env(settings, *, broker_url: str, smtp_url: str = "smtp://127.0.0.1:1") -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "eservice.settings.test",
        "DATABASE_URL": database_url_for_subprocess(),
        "CELERY_BROKER_URL": broker_url,
        "EMAIL_URL": smtp_url,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "CONN_MAX_AGE": "0",
    }


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(line) for line in out.split()]


def _waiting_inserts(cursor) -> int:
    cursor.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        " AND query LIKE 'INSERT INTO \"workers_generateddocument\"%%'"
    )
    return cursor.fetchone()[0]


def test_worker_killed_mid_task_runs_it_again_and_writes_the_result_once(settings, tmp_path):
    """acks_late + reject_on_worker_lost: the message of a task whose process died goes back to the queue.

    To kill the child *during* the task, not before or after it, the test holds a lock that the task's INSERT
    of the rendered PDF waits for: the PDF is rendered, nothing is committed yet, and the child is seen waiting
    in pg_stat_activity. Then SIGKILL, then the lock is released.
    """
    url = require_redis()
    require_postgres()
    purge_queues(url)
    application = ApplicationFactory(submitted=True)
    worker = WorkerProcess(
        env=_worker_env(settings, broker_url=url),
        queues="pdf",
        pool="prefork",
        extra=["--concurrency=1"],
        log_path=tmp_path / "worker.log",
    )
    blocker = psycopg.connect(database_url_for_subprocess().replace("postgres://", "postgresql://", 1))
    try:
        worker.wait_ready()
        blocker.execute("LOCK TABLE workers_generateddocument IN SHARE MODE")  # INSERTs wait, reads do not
        with broker(url):
            render_application_summary_task.delay(application.pk)
        with psycopg.connect(
            database_url_for_subprocess().replace("postgres://", "postgresql://", 1), autocommit=True
        ) as watcher:
            wait_for(
                lambda: _waiting_inserts(watcher.cursor()) == 1,
                timeout=90,
                what="the task to render and wait to store its PDF",
            )
            (child,) = _children(worker.process.pid)
            os.kill(child, signal.SIGKILL)
            wait_for(lambda: child not in _children(worker.process.pid), timeout=30, what="the child to die")
            blocker.rollback()  # the killed child's transaction never committed: nothing of it is kept
            # The PDF is stored, then its timeline event written: wait for the task's last write, not its first.
            wait_for(
                lambda: ApplicationEvent.objects.filter(
                    application=application, kind=ApplicationEvent.Kind.SUMMARY_READY
                ).exists(),
                timeout=90,
                what="the redelivered task to store the PDF and write its event",
            )
    finally:
        blocker.close()
        worker.stop()
        print(f"--- worker log\n{worker.log}")

    assert "WorkerLostError" in worker.log or "signal 9" in worker.log
    assert worker.log.count("applications.tasks.render_application_summary[") >= 2  # received twice
    assert GeneratedDocument.objects.filter(owner_id=application.pk, kind=SUMMARY_KIND).count() == 1
    assert (
        ApplicationEvent.objects.filter(
            application=application, kind=ApplicationEvent.Kind.SUMMARY_READY
        ).count()
        == 1
    )
    assert queue_empty(url)


def queue_empty(url: str) -> bool:
    import redis

    client = redis.Redis.from_url(url)
    return client.llen("pdf") == 0 and client.hlen("unacked") == 0


def test_broker_stopped_while_a_request_commits_then_the_sweep_delivers_once(
    private_redis, settings, tmp_path
):
    """A registration through gunicorn while the broker is down: 201, the mail waits in the outbox; once the
    broker is back a worker's sweep delivers it, and a second sweep sends nothing more."""
    require_postgres()
    smtp = SmtpSink().start()
    broker_url = private_redis.url(0)
    web = WebProcess(
        env={
            "DATABASE_URL": database_url_for_subprocess(),
            "CELERY_BROKER_URL": broker_url,
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        },
        log_path=tmp_path / "web.log",
        workers=1,
    ).wait_ready()
    worker = None
    try:
        private_redis.stop()
        status, _, body = request(
            "POST",
            f"{web.base_url}/api/v1/auth/register",
            body={
                "email": "broker.down@example.com",
                "password": "a long enough passphrase 42",
                "first_name": "Olena",
                "last_name": "Shevchenko",
                "preferred_language": "en",
            },
            timeout=60,
        )
        assert status == 201, body
        notification = Notification.objects.get(recipient__email="broker.down@example.com")
        assert notification.status == Notification.Status.PENDING

        private_redis.start()
        worker = WorkerProcess(
            env=_worker_env(settings, broker_url=broker_url, smtp_url=smtp.url),
            queues="default,email",
            log_path=tmp_path / "worker.log",
        ).wait_ready()
        # Older than the grace for rows the broker never took: the next sweep (beat, every minute) queues it.
        Notification.objects.filter(pk=notification.pk).update(
            created_at=timezone.now() - NOT_QUEUED_AFTER - timedelta(seconds=1)
        )
        with broker(broker_url):
            sweep_notification_outbox_task.delay()
            wait_for(lambda: smtp.messages, timeout=60, what="the swept e-mail")
            wait_for(
                lambda: Notification.objects.get(pk=notification.pk).status == Notification.Status.SENT,
                what="the row marked sent",
            )
            sweep_notification_outbox_task.delay()
            wait_for(lambda: worker.log.count("sweep_notification_outbox[") >= 4, what="the second sweep")
    finally:
        if worker is not None:
            worker.stop()
            print(f"--- worker log\n{worker.log}")
        web.stop()
        print(f"--- web log\n{web.log}")
        smtp.stop()

    assert len(smtp.messages) == 1
    assert smtp.messages[0]["To"] == "broker.down@example.com"
    assert smtp.messages[0]["Subject"] == "Confirm your e-mail address"
