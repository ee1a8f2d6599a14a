"""newsarchive settings: one file, environments differ by environment variables only (see .env.example)."""

import os
import secrets
from pathlib import Path

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
    "procrastinate.contrib.django",
    "projects",
    "articles",
    "annotations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes an anonymous request 401, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "newsarchive.exceptions.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_PAGINATION_CLASS": "newsarchive.pagination.CorpusCursorPagination",
    "PAGE_SIZE": 100,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "newsarchive API",
    "DESCRIPTION": "Archived news articles about armed conflicts and their coding: claims, actors, sources.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a `kind` field with its own choices: name each enum after its model.
    "ENUM_NAME_OVERRIDES": {
        "ActorKindEnum": "annotations.models.Actor.Kind",
        "LabelKindEnum": "annotations.models.Label.Kind",
        "SourceKindEnum": "annotations.models.SourceAttribution.Kind",
        "RelationKindEnum": "annotations.models.Relation.Kind",
        "OutletKindEnum": "articles.models.Outlet.Kind",
    },
}

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
DATA_UPLOAD_MAX_MEMORY_SIZE = NEWSARCHIVE_IMPORT_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
