"""Settings for web processes (gunicorn) started by integration tests: the test settings, with the cache and the
rate limits taken from the environment, so several processes share them in Redis as in production."""

from eservice.settings.test import *  # noqa: F403
from eservice.settings.test import env

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://tests")}
RATELIMIT_ENABLE = env.bool("RATELIMIT_ENABLE", default=False)
# Persistent connections, as in production: a restarted database must be noticed, not only a fresh connection.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)  # noqa: F405
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
# Static files from the apps' folders, as `make run` serves them: no collectstatic step before a test.
WHITENOISE_USE_FINDERS = True
