"""Celery tasks of the identity app (default queue)."""

from __future__ import annotations

from celery import shared_task

from identity.services.accounts import delete_expired_tokens as delete_expired_tokens_service


@shared_task(queue="default", acks_late=True)
def delete_expired_tokens() -> dict[str, int]:
    """Refresh tokens and e-mail verifications past their lifetime (beat, daily)."""
    return delete_expired_tokens_service()
