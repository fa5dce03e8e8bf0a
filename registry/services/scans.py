"""Verdicts on repo files (registry/scanning), kept in FileScan: each distinct content is
scanned once, whichever repo, path or commit holds it, and every write path is followed by
a worker's scan of the commit it made (`repo_event` -> `commit_scan`)."""

import tempfile
from collections.abc import Iterator
from typing import BinaryIO, Protocol

from django.db import IntegrityError, transaction

from registry import errors
from registry.gitstore import Entry, GitRepo
from registry.memo import Memo
from registry.models import FileScan, Organization, Repo
from registry.scanning import scan, scan_profile
from registry.scanning.secrets import MAX_TEXT_BYTES
from registry.services.objects import object_open, object_stored
from workers.scanning import commit_scan_enqueue

_ZERO_SHA = "0" * 40
_SPOOL_BYTES = 8 << 20  # git blobs above this are spooled to disk for the scanner
# What a write scans for secrets before it answers, so the writer hears of them at once: the
# text files it adds, when they are few and small (a hand-made commit: a card, a config, a
# script). detect-secrets costs about 5 ms a file and reads ~6,000 lines a second, which a
# bulk upload of a thousand files must not pay in its answer: those are scanned by the
# worker that follows the write, and warned of on the file pages.
SECRETS_NOW_FILES = 8
SECRETS_NOW_BYTES = 256 * 1024


class BlobSource(Protocol):
    """Where git blobs are read: a repo, or a push's objects before its refs move."""

    def blob_chunks(self, oid: str, start: int, end: int) -> Iterator[bytes]: ...


def scan_key(entry: Entry) -> tuple[str, str]:
    """(content id, profile): what a verdict is stored under."""
    content = f"sha256:{entry.lfs.oid}" if entry.lfs is not None else f"git:{entry.oid}"
    return content, scan_profile(entry.path)


def verdicts_of(*, entries: list[Entry]) -> dict[str, FileScan]:
    """path -> verdict of those `entries` already scanned (one query); the rest are queued."""
    keys = {scan_key(entry) for entry in entries if entry.type == "file"}
    if not keys:
        return {}
    rows = FileScan.objects.filter(content_id__in={content for content, _ in keys})
    found = {(row.content_id, row.profile): row for row in rows}
    return {e.path: found[scan_key(e)] for e in entries if scan_key(e) in found}


def verdicts_ensure(*, git: BlobSource, entries: list[Entry]) -> dict[str, FileScan]:
    """`verdicts_of`, scanning now whatever was not scanned yet and whose bytes are stored."""
    verdicts = verdicts_of(entries=entries)
    for entry in entries:
        if entry.type != "file" or entry.path in verdicts:
            continue
        row = _entry_scan(git=git, entry=entry)
        if row is not None:
            verdicts[entry.path] = row
    return verdicts


def commit_scan(*, repo: Repo, sha: str) -> int:
    """Scans the files of `repo` at `sha` that have no verdict yet; answers how many."""
    git = GitRepo(repo.storage_id)
    files = [entry for entry in git.list_tree(sha, recursive=True) if entry.type == "file"]
    before = len(verdicts_of(entries=files))
    return len(verdicts_ensure(git=git, entries=files)) - before


def scans_repo_event_listener(*, repo: Repo, scope: str, payload: dict, **signal) -> None:
    """Has a worker scan every commit a write moved a ref to (commits, pushes, merges)."""
    if scope != "repo.content":
        return
    for update in payload.get("updatedRefs", []):
        if update["newSha"] != _ZERO_SHA:
            commit_scan_enqueue(repo_pk=repo.pk, sha=update["newSha"])


def _entry_scan(*, git: BlobSource, entry: Entry) -> FileScan | None:
    handle = _entry_open(git=git, entry=entry)
    if handle is None:
        return None  # bytes the hub does not hold yet: still queued
    content, profile = scan_key(entry)
    with handle:
        verdict = scan(handle, size=entry.size, profile=profile)
    row = FileScan(
        content_id=content,
        profile=profile,
        kind=verdict.kind,
        status=verdict.status,
        level=verdict.level,
        imports=verdict.imports_json(),
        details=verdict.details,
        error=verdict.error,
    )
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:  # another worker scanned the same bytes meanwhile
        return FileScan.objects.get(content_id=content, profile=profile)
    return row


def _entry_open(*, git: BlobSource, entry: Entry) -> BinaryIO | None:
    if entry.lfs is not None:
        if not object_stored(oid=entry.lfs.oid, size=entry.lfs.size):
            return None
        return object_open(oid=entry.lfs.oid, size=entry.lfs.size)
    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115 (caller closes)
    for chunk in git.blob_chunks(entry.oid, 0, entry.size):
        spool.write(chunk)
    spool.seek(0)
    return spool


def secrets_now(*, git: BlobSource, entries: list[Entry]) -> list[dict]:
    """`[{"path", "type", "line"}]`: the secrets in the text files among `entries` (regular
    git files), scanned now when they are within SECRETS_NOW_* (none are, past them); the
    verdicts are kept, so the worker that follows the write does not scan them again."""
    chosen = [
        entry
        for entry in entries
        if entry.type == "file"
        and entry.lfs is None
        and scan_profile(entry.path) == "auto"
        and entry.size <= MAX_TEXT_BYTES
    ]
    if len(chosen) > SECRETS_NOW_FILES or sum(e.size for e in chosen) > SECRETS_NOW_BYTES:
        return []
    verdicts = verdicts_ensure(git=git, entries=chosen)
    return [
        {"path": path, **found}
        for path, row in sorted(verdicts.items())
        for found in (row.details or {}).get("secrets", [])
    ]


def commit_secrets_now(*, git: GitRepo, added: list[tuple[str, str]]) -> list[dict]:
    """`secrets_now` for the (path, blob id) pairs a commit adds, judged by their paths
    first, so a bulk commit reads none of its blobs for it."""
    candidates = [(path, oid) for path, oid in added if scan_profile(path) == "auto"]
    if len(candidates) > SECRETS_NOW_FILES:
        return []
    return secrets_now(git=git, entries=[git.blob_entry(path, oid) for path, oid in candidates])


def secrets_warning(found: list[dict]) -> str:
    """One line for the writer (a git `remote:` line, an `X-HF-Warning` header)."""
    listed = ", ".join(f"{s['path']} line {s['line']} ({s['type']})" for s in found[:5])
    more = f" and {len(found) - 5} more" if len(found) > 5 else ""
    return (
        f"This commit seems to hold secrets: {listed}{more}. Revoke them now: they stay in "
        "the repo's history even after the file changes"
    )


def scans_required(repo: Repo) -> bool:
    """Whether `repo`'s organization requires scans to pass before a branch moves."""
    return Organization.objects.filter(namespace_id=repo.namespace_id, scans_required=True).exists()


def scans_gate(*, repo: Repo, git: BlobSource, entries: list[Entry]) -> None:
    """ScanRefused (422) if the scanner refuses any of the files `entries` a write adds to a
    repo whose organization requires scans (`scans_required`): they are scanned now, before
    the ref moves, instead of after it."""
    verdicts = verdicts_ensure(git=git, entries=entries)
    refused = sorted(path for path, verdict in verdicts.items() if verdict.refused)
    queued = sorted({entry.path for entry in entries} - set(verdicts))
    if refused or queued:
        raise errors.ScanRefused(
            f"{repo.namespace.name} requires scans to pass: "
            + "; ".join(
                part
                for part in (
                    refused and f"the scanner flags {', '.join(refused)} as unsafe",
                    queued and f"{', '.join(queued)} could not be scanned",
                )
                if part
            )
        )


def security_repo_status(*, git: GitRepo, sha: str) -> dict:
    """The Hub's `securityRepoStatus` for commit `sha`: whether every file has a verdict,
    and those whose verdict is not plainly safe."""
    files = [entry for entry in git.list_tree(sha, recursive=True) if entry.type == "file"]
    verdicts = verdicts_of(entries=files)
    issues = [
        {"path": path, "status": row.status, "level": row.level}
        for path, row in sorted(verdicts.items())
        if row.status != "safe"
    ]
    return {"scansDone": len(verdicts) == len(files), "filesWithIssues": issues}


def safetensors_parameters(*, git: GitRepo, sha: str) -> dict | None:
    """The Hub's `safetensors` field (parameters per dtype and their total) over every
    well-formed .safetensors file at `sha`, from the verdicts of their checked headers
    (scanned now if still queued: a header read); None without such a file."""
    # A commit's files never change, nor does a verdict once given: an answer built from a
    # verdict for every file is final (one lacking bytes the hub does not hold yet is not).
    answer, _complete = _safetensors_answers.get_or_build(
        (str(git.path), sha), lambda: _safetensors_count(git=git, sha=sha), keep=lambda a: a[1]
    )
    return answer


_safetensors_answers = Memo(entries=20_000)


def _safetensors_count(*, git: GitRepo, sha: str) -> tuple[dict | None, bool]:
    files = [
        entry
        for entry in git.list_tree(sha, recursive=True)
        if entry.type == "file" and scan_profile(entry.path) == "safetensors"
    ]
    verdicts = verdicts_ensure(git=git, entries=files)
    complete = len(verdicts) == len(files)
    counted = [
        row.details for row in verdicts.values() if row.kind == "safetensors" and not row.error
    ]
    if not counted:
        return None, complete
    parameters: dict[str, int] = {}
    for details in counted:
        for dtype, count in details["parameters"].items():
            parameters[dtype] = parameters.get(dtype, 0) + count
    return {"parameters": parameters, "total": sum(parameters.values())}, complete
