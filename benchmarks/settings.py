"""Settings of the applications benchmark: the test settings, a file database, and a bare JSON view's URL."""

import os
import tempfile
from pathlib import Path

from eservice.settings.test import *  # noqa: F403

BENCH_DIR = Path(os.environ.get("BENCH_DIR") or tempfile.mkdtemp(prefix="bench-applications-"))
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(BENCH_DIR / "bench.sqlite3"),
        "CONN_MAX_AGE": 60,
        "OPTIONS": {"timeout": 20},
    }
}
ROOT_URLCONF = "benchmarks.urls"
LOGGING = {"version": 1, "disable_existing_loggers": True, "root": {"level": "ERROR", "handlers": []}}
# One signing key for this process and the gunicorn it starts (the test settings make one per process).
JWT_PRIVATE_KEY_FILE = str(BENCH_DIR / "jwt" / "signing-key.pem")
MEDIA_ROOT = BENCH_DIR / "media"
