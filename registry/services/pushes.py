"""Git pushes: which ref updates a push may make, and what follows those that land."""

from registry.gitstore import GitRepo
from registry.gitstore.push import PushedPointer, RefUpdate
from registry.gitstore.repo import ZERO_OID
from registry.models import Repo, User
from registry.services.lfs import lfs_reachable
from registry.services.repos import repo_changed, repo_reindex

MAIN = "refs/heads/main"


def push_check(*, user: User, repo: Repo, updates: list[RefUpdate],
               pointers: list[PushedPointer]) -> str | None:  # fmt: skip
    """Why the push must be refused, or None: branches and tags only, main stays, and every
    LFS pointer names an object stored on the hub that this repo may reference."""
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
    for pushed in pointers:
        oid, size = pushed.pointer.oid, pushed.pointer.size
        if not lfs_reachable(user=user, repo=repo, oid=oid, size=size):
            return (
                f"{pushed.path} is a Git LFS pointer to an object the hub does not have "
                f"({oid}, {size} bytes): push with git-lfs installed (`git lfs install`), "
                "which uploads LFS objects first, or run `git lfs push --all origin`"
            )
    return None


def push_landed(updates: list[RefUpdate], *, repo: Repo, git: GitRepo) -> None:
    """Before the pusher reads that its push is done: the API shows main as pushed."""
    if any(update.ref == MAIN for update in updates):
        repo_reindex(repo=repo, git=git)


def push_answered(updates: list[RefUpdate], *, repo: Repo) -> None:
    """After: the widget examples and leaderboards that follow main catch up."""
    if any(update.ref == MAIN for update in updates):
        repo_changed(repo=repo)
