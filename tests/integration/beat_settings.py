"""Settings of a worker process with embedded beat started by tests/integration/test_beat_live.py: the test
settings, with the real schedule of workers/schedule.py except that the notification outbox sweep is due every
``BEAT_SWEEP_SECONDS`` (default 2) instead of every minute, so a test sees it fire within seconds."""

import os

from eservice.settings.test import *  # noqa: F403
from workers.schedule import BEAT_SCHEDULE

# eservice/celery.py hands this very dict to beat (app.conf.beat_schedule), and that assignment wins over any
# CELERY_BEAT_SCHEDULE setting: the entry is shortened in place, the task, queue and other jobs stay as they are.
BEAT_SCHEDULE["sweep-notification-outbox"] = {
    **BEAT_SCHEDULE["sweep-notification-outbox"],
    "schedule": float(os.environ.get("BEAT_SWEEP_SECONDS", "2")),
}
