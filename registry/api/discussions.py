from django.utils.html import escape, linebreaks
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from registry import errors
from registry.api.serializers import iso
from registry.models import Discussion, DiscussionEvent, Repo
from registry.request import api_repo, caller, open_git, repo_url
from registry.services import discussions as service

PAGE = 50


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
        raw = data.pop("raw", "")
        data["latest"] = {
            "raw": raw,
            "html": _html(raw),
            "updatedAt": iso(event.created_at),
            "author": _author(event.author),
        }
        data.setdefault("numEdits", 0)
        data["history"] = [data["latest"]]
    return {
        "id": str(event.pk),
        "type": event.kind,
        "createdAt": iso(event.created_at),
        "author": _author(event.author),
        "data": data,
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
        if params.get("status", "all") in {"open", "closed", "merged", "draft"}:
            queryset = queryset.filter(status=params["status"])
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
