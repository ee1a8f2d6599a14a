"""newsarchive settings: one file, environments differ by environment variables only (see .env.example)."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

from csp.constants import NONE, SELF

from newsarchive.db import database_settings

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)


def local_secret_key() -> str:
    """A random key kept in the git-ignored .secret-key, so a checkout needs no fixed secret anywhere."""
    path = BASE_DIR / ".secret-key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or local_secret_key()
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "pghistory.admin",  # before the admin: its templates add a History link to change forms
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "newsarchive",  # before staticfiles: its runserver (TCP_NODELAY) must win
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "pgtrigger",
    "pghistory",
    "procrastinate.contrib.django",
    "projects",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc as our own static files: the docs work offline
    "csp",
    "axes",
    "articles",
    "annotations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Right after SecurityMiddleware (its redirect to HTTPS comes first) and before everything that costs.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "newsarchive.history.HistoryMiddleware",
    # Last, as django-axes asks: it turns a refused login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "newsarchive.urls"
WSGI_APPLICATION = "newsarchive.wsgi.application"
ASGI_APPLICATION = "newsarchive.asgi.application"

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
            ],
        },
    },
]

# PostgreSQL only: DATABASE_URL, or the embedded server (newsarchive/db.py) when it is unset; the embedded server
# is started by the first connection (newsarchive/embedded/), so commands that need no database never start it.
DATABASES = {"default": database_settings()}
if not DATABASES["default"]["ENGINE"].endswith(("postgresql", "newsarchive.embedded")):
    raise RuntimeError("newsarchive needs PostgreSQL: DATABASE_URL must be a postgresql:// URL")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# whitenoise serves the collected files in every mode (runserver with DEBUG off serves none): hashed names
# cached for a year, gzip beside each (newsarchive/storage.py). `make run` and `make serve` collect them.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "newsarchive.storage.StaticFilesStorage"},
}

# One cache shared by every web process (throttle counters, failed token logins): a PostgreSQL table made by
# migration newsarchive 0001, so several gunicorn workers or machines count together with no extra service.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "newsarchive_cache",
        "OPTIONS": {"MAX_ENTRIES": 20000},
    }
}

# Behind a reverse proxy: how many proxies append to X-Forwarded-For (0: use the peer address).
NEWSARCHIVE_PROXY_COUNT = int(os.environ.get("NEWSARCHIVE_PROXY_COUNT", "0"))

# Password guessing (django-axes): 10 failures for one username from one address lock that pair out,
# even with the right password, for NEWSARCHIVE_LOGIN_COOLOFF_MINUTES; on /accounts/login/ and /admin/login/.
AUTHENTICATION_BACKENDS = [
    "newsarchive.throttling.LoginLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("NEWSARCHIVE_LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = timedelta(minutes=float(os.environ.get("NEWSARCHIVE_LOGIN_COOLOFF_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "newsarchive.views.login_locked_out"
AXES_CLIENT_IP_CALLABLE = "newsarchive.throttling.client_address"
AXES_VERBOSE = False

# Where `make run` (ensure_admin) keeps the local admin's generated password.
NEWSARCHIVE_ADMIN_CREDENTIALS_FILE = Path(
    os.environ.get("NEWSARCHIVE_ADMIN_CREDENTIALS_FILE") or BASE_DIR / ".admin-credentials"
)

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes an anonymous request 401, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "newsarchive.throttling.ThrottledTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Bounded JSON (body size and nesting depth): hostile bodies get a 4xx, never a 500.
    "DEFAULT_PARSER_CLASSES": [
        "newsarchive.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "newsarchive.exceptions.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_PAGINATION_CLASS": "newsarchive.pagination.CorpusCursorPagination",
    "PAGE_SIZE": 100,
    # Rates come from NEWSARCHIVE_API_THROTTLE_RATES (read on every request; see newsarchive/throttling.py).
    "DEFAULT_THROTTLE_CLASSES": [
        "newsarchive.throttling.AnonymousRateThrottle",
        "newsarchive.throttling.UserRateThrottle",
    ],
}


def env_rate(name: str, default: str) -> str | None:
    """A DRF rate such as "100/second" from the environment; "off" (or empty) switches that limit off."""
    value = os.environ.get(name, default).strip()
    return None if value.lower() in {"", "off", "none"} else value


# API floods: per address for anonymous clients, per user for authenticated ones, and failed token
# authentications per address (an address past the limit is refused even with a valid token until it cools).
NEWSARCHIVE_API_THROTTLE_RATES = {
    "anon": env_rate("NEWSARCHIVE_THROTTLE_ANON", "60/minute"),
    "user": env_rate("NEWSARCHIVE_THROTTLE_USER", "100/second"),
    "token_failures": env_rate("NEWSARCHIVE_THROTTLE_TOKEN_FAILURES", "30/hour"),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "newsarchive API",
    "DESCRIPTION": "Archived news articles about armed conflicts and their coding: claims, actors, sources.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a `kind` field with its own choices: name each enum after its model.
    "ENUM_NAME_OVERRIDES": {
        "ActorKindEnum": "annotations.models.Actor.Kind",
        "LabelKindEnum": "annotations.models.Label.Kind",
        "SourceKindEnum": "annotations.models.SourceAttribution.Kind",
        "RelationKindEnum": "annotations.models.Relation.Kind",
        "OutletKindEnum": "articles.models.Outlet.Kind",
        "AnnotationStatusEnum": "annotations.models.Annotation.Status",
        "AssignmentStatusEnum": "annotations.models.Assignment.Status",
        "ImportStatusEnum": "articles.models.ImportBatch.Status",
    },
}

# Content-Security-Policy on every page (django-csp): our own origin only, no inline script or style, no
# framing. Pages that set their own header (archived snapshots: "sandbox") keep it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],  # data: for the icons inside Swagger UI's stylesheet and our empty favicon
        "font-src": [SELF],
        "connect-src": [SELF],
        "worker-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Behind an HTTPS proxy (DJANGO_HTTPS=true): redirect plain HTTP, HSTS for a year, cookies only over HTTPS, and
# trust the proxy's X-Forwarded-Proto (the proxy must set it and strip a client's own).
HTTPS = env_bool("DJANGO_HTTPS", False)
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 365 * 24 * 3600
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Mail: only used for password reset, which is offered only when EMAIL_HOST is set.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "newsarchive@localhost")
NEWSARCHIVE_PASSWORD_RESET = bool(EMAIL_HOST)

# Ranked search (articles.search_index): a Tantivy index in this folder, kept in step by the job queue and rebuilt
# by `manage.py rebuild_search_index`. NEWSARCHIVE_SEARCH_ENGINE=postgres (or a missing or stale index, or a queue of
# changes older than NEWSARCHIVE_SEARCH_INDEX_MAX_LAG seconds: no worker applies them) sends searches to the GIN path.
NEWSARCHIVE_SEARCH_ENGINE = os.environ.get("NEWSARCHIVE_SEARCH_ENGINE", "tantivy")
NEWSARCHIVE_SEARCH_INDEX = Path(os.environ.get("NEWSARCHIVE_SEARCH_INDEX") or BASE_DIR / ".search-index")
NEWSARCHIVE_SEARCH_INDEX_MAX_LAG = float(os.environ.get("NEWSARCHIVE_SEARCH_INDEX_MAX_LAG", "30"))
NEWSARCHIVE_SEARCH_INDEX_HEAP = int(os.environ.get("NEWSARCHIVE_SEARCH_INDEX_HEAP", str(100 * 1024 * 1024)))
# Background jobs (procrastinate, in PostgreSQL): imports and the periodic span-cache refresh. A worker whose
# heartbeat is older than NEWSARCHIVE_JOB_STALLED_AFTER seconds is taken for dead and its import marked failed.
NEWSARCHIVE_JOB_HEARTBEAT = float(os.environ.get("NEWSARCHIVE_JOB_HEARTBEAT", "10"))
NEWSARCHIVE_JOB_STALLED_AFTER = float(os.environ.get("NEWSARCHIVE_JOB_STALLED_AFTER", "60"))
PROCRASTINATE_WORKER_DEFAULTS = {
    "update_heartbeat_interval": NEWSARCHIVE_JOB_HEARTBEAT,
    "stalled_worker_timeout": NEWSARCHIVE_JOB_STALLED_AFTER,
}
# More items than this in one upload or API call always run as a background job.
NEWSARCHIVE_FOREGROUND_IMPORT_ITEMS = int(os.environ.get("NEWSARCHIVE_FOREGROUND_IMPORT_ITEMS", "20"))

# Importing and fetching (articles/fetching.py reads these).
NEWSARCHIVE_FETCH_TIMEOUT = float(os.environ.get("NEWSARCHIVE_FETCH_TIMEOUT", "10"))
NEWSARCHIVE_FETCH_MAX_BYTES = int(os.environ.get("NEWSARCHIVE_FETCH_MAX_BYTES", str(20 * 1024 * 1024)))
NEWSARCHIVE_FETCH_MAX_REDIRECTS = int(os.environ.get("NEWSARCHIVE_FETCH_MAX_REDIRECTS", "5"))
NEWSARCHIVE_FETCH_ALLOWED_ADDRESSES = env_list("NEWSARCHIVE_FETCH_ALLOWED_ADDRESSES")
NEWSARCHIVE_IMPORT_MAX_BYTES = int(os.environ.get("NEWSARCHIVE_IMPORT_MAX_BYTES", str(20 * 1024 * 1024)))
# A JSON body of the API (a span, an actor, a relation): far above any honest one, far below the import cap.
NEWSARCHIVE_API_MAX_BODY_BYTES = int(os.environ.get("NEWSARCHIVE_API_MAX_BODY_BYTES", str(4 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = NEWSARCHIVE_IMPORT_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
