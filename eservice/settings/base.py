"""Settings shared by every environment, built from environment variables.

Secrets have no default here: ``local.py`` and ``test.py`` supply harmless ones, ``production.py`` refuses to
start without real ones.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parents[2]
env = environ.Env()

# All local state (database, broker folders, media, mail, keys) lives under var/ (git-ignored).
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Absolute base of links in e-mails and PDFs (verification links, decision letters).
# Not derived from PORT: a process manager gives every process its own PORT (`make run` sets SITE_URL for all).
SITE_URL = env.str("SITE_URL", default="http://localhost:8000").rstrip("/")

INSTALLED_APPS = [
    "modeltranslation",  # must precede django.contrib.admin
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "identity",
    "applications",
    "payments",
    "decisions",
    "workers",
]

MIDDLEWARE = [
    # A JWT request to /api/ takes API_MIDDLEWARE (below) straight to its view; everything else goes on here.
    "eservice.middleware.BearerApiMiddleware",
    # First, so it also sees a 400 raised by a middleware (a disallowed Host): styled 4xx pages in DEBUG too,
    # a body for a bare 405. It keeps the security headers the inner middlewares set.
    "eservice.errors.ClientErrorPageMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # A lost database is a 503 (JSON or page), not a 500; a rate limit is RATELIMIT_VIEW's 429.
    "eservice.errors.ExceptionResponseMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "eservice.middleware.UntouchedSessionMiddleware",  # SessionMiddleware, an untouched visitor's session skipped
    "eservice.middleware.UnprefixedLocaleMiddleware",  # LocaleMiddleware, not looking for a language in the path
    "eservice.middleware.HostCheckedCommonMiddleware",  # CommonMiddleware, a host that passed not checked again
    "eservice.request_guards.QueryStringGuardMiddleware",  # ?x=%00 is a 400, not a database error
    "django.middleware.csrf.CsrfViewMiddleware",
    # The session's user, with django-otp's is_verified(); an unverified staff session may only enrol TOTP.
    "eservice.middleware.SessionUserMiddleware",
    "eservice.middleware.PrivateResponseMiddleware",  # Cache-Control: private, no-store for personal data
    "eservice.middleware.BrowserMessageMiddleware",
    "eservice.middleware.FramingPolicyMiddleware",  # django-csp's (the static policy built once), X-Frame-Options
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]
# The part of MIDDLEWARE a JWT request to the API needs (eservice.middleware.BearerApiMiddleware), in its order.
API_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "eservice.errors.ExceptionResponseMiddleware",
    "eservice.middleware.UnprefixedLocaleMiddleware",
    "eservice.middleware.HostCheckedCommonMiddleware",
    "eservice.request_guards.QueryStringGuardMiddleware",
    "eservice.middleware.PrivateResponseMiddleware",
    "eservice.middleware.FramingPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "eservice.urls"
WSGI_APPLICATION = "eservice.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "eservice.navigation.main_navigation",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend with a health check that reads the socket instead of sending SELECT 1 on every request.
    DATABASES["default"]["ENGINE"] = "eservice.postgresql"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Behind pgbouncer in transaction pooling mode a server-side cursor may not outlive its transaction: turn them
# off there (docs/deployment.md). Direct connections keep them.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool(
    "DATABASE_DISABLE_SERVER_SIDE_CURSORS", default=False
)
# The hottest reads (the API token's user, list pages) run as prepared statements (eservice.db): turn off behind a
# pooler in transaction mode that does not keep prepared statements (pgbouncer before 1.21).
DATABASE_PREPARED_STATEMENTS = env.bool("DATABASE_PREPARED_STATEMENTS", default=True)
if DATABASE_PREPARED_STATEMENTS and DATABASES["default"]["ENGINE"] == "eservice.postgresql":
    # psycopg then prepares what eservice.db asks it to, and nothing else: Django's own cursors bind values on the
    # client side, which never prepares; no other statement reaches the (unreachable) automatic threshold.
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 2**31 - 1
# The test suite turns this on: each list page given as a compiled-once statement (eservice.json_rows.Statement)
# is also compiled as usual and the two compared, so a statement whose SQL depends on its values fails loudly.
JSON_ROWS_CHECK_STATEMENTS = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, worker, beat) share the file: wait for locks instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://eservice")}

AUTH_USER_MODEL = "identity.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out credentials before any check
    "identity.backends.AccountBackend",  # ModelBackend hashing once per attempt, also for inactive accounts
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "identity:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 2
EMAIL_VERIFICATION_MAX_AGE = env.int("EMAIL_VERIFICATION_MAX_AGE", default=60 * 60 * 48)

# Reverse proxies in front of the app; the client address is this many hops back (identity/client_address.py).
PROXY_COUNT = env.int("PROXY_COUNT", default=0)

# Login lockout (django-axes): per address+e-mail, on pages and the API alike. Failures from many addresses
# do not lock an account: they slow it down (identity/signin_pace.py), so nobody can lock a colleague out.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["ip_address", "username"]]
AXES_USERNAME_FORM_FIELD = "email"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "identity.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "identity.client_address.client_ip"
# Per account, from any address: after this many failures each further attempt waits 1, 2, 4, ... seconds
# (at most the maximum) after the previous one.
SIGNIN_SLOWDOWN_AFTER = env.int("SIGNIN_SLOWDOWN_AFTER", default=5)
SIGNIN_SLOWDOWN_MAX_SECONDS = env.int("SIGNIN_SLOWDOWN_MAX_SECONDS", default=60)

# Rate limits (django-ratelimit, counted in the cache).
RATELIMIT_ENABLE = env.bool("RATELIMIT_ENABLE", default=True)
RATELIMIT_VIEW = "identity.lockout.ratelimited_response"
CSRF_FAILURE_VIEW = "eservice.errors.csrf_failure"
RATELIMIT_LOGIN = env.str("RATELIMIT_LOGIN", default="10/m")  # one budget: sign-in page, TOTP step, token API
RATELIMIT_REGISTER = env.str("RATELIMIT_REGISTER", default="5/h")
RATELIMIT_VERIFY = env.str("RATELIMIT_VERIFY", default="30/m")  # /verify/ look-ups per client address
RATELIMIT_PASSWORD_RESET = env.str("RATELIMIT_PASSWORD_RESET", default="5/h")
RATELIMIT_CLAIM_CODE = env.str(
    "RATELIMIT_CLAIM_CODE", default="10/h"
)  # counter claim-code attempts per client address

# OTP
OTP_TOTP_ISSUER = "OCMA e-service"

# Internationalisation
LANGUAGE_CODE = "lv"
LANGUAGES = [("lv", "Latviešu"), ("en", "English"), ("ru", "Русский")]
MODELTRANSLATION_DEFAULT_LANGUAGE = "lv"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("lv", "en")
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["eservice.formats"]
TIME_ZONE = "Europe/Riga"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"  # never served directly: downloads go through permission-checked views

# File storage: local folder by default, S3-compatible when a bucket is configured.
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }

# Uploads: file data is checked per document type; these caps bound what reaches the view at all.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200
DATA_UPLOAD_MAX_NUMBER_FILES = 5
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_PERMISSIONS = 0o640
# Document content checks (applications/uploads.py); each document type also has its own size limit.
UPLOAD_MAX_FILE_BYTES = env.int("UPLOAD_MAX_FILE_BYTES", default=20 * 1024 * 1024)
UPLOAD_MAX_IMAGE_PIXELS = env.int("UPLOAD_MAX_IMAGE_PIXELS", default=40_000_000)
UPLOAD_MAX_PDF_PAGES = env.int("UPLOAD_MAX_PDF_PAGES", default=60)
UPLOAD_MAX_PDF_DECOMPRESSED_BYTES = env.int("UPLOAD_MAX_PDF_DECOMPRESSED_BYTES", default=50_000_000)
# Per applicant (applications/services/limits.py; off with RATELIMIT_ENABLE): uploads per period, MB per day.
UPLOAD_RATE = env.str("UPLOAD_RATE", default="10/m")
UPLOAD_QUOTA_MB_PER_DAY = env.int("UPLOAD_QUOTA_MB_PER_DAY", default=200)
# Uploaded PDFs are rebuilt (applications/pdf_rebuild.py): all their streams together may decode to this much,
# and the pages may reach this many objects.
UPLOAD_MAX_PDF_TOTAL_DECOMPRESSED_BYTES = env.int(
    "UPLOAD_MAX_PDF_TOTAL_DECOMPRESSED_BYTES", default=300_000_000
)
UPLOAD_MAX_PDF_OBJECTS = env.int("UPLOAD_MAX_PDF_OBJECTS", default=200_000)
# Messages on a case (applications/case_messages): the longest text, and the attachments of one message (each
# checked like a document upload, PDF/JPEG/PNG up to this size; the upload rate and quota above apply too).
MESSAGE_MAX_LENGTH = env.int("MESSAGE_MAX_LENGTH", default=5000)
MESSAGE_MAX_ATTACHMENTS = env.int("MESSAGE_MAX_ATTACHMENTS", default=3)
MESSAGE_ATTACHMENT_MAX_BYTES = env.int("MESSAGE_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)

# Applications: drafts untouched this long expire, after a warning this many days before.
APPLICATION_DRAFT_EXPIRY_DAYS = env.int("APPLICATION_DRAFT_EXPIRY_DAYS", default=90)
APPLICATION_DRAFT_WARNING_DAYS = env.int("APPLICATION_DRAFT_WARNING_DAYS", default=14)
# Complaints against decisions (decisions/complaints.py): the Office answers within this many months of receipt
# (moved to the next working day when it ends on a day off).
COMPLAINT_ANSWER_MONTHS = env.int("COMPLAINT_ANSWER_MONTHS", default=1)
# Drafts one applicant may have open at a time (more is refused with 429 too_many_drafts).
APPLICATION_MAX_OPEN_DRAFTS = env.int("APPLICATION_MAX_OPEN_DRAFTS", default=10)
# The unit that handles a submitted application when no other rule applies (a TerritorialUnit code).
APPLICATIONS_DEFAULT_UNIT_CODE = env.str("APPLICATIONS_DEFAULT_UNIT_CODE", default="")
# Registration of a granted permit: the applicant registers within this many days of the positive decision,
# and is reminded once this many days before that day.
REGISTRATION_DEADLINE_DAYS = env.int("REGISTRATION_DEADLINE_DAYS", default=90)
REGISTRATION_REMINDER_DAYS = env.int("REGISTRATION_REMINDER_DAYS", default=14)

# Visits at the units (applications/appointments/): free slots are generated this many working days ahead
# (beat job, daily); an applicant may move a booked visit this many times and may move or cancel it until this
# many hours before it starts.
VISIT_SLOT_HORIZON_WORKING_DAYS = env.int("VISIT_SLOT_HORIZON_WORKING_DAYS", default=30)
VISIT_MAX_RESCHEDULES = env.int("VISIT_MAX_RESCHEDULES", default=2)
VISIT_CHANGE_CUTOFF_HOURS = env.int("VISIT_CHANGE_CUTOFF_HOURS", default=24)

# Functions that build an e-mail attachment when the outbox sends the mail (workers.services.notify): only these.
NOTIFICATION_ATTACHMENT_BUILDERS = frozenset({"applications.appointments.ics.visit_ics_attachment"})

# E-mail: SMTP when EMAIL_URL is set, otherwise files under var/mail/.
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="OCMA e-service <noreply@pmlp.gov.lv>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_FILE_PATH = VAR_DIR / "mail"
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_TIMEOUT = 10

# Security headers (production.py turns on the HTTPS-only parts).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# X-Frame-Options is written by eservice.middleware.FramingPolicyMiddleware (with the CSP, in one layer), not by
# Django's XFrameOptionsMiddleware, which this check looks for by name (tests/eservice/test_framing_policy.py).
SILENCED_SYSTEM_CHECKS = ["security.W002"]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 8
CSRF_COOKIE_HTTPONLY = True
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# REST API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "identity.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "eservice.parsers.SafeJSONParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "eservice.negotiation.ApiContentNegotiation",
    "DEFAULT_SCHEMA_CLASS": "eservice.schema.ApiAutoSchema",
    "EXCEPTION_HANDLER": "eservice.exceptions.api_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "eservice.pagination.ApiPagination",
    "PAGE_SIZE": 50,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OCMA residence permit e-service API",
    "DESCRIPTION": "Apply for a Latvian residence permit remotely; back-office case handling.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "PaymentPurposeEnum": "payments.models.PaymentPurpose",
        "PurposeCodeEnum": "applications.models.catalogue.Purpose.Code",
        "ApplicationEventKindEnum": "applications.models.application.ApplicationEvent.Kind",
        "ApplicationKindCodeEnum": "applications.models.catalogue.ApplicationKind.Code",
        "DataExportStateEnum": "identity.mydata.models.DataExport.State",
        # The application's state keeps its name now that a data export has a "state" too.
        "StateEnum": "applications.models.application.State",
        "PersonRelationshipEnum": "applications.models.application.PersonRelationship",
    },
}

# JWT (identity/tokens.py). The signing key is a PEM private key (RS256 or ES256); its kid is derived from it.
JWT_PRIVATE_KEY = env.str("JWT_PRIVATE_KEY", default="").replace("\\n", "\n")
JWT_PRIVATE_KEY_FILE = env.str("JWT_PRIVATE_KEY_FILE", default="")
# Public keys still accepted after a rotation (PEM, separated by blank lines); published in the JWKS.
JWT_PREVIOUS_PUBLIC_KEYS = env.str("JWT_PREVIOUS_PUBLIC_KEYS", default="").replace("\\n", "\n")
JWT_ISSUER = env.str("JWT_ISSUER", default=SITE_URL)
JWT_AUDIENCE = env.str("JWT_AUDIENCE", default="ocma-eservice-api")
JWT_ACCESS_TTL = timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=10))
JWT_REFRESH_TTL = timedelta(days=env.int("JWT_REFRESH_DAYS", default=7))
JWT_LEEWAY_SECONDS = 30
JWT_MAX_TOKEN_LENGTH = 4096

# Celery. Without CELERY_BROKER_URL a filesystem broker under var/ needs no server (make run on a laptop).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem://")
    else {"visibility_timeout": 3600}
)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Without this, Celery's Django fix-up closes every database connection before and after each task, so each task
# paid for a new PostgreSQL session and its cold catalogue caches (20-30 ms for the letter task). With it, the
# fix-up closes them only every this many tasks, and eservice/celery.py applies Django's own rules around each
# task as around a request: CONN_MAX_AGE, and CONN_HEALTH_CHECKS for a connection the database dropped.
CELERY_DB_REUSE_MAX = 1000
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES_NAMES = ("default", "email", "pdf")
# No routes by name: every task names its queue in its decorator (tests/eservice/test_celery_routing.py checks).
# WeasyPrint does not give memory back to the OS: recycle worker processes.
CELERY_WORKER_MAX_TASKS_PER_CHILD = env.int("CELERY_WORKER_MAX_TASKS_PER_CHILD", default=100)
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", default=400_000)  # KiB
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# Payments. Card providers enabled by name (payments/providers/__init__.py); the built-in test gateway signs its
# webhooks with PAYMENT_TEST_GATEWAY_SECRET (no default here: local.py and test.py set a harmless one).
PAYMENT_PROVIDERS = env.list("PAYMENT_PROVIDERS", default=["test_gateway"])
PAYMENT_CARD_PROVIDER = env.str("PAYMENT_CARD_PROVIDER", default="test_gateway")
PAYMENT_TEST_GATEWAY_SECRET = env.str("PAYMENT_TEST_GATEWAY_SECRET", default="")
# How the test gateway delivers its webhooks: "inprocess" (a worker calls the handler) or "http" (POST to SITE_URL).
PAYMENT_TEST_GATEWAY_DELIVERY = env.str("PAYMENT_TEST_GATEWAY_DELIVERY", default="inprocess")
PAYMENT_TEST_GATEWAY_DELAY_SECONDS = env.int("PAYMENT_TEST_GATEWAY_DELAY_SECONDS", default=20)
PAYMENT_WEBHOOK_TOLERANCE_SECONDS = env.int("PAYMENT_WEBHOOK_TOLERANCE_SECONDS", default=300)
# What an applicant gets back when withdrawing a paid application before review: "full" or "none".
PAYMENTS_REFUND_ON_WITHDRAWAL = env.str("PAYMENTS_REFUND_ON_WITHDRAWAL", default="full")
# An unpaid bank transfer expires this many days after it was opened (a daily beat job; the applicant is told).
PAYMENT_BANK_TRANSFER_EXPIRY_DAYS = env.int("PAYMENT_BANK_TRANSFER_EXPIRY_DAYS", default=14)

# The Office's electronic seal on decision letters (decisions/seal.py): a PKCS#12 file and its password.
SEAL_PKCS12_FILE = env.str("SEAL_PKCS12_FILE", default="")
SEAL_PKCS12_PASSWORD = env.str("SEAL_PKCS12_PASSWORD", default="")
SEAL_GENERATE_MISSING = False

# My data (identity/mydata): how long the link to a prepared archive of everything we hold about an applicant
# works, in hours. After that the link answers 410 and the archive file is deleted by the retention job.
MY_DATA_EXPORT_LINK_HOURS = env.int("MY_DATA_EXPORT_LINK_HOURS", default=72)
# Retention after an applicant closes their account (identity/mydata/retention.py), per record type, in days.
# The periods are ASSUMPTIONS to be verified with the Office's records schedule (lietu nomenklatūra) and the
# Archives Law / Personal Data Processing Law; decisions with their letters and payments are never deleted by
# this job (the Office must keep them: the Immigration Law's case files and the Accounting Law, 5 years+).
MY_DATA_RETENTION_DAYS = {
    # The account's profile (names, passport, phone): to be verified; assumed 1 year after closing.
    "profile": env.int("MY_DATA_RETENTION_PROFILE_DAYS", default=365),
    # Applications with no decision (drafts, withdrawn, expired) and every uploaded document: to be verified;
    # assumed 5 years, the limitation period of administrative offences and of the Office's case files.
    "applications": env.int("MY_DATA_RETENTION_APPLICATIONS_DAYS", default=5 * 365),
    # Information requests and answers of applications without a decision: to be verified; as applications.
    "information_requests": env.int("MY_DATA_RETENTION_INFORMATION_REQUESTS_DAYS", default=5 * 365),
    # "Who opened my file" lines: to be verified; assumed 2 years (the access log's own audit period).
    "access_log": env.int("MY_DATA_RETENTION_ACCESS_LOG_DAYS", default=2 * 365),
    # Sent e-mails kept in the outbox (their context names the person): to be verified; assumed 90 days.
    "notifications": env.int("MY_DATA_RETENTION_NOTIFICATIONS_DAYS", default=90),
}

# Expiry → repeated permit (applications/renewals): how many days before a granted permit expires its holder is
# invited, once, to apply for a repeated permit (e-mail and dashboard).
PERMIT_RENEWAL_INVITATION_DAYS = env.int("PERMIT_RENEWAL_INVITATION_DAYS", default=60)

# The Office, as named in e-mail signatures and letters.
OFFICE_NAME = _("Office of Citizenship and Migration Affairs")
OFFICE_INFO_PHONE = env.str("OFFICE_INFO_PHONE", default="+371 67209400")
OFFICE_EMAIL = env.str("OFFICE_EMAIL", default="pmlp@pmlp.gov.lv")
# The migration information line (invitations, residence permits, visas), answered on working days.
OFFICE_MIGRATION_PHONE = env.str("OFFICE_MIGRATION_PHONE", default="+371 67209600")
OFFICE_MIGRATION_PHONE_HOURS = env.str("OFFICE_MIGRATION_PHONE_HOURS", default="8:30–16:00")
OFFICE_ADDRESS = env.str("OFFICE_ADDRESS", default="Čiekurkalna 1. līnija 1, k-3, Rīga, LV-1026")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # A 4xx is logged as one line, without the traceback Django attaches (eservice/logfilters.py).
    "filters": {"client_errors": {"()": "eservice.logfilters.ClientErrorLogFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["client_errors"]}
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.request": {"filters": ["client_errors"]},
        # Django's own default handler for "django" prints 4xx tracebacks in DEBUG: drop it, so its records
        # reach the root's (filtered) console handler only.
        "django": {"handlers": [], "level": "INFO"},
    },
}
JWT_GENERATE_MISSING_KEY = False
