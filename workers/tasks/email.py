"""E-mail tasks (``email`` queue)."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task
from django.db import InterfaceError, OperationalError

from workers.services import notifications


@shared_task(
    queue="email",
    acks_late=True,
    # A database restart or fail-over is as passing as an SMTP outage: retried with the same backoff rather than
    # left to the sweep's STUCK_AFTER (tests/integration/test_faults_database.py).
    autoretry_for=(SMTPException, OSError, OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=notifications.MAX_ATTEMPTS - 1,
)
def send_notification(notification_id: int) -> None:
    notifications.send_notification(notification_id=notification_id)
