"""LFS tasks. The service is imported inside the task: this module is imported when the
Celery app is created, before Django's apps are ready."""

from celery import signals

from workers.celery import app
from workers.lfs import uploads_clean_continue, uploads_clean_schedule


@signals.worker_ready.connect
def _start_periodic_tasks(**kwargs) -> None:
    # Every deployment runs workers (serve starts one; compose and systemd run celery
    # directly), so a worker's start is where the periodic cleaning is (re)started.
    uploads_clean_schedule()


@app.task(name="minihub.lfs_adopt")
def lfs_adopt(repo_pk: int, oid: str, size: int, upload: str) -> dict:
    """Verifies a staged upload and links it; answers the status the client should see."""
    from registry.errors import HubError
    from registry.services.lfs import staged_adopt

    try:
        staged_adopt(repo_pk=repo_pk, oid=oid, size=size, upload=upload)
    except HubError as exc:
        return {"status": exc.status, "code": exc.code, "error": exc.message}
    return {"status": 200}


@app.task(name="minihub.uploads_clean")
def uploads_clean(token: str) -> list[str]:
    """Removes abandoned uploads and enqueues the next run, unless a newer chain took over
    (workers/lfs.py `uploads_clean_schedule`)."""
    from registry.services.lfs import uploads_abandoned_clean

    if not uploads_clean_continue(token):
        return []
    return uploads_abandoned_clean()
