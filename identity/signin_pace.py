"""Slowing down guesses at one account from many addresses, without locking its owner out.

django-axes locks a (client address, account) pair. Failures at one account from anywhere are counted here:
after ``SIGNIN_SLOWDOWN_AFTER`` of them, an attempt at the account is only taken once the previous one is
1, 2, 4, ... seconds old (at most ``SIGNIN_SLOWDOWN_MAX_SECONDS``); a sign-in succeeding clears the count. An
attacker with many addresses gets a few guesses a minute; the owner waits a minute at most, never half an hour.

The count is kept in the cache for ``AXES_COOLOFF_TIME`` and keyed on a hash of the address typed in, whether or
not it has an account, so the answer tells nothing about which addresses are registered.
"""

from __future__ import annotations

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache


def _keys(email: str) -> tuple[str, str]:
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    return f"signin-pace:failures:{digest}", f"signin-pace:next:{digest}"


def wait_seconds(*, email: str) -> int:
    """0 when an attempt at this account may go ahead now (and take the slot); otherwise seconds to wait."""
    failures_key, slot_key = _keys(email)
    failures = cache.get(failures_key, 0)
    free = settings.SIGNIN_SLOWDOWN_AFTER
    if failures < free:
        return 0
    delay = min(2 ** min(failures - free, 30), settings.SIGNIN_SLOWDOWN_MAX_SECONDS)
    now = time.time()
    # cache.add is atomic: of concurrent attempts (many addresses at once) only one takes the slot.
    if cache.add(slot_key, now + delay, timeout=delay):
        return 0
    return max(1, math.ceil((cache.get(slot_key) or now) - now))


def record_failure(*, email: str) -> None:
    failures_key, _slot_key = _keys(email)
    cache.add(failures_key, 0, timeout=int(settings.AXES_COOLOFF_TIME.total_seconds()))
    try:
        cache.incr(failures_key)
    except ValueError:  # expired between add and incr
        cache.set(failures_key, 1, timeout=int(settings.AXES_COOLOFF_TIME.total_seconds()))


def clear(*, email: str) -> None:
    cache.delete_many(list(_keys(email)))
