from django import template

from provenance.selectors import repo_source_info, signature_of
from registry.models import Repo

register = template.Library()


@register.inclusion_tag("provenance/signature.html")
def commit_signature(repo: Repo, sha: str) -> dict:
    """`{% load provenance %}{% commit_signature repo sha %}`: who signed the commit, and
    whether it verifies."""
    return {"check": signature_of(repo=repo, sha=sha)}


@register.inclusion_tag("provenance/source.html")
def repo_source(repo: Repo) -> dict:
    """Where an imported repo came from."""
    return {"source": repo_source_info(repo=repo)}
