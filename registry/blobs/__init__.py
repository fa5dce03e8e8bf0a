"""Content-addressed storage of LFS objects, keyed by sha256. The only code that touches it."""

from functools import cache

from django.conf import settings

from registry.blobs.local import LocalBlobStore
from registry.blobs.s3 import S3BlobStore


@cache
def blob_store() -> LocalBlobStore | S3BlobStore:
    """The bucket when HUB_S3_BUCKET is set, else a directory under HUB_DATA_DIR."""
    if not settings.HUB_S3_BUCKET:
        return LocalBlobStore(settings.HUB_BLOBS_DIR)
    return S3BlobStore(
        bucket=settings.HUB_S3_BUCKET,
        endpoint_url=settings.HUB_S3_ENDPOINT_URL,
        public_endpoint_url=settings.HUB_S3_PUBLIC_ENDPOINT_URL,
        access_key=settings.HUB_S3_ACCESS_KEY_ID,
        secret_key=settings.HUB_S3_SECRET_ACCESS_KEY,
        region=settings.HUB_S3_REGION,
        link_seconds=settings.HUB_LFS_LINK_SECONDS,
        cache_dir=settings.HUB_DATA_DIR / "blob-cache",
    )


__all__ = ["blob_store", "LocalBlobStore", "S3BlobStore"]
