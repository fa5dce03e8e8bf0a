"""The way from the web to the workers for LFS uploads to a bucket: verify, and wait for it;
and the periodic removal of uploads abandoned half-way.

The web process never reads an object: a worker streams the staged bytes through sha256
(acks_late, so a worker that dies mid-way leaves the task to another) while the client's
verify request waits for the answer.
"""

import threading
import time
import uuid

from celery import states
from django.conf import settings
from django.core.cache import cache
from kombu.exceptions import OperationalError

from registry import errors
from workers.celery import app

# A worker hashes well over this rate even on a busy machine; past the deadline the client
# gets a 503 and asks again (huggingface_hub retries verify on 503).
_BASE_SECONDS = 60
_BYTES_PER_SECOND = 20 * 1024 * 1024
_CLEAN_TOKEN_KEY = "uploads-clean-token"


def staged_upload_adopt(*, repo_pk: int, oid: str, size: int, upload: str) -> None:
    """Has a worker verify staged upload `upload` as object `oid` and link it; waits.

    Raises the HubError the worker reports (wrong bytes, nothing received), or
    ServiceUnavailable when no worker answered in time.
    """
    task_id = f"lfs-adopt-{upload}"
    try:
        app.send_task("minihub.lfs_adopt", args=[repo_pk, oid, size, upload], task_id=task_id)
    except OperationalError as exc:
        raise errors.ServiceUnavailable(f"The task broker is unreachable: {exc}") from None
    try:
        answer = _wait(task_id, timeout=_BASE_SECONDS + size / _BYTES_PER_SECOND)
    finally:
        app.backend.forget(task_id)
    if answer["status"] != 200:
        error = errors.HubError(answer["error"])
        error.status, error.code = answer["status"], answer["code"]
        raise error


def uploads_clean_schedule() -> None:
    """Starts the periodic removal of abandoned uploads (no Celery beat: each run enqueues
    the next). Each run carries a token that only the next run may use: a newer start
    supersedes older chains, and a message the broker delivers twice runs once."""
    token = uuid.uuid4().hex
    cache.set(_CLEAN_TOKEN_KEY, token, timeout=None)
    app.send_task("minihub.uploads_clean", args=[token])


def uploads_clean_continue(token: str) -> bool:
    """Whether `token` is the current run's; if so, the next run is enqueued."""
    if cache.get(_CLEAN_TOKEN_KEY) != token:
        return False
    token = uuid.uuid4().hex
    cache.set(_CLEAN_TOKEN_KEY, token, timeout=None)
    # Below Redis's visibility timeout, or the waiting message would be handed out again.
    every = min(settings.HUB_LFS_LINK_SECONDS, settings.HUB_BROKER_VISIBILITY_TIMEOUT) // 2
    app.send_task("minihub.uploads_clean", args=[token], countdown=every)
    return True


def _wait(task_id: str, *, timeout: float) -> dict:
    deadline, pause = time.monotonic() + timeout, 0.005
    while True:
        meta = app.backend.get_task_meta(task_id, cache=False)
        if meta["status"] == states.SUCCESS:
            return meta["result"]
        if meta["status"] in states.PROPAGATE_STATES:
            raise errors.ServiceUnavailable(f"Verifying the upload failed: {meta['result']}")
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise errors.ServiceUnavailable("The upload is still being verified; retry")
        threading.Event().wait(min(pause, remaining))
        pause = min(pause * 1.5, 0.1)
