"""Branches, tags and squashes: every ref move is a compare-and-swap under the repo's lock."""

from registry import errors
from registry.gitstore import ZERO_OID, GitRepo, RefConflict
from registry.gitstore.repo import RefNameClash
from registry.models import AccessToken, Repo, User
from registry.names import validate_ref_name, validate_revision
from registry.permissions import Action, Actor, require
from registry.services.commits import ref_move_require
from registry.services.repos import author_of, repo_refresh
from registry.signals import audit_send

DEFAULT_BRANCH = "main"


def _create(git: GitRepo, ref: str, target: str) -> None:
    with git.write_lock():
        try:
            git.update_ref(ref, target, ZERO_OID)
        except RefNameClash as clash:
            raise errors.Conflict(
                f"Cannot create {ref}: {clash.existing} exists, and git cannot hold a ref "
                "and refs under its name at the same time"
            ) from None
        except RefConflict:
            raise errors.Conflict(f"Reference {ref} already exists") from None


def _tag_message(message: object) -> str:
    """The annotated tag's message ("" for a lightweight tag): text git can store."""
    if message is None:
        return ""
    if not isinstance(message, str):
        raise errors.BadRequest("A tag message must be a string")
    try:
        message.encode()
    except UnicodeEncodeError:
        raise errors.BadRequest("A tag message must be valid text") from None
    return message


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
    require(Actor(user, token), Action.WRITE, repo=repo)
    ref = f"refs/heads/{validate_ref_name(branch, kind='branch')}"
    target = git.resolve(validate_revision(starting_point or DEFAULT_BRANCH))
    _create(git, ref, target)
    audit_send(action="branch.create", user=user, token=token, repo=repo, ref=ref, newSha=target)
    return target


def branch_delete(
    *, user: User, token: AccessToken | None, repo: Repo, git: GitRepo, branch: str
) -> None:
    require(Actor(user, token), Action.WRITE, repo=repo)
    ref = f"refs/heads/{validate_revision(branch)}"
    if branch == DEFAULT_BRANCH:
        raise errors.Forbidden(f"Cannot delete {ref}")
    with git.write_lock():
        current = git.ref_target(ref)
        if current is None:
            raise errors.RevisionNotFound(f"Invalid rev id: {branch}")
        git.update_ref(ref, ZERO_OID, current)
    audit_send(action="branch.delete", user=user, token=token, repo=repo, ref=ref, oldSha=current)


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
    require(Actor(user, token), Action.WRITE, repo=repo)
    # The revision first, as the Hub: a tag on a missing revision is a 404 whatever its name.
    commit = git.resolve(validate_revision(revision))
    ref = f"refs/tags/{validate_ref_name(tag, kind='tag')}"
    message = _tag_message(message)
    target = commit
    if message:
        target = git.write_tag(name=tag, target=commit, message=message, author=author_of(user))
    _create(git, ref, target)
    audit_send(action="tag.create", user=user, token=token, repo=repo, ref=ref, newSha=commit)
    return commit


def tag_delete(
    *, user: User, token: AccessToken | None, repo: Repo, git: GitRepo, tag: str
) -> None:
    require(Actor(user, token), Action.WRITE, repo=repo)
    ref = f"refs/tags/{validate_revision(tag)}"
    with git.write_lock():
        current = git.ref_target(ref)
        if current is None:
            raise errors.RevisionNotFound(f"Invalid rev id: {tag}")
        # The ref's own value: the tag object, for annotated tags.
        git.update_ref(ref, ZERO_OID, current)
    audit_send(action="tag.delete", user=user, token=token, repo=repo, ref=ref, oldSha=current)


def super_squash(
    *, user: User, token: AccessToken | None, repo: Repo, git: GitRepo, branch: str, message: str
) -> str:
    """Replaces the branch's history with one commit holding its current tree."""
    require(Actor(user, token), Action.WRITE, repo=repo)
    validate_revision(branch)
    ref = branch if branch.startswith("refs/pr/") else f"refs/heads/{branch}"
    with git.write_lock():
        head = git.ref_target(ref)
        if head is None:
            raise errors.RevisionNotFound(f"Invalid rev id: {branch}")
        sha = git.write_squash(sha=head, message=message, author=author_of(user))
        ref_move_require(user=user, repo=repo, git=git, ref=ref, sha=sha)
        git.update_ref(ref, sha, head)
    if ref == f"refs/heads/{DEFAULT_BRANCH}":
        repo_refresh(repo=repo, git=git)
    audit_send(
        action="branch.squash", user=user, token=token, repo=repo, ref=ref, oldSha=head, newSha=sha
    )
    return sha
