"""A small HTTP receiver on 127.0.0.1 that records what the hub's workers POST to it."""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.live import wait_until


@dataclass
class Received:
    headers: dict
    payload: dict
    at: float


@dataclass
class Receiver:
    """Answers each POST with the next of `statuses` (then 200); while `hold` is clear, an
    answer waits for it."""

    statuses: list[int] = field(default_factory=list)
    hold: threading.Event = field(default_factory=threading.Event)
    received: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.hold.set()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append(
                    Received(dict(self.headers), json.loads(body), time.monotonic())
                )
                receiver.hold.wait(timeout=30)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                answer = f"receiver says {status}".encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def wait_for(self, count: int, *, timeout: float = 30) -> list[Received]:
        wait_until(lambda: len(self.received) >= count, timeout=timeout, message=f"{count} POSTs")
        return self.received

    def close(self) -> None:
        self.hold.set()
        self.server.shutdown()
        self.server.server_close()
