"""Periodic clean-up jobs."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from identity.models import EmailVerification, RefreshToken

logger = logging.getLogger(__name__)


@transaction.atomic
def delete_expired_tokens(*, now: datetime | None = None) -> dict[str, int]:
    """Delete refresh tokens expired more than a day ago and e-mail verifications older than their lifetime.

    The day of grace keeps a just-expired token recognisable as reused (which revokes its family) for a while.
    A used verification is only kept while its link could still be presented, to refuse it a second time.
    """
    now = now or timezone.now()
    refresh_deleted, _ = RefreshToken.objects.filter(expires_at__lt=now - timedelta(days=1)).delete()
    verification_cutoff = now - timedelta(seconds=settings.EMAIL_VERIFICATION_MAX_AGE)
    verification_deleted, _ = EmailVerification.objects.filter(used_at__lt=verification_cutoff).delete()
    logger.info("tokens.cleaned refresh=%s verification=%s", refresh_deleted, verification_deleted)
    return {"refresh_tokens": refresh_deleted, "email_verifications": verification_deleted}
