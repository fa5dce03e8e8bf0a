"""A Space's pages: the Logs tab, and the actions of the Space section of its settings."""

import re

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from registry import errors
from registry.models import Repo
from registry.permissions import Action, Actor, require
from registry.request import actor, web_repo
from registry.web.views.common import repo_header
from spaces.models import SpaceSecret, SpaceVariable
from spaces.services import (
    space_pause,
    space_restart,
    space_runtime_ensure,
    space_setting_delete,
    space_setting_set,
    space_sleep_time_set,
)


def logs_page(request: HttpRequest, namespace: str, name: str) -> HttpResponse:
    """Build and run logs, streamed by the page's script from the API's event streams."""
    repo = web_repo(request, "spaces", namespace, name)
    require(actor(request), Action.WRITE, repo=repo)
    context = {
        "header": repo_header(request, repo, tab="logs"),
        "runtime": space_runtime_ensure(repo=repo),
    }
    return render(request, "spaces/logs.html", context)


_MODELS = {"secret": SpaceSecret, "variable": SpaceVariable}


@require_POST
def settings_action(request: HttpRequest, namespace: str, name: str) -> HttpResponse:
    """One form of the Space section; a bad value is a message on the settings page (a
    refusal stays the error page it is)."""
    repo = web_repo(request, "spaces", namespace, name)
    try:
        _settings_apply(actor(request), repo, request.POST)
    except errors.BadRequest as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Space settings saved.")
    return redirect(f"/spaces/{repo.repo_id}/settings")


def _settings_apply(who: Actor, repo: Repo, form: QueryDict) -> None:
    action = form.get("action", "")
    kind, _, verb = action.partition("-")
    if action == "restart":
        space_restart(actor=who, repo=repo)
    elif action == "pause":
        space_pause(actor=who, repo=repo)
    elif action == "sleep-time":
        seconds = form.get("seconds", "").strip()
        # ASCII whole numbers only (int() also takes "1_0" and "²" fails it); the service
        # judges the rest and says why.
        value = int(seconds) if re.fullmatch(r"-?[0-9]+", seconds) else seconds
        space_sleep_time_set(actor=who, repo=repo, seconds=value)
    elif kind in _MODELS and verb == "add":
        space_setting_set(
            actor=who, repo=repo, model=_MODELS[kind], key=form.get("key"),
            value=form.get("value"), description=form.get("description") or None,
        )  # fmt: skip
    elif kind in _MODELS and verb == "delete":
        space_setting_delete(actor=who, repo=repo, model=_MODELS[kind], key=form.get("key"))
    else:
        raise errors.BadRequest(f"Unknown action '{action}'")
