"""The Hub's Space runtime API under /api/spaces/{namespace}/{name}/, as huggingface_hub's
get_space_runtime, restart_space, pause_space, set_space_sleep_time, request_space_hardware,
*_space_secret, *_space_variable(s), duplicate_repo and fetch_space_logs drive it."""

from django.http import HttpRequest, StreamingHttpResponse
from django.views.decorators.http import require_GET
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from registry import errors
from registry.permissions import Action, require
from registry.request import actor, api_repo, caller, query_bool, repo_url
from spaces.duplicate import space_duplicate
from spaces.logs import log_events
from spaces.models import SpaceSecret, SpaceVariable
from spaces.selectors import LOG_KINDS, space_runtime_json, space_secrets_json, space_variables_json
from spaces.services import (
    space_hardware_request,
    space_pause,
    space_restart,
    space_runtime_ensure,
    space_setting_delete,
    space_setting_set,
    space_sleep_time_set,
)

_VISIBILITY = {"public": False, "private": True}


def _space(request: HttpRequest, namespace: str, name: str):
    return api_repo(request, "spaces", namespace, name)


class RuntimeView(APIView):
    def get(self, request: Request, namespace: str, name: str) -> Response:
        repo = _space(request, namespace, name)
        return Response(space_runtime_json(space_runtime_ensure(repo=repo)))


class RuntimeActionView(APIView):
    """POST restart (`?factory=true`), pause, sleeptime ({seconds}), hardware ({flavor})."""

    def post(self, request: Request, namespace: str, name: str, action: str) -> Response:
        repo, who, body = _space(request, namespace, name), actor(request), request.data
        if action == "restart":
            factory = query_bool(request, "factory")
            runtime = space_restart(actor=who, repo=repo, factory=factory)
        elif action == "pause":
            runtime = space_pause(actor=who, repo=repo)
        elif action == "sleeptime":
            runtime = space_sleep_time_set(actor=who, repo=repo, seconds=body.get("seconds"))
        else:
            runtime = space_hardware_request(
                actor=who, repo=repo, flavor=body.get("flavor"),
                sleep_time=body.get("sleepTimeSeconds"),
            )  # fmt: skip
        return Response(space_runtime_json(runtime))


class SettingsView(APIView):
    """GET/POST/DELETE of secrets or variables. Secrets are listed to writers as keys and
    descriptions only; variables to everyone who sees the Space."""

    kind = ""

    def get(self, request: Request, namespace: str, name: str) -> Response:
        repo = _space(request, namespace, name)
        if self.kind == "secrets":
            require(actor(request), Action.WRITE, repo=repo)
            return Response(space_secrets_json(repo=repo))
        return Response(space_variables_json(repo=repo))

    def post(self, request: Request, namespace: str, name: str) -> Response:
        repo, body = _space(request, namespace, name), request.data
        space_setting_set(
            actor=actor(request), repo=repo, model=self._model(), key=body.get("key"),
            value=body.get("value"), description=body.get("description"),
        )  # fmt: skip
        return self._answer(repo)

    def delete(self, request: Request, namespace: str, name: str) -> Response:
        repo = _space(request, namespace, name)
        key = request.data.get("key") if isinstance(request.data, dict) else None
        space_setting_delete(actor=actor(request), repo=repo, model=self._model(), key=key)
        return self._answer(repo)

    def _model(self) -> type:
        return SpaceSecret if self.kind == "secrets" else SpaceVariable

    def _answer(self, repo) -> Response:
        # add/delete_space_variable read the variables back from the answer; secrets: nothing.
        return Response({} if self.kind == "secrets" else space_variables_json(repo=repo))


class DuplicateView(APIView):
    def post(self, request: Request, namespace: str, name: str) -> Response:
        source, body = _space(request, namespace, name), request.data
        user, token = caller(request)
        if not user.is_authenticated:
            raise errors.AuthenticationRequired()
        visibility = body.get("visibility")
        if visibility is not None and visibility not in _VISIBILITY:
            raise errors.BadRequest("visibility must be 'public' or 'private'")
        private = _VISIBILITY.get(visibility, body.get("private"))
        repo = space_duplicate(
            user=user, token=token, source=source, to_id=body.get("repository"),
            private=private if isinstance(private, bool) else None,
            hardware=body.get("hardware"), sleep_time=body.get("sleepTimeSeconds"),
            secrets=body.get("secrets"), variables=body.get("variables"),
        )  # fmt: skip
        return Response({"url": repo_url(request, repo), "filesCopyPending": False})


@require_GET
def logs(request: HttpRequest, namespace: str, name: str, kind: str) -> StreamingHttpResponse:
    """fetch_space_logs: server-sent events `data: {"data", "timestamp"}`, the log so far
    and then its new lines while they come (follow=True reconnects and skips what it read)."""
    repo = _space(request, namespace, name)
    require(actor(request), Action.WRITE, repo=repo)
    if kind not in LOG_KINDS:
        raise errors.NotFound(f"No {kind} logs")
    response = StreamingHttpResponse(
        log_events(repo=repo, kind=kind), content_type="text/event-stream"
    )
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response
