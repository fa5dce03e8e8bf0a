from django import template

from registry.models import Namespace
from repocollections.selectors import namespace_collections

register = template.Library()
SHOWN = 6


@register.inclusion_tag("collections/_profile.html", takes_context=True)
def namespace_collections_preview(context: template.Context, owner: Namespace) -> dict:
    """`{% load repocollections %}{% namespace_collections_preview owner %}`: the first of a
    namespace's collections the viewer may see, for its profile page."""
    rows = list(namespace_collections(user=context["user"], namespace=owner)[: SHOWN + 1])
    return {"owner": owner, "collections": rows[:SHOWN], "more": len(rows) > SHOWN}
