"""The one translator from errors to responses, for plain Django views and DRF views alike."""

import logging

from django.http import Http404, HttpRequest, JsonResponse
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


def error_response(exc: errors.HubError, request: HttpRequest | None = None) -> JsonResponse:
    # Header values must be latin-1; the JSON body keeps the full text.
    header_text = exc.message.encode("latin-1", "replace").decode("latin-1").replace("\n", " ")
    response = JsonResponse({"error": exc.message, **exc.body}, status=exc.status)
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
