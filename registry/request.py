"""What every interface (API views, pages, the apps' views) reads off a request: who is
calling, which repo a route names, which URLs to hand out, and the marks that say how a route
treats a token's role. One module, so the pages and the apps never import the API's views."""

import base64
import binascii
import functools
import json
import logging
import re
import uuid
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import unquote

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from registry import errors
from registry.gitstore import GitRepo
from registry.models import AccessToken, Repo, User
from registry.permissions import Actor
from registry.repofiles import RepoFile
from registry.selectors import REPO_TYPES, repo_get_visible
from registry.services.limits import rate_limit_take
from registry.signals import audit_send, repo_read_audited

_PREFIX_TYPES = {None: "model", "": "model", "datasets": "dataset", "spaces": "space"}
# When the server does not pass the raw path on, these refs are told apart the way the
# client does it (`SPECIAL_REFS_REVISION_REGEX`).
_SPECIAL_REF_RE = re.compile(r"^(refs/convert/\w+|refs/pr/\d+)(?:/|$)")
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_request_log = logging.getLogger("minihub.request")


def request_logged(
    request: HttpRequest, *, status: int, duration_ms: float, username: str | None, request_id: str
) -> None:
    """The request's one log line: id, method, path, status, duration, user and client
    address (fields in JSON logs)."""
    fields = {
        "request_id": request_id, "method": request.method, "path": request.path,
        "status": status, "duration_ms": duration_ms, "user": username,
        "client": client_address(request),
    }  # fmt: skip
    _request_log.info(
        "%s %s %s %.1fms user=%s id=%s",
        request.method, request.path, status, duration_ms, username or "-", request_id,
        extra=fields,
    )  # fmt: skip


def request_id_of(meta: dict) -> str:
    """The caller's X-Request-Id when it is a plain token, else a new one; every answer
    carries it and clients print it."""
    incoming = meta.get("HTTP_X_REQUEST_ID", "")
    return incoming if _REQUEST_ID_RE.fullmatch(incoming) else uuid.uuid4().hex


def caller(request: HttpRequest) -> tuple[User, AccessToken | None]:
    return request.user, getattr(request, "hub_token", None)


# Where a job reaches the hub: its HF_ENDPOINT, a relay inside the job's sandbox.
JOB_ENDPOINT_HOST = "127.0.0.1:8080"


def base_url(request: HttpRequest) -> str:
    """The external base URL: HUB_PUBLIC_URL, else what the request was addressed to.

    A job's requests keep their own address: a job reaches nothing but its relay, so the
    links it is handed (LFS uploads, the Xet storage) must name the relay. Anyone else
    addressing the hub so only gets links back to that address, which lead nowhere for them.
    """
    host = request.get_host()
    if settings.HUB_PUBLIC_URL and host != JOB_ENDPOINT_HOST:
        return settings.HUB_PUBLIC_URL
    return f"{request.scheme}://{host}"


def from_job(request: HttpRequest) -> bool:
    """Whether the request came through a job's relay (its HF_ENDPOINT). A job reaches the
    hub and nothing else, so what it is handed must be served by the hub itself: never an
    object store's presigned link. Anyone else sending this Host gets the same hub-served
    links, with the same checks."""
    return request.get_host() == JOB_ENDPOINT_HOST


def client_address(request: HttpRequest) -> str:
    """The caller's address, as the outermost of HUB_TRUSTED_PROXIES proxies saw it.

    Each proxy appends the address it was reached from to X-Forwarded-For, so only the
    rightmost N entries are ours: anything left of them is whatever the client wrote.
    """
    proxies = settings.HUB_TRUSTED_PROXIES
    forwarded = [entry.strip() for entry in request.headers.get("X-Forwarded-For", "").split(",")]
    if proxies == 0 or not forwarded[-1]:
        return request.META.get("REMOTE_ADDR", "")
    return forwarded[max(0, len(forwarded) - proxies)]


def repo_read_audit(
    request: HttpRequest, repo: Repo, *, action: str = "repo.read", **detail
) -> None:
    """Records a read of a private or gated repo's files for the audit log (who, which
    token, what); public repos' reads are not events. Off the critical path: a spool line."""
    if repo_read_audited(repo):
        user, token = caller(request)
        audit_send(action=action, user=user, token=token, repo=repo, **detail)


def file_read_audit(request: HttpRequest, file: RepoFile, *, size: int) -> None:
    repo_read_audit(request, file.repo, revision=file.sha, path=file.path, bytes=size)


def repo_url(request: HttpRequest, repo: Repo) -> str:
    return f"{base_url(request)}/{repo.url_prefix}{repo.repo_id}"


def api_repo(request: HttpRequest, repo_type: str, namespace: str, name: str) -> Repo:
    """A repo named in an /api/{models,datasets,spaces}/ route, if the caller may see it."""
    return repo_get_visible(
        user=request.user, repo_type=REPO_TYPES[repo_type], namespace=namespace, name=name
    )


def web_repo(request: HttpRequest, prefix: str | None, namespace: str, name: str) -> Repo:
    """A repo named in a web route (no prefix for models), if the caller may see it."""
    return repo_get_visible(
        user=request.user, repo_type=_PREFIX_TYPES[prefix], namespace=namespace, name=name
    )


def open_git(repo: Repo) -> GitRepo:
    return GitRepo(repo.storage_id)


def rev_and_path(request: HttpRequest, marker: str) -> tuple[str, str]:
    """Splits `{rev}/{path}` after the repo id and `marker`, on the raw path, before decoding.

    The client sends `refs%2Fpr%2F1` for `refs/pr/1`; WSGI decodes PATH_INFO, so only the raw
    URI (gunicorn's RAW_URI) keeps a branch name with a slash apart from the path.
    """
    kwargs = request.resolver_match.kwargs
    anchor = f"{kwargs['namespace']}/{kwargs['name']}{marker}"
    raw = request.META.get("RAW_URI") or request.META.get("REQUEST_URI")
    if raw:
        raw_path = raw.split("?", 1)[0]
        tail = raw_path.split(anchor, 1)[1] if anchor in raw_path else ""
        rev, _, path = tail.partition("/")
        return unquote(rev), unquote(path).strip("/")
    tail = request.path.split(anchor, 1)[1]
    special = _SPECIAL_REF_RE.match(tail)
    if special:
        return special.group(1), tail[special.end() :].strip("/")
    rev, _, path = tail.partition("/")
    return rev, path.strip("/")


def cursor_decode(value: str | None) -> int:
    """The offset an opaque pagination cursor stands for (0 without one)."""
    if not value:
        return 0
    try:
        offset = int(base64.urlsafe_b64decode(value.encode()).decode())
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise errors.BadRequest("Invalid cursor") from None
    if offset < 0:
        raise errors.BadRequest("Invalid cursor")
    return offset


def cursor_encode(offset: int) -> str:
    return base64.urlsafe_b64encode(str(offset).encode()).decode()


def next_link(url: str, query, offset: int) -> str:
    """A `Link` header to the page at `offset`: absolute, as the client follows it verbatim."""
    query = query.copy()
    query["cursor"] = cursor_encode(offset)
    return f'<{url}?{query.urlencode()}>; rel="next"'


def query_bool(request: HttpRequest, name: str) -> bool:
    return request.GET.get(name, "").lower() in {"1", "true", "yes"}


def json_text_check(value: object) -> object:
    """`value` (parsed JSON) if all its text is real text; JSON may escape half of a UTF-16
    pair (`"\\ud800"`), which no UTF-8 writer (git, the database, a page) can store: a 400."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise errors.BadRequest("The request contains text that is not valid Unicode") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            json_text_check(key)
            json_text_check(item)
    elif isinstance(value, list):
        for item in value:
            json_text_check(item)
    return value


def parse_json_body(request: HttpRequest) -> dict:
    try:
        body = json_text_check(json.loads(request.body or b"{}"))
    except (ValueError, UnicodeDecodeError):
        raise errors.BadRequest("The request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise errors.BadRequest("The request body must be a JSON object")
    return body


V = TypeVar("V", bound=Callable)

# Methods that never change anything; every other method with a read token is refused by
# TokenAuthMiddleware unless the route is marked `read_token_allowed`.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def actor(request: HttpRequest) -> Actor:
    return Actor(request.user, getattr(request, "hub_token", None))


def read_token_allowed(view: V) -> V:
    """Marks a route whose POSTs only read (paths-info, the LFS batch, a clone's
    upload-pack, inference) or that authorise with their own signed links: a read token
    reaches the view, and the view asks the permission module as usual."""
    view.read_token_allowed = True
    return view


def session_only(view: V) -> V:
    """Marks a route that manages credentials or memberships: no bearer token reaches it."""
    view.session_only = True
    return view


def route_marks(view: Callable) -> tuple[bool, bool]:
    """(read_token_allowed, session_only) of a resolved view: a function, or a class view."""
    target = getattr(view, "view_class", view)
    return (
        bool(getattr(target, "read_token_allowed", False)),
        bool(getattr(target, "session_only", False)),
    )


def caller_rate_limited(per_minute_setting: str) -> Callable[[V], V]:
    """Counts each call of the view against its caller (the user, signed in or by token,
    else the client address) in a window of the view's own, outside /api/'s: past
    `settings.<per_minute_setting>` per minute (0: off) it is a 429 with Retry-After and
    the Hub's RateLimit headers. For routes that cost a worker's time, such as inference."""

    def decorate(view: V) -> V:
        @functools.wraps(view)
        def limited(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            per_minute = getattr(settings, per_minute_setting)
            if not per_minute:
                return view(request, *args, **kwargs)
            user = request.user
            who = f"user:{user.pk}" if user.is_authenticated else f"ip:{client_address(request)}"
            window = rate_limit_take(key=f"{per_minute_setting}:{who}", per_minute=per_minute)
            response = view(request, *args, **kwargs)
            for name, value in window.headers().items():
                response[name] = value
            return response

        return limited

    return decorate
