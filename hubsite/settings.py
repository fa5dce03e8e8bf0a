"""Minihub settings: every value comes from a HUB_* environment variable (see .env.example)."""

import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from hubsite.env import (
    env_bool,
    env_choice,
    env_dir,
    env_group_map,
    env_int,
    env_keys,
    env_list,
    env_networks,
    env_roots,
    env_str,
    env_url,
    secret_key,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("HUB_DEBUG", False)
HUB_DATA_DIR = env_dir("HUB_DATA_DIR", BASE_DIR / "data")
SECRET_KEY = secret_key("HUB_SECRET_KEY", debug=DEBUG, data_dir=HUB_DATA_DIR)
# Keys that seal secrets at rest (registry/sealing.py): the first seals, every one opens, so
# a new key goes first and the old one stays until `manage.py resealsecrets` has run.
# Unset: SECRET_KEY is the one key.
HUB_SECRETS_KEYS = env_keys("HUB_SECRETS_KEYS")

# The base URL clients see; when unset, each response derives it from the request.
HUB_PUBLIC_URL = env_url("HUB_PUBLIC_URL", None, schemes={"http", "https"})
ALLOWED_HOSTS = env_list("HUB_ALLOWED_HOSTS", ["*"])
if HUB_PUBLIC_URL and ALLOWED_HOSTS == ["*"]:
    # `datasets` asks datasets-server.<host> for the viewer's /parquet and /info.
    _public_host = urlsplit(HUB_PUBLIC_URL).hostname
    ALLOWED_HOSTS = [_public_host, f"datasets-server.{_public_host}", "127.0.0.1", "localhost"]
USE_X_FORWARDED_HOST = env_bool("HUB_BEHIND_PROXY", False)
# Reverse proxies in front of the hub that append to X-Forwarded-For; the client address
# (rate limits, login throttling, download counts, logs) is the entry this many from the
# right. 0: the header is ignored and the connection's address is used.
HUB_TRUSTED_PROXIES = env_int("HUB_TRUSTED_PROXIES", 0)
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
    # A file per test process: concurrent test runs on one data directory never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(HUB_DATA_DIR / f"test-{os.getpid()}.sqlite3")}

HUB_BROKER_URL = env_url(
    "HUB_BROKER_URL", "filesystem://", schemes={"filesystem", "redis", "rediss"}
)
HUB_REPOS_DIR = HUB_DATA_DIR / "repos"
# More storage roots for git repositories, as name=/path pairs (docs/operations.md,
# "Storage roots"); `default` is HUB_REPOS_DIR. New repositories spread over the roots named
# in HUB_REPOS_NEW_ROOTS (default: all), by their storage id.
HUB_REPOS_ROOTS = env_roots("HUB_REPOS_ROOTS")
HUB_REPOS_NEW_ROOTS = env_list("HUB_REPOS_NEW_ROOTS", [])
for _root in HUB_REPOS_NEW_ROOTS:
    if _root != "default" and _root not in HUB_REPOS_ROOTS:
        raise ImproperlyConfigured(f"HUB_REPOS_NEW_ROOTS names {_root!r}, not a root")
# Seconds a moved repository's old copy stays readable for requests that found it before the
# move (`manage.py moverepo`), then it is removed.
HUB_REPOS_MOVE_GRACE = env_int("HUB_REPOS_MOVE_GRACE", 30)
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
# Xet storage (xetstore/): xorbs under HUB_DATA_DIR/xet, or in the bucket beside the LFS
# objects. Lifetime of the CAS tokens the hub hands to hf_xet, which renews them 30 s
# before they expire and fails on a CAS 401, so keep it well above the longest request.
HUB_XET_DIR = HUB_DATA_DIR / "xet"
HUB_XET_TOKEN_SECONDS = env_int("HUB_XET_TOKEN_SECONDS", 3600, minimum=900)
# Whether anyone may create an account at /join; off by default (operators add users).
HUB_SIGNUP = env_bool("HUB_SIGNUP", False)
# Failed sign-ins one username, or one client address, may make in a window of
# HUB_LOGIN_WINDOW_SECONDS (counted from the first failure) before the page answers 429.
HUB_LOGIN_ATTEMPTS = env_int("HUB_LOGIN_ATTEMPTS", 10, minimum=1)
HUB_LOGIN_WINDOW_SECONDS = env_int("HUB_LOGIN_WINDOW_SECONDS", 900, minimum=1)
# Single sign-on with the operator's OpenID Connect provider (registry/web/oidc.py); on once
# HUB_OIDC_CLIENT_ID is set. The endpoints are the provider's discovery document's.
HUB_OIDC_ISSUER = env_str("HUB_OIDC_ISSUER", "")
HUB_OIDC_AUTHORIZATION_ENDPOINT = env_str("HUB_OIDC_AUTHORIZATION_ENDPOINT", "")
HUB_OIDC_TOKEN_ENDPOINT = env_str("HUB_OIDC_TOKEN_ENDPOINT", "")
HUB_OIDC_USERINFO_ENDPOINT = env_str("HUB_OIDC_USERINFO_ENDPOINT", "")
HUB_OIDC_JWKS_URI = env_str("HUB_OIDC_JWKS_URI", "")
HUB_OIDC_CLIENT_ID = env_str("HUB_OIDC_CLIENT_ID", "")
HUB_OIDC_CLIENT_SECRET = env_str("HUB_OIDC_CLIENT_SECRET", "")
HUB_OIDC_SCOPES = env_str("HUB_OIDC_SCOPES", "openid email profile")
HUB_OIDC_PROVIDER_NAME = env_str("HUB_OIDC_PROVIDER_NAME", "your identity provider")
# The claim that lists the user's groups, and which group makes one a member of which org
# with which role: `group=org:role` pairs, comma-separated. Only the orgs named here are
# managed: memberships the mapping granted are re-applied, and removed, at every sign-in.
HUB_OIDC_GROUPS_CLAIM = env_str("HUB_OIDC_GROUPS_CLAIM", "groups")
HUB_OIDC_GROUP_MAP = env_group_map("HUB_OIDC_GROUP_MAP")
# How often a signed-in browser session is checked with the provider (a refresh-token
# grant); a user disabled there loses the session at the next check.
HUB_OIDC_RECHECK_SECONDS = env_int("HUB_OIDC_RECHECK_SECONDS", 300, minimum=1)
# Whether users may sign in with a password (the form and git/API basic passwords are
# never accepted anyway: tokens only). Turn off once everyone signs in with the provider.
HUB_PASSWORD_LOGIN = env_bool("HUB_PASSWORD_LOGIN", True)

# The audit log (audit/): writes, access changes, failed sign-ins and reads of private and
# gated files. Each process spools events to HUB_DATA_DIR/audit-spool and moves them into
# the database every HUB_AUDIT_FLUSH_MS; events older than HUB_AUDIT_RETENTION_DAYS go.
HUB_AUDIT = env_bool("HUB_AUDIT", True)
HUB_AUDIT_FLUSH_MS = env_int("HUB_AUDIT_FLUSH_MS", 1000, minimum=50)
HUB_AUDIT_RETENTION_DAYS = env_int("HUB_AUDIT_RETENTION_DAYS", 365, minimum=1)

# Hosted inference (read by the web processes and the inference workers).
# Memory each worker process may fill with loaded models; least recently used go first.
HUB_INFERENCE_MEMORY_MB = env_int("HUB_INFERENCE_MEMORY_MB", 2048, minimum=1)
# Seconds a request may wait for its answer (and, with wait_for_model, as long again for
# its model to load).
HUB_INFERENCE_TIMEOUT = env_int("HUB_INFERENCE_TIMEOUT", 60, minimum=1)
# Largest request body (text inputs, or an image) the Inference API accepts.
HUB_INFERENCE_MAX_INPUT_BYTES = env_int("HUB_INFERENCE_MAX_INPUT_BYTES", 4 * 1024**2, minimum=1024)
# Most tokens one text-generation, summarization or translation request may ask for.
HUB_INFERENCE_MAX_NEW_TOKENS = env_int("HUB_INFERENCE_MAX_NEW_TOKENS", 512, minimum=1)
# Load pickled weights (pytorch_model.bin): unpickling can run code, so off by default.
HUB_INFERENCE_ALLOW_PICKLE = env_bool("HUB_INFERENCE_ALLOW_PICKLE", False)
# Inference API calls and widget pages one caller (user, or client address when anonymous)
# may make per minute, counted in windows of HUB_RATE_LIMIT_WINDOW_SECONDS; 0 turns it off.
HUB_INFERENCE_RATE_LIMIT_PER_MINUTE = env_int("HUB_INFERENCE_RATE_LIMIT_PER_MINUTE", 600)

# Evaluation jobs (the `eval` queue). Examples per model call; seconds without a heartbeat
# before a running job counts as abandoned (queued again once, then failed); and the hard
# time limit of one job.
HUB_EVAL_BATCH_SIZE = env_int("HUB_EVAL_BATCH_SIZE", 32, minimum=1)
HUB_EVAL_STALE_SECONDS = env_int("HUB_EVAL_STALE_SECONDS", 60, minimum=6)
HUB_EVAL_TIME_LIMIT = env_int("HUB_EVAL_TIME_LIMIT", 6 * 3600, minimum=60)
# torch threads of a process while it runs an evaluation job (then back to
# HUB_INFERENCE_THREADS): a job is one long batch, and by default it may use every core.
HUB_EVAL_THREADS = env_int("HUB_EVAL_THREADS", os.cpu_count() or 1, minimum=1)
# torch threads per worker process (a worker runs HUB_WORKER_CONCURRENCY processes).
HUB_INFERENCE_THREADS = env_int("HUB_INFERENCE_THREADS", 1, minimum=1)

# Webhook deliveries: seconds a receiver has to answer; attempts per delivery, the n-th
# retry waiting HUB_WEBHOOK_BACKOFF_MS x 2^(n-1); failed deliveries in a row that disable a
# webhook (defaults: 10 s, 5 attempts over 2.5 minutes, 10 deliveries).
HUB_WEBHOOK_TIMEOUT = env_int("HUB_WEBHOOK_TIMEOUT", 10, minimum=1)
HUB_WEBHOOK_ATTEMPTS = env_int("HUB_WEBHOOK_ATTEMPTS", 5, minimum=1)
HUB_WEBHOOK_BACKOFF_MS = env_int("HUB_WEBHOOK_BACKOFF_MS", 10_000)
HUB_WEBHOOK_DISABLE_AFTER = env_int("HUB_WEBHOOK_DISABLE_AFTER", 10, minimum=1)
# Webhooks never POST to these networks (checked on every resolved address at each send):
# loopback, link-local (cloud metadata services), unspecified and multicast by default.
# Private ranges stay reachable: a self-hosted hub's CI servers live there. Empty: no check.
HUB_WEBHOOK_DENIED_NETWORKS = env_networks(
    "HUB_WEBHOOK_DENIED_NETWORKS",
    [
        "127.0.0.0/8",
        "::1/128",
        "169.254.0.0/16",
        "fe80::/10",
        "0.0.0.0/8",
        "::/128",
        "224.0.0.0/4",
        "ff00::/8",
    ],
)

# Spaces' lifecycle: seconds without a request before a running Space sleeps (the Hub's
# 48 h on cpu-basic; a Space's own sleep time wins); running Spaces per worker, the least
# recently used sleeping first beyond it; seconds the first request to a sleeping Space
# waits for it before a 503 with Retry-After; crashes in a row before RUNTIME_ERROR.
HUB_SPACES_SLEEP_TIME = env_int("HUB_SPACES_SLEEP_TIME", 48 * 3600, minimum=1)
HUB_SPACES_MAX_RUNNING = env_int("HUB_SPACES_MAX_RUNNING", 4, minimum=1)
HUB_SPACES_WAKE_TIMEOUT = env_int("HUB_SPACES_WAKE_TIMEOUT", 30, minimum=1)
HUB_SPACES_MAX_RESTARTS = env_int("HUB_SPACES_MAX_RESTARTS", 3, minimum=1)
# Seconds a web process relays a caller's requests to a running Space's app without asking
# again whether they may (spaces/routes.py): revoking access takes effect within it; 0: ask
# on every request.
HUB_SPACES_ROUTE_TTL = env_int("HUB_SPACES_ROUTE_TTL", 5)

# Spaces' builds and runs (spaces/build.py, spaces/run.py): the shared Gradio environment,
# requirement layers and pip's wheel cache (several hubs may share one); the package index
# requirements come from (unset: pip's own configuration); seconds an app has to answer
# after its start; each app's memory; the Spaces worker's threads (builds and starts at once).
# How long a repo listing's answer (GET /api/models, /api/datasets, /api/spaces) is reused for
# the same caller and query while nothing it shows changed; 0 turns the cache off. Counts
# (downloads, likes) and orders by them may lag by this much: registry.services.listings.
HUB_LIST_CACHE_SECONDS = env_int("HUB_LIST_CACHE_SECONDS", 30, minimum=0)
HUB_SPACES_CACHE_DIR = env_dir("HUB_SPACES_CACHE_DIR", HUB_DATA_DIR / "spaces")
HUB_SPACES_INDEX_URL = env_url("HUB_SPACES_INDEX_URL", None, schemes={"http", "https", "file"})
HUB_SPACES_START_TIMEOUT = env_int("HUB_SPACES_START_TIMEOUT", 120, minimum=5)
HUB_SPACES_MEMORY_MB = env_int("HUB_SPACES_MEMORY_MB", 2048, minimum=256)
HUB_SPACES_WORKER_THREADS = env_int("HUB_SPACES_WORKER_THREADS", 4, minimum=1)

# The dataset viewer (viewer/): the size of one Parquet shard on refs/convert/parquet (in
# memory, before compression), and the most data files one split may have.
HUB_VIEWER_SHARD_BYTES = env_int("HUB_VIEWER_SHARD_BYTES", 256 * 1024 * 1024, minimum=1)
HUB_VIEWER_MAX_FILES = env_int("HUB_VIEWER_MAX_FILES", 10_000, minimum=1)

# Provenance (provenance/): the folder of trusted signing keys (*.pub) and CA certificates
# (*.pem, *.crt) model signatures are verified against, offline; and the seconds between
# two checks of an imported repo's source when it was imported with --sync.
HUB_SIGNING_TRUST_ROOTS = env_dir("HUB_SIGNING_TRUST_ROOTS", HUB_DATA_DIR / "trust-roots")
HUB_IMPORT_SYNC_INTERVAL = env_int("HUB_IMPORT_SYNC_INTERVAL", 3600, minimum=1)

# The sandbox every user program runs in (sandbox/runner.py; its memory for Spaces is
# HUB_SPACES_MEMORY_MB): tasks (threads count) of one sandbox; MiB of its writable tmpfs
# (/home/user, also the largest file it may write, its log included); CPU seconds per
# process, 0 for none (a server runs for days); open files per process.
HUB_SANDBOX_PROCESSES = env_int("HUB_SANDBOX_PROCESSES", 256, minimum=8)
HUB_SANDBOX_DISK_MB = env_int("HUB_SANDBOX_DISK_MB", 512, minimum=16)
HUB_SANDBOX_CPU_SECONDS = env_int("HUB_SANDBOX_CPU_SECONDS", 0)
HUB_SANDBOX_OPEN_FILES = env_int("HUB_SANDBOX_OPEN_FILES", 1024, minimum=64)

# Jobs (jobs/run.py): the hub's web address as the workers reach it, where a job's only
# connection out goes (`serve` sets it for the workers it starts; default HUB_PUBLIC_URL);
# a job's timeout when it names none, and the most it may name (seconds); each job's memory
# and disk (MiB, its /home/user tmpfs); the log a job may write before it is stopped
# (bytes); jobs a jobs worker runs at once.
HUB_INTERNAL_URL = env_url("HUB_INTERNAL_URL", HUB_PUBLIC_URL, schemes={"http"})
HUB_JOBS_TIMEOUT = env_int("HUB_JOBS_TIMEOUT", 30 * 60, minimum=1)
HUB_JOBS_MAX_TIMEOUT = env_int("HUB_JOBS_MAX_TIMEOUT", 24 * 3600, minimum=1)
HUB_JOBS_MEMORY_MB = env_int("HUB_JOBS_MEMORY_MB", 4096, minimum=256)
HUB_JOBS_DISK_MB = env_int("HUB_JOBS_DISK_MB", 2048, minimum=16)
HUB_JOBS_LOG_MAX_BYTES = env_int("HUB_JOBS_LOG_MAX_BYTES", 10 * 1024**2, minimum=4096)
HUB_JOBS_CONCURRENCY = env_int("HUB_JOBS_CONCURRENCY", 2, minimum=1)
# The package index `uv run` jobs install their dependencies from (unset: uv's default).
HUB_JOBS_INDEX_URL = env_url(
    "HUB_JOBS_INDEX_URL", HUB_SPACES_INDEX_URL, schemes={"http", "https", "file"}
)
# The most a fine-tune may ask as its `timeout` (seconds); it asks for an hour when it names
# none, or this if it is less. Apart from HUB_JOBS_MAX_TIMEOUT: training runs longer than
# most jobs, and the hub, not the caller, writes its job's spec.
HUB_FINETUNE_MAX_TIMEOUT = env_int("HUB_FINETUNE_MAX_TIMEOUT", 6 * 3600, minimum=60)

# LFS objects in an S3-compatible bucket (S3, MinIO, R2) when HUB_S3_BUCKET is set; else
# under HUB_DATA_DIR/blobs. Without keys, boto3's own chain (AWS_* variables, an instance
# role) applies. Clients fetch and upload through presigned URLs of
# HUB_S3_PUBLIC_ENDPOINT_URL, which must be another origin than the hub's (the client reads
# a file's metadata from the redirect to it only when it is cross-origin).
HUB_S3_BUCKET = env_str("HUB_S3_BUCKET") or None
HUB_S3_ENDPOINT_URL = env_url("HUB_S3_ENDPOINT_URL", None, schemes={"http", "https"})
HUB_S3_PUBLIC_ENDPOINT_URL = env_url(
    "HUB_S3_PUBLIC_ENDPOINT_URL", HUB_S3_ENDPOINT_URL, schemes={"http", "https"}
)
HUB_S3_ACCESS_KEY_ID = env_str("HUB_S3_ACCESS_KEY_ID") or None
HUB_S3_SECRET_ACCESS_KEY = env_str("HUB_S3_SECRET_ACCESS_KEY") or None
HUB_S3_REGION = env_str("HUB_S3_REGION") or "us-east-1"
if HUB_S3_BUCKET and HUB_LFS_MULTIPART_CHUNK_SIZE < 5 * 1024**2:
    raise ImproperlyConfigured("HUB_LFS_MULTIPART_CHUNK_SIZE must be at least 5 MiB with S3")
if HUB_S3_BUCKET and HUB_LFS_MULTIPART_THRESHOLD > 5 * 1024**3:
    raise ImproperlyConfigured("HUB_LFS_MULTIPART_THRESHOLD must be at most 5 GiB with S3")

# Limits. Request bodies (commit payloads, git pushes) and LFS objects; 0 turns a rate
# limit or the quota off. Rate limits count /api/ requests per token, or per client address
# without one, in fixed windows of HUB_RATE_LIMIT_WINDOW_SECONDS (the per-minute figures
# are scaled to the window).
HUB_MAX_REQUEST_BYTES = env_int("HUB_MAX_REQUEST_BYTES", 2 * 1024**3, minimum=1024)
HUB_MAX_OBJECT_BYTES = env_int("HUB_MAX_OBJECT_BYTES", 50 * 1024**3, minimum=1)
# Most bytes of patch a commit or pull request diff holds (pages and the discussion API);
# a file with a side larger than this is summarised by its sizes, never read.
HUB_DIFF_MAX_BYTES = env_int("HUB_DIFF_MAX_BYTES", 1024**2, minimum=1024)
# The compare view's tensor data diff reads each tensor this many bytes at a time (per side),
# so a worker's memory does not grow with the model.
HUB_COMPARE_BLOCK_BYTES = env_int("HUB_COMPARE_BLOCK_BYTES", 8 * 1024**2, minimum=64)
HUB_RATE_LIMIT_PER_MINUTE = env_int("HUB_RATE_LIMIT_PER_MINUTE", 0)
HUB_RATE_LIMIT_ANONYMOUS_PER_MINUTE = env_int("HUB_RATE_LIMIT_ANONYMOUS_PER_MINUTE", 0)
HUB_RATE_LIMIT_WINDOW_SECONDS = env_int("HUB_RATE_LIMIT_WINDOW_SECONDS", 60, minimum=1)
# LFS bytes the repos of one user or organization may reference.
HUB_STORAGE_QUOTA_BYTES = env_int("HUB_STORAGE_QUOTA_BYTES", 0)
# Seconds before Redis hands a task taken by a worker that died to another worker. Keep it
# above the longest task: a task still running then is handed out twice.
HUB_BROKER_VISIBILITY_TIMEOUT = env_int("HUB_BROKER_VISIBILITY_TIMEOUT", 3600, minimum=1)

# Rate-limit counters: Redis beside the broker in production, a database table otherwise.
if HUB_BROKER_URL.startswith("redis"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": HUB_BROKER_URL,
            "KEY_PREFIX": "minihub",
        }
    }
DATABASE_CACHE = {
    "BACKEND": "django.core.cache.backends.db.DatabaseCache",
    "LOCATION": "minihub_cache",
    # Django's default (300 entries, then a third culled) would drop live rate-limit
    # counters once many callers share a window, and let them start again at 0.
    # Expired entries still go on every cull.
    "OPTIONS": {"MAX_ENTRIES": 1_000_000},
}
if not HUB_BROKER_URL.startswith("redis"):
    CACHES = {"default": DATABASE_CACHE}

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "registry",
    "inference",
    "evaluation",
    "xetstore",
    "repocollections",
    "webhooks",
    "spaces",
    "jobs",
    "finetune",
    "viewer",
    "provenance",
    "audit",
    "compare",
]

MIDDLEWARE = [
    "registry.api.middleware.RequestIdMiddleware",
    # Early, so failed authentications and every later event name the request's address.
    "audit.events.AuditContextMiddleware",
    "registry.api.accesslog.RequestLogMiddleware",
    "registry.api.limits.BodySizeLimitMiddleware",
    "registry.api.middleware.DatasetsServerMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "registry.web.oidc.SessionCheckMiddleware",
    "registry.api.middleware.TokenAuthMiddleware",
    "registry.api.limits.RateLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "registry.api.middleware.HubErrorMiddleware",
    # Last, so it sees a page's errors first: pages answer HTML, the API keeps its JSON.
    "registry.web.middleware.WebPageMiddleware",
]

ROOT_URLCONF = "hubsite.urls"
WSGI_APPLICATION = "hubsite.wsgi.application"
AUTH_USER_MODEL = "registry.User"
LOGIN_URL = "/login"
# Passwords (off with HUB_PASSWORD_LOGIN=false), then the identity provider's sign-in.
AUTHENTICATION_BACKENDS = [
    "registry.web.oidc.PasswordBackend",
    "registry.web.oidc.HubOidcBackend",
]
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
                "registry.web.context.hub",
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
# WhiteNoise serves registry/static straight from the app directory (read once at start-up),
# so there is no collectstatic step and no STATIC_ROOT to keep in sync.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

SESSION_COOKIE_SECURE = env_bool("HUB_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
# HTTPS. All off by default so the embedded hub works over plain http; see docs/operations.md.
SECURE_SSL_REDIRECT = env_bool("HUB_HTTPS_REDIRECT", False)
SECURE_REDIRECT_EXEMPT = [r"^api/health$"]  # probed over plain http inside the network
SECURE_HSTS_SECONDS = env_int("HUB_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HUB_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("HUB_HSTS_PRELOAD", False)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["registry.api.auth.HubAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": [],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "registry.api.parsers.TextJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "registry.api.handler.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

# `json`: one JSON object per line (requests carry request_id, method, path, status,
# duration_ms and user), for log shippers; `text` for people.
HUB_LOG_FORMAT = env_choice("HUB_LOG_FORMAT", "text", choices={"TEXT", "JSON"}).lower()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"()": "hubsite.logformat.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": HUB_LOG_FORMAT}},
    "root": {
        "handlers": ["console"],
        "level": env_choice("HUB_LOG_LEVEL", "INFO", choices={"DEBUG", "INFO", "WARNING", "ERROR"}),
    },
}
