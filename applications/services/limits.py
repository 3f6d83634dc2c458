"""Per-applicant limits against abuse: open drafts, and how many uploads (and bytes) in a time window.

A real applicant has a few drafts and uploads a dozen scans; a script made 25 drafts and 126 MB of uploads in
two seconds. The limits are settings; the answer is 429 with a message saying what to do.
"""

from __future__ import annotations

import re
import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _
from rest_framework import status

from eservice.exceptions import DomainError
from identity.models import User

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class TooManyDraftsError(DomainError):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    code = "too_many_drafts"


class UploadLimitError(DomainError):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    code = "upload_rate_limited"


class UploadQuotaError(UploadLimitError):
    code = "upload_quota_exceeded"


def parse_rate(rate: str) -> tuple[int, int]:
    """``"10/m"`` → (10, 60); ``"30/15m"`` → (30, 900)."""
    match = _RATE.match(rate)
    if match is None:
        raise ValueError(f"A rate looks like '10/m' or '30/15m', not {rate!r}")
    count, multiplier, unit = match.groups()
    return int(count), int(multiplier or 1) * _UNIT_SECONDS[unit]


def check_open_drafts(*, applicant: User, open_drafts: int) -> None:
    """Refuse another draft when the applicant already has the most allowed (count taken under a lock)."""
    limit = settings.APPLICATION_MAX_OPEN_DRAFTS
    if open_drafts >= limit:
        raise TooManyDraftsError(
            _(
                "You already have %(count)d applications in preparation, the most allowed at a time. "
                "Continue one of them, or withdraw one you no longer need, before starting another."
            )
            % {"count": open_drafts},
            details={"open_drafts": open_drafts, "limit": limit},
        )


def reserve_upload(*, user: User, size: int) -> None:
    """Count one upload of ``size`` bytes against the user's upload rate and daily byte quota, or refuse it.

    Counted in the cache in fixed windows (shared by every web process when the cache is Redis). Off when
    ``RATELIMIT_ENABLE`` is off, like the other rate limits.
    """
    if not settings.RATELIMIT_ENABLE:
        return
    count, period = parse_rate(settings.UPLOAD_RATE)
    now = time.time()
    rate_key = f"upload-rate:{user.pk}:{period}:{int(now // period)}"
    cache.add(rate_key, 0, timeout=period)
    if cache.incr(rate_key) > count:
        minutes = max(1, round((period - now % period) / 60))
        raise UploadLimitError(
            _("You have uploaded many files in a short time. Wait %(minutes)d minutes and try again.")
            % {"minutes": minutes},
            details={"limit": count, "period_seconds": period},
        )
    quota = settings.UPLOAD_QUOTA_MB_PER_DAY * 1024 * 1024
    day_key = f"upload-bytes:{user.pk}:{int(now // 86400)}"
    cache.add(day_key, 0, timeout=86400)
    if cache.incr(day_key, size) > quota:
        cache.decr(day_key, size)  # a refused file does not use up the quota
        raise UploadQuotaError(
            _(
                "You have uploaded %(quota)d MB today, the most allowed in a day. Try again tomorrow, or "
                "contact the Office if you need to send more."
            )
            % {"quota": settings.UPLOAD_QUOTA_MB_PER_DAY},
            details={"quota_bytes": quota},
        )
