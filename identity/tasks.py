"""Celery tasks of the identity app (default queue)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError

from identity.mydata import services as mydata_services
from identity.services.accounts import delete_expired_tokens as delete_expired_tokens_service

logger = logging.getLogger(__name__)


@shared_task(queue="default", acks_late=True)
def delete_expired_tokens() -> dict[str, int]:
    """Refresh tokens and e-mail verifications past their lifetime (beat, daily)."""
    return delete_expired_tokens_service()


@shared_task(
    queue="default",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def build_data_export(export_id: int) -> int | None:
    """Build the applicant's "my data" archive and e-mail the link. Idempotent: a ready export is left alone."""
    try:
        export = mydata_services.build_data_export(export_id=export_id)
    except OperationalError:
        raise
    except Exception:
        logger.exception("mydata.export_failed id=%s", export_id)
        mydata_services.fail_data_export(export_id=export_id)
        return None
    return export.pk if export is not None else None


@shared_task(queue="default", acks_late=True)
def apply_retention_policy() -> int:
    """Anonymise or delete closed accounts' data past its retention period; each step is audited (beat, daily)."""
    return len(mydata_services.apply_retention_policy())
