"""Git smart HTTP at the repos' web URLs (`/alice/model`, `/datasets/alice/ds`, `.git` or not)."""

import re
from functools import partial

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from registry import errors
from registry.gitstore.http import SERVICES, GitHttpRequest, serve
from registry.permissions import Action, Actor, require
from registry.request import caller, open_git, read_token_allowed, repo_read_audit, web_repo
from registry.services.pushes import push_answered, push_check, push_landed

_GIT_PROTOCOL_RE = re.compile(r"^[A-Za-z0-9._=:-]{1,100}$")


@csrf_exempt
@require_GET
def info_refs(request: HttpRequest, namespace: str, name: str, prefix: str | None = None):
    service = request.GET.get("service", "")
    if service not in SERVICES:
        raise errors.BadRequest("Minihub speaks git's smart HTTP protocol; please upgrade git")
    return _serve(request, prefix, namespace, name, service, "/info/refs")


@read_token_allowed
@csrf_exempt
@require_POST
def rpc(request: HttpRequest, namespace: str, name: str, service: str, prefix: str | None = None):
    return _serve(request, prefix, namespace, name, service, f"/{service}")


def _serve(request: HttpRequest, prefix: str | None, namespace: str, name: str, service: str,
           path_info: str) -> StreamingHttpResponse:  # fmt: skip
    # git sends tokens only (Basic password); a browser session must not push (CSRF).
    if getattr(request, "hub_token", None) is None:
        request.user = AnonymousUser()
    user, token = caller(request)
    push = service == "git-receive-pack"
    if push and not user.is_authenticated:
        # git sends credentials only when asked; any repo, found or not, would ask (401).
        raise errors.AuthenticationRequired()
    repo = web_repo(request, prefix, namespace, name)
    # A clone or fetch carries every file: a gated repo's, only for those granted.
    require(Actor(user, token), Action.WRITE if push else Action.DOWNLOAD, repo=repo)
    git = open_git(repo)
    landing = push and request.method == "POST"  # not the ref advertisement before it
    if not push and request.method == "POST":  # a clone or fetch: the pack is the read
        repo_read_audit(request, repo, action="repo.clone")
    answer = serve(
        git,
        _git_request(request, service, path_info),
        decide=partial(push_check, user=user, repo=repo) if landing else None,
        after_push=partial(push_landed, repo=repo, git=git) if landing else None,
        after_answer=partial(push_answered, user=user, token=token, repo=repo) if landing else None,
    )
    response = StreamingHttpResponse(answer.body, status=answer.status)
    for header, value in answer.headers.items():
        response[header] = value
    return response


def _git_request(request: HttpRequest, service: str, path_info: str) -> GitHttpRequest:
    length = request.META.get("CONTENT_LENGTH", "")
    # Bodies over git's http.postBuffer come chunked, without Content-Length; Django then
    # reads nothing, so read the server's own stream (gunicorn ends it at the last chunk).
    body = request if length else request.META["wsgi.input"]
    protocol = request.headers.get("Git-Protocol", "")
    return GitHttpRequest(
        service=service,
        method=request.method,
        path_info=path_info,
        query=request.META.get("QUERY_STRING", ""),
        body=body if request.method == "POST" else None,
        content_type=request.content_type if request.method == "POST" else "",
        content_length=length,
        content_encoding=request.headers.get("Content-Encoding", ""),
        git_protocol=protocol if _GIT_PROTOCOL_RE.match(protocol) else "",
        remote_user=request.user.username if request.user.is_authenticated else "",
        remote_addr=request.META.get("REMOTE_ADDR", ""),
    )
