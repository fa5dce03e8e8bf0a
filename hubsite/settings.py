"""Minihub settings: every value comes from a HUB_* environment variable (see .env.example)."""

from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from hubsite.env import (
    env_bool,
    env_choice,
    env_dir,
    env_int,
    env_list,
    env_url,
    secret_key,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("HUB_DEBUG", False)
HUB_DATA_DIR = env_dir("HUB_DATA_DIR", BASE_DIR / "data")
SECRET_KEY = secret_key("HUB_SECRET_KEY", debug=DEBUG, data_dir=HUB_DATA_DIR)

# The base URL clients see; when unset, each response derives it from the request.
HUB_PUBLIC_URL = env_url("HUB_PUBLIC_URL", None, schemes={"http", "https"})
ALLOWED_HOSTS = env_list("HUB_ALLOWED_HOSTS", ["*"])
if HUB_PUBLIC_URL and ALLOWED_HOSTS == ["*"]:
    ALLOWED_HOSTS = [urlsplit(HUB_PUBLIC_URL).hostname, "127.0.0.1", "localhost"]
USE_X_FORWARDED_HOST = env_bool("HUB_BEHIND_PROXY", False)
if USE_X_FORWARDED_HOST:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

_database_url = env_url(
    "HUB_DATABASE_URL",
    f"sqlite:///{HUB_DATA_DIR / 'hub.sqlite3'}",
    schemes={"sqlite", "postgres", "postgresql", "pgsql"},
)
try:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
except ValueError as exc:
    raise ImproperlyConfigured(f"HUB_DATABASE_URL is not a database URL: {exc}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several gunicorn processes and a worker share the file: WAL lets readers run beside
    # the one writer, and IMMEDIATE transactions queue writers instead of failing mid-way.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {"NAME": str(HUB_DATA_DIR / "test.sqlite3")}

HUB_BROKER_URL = env_url(
    "HUB_BROKER_URL", "filesystem://", schemes={"filesystem", "redis", "rediss"}
)
HUB_REPOS_DIR = HUB_DATA_DIR / "repos"
HUB_BLOBS_DIR = HUB_DATA_DIR / "blobs"
HUB_WEB_WORKERS = env_int("HUB_WEB_WORKERS", 2, minimum=1)
HUB_WEB_THREADS = env_int("HUB_WEB_THREADS", 8, minimum=1)
HUB_WORKER_CONCURRENCY = env_int("HUB_WORKER_CONCURRENCY", 2, minimum=1)
HUB_HEALTH_TIMEOUT = env_int("HUB_HEALTH_TIMEOUT", 10, minimum=1)
# LFS uploads at or over the threshold are offered as multipart uploads of this part size.
HUB_LFS_MULTIPART_THRESHOLD = env_int("HUB_LFS_MULTIPART_THRESHOLD", 5 * 1024**3, minimum=1)
HUB_LFS_MULTIPART_CHUNK_SIZE = env_int("HUB_LFS_MULTIPART_CHUNK_SIZE", 64 * 1024**2, minimum=1)
# Lifetime of signed LFS upload and download links.
HUB_LFS_LINK_SECONDS = env_int("HUB_LFS_LINK_SECONDS", 3600, minimum=60)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "registry",
]

MIDDLEWARE = [
    "registry.api.middleware.RequestIdMiddleware",
    "registry.api.middleware.DatasetsServerMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "registry.api.middleware.TokenAuthMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "registry.api.middleware.HubErrorMiddleware",
]

ROOT_URLCONF = "hubsite.urls"
WSGI_APPLICATION = "hubsite.wsgi.application"
AUTH_USER_MODEL = "registry.User"
LOGIN_URL = "/login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
# Clients POST to paths without a trailing slash; a redirect would drop the body.
APPEND_SLASH = False

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

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# The client parses only UTC dates that end in Z.
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = HUB_DATA_DIR / "static"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

SESSION_COOKIE_SECURE = env_bool("HUB_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["registry.api.auth.HubAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": [],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "registry.api.handler.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {
        "handlers": ["console"],
        "level": env_choice("HUB_LOG_LEVEL", "INFO", choices={"DEBUG", "INFO", "WARNING", "ERROR"}),
    },
}
