"""Git pushes: which ref updates a push may make, and what follows those that land."""

from registry.cards import CARD_MAX_BYTES, card_metadata_check
from registry.errors import HubError
from registry.gitstore import GitRepo
from registry.gitstore.push import Accepted, Pushed, RefUpdate
from registry.gitstore.repo import ZERO_OID
from registry.models import AccessToken, Repo, User
from registry.names import validate_path_in_repo, validate_ref_name
from registry.services.lfs import lfs_reachable
from registry.services.objects import commit_export
from registry.services.repos import repo_changed, repo_reindex
from registry.services.scans import scans_gate, scans_required, secrets_now, secrets_warning
from registry.signals import audit_send, ref_move_refusal, repo_event_send

MAIN = "refs/heads/main"


def push_check(
    *, user: User, repo: Repo, updates: list[RefUpdate], pushed: Pushed
) -> str | Accepted | None:
    """Why the push must be refused, or None: branches and tags only, with names the API
    would take, main stays, and the content rules of the commit service hold for what the
    push brings (paths, LFS pointers, README metadata). A push that brings what look like
    secrets is accepted with a warning, as a commit is."""
    refusal = (
        _refs_refusal(updates)
        or _content_refusal(user=user, repo=repo, pushed=pushed)
        or _policy_refusal(user=user, repo=repo, pushed=pushed)
    )
    if refusal is not None or pushed.folder is None:
        return refusal
    found = secrets_now(git=pushed.blobs(), entries=pushed.files())
    return Accepted(secrets_warning(found)) if found else None


def _policy_refusal(*, user: User | None, repo: Repo, pushed: Pushed) -> str | None:
    """What an app's policy says of each branch the push moves (see `ref_move_check`),
    judged on the pushed commits with their quarantined objects."""
    git = pushed.git.with_objects(pushed.folder)
    for update in pushed.updates:
        if update.new == ZERO_OID or not update.ref.startswith("refs/heads/"):
            continue
        refusal = ref_move_refusal(
            repo=repo,
            user=user,
            ref=update.ref,
            sha=update.new,
            export=lambda dest, sha=update.new: commit_export(git=git, sha=sha, dest=dest),
        )
        if refusal is not None:
            return refusal
    return None


def _refs_refusal(updates: list[RefUpdate]) -> str | None:
    for update in updates:
        if update.ref.startswith("refs/pr/"):
            return (
                f"{update.ref} belongs to a pull request and moves only through the hub; "
                "push to a branch instead"
            )
        if not update.ref.startswith(("refs/heads/", "refs/tags/")):
            return f"Only branches and tags can be pushed, not {update.ref}"
        if update.ref == MAIN and update.new == ZERO_OID:
            return "The main branch cannot be deleted"
        if update.old == ZERO_OID:
            kind = "branch" if update.ref.startswith("refs/heads/") else "tag"
            try:
                validate_ref_name(update.ref.split("/", 2)[2], kind=kind)
            except HubError as exc:
                return exc.message
    return None


def history_refusal(*, user: User | None, repo: Repo, pushed: Pushed) -> str | None:
    """Why history arriving another way than a push (an import from another hub, an
    offline bundle) must be refused, or None: the push's rules, but for LFS pointers,
    whose objects the importer fetched and checked itself. `pushed.folder` holds the new
    objects (a staging repository's), `pushed.updates` the ref moves."""
    return (
        _refs_refusal(pushed.updates)
        or _names_refusal(pushed)
        or _scans_refusal(repo=repo, pushed=pushed)
        or _policy_refusal(user=user, repo=repo, pushed=pushed)
    )


def _content_refusal(*, user: User, repo: Repo, pushed: Pushed) -> str | None:
    return (
        _names_refusal(pushed)
        or _pointers_refusal(user=user, repo=repo, pushed=pushed)
        or _scans_refusal(repo=repo, pushed=pushed)
    )


def _names_refusal(pushed: Pushed) -> str | None:
    """Paths git or a client would refuse, README metadata that does not parse."""
    try:
        for name in pushed.names():
            validate_path_in_repo(name)
        for text in pushed.cards(limit=CARD_MAX_BYTES):
            card_metadata_check(text)
    except HubError as exc:
        return exc.message
    return None


def _scans_refusal(*, repo: Repo, pushed: Pushed) -> str | None:
    """An org requiring scans judges the pushed files before the refs move, as commits."""
    if not scans_required(repo):
        return None
    files = pushed.files()
    if not files:
        return None
    try:
        scans_gate(repo=repo, git=pushed.blobs(), entries=files)
    except HubError as exc:
        return exc.message
    return None


def _pointers_refusal(*, user: User, repo: Repo, pushed: Pushed) -> str | None:
    for pointer in pushed.pointers():
        oid, size = pointer.pointer.oid, pointer.pointer.size
        if not lfs_reachable(user=user, repo=repo, oid=oid, size=size):
            return (
                f"{pointer.path} is a Git LFS pointer to an object the hub does not have "
                f"({oid}, {size} bytes): push with git-lfs installed (`git lfs install`), "
                "which uploads LFS objects first, or run `git lfs push --all origin`"
            )
    return None


def push_landed(updates: list[RefUpdate], *, repo: Repo, git: GitRepo) -> None:
    """Before the pusher reads that its push is done: the API shows main as pushed."""
    if any(update.ref == MAIN for update in updates):
        repo_reindex(repo=repo, git=git)


def push_answered(
    updates: list[RefUpdate], *, user: User, token: AccessToken | None, repo: Repo
) -> None:
    """After: the widget examples and leaderboards that follow main catch up, and webhooks
    hear of every ref the push moved (created: no old sha; deleted: no new one)."""
    if any(update.ref == MAIN for update in updates):
        repo_changed(repo=repo)
    refs = [
        {"ref": u.ref, "oldSha": _sha(u.old), "newSha": _sha(u.new)}
        for u in updates
        if u.old != u.new
    ]
    if refs:
        repo_event_send(repo=repo, action="update", scope="repo.content", updatedRefs=refs)
        audit_send(action="repo.push", user=user, token=token, repo=repo, updatedRefs=refs)


def _sha(oid: str) -> str | None:
    return None if oid == ZERO_OID else oid
