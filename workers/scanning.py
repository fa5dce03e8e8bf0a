"""The way from the write paths to the scanning worker (registry/services/scans.py)."""

from workers.celery import app


def commit_scan_enqueue(*, repo_pk: int, sha: str) -> None:
    """Queues the scan of commit `sha`'s files; a scan repeated by the broker is harmless."""
    app.send_task("minihub.commit_scan", args=[repo_pk, sha])
