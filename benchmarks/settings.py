"""Settings of the gunicorn that the applications benchmark starts: the laptop settings plus the baseline view."""

from eservice.settings.local import *  # noqa: F403

DEBUG = False
# As in production: whitenoise reads its file list once, not on every request (the laptop settings rescan).
WHITENOISE_AUTOREFRESH = False
WHITENOISE_USE_FINDERS = False
# The cache of a deployment with several processes (rate limits, sign-in pace), when given.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://bench")}  # noqa: F405
ROOT_URLCONF = "benchmarks.urls"
LOGGING = {"version": 1, "disable_existing_loggers": True, "root": {"level": "ERROR", "handlers": []}}
