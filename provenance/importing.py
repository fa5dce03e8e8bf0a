"""Import with provenance: a repo brought from another Hub-compatible server with its git
history, every LFS object's bytes checked (their sha256 against the pointer, and each
pointer at the imported revision against the source's paths-info) in a hidden staging
repository before anything is published; `sync` brings new commits the same way. The
history then meets a push's rules (ref names, paths, README metadata, an organization's
scan and signing requirements) before any ref moves.

A source that does not speak git gives the files of the revision instead, through its API
(provenance/snapshot.py): each checked against the source's metadata, then committed as one
commit through the commit service; a sync commits what changed since.
"""

import tempfile
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from provenance.models import RepoSource
from provenance.snapshot import snapshot_changes, snapshot_fetch, snapshot_outdated
from provenance.source import (
    Source,
    SourceError,
    lfs_claims,
    object_chunks,
    object_links,
    revision_files,
    revision_sha,
    speaks_git,
)
from registry.blobs import blob_store
from registry.errors import BadRequest, Conflict, HubError, PolicyRefused
from registry.gitstore import ZERO_OID, Change, GitRepo, RefConflict
from registry.gitstore.fsck import reachable_pointers
from registry.gitstore.lfs import LfsPointer
from registry.gitstore.mirror import borrow_objects, fetch_local, fetch_remote
from registry.gitstore.push import Pushed, RefUpdate
from registry.models import LfsObject, Repo, User
from registry.sealing import seal, unseal
from registry.services.commits import commit_create, lfs_link
from registry.services.pushes import history_refusal
from registry.services.repos import repo_create, repo_delete, repo_info_changed, repo_refresh
from registry.signals import repo_event_send

MAIN = "refs/heads/main"
FETCH_THREADS = 4  # LFS objects fetched at once from the source
VIAS = ("auto", "git", "api")


def repo_import(
    *, user: User, source: Source, to: str | None = None, sync: bool = False,
    private: bool | None = None, via: str = "auto",
) -> Repo:  # fmt: skip
    """Imports the source's repo as `to` (default: the source's id): through git where the
    source speaks it (`auto` asks), else the files of the revision through its API."""
    if via not in VIAS:
        raise BadRequest(f"Unknown import route '{via}': use one of {', '.join(VIAS)}")
    if via == "api" or via == "auto" and not speaks_git(source):
        return repo_import_files(user=user, source=source, to=to, sync=sync, private=private)
    return repo_import_git(user=user, source=source, to=to, sync=sync, private=private)


def repo_import_git(
    *, user: User, source: Source, to: str | None = None, sync: bool = False,
    private: bool | None = None,
) -> Repo:  # fmt: skip
    """Creates `to` with the source's branches and tags, main at the source's revision.
    All or nothing: the repo appears only once every object is stored and checked; a lying
    or failing source leaves no repo behind."""
    sha = revision_sha(source)
    staging_id = uuid.uuid4()
    staging = GitRepo.init(staging_id)
    try:
        fetch_remote(staging, source.web_path, token=source.token)
        objects = _staged_objects(staging=staging, source=source, sha=sha, owner=None)
        repo = repo_publish_new(
            user=user, repo_id=to or source.repo_id, repo_type=source.repo_type,
            private=private, staging=staging, sha=sha, objects=objects,
        )  # fmt: skip
    finally:
        GitRepo.destroy(staging_id)
    repo_source_record(
        repo=repo, url=source.base, source_repo=source.repo_id, revision=source.revision,
        sha=sha, via=RepoSource.Via.GIT, sync=sync, token=source.token, user=user,
    )  # fmt: skip
    return repo


def repo_import_files(
    *, user: User, source: Source, to: str | None = None, sync: bool = False,
    private: bool | None = None,
) -> Repo:  # fmt: skip
    """Creates `to` with one commit holding the files of the source's revision, every file
    checked against the source's metadata before the repo is created; a refusal of the
    commit (the namespace's policy, a name taken) leaves no repo."""
    sha = revision_sha(source)
    files = revision_files(source, sha=sha)
    paths = {file.path for file in files}
    with tempfile.TemporaryDirectory(prefix="minihub-import-", dir=settings.HUB_DATA_DIR) as tmp:
        staged = snapshot_fetch(source=source, sha=sha, files=files, scratch=Path(tmp))
        with _new_repo(user=user, repo_id=to or source.repo_id, repo_type=source.repo_type,
                       private=private) as repo:  # fmt: skip
            git = GitRepo(repo.storage_id)
            changes = snapshot_changes(repo=repo, git=git, staged=staged)
            # The hub's initial files go unless the source has them too: a copy, not a merge.
            changes += [Change("delete_file", e.path) for e in git.list_tree(repo.head_sha)
                        if e.type == "file" and e.path not in paths]  # fmt: skip
            published = commit_create(
                user=user, repo=repo, git=git, ref=MAIN, parent_commit=repo.head_sha,
                changes=changes, message=_import_message(source, sha),
            )  # fmt: skip
    repo_source_record(
        repo=repo, url=source.base, source_repo=source.repo_id, revision=source.revision,
        sha=sha, via=RepoSource.Via.API, sync=sync, token=source.token, user=user,
        published=published,
    )  # fmt: skip
    return repo


def _import_message(source: Source, sha: str) -> str:
    return f"Import {source.repo_id}@{sha[:12]} from {source.base}\n\nSource-Commit: {sha}"


def repo_publish_new(
    *, user: User, repo_id: str, repo_type: str, private: bool | None, staging: GitRepo,
    sha: str, objects: list[LfsPointer],
) -> Repo:  # fmt: skip
    """Creates `repo_id` and publishes the checked staging repository into it; a refusal
    (the namespace's policy, a name taken) leaves no repo."""
    with _new_repo(user=user, repo_id=repo_id, repo_type=repo_type, private=private) as repo:
        repo_publish(repo=repo, user=user, staging=staging, sha=sha, objects=objects)
    return repo


@contextmanager
def _new_repo(*, user: User, repo_id: str, repo_type: str, private: bool | None) -> Iterator[Repo]:
    """Creates `repo_id` for the block to fill; removed again unless the block completes
    (a refusal, a failing source, an interrupted command), so no half-import is visible."""
    namespace, _, name = repo_id.partition("/")
    repo = repo_create(
        user=user, token=None, name=name, repo_type=repo_type, private=private,
        organization=None if namespace == user.username else namespace,
    )  # fmt: skip
    filled = False
    try:
        yield repo
        filled = True
    finally:
        if not filled:
            repo_delete(user=user, token=None, repo=repo)


def repo_import_sync(*, record: RepoSource) -> bool:
    """Brings the source's new commits into an imported repo, checked as an import is;
    False when the source has not moved. Refused (409) once main moved here."""
    repo = record.repo
    source = Source(record.url, repo.type, record.source_repo, record.revision,
                    unseal(record.token) if record.token else None)  # fmt: skip
    sha = revision_sha(source)
    git = GitRepo(repo.storage_id)
    if git.ref_target(MAIN) != (record.published or record.commit):
        raise Conflict(f"main of {repo.repo_id} moved since its import: not syncing over it")
    if sha == record.commit:
        return False
    if record.via == RepoSource.Via.API:
        published = _files_sync(record=record, source=source, sha=sha, git=git)
        RepoSource.objects.filter(pk=record.pk).update(
            commit=sha, published=published, imported_at=timezone.now()
        )
        repo_info_changed(repo_pk=repo.pk)
        return True
    staging_id = uuid.uuid4()
    staging = GitRepo.init(staging_id)
    try:
        borrow_objects(staging, git)
        fetch_local(staging, git)  # its refs tell the source what this hub already has
        fetch_remote(staging, source.web_path, token=source.token)
        objects = _staged_objects(staging=staging, source=source, sha=sha, owner=repo)
        repo_publish(repo=repo, user=record.user, staging=staging, sha=sha, objects=objects)
    finally:
        GitRepo.destroy(staging_id)
    RepoSource.objects.filter(pk=record.pk).update(commit=sha, imported_at=timezone.now())
    repo_info_changed(repo_pk=repo.pk)
    return True


def _files_sync(*, record: RepoSource, source: Source, sha: str, git: GitRepo) -> str:
    """Commits, on main, the files the source changed and removed since the last import
    (fetched and checked as an import's); the commit fails (412) if main moved meanwhile."""
    if record.user is None:
        raise Conflict(f"No importer is recorded for {record.repo.repo_id}: import it again")
    head = record.published
    files = revision_files(source, sha=sha)
    changed, gone = snapshot_outdated(git=git, head=head, files=files)
    with tempfile.TemporaryDirectory(prefix="minihub-import-", dir=settings.HUB_DATA_DIR) as tmp:
        staged = snapshot_fetch(source=source, sha=sha, files=changed, scratch=Path(tmp))
        changes = snapshot_changes(repo=record.repo, git=git, staged=staged)
        changes += [Change("delete_file", path) for path in gone]
        return commit_create(
            user=record.user, repo=record.repo, git=git, ref=MAIN, parent_commit=head,
            changes=changes, message=_import_message(source, sha),
        )  # fmt: skip


def _staged_objects(
    *, staging: GitRepo, source: Source, sha: str, owner: Repo | None
) -> list[LfsPointer]:
    """Main set to the revision, then every LFS object its history points to that `owner`
    does not hold yet fetched from the source, each checked."""
    if staging.ref_target(MAIN) != sha:
        _ref_force(staging, sha)
    _claims_check(staging=staging, source=source, sha=sha)
    pointers = sorted(reachable_pointers(staging), key=lambda p: p.oid)
    if owner is not None:
        held = set(LfsObject.objects.filter(repo=owner).values_list("oid", flat=True))
        pointers = [p for p in pointers if p.oid not in held]
    _objects_fetch(source=source, pointers=pointers)
    return pointers


def _ref_force(staging: GitRepo, sha: str) -> None:
    try:
        staging.update_ref(MAIN, sha, staging.ref_target(MAIN) or ZERO_OID)
    except RefConflict:
        raise SourceError(f"The source's revision {sha} is not in its git history") from None


def _claims_check(*, staging: GitRepo, source: Source, sha: str) -> None:
    """The source's own metadata must agree with its history on every LFS file at `sha`."""
    files = {e.path: e.lfs.oid for e in staging.list_tree(sha, recursive=True) if e.lfs}
    claims = lfs_claims(source, sha=sha, paths=list(files)) if files else {}
    for path, oid in files.items():
        if claims.get(path) != oid:
            raise SourceError(
                f"The source's metadata gives {path} the sha256 {claims.get(path)}, "
                f"its history {oid}: nothing was imported"
            )


def _objects_fetch(*, source: Source, pointers: list[LfsPointer]) -> None:
    """Stores each object from the source, a few at a time; the store keeps bytes only if
    their sha256 and size are the pointer's (bytes already held elsewhere are fetched
    anyway: having them is what entitles a repo to link them)."""
    if not pointers:
        return
    links = object_links(source, [(p.oid, p.size) for p in pointers])
    missing = [p.oid for p in pointers if p.oid not in links]
    if missing:
        raise SourceError(f"The source does not serve LFS object {missing[0]}")

    def fetch(pointer: LfsPointer) -> None:
        href, headers = links[pointer.oid]
        try:
            blob_store().put(pointer.oid, object_chunks(source, href, headers), size=pointer.size)
        except SourceError:
            raise
        except HubError as exc:
            raise SourceError(
                f"The source sent other bytes for LFS object {pointer.oid}: {exc.message}"
            ) from None

    # Downloads and sha256 run side by side (hashlib and sockets release the GIL); the first
    # failure is raised once the others stopped, and nothing is published.
    with ThreadPoolExecutor(max_workers=min(FETCH_THREADS, len(pointers))) as pool:
        for _ in pool.map(fetch, pointers):
            pass


def repo_publish(
    *, repo: Repo, user: User | None, staging: GitRepo, sha: str, objects: list[LfsPointer]
) -> None:
    """Publishes a checked staging repository (main at `sha`, `objects` stored) in one step
    for readers, if a push of the same history would be accepted (registry's push rules,
    the namespace's policies): objects linked first (unreachable until a ref names them),
    then the refs fetched from staging under the repo's write lock."""
    git = GitRepo(repo.storage_id)
    pushed = _as_push(git=git, staging=staging)
    refusal = history_refusal(user=user, repo=repo, pushed=pushed)
    if refusal is not None:
        raise PolicyRefused(refusal)
    for pointer in objects:
        lfs_link(repo=repo, oid=pointer.oid, size=pointer.size)
    with git.write_lock():
        fetch_local(git, staging)
    repo_refresh(repo=repo, git=git)
    # As after a push: the scanner gives the new commits' files verdicts, webhooks hear.
    refs = [{"ref": u.ref, "oldSha": None if u.old == ZERO_OID else u.old, "newSha": u.new}
            for u in pushed.updates]  # fmt: skip
    if refs:
        repo_event_send(repo=repo, action="update", scope="repo.content", updatedRefs=refs)


def _as_push(*, git: GitRepo, staging: GitRepo) -> Pushed:
    """The staging repository's ref moves as the push that would make them, its objects
    as the push's quarantine."""
    old = {**git.refs("refs/heads/"), **git.refs("refs/tags/")}
    new = {**staging.refs("refs/heads/"), **staging.refs("refs/tags/")}
    updates = [RefUpdate(old.get(ref, ZERO_OID), sha, ref) for ref, sha in sorted(new.items())
               if old.get(ref) != sha]  # fmt: skip
    return Pushed(git=git, updates=updates, folder=staging.path / "objects")


def repo_source_record(
    *, repo: Repo, url: str, source_repo: str, revision: str, sha: str, via: str,
    sync: bool = False, token: str | None = None, user: User | None = None,
    published: str = "",
) -> RepoSource:  # fmt: skip
    """Records where `repo` came from (the token sealed, kept only to sync); `published`
    is this hub's commit of it where that is not the source's own (an API import)."""
    record = RepoSource.objects.create(
        repo=repo, url=url, source_repo=source_repo, revision=revision, commit=sha, via=via,
        imported_at=timezone.now(), sync=sync, token=seal(token) if token and sync else None,
        user=user, published=published,
    )  # fmt: skip
    repo_info_changed(repo_pk=repo.pk)
    return record


def syncs_due() -> list[int]:
    """Claims the synced imports whose check is due (compare-and-swap on `checked_at`, so
    one sweeper takes each) and returns their ids."""
    now = timezone.now()
    bound = now - timedelta(seconds=settings.HUB_IMPORT_SYNC_INTERVAL)
    claimed = []
    due = RepoSource.objects.filter(sync=True).exclude(checked_at__gt=bound)
    for pk, checked in due.values_list("pk", "checked_at"):
        if RepoSource.objects.filter(pk=pk, checked_at=checked).update(checked_at=now):
            claimed.append(pk)
    return claimed


def import_sync_run(*, record_pk: int) -> None:
    """One sync, its failure recorded on the row (the next round tries again)."""
    record = RepoSource.objects.select_related("repo__namespace").filter(pk=record_pk).first()
    if record is None:
        return
    try:
        repo_import_sync(record=record)
    except HubError as exc:
        RepoSource.objects.filter(pk=record.pk).update(error=exc.message)
        return
    RepoSource.objects.filter(pk=record.pk).update(error="")
