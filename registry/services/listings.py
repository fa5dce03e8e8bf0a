"""What makes a cached repo listing stale: one version number in the shared cache, moved on
every change to who may see which repo or to what a listing shows of it (a repo created,
changed, moved, made private or deleted; main moving; a membership, an organization or a
token's grants changing). Listing answers are cached under the version they were built at,
so a change shows at once on every process. Downloads and likes move counters with an
UPDATE and no version change: a listing's counts (and an order by them) may lag by up to
HUB_LIST_CACHE_SECONDS."""

import time

from django.core.cache import cache
from django.db import transaction

_VERSION_KEY = "registry:listing-version"


def listing_version() -> str:
    version = cache.get(_VERSION_KEY)
    if version is None:
        # A new cache (or an evicted key): any value never used before will do.
        version = f"{time.time_ns():x}"
        cache.add(_VERSION_KEY, version, timeout=None)
        version = cache.get(_VERSION_KEY, version)
    return str(version)


def listing_changed(**kwargs) -> None:
    """A new version: every listing cached so far is out of date (a signal receiver too).

    Moved now, so the writer's own next listing sees the change, and again once the write
    commits: a listing another process built from the rows as they were before the commit,
    under the first new version, is never served."""
    _bump()
    transaction.on_commit(_bump)


def _bump() -> None:
    cache.set(_VERSION_KEY, f"{time.time_ns():x}", timeout=None)
