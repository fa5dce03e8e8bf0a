"""Request body size and API rate limits, applied before any view runs."""

from collections.abc import Callable
from typing import BinaryIO

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from registry import errors
from registry.api.handler import error_response
from registry.request import client_address
from registry.services.limits import rate_limit_take

# LFS transfers through the hub (the local store) carry whole objects: they have the
# object limit instead of the request limit.
_TRANSFER_PREFIXES = ("/lfs/upload/", "/lfs/part/")


def _too_large(limit: int) -> errors.PayloadTooLarge:
    return errors.PayloadTooLarge(f"Request body too large: this hub accepts at most {limit} bytes")


class _CappedInput:
    """The server's input stream, refusing to read past `limit` bytes.

    Django reads no body without a Content-Length; views that take chunked bodies (git
    pushes over http.postBuffer) read the server's stream, so the cap goes there too.
    """

    def __init__(self, stream: BinaryIO, limit: int):
        self._stream, self._left, self._limit = stream, limit, limit

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(self._left + 1 if size is None or size < 0 else size)
        self._left -= len(data)
        if self._left < 0:
            raise _too_large(self._limit)
        return data


class BodySizeLimitMiddleware:
    """413 PayloadTooLarge for bodies over HUB_MAX_REQUEST_BYTES (by Content-Length up front,
    by counting when the body is chunked)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        transfer = request.path.startswith(_TRANSFER_PREFIXES)
        limit = settings.HUB_MAX_OBJECT_BYTES if transfer else settings.HUB_MAX_REQUEST_BYTES
        length = request.META.get("CONTENT_LENGTH", "")
        if length.isdigit() and int(length) > limit:
            return error_response(_too_large(limit), request)
        if "wsgi.input" in request.META:
            request.META["wsgi.input"] = _CappedInput(request.META["wsgi.input"], limit)
        return self.get_response(request)


class RateLimitMiddleware:
    """Fixed-window limits on /api/: per token, or per client address for calls without one.

    Every counted answer carries the Hub's `RateLimit` and `RateLimit-Policy` headers; past
    the quota it is a 429 with `Retry-After`, which huggingface_hub waits out and retries.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/") or request.path == "/api/health":
            return self.get_response(request)
        token = getattr(request, "hub_token", None)
        if token is not None:
            key, per_minute = f"token:{token.pk}", settings.HUB_RATE_LIMIT_PER_MINUTE
        else:
            key = f"ip:{client_address(request)}"
            per_minute = settings.HUB_RATE_LIMIT_ANONYMOUS_PER_MINUTE
        if not per_minute:
            return self.get_response(request)
        try:
            window = rate_limit_take(key=key, per_minute=per_minute)
        except errors.TooManyRequests as exc:
            return error_response(exc, request)
        response = self.get_response(request)
        for name, value in window.headers().items():
            response[name] = value
        return response
