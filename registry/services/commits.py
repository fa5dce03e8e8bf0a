from dataclasses import dataclass

from registry import errors
from registry.cards import CARD_MAX_BYTES, card_metadata_check
from registry.gitstore import Change, GitRepo, LfsPointer, RefConflict, pointer_bytes
from registry.models import LfsObject, Repo, User
from registry.names import validate_path_in_repo
from registry.permissions import files_readable
from registry.services.objects import commit_export, object_stored
from registry.services.repos import author_of, repo_refresh
from registry.services.scans import scans_gate, scans_required
from registry.signals import audit_send, ref_move_refusal, repo_event_send
from xetstore.models import XetUpload

# A commit that loses the ref race without a parentCommit is rebuilt on the new head.
_MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class LfsRef:
    path: str
    oid: str
    size: int | None


def branch_ref(git: GitRepo, rev: str) -> str:
    """The ref a commit to `rev` moves: an existing branch or an existing PR ref."""
    ref = rev if rev.startswith("refs/pr/") else f"refs/heads/{rev}"
    if git.ref_target(ref) is None:
        raise errors.RevisionNotFound(f"Invalid rev id: {rev}")
    return ref


def lfs_pointer_changes(
    *, user: User, repo: Repo, git: GitRepo, items: list[Change | LfsRef]
) -> list[Change]:
    """`items` with each LFS reference turned into a pointer blob, in order.

    Each object must be stored and reachable from this repo.
    """
    changes = []
    for ref in items:
        if isinstance(ref, Change):
            changes.append(ref)
            continue
        size = _linked_size(user=user, repo=repo, oid=ref.oid)
        if size is None:
            raise errors.BadRequest(
                f"LFS pointer pointed to a file that does not exist: {ref.path} ({ref.oid})",
            )
        if ref.size is not None and ref.size != size:
            raise errors.BadRequest(
                f"LFS object {ref.oid} for {ref.path} is {size} bytes, not {ref.size}"
            )
        changes.append(Change("add", ref.path, git.write_blob(pointer_bytes(ref.oid, size))))
    return changes


def _linked_size(*, user: User, repo: Repo, oid: str) -> int | None:
    """The object's size if this repo may reference it: uploaded to it, or readable elsewhere."""
    linked = LfsObject.objects.filter(repo=repo, oid=oid).first()
    if linked is not None:
        return linked.size if object_stored(oid=oid, size=linked.size) else None
    # A file uploaded through a pull-request Xet token is linked by its uploader's commit only.
    uploads = XetUpload.objects.filter(user_id=user.pk, repo=repo, file__sha256=oid)
    uploaded = uploads.select_related("file").first()
    if uploaded is not None:
        lfs_link(repo=repo, oid=oid, size=uploaded.file.size)
        return uploaded.file.size
    # Copies between repos (CommitOperationCopy, move_repo's clients) reference objects
    # stored for another repo; allowed when the caller can read that repo's files.
    other = LfsObject.objects.filter(oid=oid, repo__in=files_readable(user)).first()
    if other is None or not object_stored(oid=oid, size=other.size):
        return None
    lfs_link(repo=repo, oid=oid, size=other.size)
    return other.size


def lfs_link(*, repo: Repo, oid: str, size: int, quota_exempt: bool = False) -> None:
    """Records that `repo` may reference object `oid` (idempotent). An object the hub
    derived itself is `quota_exempt` until someone links the same bytes as their own."""
    link, created = LfsObject.objects.get_or_create(
        repo=repo, oid=oid, defaults={"size": size, "quota_exempt": quota_exempt}
    )
    if not created and link.quota_exempt and not quota_exempt:
        LfsObject.objects.filter(pk=link.pk).update(quota_exempt=False)


def changes_check(*, user: User, repo: Repo, git: GitRepo, changes: list[Change]) -> None:
    """Refuses (400) a change whose path git or a client would refuse, a pointer to an LFS
    object this repo may not reference, or a README.md whose metadata does not parse.

    A pointer is recognised by its content, not by how it arrived (`lfsFile`, a `file` line
    of any length, the web editor): otherwise knowing a hash would open any stored object.
    """
    for change in changes:
        validate_path_in_repo(change.path)
        if change.action != "add" or change.oid is None:
            continue
        pointer = git.blob_pointer(change.oid)
        if pointer is not None:
            _pointer_check(user=user, repo=repo, path=change.path, pointer=pointer)
        elif change.path == "README.md":
            card_metadata_check(git.read_text(change.oid, limit=CARD_MAX_BYTES))


def _pointer_check(*, user: User, repo: Repo, path: str, pointer: LfsPointer) -> None:
    size = _linked_size(user=user, repo=repo, oid=pointer.oid)
    if size is None or size != pointer.size:
        raise errors.BadRequest(
            f"LFS pointer pointed to a file that does not exist: {path} ({pointer.oid})"
        )


def ref_move_require(*, user: User, repo: Repo, git: GitRepo, ref: str, sha: str) -> None:
    """Refuses (403) a move an app's policy forbids (see `ref_move_check`): every writer
    that moves a branch to a new commit (commits, merges, squashes) asks before it moves;
    the commit object written for it stays unreferenced, so nothing becomes visible."""
    refusal = ref_move_refusal(
        repo=repo,
        user=user,
        ref=ref,
        sha=sha,
        export=lambda dest: commit_export(git=git, sha=sha, dest=dest),
    )
    if refusal is not None:
        raise errors.PolicyRefused(refusal)


def commit_create(
    *,
    user: User,
    repo: Repo,
    git: GitRepo,
    ref: str,
    parent_commit: str | None,
    changes: list[Change],
    message: str,
) -> str:
    """Applies `changes` on `ref`'s head and moves the ref by compare-and-swap.

    A stale `parent_commit` is a 412; without one, a lost race is retried on the new head.
    Every writer ends here, so the content rules hold for all of them: see `changes_check`.
    """
    changes_check(user=user, repo=repo, git=git, changes=changes)
    if scans_required(repo):
        added = [git.blob_entry(c.path, c.oid) for c in changes if c.action == "add" and c.oid]
        scans_gate(repo=repo, git=git, entries=added)
    with git.write_lock():
        for _ in range(_MAX_ATTEMPTS):
            head = git.ref_target(ref)
            if head is None:
                raise errors.RevisionNotFound(f"Invalid rev id: {ref}")
            if parent_commit and not head.startswith(parent_commit.lower()):
                raise errors.PreconditionFailed()
            sha = git.write_commit(
                parent=head, changes=changes, message=message, author=author_of(user)
            )
            ref_move_require(user=user, repo=repo, git=git, ref=ref, sha=sha)
            try:
                git.update_ref(ref, sha, head)
            except RefConflict:
                if parent_commit:
                    raise errors.PreconditionFailed() from None
                continue
            break
        else:
            raise errors.Conflict("The branch kept moving while committing; please retry")
    if ref == "refs/heads/main":
        repo_refresh(repo=repo, git=git)
    repo_event_send(
        repo=repo,
        action="update",
        scope="repo.content",
        updatedRefs=[{"ref": ref, "oldSha": head, "newSha": sha}],
    )
    audit_send(action="repo.commit", user=user, repo=repo, ref=ref, oldSha=head, newSha=sha)
    return sha
