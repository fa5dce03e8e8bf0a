"""The Space's app at {base}/spaces-apps/{namespace}/{name}/...: a static Space's files, or
a running Space's process through the proxy, woken if it sleeps.

Every answer runs sandboxed (CSP `sandbox` without allow-same-origin): the app's pages get
an opaque origin, so although they share the hub's host they cannot read its cookies or call
its API with the visitor's session; ACAO * lets that origin reach its own backend."""

import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt

from registry.models import Repo
from registry.permissions import Action, require
from registry.request import (
    actor,
    read_token_allowed,
    request_id_of,
    request_logged,
    web_repo,
)
from spaces.errors import SpaceAppGone, SpaceNotRunning
from spaces.models import SpaceRuntime
from spaces.proxy import proxy_forward, relay_open
from spaces.routes import ROUTES, route_key
from spaces.services import (
    app_file_of,
    space_request_seen,
    space_runtime_ensure,
    space_wake,
)
from spaces.static import static_response

Stage = SpaceRuntime.Stage
SANDBOX = "sandbox allow-scripts allow-forms allow-popups allow-downloads allow-modals"
_WAIT_STEP = 0.25
_WAITING = {
    Stage.BUILDING: "The Space is starting",
    Stage.SLEEPING: "The Space is waking up",
    Stage.STOPPED: "The Space is restarting after a crash",
}


def sandboxed(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            response = _preflight(request)
        else:
            response = view(request, *args, **kwargs)
        return _sandbox_headers(response)

    return read_token_allowed(csrf_exempt(xframe_options_exempt(wrapped)))


SANDBOX_HEADERS = (
    ("Content-Security-Policy", SANDBOX),
    ("Access-Control-Allow-Origin", "*"),
    ("X-Content-Type-Options", "nosniff"),
)


def _sandbox_headers(response: HttpResponse) -> HttpResponse:
    for name, value in SANDBOX_HEADERS:
        response[name] = value
    return response


def _preflight(request: HttpRequest) -> HttpResponse:
    # The app's pages have the opaque origin "null": the proxy answers their CORS
    # preflights, whatever origins the app itself would allow.
    response = HttpResponse(status=204)
    response["Access-Control-Allow-Methods"] = request.headers["Access-Control-Request-Method"]
    asked = request.headers.get("Access-Control-Request-Headers")
    if asked:
        response["Access-Control-Allow-Headers"] = asked
    response["Access-Control-Max-Age"] = "600"
    return response


@sandboxed
def space_app(request: HttpRequest, namespace: str, name: str, path: str = "") -> HttpResponse:
    repo = web_repo(request, "spaces", namespace, name)
    require(actor(request), Action.DOWNLOAD, repo=repo)
    runtime = space_runtime_ensure(repo=repo)
    space_request_seen(runtime=runtime)
    if runtime.sdk == "static" and runtime.stage == Stage.RUNNING:
        return static_response(request, repo=repo, path=path, app_file=app_file_of(repo, "static"))
    runtime = _running(runtime)
    user = request.user
    ROUTES.allow(
        route_key(request.META, namespace, name),
        socket=runtime.socket,
        username=user.username if user.is_authenticated else None,
    )
    return proxy_forward(request, socket_path=runtime.socket, path=path)


def space_app_fast(environ: dict, start_response: Callable) -> Iterable[bytes] | None:
    """The web process's fast path (spaces/routes.py): relays a request to a running app
    the view let this caller through to a moment ago, with the view's headers and log line;
    None when the view must run (no such caller, a preflight, a body without a length or
    over the limit, or an app whose socket refuses)."""
    _, _, namespace, name, *rest = (environ.get("PATH_INFO", "").split("/", 4) + ["", ""])[:5]
    if not namespace or not name or environ.get("REQUEST_METHOD") == "OPTIONS":
        return None
    key = route_key(environ, namespace, name)
    route = ROUTES.get(key)
    if route is None:
        return None
    length = environ.get("CONTENT_LENGTH", "")
    if "HTTP_TRANSFER_ENCODING" in environ and not length:
        return None
    if length and (not length.isdigit() or int(length) > settings.HUB_MAX_REQUEST_BYTES):
        return None
    started = time.monotonic()
    request = WSGIRequest(environ)
    try:
        request.get_host()
    except DisallowedHost:
        return None  # the view answers it as it answers every request
    try:
        relayed = relay_open(request, socket_path=route.socket, path=rest[0])
    except SpaceAppGone:
        ROUTES.forget(key)
        return None
    request_id = request_id_of(environ)
    request_logged(
        request,
        status=relayed.status,
        duration_ms=round((time.monotonic() - started) * 1000, 1),
        username=route.username,
        request_id=request_id,
    )
    start_response(
        f"{relayed.status} {relayed.reason}",
        [
            *relayed.headers,
            *SANDBOX_HEADERS,
            ("X-Request-Id", request_id),
            *(("Set-Cookie", morsel.OutputString()) for morsel in relayed.cookies),
        ],
    )
    return relayed.body


def _running(runtime: SpaceRuntime) -> SpaceRuntime:
    """The runtime once RUNNING with a socket, woken if it slept; waits up to
    HUB_SPACES_WAKE_TIMEOUT, then a 503 with Retry-After (or the stage's error)."""
    if runtime.stage in {Stage.SLEEPING, Stage.STOPPED} and not space_wake(runtime=runtime):
        raise SpaceNotRunning(_WAITING[Stage.STOPPED], retry_after=_retry_after(runtime))
    deadline = time.monotonic() + settings.HUB_SPACES_WAKE_TIMEOUT
    while True:
        if runtime.stage == Stage.RUNNING and runtime.socket:
            return runtime
        if runtime.stage not in _WAITING:
            raise SpaceNotRunning(_stopped_message(runtime.repo, runtime))
        if time.monotonic() >= deadline:
            raise SpaceNotRunning(_WAITING[runtime.stage], retry_after=5)
        time.sleep(_WAIT_STEP)
        runtime.refresh_from_db()


def _retry_after(runtime: SpaceRuntime) -> int:
    if runtime.next_attempt_at is None:
        return 5
    return max(1, int((runtime.next_attempt_at - timezone.now()).total_seconds()) + 1)


def _stopped_message(repo: Repo, runtime: SpaceRuntime) -> str:
    if runtime.stage == Stage.PAUSED:
        return f"The Space {repo.repo_id} is paused; its owners can restart it"
    detail = f": {runtime.error.strip().splitlines()[-1]}" if runtime.error.strip() else ""
    return f"The Space {repo.repo_id} is not running ({runtime.stage}){detail}"
