"""Queueing a Celery task after the caller's transaction commits, without letting a broker outage fail it.

The data is already committed when ``on_commit`` runs, so an exception there would turn a done job into a 500
and skip the rest of the request. The task is logged as not queued instead; periodic sweeps (workers/schedule.py)
pick up whatever stayed undone.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue(task: Any, *args: Any, countdown: int | None = None) -> bool:
    """Queue ``task`` now; False (logged) when the broker cannot take it."""
    try:
        if countdown is None:
            task.delay(*args)
        else:
            task.apply_async(args=args, countdown=countdown)
    except Exception:
        logger.warning("task.enqueue_failed task=%s args=%s", task.name, args, exc_info=True)
        return False
    return True


def enqueue_on_commit(task: Any, *args: Any, countdown: int | None = None) -> None:
    """Queue ``task`` once the current transaction commits (only ids cross the broker)."""
    transaction.on_commit(partial(enqueue, task, *args, countdown=countdown))
