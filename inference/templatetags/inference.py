from django import template

from inference.selectors import widget_get
from registry.models import Repo

register = template.Library()


@register.inclusion_tag("inference/widget.html", takes_context=True)
def inference_widget(context: template.Context, repo: Repo) -> dict:
    """`{% load inference %}{% inference_widget repo %}`: the widget for a model repo."""
    return {"widget": widget_get(repo=repo), "csrf_token": context.get("csrf_token", "")}
