"""Discussions and pull requests. A pull request's commits live on the real ref refs/pr/<num>."""

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from registry import errors
from registry.gitstore import ZERO_OID, GitRepo, RefConflict
from registry.models import AccessToken, Discussion, DiscussionEvent, Repo, User
from registry.permissions import Action, Actor, allows, require
from registry.services.commits import ref_move_require
from registry.services.repos import author_of, repo_refresh
from registry.signals import audit_send, repo_event_send

Status = Discussion.Status
Kind = DiscussionEvent.Kind


def require_participant(user: User, token: AccessToken | None) -> None:
    """Anyone signed in who can see the repo takes part, with a token that may write."""
    require(Actor(user, token), Action.CONTRIBUTE)


def can_maintain(user: User, repo: Repo) -> bool:
    return allows(Actor(user), Action.WRITE, repo=repo)


def _require_author_or_maintainer(user: User, discussion: Discussion) -> None:
    if discussion.author_id != user.pk and not can_maintain(user, discussion.repo):
        raise errors.Forbidden("Only the author or the repo's maintainers can do this")


def discussion_create(
    *,
    user: User,
    token: AccessToken | None,
    repo: Repo,
    git: GitRepo,
    title: str,
    description: str,
    pull_request: bool,
    status: str = Status.OPEN,
    target_branch: str = "main",
) -> Discussion:
    """Opens a discussion; a pull request also gets refs/pr/<num> at its target's head."""
    require_participant(user, token)
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise errors.BadRequest("A title of 1 to 200 characters is required")
    with transaction.atomic():
        # The repo row's lock serializes number allocation (SQLite serializes writers anyway).
        Repo.objects.select_for_update().filter(pk=repo.pk).first()
        last = Discussion.objects.filter(repo=repo).aggregate(n=Max("num"))["n"] or 0
        discussion = Discussion.objects.create(
            repo=repo,
            num=last + 1,
            title=title,
            author=user,
            is_pull_request=pull_request,
            status=status,
            target_branch=target_branch if pull_request else "",
        )
    if pull_request:
        git.update_ref(discussion.git_ref, git.resolve(target_branch), ZERO_OID)
    opening = (
        _event(discussion, user, Kind.COMMENT, _comment_data(description)) if description else None
    )
    _announce(discussion, "create", "discussion", comment=opening)
    return discussion


def _announce(
    discussion: Discussion, action: str, scope: str, comment: DiscussionEvent | None = None
) -> None:
    repo_event_send(
        repo=discussion.repo, action=action, scope=scope, discussion=discussion, comment=comment
    )


def _comment_data(text: str) -> dict:
    return {"edited": False, "hidden": False, "raw": text}


def _event(discussion: Discussion, user: User | None, kind: str, data: dict) -> DiscussionEvent:
    return DiscussionEvent.objects.create(discussion=discussion, author=user, kind=kind, data=data)


def pr_for_commit(*, user: User, repo: Repo, num: int) -> Discussion:
    """The open PR a commit to refs/pr/<num> goes to, if `user` may add to it."""
    discussion = Discussion.objects.filter(repo=repo, num=num, is_pull_request=True).first()
    if discussion is None:
        raise errors.RevisionNotFound(f"Invalid rev id: refs/pr/{num}")
    if discussion.status not in {Status.OPEN, Status.DRAFT}:
        raise errors.BadRequest(f"Pull request #{num} is {discussion.status}")
    _require_author_or_maintainer(user, discussion)
    return discussion


def pr_record_commit(*, user: User, discussion: Discussion, sha: str, title: str) -> None:
    _event(discussion, user, Kind.COMMIT, {"subject": title, "oid": sha})
    if discussion.status == Status.DRAFT:
        discussion.status = Status.OPEN
        discussion.save(update_fields=["status"])


def comment_add(
    *, user: User, token: AccessToken | None, discussion: Discussion, text: str
) -> DiscussionEvent:
    require_participant(user, token)
    if not isinstance(text, str) or not text.strip():
        raise errors.BadRequest("A comment cannot be empty")
    comment = _event(discussion, user, Kind.COMMENT, _comment_data(text))
    _announce(discussion, "create", "discussion.comment", comment=comment)
    return comment


def _comment_for_change(
    user: User, token: AccessToken | None, discussion: Discussion, comment_id: str
) -> DiscussionEvent:
    require_participant(user, token)
    comment = None
    if isinstance(comment_id, str) and comment_id.isdigit():
        comment = discussion.events.filter(pk=int(comment_id), kind=Kind.COMMENT).first()
    if comment is None:
        raise errors.NotFound(f"Comment {str(comment_id)[:40]} not found in this discussion")
    if comment.data.get("hidden"):
        raise errors.BadRequest("This comment has been hidden and cannot change any more")
    return comment


def comment_edit(
    *, user: User, token: AccessToken | None, discussion: Discussion, comment_id: str, text: str
) -> DiscussionEvent:
    """Replaces a comment's text; only its author may. Earlier versions stay in its history,
    newest first, as the Hub lists them (`DiscussionComment.edit_history`)."""
    comment = _comment_for_change(user, token, discussion, comment_id)
    if comment.author_id != user.pk:
        raise errors.Forbidden("Only the comment's author can edit it")
    if not isinstance(text, str) or not text.strip():
        raise errors.BadRequest("A comment cannot be empty")
    data = comment.data
    previous = {
        "raw": data.get("raw", ""),
        "updatedAt": data.get("updatedAt") or comment.created_at.isoformat(),
        "author": data.get("editedBy", user.username),
    }
    data["history"] = [previous, *data.get("history", [])]
    data.update(raw=text, edited=True, updatedAt=timezone.now().isoformat(),
                editedBy=user.username)  # fmt: skip
    comment.save(update_fields=["data"])
    _announce(discussion, "update", "discussion.comment", comment=comment)
    return comment


def comment_hide(
    *, user: User, token: AccessToken | None, discussion: Discussion, comment_id: str
) -> DiscussionEvent:
    """Hides a comment for good: its text and history are erased, as on the Hub, where a
    hidden comment's content cannot be retrieved. Its author and the repo's maintainers may."""
    comment = _comment_for_change(user, token, discussion, comment_id)
    if comment.author_id != user.pk and not can_maintain(user, discussion.repo):
        raise errors.Forbidden("Only the comment's author or the repo's maintainers can hide it")
    comment.data = {
        "edited": comment.data.get("edited", False),
        "hidden": True,
        "hiddenBy": user.username,
        "raw": "",
        "updatedAt": timezone.now().isoformat(),
    }
    comment.save(update_fields=["data"])
    _announce(discussion, "update", "discussion.comment", comment=comment)
    return comment


def status_change(
    *,
    user: User,
    token: AccessToken | None,
    discussion: Discussion,
    status: str,
    comment: str | None,
) -> DiscussionEvent:
    require_participant(user, token)
    _require_author_or_maintainer(user, discussion)
    if status not in {Status.OPEN, Status.CLOSED}:
        raise errors.BadRequest("status must be 'open' or 'closed'")
    if discussion.status == Status.MERGED:
        raise errors.BadRequest("A merged pull request cannot change status")
    if comment:
        _event(discussion, user, Kind.COMMENT, _comment_data(comment))
    discussion.status = status
    discussion.save(update_fields=["status"])
    _announce(discussion, "update", "discussion")
    return _event(discussion, user, Kind.STATUS, {"status": status})


def title_change(
    *, user: User, token: AccessToken | None, discussion: Discussion, title: str
) -> DiscussionEvent:
    require_participant(user, token)
    _require_author_or_maintainer(user, discussion)
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise errors.BadRequest("A title of 1 to 200 characters is required")
    old, discussion.title = discussion.title, title
    discussion.save(update_fields=["title"])
    _announce(discussion, "update", "discussion")
    return _event(discussion, user, Kind.TITLE, {"from": old, "to": title})


def pr_merge(
    *,
    user: User,
    token: AccessToken | None,
    discussion: Discussion,
    git: GitRepo,
    comment: str | None,
) -> str:
    """Merges refs/pr/<num> into its target branch: fast-forward or a merge commit.

    Conflicts are a 409 naming the files; nothing moves.
    """
    require_participant(user, token)
    if not can_maintain(user, discussion.repo):
        raise errors.Forbidden("Only the repo's maintainers can merge pull requests")
    if discussion.status not in {Status.OPEN, Status.DRAFT}:
        raise errors.BadRequest(f"Pull request #{discussion.num} is {discussion.status}")
    target = f"refs/heads/{discussion.target_branch}"
    with git.write_lock():
        base, head = git.ref_target(target), git.ref_target(discussion.git_ref)
        if base is None or head is None:
            raise errors.RevisionNotFound(f"Invalid rev id: {target}")
        message = f"Merge pull request #{discussion.num}: {discussion.title}\n"
        sha, conflicts = git.write_merge(
            base=base, head=head, message=message, author=author_of(user)
        )
        if sha is None:
            raise errors.Conflict(
                f"Pull request #{discussion.num} conflicts with {discussion.target_branch}: "
                + ", ".join(conflicts),
                body={"filesWithConflicts": conflicts},
            )
        ref_move_require(user=user, repo=discussion.repo, git=git, ref=target, sha=sha)
        try:
            git.update_ref(target, sha, base)
        except RefConflict:
            raise errors.Conflict("The target branch moved while merging; please retry") from None
    if comment:
        _event(discussion, user, Kind.COMMENT, _comment_data(comment))
    discussion.status, discussion.merge_commit = Status.MERGED, sha
    discussion.save(update_fields=["status", "merge_commit"])
    _event(discussion, user, Kind.STATUS, {"status": Status.MERGED})
    if discussion.target_branch == "main":
        repo_refresh(repo=discussion.repo, git=git)
    _announce(discussion, "update", "discussion")
    repo_event_send(
        repo=discussion.repo,
        action="update",
        scope="repo.content",
        updatedRefs=[{"ref": target, "oldSha": base, "newSha": sha}],
    )
    audit_send(
        action="repo.merge", user=user, token=token, repo=discussion.repo, pr=discussion.num,
        ref=target, oldSha=base, newSha=sha,
    )  # fmt: skip
    return sha


def discussion_discard(*, discussion: Discussion, git: GitRepo) -> None:
    """Removes a pull request opened for a commit that was then refused, ref included."""
    if discussion.is_pull_request:
        head = git.ref_target(discussion.git_ref)
        if head is not None:
            git.update_ref(discussion.git_ref, ZERO_OID, head)
    discussion.delete()
