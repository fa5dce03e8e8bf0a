from django import template

from registry.models import Repo
from registry.permissions import Action, allows
from registry.request import actor
from registry.services.access import access_request_of, gate_fields, gate_prompt

register = template.Library()


@register.inclusion_tag("repo/_gate.html", takes_context=True)
def access_gate(context: template.Context, repo: Repo) -> dict:
    """`{% load gated %}{% access_gate repo %}`: on a gated repo's page, where the visitor
    stands (signed out, may ask, asked, rejected) and the form that asks."""
    request = context["request"]
    shown = bool(repo.gated) and not allows(actor(request), Action.DOWNLOAD, repo=repo)
    return {
        "repo": repo,
        "shown": shown,
        "mine": access_request_of(user=request.user, repo=repo) if shown else None,
        "fields": gate_fields(repo) if shown else [],
        "prompt": gate_prompt(repo),
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token", ""),
        "user": request.user,
    }
