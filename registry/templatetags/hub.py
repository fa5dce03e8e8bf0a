import re
from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince

from registry.cards import render_markdown
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


_COUNT_UNITS = ((10**12, "T"), (10**9, "B"), (10**6, "M"), (10**3, "k"))


@register.filter
def count_label(count: int) -> str:
    """110M, 1.3B, 42k: a parameter count as model pages write it."""
    for scale, unit in _COUNT_UNITS:
        if count >= scale:
            return f"{count / scale:.3g}{unit}"
    return str(count)


@register.filter
def initials(name: str) -> str:
    """The avatar of someone without a picture: the first letters of up to two name parts."""
    parts = [part for part in re.split(r"[\s_.-]+", name or "") if part]
    return "".join(part[0] for part in parts[:2]).upper() or "?"


@register.filter
def markdown(text: str) -> str:
    """A comment's Markdown, rendered and cleaned as cards are (tables, code, bare URLs)."""
    return mark_safe(render_markdown(text or ""))  # render_markdown's output is sanitised
