"""The test suite: fast hasher, locmem mail, temporary media, no rate limits unless a test turns them on."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import BASE_DIR, env

DEBUG = False
SECRET_KEY = "test-only-not-secret-7d1c5a9e3b8f4a6c2e0d9b7a5c3e1f8d6b4a2c0e9f7d5b3a"
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
if env.str("EMAIL_URL", default=""):  # a worker process started by an integration test talks to real SMTP
    vars().update(env.email_url("EMAIL_URL"))
VAR_DIR = Path(tempfile.mkdtemp(prefix="eservice-test-"))
MEDIA_ROOT = Path(
    env.str("MEDIA_ROOT", default=str(VAR_DIR / "media"))
)  # shared with a test's worker process
JWT_PRIVATE_KEY_FILE = str(VAR_DIR / "jwt" / "signing-key.pem")
SEAL_PKCS12_FILE = str(VAR_DIR / "seal" / "test-seal.p12")
SEAL_GENERATE_MISSING = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATICFILES_DIRS = [BASE_DIR / "static"]
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="memory://")
CELERY_BROKER_TRANSPORT_OPTIONS = {}
CELERY_TASK_ALWAYS_EAGER = False
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}}
RATELIMIT_ENABLE = False
AXES_ENABLED = True
JSON_ROWS_CHECK_STATEMENTS = True
LANGUAGE_CODE = "en"
JWT_GENERATE_MISSING_KEY = True
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
PAYMENT_TEST_GATEWAY_SECRET = "test-only-test-gateway-secret"
PAYMENT_PROVIDERS = ["test_gateway"]
PAYMENT_TEST_GATEWAY_DELIVERY = "inprocess"
