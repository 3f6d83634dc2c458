"""Workers keep their database connection between tasks (a new PostgreSQL session per task cost 20-30 ms), under
Django's own rules applied around each task as around a request: CONN_MAX_AGE and CONN_HEALTH_CHECKS."""

from __future__ import annotations

from types import SimpleNamespace
from unittest import mock

from celery.signals import task_postrun, task_prerun

from eservice import celery as celery_module


def _task(*, eager: bool) -> SimpleNamespace:
    return SimpleNamespace(request=SimpleNamespace(is_eager=eager))


def test_celery_leaves_connections_open_between_tasks():
    assert celery_module.app.conf.get("CELERY_DB_REUSE_MAX", 0) >= 100


def test_each_task_starts_and_ends_with_djangos_connection_rules():
    receivers = {receiver() for signal in (task_prerun, task_postrun) for _, receiver in signal.receivers}
    assert celery_module._close_old_connections in receivers
    with mock.patch("django.db.close_old_connections") as close_old_connections:
        celery_module._close_old_connections(task=_task(eager=False))
    close_old_connections.assert_called_once_with()


def test_an_eager_task_keeps_its_callers_connection_and_transaction():
    with mock.patch("django.db.close_old_connections") as close_old_connections:
        celery_module._close_old_connections(task=_task(eager=True))
    close_old_connections.assert_not_called()
