"""The community tab: discussions and pull requests, read and commented on from the browser."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from registry import errors
from registry.models import Discussion, DiscussionEvent
from registry.permissions import Action, allows
from registry.request import actor, caller, open_git, web_repo
from registry.services import discussions as service
from registry.web import queries
from registry.web.diffs import parse_patch
from registry.web.forms import CommentForm, DiscussionForm
from registry.web.views.common import page_number, repo_base, repo_header, require_signed_in


def discussions(
    request: HttpRequest, namespace: str, name: str, prefix: str | None = None
) -> HttpResponse:
    repo = web_repo(request, prefix, namespace, name)
    form = DiscussionForm(request.POST or None)
    if request.method == "POST":
        require_signed_in(request)
        if form.is_valid():
            user, token = caller(request)
            try:
                created = service.discussion_create(
                    user=user,
                    token=token,
                    repo=repo,
                    git=open_git(repo),
                    title=form.cleaned_data["title"],
                    description=form.cleaned_data["description"],
                    pull_request=False,
                )
            except errors.HubError as exc:
                form.add_error(None, exc.message)
            else:
                return redirect(f"{repo_base(repo)}/discussions/{created.num}")
    context = {
        "header": repo_header(request, repo, tab="community"),
        "page": queries.discussions_page(repo=repo, number=page_number(request)),
        "form": form,
    }
    return render(request, "repo/discussions.html", context)


def _pull_request_diff(discussion) -> tuple[list, bool]:
    git = open_git(discussion.repo)
    base = git.ref_target(f"refs/heads/{discussion.target_branch}")
    head = git.ref_target(discussion.git_ref)
    if not (base and head):
        return [], False
    return parse_patch(git.diff_text(base, head))


def discussion(
    request: HttpRequest, namespace: str, name: str, num: str, prefix: str | None = None
) -> HttpResponse:
    repo = web_repo(request, prefix, namespace, name)
    item = queries.discussion_get(repo=repo, num=int(num))
    action = request.POST.get("action", "comment") if request.method == "POST" else None
    form = CommentForm(request.POST if action == "comment" else None)
    problem = None
    if action is not None:
        require_signed_in(request)
        user, token = caller(request)
        try:
            if action == "comment":
                if form.is_valid():
                    service.comment_add(
                        user=user, token=token, discussion=item, text=form.cleaned_data["comment"]
                    )
                    return redirect(f"{repo_base(repo)}/discussions/{num}")
            elif action in {"edit-comment", "hide-comment"}:
                _change_comment(user, token, item, action, request.POST)
                return redirect(f"{repo_base(repo)}/discussions/{num}")
            else:
                _change_status(user, token, item, action)
                return redirect(f"{repo_base(repo)}/discussions/{num}")
        except errors.HubError as exc:
            problem = exc.message
    events = item.events.select_related("author").order_by("id")
    # A diff shows the files' contents: a gated repo's, only to those who may read them.
    shown = item.is_pull_request and allows(actor(request), Action.DOWNLOAD, repo=repo)
    files, truncated = _pull_request_diff(item) if shown else ([], False)
    context = {
        "header": repo_header(request, repo, tab="community"),
        "discussion": item,
        "events": events,
        "comment_kind": DiscussionEvent.Kind.COMMENT,
        "files": files,
        "truncated": truncated,
        "form": form,
        "problem": problem,
        "can_moderate": _can_moderate(request, item),
        "is_maintainer": _is_maintainer(request, repo),
        "can_merge": item.is_pull_request and _is_maintainer(request, repo),
    }
    return render(request, "repo/discussion.html", context)


def _change_comment(user, token, item, action: str, form) -> None:
    """Edit or hide a comment from the page, through the same services as the API."""
    comment_id = form.get("comment_id", "")
    if action == "edit-comment":
        service.comment_edit(user=user, token=token, discussion=item, comment_id=comment_id,
                             text=form.get("text", ""))  # fmt: skip
    else:
        service.comment_hide(user=user, token=token, discussion=item, comment_id=comment_id)


def _change_status(user, token, item, action: str) -> None:
    """Close, reopen or merge from the page, through the same services as the API."""
    if action == "merge":
        if not item.is_pull_request:
            raise errors.BadRequest("Only pull requests can be merged")
        service.pr_merge(
            user=user, token=token, discussion=item, git=open_git(item.repo), comment=None
        )
    elif action in {"close", "reopen"}:
        status = Discussion.Status.CLOSED if action == "close" else Discussion.Status.OPEN
        service.status_change(user=user, token=token, discussion=item, status=status, comment=None)
    else:
        raise errors.BadRequest(f"Unknown action {action!r}")


def _is_maintainer(request: HttpRequest, repo) -> bool:
    return request.user.is_authenticated and service.can_maintain(request.user, repo)


def _can_moderate(request: HttpRequest, item) -> bool:
    """Authors and maintainers may close and reopen; nobody changes a merged PR."""
    if not request.user.is_authenticated or item.status == Discussion.Status.MERGED:
        return False
    return item.author_id == request.user.pk or _is_maintainer(request, item.repo)
