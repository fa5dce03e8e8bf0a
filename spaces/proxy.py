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
from http.cookies import Morsel, SimpleCookie

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
    """The visitor's headers as the app gets them, read off the WSGI environ (the fast path
    builds no HttpHeaders)."""
    meta = request.META
    connection_named = {t.strip().lower() for t in meta.get("HTTP_CONNECTION", "").split(",")}
    headers = []
    for key, value in meta.items():
        if key.startswith("HTTP_"):
            name = key[5:].replace("_", "-").lower()
            if name not in _REQUEST_DROP and name not in connection_named:
                headers.append((name, value))
    if meta.get("CONTENT_TYPE"):
        headers.append(("content-type", meta["CONTENT_TYPE"]))
    if "HTTP_COOKIE" in meta:
        cookies = SimpleCookie()
        cookies.load(meta["HTTP_COOKIE"])
        hub = hub_cookie_names()
        kept = [f"{k}={m.value}" for k, m in cookies.items() if k not in hub]
        if kept:
            headers.append(("cookie", "; ".join(kept)))
    forwarded = meta.get("HTTP_X_FORWARDED_FOR")
    address, host = client_address(request), request.get_host()
    headers += [
        ("host", host),
        ("x-forwarded-for", f"{forwarded}, {address}" if forwarded else address),
        ("x-forwarded-host", host),
        ("x-forwarded-proto", request.scheme),
    ]
    return headers


def _send_body(conn: UnixConnection, stream, chunked: bool) -> None:
    if chunked:
        # Django reads nothing without a Content-Length: gunicorn's input stream ends
        # where the client's chunked body does.
        while data := stream.read(_CHUNK):
            conn.send(b"%x\r\n%s\r\n" % (len(data), data))
        conn.send(b"0\r\n\r\n")
        return
    while data := stream.read(_CHUNK):
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
    """`body`: "length" or "chunked" for one streamed from the client, "" for none."""
    conn.putrequest(request.method, target, skip_host=True, skip_accept_encoding=True)
    for name, value in _request_headers(request):
        conn.putheader(name, value)
    if body == "chunked":
        conn.putheader("Transfer-Encoding", "chunked")
    elif body == "length":
        conn.putheader("Content-Length", request.META["CONTENT_LENGTH"])
    conn.endheaders()
    if body == "chunked":
        _send_body(conn, request.META["wsgi.input"], chunked=True)
    elif body == "length":
        _send_body(conn, request, chunked=False)


class Relayed:
    """The app's answer, ready for any server: status, headers (the app's, less what the
    hub replaces), the app's own cookies, and its body as it arrives."""

    def __init__(self, conn: UnixConnection, answer: http.client.HTTPResponse, path: str):
        self.status, self.reason = answer.status, answer.reason
        connection_named = {
            t.strip().lower() for t in (answer.getheader("Connection") or "").split(",")
        }
        self.headers: list[tuple[str, str]] = []
        self.cookies: list[Morsel] = []
        for name, value in answer.getheaders():
            lowered = name.lower()
            if lowered == "set-cookie":
                self.cookies += _app_cookies(value)
            elif lowered not in _RESPONSE_DROP and lowered not in connection_named:
                self.headers.append((name, value))
        self.body = _relay(conn, answer, path)


def relay_open(request: HttpRequest, *, socket_path: str, path: str) -> Relayed:
    """Sends `request` to the app at `socket_path` as `path` (plus the query string) and
    returns its answer; SpaceAppUnreachable (502) if the app does not answer, SpaceAppGone
    (one of them) if its socket refused the connection before anything was sent.

    A kept-alive connection the app closed meanwhile is replaced by a new one; requests
    with a body always take a new connection (a body read from the client cannot be sent
    twice)."""
    meta = request.META
    query = meta.get("QUERY_STRING")
    target = "/" + path + (f"?{query}" if query else "")
    length = meta.get("CONTENT_LENGTH")
    chunked = not length and "chunked" in meta.get("HTTP_TRANSFER_ENCODING", "").lower()
    body = "length" if length else "chunked" if chunked else ""
    conn = POOL.take(socket_path) if not body else None
    if conn is not None:
        try:
            _send(conn, request, target, body)
            return Relayed(conn, conn.getresponse(), socket_path)
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
    return Relayed(conn, answer, socket_path)


def proxy_forward(request: HttpRequest, *, socket_path: str, path: str) -> StreamingHttpResponse:
    """relay_open's answer as Django's response, for the view."""
    relayed = relay_open(request, socket_path=socket_path, path=path)
    response = StreamingHttpResponse(relayed.body, status=relayed.status)
    del response["Content-Type"]
    for name, value in relayed.headers:
        response[name] = value
    for morsel in relayed.cookies:
        response.cookies[morsel.key] = morsel
    return response


def _app_cookies(header: str) -> list[Morsel]:
    cookies = SimpleCookie()
    cookies.load(header)
    hub = hub_cookie_names()
    return [morsel for name, morsel in cookies.items() if name not in hub]
