"""The one place that talks to webhook receivers: a JSON POST with a timeout, nothing more,
and never to an address in the operator's denied networks."""

import http.client
import ipaddress
import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

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


class DeniedAddress(OSError):
    """The receiver's host is, or resolves to, an address in a denied network."""


def address_denial(address: str, denied: Sequence[Network]) -> str | None:
    """Why `address` may not be sent to, or None. An IPv4 address written as IPv6
    (::ffff:127.0.0.1) is judged as the IPv4 address it is."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    for network in denied:
        if ip.version == network.version and ip in network:
            return f"{ip} is in the denied network {network}"
    return None


def _guarded_connect(denied: Sequence[Network]):
    """`socket.create_connection` that connects only to an address it has checked, so a
    name that resolves to an allowed address when checked and a denied one when used
    (DNS rebinding) cannot slip through."""

    def connect(address, timeout=socket._GLOBAL_DEFAULT_TIMEOUT, source_address=None):
        host, port = address
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        reasons = [address_denial(info[4][0], denied) for info in found]
        if any(reasons):
            raise DeniedAddress(f"{host}: {next(r for r in reasons if r)}")
        family, kind, proto, _name, target = found[0]
        sock = socket.socket(family, kind, proto)
        try:
            if timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:
                sock.settimeout(timeout)
            sock.connect(target)
        except OSError:
            sock.close()
            raise
        return sock

    return connect


def _opener(denied: Sequence[Network]) -> urllib.request.OpenerDirector:
    guard = _guarded_connect(denied)

    class Http(http.client.HTTPConnection):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._create_connection = guard

    class Https(http.client.HTTPSConnection):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._create_connection = guard

    class HttpHandler(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(Http, req)

    class HttpsHandler(urllib.request.HTTPSHandler):
        def https_open(self, req):
            return self.do_open(Https, req, context=self._context)

    # No proxy from the environment: a proxy would reach the address the guard refused.
    no_proxy = urllib.request.ProxyHandler({})
    return urllib.request.build_opener(no_proxy, _NoRedirects, HttpHandler, HttpsHandler)


def post_json(
    *, url: str, payload: dict, secret: str, timeout: float, denied: Sequence[Network] = ()
) -> Answer:
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
        with _opener(denied).open(request, timeout=timeout) as response:
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
