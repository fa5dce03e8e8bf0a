from django import template

from evaluation.plots import size_label

register = template.Library()


@register.filter
def parameters(count: int | None) -> str:
    """110M, 1.3B: a model's size as cards write it; empty when unknown."""
    return size_label(count) if count else ""
