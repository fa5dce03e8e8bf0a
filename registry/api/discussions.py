from datetime import datetime

from django.utils.html import escape, linebreaks
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from registry import errors
from registry.api.serializers import iso
from registry.models import Discussion, DiscussionEvent, Repo
from registry.permissions import Action, allows
from registry.request import actor, api_repo, caller, open_git, repo_url
from registry.services import discussions as service

PAGE = 50
# The client's filters are all, open and closed: a draft pull request is open, a merged one
# closed (the Hub's "Open" and "Closed" tabs).
_STATUS_FILTERS = {
    "open": ["open", "draft"],
    "closed": ["closed", "merged"],
    "draft": ["draft"],
    "merged": ["merged"],
}


def _discussion(
    request: Request, repo_type: str, namespace: str, name: str, num: int
) -> Discussion:
    repo = api_repo(request, repo_type, namespace, name)
    discussion = (
        Discussion.objects.select_related("author", "repo__namespace")
        .filter(repo=repo, num=num)
        .first()
    )
    if discussion is None:
        raise errors.NotFound(f"Discussion #{num} not found")
    return discussion


def _author(user) -> dict:
    if user is None:
        return {"name": "deleted", "type": "user"}
    return {"name": user.username, "fullname": user.display_name, "type": "user", "avatarUrl": ""}


def event_json(event: DiscussionEvent) -> dict:
    data = dict(event.data)
    if event.kind == DiscussionEvent.Kind.COMMENT:
        data = _comment_json(event, data)
    return {
        "id": str(event.pk),
        "type": event.kind,
        "createdAt": iso(event.created_at),
        "author": _author(event.author),
        "data": data,
    }


def _comment_json(event: DiscussionEvent, data: dict) -> dict:
    """The Hub's comment shape: `latest` and `history` (every version, newest first)."""
    latest = _version(data.get("raw", ""), data.get("updatedAt"), event)
    older = [_version(v["raw"], v["updatedAt"], event) for v in data.get("history", [])]
    body = {
        "edited": bool(data.get("edited")),
        "hidden": bool(data.get("hidden")),
        "numEdits": len(older),
        "latest": latest,
        "history": [latest, *older],
    }
    if data.get("hidden"):
        body["hiddenBy"] = data.get("hiddenBy")
    return body


def _version(raw: str, updated_at: str | None, event: DiscussionEvent) -> dict:
    # Only a comment's author edits it, so every version is theirs.
    moment = datetime.fromisoformat(updated_at) if updated_at else event.created_at
    return {
        "raw": raw,
        "html": _html(raw),
        "updatedAt": iso(moment),
        "author": _author(event.author),
    }


def _html(text: str) -> str:
    return linebreaks(escape(text))


def discussion_json(discussion: Discussion) -> dict:
    repo: Repo = discussion.repo
    return {
        "num": discussion.num,
        "title": discussion.title,
        "status": discussion.status,
        "isPullRequest": discussion.is_pull_request,
        "createdAt": iso(discussion.created_at),
        "author": _author(discussion.author),
        "repo": {"name": repo.repo_id, "type": repo.type},
        "pinned": False,
        "numComments": discussion.events.filter(kind=DiscussionEvent.Kind.COMMENT).count(),
    }


class DiscussionsView(APIView):
    def get(self, request: Request, repo_type: str, namespace: str, name: str) -> Response:
        repo = api_repo(request, repo_type, namespace, name)
        params = request.query_params
        queryset = Discussion.objects.filter(repo=repo).select_related("author", "repo__namespace")
        kind = params.get("type", "all")
        if kind in {"pull_request", "discussion"}:
            queryset = queryset.filter(is_pull_request=kind == "pull_request")
        status = params.get("status", "all")
        if status in _STATUS_FILTERS:
            queryset = queryset.filter(status__in=_STATUS_FILTERS[status])
        if params.get("author"):
            queryset = queryset.filter(author__username__iexact=params["author"])
        if params.get("search"):
            queryset = queryset.filter(title__icontains=params["search"])
        try:
            page = max(int(params.get("p", "0")), 0)
        except ValueError:
            raise errors.BadRequest("p must be a page number") from None
        total = queryset.count()
        rows = queryset.order_by("-num")[page * PAGE : (page + 1) * PAGE]
        return Response(
            {
                "discussions": [discussion_json(d) for d in rows],
                "count": total,
                "start": page * PAGE,
            }
        )

    def post(self, request: Request, repo_type: str, namespace: str, name: str) -> Response:
        repo = api_repo(request, repo_type, namespace, name)
        user, token = caller(request)
        pull_request = bool(request.data.get("pullRequest"))
        discussion = service.discussion_create(
            user=user,
            token=token,
            repo=repo,
            git=open_git(repo),
            title=request.data.get("title", ""),
            description=request.data.get("description") or "",
            pull_request=pull_request,
            status=Discussion.Status.DRAFT if pull_request else Discussion.Status.OPEN,
        )
        return Response(
            {
                "num": discussion.num,
                "url": f"{repo_url(request, repo)}/discussions/{discussion.num}",
            }
        )


class DiscussionDetailView(APIView):
    def get(
        self, request: Request, repo_type: str, namespace: str, name: str, num: int
    ) -> Response:
        discussion = _discussion(request, repo_type, namespace, name, num)
        body = discussion_json(discussion)
        body["events"] = [
            event_json(e) for e in discussion.events.select_related("author").order_by("id")
        ]
        if discussion.is_pull_request:
            body.update(_pull_request_state(discussion))
            # The diff shows the files' contents: a gated repo's, only to those who may read.
            if not allows(actor(request), Action.DOWNLOAD, repo=discussion.repo):
                body["diff"] = ""
        return Response(body)


def _pull_request_state(discussion: Discussion) -> dict:
    git = open_git(discussion.repo)
    changes = {"base": f"refs/heads/{discussion.target_branch}"}
    if discussion.merge_commit:
        changes["mergeCommitId"] = discussion.merge_commit
    base = git.ref_target(changes["base"])
    head = git.ref_target(discussion.git_ref)
    open_pr = discussion.status in {Discussion.Status.OPEN, Discussion.Status.DRAFT}
    conflicts = git.merge_conflicts(base, head) if open_pr and base and head else []
    diff = git.diff_text(base, head) if base and head else ""
    return {"changes": changes, "filesWithConflicts": conflicts, "diff": diff}


class DiscussionActionView(APIView):
    """POST .../discussions/{num}/{comment|status|title|merge}."""

    def post(
        self, request: Request, repo_type: str, namespace: str, name: str, num: int, action: str
    ) -> Response:
        discussion = _discussion(request, repo_type, namespace, name, num)
        user, token = caller(request)
        body = request.data or {}
        if action == "comment":
            event = service.comment_add(
                user=user, token=token, discussion=discussion, text=body.get("comment", "")
            )
            return Response({"newMessage": event_json(event)})
        if action == "status":
            event = service.status_change(
                user=user,
                token=token,
                discussion=discussion,
                status=body.get("status"),
                comment=body.get("comment"),
            )
            return Response({"newStatus": event_json(event)})
        if action == "title":
            event = service.title_change(
                user=user, token=token, discussion=discussion, title=body.get("title", "")
            )
            return Response({"newTitle": event_json(event)})
        if not discussion.is_pull_request:
            raise errors.BadRequest("Only pull requests can be merged")
        sha = service.pr_merge(
            user=user,
            token=token,
            discussion=discussion,
            git=open_git(discussion.repo),
            comment=body.get("comment"),
        )
        return Response({"mergeCommitId": sha})


class DiscussionCommentView(APIView):
    """POST .../discussions/{num}/comment/{id}/{edit|hide}: `edit_discussion_comment` and
    `hide_discussion_comment`, both answered with `{updatedComment}`."""

    def post(self, request: Request, repo_type: str, namespace: str, name: str, num: int,
             comment_id: str, action: str) -> Response:  # fmt: skip
        discussion = _discussion(request, repo_type, namespace, name, num)
        user, token = caller(request)
        if action == "edit":
            body = request.data if isinstance(request.data, dict) else {}
            comment = service.comment_edit(
                user=user,
                token=token,
                discussion=discussion,
                comment_id=comment_id,
                text=body.get("content"),
            )
        else:
            comment = service.comment_hide(
                user=user, token=token, discussion=discussion, comment_id=comment_id
            )
        return Response({"updatedComment": event_json(comment)})
