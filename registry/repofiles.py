"""The one way to read a file of a repo (a selector): every reader of a repo's bytes asks here.

A file is opened for an actor who may read the repo's files (`Action.DOWNLOAD`: visible, and
for a gated repo granted; the card is open to everyone who sees the repo, as its page shows
it); its bytes come from git, or, for an LFS
pointer, from the LFS/Xet object only if that object is linked to this repo (uploaded to it,
or copied from a repo its writer could read). A pointer to any other object reads as a
missing entry: knowing a hash and a size never opens another repo's bytes.
"""

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import BinaryIO

from registry import errors
from registry.blobs import blob_store
from registry.gitstore import Entry, GitRepo
from registry.gitstore.lfs import LfsPointer
from registry.models import AccessToken, LfsObject, Repo, User
from registry.names import validate_path_in_repo
from registry.permissions import Action, Actor, require
from registry.services.objects import (
    object_chunks,
    object_open,
    object_path,
    object_stored,
    object_xet_file,
)
from registry.services.scans import verdicts_ensure
from xetstore.models import XetFile

CARD_PATH = "README.md"


@dataclass(frozen=True)
class RepoFile:
    """A file of `repo` at commit `sha` whose bytes the hub holds for that repo."""

    repo: Repo
    git: GitRepo
    sha: str
    entry: Entry

    @property
    def path(self) -> str:
        return self.entry.path

    @property
    def name(self) -> str:
        return self.entry.path.rsplit("/", 1)[-1]

    @property
    def lfs(self) -> LfsPointer | None:
        return self.entry.lfs

    @property
    def size(self) -> int:
        """The file's own size: the LFS object's, not its pointer's."""
        return self.entry.size

    @cached_property
    def xet_file(self) -> XetFile | None:
        """The Xet store's verified file of an LFS object, if the store holds one."""
        if self.lfs is None:
            return None
        return object_xet_file(oid=self.lfs.oid, size=self.lfs.size)

    def chunks(self, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Bytes `[start, end)`, streamed in bounded memory."""
        end = self.size if end is None else end
        if self.lfs is None:
            return self.git.blob_chunks(self.entry.oid, start, end)
        if self.xet_file is not None and not self.in_blob_store:
            return object_chunks(file=self.xet_file, start=start, end=end)
        return _handle_chunks(self.open(), start, end)

    def read(self, *, limit: int) -> bytes:
        """The whole file, for callers that need it in memory (a 400 past `limit` bytes)."""
        if self.size > limit:
            raise errors.BadRequest(f"{self.path} is over {limit} bytes: too large to read here")
        return b"".join(self.chunks())

    def open(self) -> BinaryIO:
        """A seekable reader (git blobs are at most a few MiB; LFS objects are streamed)."""
        if self.lfs is None:
            return io.BytesIO(b"".join(self.chunks()))
        return object_open(oid=self.lfs.oid, size=self.lfs.size)

    def local_path(self) -> Path:
        """A local file with an LFS object's bytes, for workers that load from disk."""
        if self.lfs is None:
            raise ValueError(f"{self.path} is stored in git, not as an object")
        return object_path(oid=self.lfs.oid, size=self.lfs.size)

    @property
    def in_blob_store(self) -> bool:
        """Whether an LFS object's bytes are a file of the blob store (not only Xet chunks)."""
        return blob_store().size(self.lfs.oid) == self.lfs.size

    def stream(self) -> BinaryIO:
        """A forward-only reader of the whole file, for readers that read it once front to
        back: a Xet file is rebuilt as it is read, never written out whole first."""
        return io.BufferedReader(_ChunkReader(self.chunks()), buffer_size=1024 * 1024)


class _ChunkReader(io.RawIOBase):
    def __init__(self, chunks: Iterator[bytes]):
        self._chunks, self._left = chunks, b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._left:
            piece = next(self._chunks, None)
            if piece is None:
                return 0
            self._left = piece
        count = min(len(buffer), len(self._left))
        buffer[:count] = self._left[:count]
        self._left = self._left[count:]
        return count


def _handle_chunks(handle: BinaryIO, start: int, end: int) -> Iterator[bytes]:
    with handle:
        handle.seek(start)
        left = end - start
        while left > 0 and (data := handle.read(min(left, 1024 * 1024))):
            left -= len(data)
            yield data


def _owned(repo: Repo, entries: list[Entry]) -> set[tuple[str, int]]:
    """The (oid, size) of those LFS pointers among `entries` that `repo` owns and the hub holds:
    one query for a whole snapshot."""
    wanted = {(e.lfs.oid, e.lfs.size) for e in entries if e.lfs is not None}
    if not wanted:
        return set()
    linked = set(
        LfsObject.objects.filter(repo=repo, oid__in={oid for oid, _ in wanted}).values_list(
            "oid", "size"
        )
    )
    return {pair for pair in wanted & linked if object_stored(oid=pair[0], size=pair[1])}


def repo_file_open(
    *,
    user: User,
    token: AccessToken | None = None,
    repo: Repo,
    rev: str,
    path: str,
    git: GitRepo | None = None,
) -> RepoFile:
    """The file at `path` of `rev` for an actor who may read the repo's files.

    GatedRepo (403; 401 anonymous) for a gated repo the actor was not granted. EntryNotFound
    (with the commit in `X-Repo-Commit`, which the client caches the miss under) for a
    folder, a missing path, or a pointer to an object the repo does not own.
    """
    # The Hub serves a gated repo's card to everyone who sees the repo: its terms and the
    # access form's fields are in it.
    action = Action.READ if path == CARD_PATH else Action.DOWNLOAD
    require(Actor(user, token), action, repo=repo)
    git = git or GitRepo(repo.storage_id)
    return repo_file_at(repo=repo, git=git, sha=git.resolve(rev), path=path)


def repo_file_at(*, repo: Repo, git: GitRepo, sha: str, path: str) -> RepoFile:
    """`repo_file_open` for workers, whose request or job was authorised when it was queued
    (see `repo_files_at`): the same ownership rule, no actor."""
    validate_path_in_repo(path)
    entry = git.entry(sha, path)
    missing = errors.EntryNotFound(f"Entry not found: {path}", headers={"X-Repo-Commit": sha})
    if entry is None or entry.type != "file":
        raise missing
    if entry.lfs is not None and not _owned(repo, [entry]):
        raise missing
    return RepoFile(repo, git, sha, entry)


@dataclass(frozen=True)
class Snapshot:
    files: list[RepoFile]  # the files whose bytes the repo owns and the hub holds
    missing: list[str]  # paths of LFS pointers whose bytes it does not


def repo_files_at(*, repo: Repo, sha: str, only: Callable[[str], bool] | None = None) -> Snapshot:
    """Every file of `repo` at `sha` (those whose path `only` accepts), for workers building
    a snapshot.

    Workers act for a request or a job whose actor the interface that queued it has already
    authorised (`repo_file_open`'s visibility rule); ownership is checked here, per file.
    Quarantine: FileQuarantined (422) if the scanner judged any of the files unsafe or could
    not read it; files not scanned yet are scanned first, so the hub never loads unscanned
    bytes, whatever else (HUB_INFERENCE_ALLOW_PICKLE) allows.
    """
    git = GitRepo(repo.storage_id)
    entries = [
        e
        for e in git.list_tree(sha, recursive=True)
        if e.type == "file" and (only is None or only(e.path))
    ]
    owned = _owned(repo, entries)
    readable = [e for e in entries if e.lfs is None or (e.lfs.oid, e.lfs.size) in owned]
    missing = [
        e.path for e in entries if e.lfs is not None and (e.lfs.oid, e.lfs.size) not in owned
    ]
    _quarantine_check(git=git, entries=readable)
    return Snapshot([RepoFile(repo, git, sha, e) for e in readable], missing)


def _quarantine_check(*, git: GitRepo, entries: list[Entry]) -> None:
    verdicts = verdicts_ensure(git=git, entries=entries)
    refused = sorted(path for path, verdict in verdicts.items() if verdict.refused)
    if refused:
        raise errors.FileQuarantined(
            f"Refusing to load {', '.join(refused)}: the scanner flagged "
            f"{'it' if len(refused) == 1 else 'them'} as unsafe (see the file's page)"
        )
