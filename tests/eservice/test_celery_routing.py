"""Each task reaches exactly one queue: the routing that decides which worker pool renders PDFs and sends mail.

Every task names its queue in its decorator; nothing is routed by a name pattern, so renaming or moving a task
cannot silently move it to another pool. The tests below publish each registered task (the broker call is
mocked) and look at the queue the message really goes to.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings

from eservice.celery import QUEUES, app

# Tasks whose queue matters for a known reason. A renamed or moved task must keep its line here.
KNOWN_QUEUES = {
    "applications.tasks.render_application_summary": "pdf",
    "applications.tasks.render_counter_copy": "pdf",
    "applications.tasks.expire_drafts": "default",
    "applications.tasks.generate_visit_slots": "default",
    "applications.tasks.send_visit_reminders": "default",
    "applications.tasks.send_registration_reminders": "default",
    "identity.tasks.delete_expired_tokens": "default",
    "identity.tasks.build_data_export": "default",
    "identity.tasks.apply_retention_policy": "default",
    "decisions.tasks.send_renewal_invitations": "default",
    "payments.tasks.render_payment_receipt": "pdf",
    "payments.tasks.render_bank_transfer_instructions": "pdf",
    "payments.tasks.deliver_test_gateway_webhook": "default",
    "payments.tasks.refund_card_payment": "default",
    "payments.tasks.sweep_payments": "default",
    "payments.tasks.expire_unpaid_bank_transfers": "default",
    "workers.tasks.email.send_notification": "email",
    "workers.tasks.maintenance.sweep_notification_outbox": "default",
}


def _registered_tasks() -> dict:
    app.loader.import_default_modules()  # what a worker does at start: autodiscover every app's tasks module
    return {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}


def _published_queue(task) -> str:
    """The queue a message of ``task`` is published to, as ``apply_async`` routes it."""
    # Arguments do not matter for routing: skip the signature check, not the routing.
    with (
        mock.patch.object(app.amqp, "send_task_message") as send,
        mock.patch.object(type(task), "typing", False),
    ):
        task.apply_async(args=[1])
    return send.call_args.kwargs["queue"].name


def test_queues_have_distinct_bindings():
    bindings = {(q.exchange.name, q.routing_key) for q in app.amqp.queues.values()}
    assert len(bindings) == len(QUEUES)


def test_every_registered_task_names_its_queue_and_is_published_there():
    tasks = _registered_tasks()
    assert set(KNOWN_QUEUES) <= set(tasks)
    for name, task in tasks.items():
        declared = type(task).__dict__.get("queue")
        assert declared in QUEUES, f"{name} must name its queue: @shared_task(queue=...)"
        assert _published_queue(task) == declared, name
        if name.rsplit(".", 1)[-1].startswith("render_"):
            assert declared == "pdf", f"{name} renders a PDF: it belongs on the recycled pdf workers"


@pytest.mark.parametrize(("name", "queue"), sorted(KNOWN_QUEUES.items()))
def test_known_tasks_reach_their_queue(name, queue):
    assert _published_queue(_registered_tasks()[name]) == queue


@pytest.mark.parametrize(
    "name", ["payments.tasks.render_payment_receipt", "applications.tasks.expire_drafts"]
)
def test_a_task_sent_by_name_reaches_its_queue(name):
    """Beat and ``enqueue("app.tasks.name")`` publish by name: the task's own queue still applies."""
    _registered_tasks()
    with mock.patch.object(app.amqp, "send_task_message") as send:
        app.send_task(name, args=[1])
    assert send.call_args.kwargs["queue"].name == KNOWN_QUEUES[name]


def test_tasks_are_not_routed_by_name_patterns():
    assert not app.conf.task_routes


def test_only_json_is_accepted():
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_serializer == "json"
    assert app.conf.task_acks_late is True
    assert app.conf.task_time_limit


def test_a_worker_started_without_a_settings_module_does_not_run_on_local_settings():
    """Without DJANGO_SETTINGS_MODULE the Celery app takes the production settings, which refuse to start
    without real secrets, instead of local ones with DEBUG on and published secrets."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in ("DJANGO_SETTINGS_MODULE", "SECRET_KEY", "JWT_PRIVATE_KEY", "JWT_PRIVATE_KEY_FILE", "DEBUG")
    }
    script = (
        "from eservice.celery import app; from django.conf import settings; print('DEBUG', settings.DEBUG)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(settings.BASE_DIR),
        env={**env, "PYTHONPATH": str(settings.BASE_DIR)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "DEBUG True" not in result.stdout
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
