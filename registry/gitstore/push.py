"""Pushes: the pre-receive hook every repo runs, and the answer the hub gives it.

`git receive-pack` runs the hook once the pack sits in a quarantine directory, before any
ref moves. The hook only carries the ref updates, through two FIFOs, to the hub process
serving the push; that process decides with the database at hand. From its answer until
receive-pack exits it holds the repo's write lock, so an API commit and a push take turns:
whichever comes second sees the other's commit and is refused (or rebased, for an API
commit without parentCommit), never lost.
"""

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Protocol

import pygit2
from django.conf import settings

from registry.errors import InternalError
from registry.gitstore.lfs import POINTER_MAX_SIZE, LfsPointer, parse_pointer
from registry.gitstore.repo import _GIT_ENV, ZERO_OID, Entry, GitRepo
from registry.gitstore.roots import RepoMoved

# A shell script, not Python: it runs on every push, and sh starts in a millisecond.
# No open of a FIFO may wait for the hub, and no read may outlive it: each FIFO is first
# opened read-write (which never blocks) so that the real one-way open finds its other end,
# then that read-write end is closed. The hub is then the only other end of both: if its
# process dies (a killed web process), the call fails on a broken pipe, or the answer reads
# as end-of-file and the push is refused, instead of a hook waiting forever.
_HOOK = """\
#!/bin/sh
# Minihub's pre-receive hook (written by registry/gitstore/push.py): hands the ref updates
# to the hub process serving this push, and prints its answer (git shows `remote:` lines).
if [ -z "$MINIHUB_PUSH_DIR" ]; then
    echo "Push through Minihub's HTTP endpoint, not to the repository on disk" >&2
    exit 1
fi
exec 3<> "$MINIHUB_PUSH_DIR/answer"
exec 5< "$MINIHUB_PUSH_DIR/answer" 3<&-
exec 3<> "$MINIHUB_PUSH_DIR/call"
exec 4> "$MINIHUB_PUSH_DIR/call" 3<&-
{ echo "$GIT_QUARANTINE_PATH"; cat; } >&4
exec 4>&-
read -r verdict <&5
read -r message <&5
[ -z "$message" ] || printf "%s\\n" "$message" >&2
[ "$verdict" = accept ]
"""


@dataclass(frozen=True)
class RefUpdate:
    old: str
    new: str
    ref: str


@dataclass(frozen=True)
class PushedPointer:
    path: str
    pointer: LfsPointer


@dataclass(frozen=True)
class Accepted:
    """A push accepted with a word for the pusher (git shows it as a `remote:` line)."""

    note: str


class Decide(Protocol):
    """The hub's rules for a push: the reason to refuse it, or None (or Accepted, with a
    note) to accept it."""

    def __call__(self, *, updates: list[RefUpdate], pushed: "Pushed") -> str | Accepted | None: ...


@dataclass(frozen=True)
class Pushed:
    """What a push brings, read from receive-pack's quarantine when the rules ask."""

    git: GitRepo
    updates: list[RefUpdate]
    folder: Path | None

    def pointers(self) -> list[PushedPointer]:
        return pushed_pointers(self.git, self.updates, self.folder)

    def names(self) -> set[str]:
        return pushed_names(self.git, self.folder)

    def cards(self, *, limit: int) -> list[str]:
        return pushed_cards(self.git, self.updates, self.folder, limit=limit)

    def files(self) -> list[Entry]:
        return pushed_files(self.git, self.updates, self.folder)

    def blobs(self) -> "PushedBlobs":
        """The pushed blobs' reader (only for a push that brought objects)."""
        return PushedBlobs(self.git, self.folder)


def hooks_folder() -> Path:
    return settings.HUB_DATA_DIR / "git-hooks"


@cache
def hooks_dir() -> Path:
    """The hub-owned core.hooksPath every push runs with, so repos of any age get the hook.

    Written once per process, then run once: git skips a hook it cannot execute (a data
    volume mounted noexec) without a word, so pushes must fail loudly instead.
    """
    folder = hooks_folder()
    target = folder / "pre-receive"
    if not target.is_file() or target.read_text() != _HOOK or not os.access(target, os.X_OK):
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder)
        with os.fdopen(fd, "w") as handle:
            handle.write(_HOOK)
        os.chmod(tmp, 0o755)
        os.replace(tmp, target)
    try:
        subprocess.run([target], env={}, capture_output=True, check=False)
    except OSError as exc:
        raise InternalError(f"The push hook {target} cannot run: {exc}") from None
    return folder


class PushGate:
    """The FIFOs one receive-pack run's hook calls through, and the lock its answer takes."""

    def __init__(self, git: GitRepo, decide: Decide):
        self.git = git
        self.decide = decide
        self.accepted: list[RefUpdate] = []
        # The pid in the name tells a later start (stale_push_folders) whose folder it is.
        self.folder = Path(tempfile.mkdtemp(prefix=f"{_folder_prefix()}{os.getpid()}-"))
        os.mkfifo(self.folder / "call")
        os.mkfifo(self.folder / "answer")
        # Without O_NONBLOCK this open would wait for the hook; selectors see it once it writes.
        self._call = os.open(self.folder / "call", os.O_RDONLY | os.O_NONBLOCK)
        # Held from now on, so the hook's open of the answer never waits, and its read ends
        # when this process does. Read-write: a write-only open fails without a reader.
        self._answer: int | None = os.open(self.folder / "answer", os.O_RDWR)
        self._lock = ExitStack()

    def fileno(self) -> int:
        return self._call

    def answer(self) -> None:
        """Serves the hook's one call: the quarantine and ref updates in, the verdict out."""
        os.set_blocking(self._call, True)
        call = b""
        while chunk := os.read(self._call, 65536):
            call += chunk
        if not call:  # the hook died before calling; receive-pack refuses the push itself
            return
        quarantine, *lines = call.decode().splitlines()
        updates = [RefUpdate(*line.split()) for line in lines if line.strip()]
        refusal = self._judge(updates, quarantine)
        if refusal is None or isinstance(refusal, Accepted):
            note = " ".join(refusal.note.split()) if refusal else ""
            verdict = f"accept\n{note}\n"
        else:
            verdict = f"refuse\n{' '.join(refusal.split())}\n"
        os.write(self._answer, verdict.encode())
        self._close_answer()  # the hook reads the verdict, then end-of-file

    def _judge(self, updates: list[RefUpdate], quarantine: str) -> str | Accepted | None:
        try:
            self._lock.enter_context(self.git.write_lock())
        except RepoMoved as moved:
            return f"{moved.message}: push again"
        for update in updates:
            if (self.git.ref_target(update.ref) or ZERO_OID) != update.old:
                self.release()
                return (
                    f"{update.ref} moved while you pushed (a commit landed first): "
                    "fetch first, integrate it and push again"
                )
        folder = _quarantine(self.git, quarantine)
        refusal = _not_a_commit(self.git, updates, folder) or self.decide(
            updates=updates, pushed=Pushed(self.git, updates, folder)
        )
        if isinstance(refusal, str):
            self.release()
            return refusal
        self.accepted = updates
        return refusal

    def release(self) -> None:
        self._lock.close()

    def close(self) -> None:
        self.release()
        os.close(self._call)
        self._close_answer()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _close_answer(self) -> None:
        if self._answer is not None:
            os.close(self._answer)
            self._answer = None


def stale_push_folders() -> list[Path]:
    """This hub's gate folders of processes that are gone (killed while serving a push).

    Only the pid in the name decides: a folder lives exactly as long as a push of its
    process, however long that is, and the temporary directory is this machine's own, so
    a pid that is not running here cannot be serving a push. A reused pid keeps its
    folder (two FIFOs) until that process ends too.
    """
    found = []
    prefix = _folder_prefix()
    for folder in Path(tempfile.gettempdir()).glob(f"{prefix}*-*"):
        pid = folder.name.removeprefix(prefix).split("-", 1)[0]
        if pid.isdigit() and not _running(int(pid)):
            found.append(folder)
    return found


def _folder_prefix() -> str:
    """Names this hub's folders apart from those of other hubs on the machine (each with a
    data directory of its own), which its checks must neither report nor remove."""
    hub = hashlib.sha256(str(settings.HUB_DATA_DIR).encode()).hexdigest()[:10]
    return f"minihub-push-{hub}-"


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # sends nothing: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, as another user's
        pass
    return True


def _quarantine(git: GitRepo, path: str) -> Path | None:
    """receive-pack's directory of the pushed objects (none when the push only deletes)."""
    folder = Path(path) if path else None
    if folder is None or not folder.resolve().is_relative_to(git.path.resolve()):
        return None
    return folder


def _not_a_commit(git: GitRepo, updates: list[RefUpdate], folder: Path | None) -> str | None:
    """Every ref must lead to a commit: the API lists branches and tags by their commits."""
    repo = pygit2.Repository(str(git.path))
    if folder is not None:
        repo.odb.add_disk_alternate(str(folder))
    for update in updates:
        if update.new == ZERO_OID:
            continue
        try:
            repo[update.new].peel(pygit2.Commit)
        except (KeyError, pygit2.GitError):
            return f"{update.ref} must point to a commit"
    return None


def pushed_pointers(
    git: GitRepo, updates: list[RefUpdate], folder: Path | None
) -> list[PushedPointer]:
    """The LFS pointers a push adds to the new tips' trees.

    Only objects in receive-pack's quarantine are new; every other object passed this check
    (or the API's) when it arrived. Most pushes bring no pointer and never walk history.
    """
    if folder is None:
        return []
    candidates = _pointer_blobs(folder)
    if not candidates:
        return []
    env = {
        **_GIT_ENV,
        "GIT_OBJECT_DIRECTORY": str(folder),
        "GIT_ALTERNATE_OBJECT_DIRECTORIES": str(git.path / "objects"),
    }
    tips = [update.new for update in updates if update.new != ZERO_OID]
    listed = subprocess.run(
        ["git", "rev-list", "--objects", *tips, "--not", "--all"],
        cwd=git.path, env=env, capture_output=True, check=True,
    ).stdout  # fmt: skip
    found = []
    for line in listed.decode().splitlines():
        oid, _, path = line.partition(" ")
        if oid in candidates:
            found.append(PushedPointer(path, candidates.pop(oid)))
    return found


def _pointer_blobs(quarantine: Path) -> dict[str, LfsPointer]:
    """Blob id -> pointer, for every blob in the quarantine that is an LFS pointer."""
    odb = pygit2.Odb()
    odb.add_disk_alternate(str(quarantine))
    found = {}
    for oid in odb:
        kind, size = odb.read_header(oid)
        if kind == pygit2.enums.ObjectType.BLOB and size <= POINTER_MAX_SIZE:
            pointer = parse_pointer(odb.read(oid)[1])
            if pointer is not None:
                found[str(oid)] = pointer
    return found


def pushed_names(git: GitRepo, folder: Path | None) -> set[str]:
    """Every entry name of the trees a push brings: the segments of every new path."""
    if folder is None:
        return set()
    new, repo = _quarantine_odb(folder), _with_quarantine(git, folder)
    names = set()
    for oid in new:
        if new.read_header(oid)[0] == pygit2.enums.ObjectType.TREE:
            names.update(entry.name for entry in repo[oid])
    return names


def pushed_cards(
    git: GitRepo, updates: list[RefUpdate], folder: Path | None, *, limit: int
) -> list[str]:
    """The first `limit` bytes of each README.md a push brings to a branch tip's root."""
    if folder is None:
        return []
    new, repo, texts = _quarantine_odb(folder), _with_quarantine(git, folder), []
    for update in updates:
        if update.new == ZERO_OID or not update.ref.startswith("refs/heads/"):
            continue
        tree = repo[update.new].peel(pygit2.Commit).tree
        if "README.md" in tree and new.exists(tree["README.md"].id):
            texts.append(repo[tree["README.md"].id].data[:limit].decode("utf-8", "replace"))
    return texts


def _quarantine_odb(folder: Path) -> pygit2.Odb:
    """The pushed objects alone."""
    odb = pygit2.Odb()
    odb.add_disk_alternate(str(folder))
    return odb


def _with_quarantine(git: GitRepo, folder: Path) -> pygit2.Repository:
    """The repo as receive-pack sees it: its objects and the pushed ones."""
    repo = pygit2.Repository(str(git.path))
    repo.odb.add_disk_alternate(str(folder))
    return repo


def pushed_files(git: GitRepo, updates: list[RefUpdate], folder: Path | None) -> list[Entry]:
    """The files whose blobs a push brings, at the branch tips it moves (LFS pointers as
    their objects)."""
    if folder is None:
        return []
    new, repo = _quarantine_odb(folder), _with_quarantine(git, folder)
    found: dict[str, Entry] = {}
    for update in updates:
        if update.new != ZERO_OID and update.ref.startswith("refs/heads/"):
            tree = repo[update.new].peel(pygit2.Commit).tree
            _new_blobs(repo, new, tree, "", found)
    return list(found.values())


def _new_blobs(repo: pygit2.Repository, new: pygit2.Odb, tree: pygit2.Tree, prefix: str,
               found: dict[str, Entry]) -> None:  # fmt: skip
    for item in tree:
        path = f"{prefix}{item.name}"
        if item.type_str == "tree":
            # A tree the repo held before holds only blobs it held before: not walked.
            if new.exists(item.id):
                _new_blobs(repo, new, repo[item.id], f"{path}/", found)
        elif item.type_str == "blob" and new.exists(item.id):
            size = new.read_header(item.id)[1]
            pointer = parse_pointer(repo[item.id].data) if size <= POINTER_MAX_SIZE else None
            size = pointer.size if pointer else size
            found[path] = Entry(path=path, type="file", oid=str(item.id), size=size, lfs=pointer)


@dataclass(frozen=True)
class PushedBlobs:
    """Reads a push's blobs from receive-pack's quarantine, before its refs move."""

    git: GitRepo
    folder: Path

    def blob_chunks(self, oid: str, start: int, end: int) -> Iterator[bytes]:
        yield _with_quarantine(self.git, self.folder)[oid].data[start:end]
