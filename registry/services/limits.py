"""What one caller may ask of the hub: API request rates, object sizes, storage per namespace."""

import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import Max, Sum

from registry import errors
from registry.models import LfsObject, Namespace


@dataclass(frozen=True)
class RateWindow:
    quota: int  # requests allowed in one window
    used: int  # requests counted in this window, the current one included
    reset: int  # seconds until the window ends
    window: int

    def headers(self) -> dict[str, str]:
        """The Hub's rate-limit headers, which huggingface_hub reads to wait out a 429."""
        remaining = max(self.quota - self.used, 0)
        return {
            "RateLimit": f'"api";r={remaining};t={self.reset}',
            "RateLimit-Policy": f'"fixed window";"api";q={self.quota};w={self.window}',
        }


def rate_limit_take(*, key: str, per_minute: int) -> RateWindow:
    """Counts one request against `key`'s fixed window; raises TooManyRequests past its quota.

    Counters live in the cache (Redis in production, where INCR is atomic; a database table
    on the embedded default, where concurrent requests may undercount a little).
    """
    window = settings.HUB_RATE_LIMIT_WINDOW_SECONDS
    quota = max(1, math.ceil(per_minute * window / 60))
    now = time.time()
    index = int(now // window)
    counter = f"ratelimit:{key}:{index}"
    cache.add(counter, 0, timeout=window + 1)
    try:
        used = cache.incr(counter)
    except ValueError:  # the counter expired between add and incr
        cache.add(counter, 1, timeout=window + 1)
        used = 1
    state = RateWindow(quota, used, max(1, math.ceil((index + 1) * window - now)), window)
    if used > quota:
        raise errors.TooManyRequests(
            f"Rate limit reached: {quota} API requests per {window} seconds. "
            f"Retry in {state.reset} seconds",
            headers={**state.headers(), "Retry-After": str(state.reset)},
        )
    return state


def object_size_check(*, oid: str, size: int) -> None:
    if size > settings.HUB_MAX_OBJECT_BYTES:
        raise errors.PayloadTooLarge(
            f"Object {oid} is {size} bytes; this hub stores objects of at most "
            f"{settings.HUB_MAX_OBJECT_BYTES} bytes"
        )


def namespace_storage_used(*, namespace: Namespace) -> int:
    """LFS bytes the repos of a user or organization reference, each object counted once;
    files the hub derived (quota_exempt) are not counted."""
    per_object = (
        LfsObject.objects.filter(repo__namespace=namespace, quota_exempt=False)
        .values("oid")
        .annotate(size=Max("size"))
    )
    return per_object.aggregate(total=Sum("size"))["total"] or 0


def storage_quota_check(*, namespace: Namespace, objects: list[tuple[str, int]]) -> None:
    """Raises StorageQuotaExceeded when adding `objects` would take the namespace over quota.

    Objects its repos already reference cost nothing. Uploads still in flight are not
    counted yet, so concurrent batches may overshoot the quota by what they carry.
    """
    quota = settings.HUB_STORAGE_QUOTA_BYTES
    if not quota:
        return
    wanted = dict(objects)
    held = set(
        LfsObject.objects.filter(
            repo__namespace=namespace, oid__in=list(wanted), quota_exempt=False
        ).values_list("oid", flat=True)
    )
    adding = sum(size for oid, size in wanted.items() if oid not in held)
    if not adding:
        return
    used = namespace_storage_used(namespace=namespace)
    if used + adding > quota:
        raise errors.StorageQuotaExceeded(
            f"Storage quota exceeded: {namespace.name} stores {used} of its {quota} bytes "
            f"of LFS files, and this upload needs {adding} more. Delete files or repos, or "
            "ask the hub's operator for a larger quota"
        )
