"""The one place that talks to webhook receivers: a JSON POST with a timeout, nothing more."""

import http.client
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

# What a delivery log keeps of a receiver's answer.
EXCERPT_BYTES = 1000
USER_AGENT = "Minihub-Webhooks/1"


@dataclass(frozen=True)
class Answer:
    status: int | None  # None: no HTTP answer (refused, timed out, not HTTP)
    excerpt: str
    error: str
    duration_ms: int


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect is the receiver's answer, logged as such: following it would send the
    # payload and its secret to a URL the webhook's owner never gave.
    def redirect_request(self, *args, **kwargs) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def post_json(*, url: str, payload: dict, secret: str, timeout: float) -> Answer:
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
    if secret:
        headers["X-Webhook-Secret"] = secret
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers=headers, method="POST"
    )
    started = time.monotonic()

    def took() -> int:
        return round((time.monotonic() - started) * 1000)

    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return Answer(response.status, _excerpt(response), "", took())
    except urllib.error.HTTPError as answer:  # any status outside 2xx, redirects included
        with answer:
            return Answer(answer.code, _excerpt(answer), "", took())
    except (OSError, http.client.HTTPException, ValueError) as exc:
        # urllib wraps the socket's error (refused, timed out, unknown host): name that one.
        reason = getattr(exc, "reason", None)
        cause = reason if isinstance(reason, BaseException) else exc
        return Answer(None, "", f"{type(cause).__name__}: {cause}"[:500], took())


def _excerpt(response) -> str:
    try:
        return response.read(EXCERPT_BYTES).decode("utf-8", errors="replace")
    except (OSError, http.client.HTTPException):
        return ""
