"""Content-addressed storage of LFS objects, keyed by sha256. The only code that touches it."""

from functools import cache

from django.conf import settings

from registry.blobs.local import LocalBlobStore


@cache
def blob_store() -> LocalBlobStore:
    return LocalBlobStore(settings.HUB_BLOBS_DIR)


__all__ = ["blob_store", "LocalBlobStore"]
