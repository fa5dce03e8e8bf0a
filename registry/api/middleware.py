import base64
import binascii
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from registry import errors
from registry.api.handler import error_response
from registry.permissions import Action, denial
from registry.request import SAFE_METHODS, actor, request_id_of, route_marks
from registry.services.tokens import token_authenticate
from registry.signals import audit_send

# The Xet CAS checks its own bearer tokens (xetstore.tokens); they are not hub tokens.
_OWN_CREDENTIALS_PREFIX = "/xet-cas/"


class RequestIdMiddleware:
    """Echoes the caller's X-Request-Id (or makes one) on every response; clients print it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = request_id_of(request.META)
        response = self.get_response(request)
        response["X-Request-Id"] = request.request_id
        return response


# gradio_client sends the token to a Space's app as X-HF-Authorization, which the Space
# proxy reads (and strips) in place of Authorization.
_SPACE_APPS_PREFIX = "/spaces-apps/"


def _credential(request: HttpRequest) -> str | None:
    """The token from `Bearer <token>` or from HTTP Basic's password (how git sends it)."""
    header = request.headers.get("Authorization", "")
    if not header and request.path.startswith(_SPACE_APPS_PREFIX):
        header = request.headers.get("X-HF-Authorization", "")
    scheme, _, value = header.partition(" ")
    scheme = scheme.lower()
    if scheme == "bearer":
        return value.strip()
    if scheme == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise errors.InvalidCredentials() from None
        return decoded.partition(":")[2]
    if header:
        raise errors.InvalidCredentials()
    return None


class TokenAuthMiddleware:
    """Authenticates API tokens; a token, when sent, wins over the session cookie."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.hub_token = None
        if request.path.startswith(_OWN_CREDENTIALS_PREFIX):
            return self.get_response(request)
        try:
            value = _credential(request)
            if value is not None:
                request.hub_token = token_authenticate(value=value)
                request.user = request.hub_token.bearer
        except errors.HubError as exc:
            if isinstance(exc, errors.InvalidCredentials):
                scheme = request.headers.get("Authorization", "").partition(" ")[0].lower()
                audit_send(action="auth.failed", method=scheme or "token")
            return error_response(exc, request)
        # CSRF protects ambient credentials only: a request carrying a token, or no session
        # cookie at all, cannot be forged from another site.
        if request.hub_token is not None or "sessionid" not in request.COOKIES:
            request._dont_enforce_csrf_checks = True
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view, args, kwargs) -> HttpResponse | None:
        """The token's role on every route, pages included, before any view runs: a read
        token changes nothing, and no token manages credentials or memberships."""
        token = getattr(request, "hub_token", None)
        if token is None:
            return None
        read_allowed, session = route_marks(view)
        if session:
            refused = denial(actor(request), Action.MANAGE_ACCOUNT)
        elif request.method not in SAFE_METHODS and not read_allowed:
            refused = denial(actor(request), Action.CONTRIBUTE)
        else:
            return None
        return error_response(refused, request) if refused is not None else None


class HubErrorMiddleware:
    """Turns domain errors raised by plain Django views into hub error responses."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if isinstance(exc, errors.HubError):
            return error_response(exc, request)
        return None


# Where the viewer app's API lives on the main host (viewer/urls.py).
DATASETS_SERVER_PREFIX = "/api/datasets-server/"


class DatasetsServerMiddleware:
    """`datasets` asks http://datasets-server.<hub host>/info and /parquet on every load.

    Where a wildcard DNS name sends that host to the hub, its paths are the dataset viewer's
    API, which an app serves under DATASETS_SERVER_PREFIX of the main host: the path is
    rewritten there before the URLs are resolved (the core names a path, not the app).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.META.get("HTTP_HOST", "").lower().startswith("datasets-server."):
            request.path_info = DATASETS_SERVER_PREFIX + request.path_info.lstrip("/")
            request.path = request.path_info
        return self.get_response(request)
