"""Git smart HTTP (protocols v0 and v2) served by `git http-backend`, git's own server side.

The request body streams into the CGI process and its output streams back: a pack is never
held in memory. http-backend inflates gzip request bodies itself (HTTP_CONTENT_ENCODING).
"""

import contextlib
import os
import selectors
import signal
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from registry.errors import InternalError
from registry.gitstore.push import Decide, PushGate, hooks_dir
from registry.gitstore.repo import _GIT_ENV, GitRepo

SERVICES = ("git-upload-pack", "git-receive-pack")
_CHUNK = 64 * 1024
_MAX_HEADER_BYTES = 64 * 1024


@dataclass(frozen=True)
class GitHttpRequest:
    method: str
    path_info: str  # "/info/refs", "/git-upload-pack" or "/git-receive-pack"
    query: str
    body: BinaryIO | None
    content_type: str = ""
    content_length: str = ""  # empty when the client sent the body chunked
    content_encoding: str = ""
    git_protocol: str = ""  # the Git-Protocol header: "version=2" asks for protocol v2
    remote_user: str = ""
    remote_addr: str = ""


@dataclass(frozen=True)
class GitHttpResponse:
    status: int
    headers: dict[str, str]
    body: "BackendRun"


def serve(git: GitRepo, request: GitHttpRequest, *, decide: Decide | None = None,
          after_push: Callable[[], None] | None = None) -> GitHttpResponse:  # fmt: skip
    """Runs http-backend for one request; `decide` judges a push's ref updates before they
    land, `after_push` runs once they have (before the client reads the end of the answer).
    """
    gate = PushGate(git, decide) if decide is not None else None
    try:
        process = subprocess.Popen(
            ["git", "http-backend"],
            stdin=subprocess.DEVNULL if request.body is None else subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=_cgi_env(git, request, gate),
            cwd=git.path,
            start_new_session=True,
        )
    except BaseException:
        if gate is not None:
            gate.close()
        raise
    run = BackendRun(process, gate, after_push)
    if request.body is not None:
        threading.Thread(target=_feed, args=(request.body, process.stdin), daemon=True).start()
    try:
        status, headers = run.read_headers()
    except BaseException:
        run.close()
        raise
    return GitHttpResponse(status, headers, run)


def _cgi_env(git: GitRepo, request: GitHttpRequest, gate: PushGate | None) -> dict[str, str]:
    env = {
        **_GIT_ENV,
        "GIT_PROJECT_ROOT": str(git.path),
        "GIT_HTTP_EXPORT_ALL": "1",
        "PATH_INFO": request.path_info,
        "REQUEST_METHOD": request.method,
        "QUERY_STRING": request.query,
        "CONTENT_TYPE": request.content_type,
        "REMOTE_ADDR": request.remote_addr,
    }
    if gate is not None:
        # Every push runs the hub's hook, whenever its repo was created: no per-repo config.
        env.update(
            GIT_CONFIG_COUNT="1",
            GIT_CONFIG_KEY_0="core.hooksPath",
            GIT_CONFIG_VALUE_0=str(hooks_dir()),
            MINIHUB_PUSH_DIR=str(gate.folder),
        )
    optional = {
        "CONTENT_LENGTH": request.content_length,
        "HTTP_CONTENT_ENCODING": request.content_encoding,
        "GIT_PROTOCOL": request.git_protocol,
        # http-backend enables receive-pack only for an authenticated REMOTE_USER.
        "REMOTE_USER": request.remote_user,
    }
    env.update({key: value for key, value in optional.items() if value})
    return env


def _feed(body: BinaryIO, stdin: BinaryIO) -> None:
    """Copies the request body to http-backend; it may stop reading early (an error answer)."""
    try:
        while chunk := body.read(_CHUNK):
            stdin.write(chunk)
    except BrokenPipeError:
        pass
    finally:
        with contextlib.suppress(BrokenPipeError):
            stdin.close()


class BackendRun:
    """One http-backend process (and a push's gate): its output, then `close`, always once.

    Iterating yields the CGI body with the push hook answered in between. One chunk is held
    back: the last goes out after the refs moved, the lock is released and `after_push` ran,
    so a client that sees its push done sees the API agree.
    """

    def __init__(self, process: subprocess.Popen, gate: PushGate | None,
                 after_push: Callable[[], None] | None):  # fmt: skip
        self.process, self.gate, self.after_push = process, gate, after_push
        self._fd = process.stdout.fileno()
        self._first = b""
        self._closed = False

    def read_headers(self) -> tuple[int, dict[str, str]]:
        """The CGI header block (`Status:` and the rest); keeps the body bytes read past it."""
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = os.read(self._fd, _CHUNK)
            if not chunk or len(data) > _MAX_HEADER_BYTES:
                raise InternalError("git http-backend ended without an answer")
            data += chunk
        head, _, self._first = data.partition(b"\r\n\r\n")
        status, headers = 200, {}
        for line in head.decode("latin-1").split("\r\n"):
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.split()[0])
            else:
                headers[name.strip()] = value.strip()
        return status, headers

    def __iter__(self) -> Iterator[bytes]:
        held = self._first
        with selectors.DefaultSelector() as selector:
            selector.register(self._fd, selectors.EVENT_READ, "out")
            if self.gate is not None:
                selector.register(self.gate, selectors.EVENT_READ, "hook")
            while True:
                ready = {key.data for key, _ in selector.select()}
                if "hook" in ready:
                    selector.unregister(self.gate)
                    self.gate.answer()
                if "out" not in ready:
                    continue
                chunk = os.read(self._fd, _CHUNK)
                if not chunk:
                    break
                if held:
                    yield held
                held = chunk
        self.process.wait()
        if self.gate is not None:
            self.gate.release()
            if self.gate.accepted and self.after_push is not None:
                self.after_push()
        if held:
            yield held

    def close(self) -> None:
        """Ends the run early or late; SIGTERM lets git remove its lock files."""
        if self._closed:
            return
        self._closed = True
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait()
        self.process.stdout.close()
        if self.gate is not None:
            self.gate.close()
