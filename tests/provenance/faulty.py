"""A source hub that misbehaves: a proxy in front of a real live hub that, for one fault,
cuts downloads off half-way (`drop-mid-file`), answers paths-info with a sha256 that is not
the file's (`lie-in-paths-info`), lists a revision's files with a wrong sha256 or git blob
id (`lie-in-revision`, `lie-about-blob`), or does not speak git at all (`no-git`, as a
mirror serving only the API and files). Everything else passes through unchanged."""

import http.client
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

_LARGE = 64 * 1024
_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"}


class FaultyProxy:
    def __init__(self, upstream: str, fault: str):
        self.upstream = urlsplit(upstream)
        self.fault = fault
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> "FaultyProxy":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                self._relay()

            def do_POST(self) -> None:
                self._relay()

            def log_message(self, *args) -> None:
                pass

            def _relay(self) -> None:
                if proxy.fault.startswith("no-git") and ".git/" in self.path:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.send_header("Connection", "close")
                    self.end_headers()
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
                upstream = http.client.HTTPConnection(proxy.upstream.netloc, timeout=60)
                upstream.request(self.command, self.path, body=body, headers=headers)
                answer = upstream.getresponse()
                data = answer.read()
                data = proxy._bend(self.command, self.path, data)
                self.send_response(answer.status)
                for key, value in answer.getheaders():
                    if key.lower() not in _HOP:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Connection", "close")
                self.end_headers()
                if "drop-mid-file" in proxy.fault and len(data) > _LARGE:
                    self.wfile.write(data[: len(data) // 2])
                    self.close_connection = True
                    return
                self.wfile.write(data)
                self.close_connection = True

        return Handler

    def _bend(self, method: str, path: str, data: bytes) -> bytes:
        if self.fault == "lie-in-paths-info" and "/paths-info/" in path:
            items = json.loads(data)
            for item in items:
                if item.get("lfs"):
                    item["lfs"]["oid"] = "0" * 64
            return json.dumps(items).encode()
        if (
            self.fault in ("no-git lie-in-revision", "no-git lie-about-blob")
            and "blobs=true" in path
        ):
            info = json.loads(data)
            for item in info["siblings"]:
                if item.get("lfs") and self.fault.endswith("lie-in-revision"):
                    item["lfs"]["sha256"] = "0" * 64
                lie_about_blob = self.fault.endswith("lie-about-blob")
                if lie_about_blob and item["rfilename"] == "config.json":
                    item["blobId"] = "0" * 40
            return json.dumps(info).encode()
        return data
