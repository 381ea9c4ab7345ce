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
    "csam.security",
    "csam.audit",
    "identity",
    "governance",
    "companies",
    "mandates",
    "csam.authz",
    "oauth2_provider",
    "csam.oidc",
    "csam.demo",
    "csam.observability",
]

MIDDLEWARE = [
    # First: every log line of a request carries its id, and the timing covers all the rest.
    "csam.observability.middleware.RequestIdMiddleware",
    "csam.observability.middleware.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Security headers go on every answer, the ones made by the middleware below included.
    "csam.security.middleware.SecurityHeadersMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Services' decision requests need none of the middleware below (see its docstring); their
    # answers carry a fixed policy for API answers instead of the pages' one.
    "csam.authz.middleware.DecisionShortcutMiddleware",
    "csam.security.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "identity.middleware.PreferredLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After messages: an ended session leaves a message for the log-in page.
    "csam.security.middleware.SessionTimeoutMiddleware",
    "csam.authz.middleware.ActingContextMiddleware",
    "csam.authz.middleware.AssuranceMiddleware",
    # Refuses an oversized body before anything reads it (its 413 page needs the context above).
    "csam.security.middleware.RequestSizeLimitMiddleware",
    "csam.security.middleware.LoginThrottleMiddleware",
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
            # A cache that does not answer within a second counts as down: callers go on
            # without it (see csam.cache.CACHE_UNAVAILABLE) rather than wait.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
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
    # Every OUTBOX_DRAIN_SECONDS (30): hand the outbox messages the broker missed (it was down
    # when their change committed) to it now. Not run late: the next run does the same work.
    "audit-outbox-drain": {
        "task": "csam.audit.tasks.outbox_drain",
        "schedule": timedelta(seconds=env_int("OUTBOX_DRAIN_SECONDS", 30)),
        "options": {"expires": env_int("OUTBOX_DRAIN_SECONDS", 30)},
    },
    # Every CELERY_HEARTBEAT_SECONDS (60): a worker notes the time, which /metrics shows, so
    # monitoring sees at once when beat, the broker or the workers stop. Not run late: a
    # heartbeat older than its interval means nothing.
    "observability-heartbeat": {
        "task": "csam.observability.tasks.heartbeat",
        "schedule": timedelta(seconds=env_int("CELERY_HEARTBEAT_SECONDS", 60)),
        "options": {"expires": env_int("CELERY_HEARTBEAT_SECONDS", 60)},
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
# Failed log-ins per address, whatever the usernames: after LOGIN_ADDRESS_FAILURE_LIMIT failures
# within LOGIN_ADDRESS_WINDOW_MINUTES, password log-in from that address answers 429 until the
# window ends (0 turns it off). Higher than the pair's limit: many people may share an address.
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 30)
LOGIN_ADDRESS_WINDOW = timedelta(minutes=env_int("LOGIN_ADDRESS_WINDOW_MINUTES", 15))
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
# The most sensitive acts (csam.authz.actions.REAUTHENTICATION_REQUIRED: designating a main
# access manager, accepting a mandate, recording a governance decision) need their level proven
# again within this time: an older proof asks the person to confirm with the eID card again.
REAUTHENTICATION_MAX_AGE = timedelta(minutes=env_int("REAUTHENTICATION_MAX_AGE_MINUTES", 15))

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
# Reverse proxies (their addresses as the app server sees them) whose X-Real-IP header gives the
# client's address; without them, every client behind a proxy looks like the proxy.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")
AXES_CLIENT_IP_CALLABLE = "identity.services.client_ip"

# --- Sessions and security ------------------------------------------------------------------------

SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
# A logged-in session ends after this much inactivity, and this long after the log-in, whatever
# the activity (csam.security.middleware.SessionTimeoutMiddleware).
SESSION_IDLE_TIMEOUT = timedelta(minutes=env_int("SESSION_IDLE_TIMEOUT_MINUTES", 15))
SESSION_ABSOLUTE_TIMEOUT = timedelta(minutes=env_int("SESSION_ABSOLUTE_TIMEOUT_MINUTES", 8 * 60))
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
if SECURE:
    # "__Host-" cookies are only accepted over TLS, for this host and path "/": a neighbouring
    # subdomain cannot set or overwrite them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", SECURE)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
if env_bool("BEHIND_TLS_PROXY", False):
    # Only set when a reverse proxy that terminates TLS always sets this header itself.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
# Who may read /metrics (addresses or networks, comma-separated), calling an app server directly;
# never through the TLS proxy (csam/observability/views.py).
METRICS_ALLOWED_ADDRESSES = env_list("METRICS_ALLOWED_ADDRESSES", "127.0.0.1,::1")

# Request size limits: a larger request is refused with 413 before it is read. Uploads
# (multipart) may reach REQUEST_MAX_UPLOAD_SIZE; any other body (forms, JSON) is limited by
# DATA_UPLOAD_MAX_MEMORY_SIZE.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = env_int("FILE_UPLOAD_MAX_MEMORY_SIZE", 2 * 1024 * 1024)
REQUEST_MAX_UPLOAD_SIZE = env_int("REQUEST_MAX_UPLOAD_SIZE", 5 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

# Content-Security-Policy (django-csp): our own scripts and styles only, never inline ones. The
# middleware adds the eID signer on the citizen's computer (EID_AGENT_URL) to connect-src; the
# API documentation page widens styles a little (csam.security.views.ApiDocsView).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

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
    # Rate limits (csam.security.throttles): per service client, per person, per address; each
    # "number/second|minute|hour|day", or "off". A view with its own throttles (eID) keeps them.
    "DEFAULT_THROTTLE_CLASSES": [
        "csam.security.throttles.ServiceClientRateThrottle",
        "csam.security.throttles.PersonRateThrottle",
        "csam.security.throttles.AddressRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "service_client": env_str("API_CLIENT_RATE", "6000/minute"),
        "user": env_str("API_USER_RATE", "600/minute"),
        "anon": env_str("API_ANON_RATE", "120/minute"),
        "eid": "30/minute",
    },
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

# One JSON object per line on standard error (journald or the container collects it), with the
# request id or the Celery task, national register numbers and secrets masked
# (csam/observability/logs.py). LOG_FORMAT=text writes plain lines, the default with DEBUG.
LOG_FORMAT = env_str("LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "context": {"()": "csam.observability.logs.ContextFilter"},
        "redact": {"()": "csam.observability.logs.RedactingFilter"},
    },
    "formatters": {
        "json": {"()": "csam.observability.logs.JsonFormatter"},
        "text": {"()": "csam.observability.logs.TextFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["context", "redact"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
    },
}

# --- Guardian -------------------------------------------------------------------------------------

ANONYMOUS_USER_NAME = None  # no guardian anonymous user: anonymous people hold no object grants
GUARDIAN_RAISE_403 = False

# --- OpenID Connect provider (csam.oidc, on django-oauth-toolkit) ---------------------------------


def _oidc_keys() -> tuple[str, list[str]]:
    """The signing key (PEM) and the retired keys still published so their tokens verify.

    ``OIDC_SIGNING_KEY_FILE`` (or ``OIDC_SIGNING_KEY``, the PEM itself) holds the current RSA key;
    ``OIDC_RETIRED_SIGNING_KEY_FILES`` the previous ones, comma-separated. In development
    (``DEBUG``) without a key, a per-process key is made, so `make run` needs nothing.
    """
    current = env_str("OIDC_SIGNING_KEY").replace("\\n", "\n")
    key_file = env_str("OIDC_SIGNING_KEY_FILE")
    if key_file:
        current = Path(key_file).read_text()
    retired = [Path(name).read_text() for name in env_list("OIDC_RETIRED_SIGNING_KEY_FILES")]
    if not current and DEBUG:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        current = (
            rsa.generate_private_key(public_exponent=65537, key_size=2048)
            .private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            .decode()
        )
    return current, retired


OIDC_SIGNING_KEY, OIDC_RETIRED_SIGNING_KEYS = _oidc_keys()
# Subject identifiers are keyed hashes: never change this key once services store subjects.
OIDC_SUBJECT_KEY = env_str("OIDC_SUBJECT_KEY") or SECRET_KEY
OAUTH2_PROVIDER_APPLICATION_MODEL = "oidc.ServiceApplication"
# The token models stay the toolkit's; Django's migrations read their swappable settings.
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth2_provider.AccessToken"  # noqa: S105 - a model name
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "oauth2_provider.RefreshToken"  # noqa: S105 - a model name
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "oauth2_provider.IDToken"  # noqa: S105 - a model name
OAUTH2_PROVIDER_GRANT_MODEL = "oauth2_provider.Grant"
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    # The issuer; empty: derived from the request (the portal's address + "/oidc").
    "OIDC_ISS_ENDPOINT": env_str("OIDC_ISSUER"),
    "OIDC_RSA_PRIVATE_KEY": OIDC_SIGNING_KEY,
    "OIDC_RSA_PRIVATE_KEYS_INACTIVE": OIDC_RETIRED_SIGNING_KEYS,
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OIDC_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED": ["client_secret_basic", "client_secret_post"],
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    "OAUTH2_VALIDATOR_CLASS": "csam.oidc.validators.PortalValidator",
    "SCOPES_BACKEND_CLASS": "csam.oidc.scopes.ServiceScopes",
    "ACCESS_TOKEN_GENERATOR": "csam.oidc.tokens.access_token_generate",
    # The scopes (their descriptions for people are in csam/oidc/scopes.py).
    "SCOPES": {
        name: name
        for name in ("openid", "profile", "egovnrn", "enterprise", "roles", "mandate", "age")
    },
    "DEFAULT_SCOPES": ["openid"],
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    # Short-lived tokens and no refresh tokens: the level of assurance and the acting context
    # are proven again by the person rather than stretched by a refresh.
    "ACCESS_TOKEN_EXPIRE_SECONDS": env_int("OIDC_ACCESS_TOKEN_SECONDS", 600),
    "ID_TOKEN_EXPIRE_SECONDS": env_int("OIDC_ACCESS_TOKEN_SECONDS", 600),
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "PKCE_REQUIRED": True,
    # Plain http redirect URIs only where the portal itself runs without TLS (development).
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"] if SECURE else ["http", "https"],
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": SECURE,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
}
