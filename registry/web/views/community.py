"""The community tab: discussions and pull requests, read and commented on from the browser."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from registry import errors
from registry.models import DiscussionEvent
from registry.services import discussions as service
from registry.web import queries
from registry.web.diffs import parse_patch
from registry.web.forms import CommentForm, DiscussionForm
from registry.web.views.common import (
    caller,
    open_git,
    page_number,
    repo_base,
    repo_header,
    require_signed_in,
    route_repo,
)


def discussions(
    request: HttpRequest, namespace: str, name: str, prefix: str | None = None
) -> HttpResponse:
    repo = route_repo(request, prefix, namespace, name)
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


def _pull_request_diff(discussion) -> list:
    git = open_git(discussion.repo)
    base = git.ref_target(f"refs/heads/{discussion.target_branch}")
    head = git.ref_target(discussion.git_ref)
    if not (base and head):
        return []
    return parse_patch(git.diff_text(base, head))[0]


def discussion(
    request: HttpRequest, namespace: str, name: str, num: str, prefix: str | None = None
) -> HttpResponse:
    repo = route_repo(request, prefix, namespace, name)
    item = queries.discussion_get(repo=repo, num=int(num))
    form = CommentForm(request.POST or None)
    if request.method == "POST":
        require_signed_in(request)
        if form.is_valid():
            user, token = caller(request)
            service.comment_add(
                user=user, token=token, discussion=item, text=form.cleaned_data["comment"]
            )
            return redirect(f"{repo_base(repo)}/discussions/{num}")
    events = item.events.select_related("author").order_by("id")
    context = {
        "header": repo_header(request, repo, tab="community"),
        "discussion": item,
        "events": events,
        "comment_kind": DiscussionEvent.Kind.COMMENT,
        "files": _pull_request_diff(item) if item.is_pull_request else [],
        "form": form,
    }
    return render(request, "repo/discussion.html", context)
