"""From the core's `audit_event` to a spool line: who (from the event, else from the request
it happens in), which token, what, where from. Nothing here touches the database."""

import contextvars
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from audit.spool import spool_append
from registry.request import client_address

# The request this thread is serving. Set at each request's start and not reset: a
# streamed body (a push's post-receive work) runs after the middleware returned, and the
# next request on the thread overwrites it first.
_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar(
    "audit_request", default=None
)
# Detail keys that have a column of their own.
_COLUMNS = ("revision", "path", "bytes")


class AuditContextMiddleware:
    """Lets events raised anywhere in a request name its client address and request id."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        _request.set(request)
        return self.get_response(request)


def _who(user, token, request: HttpRequest | None) -> tuple:
    """The event's user and token; the request's when the sender did not name them, and the
    request's token when it belongs to the user the sender named."""
    if request is None:
        return user, token
    if user is None:
        return getattr(request, "user", None), getattr(request, "hub_token", None)
    request_token = getattr(request, "hub_token", None)
    if token is None and request_token is not None and request_token.user_id == user.pk:
        token = request_token
    return user, token


def event_line(*, action: str, user, token, repo, namespace, detail: dict) -> dict:
    """One event as the spool and the export write it."""
    request = _request.get()
    user, token = _who(user, token, request)
    signed_in = bool(user is not None and user.is_authenticated)
    owner = repo.namespace.name if repo is not None else (namespace.name if namespace else "")
    extra = {k: v for k, v in detail.items() if k not in _COLUMNS}
    return {
        "id": uuid.uuid4().hex,
        "at": datetime.fromtimestamp(time.time(), tz=UTC).isoformat(),
        "action": action,
        "actor": user.username if signed_in else "",
        "actorId": user.pk if signed_in else None,
        "tokenId": str(token.public_id) if token is not None else "",
        "tokenName": token.name if token is not None else "",
        "namespace": owner,
        "repo": repo.repo_id if repo is not None else "",
        "repoType": repo.type if repo is not None else "",
        "revision": detail.get("revision", ""),
        "path": detail.get("path", ""),
        "bytes": detail.get("bytes"),
        "address": client_address(request) if request is not None else "",
        "requestId": getattr(request, "request_id", "") if request is not None else "",
        "detail": extra,
    }


def audit_event_listener(sender, *, action: str, user, token, repo, namespace, detail, **kwargs):
    if not settings.HUB_AUDIT:
        return
    spool_append(
        event_line(
            action=action, user=user, token=token, repo=repo, namespace=namespace, detail=detail
        )
    )
