from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request

from registry.models import AccessToken, User


class HubAuthentication(SessionAuthentication):
    """Hands DRF the token the middleware authenticated, else the session (with CSRF)."""

    def authenticate(self, request: Request) -> tuple[User, AccessToken | None] | None:
        token = getattr(request._request, "hub_token", None)
        if token is not None:
            return token.user, token
        return super().authenticate(request)
