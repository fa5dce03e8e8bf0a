"""LFS tasks. The service is imported inside the task: this module is imported when the
Celery app is created, before Django's apps are ready."""

from workers.celery import app


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
    from workers.lfs import uploads_clean_continue

    if not uploads_clean_continue(token):
        return []
    return uploads_abandoned_clean()
