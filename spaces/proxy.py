"""HTTP/1.1 to a running Space's app over its Unix socket, streamed both ways.

The request body is read from the client as it arrives and written on; the answer is
relayed as the app sends it (read1: whatever bytes are there), so Gradio's server-sent
events reach the browser at once. Hop-by-hop headers are dropped both ways; the visitor's
Authorization and the hub's cookies never reach the app, and the app cannot set the hub's.
"""

import http.client
import socket
import threading
import time
from collections.abc import Iterator
from http.cookies import SimpleCookie

from django.conf import settings
from django.http import HttpRequest, StreamingHttpResponse

from registry.request import client_address
from spaces.errors import SpaceAppGone, SpaceAppUnreachable

HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "trailers", "transfer-encoding", "upgrade",
}  # fmt: skip
# Never forwarded: the visitor's credentials, what the proxy sets itself, and Origin (the
# proxy answers CORS for the app: its pages run on an opaque origin, "null").
_REQUEST_DROP = HOP_BY_HOP | {
    "authorization", "x-hf-authorization", "cookie", "content-length", "host", "origin",
    "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto",
}  # fmt: skip
# Headers of the app's answer the hub replaces with its own.
_RESPONSE_DROP = HOP_BY_HOP | {
    "content-security-policy", "access-control-allow-origin", "set-cookie", "x-frame-options",
}  # fmt: skip
_CHUNK = 64 * 1024
# Gradio's queue keeps event streams open, with a heartbeat every few seconds.
_READ_TIMEOUT = 300


def hub_cookie_names() -> set[str]:
    return {settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, "messages"}


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, *, timeout: float):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self.unix_path)
        self.sock = sock


def _request_headers(request: HttpRequest) -> list[tuple[str, str]]:
    connection_named = {
        token.strip().lower() for token in request.headers.get("Connection", "").split(",")
    }
    headers = [
        (name, value)
        for name, value in request.headers.items()
        if name.lower() not in _REQUEST_DROP and name.lower() not in connection_named
    ]
    cookies = SimpleCookie()
    cookies.load(request.headers.get("Cookie", ""))
    kept = [f"{k}={m.value}" for k, m in cookies.items() if k not in hub_cookie_names()]
    if kept:
        headers.append(("Cookie", "; ".join(kept)))
    forwarded = request.headers.get("X-Forwarded-For")
    address = client_address(request)
    headers += [
        ("Host", request.get_host()),
        ("X-Forwarded-For", f"{forwarded}, {address}" if forwarded else address),
        ("X-Forwarded-Host", request.get_host()),
        ("X-Forwarded-Proto", request.scheme),
    ]
    return headers


def _send_body(conn: UnixConnection, request: HttpRequest, chunked: bool) -> None:
    if chunked:
        # Django reads nothing without a Content-Length: gunicorn's input stream ends
        # where the client's chunked body does.
        stream = request.META["wsgi.input"]
        while data := stream.read(_CHUNK):
            conn.send(b"%x\r\n%s\r\n" % (len(data), data))
        conn.send(b"0\r\n\r\n")
        return
    while data := request.read(_CHUNK):
        conn.send(data)


class ConnectionPool:
    """Idle connections to the apps, by socket: an app (uvicorn, for Gradio) answers a
    request on a kept-alive connection in a fraction of what a new connection costs it.

    A connection is reused only while it has been idle less than `_IDLE_REUSE` seconds,
    well under the apps' own keep-alive timeout (uvicorn's is 5 s), and only after its
    answer was read to the end."""

    def __init__(self) -> None:
        self._idle: dict[str, list[tuple[float, UnixConnection]]] = {}
        self._lock = threading.Lock()

    def take(self, path: str) -> UnixConnection | None:
        now = time.monotonic()
        with self._lock:
            idle = self._idle.get(path, [])
            while idle:
                since, conn = idle.pop()
                if now - since < _IDLE_REUSE:
                    return conn
                conn.close()
        return None

    def give(self, path: str, conn: UnixConnection) -> None:
        with self._lock:
            idle = self._idle.setdefault(path, [])
            if len(idle) < _IDLE_PER_APP:
                idle.append((time.monotonic(), conn))
                return
        conn.close()


POOL = ConnectionPool()
_IDLE_REUSE = 2.0
_IDLE_PER_APP = 16


def _relay(conn: UnixConnection, answer: http.client.HTTPResponse, path: str) -> Iterator[bytes]:
    whole = False
    try:
        while data := answer.read1(_CHUNK):
            yield data
        whole = True
    finally:
        if whole and not answer.will_close:
            answer.close()  # its end was read: the connection is ready for the next request
            POOL.give(path, conn)
        else:
            conn.close()


def _send(conn: UnixConnection, request: HttpRequest, target: str, body: str) -> None:
    conn.putrequest(request.method, target, skip_host=True, skip_accept_encoding=True)
    for name, value in _request_headers(request):
        conn.putheader(name, value)
    if body == "length":
        conn.putheader("Content-Length", request.headers["Content-Length"])
    elif body == "chunked":
        conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    if body:
        _send_body(conn, request, body == "chunked")


def proxy_forward(request: HttpRequest, *, socket_path: str, path: str) -> StreamingHttpResponse:
    """Sends `request` to the app at `socket_path` as `path` (plus the query string) and
    relays its answer; SpaceAppUnreachable (502) if the app does not answer, SpaceAppGone
    (one of them) if its socket refused the connection before anything was sent.

    A kept-alive connection the app closed meanwhile is replaced by a new one, when the
    request has no body (a body read from the client cannot be sent twice)."""
    target = (
        "/"
        + path
        + (f"?{request.META['QUERY_STRING']}" if request.META.get("QUERY_STRING") else "")
    )
    length = request.headers.get("Content-Length")
    chunked = not length and "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    body = "length" if length else "chunked" if chunked else ""
    conn = POOL.take(socket_path) if not body else None
    if conn is not None:
        try:
            _send(conn, request, target, body)
            return _response(conn, conn.getresponse(), socket_path)
        except (OSError, http.client.HTTPException):
            conn.close()
    conn = UnixConnection(socket_path, timeout=_READ_TIMEOUT)
    try:
        conn.connect()
    except OSError as exc:
        conn.close()
        raise SpaceAppGone(f"The Space's app did not answer: {exc}") from None
    try:
        _send(conn, request, target, body)
        answer = conn.getresponse()
    except (OSError, http.client.HTTPException) as exc:
        conn.close()
        raise SpaceAppUnreachable(f"The Space's app did not answer: {exc}") from None
    return _response(conn, answer, socket_path)


def _response(
    conn: UnixConnection, answer: http.client.HTTPResponse, path: str
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_relay(conn, answer, path), status=answer.status)
    del response["Content-Type"]
    connection_named = {
        t.strip().lower() for t in (answer.getheader("Connection") or "").split(",")
    }
    for name, value in answer.getheaders():
        lowered = name.lower()
        if lowered == "set-cookie":
            _keep_app_cookies(response, value)
        elif lowered not in _RESPONSE_DROP and lowered not in connection_named:
            response[name] = value
    return response


def _keep_app_cookies(response: StreamingHttpResponse, header: str) -> None:
    cookies = SimpleCookie()
    cookies.load(header)
    for name, morsel in cookies.items():
        if name not in hub_cookie_names():
            response.cookies[name] = morsel
