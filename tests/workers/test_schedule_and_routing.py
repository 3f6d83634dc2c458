from __future__ import annotations

from celery.schedules import crontab

from eservice.celery import app
from workers.schedule import BEAT_SCHEDULE


def test_beat_schedule_is_wired_into_the_app():
    assert app.conf.beat_schedule == BEAT_SCHEDULE


def test_every_scheduled_job_is_a_registered_task():
    app.loader.import_default_modules()
    for name, entry in BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, name


def test_sweep_runs_every_few_minutes_and_token_clean_up_daily():
    assert BEAT_SCHEDULE["sweep-notification-outbox"]["schedule"] <= 600
    daily = BEAT_SCHEDULE["delete-expired-tokens"]["schedule"]
    assert isinstance(daily, crontab)
    assert daily.hour == {3}


def _queue_of(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


def test_tasks_are_routed_to_their_queues():
    app.loader.import_default_modules()
    assert _queue_of("workers.tasks.email.send_notification") == "email"
    assert _queue_of("workers.tasks.pdf.render_sample_letter") == "pdf"
    assert _queue_of("workers.tasks.maintenance.sweep_notification_outbox") == "default"
    assert _queue_of("workers.tasks.maintenance.delete_expired_tokens") == "default"


def test_pdf_worker_processes_are_recycled():
    assert app.conf.worker_max_tasks_per_child
    assert app.conf.worker_max_memory_per_child
