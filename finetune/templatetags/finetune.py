from django import template
from django.utils.http import urlencode

from registry.models import Repo

register = template.Library()


@register.inclusion_tag("finetune/button.html", takes_context=True)
def finetune_button(context: template.Context, repo: Repo) -> dict:
    """`{% load finetune %}{% finetune_button repo %}`: on a model's page, for signed-in
    users, the way to the fine-tune form with this model as the base."""
    user = context.get("user")
    show = repo.type == Repo.Type.MODEL and bool(user and user.is_authenticated)
    return {"show": show, "query": urlencode({"base": repo.repo_id})}
