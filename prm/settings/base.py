"""Settings shared by every mode. Every value comes from the environment with a safe local default;
production.py removes the defaults that must never reach a real deployment."""

from datetime import timedelta
from pathlib import Path

import environ
from django.db.utils import InterfaceError, OperationalError
from django_guid.integrations import CeleryIntegration

from prm.cache import cache_settings
from prm.plugins import app_modules

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "rest_framework_api_key",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_countries",
    "auditlog",
    "axes",
    "django_guid",
    "prm.accounts",
    "prm.events",
    "partners",
    "onboarding",
    "deals",
    "performance",
    "incentives",
]

MIDDLEWARE = [
    # First, so every log line of the request (and the tasks it sends) carries its request id.
    "django_guid.middleware.guid_middleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Pushes an active session's idle expiry forward, at most once per PRM_SESSION_REFRESH_SECONDS (prm/security.py).
    "prm.security.SessionIdleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "prm.security.PermissionsPolicyMiddleware",
    # A NUL in the path, query or form is a 400 here, before any view or query sees it; a database still
    # locked after SQLite's busy timeout is a 409 to retry, not a 500 (prm/middleware.py).
    "prm.middleware.RejectNulMiddleware",
    "prm.middleware.DatabaseBusyMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "prm.urls"
WSGI_APPLICATION = "prm.wsgi.application"

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
                "prm.pages.navigation",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default under concurrent writes: WAL lets readers run beside the writer, IMMEDIATE takes the
    # write lock when a transaction starts (a deferred one that upgrades later fails at once with "database is
    # locked"), and a writer waits up to `timeout` seconds for the lock instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": env.int("SQLITE_TIMEOUT", default=20),
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A cache shared by every process (throttling, login limits) when Redis is configured. A Redis cache fails
# open (prm/cache.py): an outage makes it a cache that forgets, never a 500. Never the broker's database.
CACHES = {
    "default": cache_settings(
        env("CACHE_URL", default="locmemcache://"), broker_url=env("CELERY_BROKER_URL", default="")
    )
}
# Sessions stay in the database (Django's default engine, named here so nobody moves them onto Redis).
SESSION_ENGINE = "django.contrib.sessions.backends.db"

AUTH_USER_MODEL = "accounts.User"
# django-axes first: a locked account is refused before its password is even checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "prm.accounts.backends.EmailOrUsernameBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Argon2 first (Django's recommended hasher). PBKDF2 stays listed so existing hashes still verify; Django
# rehashes them with Argon2 at the user's next sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Front-end libraries come from npm (package-lock.json), never hand-copied.
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", BASE_DIR / "node_modules" / "bootstrap-icons" / "font"),
    ("vendor/chart.js", BASE_DIR / "node_modules" / "chart.js" / "dist"),
]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="PRM Portal <prm@localhost>")
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

PRM_PROGRAM_NAME = env("PRM_PROGRAM_NAME", default="Acme Partner Program")
PRM_PROGRAM_CURRENCY = env("PRM_PROGRAM_CURRENCY", default="USD")
PRM_AGREEMENT_REMINDER_DAYS = env.int("PRM_AGREEMENT_REMINDER_DAYS", default=30)
# Dispute case SLA in business days per kind, e.g. "deal_conflict=3,commission=5"; a kind not named gets 5.
PRM_CASE_SLA_DAYS = env.dict("PRM_CASE_SLA_DAYS", default={"deal_conflict": "3"})
PRM_UPLOAD_MAX_BYTES = env.int("PRM_UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
# Whether a partner's conflict check names the other partner and its deal id (staff always see both sides).
# Off by default: otherwise any guessed customer name tells a partner which competitor holds it.
PRM_DISCLOSE_CONFLICTS = env.bool("PRM_DISCLOSE_CONFLICTS", default=False)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Client address, sign-in lockout, sessions, tokens (issue 8) -----------------------------------------
# How many proxies of our own sit in front of the app, each appending to X-Forwarded-For. 0: no proxy, the
# socket's address is the client and the header is ignored. prm.net.client_ip reads it; DRF's NUM_PROXIES agrees.
PRM_TRUSTED_PROXY_COUNT = env.int("PRM_TRUSTED_PROXY_COUNT", default=0)
# Per-account lockout (django-axes, in the database so every worker sees it and a Redis outage cannot lift it):
# after PRM_LOCKOUT_FAILURES wrong passwords for one account, that account cannot sign in, not even with the right
# password, until PRM_LOCKOUT_MINUTES after the last counted failure. Keyed on the account, not the address.
AXES_FAILURE_LIMIT = env.int("PRM_LOCKOUT_FAILURES", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("PRM_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = False
# Attempts refused during a lockout do not restart the cool-off: the owner knows when it ends.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "prm.net.client_ip"
AXES_USERNAME_CALLABLE = "prm.accounts.lockout.lockout_username"
AXES_LOCKOUT_CALLABLE = "prm.accounts.lockout.lockout_response"
AXES_VERBOSE = False
# Per-address limits are the login throttle's job (PRM_THROTTLE_RATES["login"], keyed on client_ip); axes locks
# accounts only, so an attacker rotating addresses still runs into the account's limit.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
# A session ends after this long without a request. A request pushes the expiry forward by saving the session,
# but only if the last push is PRM_SESSION_REFRESH_SECONDS old (a minute, or a tenth of the idle time if that is
# shorter): no session write on every page, and a session ends at most that much before the idle time is up
# (prm.security.SessionIdleMiddleware).
PRM_SESSION_IDLE_MINUTES = env.int("PRM_SESSION_IDLE_MINUTES", default=60)
SESSION_COOKIE_AGE = PRM_SESSION_IDLE_MINUTES * 60
PRM_SESSION_REFRESH_SECONDS = min(60, SESSION_COOKIE_AGE // 10)
# API tokens (`Authorization: Token …`) stop working this long after they were issued; a new sign-in issues another.
PRM_TOKEN_TTL_HOURS = env.int("PRM_TOKEN_TTL_HOURS", default=24 * 30)

# --- Content-Security-Policy (django-csp) and Permissions-Policy (prm.security) ---------------------------
# No inline scripts or styles anywhere: page scripts and styles are files under static/. Swagger UI at /api/docs/
# gets its own policy on that one view (prm/api/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}
PRM_PERMISSIONS_POLICY = env(
    "PRM_PERMISSIONS_POLICY",
    default="accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=()",
)

# --- REST API ----------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "prm.api.authentication.ApiKeyAuthentication",
        "prm.api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["prm.api.permissions.RolePermission"],
    "DEFAULT_PAGINATION_CLASS": "prm.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "prm.filters.SortFilter",  # ?ordering= takes the names of the list's declared Sorts
    ],
    "DEFAULT_SCHEMA_CLASS": "prm.api.schema.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "prm.api.throttling.AnonThrottle",
        "prm.api.throttling.UserThrottle",
    ],
    "EXCEPTION_HANDLER": "prm.api.exceptions.exception_handler",
    # JSON that parses but cannot be carried (lone surrogates, NUL, deep nesting) is a 400 at the parser; the
    # renderer cannot fail on text it echoes (prm/api/parsers.py, prm/api/renderers.py).
    "DEFAULT_PARSER_CLASSES": [
        "prm.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "prm.api.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Agrees with prm.net.client_ip for any code that asks DRF for the client's address.
    "NUM_PROXIES": PRM_TRUSTED_PROXY_COUNT,
}
# Read by prm.api.throttling at request time, so tests and deployments can change them.
PRM_THROTTLE_RATES = {
    "anon": env("THROTTLE_ANON", default="60/min"),
    "user": env("THROTTLE_USER", default="1200/min"),
    "login": env("THROTTLE_LOGIN", default="10/min"),
    "apply": env("THROTTLE_APPLY", default="20/hour"),
    # per user: the API's check-conflicts and the register page's live preview share it
    "conflict_check": env("THROTTLE_CONFLICT_CHECK", default="300/hour"),
    "password_reset": env("THROTTLE_PASSWORD_RESET", default="20/hour"),
    "password_reset_email": env("THROTTLE_PASSWORD_RESET_EMAIL", default="3/hour"),
}

# A write sent with an Idempotency-Key holds the key while it runs; a reservation older than this belongs to a
# request whose process died, and the next request with the key takes it over (prm/api/idempotency.py).
PRM_IDEMPOTENCY_PENDING_SECONDS = env.int("PRM_IDEMPOTENCY_PENDING_SECONDS", default=120)

SPECTACULAR_SETTINGS = {
    "TITLE": "PRM Portal API",
    "DESCRIPTION": "Partner Relationship Management: partners, tiers, agreements, users and more.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One schema name per choice set that several fields share (e.g. `country` and `audience_countries`).
    "ENUM_NAME_OVERRIDES": {
        "CountryEnum": "django_countries.countries",
        "PartnerTypeEnum": "partners.models.PartnerType",
        "PartnerStatusEnum": "partners.models.PartnerStatus",
        "ApplicationStatusEnum": "partners.models.ApplicationStatus",
        "DealStatusEnum": "deals.models.DealStatus",
        "LeadStatusEnum": "deals.models.LeadStatus",
        "AccrualKindEnum": "incentives.models.AccrualKind",
        "MdfStatusEnum": "incentives.models.MdfRequestStatus",  # requests and claims share the three states
    },
}

# --- Celery ----------------------------------------------------------------------------------------------
_broker = env("CELERY_BROKER_URL", default="")
# No broker configured: run tasks in-process so the embedded mode needs no services.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not _broker)
CELERY_BROKER_URL = _broker or "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = True
# No result backend unless one is asked for: every task here is fire-and-forget (its effect is in the database),
# and a Redis result backend reconnects inside the request thread when Redis is down (writes hung ~19 s).
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery's Django fixup closes the database connection after every task unless told to reuse it
# (measured on this machine's kind: ~200 one-write tasks/s by default, ~560/s with 1000).
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
# A broker outage must not hang a web request: publishing gives up within about a second (events wait in the
# outbox and the beat sweep sends them). Bounded connect/socket timeouts and retries, for the connection and
# for each publish.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
# Every task: a soft time limit (SoftTimeLimitExceeded, the task can stop cleanly) and a hard one (the worker
# child is replaced); transient database errors are retried with exponential backoff. Tasks are idempotent, so a
# retry repeats nothing that was done. Per-task overrides go beside "*" by task name.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_ANNOTATIONS = {
    "*": {
        "autoretry_for": (OperationalError, InterfaceError),
        "max_retries": env.int("CELERY_TASK_MAX_RETRIES", default=5),
        "retry_backoff": 5,
        "retry_backoff_max": 600,
        "retry_jitter": True,
    },
}
CELERY_BEAT_SCHEDULE = {
    "outbox-dispatch": {"task": "events.outbox_dispatch", "schedule": 60.0},
    "agreements-remind-expiring": {"task": "partners.agreements_remind_expiring", "schedule": 6 * 3600.0},
}
# Each app adds its periodic jobs in <app>/schedule.py (`BEAT_SCHEDULE`, plain data: no Django imports there).
for _schedule in app_modules("schedule"):
    CELERY_BEAT_SCHEDULE.update(_schedule.BEAT_SCHEDULE)

# One JSON object per line, with every `extra={...}` field and the request id (django-guid: taken from a valid
# X-Request-ID header or made up, returned in the response, and carried into the Celery tasks the request sends).
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "INTEGRATIONS": [CeleryIntegration(use_django_logging=True, log_parent=True)],
}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "django_guid.log_filters.CorrelationId", "correlation_id_field": "request_id"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "celery.app.trace": {"level": "WARNING"},
        "django_guid": {"level": "WARNING"},  # one INFO line per request ("generated new GUID") says nothing
    },
}
