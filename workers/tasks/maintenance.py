"""Periodic jobs (``default`` queue); their schedule is in workers/schedule.py."""

from __future__ import annotations

from celery import shared_task

from workers.services import notifications


@shared_task(name="workers.tasks.maintenance.sweep_notification_outbox")
def sweep_notification_outbox() -> int:
    return len(notifications.sweep_notification_outbox())


@shared_task(name="workers.tasks.maintenance.delete_expired_tokens")
def delete_expired_tokens() -> dict[str, int]:
    from identity.services.accounts import delete_expired_tokens  # identity owns its token rows

    return delete_expired_tokens()
