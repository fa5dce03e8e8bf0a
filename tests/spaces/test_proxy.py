"""The proxy to a running Space's app over its Unix socket: streamed answers (server-sent
events arrive as sent), the visitor's credentials stripped, the sandbox headers added.

The app here is a small real HTTP server on a Unix socket, put in the runtime row as the run
task would record it (the Gradio build itself is tested with the run task)."""

import contextlib
import json
import socket
import socketserver
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import httpx2 as httpx
import pytest

from tests.contract.conftest import make_repo, wire
from tests.live import wait_until

SANDBOX = "sandbox allow-scripts allow-forms allow-popups allow-downloads allow-modals"


class App(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if self.path.startswith("/events"):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for n in range(3):
                line = f"data: {n} {time.monotonic()}\n\n".encode()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
                self.wfile.flush()
                time.sleep(0.5)
            self.wfile.write(b"0\r\n\r\n")
            return
        self._echo(b"")

    def do_POST(self):
        self._echo(self.rfile.read(int(self.headers["Content-Length"])))

    def _echo(self, body: bytes):
        seen = {"path": self.path, "headers": dict(self.headers), "body": body.decode(),
                "connection": id(self)}  # fmt: skip
        data = json.dumps(seen).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Set-Cookie", "sessionid=stolen; Path=/")
        self.send_header("Set-Cookie", "app_pref=1; Path=/")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def __init__(self, path: str):
        self.connections: list[socket.socket] = []
        super().__init__(path, App)

    def process_request(self, request, client_address):
        self.connections.append(request)
        super().process_request(request, client_address)

    def stop(self) -> None:
        """As a killed app: the socket gone, every kept-alive connection closed."""
        self.shutdown()
        self.server_close()
        for connection in self.connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        Path(self.server_address).unlink(missing_ok=True)


@pytest.fixture
def app_server(hub, alice, repo_name, tmp_path):
    path = tmp_path / "app.sock"
    server = UnixServer(str(path))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    repo_id = make_repo(hub, alice, repo_name, repo_type="space", space_sdk="static")
    hub.manage("shell", "-c", (
        "from spaces.models import SpaceRuntime\n"
        f"SpaceRuntime.objects.filter(repo__name={repo_name!r}).update("
        f"sdk='gradio', stage='RUNNING', socket={str(path)!r})"
    ))  # fmt: skip
    server.url = f"{hub.url}/spaces-apps/{repo_id}"
    server.repo_id = repo_id
    yield server
    with contextlib.suppress(OSError):
        server.stop()


@pytest.fixture
def running_app(app_server):
    return app_server.url


@pytest.mark.parametrize("attempt", range(6))  # the view's answer, then the fast path's
def test_it_forwards_without_the_visitors_credentials(hub, alice, running_app, attempt):
    client = wire(hub, alice)
    for _ in range(attempt):
        client.get(running_app + "/").raise_for_status()
    answer = client.post(
        running_app + "/gradio_api/run?x=1", content=b'{"data": [1]}',
        headers={"Cookie": "sessionid=abc; csrftoken=def; app_pref=2",
                 "Content-Type": "application/json"},
    )  # fmt: skip
    assert answer.status_code == 200
    assert answer.headers["x-request-id"]
    seen = answer.json()
    assert seen["path"] == "/gradio_api/run?x=1" and seen["body"] == '{"data": [1]}'
    headers = {k.lower(): v for k, v in seen["headers"].items()}
    assert "authorization" not in headers
    assert headers["cookie"] == "app_pref=2"
    assert answer.headers["content-security-policy"] == SANDBOX
    assert answer.headers["access-control-allow-origin"] == "*"
    assert "stolen" not in answer.headers["set-cookie"]  # the app cannot set the hub's cookie
    assert "app_pref=1" in answer.headers["set-cookie"]


def test_server_sent_events_arrive_as_the_app_sends_them(running_app):
    arrivals = []
    with httpx.stream("GET", running_app + "/events", timeout=10) as answer:
        assert answer.headers["content-type"] == "text/event-stream"
        for line in answer.iter_lines():
            if line.startswith("data:"):
                arrivals.append(time.monotonic())
    assert len(arrivals) == 3
    # Not buffered: the first event came about a second before the last.
    assert arrivals[-1] - arrivals[0] > 0.7


def test_it_answers_the_opaque_origins_preflight(running_app):
    answer = httpx.options(
        running_app + "/gradio_api/queue/join",
        headers={"Origin": "null", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type"},
    )  # fmt: skip
    assert answer.status_code == 204
    assert answer.headers["access-control-allow-origin"] == "*"
    assert answer.headers["access-control-allow-headers"] == "content-type"


def test_the_apps_connection_is_kept_alive_between_requests(running_app):
    with httpx.Client() as client:
        seen = [client.get(running_app + "/").json()["connection"] for _ in range(6)]

    assert len(set(seen)) < len(seen)


def test_charlie_never_rides_on_alices_admission(hub, alice, charlie, app_server):
    alice.api(hub).update_repo_settings(app_server.repo_id, repo_type="space", private=True)
    with wire(hub, alice) as as_alice:
        for _ in range(4):
            as_alice.get(app_server.url + "/").raise_for_status()

    assert wire(hub, charlie).get(app_server.url + "/").status_code == 404
    # Anonymous callers are asked to sign in, as the Hub asks them.
    assert httpx.get(app_server.url + "/").status_code == 401
    assert httpx.get(app_server.url + "/", headers={"Cookie": "app_pref=1"}).status_code == 401


def test_a_space_made_private_is_closed_to_a_visitor_within_seconds(hub, alice, app_server):
    with httpx.Client() as visitor:
        for _ in range(4):
            visitor.get(app_server.url + "/").raise_for_status()
        alice.api(hub).update_repo_settings(app_server.repo_id, repo_type="space", private=True)

        wait_until(
            lambda: visitor.get(app_server.url + "/").status_code == 401,
            timeout=15,  # the route TTL (5 s by default) and margin
            message="the visitor refused",
        )


def test_once_the_app_is_gone_requests_go_back_through_the_view(hub, alice, app_server):
    with wire(hub, alice) as client:
        for _ in range(4):
            client.get(app_server.url + "/").raise_for_status()
        app_server.stop()
        hub.manage("shell", "-c", (
            "from spaces.models import SpaceRuntime\n"
            f"SpaceRuntime.objects.filter(repo__name={app_server.repo_id.split('/')[1]!r})"
            ".update(stage='PAUSED', socket='')"
        ))  # fmt: skip

        answers = [client.get(app_server.url + "/") for _ in range(4)]

    assert {a.status_code for a in answers} == {503}, [a.text for a in answers]
    assert all("paused" in a.json()["error"] for a in answers)
