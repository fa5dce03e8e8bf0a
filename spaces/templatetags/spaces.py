from django import template

from registry.models import Repo
from registry.permissions import Action, allows
from registry.request import actor, base_url
from spaces.models import SpaceRuntime, SpaceSecret, SpaceVariable
from spaces.selectors import HARDWARE, space_host, space_sleep_seconds
from spaces.services import space_runtime_ensure

register = template.Library()

# Stages where the app answers, or will once the first request wakes it.
_EMBEDDED = {SpaceRuntime.Stage.RUNNING, SpaceRuntime.Stage.SLEEPING, SpaceRuntime.Stage.BUILDING}


@register.inclusion_tag("spaces/embed.html", takes_context=True)
def space_embed(context: template.Context, repo: Repo) -> dict:
    """`{% load spaces %}{% space_embed repo %}`: the app in a sandboxed frame, its status."""
    request = context["request"]
    runtime = space_runtime_ensure(repo=repo)
    return {
        "runtime": runtime,
        "host": space_host(repo=repo, base_url=base_url(request)),
        "embedded": runtime.stage in _EMBEDDED,
        "can_write": allows(actor(request), Action.WRITE, repo=repo),
        "logs_url": f"/spaces/{repo.repo_id}/logs",
    }


@register.inclusion_tag("spaces/settings.html", takes_context=True)
def space_settings(context: template.Context, repo: Repo) -> dict:
    """The Space section of a Space's settings page: secrets by name only."""
    runtime = space_runtime_ensure(repo=repo)
    return {
        "runtime": runtime,
        "hardware": HARDWARE,
        "sleep_seconds": space_sleep_seconds(runtime),
        "secrets": SpaceSecret.objects.filter(repo=repo).only("key", "description", "updated_at"),
        "variables": SpaceVariable.objects.filter(repo=repo),
        "action": f"/spaces/{repo.repo_id}/settings/space",
        "csrf_token": context.get("csrf_token", ""),
    }
