"""Production: refuses to start without real secrets and hosts; HTTPS-only cookies and HSTS."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, JWT_PRIVATE_KEY, JWT_PRIVATE_KEY_FILE, SECRET_KEY, env

DEBUG = False

if len(SECRET_KEY) < 50 or SECRET_KEY.startswith(("django-insecure", "local-only", "test-only")):
    raise ImproperlyConfigured("SECRET_KEY must be set to a random value of at least 50 characters.")
if not (JWT_PRIVATE_KEY or JWT_PRIVATE_KEY_FILE):
    raise ImproperlyConfigured("JWT_PRIVATE_KEY (or JWT_PRIVATE_KEY_FILE) must hold the API signing key.")
if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must list this service's host names.")

# The built-in test gateway takes no money: off in production unless named in PAYMENT_PROVIDERS on purpose.
PAYMENT_PROVIDERS = env.list("PAYMENT_PROVIDERS", default=[])
PAYMENT_TEST_GATEWAY_SECRET = env.str("PAYMENT_TEST_GATEWAY_SECRET", default="")
if "test_gateway" in PAYMENT_PROVIDERS and (
    len(PAYMENT_TEST_GATEWAY_SECRET) < 32
    or PAYMENT_TEST_GATEWAY_SECRET.startswith(("local-only", "test-only"))
):
    raise ImproperlyConfigured(
        "PAYMENT_TEST_GATEWAY_SECRET must be a random value of at least 32 characters when the test gateway is on."
    )

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = 31_536_000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
