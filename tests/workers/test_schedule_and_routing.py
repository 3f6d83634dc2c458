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


def test_every_scheduled_job_is_sent_to_its_tasks_queue():
    """Beat publishes by name; each job lands on the queue its task declares (pdf for none of them)."""
    app.loader.import_default_modules()
    for name, entry in BEAT_SCHEDULE.items():
        task = app.tasks[entry["task"]]
        assert type(task).__dict__.get("queue") == "default", name


def test_the_outbox_sweep_runs_every_minute():
    assert BEAT_SCHEDULE["sweep-notification-outbox"]["schedule"] <= 60


def test_pdf_worker_processes_are_recycled():
    assert app.conf.worker_max_tasks_per_child
    assert app.conf.worker_max_memory_per_child
