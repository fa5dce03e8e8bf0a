"""The one way a change lands, from the API or a page: on a branch, on a PR, or as a new PR."""

from dataclasses import dataclass, field

from registry import errors
from registry.gitstore import Change, GitRepo
from registry.models import AccessToken, Discussion, Repo, User
from registry.permissions import Action, Actor, require
from registry.services import discussions
from registry.services.commits import branch_ref, commit_create
from registry.services.scans import commit_secrets_now


@dataclass(frozen=True)
class Target:
    """Where an authorised commit goes: a ref, and the pull request it belongs to, if any."""

    ref: str
    pull: Discussion | None
    create_pr: bool


@dataclass(frozen=True)
class CommitResult:
    sha: str
    pull: Discussion | None
    secrets: list[dict] = field(default_factory=list)  # what the writer is warned of


def commit_target(
    *, user: User, token: AccessToken | None, repo: Repo, git: GitRepo, rev: str, create_pr: bool
) -> Target:
    """Authorises a commit to `rev` before its payload is read.

    Writers commit to branches; anyone who can see the repo may open a pull request, and a
    pull request's author (or a writer) may add to it.
    """
    if create_pr:
        if rev.startswith("refs/pr/"):
            raise errors.BadRequest("create_pr needs a branch to open the pull request against")
        discussions.require_participant(user, token)
        return Target(branch_ref(git, rev), None, True)
    if rev.startswith("refs/pr/") and rev[8:].isdigit():
        discussions.require_participant(user, token)
        pull = discussions.pr_for_commit(user=user, repo=repo, num=int(rev[8:]))
        return Target(branch_ref(git, rev), pull, False)
    require(Actor(user, token), Action.WRITE, repo=repo)
    return Target(branch_ref(git, rev), None, False)


def change_commit(
    *,
    user: User,
    token: AccessToken | None,
    repo: Repo,
    git: GitRepo,
    target: Target,
    changes: list[Change],
    summary: str,
    description: str,
    parent_commit: str | None,
) -> CommitResult:
    """Commits to the target; a pull request opened for a refused commit is removed again."""
    pull, ref = target.pull, target.ref
    if target.create_pr:
        pull = discussions.discussion_create(
            user=user,
            token=token,
            repo=repo,
            git=git,
            title=summary,
            description=description,
            pull_request=True,
            target_branch=ref.removeprefix("refs/heads/"),
        )
        ref = pull.git_ref
    message = f"{summary}\n\n{description}".strip() + "\n"
    try:
        sha = commit_create(
            user=user,
            repo=repo,
            git=git,
            ref=ref,
            parent_commit=parent_commit,
            changes=changes,
            message=message,
        )
    except errors.HubError:
        if target.create_pr:
            discussions.discussion_discard(discussion=pull, git=git)
        raise
    if pull is not None:
        discussions.pr_record_commit(user=user, discussion=pull, sha=sha, title=summary)
    added = [(c.path, c.oid) for c in changes if c.action == "add" and c.oid]
    return CommitResult(sha, pull, commit_secrets_now(git=git, added=added))
