"""Queueing a Celery task after the caller's transaction commits, without letting a broker outage fail it.

The data is already committed when ``on_commit`` runs, so an exception there would turn a done job into a 500
and skip the rest of the request. The task is logged as not queued instead; periodic sweeps (workers/schedule.py)
pick up whatever stayed undone.

Services schedule their own app's tasks by name (``enqueue_on_commit("payments.tasks.render_payment_receipt",
payment.pk)``), so a service never imports its ``tasks`` module and ``tasks.py`` can import the services at the
top: no import cycle. The name is resolved to the registered task, whose decorator names its queue.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
from functools import partial
from typing import Any

from celery import Task, current_app
from django.db import transaction

logger = logging.getLogger(__name__)


def get_task(task: Task | str) -> Task:
    """The registered task called ``task`` (or ``task`` itself). A misspelt name raises ``KeyError`` at once,
    in the caller, rather than a message nobody consumes."""
    if not isinstance(task, str):
        return task
    tasks = current_app.tasks
    if task not in tasks:
        # A web process imports no tasks module until it needs one: a task's name is its module and function.
        # (Not the app's import_default_modules(): in a web process that would run Django's system checks.)
        with contextlib.suppress(ImportError):
            importlib.import_module(task.rpartition(".")[0])
    try:
        return tasks[task]
    except KeyError:
        raise KeyError(f"no Celery task is registered as {task!r}") from None


def enqueue(task: Task | str, *args: Any, countdown: int | None = None) -> bool:
    """Queue ``task`` (a task or its registered name) now; False (logged) when the broker cannot take it."""
    task = get_task(task)
    try:
        if countdown is None:
            task.delay(*args)
        else:
            task.apply_async(args=args, countdown=countdown)
    except Exception:
        logger.warning("task.enqueue_failed task=%s args=%s", task.name, args, exc_info=True)
        return False
    return True


def enqueue_on_commit(task: Task | str, *args: Any, countdown: int | None = None) -> None:
    """Queue ``task`` once the current transaction commits (only ids cross the broker)."""
    transaction.on_commit(partial(enqueue, get_task(task), *args, countdown=countdown))
