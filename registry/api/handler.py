"""The one translator from errors to responses, for plain Django views and DRF views alike."""

import logging
import re

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from rest_framework import exceptions as drf

from registry import errors

log = logging.getLogger(__name__)

_DRF_CODES = {
    drf.ParseError: errors.BadRequest,
    drf.ValidationError: errors.BadRequest,
    drf.UnsupportedMediaType: errors.UnsupportedMediaType,
    drf.MethodNotAllowed: errors.MethodNotAllowed,
    drf.NotFound: errors.NotFound,
    drf.NotAuthenticated: errors.AuthenticationRequired,
    drf.AuthenticationFailed: errors.InvalidCredentials,
    drf.PermissionDenied: errors.Forbidden,
}


# git shows a text/plain error body as `remote:` lines; git-lfs reads JSON `message`. Both
# ask for credentials on a 401 only when it carries WWW-Authenticate.
_GIT_PATH_RE = re.compile(r"/(?:info/refs|git-upload-pack|git-receive-pack)$")
_LFS_PATH_RE = re.compile(r"\.git/info/lfs/|^/lfs/")
BASIC_REALM = 'Basic realm="Minihub"'
# A CR or NUL in a header breaks the response; messages may echo what the client sent.
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


def error_response(exc: errors.HubError, request: HttpRequest | None = None) -> HttpResponse:
    # Header values must be latin-1; the body keeps the full text.
    header_text = _CONTROL_RE.sub(" ", exc.message.encode("latin-1", "replace").decode("latin-1"))
    path = request.path if request is not None else ""
    git, lfs = bool(_GIT_PATH_RE.search(path)), bool(_LFS_PATH_RE.search(path))
    if git:
        response = HttpResponse(f"{exc.message}\n", status=exc.status, content_type="text/plain")
    else:
        body = {"error": exc.message, **({"message": exc.message} if lfs else {}), **exc.body}
        response = JsonResponse(body, status=exc.status)
    if exc.status == 401 and (git or lfs):
        response["WWW-Authenticate"] = BASIC_REALM
    response["X-Error-Code"] = exc.code
    response["X-Error-Message"] = header_text
    for name, value in exc.headers.items():
        response[name] = value
    if isinstance(exc, errors.RepoMoved) and request is not None:
        response["Location"] = exc.location(request.get_full_path())
    if request is not None and getattr(request, "request_id", None):
        response["X-Request-Id"] = request.request_id
    return response


def _as_hub_error(exc: Exception) -> errors.HubError | None:
    if isinstance(exc, errors.HubError):
        return exc
    if isinstance(exc, Http404):
        return errors.NotFound()
    for drf_class, hub_class in _DRF_CODES.items():
        if isinstance(exc, drf_class):
            detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
            return hub_class(detail)
    return None


def exception_handler(exc: Exception, context: dict) -> JsonResponse | None:
    """DRF's hook: domain and DRF errors become hub errors; anything else is a 500."""
    hub_error = _as_hub_error(exc)
    if hub_error is None:
        return None
    return error_response(hub_error, context.get("request"))


def not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return error_response(errors.NotFound(f"No route for {request.path}"), request)


def server_error(request: HttpRequest) -> JsonResponse:
    return error_response(errors.InternalError(), request)
