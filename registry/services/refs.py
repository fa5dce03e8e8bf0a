"""Branches, tags and squashes: every ref move is a compare-and-swap under the repo's lock."""

import pygit2

from registry import errors
from registry.gitstore import ZERO_OID, GitRepo, RefConflict
from registry.models import AccessToken, Repo, User
from registry.selectors import require_write
from registry.services.repos import author_of, repo_refresh

DEFAULT_BRANCH = "main"


def _valid_ref(ref: str, name: str, kind: str) -> str:
    if not name or name.startswith("refs/") or not pygit2.reference_is_valid_name(ref):
        raise errors.BadRequest(f"Invalid reference for a {kind}: {name}")
    return ref


def _create(git: GitRepo, ref: str, target: str) -> None:
    with git.write_lock():
        try:
            git.update_ref(ref, target, ZERO_OID)
        except RefConflict:
            raise errors.Conflict(f"Reference {ref} already exists") from None


def branch_create(
    *,
    user: User,
    token: AccessToken | None,
    repo: Repo,
    git: GitRepo,
    branch: str,
    starting_point: str | None,
) -> str:
    """Creates `branch` at `starting_point` (default: main's head); 409 if it exists."""
    require_write(user=user, token=token, namespace=repo.namespace)
    ref = _valid_ref(f"refs/heads/{branch}", branch, "branch")
    target = git.resolve(starting_point or DEFAULT_BRANCH)
    _create(git, ref, target)
    return target


def branch_delete(
    *, user: User, token: AccessToken | None, repo: Repo, git: GitRepo, branch: str
) -> None:
    require_write(user=user, token=token, namespace=repo.namespace)
    ref = f"refs/heads/{branch}"
    if branch == DEFAULT_BRANCH:
        raise errors.Forbidden(f"Cannot delete {ref}")
    with git.write_lock():
        current = git.ref_target(ref)
        if current is None:
            raise errors.RevisionNotFound(f"Invalid rev id: {branch}")
        git.update_ref(ref, ZERO_OID, current)


def tag_create(
    *,
    user: User,
    token: AccessToken | None,
    repo: Repo,
    git: GitRepo,
    tag: str,
    revision: str,
    message: str | None,
) -> str:
    """Tags the commit `revision` resolves to (a branch, a PR ref, a full or short sha)."""
    require_write(user=user, token=token, namespace=repo.namespace)
    ref = _valid_ref(f"refs/tags/{tag}", tag, "tag")
    commit = git.resolve(revision)
    target = commit
    if message:
        target = git.write_tag(name=tag, target=commit, message=message, author=author_of(user))
    _create(git, ref, target)
    return commit


def tag_delete(
    *, user: User, token: AccessToken | None, repo: Repo, git: GitRepo, tag: str
) -> None:
    require_write(user=user, token=token, namespace=repo.namespace)
    ref = f"refs/tags/{tag}"
    with git.write_lock():
        current = git.ref_target(ref)
        if current is None:
            raise errors.RevisionNotFound(f"Invalid rev id: {tag}")
        # The ref's own value: the tag object, for annotated tags.
        git.update_ref(ref, ZERO_OID, current)


def super_squash(
    *, user: User, token: AccessToken | None, repo: Repo, git: GitRepo, branch: str, message: str
) -> str:
    """Replaces the branch's history with one commit holding its current tree."""
    require_write(user=user, token=token, namespace=repo.namespace)
    ref = branch if branch.startswith("refs/pr/") else f"refs/heads/{branch}"
    with git.write_lock():
        head = git.ref_target(ref)
        if head is None:
            raise errors.RevisionNotFound(f"Invalid rev id: {branch}")
        sha = git.write_squash(sha=head, message=message, author=author_of(user))
        git.update_ref(ref, sha, head)
    if ref == f"refs/heads/{DEFAULT_BRANCH}":
        repo_refresh(repo=repo, git=git)
    return sha
