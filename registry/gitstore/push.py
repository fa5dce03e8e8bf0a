"""Pushes: the pre-receive hook every repo runs, and the answer the hub gives it.

`git receive-pack` runs the hook once the pack sits in a quarantine directory, before any
ref moves. The hook (pre_receive.py) only carries the ref updates over a Unix socket to the
hub process serving the push; that process decides with the database at hand. From its
answer until receive-pack exits it holds the repo's write lock, so an API commit and a push
take turns: whichever comes second sees the other's commit and is refused (or rebased, for
an API commit without parentCommit), never lost.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings

from registry.gitstore.lfs import POINTER_MAX_SIZE, LfsPointer, parse_pointer
from registry.gitstore.repo import _GIT_ENV, ZERO_OID, GitRepo

_HOOK_SOURCE = Path(__file__).with_name("pre_receive.py")
_QUARANTINE = {"GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_QUARANTINE_PATH"}
# receive-pack waits for the hook; a hook that never writes must not hold the lock forever.
_HOOK_TIMEOUT = 60


@dataclass(frozen=True)
class RefUpdate:
    old: str
    new: str
    ref: str


@dataclass(frozen=True)
class PushedPointer:
    path: str
    pointer: LfsPointer


# The hub's rules for a push: the reason to refuse it, or None to accept.
Decide = Callable[[list[RefUpdate], list[PushedPointer]], str | None]


@cache
def hooks_dir() -> Path:
    """The hub-owned core.hooksPath every push runs with, so repos of any age get the hook.

    Written once per process from pre_receive.py, with this interpreter in the shebang and
    the executable bit set, whatever the installed package kept of file modes.
    """
    folder = settings.HUB_DATA_DIR / "git-hooks"
    script = f"#!{sys.executable} -IS\n{_HOOK_SOURCE.read_text()}"
    target = folder / "pre-receive"
    if not target.is_file() or target.read_text() != script or not os.access(target, os.X_OK):
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder)
        with os.fdopen(fd, "w") as handle:
            handle.write(script)
        os.chmod(tmp, 0o755)
        os.replace(tmp, target)
    return folder


class PushGate:
    """The socket one receive-pack run's hook calls, and the lock its answer takes."""

    def __init__(self, git: GitRepo, decide: Decide):
        self.git = git
        self.decide = decide
        self.accepted: list[RefUpdate] = []
        self._folder = tempfile.mkdtemp(prefix="minihub-push-")
        self.address = os.path.join(self._folder, "hook.sock")
        self._listener = socket.socket(socket.AF_UNIX)
        self._listener.bind(self.address)
        self._listener.listen(1)
        self._lock = ExitStack()

    def fileno(self) -> int:
        return self._listener.fileno()

    def answer(self) -> None:
        """Serves the hook's one call: ref updates in, verdict out."""
        conn, _ = self._listener.accept()
        with conn:
            conn.settimeout(_HOOK_TIMEOUT)
            call = json.loads(conn.makefile("rb").readline())
            refusal = self._judge([RefUpdate(*fields) for fields in call["updates"]], call["env"])
            verdict = {"ok": refusal is None, "message": refusal or ""}
            conn.sendall(json.dumps(verdict).encode() + b"\n")

    def _judge(self, updates: list[RefUpdate], env: dict[str, str]) -> str | None:
        self._lock.enter_context(self.git.write_lock())
        for update in updates:
            if (self.git.ref_target(update.ref) or ZERO_OID) != update.old:
                self.release()
                return (
                    f"{update.ref} moved while you pushed (a commit landed first): "
                    "fetch first, integrate it and push again"
                )
        refusal = self.decide(updates, pushed_pointers(self.git, updates, env))
        if refusal is not None:
            self.release()
            return refusal
        self.accepted = updates
        return None

    def release(self) -> None:
        self._lock.close()

    def close(self) -> None:
        self.release()
        self._listener.close()
        shutil.rmtree(self._folder, ignore_errors=True)


def pushed_pointers(git: GitRepo, updates: list[RefUpdate], env: dict[str, str]) -> list[PushedPointer]:  # fmt: skip
    """The LFS pointers among the files a push adds, read from receive-pack's quarantine."""
    tips = [update.new for update in updates if update.new != ZERO_OID]
    if not tips:
        return []
    run_env = {**_GIT_ENV, **{key: value for key, value in env.items() if key in _QUARANTINE}}
    listed = _git(git, ["rev-list", "--objects", *tips, "--not", "--all"], run_env)
    paths: dict[str, str] = {}
    for line in listed.decode().splitlines():
        oid, _, path = line.partition(" ")
        paths.setdefault(oid, path)
    check = "--batch-check=%(objectname) %(objecttype) %(objectsize)"
    kinds = _git(git, ["cat-file", check], run_env, stdin="\n".join(paths).encode())
    small = [
        oid
        for oid, kind, size in (line.split() for line in kinds.decode().splitlines())
        if kind == "blob" and int(size) <= POINTER_MAX_SIZE
    ]
    if not small:
        return []
    contents = _git(git, ["cat-file", "--batch"], run_env, stdin="\n".join(small).encode())
    found = []
    for oid, data in _batch_objects(contents):
        pointer = parse_pointer(data)
        if pointer is not None:
            found.append(PushedPointer(paths[oid], pointer))
    return found


def _batch_objects(output: bytes) -> list[tuple[str, bytes]]:
    """Splits `git cat-file --batch` output: `<oid> <type> <size>\\n<content>\\n` per object."""
    objects, at = [], 0
    while at < len(output):
        end = output.index(b"\n", at)
        oid, _, size = output[at:end].split()
        start = end + 1
        objects.append((oid.decode(), output[start : start + int(size)]))
        at = start + int(size) + 1
    return objects


def _git(git: GitRepo, args: list[str], env: dict[str, str], stdin: bytes = b"") -> bytes:
    return subprocess.run(
        ["git", *args], cwd=git.path, env=env, input=stdin, capture_output=True, check=True
    ).stdout
