"""gunicorn.conf.py: what each worker does once the application is loaded."""

from __future__ import annotations

import gc
import runpy
from pathlib import Path

from django.utils import timezone

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def test_a_worker_freezes_what_the_loaded_application_holds():
    hooks = runpy.run_path(str(CONF))
    try:
        gc.unfreeze()
        hooks["post_worker_init"](worker=None)
        assert gc.get_freeze_count() > 0
        assert (
            len(gc.get_objects(generation=2)) < gc.get_freeze_count()
        )  # the full collection's share is small
    finally:
        gc.unfreeze()
        timezone.deactivate()


def test_a_worker_answers_in_the_default_time_zone_made_the_active_one(settings):
    hooks = runpy.run_path(str(CONF))
    try:
        hooks["post_worker_init"](worker=None)
        assert timezone._active.value is timezone.get_default_timezone()  # active: no look-up that raises
        assert timezone.get_current_timezone_name() == settings.TIME_ZONE
        with timezone.override("UTC"):
            assert timezone.get_current_timezone_name() == "UTC"
        assert timezone.get_current_timezone_name() == settings.TIME_ZONE
    finally:
        gc.unfreeze()
        timezone.deactivate()
