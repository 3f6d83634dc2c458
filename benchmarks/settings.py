"""Settings of the gunicorn that the applications benchmark starts: the laptop settings plus the baseline view."""

from eservice.settings.local import *  # noqa: F403

DEBUG = False
ROOT_URLCONF = "benchmarks.urls"
LOGGING = {"version": 1, "disable_existing_loggers": True, "root": {"level": "ERROR", "handlers": []}}
