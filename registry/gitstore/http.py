"""Git smart HTTP (protocols v0 and v2) served by git's own server side.

Fetches run `git http-backend`. Pushes run `git receive-pack --stateless-rpc` directly: for
them http-backend only adds what the hub does anyway (auth, the content type, the
`# service=` line and the no-cache headers) and, as `git http-backend` starts
`git-http-backend` which starts receive-pack, two process starts to each of a push's requests.

The request body streams into git and its output streams back: a pack is never held in
memory. Gzip request bodies are inflated on the way in (http-backend does it for fetches).
"""

import contextlib
import ctypes
import functools
import logging
import os
import selectors
import signal
import subprocess
import sys
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from registry import errors
from registry.gitstore.push import Decide, PushGate, RefUpdate, hooks_dir
from registry.gitstore.repo import _GIT_ENV, GitRepo

log = logging.getLogger(__name__)

SERVICES = ("git-upload-pack", "git-receive-pack")
_CHUNK = 64 * 1024
_MAX_HEADER_BYTES = 64 * 1024
# What http-backend sends with every answer, so no proxy caches refs or results.
_NO_CACHE = {
    "Expires": "Fri, 01 Jan 1980 00:00:00 GMT",
    "Pragma": "no-cache",
    "Cache-Control": "no-cache, max-age=0, must-revalidate",
}

_RECEIVE_PACK = "application/x-git-receive-pack"
# prctl(PR_SET_PDEATHSIG) from <linux/prctl.h>: Linux only, the hub's production platform.
_PR_SET_PDEATHSIG = 1
_prctl = ctypes.CDLL(None, use_errno=True).prctl if sys.platform == "linux" else None

Landed = Callable[[list[RefUpdate]], None]


@dataclass(frozen=True)
class GitHttpRequest:
    service: str  # "git-upload-pack" or "git-receive-pack"
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
    body: "ServiceRun"


def serve(git: GitRepo, request: GitHttpRequest, *, decide: Decide | None = None,
          after_push: Landed | None = None,
          after_answer: Landed | None = None) -> GitHttpResponse:  # fmt: skip
    """Runs git for one request; `decide` judges a push's ref updates before they land.

    Once they have, `after_push` runs before the client reads the end of the answer, and
    `after_answer` (with git's housekeeping) once it has read all of it.
    """
    if request.service == "git-receive-pack":
        return _receive_pack(git, request, decide, after_push, after_answer)
    return _http_backend(git, request)


def _receive_pack(
    git: GitRepo, request: GitHttpRequest, decide: Decide | None, after_push: Landed | None,
    after_answer: Landed | None,
) -> GitHttpResponse:  # fmt: skip
    advertise = request.path_info == "/info/refs"
    if not advertise and request.content_type != f"{_RECEIVE_PACK}-request":
        raise errors.UnsupportedMediaType(f"Expected {_RECEIVE_PACK}-request")
    command = ["git", "receive-pack", "--stateless-rpc", "--advertise-refs", "."]
    if not advertise:
        command.remove("--advertise-refs")
    # As http-backend: no service line when the client asked for v2 (receive-pack answers
    # in v0 all the same; git itself never asks for v2 when it pushes).
    first = b""
    if advertise and not _asks_v2(request.git_protocol):
        first = b"001f# service=git-receive-pack\n0000"
    gate = PushGate(git, decide) if decide is not None else None
    try:
        process = _spawn(command, git, request, {**_GIT_ENV, **_push_env(request, gate)})
    except BaseException:
        if gate is not None:
            gate.close()
        raise
    run = ServiceRun(process, git, gate, after_push, after_answer, first)
    kind = "advertisement" if advertise else "result"
    return GitHttpResponse(200, {**_NO_CACHE, "Content-Type": f"{_RECEIVE_PACK}-{kind}"}, run)


def _asks_v2(git_protocol: str) -> bool:
    return "version=2" in git_protocol.split(":")


def _push_env(request: GitHttpRequest, gate: PushGate | None) -> dict[str, str]:
    user, host = request.remote_user or "anonymous", request.remote_addr or "(none)"
    env = {
        # Reflog identity, as http-backend sets it.
        "GIT_COMMITTER_NAME": user,
        "GIT_COMMITTER_EMAIL": f"{user}@http.{host}",
    }
    if request.git_protocol:
        env["GIT_PROTOCOL"] = request.git_protocol
    if gate is not None:
        # Every push runs the hub's hook, whenever its repo was created: no per-repo config.
        # `git gc --auto` runs once the client has its answer (ServiceRun.close), not before.
        env.update(
            GIT_CONFIG_COUNT="2",
            GIT_CONFIG_KEY_0="core.hooksPath",
            GIT_CONFIG_VALUE_0=str(hooks_dir()),
            GIT_CONFIG_KEY_1="receive.autogc",
            GIT_CONFIG_VALUE_1="false",
            MINIHUB_PUSH_DIR=str(gate.folder),
        )
    return env


def _http_backend(git: GitRepo, request: GitHttpRequest) -> GitHttpResponse:
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
    optional = {
        "CONTENT_LENGTH": request.content_length,
        "HTTP_CONTENT_ENCODING": request.content_encoding,
        "GIT_PROTOCOL": request.git_protocol,
        "REMOTE_USER": request.remote_user,
    }
    env.update({key: value for key, value in optional.items() if value})
    # http-backend inflates gzip bodies itself: the body goes to it as it came.
    run = ServiceRun(_spawn(["git", "http-backend"], git, request, env, inflate=False), git)
    try:
        status, headers = run.read_cgi_headers()
    except BaseException:
        run.close()
        raise
    return GitHttpResponse(status, headers, run)


def _spawn(command: list[str], git: GitRepo, request: GitHttpRequest, env: dict[str, str], *,
           inflate: bool = True) -> subprocess.Popen:  # fmt: skip
    """Starts git in the repo, the request body (inflated if gzip) streaming to its stdin."""
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL if request.body is None else subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
        cwd=git.path,
        start_new_session=True,
        preexec_fn=functools.partial(_die_with_parent, os.getpid()) if _prctl else None,
    )
    if request.body is not None:
        gzipped = inflate and request.content_encoding in ("gzip", "x-gzip")
        feed = (request.body, process.stdin, gzipped)
        threading.Thread(target=_feed, args=feed, daemon=True).start()
    return process


def _die_with_parent(parent: int) -> None:
    """In the child, before exec: git gets SIGTERM when the thread that started it ends.

    A web process killed with SIGKILL runs no cleanup of its own, and git runs in a session
    of its own (so `close` can stop its whole group): without this, a receive-pack waiting
    for its hook would outlive the process that serves it. The kernel sends the signal
    when the starting thread ends, which for the hub's servers (gunicorn's gthread pool,
    runserver's per-request threads) is never before the request is served. SIGTERM, not
    SIGKILL: git then removes its lock files itself (not its push quarantine: the next start
    or fsck does, see gitstore/fsck.py). The hook ends by itself (see push.py). Only a
    foreign call and a system call run here, no Python lock is taken: safe between fork
    and exec of a threaded process.
    """
    _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM.value)
    if os.getppid() != parent:  # the parent ended before the call above: no signal will come
        os.kill(os.getpid(), signal.SIGTERM)


def _feed(body: BinaryIO, stdin: BinaryIO, inflate: bool) -> None:
    """Copies the request body to git; git may stop reading early (an error answer)."""
    inflater = zlib.decompressobj(wbits=31) if inflate else None
    try:
        while chunk := body.read(_CHUNK):
            stdin.write(inflater.decompress(chunk) if inflater else chunk)
        if inflater:
            stdin.write(inflater.flush())
    except (BrokenPipeError, zlib.error):
        pass
    finally:
        with contextlib.suppress(BrokenPipeError):
            stdin.close()


class ServiceRun:
    """One git process (and a push's gate): its output, then `close`, always once.

    Iterating yields git's output with the push hook answered in between. One chunk is held
    back: the last goes out after the refs moved, the lock is released and `after_push` ran,
    so a client that sees its push done sees the API agree. `close`, which the server calls
    once the answer is sent, runs the rest.
    """

    def __init__(self, process: subprocess.Popen, git: GitRepo, gate: PushGate | None = None,
                 after_push: Landed | None = None, after_answer: Landed | None = None,
                 first: bytes = b""):  # fmt: skip
        self.process, self.git, self.gate = process, git, gate
        self.after_push, self.after_answer = after_push, after_answer
        self._fd = process.stdout.fileno()
        self._first = first
        self._landed: list[RefUpdate] = []
        self._closed = False

    def read_cgi_headers(self) -> tuple[int, dict[str, str]]:
        """The CGI header block (`Status:` and the rest); keeps the body bytes read past it."""
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = os.read(self._fd, _CHUNK)
            if not chunk or len(data) > _MAX_HEADER_BYTES:
                raise errors.InternalError("git http-backend ended without an answer")
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
        self._land()
        if held:
            yield held

    def _land(self) -> None:
        """Once receive-pack is done with refs it was allowed to move: lock off, `after_push`."""
        if self.gate is None or self._landed:
            return
        self.gate.release()
        if self.gate.accepted:
            self._landed = self.gate.accepted
            if self.after_push is not None:
                self.after_push(self._landed)

    def close(self) -> None:
        """Ends the run early (SIGTERM lets git remove its lock files), or late: then runs
        a landed push's housekeeping, off the client's clock."""
        if self._closed:
            return
        self._closed = True
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait()
        self.process.stdout.close()
        if self.gate is not None:
            try:
                self._land()  # a client gone after the hook said yes: refs may have moved
            finally:
                self.gate.close()
        if self._landed:
            self._settle()

    def _settle(self) -> None:
        """receive-pack's `git gc --auto` (receive.autogc, off for the hub), `after_answer`."""
        subprocess.run(["git", "gc", "--auto", "--quiet"], cwd=self.git.path, env=_GIT_ENV,
                       stdin=subprocess.DEVNULL, capture_output=True, check=False)  # fmt: skip
        if self.after_answer is None:
            return
        try:
            self.after_answer(self._landed)
        except Exception:
            # The server ignores what goes wrong once the answer is sent: say it here.
            log.exception("After a push to %s", self.git.path)
            raise
