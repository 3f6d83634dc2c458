"""Celery beat on real processes: a worker started with embedded beat (``--beat``, as ``make run`` and the
browser tests start it) runs the periodic jobs of workers/schedule.py by itself.

The worker uses tests/integration/beat_settings.py: the real schedule, with the notification outbox sweep due
every 2 seconds instead of every minute. Its broker is a redis-server of the test's own, so the jobs beat sends
are taken by this worker only and never by another test's worker on another database.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from tests.factories import UserFactory
from tests.integration.live_workers import (
    SmtpSink,
    WorkerProcess,
    broker,
    database_url_for_subprocess,
    free_port,
    queue_length,
    wait_for,
)
from workers.models import Notification
from workers.services import notify
from workers.services.notifications import NOT_QUEUED_AFTER

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SWEEP_SENT_BY_BEAT = "Scheduler: Sending due task sweep-notification-outbox (workers.tasks.maintenance.sweep_notification_outbox)"


def _status(notification_id: int) -> str:
    return Notification.objects.values_list("status", flat=True).get(pk=notification_id)


def test_beat_beside_the_worker_sweeps_the_outbox_by_itself(private_redis, settings, tmp_path):
    """Proven on real processes: an e-mail left pending in the outbox with no task queued for it (the broker
    was down at commit) is delivered to the SMTP server once a worker with embedded beat runs, the test never
    calling the sweep: beat sends ``sweep-notification-outbox`` on its schedule (again and again, not once at
    start), the worker's sweep queues the send task, the worker sends the mail, once."""
    broker_url = private_redis.url(0)
    smtp = SmtpSink().start()
    recipient = UserFactory(preferred_language="en")
    # The broker is down at commit (nothing listens on that port): the row is written, no task is queued for it.
    with broker(f"redis://127.0.0.1:{free_port()}/0"), transaction.atomic():
        notification = notify(
            recipient=recipient,
            event="verify_email",
            context={"verification_url": "https://eservice.example.lv/verify-email/?token=beat"},
        )
    assert _status(notification.pk) == Notification.Status.PENDING
    # Older than the grace the sweep gives the on-commit hook, as if the broker had been down for a while.
    Notification.objects.filter(pk=notification.pk).update(
        created_at=timezone.now() - NOT_QUEUED_AFTER - timedelta(seconds=1)
    )
    assert all(queue_length(broker_url, name) == 0 for name in ("default", "email", "pdf"))

    worker = WorkerProcess(
        env={
            "DJANGO_SETTINGS_MODULE": "tests.integration.beat_settings",
            "DATABASE_URL": database_url_for_subprocess(),
            "CELERY_BROKER_URL": broker_url,
            "EMAIL_URL": smtp.url,
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "CONN_MAX_AGE": "0",
        },
        queues="default,email",
        log_path=tmp_path / "worker.log",
        extra=["--beat", f"--schedule={tmp_path / 'celerybeat-schedule'}"],
    )
    try:
        worker.wait_ready(timeout=120)
        wait_for(lambda: smtp.messages, timeout=120, what="the e-mail the beat-driven sweep queued")
        wait_for(
            lambda: _status(notification.pk) == Notification.Status.SENT,
            timeout=60,
            what="the row marked sent",
        )
        # Periodic, not a one-off at start: beat sends the job again on its interval.
        wait_for(
            lambda: worker.log.count(SWEEP_SENT_BY_BEAT) >= 3,
            timeout=120,
            what="beat to send the sweep again",
        )
    finally:
        worker.stop()
        smtp.stop()
        print(f"--- worker log\n{worker.log}")

    assert "beat: Starting..." in worker.log
    # The sweep beat sent queued one row (ours); the later ones queued none.
    assert re.search(
        r"Task workers\.tasks\.maintenance\.sweep_notification_outbox\[[^\]]+\] succeeded in \S+: 1\n",
        worker.log,
    )
    assert len(smtp.messages) == 1  # the later sweeps found nothing left to send
    (message,) = smtp.messages
    assert message["To"] == recipient.email
    assert message["Subject"] == "Confirm your e-mail address"
    assert message["Message-ID"] == Notification.objects.get(pk=notification.pk).message_id
    assert list(tmp_path.glob("celerybeat-schedule*"))  # beat kept its own schedule file, not the shared one
