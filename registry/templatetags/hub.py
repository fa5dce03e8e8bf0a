from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

from registry.models import Repo
from registry.web.views.common import rev_url as _rev_url

register = template.Library()


@register.simple_tag
def rev_url(repo: Repo, kind: str, rev: str, path: str = "") -> str:
    """`{% rev_url repo 'blob' rev path %}`: a file route with the revision quoted whole."""
    return _rev_url(repo, kind, rev, path)


@register.filter
def ago(moment: datetime) -> str:
    """`3 days ago`, or `just now` inside the first minute (timesince would say `0 minutes`)."""
    if timezone.now() - moment < timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment)} ago"
