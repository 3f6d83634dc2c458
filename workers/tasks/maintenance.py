"""Periodic jobs of the infrastructure (``default`` queue); their schedule is in workers/schedule.py."""

from __future__ import annotations

from celery import shared_task

from workers.services import notifications


@shared_task(queue="default", acks_late=True)
def sweep_notification_outbox() -> int:
    return len(notifications.sweep_notification_outbox())
