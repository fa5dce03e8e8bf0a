"""Import through the plain Hub API, for a source that does not speak git: the files of one
revision, each checked against what the source's own metadata claims before any of it is
committed (a regular file against its git blob id, an LFS file against its sha256 and
size, by the blob store as it arrives). Nothing is held in memory: regular files wait in a
scratch folder, LFS objects in the blob store, unreachable until a commit points to them.
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from provenance.source import Source, SourceError, SourceFile, file_chunks, git_blob_id
from registry.blobs import blob_store
from registry.errors import HubError
from registry.gitstore import Change, GitRepo, pointer_bytes
from registry.models import Repo
from registry.services.commits import lfs_link

FETCH_THREADS = 4  # files fetched at once from the source


@dataclass(frozen=True)
class Staged:
    """A checked file: its bytes in `scratch` (regular) or in the blob store (LFS)."""

    file: SourceFile
    scratch: Path | None


def snapshot_fetch(
    *, source: Source, sha: str, files: list[SourceFile], scratch: Path
) -> list[Staged]:
    """Fetches and checks `files` of commit `sha`, a few at a time; the first file that
    fails (other bytes than claimed, a dropped connection) stops the import."""

    def fetch(numbered: tuple[int, SourceFile]) -> Staged:
        number, file = numbered
        chunks = file_chunks(source, sha=sha, path=file.path)
        if file.sha256 is not None:
            try:
                blob_store().put(file.sha256, chunks, size=file.size)
            except SourceError:
                raise
            except HubError as exc:
                raise SourceError(
                    f"The source sent other bytes for {file.path} than its metadata's sha256 "
                    f"{file.sha256}: {exc.message}; nothing was imported"
                ) from None
            return Staged(file, None)
        return Staged(file, _regular_write(file, chunks, scratch / str(number)))

    if not files:
        return []
    with ThreadPoolExecutor(max_workers=min(FETCH_THREADS, len(files))) as pool:
        return list(pool.map(fetch, enumerate(files)))


def _regular_write(file: SourceFile, chunks, dest: Path) -> Path:
    digest, size = git_blob_id(file.size), 0
    with dest.open("wb") as handle:
        for chunk in chunks:
            size += len(chunk)
            digest.update(chunk)
            handle.write(chunk)
    if size != file.size or digest.hexdigest() != file.blob:
        raise SourceError(
            f"The source sent other bytes for {file.path} than its metadata's blob id "
            f"{file.blob}: nothing was imported"
        )
    return dest


def snapshot_changes(*, repo: Repo, git: GitRepo, staged: list[Staged]) -> list[Change]:
    """The commit's changes: each checked file written to `git` (an LFS file as its
    pointer, its object linked to `repo`)."""
    changes = []
    for item in staged:
        if item.scratch is not None:
            oid = git.write_blob_from_path(item.scratch)
        else:
            lfs_link(repo=repo, oid=item.file.sha256, size=item.file.size)
            oid = git.write_blob(pointer_bytes(item.file.sha256, item.file.size))
        changes.append(Change("add", item.file.path, oid))
    return changes


def snapshot_outdated(
    *, git: GitRepo, head: str, files: list[SourceFile]
) -> tuple[list[SourceFile], list[str]]:
    """What a sync must fetch (files whose content differs from `head`'s) and which of
    `head`'s files the source no longer has."""
    held = {e.path: e for e in git.list_tree(head, recursive=True) if e.type == "file"}
    wanted = {file.path for file in files}
    changed = []
    for file in files:
        entry = held.get(file.path)
        same_blob = entry is not None and entry.oid == file.blob
        same_object = entry is not None and entry.lfs is not None and entry.lfs.oid == file.sha256
        if not (same_blob or same_object):
            changed.append(file)
    return changed, sorted(path for path in held if path not in wanted)
