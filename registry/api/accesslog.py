"""One log line per request: who asked for what, and how it went."""

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from registry.request import client_address

log = logging.getLogger("minihub.request")


class RequestLogMiddleware:
    """Logs request id, method, path, status, duration and user (fields in JSON logs).

    The duration runs until the response starts: a download's bytes stream after it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.monotonic()
        response = self.get_response(request)
        duration = round((time.monotonic() - started) * 1000, 1)
        user = getattr(request, "user", None)
        fields = {
            "request_id": getattr(request, "request_id", ""),
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": duration,
            "user": user.username if user is not None and user.is_authenticated else None,
            "client": client_address(request),
        }
        log.info(
            "%s %s %s %.1fms user=%s id=%s",
            request.method, request.path, response.status_code, duration,
            fields["user"] or "-", fields["request_id"], extra=fields,
        )  # fmt: skip
        return response
