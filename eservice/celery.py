"""The Celery app: JSON only, late acks, three queues; the beat schedule lives in workers/schedule.py."""

import os

from celery import Celery
from kombu import Exchange, Queue

from workers.schedule import BEAT_SCHEDULE

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eservice.settings.local")

QUEUES = ("default", "email", "pdf")

app = Celery("eservice")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Each queue gets its own exchange and routing key. A bare Queue(name) would be bound to the default exchange
# with the default key, so a direct exchange would copy every message into all three queues.
app.conf.task_queues = [Queue(name, Exchange(name, type="direct"), routing_key=name) for name in QUEUES]
app.autodiscover_tasks(["workers", "decisions"], related_name="tasks")
app.conf.beat_schedule = BEAT_SCHEDULE


@app.on_after_configure.connect
def _prepare_filesystem_broker(sender: Celery, **kwargs: object) -> None:
    """The filesystem transport expects its folders to exist."""
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "control_folder"):
        if options.get(key):
            os.makedirs(options[key], exist_ok=True)
