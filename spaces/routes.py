"""The app proxy's fast path: callers the view has just let through to a running Space.

Every request to a Space's app runs the view (spaces/app.py): who is asking, may they see
the repo, is the app RUNNING and where. For an app's own calls (Gradio's page fetches a
dozen files and polls its queue) that costs several times what the app takes to answer. So
once the view has allowed a caller's credentials one Space and found its socket, the same
web process relays that caller's next requests to that socket for HUB_SPACES_ROUTE_TTL
seconds without running it again: the decision is the view's, only reused.

What a reuse may not outlive: the TTL (a token revoked, a member removed or a Space made
private takes effect within it), and the app itself (a socket that refuses sends the request
back through the view, which finds the Space asleep, stopped or rebuilt).
"""

import threading
import time

from django.conf import settings
from django.http.cookie import parse_cookie

# Past this many remembered callers, expired entries go; past it again, all of them.
_MAX_ENTRIES = 10_000

Key = tuple[str, ...]


def _session_cookie(cookie_header: str) -> str:
    # Read as Django reads it for SessionMiddleware (request.COOKIES).
    if settings.SESSION_COOKIE_NAME not in cookie_header:
        return ""
    return parse_cookie(cookie_header).get(settings.SESSION_COOKIE_NAME, "")


def route_key(meta: dict, namespace: str, name: str) -> Key:
    """The Space and every credential the view reads: the session cookie, Authorization and
    gradio_client's X-HF-Authorization. Anything else a caller sends does not change who
    they are."""
    return (
        namespace,
        name,
        _session_cookie(meta.get("HTTP_COOKIE", "")),
        meta.get("HTTP_AUTHORIZATION", ""),
        meta.get("HTTP_X_HF_AUTHORIZATION", ""),
    )


class Route:
    __slots__ = ("expires", "socket", "username")

    def __init__(self, expires: float, socket: str, username: str | None):
        self.expires, self.socket, self.username = expires, socket, username


class RouteCache:
    """Per web process; threads share it."""

    def __init__(self) -> None:
        self._routes: dict[Key, Route] = {}
        self._lock = threading.Lock()

    def allow(self, key: Key, *, socket: str, username: str | None) -> None:
        ttl = settings.HUB_SPACES_ROUTE_TTL
        if not ttl:
            return
        now = time.monotonic()
        with self._lock:
            if len(self._routes) >= _MAX_ENTRIES:
                self._routes = {k: r for k, r in self._routes.items() if r.expires > now}
                if len(self._routes) >= _MAX_ENTRIES:
                    self._routes.clear()
            self._routes[key] = Route(now + ttl, socket, username)

    def get(self, key: Key) -> Route | None:
        route = self._routes.get(key)
        if route is None:
            return None
        if route.expires <= time.monotonic():
            self.forget(key)
            return None
        return route

    def forget(self, key: Key) -> None:
        with self._lock:
            self._routes.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._routes.clear()


ROUTES = RouteCache()
