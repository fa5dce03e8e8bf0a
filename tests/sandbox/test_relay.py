"""The app inside is reached only through SandboxProcess.socket: concurrent and streamed."""

import http.client
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: Path) -> None:
        super().__init__("sandbox", timeout=10)
        self.path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(10)
        self.sock.connect(str(self.path))


def get(path: Path, url: str) -> str:
    conn = UnixHTTPConnection(path)
    conn.request("GET", url)
    body = conn.getresponse().read().decode()
    conn.close()
    return body


@pytest.fixture
def server(start):
    started = start("python3", "server.py", "8000", port=8000)
    deadline = time.monotonic() + 10
    while True:  # until the app binds: before that the relay closes each connection
        try:
            get(started.process.socket, "/")
            return started
        except (OSError, http.client.HTTPException):
            assert time.monotonic() < deadline, started.log.read_text()
            time.sleep(0.05)


def test_the_app_answers_through_the_socket(server):
    assert get(server.process.socket, "/hello") == "hello from /hello"


def test_concurrent_requests_are_relayed_side_by_side(server):
    begun = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        bodies = list(pool.map(lambda n: get(server.process.socket, f"/slow?{n}"), range(8)))
    assert bodies == [f"hello from /slow?{n}" for n in range(8)]
    assert time.monotonic() - begun < 2  # eight half-second answers, not four seconds


def test_a_streamed_answer_arrives_as_it_is_sent(server):
    conn = UnixHTTPConnection(server.process.socket)
    conn.request("GET", "/stream")
    response = conn.getresponse()
    arrivals = []
    while line := response.readline():
        if line.startswith(b"data:"):
            arrivals.append(time.monotonic())
    assert len(arrivals) == 5
    # The first event came long before the last was sent: nothing buffered the stream.
    assert arrivals[-1] - arrivals[0] > 0.6


def test_nothing_else_of_the_host_reaches_the_app(server):
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", 8000), timeout=1)
