"""The Celery app: JSON only, late acks, three queues; the beat schedule lives in workers/schedule.py.

Every task names its queue in its decorator (``@shared_task(queue="pdf")``); tasks live beside their services
in each app's ``tasks.py`` and are found by autodiscovery over the installed apps.
"""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun
from kombu import Exchange, Queue

from workers.schedule import BEAT_SCHEDULE

# Like wsgi.py: a worker or beat started without DJANGO_SETTINGS_MODULE runs the production settings, which refuse
# to start without real secrets, rather than local ones (DEBUG on, published secrets). `make run` names local.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eservice.settings.production")

QUEUES = ("default", "email", "pdf")

app = Celery("eservice")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Each queue gets its own exchange and routing key. A bare Queue(name) would be bound to the default exchange
# with the default key, so a direct exchange would copy every message into all three queues.
app.conf.task_queues = [Queue(name, Exchange(name, type="direct"), routing_key=name) for name in QUEUES]
app.autodiscover_tasks()  # the tasks module of every installed app
app.conf.beat_schedule = BEAT_SCHEDULE


@app.on_after_configure.connect
def _prepare_filesystem_broker(sender: Celery, **kwargs: object) -> None:
    """The filesystem transport expects its folders to exist."""
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "control_folder"):
        if options.get(key):
            os.makedirs(options[key], exist_ok=True)


@task_prerun.connect
@task_postrun.connect
def _close_old_connections(task: object = None, **kwargs: object) -> None:
    """Around each task, what Django does around each request: close a connection that is past CONN_MAX_AGE,
    broken, or left in a transaction, and health-check the rest before their next use (CONN_HEALTH_CHECKS).
    Celery keeps connections open between tasks because CELERY_DB_REUSE_MAX is set (settings/base.py). A task
    run eagerly (tests) runs inside its caller's transaction, whose connection must stay as it is."""
    if getattr(getattr(task, "request", None), "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
