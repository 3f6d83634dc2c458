"""gunicorn.conf.py: what each worker does once the application is loaded."""

from __future__ import annotations

import gc
import runpy
from pathlib import Path

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
