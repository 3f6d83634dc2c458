"""A developer's laptop (``make run``): harmless secrets, everything under var/."""

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, SECRET_KEY, VAR_DIR, env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = SECRET_KEY or "local-only-not-secret-0c7f5b8e6a1d4e2f9b3a7c6d5e4f3a2b1c0d9e8f7a6b"
ALLOWED_HOSTS = ALLOWED_HOSTS or ["localhost", "127.0.0.1", "[::1]"]
# A local signing key is generated on first use (identity.tokens) unless JWT_PRIVATE_KEY is given.
JWT_PRIVATE_KEY_FILE = env.str("JWT_PRIVATE_KEY_FILE", default=str(VAR_DIR / "jwt" / "signing-key.pem"))
JWT_GENERATE_MISSING_KEY = True
# Likewise a self-signed test seal for decision letters, unless SEAL_PKCS12_FILE names the Office's own.
SEAL_PKCS12_FILE = env.str("SEAL_PKCS12_FILE", default=str(VAR_DIR / "seal" / "test-seal.p12"))
SEAL_GENERATE_MISSING = True
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
PAYMENT_TEST_GATEWAY_SECRET = env.str(
    "PAYMENT_TEST_GATEWAY_SECRET", default="local-only-test-gateway-secret-not-for-production"
)
