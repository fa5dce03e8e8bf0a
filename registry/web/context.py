from django.conf import settings
from django.http import HttpRequest


def hub(request: HttpRequest) -> dict:
    """Template values every page shows: whether the header offers sign-up, and which ways
    of signing in the sign-in page offers."""
    return {
        "signup_open": settings.HUB_SIGNUP and settings.HUB_PASSWORD_LOGIN,
        "password_login": settings.HUB_PASSWORD_LOGIN,
        "sso_provider": settings.HUB_OIDC_PROVIDER_NAME if settings.HUB_OIDC_CLIENT_ID else None,
    }
