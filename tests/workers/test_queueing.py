"""Queueing after commit never fails the request that committed, and what was not queued is picked up later."""

from unittest import mock

import pytest

from payments.tasks import render_payment_receipt as receipt_task
from workers.queueing import enqueue, enqueue_on_commit

pytestmark = pytest.mark.django_db


def test_broker_down_at_commit_is_logged_not_raised(django_capture_on_commit_callbacks, caplog):
    with (
        mock.patch.object(receipt_task, "delay", side_effect=ConnectionRefusedError("broker down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        enqueue_on_commit(receipt_task, 42)
    assert "task.enqueue_failed" in caplog.text


def test_enqueue_passes_a_countdown_through():
    with mock.patch.object(receipt_task, "apply_async") as apply_async:
        assert enqueue(receipt_task, 7, countdown=20) is True
    apply_async.assert_called_once_with(args=(7,), countdown=20)


def test_a_task_is_scheduled_by_its_registered_name(django_capture_on_commit_callbacks):
    with (
        mock.patch.object(receipt_task, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        enqueue_on_commit("payments.tasks.render_payment_receipt", 42)
    delay.assert_called_once_with(42)


def test_a_misspelt_task_name_fails_in_the_caller_not_after_commit():
    with pytest.raises(KeyError, match=r"payments\.tasks\.render_payment_reciept"):
        enqueue_on_commit("payments.tasks.render_payment_reciept", 42)
