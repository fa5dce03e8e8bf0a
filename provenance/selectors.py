"""Reads of provenance: a commit's signature verdict, an imported repo's source."""

from provenance.models import RepoSource, SignatureCheck, SigningPolicy
from registry.models import Repo


def signature_of(*, repo: Repo, sha: str) -> SignatureCheck | None:
    """The verdict on commit `sha`'s signature, if main ever moved to it."""
    if not sha:
        return None
    return SignatureCheck.objects.filter(repo=repo, commit=sha).first()


def repo_source_info(*, repo: Repo) -> dict | None:
    """Where an imported repo came from, as model_info and the page show it."""
    source = RepoSource.objects.filter(repo=repo).first()
    if source is None:
        return None
    return {
        "url": source.url,
        "repo": source.source_repo,
        "revision": source.revision,
        "commit": source.commit,
        "via": source.via,
        "importedAt": source.imported_at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "sync": source.sync,
    }


def signing_required(*, org) -> bool:
    """Whether `org` lets main move only to commits whose model.sig verifies."""
    return SigningPolicy.objects.filter(org=org, require_signed_main=True).exists()
