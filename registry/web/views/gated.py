"""Gated repos in the browser: asking for access from the repo's page, and the review page
where the repo's writers turn gating on or off and decide on requests."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from registry import errors
from registry.models import AccessRequest
from registry.request import caller, web_repo
from registry.services.access import (
    access_grant,
    access_request_create,
    access_request_handle,
    access_requests_list,
)
from registry.services.repos import repo_update_settings
from registry.web.views.common import repo_base, repo_header, require_signed_in

_MODES = {"auto": "auto", "manual": "manual", "off": False}
_DECISIONS = {
    "accept": AccessRequest.Status.ACCEPTED,
    "reject": AccessRequest.Status.REJECTED,
    "cancel": AccessRequest.Status.PENDING,
}


@require_POST
def ask_access(
    request: HttpRequest, namespace: str, name: str, prefix: str | None = None
) -> HttpResponse:
    """The form on a gated repo's page; its fields are named by the card's question labels."""
    repo = web_repo(request, prefix, namespace, name)
    require_signed_in(request)
    user, token = caller(request)
    try:
        asked = access_request_create(user=user, token=token, repo=repo, answers=request.POST)
    except errors.HubError as exc:
        if token is not None:  # a script: the status tells it what went wrong
            raise
        messages.error(request, exc.message)
    else:
        done = asked.status == AccessRequest.Status.ACCEPTED
        messages.success(request, "Access granted" if done else "Your request was sent")
    return redirect(repo_base(repo))


def review(
    request: HttpRequest, namespace: str, name: str, prefix: str | None = None
) -> HttpResponse:
    repo = web_repo(request, prefix, namespace, name)
    header = repo_header(request, repo, tab="settings")
    if not header.can_write:
        raise errors.Forbidden(f"You don't have write access to '{repo.namespace.name}'")
    if request.method == "POST":
        try:
            _decide(request, repo)
        except errors.HubError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Saved")
        return redirect(f"{repo_base(repo)}/settings/access-requests")
    user, token = caller(request)
    lists = {
        status: list(access_requests_list(user=user, token=token, repo=repo, status=status))
        if repo.gated
        else []
        for status in AccessRequest.Status.values
    }
    return render(request, "repo/access_requests.html", {"header": header, "lists": lists})


def _decide(request: HttpRequest, repo) -> None:
    """One button of the review page: the gating mode, a grant, or a decision on a request."""
    user, token = caller(request)
    action, form = request.POST.get("action", ""), request.POST
    if action == "mode":
        if form.get("mode") not in _MODES:
            raise errors.BadRequest("Choose automatic, manual or no access requests")
        mode = _MODES[form["mode"]]
        repo_update_settings(user=user, token=token, repo=repo, private=None, gated=mode)
    elif action == "grant":
        access_grant(user=user, token=token, repo=repo, username=form.get("user", "").strip())
    elif action in _DECISIONS:
        reason = (form.get("reason", "").strip() or None) if action == "reject" else None
        access_request_handle(
            user=user,
            token=token,
            repo=repo,
            status=_DECISIONS[action],
            request_id=form.get("request", ""),
            reason=reason,
        )
    else:
        raise errors.BadRequest(f"Unknown action '{action}'")
