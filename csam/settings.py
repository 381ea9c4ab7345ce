"""Settings for the CSAM portal, configured only through environment variables.

There is one settings module. Every variable is listed, with a comment, in `.env.example`; a `.env`
file beside `manage.py` is read when present (it is never committed).
"""

import os
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

import dj_database_url
from celery.schedules import crontab
from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent

load_dotenv(BASE_DIR / ".env", override=False)


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}.") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# --- Core -----------------------------------------------------------------------------------------

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        # Fail at start-up rather than run production with a guessable key.
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is false.")
    # Development only: a per-process key. `make run` writes a stable one to .env instead.
    SECRET_KEY = os.urandom(32).hex()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# The public base URL of the portal (used in e-mails and by the local eID signer's origin check).
PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csam.audit",
    "identity",
    "governance",
    "companies",
    "mandates",
    "csam.authz",
    "csam.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "identity.middleware.PreferredLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csam.authz.middleware.ActingContextMiddleware",
    "csam.authz.middleware.AssuranceMiddleware",
    # django-axes wants to be last: it turns a lock-out into a 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "csam.urls"
WSGI_APPLICATION = "csam.wsgi.application"
ASGI_APPLICATION = "csam.asgi.application"

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
                "csam.authz.context_processors.acting",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        # Persistent connections: opening one per request costs more than the request itself.
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        # A persistent connection is checked (one SELECT 1) before its first use in a request.
        # Turned off, a connection broken by a database restart fails one request per worker.
        conn_health_checks=env_bool("DATABASE_CONN_HEALTH_CHECKS", True),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery -----------------------------------------------------------------------------

REDIS_URL = env_str("REDIS_URL")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "csam.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "csam"),
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    # Zero-setup default for a newcomer: no Redis needed, tasks run in-process.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
    CELERY_TASK_ALWAYS_EAGER = True

CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 60)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 90)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Europe/Brussels"
# Periodic work. Each entry spells out its schedule; later capabilities add theirs here.
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # crontab(minute=5): every hour at five past, forget failed log-in records whose cool-off ended.
    "identity-lockouts-purge-expired": {
        "task": "identity.tasks.lockouts_purge_expired",
        "schedule": crontab(minute=5),
    },
    # crontab(minute="*/30"): every half hour, refresh the eID revocation lists (they are
    # published daily or more often; a failed fetch is tried again half an hour later).
    "identity-eid-crls-refresh": {
        "task": "identity.tasks.eid_crls_refresh",
        "schedule": crontab(minute="*/30"),
    },
    # crontab(hour=0, minute=15): every day at 00:15, mark grants past their end date expired.
    "companies-grants-expire": {
        "task": "companies.tasks.grants_expire_sweep",
        "schedule": crontab(hour=0, minute=15),
    },
    # crontab(hour=0, minute=20): every day at 00:20, give or take access managers' object
    # permissions for designations that start or end.
    "authz-manager-permissions": {
        "task": "csam.authz.tasks.manager_permissions_sweep",
        "schedule": crontab(hour=0, minute=20),
    },
    # crontab(hour=0, minute=25): every day at 00:25, expire mandates past their end date.
    "mandates-expire": {
        "task": "mandates.tasks.mandates_expire_daily",
        "schedule": crontab(hour=0, minute=25),
    },
    # crontab(hour=9, minute=0): every day at 09:00, remind parties of mandates ending soon.
    "mandates-remind": {
        "task": "mandates.tasks.mandates_remind_expiring",
        "schedule": crontab(hour=9, minute=0),
    },
}

# --- Authentication -------------------------------------------------------------------------------

AUTH_USER_MODEL = "identity.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out username/address before any password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # The eID backends refuse with a reason, so the log-in services call them directly; listed
    # here so that sessions they open find their user again.
    "identity.eid.backends.EidChallengeBackend",
    "identity.eid.backends.EidClientCertificateBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "identity:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Failed log-ins: after AXES_FAILURE_LIMIT failures from one address for one username, that pair is
# locked for AXES_COOLOFF_TIME. Only the pair is locked so an attacker cannot lock a citizen out.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "identity/lockout.html"
AXES_VERBOSE = False
# One-time codes: django-otp doubles the wait after each wrong code (1 s, 2 s, 4 s, ...).
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "CSAM")

# Levels of assurance: how long a step-up stays valid before the user must prove it again.
ASSURANCE_MAX_AGE = {
    "low": timedelta(hours=12),
    "substantial": timedelta(hours=12),
    "high": timedelta(hours=12),
}

# --- eID card -------------------------------------------------------------------------------------

# The PKCS#11 module of the card reader: OpenSC's (/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so) or
# the Belgian eID middleware's (libbeidpkcs11.so.0). Used by the local signer and `eid_read`.
EID_PKCS11_MODULE = env_str("EID_PKCS11_MODULE", "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so")
# PEM files of the trusted eID root and citizen/foreigner CAs (comma-separated). Never the card's.
EID_TRUST_ANCHORS = env_list("EID_TRUST_ANCHORS")
# With no fresh revocation list at hand for a CA: "refuse" (default) or "allow" the card.
EID_CRL_MISSING_POLICY = env_str("EID_CRL_MISSING_POLICY", "refuse")
# The cache alias holding revocation lists; it must be shared by every process (Redis).
EID_CRL_CACHE = env_str("EID_CRL_CACHE", "default")
# Where the revocation lists are fetched from (comma-separated URLs), by a periodic task.
EID_CRL_URLS = env_list("EID_CRL_URLS")
# The local signer the log-in page talks to (`manage.py eid_agent` on the citizen's computer).
EID_AGENT_URL = env_str("EID_AGENT_URL", "http://127.0.0.1:38470")
# Origins whose pages the local signer answers (the portal's own address).
EID_AGENT_ALLOWED_ORIGINS = env_list("EID_AGENT_ALLOWED_ORIGINS", PORTAL_BASE_URL)
# Behind a TLS proxy that asks for the card's certificate: the header it passes the certificate
# in (nginx: $ssl_client_escaped_cert), and the proxy addresses that header is trusted from.
EID_CLIENT_CERT_HEADER = env_str("EID_CLIENT_CERT_HEADER", "X-SSL-Client-Cert")
EID_TRUSTED_PROXIES = env_list("EID_TRUSTED_PROXIES")

# --- Sessions and security ------------------------------------------------------------------------

SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# The production profile: TLS everywhere. `manage.py check --deploy` is clean with it.
SECURE = env_bool("SECURE", not DEBUG)
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
LANGUAGE_COOKIE_SECURE = SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", SECURE)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
if env_bool("BEHIND_TLS_PROXY", False):
    # Only set when a reverse proxy that terminates TLS always sets this header itself.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

# Upload and form limits (bad input gets a 400 instead of exhausting memory).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = env_int("FILE_UPLOAD_MAX_MEMORY_SIZE", 2 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

# --- E-mail ---------------------------------------------------------------------------------------

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "CSAM <no-reply@csam.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation -------------------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("fr", "Français"),
    ("nl", "Nederlands"),
    ("de", "Deutsch"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Europe/Brussels"

# --- Static files ---------------------------------------------------------------------------------

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))

# --- REST API -------------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "companies.authentication.ServiceClientAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Deny by default: every API view names who may call it.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "csam.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"anon": "60/minute", "user": "600/minute", "eid": "30/minute"},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append(
        "rest_framework.renderers.BrowsableAPIRenderer"
    )

SPECTACULAR_SETTINGS = {
    "TITLE": "CSAM portal API",
    "DESCRIPTION": (
        "Identification, authentication, authorisation and mandates for e-government services."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # The docs page's scripts are served from our own static files, not from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Logging --------------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
    },
}

# --- Guardian -------------------------------------------------------------------------------------

ANONYMOUS_USER_NAME = None  # no guardian anonymous user: anonymous people hold no object grants
GUARDIAN_RAISE_403 = False
