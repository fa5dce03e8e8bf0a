"""Scanning tasks. The service is imported inside the task: this module is imported when the
Celery app is created, before Django's apps are ready."""

from workers.celery import app


@app.task(name="minihub.commit_scan")
def commit_scan(repo_pk: int, sha: str) -> int:
    """Scans the files of a commit that have no verdict yet (see registry/services/scans.py)."""
    from registry.models import Repo
    from registry.services.scans import commit_scan as scan

    repo = Repo.objects.filter(pk=repo_pk).first()
    return 0 if repo is None else scan(repo=repo, sha=sha)
