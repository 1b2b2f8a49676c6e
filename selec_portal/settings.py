"""Settings for the SELEC project portal.

Everything that differs between a laptop and production comes from the environment, read by the small typed
helpers below, which fail loudly on a value they do not understand. The defaults are safe: debug is off, and
then the portal refuses to start without a secret key, or on SQLite or the embedded Celery broker unless told
(`PORTAL_ALLOW_EMBEDDED`). `make run` turns debug on (`DJANGO_DEBUG=true`) for development, where it works on a
fresh machine with nothing installed but Python; the tests use `selec_portal/settings_test.py`.
"""

import base64
import os
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use true or false")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

_DEV_SECRET_KEY = "dev-only-insecure-secret-key-do-not-use-in-production"
SECRET_KEY = env_str("DJANGO_SECRET_KEY", _DEV_SECRET_KEY if DEBUG else "")
if not DEBUG and (SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a long random value (50+ characters) when DJANGO_DEBUG is false"
    )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "selec_portal.apps.PortalAdminConfig",  # django.contrib.admin, for superusers only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_celery_beat",
    "projects",
    "conferences",
    "operations",
    "imobex",
    "reporting",
    "api",  # before drf_spectacular: its template of the Swagger UI page replaces the package's
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Login and accounts (see "Accounts and login" below)
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "axes",
    "accounts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "projects.middleware.RejectNullCharactersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "projects.middleware.RequestBodyLimitMiddleware",  # before anything reads the body (CSRF, the views)
    "projects.middleware.IdleSessionMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.SecondFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "projects.middleware.UserTimezoneMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out login into the lockout page
]

ROOT_URLCONF = "selec_portal.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
            ],
        },
    },
]

WSGI_APPLICATION = "selec_portal.wsgi.application"

# Database: DATABASE_URL (postgres://user:pass@host:5432/name) or a SQLite file for development. Connections are
# kept for DATABASE_CONN_MAX_AGE seconds and checked before a request reuses one (CONN_HEALTH_CHECKS), so a
# restarted PostgreSQL costs a reconnection, never an error page.
import dj_database_url  # noqa: E402

DATABASE_URL = env_str("DATABASE_URL", "")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=env_bool("DATABASE_CONN_HEALTH_CHECKS", True),
    )
    if DATABASE_URL
    else {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "var" / "db.sqlite3"}
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "projects:portfolio"
LOGOUT_REDIRECT_URL = "login"

# --- Accounts and login: django-allauth (login, 2FA, password reset, sessions) and django-axes (lockout) ---------
# Why these two, and the figures, in README.md "Security". Only administrators create accounts (no sign-up).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out (account, address) or address
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_ADAPTER = "accounts.adapter.PortalAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"  # e-mail addresses are set by administrators
ACCOUNT_SESSION_REMEMBER = False  # sessions end when the browser closes (SESSION_EXPIRE_AT_BROWSER_CLOSE)
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False  # this session goes on; the others end (accounts.signals)
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PRESERVE_USERNAME_CASING = False
# allauth's own rate limits live in the cache (Redis). Failed logins are counted by axes in the database instead,
# so that a Redis outage neither opens nor closes the door; the other limits (e-mails sent...) stay.
ACCOUNT_RATE_LIMITS = {"login": None, "login_failed": None}
PASSWORD_RESET_TIMEOUT = env_int("PORTAL_PASSWORD_RESET_MINUTES", 60) * 60  # the e-mailed link, single use
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env_str("PORTAL_TOTP_ISSUER", "SELEC portal")
MFA_TOTP_TOLERANCE = 1  # one 30-second step either side, for phones whose clock drifts
MFA_FORMS = {
    "authenticate": "accounts.forms.PortalAuthenticateForm",
    "reauthenticate": "accounts.forms.PortalReauthenticateForm",
}
# The client's address: X-Forwarded-For is believed only through this many proxies of ours (0: not at all).
PORTAL_TRUSTED_PROXIES = env_int("PORTAL_TRUSTED_PROXIES", 0)
ALLAUTH_TRUSTED_PROXY_COUNT = PORTAL_TRUSTED_PROXIES  # the address usersessions shows
AXES_CLIENT_IP_CALLABLE = "accounts.network.client_ip"
AXES_HANDLER = "accounts.lockout.PortalAxesHandler"  # the database, never the cache
AXES_FAILURE_LIMIT = 5  # failures of one account from one address...
PORTAL_LOCKOUT_ADDRESS_FAILURES = 20  # ...or of any accounts from one address
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]  # in this order (see accounts.lockout)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("PORTAL_LOCKOUT_MINUTES", 15))
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # the lock lasts 15 minutes from the fifth failure
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "accounts.lockout.username_of"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"  # status 429 (AXES_HTTP_RESPONSE_CODE)
AXES_VERBOSE = False

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates as the pages show them ("10 Dec 2026"), also in messages built with `django.utils.formats.date_format`.
FORMAT_MODULE_PATH = ["selec_portal.formats"]
DATE_FORMAT = "j M Y"  # the same outside any active language (a Celery task, a management command)
DATETIME_FORMAT = "j M Y H:i"
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True
# Shown to users who have not chosen a time zone of their own: SELEC sits in Bucharest.
PORTAL_DEFAULT_USER_TIME_ZONE = env_str("PORTAL_DEFAULT_USER_TIME_ZONE", "Europe/Bucharest")

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "var" / "staticfiles")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("DJANGO_MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
STORAGES = {
    # The file system, noting what it writes in a transaction: a rollback leaves no file behind (projects/files.py)
    "default": {"BACKEND": "projects.files.TransactionalFileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Uploads. A request body over PORTAL_MAX_UPLOAD_MB is refused (413) before it is read
# (projects.middleware.RequestBodyLimitMiddleware); the proxy in front refuses it first (nginx: client_max_body_size,
# see the README). The largest file a page accepts is 25 MB. Within the limit, an uploaded file over
# FILE_UPLOAD_MAX_MEMORY_SIZE is streamed to a temporary file rather than held in memory, and the fields of a form
# (its non-file part) may hold DATA_UPLOAD_MAX_MEMORY_SIZE.
PORTAL_MAX_UPLOAD_MB = env_int("PORTAL_MAX_UPLOAD_MB", 30)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # 2.5 MB
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FILES = 20

# Backups (manage.py backup / restore; docs/DEPLOYING.md, "Backups"). Archives hold personal data: written with mode
# 0600 and, when PORTAL_BACKUP_KEY is set (32 random bytes in URL-safe base64: `manage.py backup --generate-key`),
# encrypted. The default folder keeps the PORTAL_BACKUP_KEEP newest archives (0: all).
PORTAL_BACKUP_DIR = Path(env_str("PORTAL_BACKUP_DIR", str(BASE_DIR / "var" / "backups")))
PORTAL_BACKUP_KEEP = env_int("PORTAL_BACKUP_KEEP", 14)
PORTAL_BACKUP_KEY = env_str("PORTAL_BACKUP_KEY", "").strip()
if PORTAL_BACKUP_KEY:
    try:
        _backup_key_length = len(base64.urlsafe_b64decode(PORTAL_BACKUP_KEY.encode("ascii")))
    except ValueError:
        _backup_key_length = 0
    if _backup_key_length != 32:
        raise ImproperlyConfigured(
            "PORTAL_BACKUP_KEY must be 32 random bytes in URL-safe base64 (manage.py backup --generate-key)"
        )
if PORTAL_BACKUP_KEEP < 0:
    raise ImproperlyConfigured(f"PORTAL_BACKUP_KEEP={PORTAL_BACKUP_KEEP} cannot be negative (0 keeps every archive)")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# E-mail
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Seconds the SMTP client waits on the mail server (connect, each reply): a hung server fails the send, which the
# reminder's task retries, instead of holding a worker for good.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "SELEC portal <portal@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", "http://127.0.0.1:8000")

# Celery: Redis when REDIS_URL is set, otherwise kombu's file-system transport under var/ (no server needed).
REDIS_URL = env_str("REDIS_URL", "")
CELERY_BROKER_DIR = BASE_DIR / "var" / "celery"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    # A task taken by a worker and not acknowledged within this time is handed to another worker by Redis: it must
    # outlast the longest hard time limit (a system check says so), and the longest retry countdown (an hour).
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 2 * 3600)}
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_RESULT_BACKEND = f"file://{CELERY_BROKER_DIR / 'results'}"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),  # else kombu writes ./control in the working tree
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 7 * 24 * 3600
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Background work that survives a dead worker (README "Background work"). A worker takes one task at a time (a
# long task waiting behind another in a busy worker's prefetch would wait for nothing).
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Every task of the portal declares a soft and a hard time limit (seconds; system check projects.E005): past the
# soft one the task gets SoftTimeLimitExceeded and stops cleanly, past the hard one its process is killed. Short
# tasks (one e-mail, a sweep) take these, which are also the default of any other task...
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 120)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 180)
# ...long ones (a background job, a dispatch of reminders) these, and acknowledge late: a worker lost in the
# middle leaves the task to the broker (after the visibility timeout) and, sooner, to the sweeps below.
PORTAL_LONG_TASK_SOFT_TIME_LIMIT = env_int("PORTAL_LONG_TASK_SOFT_TIME_LIMIT", 15 * 60)
PORTAL_LONG_TASK_TIME_LIMIT = env_int("PORTAL_LONG_TASK_TIME_LIMIT", 16 * 60)
# A claim on a background job lasts this long and each progress report of the job extends it; a claim that ran
# out (its worker died) is given back to the queue by the sweep (beat, every minute), up to this many attempts.
PORTAL_JOB_LEASE_SECONDS = env_int("PORTAL_JOB_LEASE_SECONDS", 5 * 60)
PORTAL_JOB_MAX_ATTEMPTS = env_int("PORTAL_JOB_MAX_ATTEMPTS", 3)
# A reminder being sent is claimed for longer than its task may run (its hard limit), then swept back to pending;
# it is given up after this many attempts (transient mail errors and lost workers alike).
REPORTING_REMINDER_LEASE_SECONDS = env_int("REPORTING_REMINDER_LEASE_SECONDS", CELERY_TASK_TIME_LIMIT + 60)
REPORTING_REMINDER_MAX_ATTEMPTS = env_int("REPORTING_REMINDER_MAX_ATTEMPTS", 7)
# /healthz says "degraded" when a task has waited in the outbox longer than this (beat drains it every minute).
PORTAL_OUTBOX_LATE_SECONDS = env_int("PORTAL_OUTBOX_LATE_SECONDS", 300)

# Production runs on PostgreSQL and Redis: without debug, SQLite or the embedded broker only when asked for.
PORTAL_ALLOW_EMBEDDED = env_bool("PORTAL_ALLOW_EMBEDDED", False)
if not DEBUG and not PORTAL_ALLOW_EMBEDDED:
    _embedded = []
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        _embedded.append("SQLite (set DATABASE_URL=postgres://...)")
    if not REDIS_URL:
        _embedded.append("the embedded file-system Celery broker (set REDIS_URL=redis://...)")
    if _embedded:
        raise ImproperlyConfigured(
            f"With DJANGO_DEBUG=false the portal does not run on {' nor on '.join(_embedded)}; "
            "set PORTAL_ALLOW_EMBEDDED=1 to run on them anyway (a demonstration, never production)"
        )

# Caching: Redis when available, so that every process (web, worker) sees the same invalidations. An unreachable
# Redis is a cache miss, never an error (selec_portal/cache.py); short timeouts keep it from holding requests.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "selec_portal.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Demo accounts (manage.py seed_demo)
DEMO_PASSWORD = env_str("DEMO_PASSWORD", "selec-demo-2026")
# demo-manager and demo-admin must use a second factor: seed_demo gives them an authenticator app with this secret
# (base32; add it to any authenticator app, or print the current code with `manage.py demo_totp demo-manager`).
DEMO_TOTP_SECRET = env_str("DEMO_TOTP_SECRET", "SELECPORTALDEMOTOTPSECRETKEYABCD")

# Security: production mode (debug off) hardens cookies and transport; `manage.py check --deploy` is clean with it.
SESSION_COOKIE_HTTPONLY = True
# A session ends after this many minutes without a request (projects.middleware.IdleSessionMiddleware) and when the
# browser closes; the stored session expires with it.
PORTAL_SESSION_IDLE_MINUTES = env_int("PORTAL_SESSION_IDLE_MINUTES", 30)
SESSION_COOKIE_AGE = PORTAL_SESSION_IDLE_MINUTES * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^livez$"]  # load balancers probe the backend over plain HTTP
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    # Behind a reverse proxy that terminates TLS, the request reaches Django over HTTP: trust the proxy's
    # X-Forwarded-Proto, or every request would be redirected again. Only behind a proxy that sets it (a client
    # talking to Django directly could send it and pass for HTTPS).
    if env_bool("DJANGO_BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Content Security Policy (django-csp): scripts, styles, fonts and images come from the portal's own static files
# only. No inline script, style block, style attribute or event handler is allowed (tests/test_csp.py scans the
# templates for them); a page that needs data hands it over in a data- attribute or a `json_script` element, and
# behaviour lives in static/js. Browsers report what the policy blocked to `csp-report`, which logs it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],  # Bootstrap draws its icons (selects, close buttons) as data: SVG
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "report-uri": [reverse_lazy("csp-report")],
    },
}
# HSTS preload stays off on purpose: the preload list is for a whole registrable domain (selec.org, not only the
# portal's host), is hard to leave, and means nothing on a closed network; so its check is silenced.
SILENCED_SYSTEM_CHECKS = ["security.W021"]

# --- The REST API (/api/v1/, the api app) -----------------------------------------------------------------------------
# Clients send a personal token (`Authorization: Bearer`); the portal's session works too (the documentation page).
# Errors are RFC 9457 problem details; in production the API answers JSON only (the browsable pages in debug).
# PORTAL_API_RATE: requests per token (per user for a session), as DRF writes rates: "1000/hour", "60/minute".
PORTAL_API_RATE = env_str("PORTAL_API_RATE", "1000/hour")
# Incremental sync (api.sync): deletions are remembered this many days (an older cursor must sync again from the
# start); a change is listed once it is this many seconds old (a transaction that commits late is not skipped).
PORTAL_API_SYNC_DAYS = env_int("PORTAL_API_SYNC_DAYS", 90)
PORTAL_API_SYNC_SETTLE_SECONDS = env_int("PORTAL_API_SYNC_SETTLE_SECONDS", 5)
# Webhooks (api/webhooks/): targets that resolve to an internal address (loopback, private, link-local...) are refused
# unless listed here (CIDRs, addresses or host names, comma-separated); a listed target may use http.
PORTAL_WEBHOOK_ALLOWED_NETWORKS = env_list("PORTAL_WEBHOOK_ALLOWED_NETWORKS", [])
PORTAL_WEBHOOK_MAX_ATTEMPTS = env_int("PORTAL_WEBHOOK_MAX_ATTEMPTS", 6)  # per delivery: then given up
PORTAL_WEBHOOK_DISABLE_AFTER = env_int("PORTAL_WEBHOOK_DISABLE_AFTER", 20)  # failed attempts in a row: then disabled
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",  # first: an anonymous request gets 401, WWW-Authenticate
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "api.permissions.TokenScope",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.ApiSchema",
    "EXCEPTION_HANDLER": "api.problems.problem_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "SELEC portal API",
    "DESCRIPTION": (
        "The SELEC project portal's API, version 1. Authenticate with a personal token: "
        "`Authorization: Bearer <token>` (Account → API tokens). Errors are RFC 9457 problem details "
        "(`application/problem+json`); reads carry an ETag (send it back in If-None-Match for a 304); "
        f"each token may send {PORTAL_API_RATE} requests (then 429 with Retry-After)."
    ),
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # the documentation's assets are the portal's own static files (drf-spectacular-sidecar): closed networks
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # request bodies apart from answers (`...Request`), closed to fields they do not declare (api.schema)
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.closed_request_bodies",
        "api.schema.document_headers",
    ],
    # choice sets that share a field name get a name of their own in the schema
    "ENUM_NAME_OVERRIDES": {
        "ProjectStatusEnum": "projects.models.Project.Status",
        "ActivityStatusEnum": "operations.choices.ActivityStatus",
        "CoverageStateEnum": "imobex.models.CountryCoverage.State",
        "PeriodStateEnum": "api.periods.PERIOD_STATES",
        "EventStatusEnum": "conferences.models.Event.Status",
        "EventKindEnum": "conferences.models.Event.Kind",
        "ReportKindEnum": "reporting.models.ReportingPeriod.Kind",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
