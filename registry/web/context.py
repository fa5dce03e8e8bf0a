from django.conf import settings
from django.http import HttpRequest


def hub(request: HttpRequest) -> dict:
    """Template values every page shows: whether the header offers sign-up."""
    return {"signup_open": settings.HUB_SIGNUP}
