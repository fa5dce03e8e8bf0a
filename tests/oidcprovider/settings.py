"""A tiny OpenID Connect provider for the single sign-on tests: django-oauth-toolkit with
OIDC on, its RSA key and database handed in by the test that starts it (tests/sso)."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = "test-provider-only-" + "x" * 40
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oauth2_provider",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "tests.oidcprovider.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
DATABASES = {
    "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["OIDCP_DATABASE"]}
}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
LOGIN_URL = "/login"
USE_TZ = True
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": Path(os.environ["OIDCP_RSA_KEY_FILE"]).read_text(),
    "OIDC_ISS_ENDPOINT": os.environ["OIDCP_ISSUER"],
    "OAUTH2_VALIDATOR_CLASS": "tests.oidcprovider.validator.Validator",
    "SCOPES": {"openid": "OpenID Connect", "email": "Email", "profile": "Profile"},
    "ID_TOKEN_EXPIRE_SECONDS": 300,
}
# A test provider: fast hashing, so a sign-in costs milliseconds on a loaded CI machine.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
