"""One log line per request: who asked for what, and how it went."""

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from registry.request import request_logged


class RequestLogMiddleware:
    """Logs request id, method, path, status, duration and user (fields in JSON logs).

    The duration runs until the response starts: a download's bytes stream after it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.monotonic()
        response = self.get_response(request)
        user = getattr(request, "user", None)
        request_logged(
            request,
            status=response.status_code,
            duration_ms=round((time.monotonic() - started) * 1000, 1),
            username=user.username if user is not None and user.is_authenticated else None,
            request_id=getattr(request, "request_id", ""),
        )
        return response
